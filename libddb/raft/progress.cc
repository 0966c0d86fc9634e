#include "libddb/raft/progress.h"

#include <algorithm>

namespace ddb::raft {

void Progress::BecomeProbe() {
  // Coming back from a snapshot, the follower has at least the snapshot.
  if (state == State::kSnapshot) {
    next = std::max(match + 1, pending_snapshot + 1);
  } else {
    next = match + 1;
  }
  state = State::kProbe;
  probe_sent = false;
  pending_snapshot = 0;
  snapshot_ticks = 0;
  inflights.Reset();
}

void Progress::BecomeReplicate() {
  state = State::kReplicate;
  next = match + 1;
  probe_sent = false;
  pending_snapshot = 0;
  inflights.Reset();
}

void Progress::BecomeSnapshot(Index snapshot_index) {
  state = State::kSnapshot;
  pending_snapshot = snapshot_index;
  snapshot_ticks = 0;
  probe_sent = false;
  inflights.Reset();
}

bool Progress::MaybeUpdate(Index n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::MaybeDecrTo(Index rejected, Index hint) {
  if (state == State::kReplicate) {
    // Stale if the rejected message was for entries the follower has since matched.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // Probe: only the answer to the latest probe (prev = next - 1) counts.
  if (next == 0 || next - 1 != rejected) return false;
  next = std::max(std::min(rejected, hint + 1), match + 1);
  if (next == 0) next = 1;
  probe_sent = false;
  return true;
}

bool Progress::IsPaused() const {
  switch (state) {
    case State::kProbe: return probe_sent;
    case State::kReplicate: return inflights.Full();
    case State::kSnapshot: return true;
  }
  return true;
}

void Progress::SentEntries(Index last) {
  if (state == State::kReplicate) {
    if (last >= next) {
      next = last + 1;
      inflights.Add(last);
    }
  } else if (state == State::kProbe) {
    probe_sent = true;
  }
}

std::string_view ProgressStateName(Progress::State s) {
  switch (s) {
    case Progress::State::kProbe: return "Probe";
    case Progress::State::kReplicate: return "Replicate";
    case Progress::State::kSnapshot: return "Snapshot";
  }
  return "?";
}

namespace quorum {

uint64_t MajorityValue(const std::vector<NodeId>& voters,
                       const std::function<uint64_t(NodeId)>& value) {
  if (voters.empty()) return UINT64_MAX;  // an empty set agrees to anything (joint arithmetic)
  std::vector<uint64_t> v;
  v.reserve(voters.size());
  for (NodeId id : voters) v.push_back(value(id));
  std::sort(v.begin(), v.end(), std::greater<>());
  return v[voters.size() / 2];
}

uint64_t JointValue(const ConfState& conf, const std::function<uint64_t(NodeId)>& value) {
  uint64_t a = MajorityValue(conf.voters, value);
  uint64_t b = MajorityValue(conf.voters_outgoing, value);
  uint64_t r = std::min(a, b);
  return r == UINT64_MAX ? 0 : r;
}

VoteResult MajorityVote(const std::vector<NodeId>& voters, const std::map<NodeId, bool>& votes) {
  if (voters.empty()) return VoteResult::kWon;
  size_t granted = 0, rejected = 0;
  for (NodeId id : voters) {
    auto it = votes.find(id);
    if (it == votes.end()) continue;
    (it->second ? granted : rejected)++;
  }
  size_t q = voters.size() / 2 + 1;
  if (granted >= q) return VoteResult::kWon;
  if (voters.size() - rejected < q) return VoteResult::kLost;
  return VoteResult::kPending;
}

VoteResult JointVote(const ConfState& conf, const std::map<NodeId, bool>& votes) {
  if (conf.voters.empty() && conf.voters_outgoing.empty()) return VoteResult::kLost;
  VoteResult a = MajorityVote(conf.voters, votes);
  VoteResult b = MajorityVote(conf.voters_outgoing, votes);
  if (a == VoteResult::kLost || b == VoteResult::kLost) return VoteResult::kLost;
  if (a == VoteResult::kWon && b == VoteResult::kWon) return VoteResult::kWon;
  return VoteResult::kPending;
}

bool JointActive(const ConfState& conf, const std::function<bool(NodeId)>& active) {
  std::map<NodeId, bool> votes;
  for (NodeId id : conf.Members()) votes[id] = active(id);
  return JointVote(conf, votes) == VoteResult::kWon;
}

}  // namespace quorum
}  // namespace ddb::raft
