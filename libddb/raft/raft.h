// Raft: the consensus core of one replication group, as a pure state machine.
//
// No sockets, threads, clocks or disk. Inputs are Tick() (abstract time), Step(message) and the
// proposal calls; outputs come out of GetReady(). Randomness (election timeouts) comes from a
// generator seeded by Config::seed, so a run is reproducible from its seed. The node drives it
// over ZeroMQ and LevelDB; the simulator in tests/raft drives thousands of seeded runs.
//
// The application's duties, in this order, for every Ready (as in etcd-raft's doc.go):
//   1. install `snapshot` if set, then persist `entries` (replacing any persisted entries at
//      and after entries[0].index) and `hard_state`, and sync;
//   2. send `messages`;
//   3. apply `committed` in order (ConfChange entries are applied by the core itself);
//   4. call Advance(ready).
// Step() and Tick() may be called between GetReady() and Advance() (while the sync runs), but
// GetReady() may not be called again before Advance().
//
// Features: PreVote and CheckQuorum elections; pipelined replication with flow control;
// snapshots, InstallSnapshot and log compaction; leader leases; leadership transfer; membership
// changes one server at a time through a joint configuration; learners.
//
// Leader lease. A follower that heard from a leader less than an election timeout ago (by its
// own clock) ignores vote requests, and so does a node that restarted less than an election
// timeout ago (it may have acknowledged a leader just before it crashed). A leader's lease runs
// `lease_ticks` past the send time of the newest message a quorum acknowledged; lease_ticks is
// shorter than the election timeout by the clock drift bound, so no other leader can be elected
// while the lease holds. A leader elected through a leadership transfer (whose voters did not
// wait) waits a full election timeout before it commits anything or serves lease reads.
//
// A leader that removes itself does not step down when the removal takes effect: until a quorum
// of the new configuration has answered a message sent after their logs held the removal, it
// goes on leading (heartbeats, appends, commits) but takes no proposals, serves no reads and
// holds no lease (CheckQuorum still ends it if the others go silent). Stepping down at once
// could leave the others unaware that the removal is committed, counting the old
// configuration's voters. A replica does not campaign while a committed membership change
// waits to be applied.
//
// Thread-safety: none. One Raft object per group, driven by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "libddb/core/result.h"
#include "libddb/core/status.h"
#include "libddb/raft/progress.h"
#include "libddb/raft/raft_log.h"
#include "libddb/raft/types.h"

namespace ddb::raft {

struct Config {
  NodeId id = kNoNode;
  int election_ticks = 10;   // a follower campaigns after [election, 2*election) silent ticks
  int heartbeat_ticks = 1;   // a leader sends heartbeats this often
  uint64_t seed = 1;         // seeds the election timeout generator (mixed with id)
  bool pre_vote = true;
  // Bound on how much faster or slower one node's ticks may run than another's (0.05 = 5%).
  double max_clock_drift = 0.05;
  size_t max_inflight = 64;            // unanswered AppendEntries per follower
  size_t max_msg_bytes = 1 << 20;      // entries per AppendEntries
  size_t max_committed_bytes = 4 << 20;  // committed entries per Ready
  // TEST ONLY: lengthens the lease past what is safe, so that tests can show the simulator
  // catches an unsafe lease. Never set outside tests.
  int TEST_unsafe_extra_lease_ticks = 0;

  // The lease length these settings allow (see the header comment); 0 if none is possible.
  int LeaseTicks() const;
  Status Validate() const;
};

// What the application persisted, to start (or restart) a replica.
struct Storage {
  HardState hard_state;
  SnapshotMeta snapshot;        // the latest snapshot (its data is the application's)
  std::vector<Entry> entries;   // persisted entries after the snapshot
  Index applied = 0;            // the application's applied index (stored with its data)
  // The snapshot's data, for sending to followers that fell behind it (may be null: the
  // application can supply it later through Compact).
  std::shared_ptr<const std::string> snapshot_data;
};

// The persistent state of a member of a brand-new group: a snapshot at index 1, term 1, whose
// configuration has the initial `voters`. Every initial member starts from the same state;
// members added later start from an empty Storage{} and receive a snapshot.
Storage BootstrapStorage(std::vector<NodeId> voters);

struct Ready {
  std::optional<HardState> hard_state;  // set when it changed
  std::optional<Snapshot> snapshot;     // received from the leader: install it
  std::vector<Entry> entries;           // persist
  std::vector<Entry> committed;         // apply, after persisting
  std::vector<Message> messages;        // send, after persisting
};

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
std::string_view RoleName(Role r);

class Raft {
 public:
  // REQUIRES: config.Validate().ok().
  Raft(const Config& config, const Storage& storage);

  Raft(const Raft&) = delete;
  Raft& operator=(const Raft&) = delete;

  // --- Inputs -------------------------------------------------------------------------------
  void Tick();
  // A message from another member. Messages that are stale, for another node or malformed are
  // dropped (Raft tolerates loss).
  void Step(Message m);
  // Appends `data` to the log if this replica is the leader; returns the entry's index.
  // ServiceUnavailable when not the leader or during a leadership transfer.
  Result<Index> Propose(std::string data);
  Status ProposeConfChange(const ConfChange& cc);
  // Hands leadership to `to` once its log is current. REQUIRES: leader.
  Status TransferLeadership(NodeId to);
  // Starts an election now, as if the election timeout had passed (tests, manual failover).
  // Ignored while this replica heard from a leader within an election timeout, unless it is
  // the group's only voter (lease safety: see raft.cc).
  void Campaign();
  // The transport could not deliver to `to`: probe it again instead of streaming.
  void ReportUnreachable(NodeId to);
  // Takes a snapshot of the applied state at `index`, so entries up to it can be dropped (and
  // sent to slow followers as `data`). REQUIRES: index <= applied(), and the entries persisted.
  void Compact(Index index, std::shared_ptr<const std::string> data);

