// ReplicaManager: runs every Raft group replica on a node (DESIGN.md section 5).
//
// One loop thread owns all the groups' Raft cores. Each iteration it takes the queued inputs
// (peer messages, proposals, read barriers), ticks the cores when a tick is due, then handles
// the Readys of every group together:
//   1. a snapshot received is installed into its state machine (durably) on a thread of its
//      own; that group's Ready waits for it while the others go on (an install that fails,
//      a disk too full say, restarts the replica from its log store: the leader sends the
//      snapshot again later, and the node's other groups never notice);
//   2. a leader's appends and heartbeats go out (ahead of its own fsync);
//   3. committed entries already durable here are applied and their proposals and reads
//      complete, so that they do not wait for this iteration's fsync;
//   4. all groups' entries and hard states go to the RaftLogStore in one synced write (group
//      commit across partitions);
//   5. the other messages go out, one batch per peer (PeerTransport); snapshots are read and
//      sent by a SnapshotSender on its own thread and connections, in chunks when big;
//   6. the remaining committed entries are applied; proposals and reads waiting on them
//      complete.
// Logs are compacted once a state machine has synced its data.
//
// Callbacks (`Done`) run on the loop thread: they must be quick and must not call back into
// the manager synchronously.
//
// Thread-safety: all public methods may be called from any thread, but not once the
// destructor has started.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "libddb/core/result.h"
#include "libddb/raft/raft.h"
#include "libddb/replication/raft_codec.h"
#include "libddb/replication/raft_log_store.h"
#include "libddb/replication/state_machine.h"

namespace ddb::replication {

class PeerTransport;
class SnapshotSender;

struct ManagerOptions {
  raft::NodeId self = raft::kNoNode;
  std::string dir;                                  // the Raft log lives in dir/raftlog
  std::map<raft::NodeId, std::string> addresses;    // ZeroMQ address of every node
  int tick_ms = 50;
  int election_ticks = 10;                          // 500 ms to 1 s before an election
  raft::Index compact_after = 10000;                // log entries kept before compacting
  // A group that has applied nothing for this long lets its state machine give back memory
  // (StateMachine::Idle; a partition's memtable holds up to 32 MB), once per quiet spell.
  int idle_ms = 60000;
  // Unanswered AppendEntries per follower. One: while an append is out, new entries gather and
  // leave together when it is answered, so a busy group sends fewer, bigger appends and its
  // followers fsync and acknowledge less often (measured at 16 clients on 3 nodes: +5-10%
  // puts/s, 11-20% less CPU a put than 64; docs/benchmarks.md). A lagging follower still
  // gets up to raft::Config::max_msg_bytes a round trip.
  size_t max_inflight = 1;
  uint64_t seed = 1;
  bool sync = true;                                 // tests only: false skips fsync
  // A snapshot bigger than this goes to a follower in chunks of this size, one frame each
  // (a frame holds at most proto::kMaxFrameBytes).
  size_t snapshot_chunk_bytes = 8 << 20;
  // How long a snapshot chunk waits for room in the follower's connection before the
  // snapshot is abandoned (the leader sends it again later).
  int snapshot_send_timeout_ms = 10000;
};

struct GroupStatus {
  GroupId group = 0;
  raft::Role role = raft::Role::kFollower;
  raft::NodeId leader = raft::kNoNode;
  raft::Term term = 0;
  raft::Index commit = 0;
  raft::Index applied = 0;
  raft::Index last = 0;
  bool lease = false;
  bool writable = false;  // leader, with its term's first entry applied
  bool leader_heard = false;  // follower: heard from the leader within two heartbeats
  raft::ConfState conf;
  std::map<raft::NodeId, raft::Index> match;  // leader only: each member's replicated index
};

class ReplicaManager {
 public:
  using Done = std::function<void(Status)>;

  static Result<std::unique_ptr<ReplicaManager>> Open(const ManagerOptions& options);
  ~ReplicaManager();  // stops the loop; waiting callbacks get ServiceUnavailable
  ReplicaManager(const ReplicaManager&) = delete;
  ReplicaManager& operator=(const ReplicaManager&) = delete;

