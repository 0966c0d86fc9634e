// Progress: what a leader knows about one member's log, and the quorum arithmetic over members.
//
// A follower is in one of three states (the flow control of etcd-raft):
//   kProbe:     the leader does not know where the logs diverge; it sends one AppendEntries at
//               a time and waits for the answer (or the next heartbeat answer).
//   kReplicate: the logs match up to `match`; the leader streams entries optimistically from
//               `next`, with at most `max_inflight` unanswered messages (Inflights).
//   kSnapshot:  the entries the follower needs are compacted away; a snapshot is on its way.
//
// Thread-safety: none; owned by one Raft object.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "libddb/raft/types.h"

namespace ddb::raft {

// A window of unanswered AppendEntries messages, each remembered by its last index.
class Inflights {
 public:
  explicit Inflights(size_t capacity) : capacity_(capacity) {}
  bool Full() const { return last_.size() >= capacity_; }
  size_t Count() const { return last_.size(); }
  void Add(Index last) { last_.push_back(last); }
  // Frees every message whose last index is <= `index`.
  void FreeTo(Index index) {
    while (!last_.empty() && last_.front() <= index) last_.pop_front();
  }
  void FreeFirst() {
    if (!last_.empty()) last_.pop_front();
  }
  void Reset() { last_.clear(); }

 private:
  size_t capacity_;
  std::deque<Index> last_;
};

struct Progress {
  enum class State : uint8_t { kProbe, kReplicate, kSnapshot };

  explicit Progress(size_t max_inflight) : inflights(max_inflight) {}

  Index match = 0;
  Index next = 1;
  State state = State::kProbe;
  bool probe_sent = false;       // kProbe: a message is out, wait before sending another
  Index pending_snapshot = 0;    // kSnapshot: the index of the snapshot sent
  int snapshot_ticks = 0;        // kSnapshot: ticks without progress, to resend a lost one
  bool recent_active = false;    // heard from since the last CheckQuorum
  uint64_t lease_ack_tick = 0;   // the newest leader tick this member acknowledged
  Inflights inflights;

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(Index snapshot_index);
  // An AppendEntries answer accepted entries up to `n`; false if it is stale.
  bool MaybeUpdate(Index n);
  // A rejection of the message whose previous entry was `rejected`, from a follower whose last
  // index is `hint`; false if the rejection is stale.
  bool MaybeDecrTo(Index rejected, Index hint);
  // True when the leader should not send more entries now.
  bool IsPaused() const;
  // After sending entries up to `last` (kReplicate: optimistic).
  void SentEntries(Index last);
};

std::string_view ProgressStateName(Progress::State s);

// Quorum arithmetic over a (possibly joint) configuration.
namespace quorum {

// The largest value v such that a majority of `voters` have value(id) >= v (0 for no voters).
uint64_t MajorityValue(const std::vector<NodeId>& voters,
                       const std::function<uint64_t(NodeId)>& value);
// Joint: the smaller of the two majorities (outgoing ignored when empty).
uint64_t JointValue(const ConfState& conf, const std::function<uint64_t(NodeId)>& value);

enum class VoteResult { kPending, kWon, kLost };
VoteResult MajorityVote(const std::vector<NodeId>& voters, const std::map<NodeId, bool>& votes);
VoteResult JointVote(const ConfState& conf, const std::map<NodeId, bool>& votes);
// True if a quorum of `conf` has `active(id)`.
bool JointActive(const ConfState& conf, const std::function<bool(NodeId)>& active);

}  // namespace quorum
}  // namespace ddb::raft