  // --- Outputs ------------------------------------------------------------------------------
  bool HasReady() const;
  Ready GetReady();
  void Advance(const Ready& ready);

  // True when this replica may answer a strongly consistent read from its own state once it
  // has applied up to ReadIndex(): it is the leader, holds the lease, has committed an entry of
  // its term, and is not waiting out a previous leader's lease.
  bool HasLease() const;
  Index ReadIndex() const { return log_.committed(); }

  // --- Status -------------------------------------------------------------------------------
  NodeId id() const { return id_; }
  NodeId leader() const { return lead_; }
  Term term() const { return term_; }
  // As leader: the index of the empty entry that opened this term. Once it is applied, the
  // applied state holds everything committed before this replica led.
  Index term_start() const { return term_start_; }
  // A leader removed from the group that still leads until the others know (see SetConf): it
  // takes no proposals, serves no reads and transfers nothing.
  bool leaving() const { return handover_index_ != 0; }
  // Ticks since this replica last heard from a leader (capped at the election timeout).
  int ticks_since_contact() const { return ticks_since_contact_; }
  Role role() const { return role_; }
  const ConfState& conf() const { return conf_; }
  const RaftLog& log() const { return log_; }
  HardState hard_state() const { return {term_, vote_, log_.committed()}; }
  const std::map<NodeId, Progress>& progress() const { return progress_; }
  const Snapshot& snapshot() const { return snapshot_; }
  uint64_t now() const { return now_; }
  NodeId transferee() const { return transferee_; }
  // One line: "1 Leader term=3 commit=7 applied=7 last=7 lead=1 lease=yes".
  std::string Describe() const;

 private:
  bool IsVoter() const { return conf_.IsVoter(id_); }
  void BecomeFollower(Term term, NodeId lead);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void StartElection(bool transfer);
  void Poll(MessageType type, bool transfer);
  void ResetTerm(Term term);
  void ResetElectionTimeout();
  void ResetProgress();

  void TickElection();
  void TickLeader();
  void Send(Message m);
  // Returns true if a message was sent.
  bool SendAppend(NodeId to, bool send_if_empty);
  void SendHeartbeat(NodeId to);
  void BroadcastAppend();
  void BroadcastHeartbeat();
  bool MaybeCommit();
  void AppendEntries(std::vector<Entry> entries);

  void StepLeader(const Message& m);
  void StepCandidate(const Message& m);
  void StepFollower(const Message& m);
  void HandleVoteRequest(const Message& m);
  void HandleAppend(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshot(const Message& m);
  void HandleAppendResponse(const Message& m, NodeId from);
  void HandleVoteResponse(const Message& m);

  void ApplyConfChange(const Entry& e);
  void SetConf(const ConfState& conf);
  // A removed leader steps down once a quorum of the new configuration knows its removal is
  // committed (see SetConf).
  void MaybeFinishHandover();
  void NoteHandoverAck(NodeId from, uint64_t sent_tick);
  bool InLease() const;
  ConfState ConfAt(Index index) const;

  // Fixed at construction.
  const Config config_;
  const NodeId id_;
  const int lease_ticks_;

  uint64_t rng_;
  Term term_ = 0;
  NodeId vote_ = kNoNode;
  NodeId lead_ = kNoNode;
  Role role_ = Role::kFollower;
  RaftLog log_;
  ConfState conf_;
  // The configuration at each index after the snapshot where it changed (for snapshots).
  std::map<Index, ConfState> conf_history_;
  std::map<NodeId, Progress> progress_;
  std::map<NodeId, bool> votes_;
  Snapshot snapshot_;
  std::optional<Snapshot> pending_install_;  // received, to hand out in the next Ready
  std::vector<Message> msgs_;

  uint64_t now_ = 0;                 // ticks since this object was created
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_timeout_ = 0;
  int ticks_since_contact_ = 0;      // since a leader was last heard (or since restart)
  int lease_wait_ = 0;               // ticks a transfer-elected leader still waits
  bool campaign_is_transfer_ = false;
  bool pending_broadcast_ = false;   // proposals appended since the last Ready
  NodeId transferee_ = kNoNode;
  Index pending_conf_index_ = 0;     // no new ConfChange until this index is applied
  Index term_start_ = 0;             // leader: index of this term's first entry
  // Leader whose removal is in force (SetConf): the commit index it must see the new
  // configuration learn before it steps down (0: not leaving), and for each member the tick at
  // which its log was known to hold that index (an answer to a message sent in a later tick
  // proves the member learned the commit).
  Index handover_index_ = 0;
  std::map<NodeId, uint64_t> handover_since_;
  // For each member, the newest send tick (plus one) of a heartbeat or accepted append it
  // answered while this leader hands over.
  std::map<NodeId, uint64_t> handover_acked_;

  HardState prev_hard_state_;
  bool ready_outstanding_ = false;
};

}  // namespace ddb::raft