  // Starts the replica of `group` from what its log store and state machine hold; a group
  // with nothing persisted starts as a member of a new group of `initial_voters` (every
  // initial member must be given the same list), or, with an empty list, as an empty replica
  // waiting for a snapshot (a replica being added).
  Status AddGroup(GroupId group, std::vector<raft::NodeId> initial_voters,
                  std::shared_ptr<StateMachine> sm);
  // Stops the replica and deletes its log (the caller deletes its data).
  Status RemoveGroup(GroupId group);

  // Replicates `data` through `group`. `done` gets OK once the entry is committed and applied
  // on this node; ServiceUnavailable (naming the leader, when known) if this replica is not the
  // leader or the entry was superseded; ResourceNotFound for an unknown group.
  // With `expected_term` set, the proposal is refused (ServiceUnavailable) unless this replica
  // still leads in that term (see WriteTerm).
  void Propose(GroupId group, std::string data, Done done,
               std::optional<raft::Term> expected_term = std::nullopt);
  // The term in which this replica leads `group` with everything committed before that term
  // applied, as of the loop's last iteration; nullopt otherwise. A write decided on the
  // applied state and proposed with this term as expected_term saw every earlier write.
  std::optional<raft::Term> WriteTerm(GroupId group);
  // `done` gets OK once this replica may serve a strongly consistent read of `group` from its
  // state machine: it is the leader, holds the lease, and has applied everything committed
  // when the call arrived. ServiceUnavailable otherwise.
  void ReadBarrier(GroupId group, Done done);
  Status TransferLeadership(GroupId group, raft::NodeId to);
  // Starts an election for `group` now (a group whose only voter is this node leads at once).
  void Campaign(GroupId group);
  Status ProposeConfChange(GroupId group, const raft::ConfChange& change);

  // Adds or moves other nodes (a cluster file applied at run time), from the loop's next
  // iteration; a node new here counts as heard from now. A node left out keeps its address
  // and its last-heard time: groups here may still count it as a member until they move off
  // it, and their messages must reach it.
  void SetPeers(const std::map<raft::NodeId, std::string>& addresses);

  // A Raft batch from a peer (the body of a "Raft" request).
  void Receive(std::string frame);

  std::vector<GroupStatus> Groups();
  // When a Raft batch last arrived from each other node of `addresses` (for a node not heard
  // from yet, when this manager started): how long a node has been silent.
  std::map<raft::NodeId, std::chrono::steady_clock::time_point> LastHeard();
  // The leader of `group` as last seen (kNoNode if unknown).
  raft::NodeId LeaderOf(GroupId group);
  // The leader of `group` if this replica heard from it within two heartbeats (or is it);
  // kNoNode otherwise: a leader that went quiet may be gone.
  raft::NodeId LiveLeaderOf(GroupId group);

 private:
  struct Waiter {
    raft::Index index = 0;
    raft::Term term = 0;
    Done done;
  };
  struct Group {
    std::unique_ptr<raft::Raft> raft;
    std::shared_ptr<StateMachine> sm;
    std::multimap<raft::Index, Waiter> proposals;  // by index
    std::multimap<raft::Index, Done> reads;        // by read index
    raft::HardState persisted;                     // the last hard state written
    // A Ready with a snapshot, held while the state machine restores it on another thread
    // (`restored` holds the outcome); the group gives no other Ready meanwhile.
    std::optional<raft::Ready> installing;
    std::future<Status> restored;
    // A Sync (or an Idle) of the state machine running on another thread; the log is
    // compacted at `sync_at` once a Sync succeeds (MaybeCompact). One at a time; a Sync never
    // alongside a Restore (an Idle may go on while one starts).
    std::future<Status> syncing;
    raft::Index sync_at = 0;  // 0 for an Idle() running in `syncing`: nothing to compact
    // Idleness (MaybeIdle): the applied index last seen, since when, and where Idle() ran.
    raft::Index seen_applied = 0;
    std::chrono::steady_clock::time_point applied_changed;
    raft::Index idled_at = 0;
  };

