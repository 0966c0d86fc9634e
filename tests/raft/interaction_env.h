// InteractionEnv: a few Raft replicas in one process, driven command by command by the golden
// files in tests/raft/testdata (the commands are listed in testdata/README.md).
//
// Nothing happens by itself: messages wait in a queue until `deliver-msgs` or `stabilize`, and
// Readys are processed only by `process-ready` or `stabilize`, so a script controls every
// interleaving and the output shows every step. Persistence is synchronous (a Ready's entries
// are on "disk" before its messages leave); `crash` drops what a replica had not yet persisted.
//
// Thread-safety: none (a test's local object).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "libddb/raft/raft.h"
#include "tests/golden.h"

namespace ddb::raft {

class InteractionEnv {
 public:
  std::string Run(const testing::GoldenCase& c);

 private:
  struct Disk {
    Storage storage;  // hard state, snapshot, entries, applied
  };
  struct Replica {
    Config config;
    Disk disk;
    std::unique_ptr<Raft> raft;
    std::vector<std::string> applied;  // the state machine: applied entry data, in order
  };

  std::string AddNodes(const testing::GoldenCase& c);
  std::string ProcessReady(NodeId id, const std::string& indent);
  std::string DeliverMsgs(NodeId id, const std::string& indent);
  std::string Stabilize(const std::vector<NodeId>& ids);
  std::string Status(NodeId id);
  std::string RaftLog(NodeId id);
  void Restart(NodeId id);
  bool Blocked(NodeId from, NodeId to) const;
  std::vector<NodeId> Ids(const testing::GoldenCase& c) const;
  Replica& Get(NodeId id);

  std::map<NodeId, Replica> replicas_;
  std::vector<Message> queue_;  // sent, not yet delivered
  std::set<std::pair<NodeId, NodeId>> cut_;  // (from, to) links that drop messages
};

}  // namespace ddb::raft
