// SnapshotSender: reads and sends snapshots to followers on its own thread, so that the Raft
// loop never stops for the size of a partition (DESIGN.md section 5).
//
// The loop hands over a job: the snapshot message (metadata, sender, term, receiver) and a
// reader that produces the state machine's data as it was when the job was made. The sender's
// thread reads the data a chunk at a time (never the whole of it in memory) and sends it
// through its own connection to the follower, so the data never queues ahead of the loop's
// heartbeats; data bigger than `chunk_bytes` goes in chunks of that size, one frame each (the
// follower writes them to a file and, while they arrive, tells the leader so:
// raft::MessageType::kSnapProgress). Jobs run one at a time, in order; a
// new job for a (group, follower) whose job still waits replaces it, and one for the snapshot
// being sent to that follower right now is dropped (the leader asked again before the first
// chunk arrived).
//
// A chunk waits at most `send_timeout_ms` for room in the connection's queue (a follower that
// does not read), in steps of 100 ms so that Cancel never waits long; then the job is
// abandoned, and the leader's core sends the snapshot again once it counts it as lost.
//
// Thread-safety: Send and Cancel may be called from any thread; readers run on the sender's
// thread, one at a time.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "libddb/raft/types.h"
#include "libddb/replication/raft_codec.h"
#include "libddb/replication/raft_log_store.h"
#include "libddb/replication/state_machine.h"

namespace ddb::replication {

class PeerTransport;

class SnapshotSender {
 public:
  SnapshotSender(size_t chunk_bytes, int send_timeout_ms);
  ~SnapshotSender();  // abandons waiting jobs; waits for the running one to end
  SnapshotSender(const SnapshotSender&) = delete;
  SnapshotSender& operator=(const SnapshotSender&) = delete;

  // Queues `m` (a kSnap message without data) for `address`, its data to come from `reader`.
  void Send(GroupId group, raft::Message m, std::string address, SnapshotReader reader);
  // Drops the group's waiting jobs and waits for its running one to end: once it returns, no
  // reader of `group` runs or will run.
  void Cancel(GroupId group);

 private:
  struct Job {
    GroupId group = 0;
    raft::Message message;
    std::string address;
    SnapshotReader reader;
  };

  void Run();
  // Reads and sends one job (sender thread).
  void SendOne(Job& job);
  // The running job should stop (the sender stops or its group was cancelled).
  bool Abandoned() const;

  const size_t chunk_bytes_;
  const int send_timeout_ms_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;                 // GUARDED_BY(mu_)
  std::optional<GroupId> running_;        // GUARDED_BY(mu_): the group of the job being sent
  raft::NodeId running_to_ = raft::kNoNode;  // GUARDED_BY(mu_): ... its follower
  raft::Index running_index_ = 0;         // GUARDED_BY(mu_): ... and its snapshot's index
  bool abandon_running_ = false;          // GUARDED_BY(mu_): Cancel wants it to stop
  bool stopping_ = false;                 // GUARDED_BY(mu_)

  std::unique_ptr<PeerTransport> transport_;  // sender thread only (its own sockets)
  std::thread thread_;
};

}  // namespace ddb::replication