  explicit ReplicaManager(const ManagerOptions& options);
  // Makes the group's Raft core (and its persisted hard state) from what `storage` (loaded
  // from the log store) and the group's state machine hold.
  Status StartCore(GroupId group, raft::Storage storage, Group* g);
  // A snapshot's install failed (the state machine is unchanged): answers what waits on the
  // group and makes its core again from the log store, as a restart would.
  void RestartAfterFailedInstall(GroupId id, Group& g, const Status& why);
  void Run();
  void Post(std::function<void()> fn);
  void ProcessReadys();
  // Applies the Ready's committed entries up to index `up_to` that the state machine lacks and
  // answers the proposals and reads they complete.
  void ApplyCommitted(GroupId id, Group& g, const raft::Ready& rd, raft::Index up_to);
  // Applies the rest of the Ready's committed entries, advances the core, answers superseded
  // proposals and compacts the log. REQUIRES: the Ready's entries and hard state are written.
  void Apply(GroupId id, Group& g, const raft::Ready& rd);
  void MaybeCompact(GroupId id, Group& g, RaftLogStore::Batch* next);
  // Starts the state machine's Idle() (if `may_start`) once the group has applied nothing
  // for options_.idle_ms; true if it did.
  bool MaybeIdle(GroupId id, Group& g, std::chrono::steady_clock::time_point now, bool may_start);
  // True while the group's state machine runs an Idle() not yet finished.
  static bool IdleRunning(Group& g);
  // Collects the group's Sync if it is done (or, with `wait`, once it is) and compacts the log
  // at sync_at, recording it in `next`.
  void FinishSync(GroupId id, Group& g, RaftLogStore::Batch* next, bool wait);
  // Tells `leader` that the snapshot at `index` is still arriving or being installed.
  void SendSnapProgress(GroupId group, raft::NodeId leader, raft::Term term, raft::Index index);
  // Steps a received message; a chunk of a snapshot goes to the snapshot's file, and the
  // snapshot is stepped (without data) once its chunks are all there (loop thread).
  void StepReceived(GroupMessage gm);
  void PublishStatus();
  Status NotLeader(GroupId id, const Group& g) const;

  const ManagerOptions options_;
  std::unique_ptr<RaftLogStore> log_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::function<void()>> inbox_;     // GUARDED_BY(mu_)
  bool stopping_ = false;                        // GUARDED_BY(mu_)
  std::map<GroupId, GroupStatus> status_;        // GUARDED_BY(mu_)
  std::map<raft::NodeId, std::chrono::steady_clock::time_point> last_heard_;  // GUARDED_BY(mu_)

  // Loop thread only.
  std::map<GroupId, Group> groups_;
  std::unique_ptr<PeerTransport> transport_;
  RaftLogStore::Batch pending_compactions_;
  // Reads and sends the snapshots this node's leaders send (its own thread).
  std::unique_ptr<SnapshotSender> snapshots_;
  // A chunked snapshot arriving from (group, sender): the message of a chunk (for the
  // snapshot's metadata; its data dropped) and the chunks so far, each written at its offset
  // in a file of its own in snapshot_dir_, so that no snapshot is ever whole in memory here.
  struct PartialSnapshot {
    GroupMessage message;
    std::string path;
    int fd = -1;
    std::map<uint64_t, uint64_t> chunks;  // offset -> size of each chunk written
    uint64_t bytes = 0;                   // their total
  };
  std::map<std::pair<GroupId, raft::NodeId>, PartialSnapshot> partial_snapshots_;
  // Chunked snapshots received whole and stepped into their group's core, by (group, index):
  // the file the state machine restores from once the core hands the snapshot over (its
  // message carries no data).
  std::map<std::pair<GroupId, raft::Index>, std::string> staged_snapshots_;
  std::string snapshot_dir_;      // options_.dir/snapshots, emptied at Open
  uint64_t next_snapshot_file_ = 0;
  // Closes and deletes a partial snapshot's file and forgets it.
  void DropPartial(std::map<std::pair<GroupId, raft::NodeId>, PartialSnapshot>::iterator it);
  // The staged file of `group`'s snapshot at `index` ("" if none); the group's other staged
  // files (snapshots its core turned down) are deleted.
  std::string TakeStaged(GroupId group, raft::Index index);
  // Deletes the partial and staged snapshots of groups gone or already past them (each tick).
  void CollectSnapshotFiles();
  std::thread loop_;
};

}  // namespace ddb::replication
