#include "libddb/raft/raft.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "libddb/core/check.h"

namespace ddb::raft {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

MessageType ResponseType(MessageType t) {
  return t == MessageType::kPreVote ? MessageType::kPreVoteResp : MessageType::kVoteResp;
}

Status NotLeader(NodeId lead) {
  return Status(Code::kServiceUnavailable,
                lead == kNoNode ? std::string("not the leader; no leader is known")
                                : "not the leader; the leader is " + std::to_string(lead));
}

// A leader removed from its group, telling the others before it steps down (Raft::SetConf).
Status Leaving() {
  return Status(Code::kServiceUnavailable, "removed from the group; handing over to the others");
}

}  // namespace

int Config::LeaseTicks() const {
  // A follower that heard from the leader waits at least (election_ticks - 1) of its ticks
  // (the first tick may come right after the message) before it votes; the lease must end
  // before that, even if the leader's clock runs slow and the follower's fast, with one tick
  // of margin for the leader's own tick granularity.
  double drift = max_clock_drift;
  double ticks = (election_ticks - 1) * (1.0 - drift) / (1.0 + drift) - 1.0;
  return ticks < 1.0 ? 0 : static_cast<int>(std::floor(ticks));
}

Status Config::Validate() const {
  if (id == kNoNode) return Status::Validation("raft: node id 0 is reserved");
  if (heartbeat_ticks < 1) return Status::Validation("raft: heartbeat_ticks must be >= 1");
  if (election_ticks <= heartbeat_ticks) {
    return Status::Validation("raft: election_ticks must be greater than heartbeat_ticks");
  }
  if (!(max_clock_drift >= 0.0 && max_clock_drift < 0.5)) {
    return Status::Validation("raft: max_clock_drift must be in [0, 0.5)");
  }
  if (LeaseTicks() < 1) {
    return Status::Validation("raft: election_ticks too small for a lease at this clock drift");
  }
  if (max_inflight < 1) return Status::Validation("raft: max_inflight must be >= 1");
  return Status::OK();
}

Storage BootstrapStorage(std::vector<NodeId> voters) {
  std::sort(voters.begin(), voters.end());
  voters.erase(std::unique(voters.begin(), voters.end()), voters.end());
  Storage s;
  s.hard_state = HardState{1, kNoNode, 1};
  s.snapshot.index = 1;
  s.snapshot.term = 1;
  s.snapshot.conf.voters = std::move(voters);
  s.applied = 1;
  s.snapshot_data = std::make_shared<const std::string>();
  return s;
}

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kFollower: return "Follower";
    case Role::kPreCandidate: return "PreCandidate";
    case Role::kCandidate: return "Candidate";
    case Role::kLeader: return "Leader";
  }
  return "?";
}

Raft::Raft(const Config& config, const Storage& storage)
    : config_(config),
      id_(config.id),
      lease_ticks_(config.LeaseTicks()),
      rng_(config.seed ^ (config.id * 0xD6E8FEB86659FD93ULL)),
      log_(storage.snapshot, storage.entries) {
  DDB_CHECK_MSG(config.Validate().ok(), "%s", config.Validate().ToString().c_str());
  term_ = storage.hard_state.term;
  vote_ = storage.hard_state.vote;
  conf_ = storage.snapshot.conf;
  snapshot_.meta = storage.snapshot;
  snapshot_.data = storage.snapshot_data;
  Index commit = std::max(storage.hard_state.commit, storage.snapshot.index);
  DDB_CHECK_MSG(commit <= log_.LastIndex(), "persisted commit %llu beyond the log (%llu)",
                static_cast<unsigned long long>(commit),
                static_cast<unsigned long long>(log_.LastIndex()));
  log_.CommitTo(commit);
  // Membership changes the application already applied take effect again now; later ones take
  // effect when they are applied.
  Index applied = std::clamp(storage.applied, storage.snapshot.index, commit);
  for (Index i = log_.FirstIndex(); i <= applied; ++i) {
    if (log_.At(i).type == EntryType::kConfChange) ApplyConfChange(log_.At(i));
  }
  log_.AppliedTo(applied);
  prev_hard_state_ = hard_state();
  BecomeFollower(term_, kNoNode);
  // A replica that may have acknowledged a leader before it stopped must not help elect another
  // one within that leader's lease. In term 1 (a fresh group) no leader has existed yet.
  ticks_since_contact_ = term_ <= 1 ? config_.election_ticks : 0;
}

// --- Roles ---------------------------------------------------------------------------------

void Raft::ResetTerm(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  lead_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetElectionTimeout();
  votes_.clear();
  transferee_ = kNoNode;
  lease_wait_ = 0;
  pending_broadcast_ = false;
}

void Raft::ResetElectionTimeout() {
  randomized_timeout_ =
      config_.election_ticks + static_cast<int>(SplitMix64(rng_) % config_.election_ticks);
}

void Raft::BecomeFollower(Term term, NodeId lead) {
  ResetTerm(term);
  lead_ = lead;
  role_ = Role::kFollower;
  progress_.clear();
  handover_index_ = 0;
  handover_since_.clear();
  handover_acked_.clear();
}

void Raft::BecomePreCandidate() {
  // Does not change the term or the vote: a pre-vote disturbs nobody.
  role_ = Role::kPreCandidate;
  votes_.clear();
  lead_ = kNoNode;
  progress_.clear();
}

void Raft::BecomeCandidate() {
  ResetTerm(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
  progress_.clear();
}

void Raft::BecomeLeader() {
  bool transfer = campaign_is_transfer_;
  ResetTerm(term_);
  lead_ = id_;
  role_ = Role::kLeader;
  ticks_since_contact_ = 0;
  ResetProgress();
  // No membership change until everything before this term is applied (the single-server
  // change bug: a new leader must not change membership on top of an uncommitted change).
  pending_conf_index_ = log_.LastIndex();
  // Voters of a transfer did not wait out the old leader's lease: wait it out here.
  lease_wait_ = transfer ? config_.election_ticks : 0;
  // The empty entry that commits everything before this term (paper 5.4.2, 8).
  AppendEntries({Entry{term_, 0, EntryType::kNormal, {}}});
  term_start_ = log_.LastIndex();
}

void Raft::ResetProgress() {
  progress_.clear();
  for (NodeId id : conf_.Members()) {
    Progress pr(config_.max_inflight);
    pr.next = log_.LastIndex() + 1;
    if (id == id_) {
      pr.match = log_.stable();
      pr.recent_active = true;
      pr.state = Progress::State::kReplicate;
    }
    progress_.emplace(id, std::move(pr));
  }
}

void Raft::StartElection(bool transfer) {
  if (!IsVoter()) return;
  // Not while a committed membership change waits to be applied: the configuration this
  // replica would count votes in may already be superseded (etcd-raft's guard). A replica
  // removed by it could otherwise hand such a candidate a majority of the old configuration.
  if (log_.HasUnappliedConfChange()) return;
  campaign_is_transfer_ = transfer;
  if (config_.pre_vote && !transfer) {
    BecomePreCandidate();
    Poll(MessageType::kPreVote, false);
  } else {
    BecomeCandidate();
    Poll(MessageType::kVote, transfer);
  }
}

void Raft::Poll(MessageType type, bool transfer) {
  Term term = type == MessageType::kPreVote ? term_ + 1 : term_;
  votes_[id_] = true;
  if (quorum::JointVote(conf_, votes_) == quorum::VoteResult::kWon) {
    if (type == MessageType::kPreVote) {
      BecomeCandidate();
      Poll(MessageType::kVote, transfer);
    } else {
      BecomeLeader();
    }
    return;
  }
  std::vector<NodeId> voters = conf_.voters;
  voters.insert(voters.end(), conf_.voters_outgoing.begin(), conf_.voters_outgoing.end());
  std::sort(voters.begin(), voters.end());
  voters.erase(std::unique(voters.begin(), voters.end()), voters.end());
  for (NodeId id : voters) {
    if (id == id_) continue;
    Message m;
    m.type = type;
    m.to = id;
    m.term = term;
    m.index = log_.LastIndex();
    m.log_term = log_.LastTerm();
    m.transfer = transfer;
    Send(std::move(m));
  }
}

// --- Time ----------------------------------------------------------------------------------

void Raft::Tick() {
  ++now_;
  if (role_ == Role::kLeader) {
    TickLeader();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  if (ticks_since_contact_ < config_.election_ticks) ++ticks_since_contact_;
  ++election_elapsed_;
  if (IsVoter() && election_elapsed_ >= randomized_timeout_) {
    election_elapsed_ = 0;
    StartElection(false);
  }
}

void Raft::TickLeader() {
  ticks_since_contact_ = 0;
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (lease_wait_ > 0 && --lease_wait_ == 0) {
    if (MaybeCommit()) BroadcastAppend();
  }
  if (election_elapsed_ >= config_.election_ticks) {
    election_elapsed_ = 0;
    // CheckQuorum: a leader that has not heard from a quorum for an election timeout steps
    // down (its lease ran out long ago).
    bool active = quorum::JointActive(conf_, [&](NodeId id) {
      if (id == id_) return true;
      auto it = progress_.find(id);
      return it != progress_.end() && it->second.recent_active;
    });
    if (!active) {
      BecomeFollower(term_, kNoNode);
      return;
    }
    for (auto& [id, pr] : progress_) {
      if (id != id_) pr.recent_active = false;
    }
    transferee_ = kNoNode;  // a transfer that took an election timeout has failed
  }
  for (auto& [id, pr] : progress_) {
    // A snapshot that made no progress for two election timeouts was lost: probe again.
    if (pr.state == Progress::State::kSnapshot && ++pr.snapshot_ticks >= 2 * config_.election_ticks) {
      pr.BecomeProbe();
    }
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    BroadcastHeartbeat();
  }
}

// --- Sending -------------------------------------------------------------------------------

void Raft::Send(Message m) {
  m.from = id_;
  if (m.term == 0) m.term = term_;
  msgs_.push_back(std::move(m));
}

bool Raft::SendAppend(NodeId to, bool send_if_empty) {
  auto it = progress_.find(to);
  if (it == progress_.end() || to == id_) return false;
  Progress& pr = it->second;
  if (pr.IsPaused()) return false;
  Index prev = pr.next - 1;
  std::optional<Term> prev_term = log_.TermAt(prev);
  if (!prev_term) {
    // The entries this follower needs are compacted away: send the snapshot.
    if (!snapshot_.data) return false;  // the application has not supplied its data yet
    Message m;
    m.type = MessageType::kSnap;
    m.to = to;
    m.snapshot = snapshot_;
    m.lease_tick = now_;
    Send(std::move(m));
    pr.BecomeSnapshot(snapshot_.meta.index);
    return true;
  }
  std::vector<Entry> entries;
  if (pr.next <= log_.LastIndex()) {
    entries = log_.Slice(pr.next, log_.LastIndex() + 1, config_.max_msg_bytes);
  }
  if (entries.empty() && !send_if_empty) return false;
  Index last = entries.empty() ? prev : entries.back().index;
  Message m;
  m.type = MessageType::kApp;
  m.to = to;
  m.index = prev;
  m.log_term = *prev_term;
  m.entries = std::move(entries);
  m.commit = log_.committed();
  m.lease_tick = now_;
  Send(std::move(m));
  pr.SentEntries(last);
  return true;
}

void Raft::SendHeartbeat(NodeId to) {
  const Progress& pr = progress_.at(to);
  Message m;
  m.type = MessageType::kHeartbeat;
  m.to = to;
  // Never tell a follower to commit beyond what it is known to hold.
  m.commit = std::min(pr.match, log_.committed());
  m.lease_tick = now_;
  Send(std::move(m));
}

void Raft::BroadcastAppend() {
  for (auto& [id, pr] : progress_) {
    if (id != id_) SendAppend(id, true);
  }
}

void Raft::BroadcastHeartbeat() {
  for (auto& [id, pr] : progress_) {
    if (id != id_) SendHeartbeat(id);
  }
}

bool Raft::MaybeCommit() {
  if (lease_wait_ > 0) return false;
  Index index = quorum::JointValue(conf_, [&](NodeId id) -> uint64_t {
    auto it = progress_.find(id);
    return it == progress_.end() ? 0 : it->second.match;
  });
  // Only an entry of the current term is committed by counting replicas (paper 5.4.2).
  if (index > log_.committed() && log_.MatchTerm(index, term_)) {
    log_.CommitTo(index);
    return true;
  }
  return false;
}

void Raft::AppendEntries(std::vector<Entry> entries) {
  Index next = log_.LastIndex() + 1;
  for (auto& e : entries) {
    e.term = term_;
    e.index = next++;
  }
  log_.Append(std::move(entries));
  pending_broadcast_ = true;
}

// --- Proposals -----------------------------------------------------------------------------

Result<Index> Raft::Propose(std::string data) {
  if (role_ != Role::kLeader) return NotLeader(lead_);
  if (handover_index_ != 0) return Leaving();
  if (transferee_ != kNoNode) {
    return Status(Code::kServiceUnavailable, "leadership transfer in progress");
  }
  AppendEntries({Entry{0, 0, EntryType::kNormal, std::move(data)}});
  return log_.LastIndex();
}

Status Raft::ProposeConfChange(const ConfChange& cc) {
  if (role_ != Role::kLeader) return NotLeader(lead_);
  if (handover_index_ != 0) return Leaving();
  if (transferee_ != kNoNode) {
    return Status(Code::kServiceUnavailable, "leadership transfer in progress");
  }
  if (pending_conf_index_ > log_.applied()) {
    return Status(Code::kServiceUnavailable, "a membership change is already in progress");
  }
  std::string node = std::to_string(cc.node);
  switch (cc.type) {
    case ConfChange::Type::kAddLearner:
      if (conf_.joint()) return Status::Validation("raft: a joint configuration must end first");
      if (cc.node == kNoNode || conf_.IsMember(cc.node)) {
        return Status::Validation("raft: node " + node + " is already a member");
      }
      break;
    case ConfChange::Type::kPromote: {
      if (conf_.joint()) return Status::Validation("raft: a joint configuration must end first");
      if (!conf_.IsLearner(cc.node)) {
        return Status::Validation("raft: node " + node + " is not a learner");
      }
      // A learner votes only once it has caught up, so that adding it never stalls commits.
      const Progress& pr = progress_.at(cc.node);
      if (pr.match < log_.committed()) {
        return Status(Code::kServiceUnavailable, "raft: learner " + node + " has not caught up");
      }
      break;
    }
    case ConfChange::Type::kRemove:
      if (conf_.joint()) return Status::Validation("raft: a joint configuration must end first");
      if (!conf_.IsMember(cc.node)) {
        return Status::Validation("raft: node " + node + " is not a member");
      }
      if (conf_.voters.size() == 1 && conf_.voters[0] == cc.node) {
        return Status::Validation("raft: cannot remove the last voter");
      }
      break;
    case ConfChange::Type::kLeaveJoint:
      if (!conf_.joint()) return Status::Validation("raft: not in a joint configuration");
      break;
  }
  AppendEntries({Entry{0, 0, EntryType::kConfChange, EncodeConfChange(cc)}});
  pending_conf_index_ = log_.LastIndex();
  return Status::OK();
}

Status Raft::TransferLeadership(NodeId to) {
  if (role_ != Role::kLeader) return NotLeader(lead_);
  if (handover_index_ != 0) return Leaving();
  if (to == id_) return Status::OK();
  if (!conf_.IsVoter(to)) {
    return Status::Validation("raft: node " + std::to_string(to) + " is not a voter");
  }
  if (transferee_ == to) return Status::OK();
  transferee_ = to;
  election_elapsed_ = 0;  // the transfer must finish within an election timeout
  if (progress_.at(to).match == log_.LastIndex()) {
    Message m;
    m.type = MessageType::kTimeoutNow;
    m.to = to;
    Send(std::move(m));
  } else {
    SendAppend(to, true);
  }
  return Status::OK();
}

void Raft::Campaign() {
  if (role_ == Role::kLeader) return;
  // Not while a leader's lease may rest on this replica's acknowledgements: its own vote,
  // given at once, could help elect a second leader inside that lease. A sole voter has no
  // one to wait for.
  const bool sole_voter = conf_.voters_outgoing.empty() && conf_.voters.size() == 1 &&
                          conf_.voters[0] == id_;
  if (InLease() && !sole_voter) return;
  election_elapsed_ = 0;
  StartElection(false);
}

void Raft::ReportUnreachable(NodeId to) {
  if (role_ != Role::kLeader) return;
  auto it = progress_.find(to);
  if (it != progress_.end() && it->second.state == Progress::State::kReplicate) {
    it->second.BecomeProbe();
  }
}

// --- Receiving -----------------------------------------------------------------------------

bool Raft::InLease() const {
  return role_ == Role::kLeader || ticks_since_contact_ < config_.election_ticks;
}

void Raft::Step(Message m) {
  if (m.to != id_ || m.from == id_ || m.from == kNoNode) return;
  bool vote_request = m.type == MessageType::kVote || m.type == MessageType::kPreVote;
  // Lease: within an election timeout of hearing from a leader, vote requests are ignored (a
  // transfer's campaign excepted: the old leader asked for it).
  if (vote_request && !m.transfer && InLease()) return;

  if (m.term > term_) {
    if (m.type == MessageType::kPreVote) {
      // A pre-vote changes nothing here.
    } else if (m.type == MessageType::kPreVoteResp && !m.reject) {
      // A grant carries the future term of the pre-candidate's election.
    } else {
      bool from_leader = m.type == MessageType::kApp || m.type == MessageType::kHeartbeat ||
                         m.type == MessageType::kSnap;
      BecomeFollower(m.term, from_leader ? m.from : kNoNode);
    }
  } else if (m.term < term_) {
    if (m.type == MessageType::kApp || m.type == MessageType::kHeartbeat) {
      // A stale leader: tell it the term so it steps down.
      Message r;
      r.type = MessageType::kAppResp;
      r.to = m.from;
      Send(std::move(r));
    } else if (m.type == MessageType::kPreVote) {
      Message r;
      r.type = MessageType::kPreVoteResp;
      r.to = m.from;
      r.reject = true;
      Send(std::move(r));
    }
    return;
  }

  if (vote_request) {
    HandleVoteRequest(m);
    return;
  }
  switch (role_) {
    case Role::kLeader: StepLeader(m); break;
    case Role::kPreCandidate:
    case Role::kCandidate: StepCandidate(m); break;
    case Role::kFollower: StepFollower(m); break;
  }
}

void Raft::HandleVoteRequest(const Message& m) {
  // Only a replica that knows a configuration votes. A new replica (which may reuse the id of
  // a removed one and knows nothing yet) could otherwise hand a majority of a stale
  // configuration to a replica that missed its own removal: it has no log to judge the
  // candidate's by. A replica with a log votes by the usual rules even where its own
  // configuration does not count it (a learner, a voter behind on its promotion, a replica
  // just removed): the candidate asks because its newer configuration counts it, and a stale
  // candidate loses on the log check. Refusing them can leave a group unable to elect anyone
  // (the simulator found both: a lagging promoted voter, a removed leader's followers).
  bool can_vote = !conf_.Members().empty() &&
                  (vote_ == m.from || (vote_ == kNoNode && lead_ == kNoNode) ||
                   (m.type == MessageType::kPreVote && m.term > term_));
  Message r;
  r.type = ResponseType(m.type);
  r.to = m.from;
  if (can_vote && log_.IsUpToDate(m.index, m.log_term)) {
    r.term = m.term;
    if (m.type == MessageType::kVote) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    r.reject = true;
  }
  Send(std::move(r));
}

void Raft::StepLeader(const Message& m) {
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return;
  Progress& pr = it->second;
  pr.recent_active = true;
  switch (m.type) {
    case MessageType::kAppResp:
      HandleAppendResponse(m, m.from);
      break;
    case MessageType::kHeartbeatResp:
      pr.lease_ack_tick = std::max(pr.lease_ack_tick, m.lease_tick + 1);
      if (handover_index_ != 0) NoteHandoverAck(m.from, m.lease_tick);
      pr.probe_sent = false;
      if (pr.state == Progress::State::kReplicate && pr.inflights.Full()) pr.inflights.FreeFirst();
      if (pr.match < log_.LastIndex() || pr.state == Progress::State::kProbe) {
        SendAppend(m.from, true);
      }
      break;
    case MessageType::kSnapProgress:
      // The snapshot is not lost while its chunks still arrive: restart its timeout.
      if (pr.state == Progress::State::kSnapshot && m.index == pr.pending_snapshot) {
        pr.snapshot_ticks = 0;
      }
      break;
    default:
      break;
  }
  MaybeFinishHandover();
}

void Raft::HandleAppendResponse(const Message& m, NodeId from) {
  Progress& pr = progress_.at(from);
  // Every answer at this term proves the follower reset its election timer after the message
  // was sent, rejection or not.
  pr.lease_ack_tick = std::max(pr.lease_ack_tick, m.lease_tick + 1);
  // An accepted append also proves it took the commit index the message carried (a rejected
  // one does not: the follower commits nothing then).
  if (handover_index_ != 0 && !m.reject) NoteHandoverAck(from, m.lease_tick);
  if (m.reject) {
    if (pr.MaybeDecrTo(m.index, m.reject_hint)) {
      if (pr.state == Progress::State::kReplicate) pr.BecomeProbe();
      SendAppend(from, true);
    }
    return;
  }
  bool was_paused = pr.IsPaused();
  if (!pr.MaybeUpdate(m.index)) return;
  if (handover_index_ != 0 && pr.match >= handover_index_) handover_since_.try_emplace(from, now_);
  switch (pr.state) {
    case Progress::State::kProbe:
      pr.BecomeReplicate();
      break;
    case Progress::State::kSnapshot:
      if (pr.match >= pr.pending_snapshot) {
        pr.BecomeProbe();
        pr.BecomeReplicate();
      }
      break;
    case Progress::State::kReplicate:
      pr.inflights.FreeTo(m.index);
      break;
  }
  if (MaybeCommit()) {
    BroadcastAppend();
  } else if (was_paused) {
    SendAppend(from, true);  // at least the commit index
  }
  while (SendAppend(from, false)) {
  }
  if (from == transferee_ && pr.match == log_.LastIndex()) {
    Message t;
    t.type = MessageType::kTimeoutNow;
    t.to = from;
    Send(std::move(t));
  }
}

void Raft::StepCandidate(const Message& m) {
  switch (m.type) {
    case MessageType::kApp:
      BecomeFollower(m.term, m.from);
      StepFollower(m);
      break;
    case MessageType::kHeartbeat:
      BecomeFollower(m.term, m.from);
      StepFollower(m);
      break;
    case MessageType::kSnap:
      BecomeFollower(m.term, m.from);
      StepFollower(m);
      break;
    case MessageType::kPreVoteResp:
    case MessageType::kVoteResp:
      HandleVoteResponse(m);
      break;
    default:
      break;
  }
}

void Raft::HandleVoteResponse(const Message& m) {
  MessageType expected =
      role_ == Role::kPreCandidate ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  if (m.type != expected || !conf_.IsVoter(m.from)) return;
  votes_.emplace(m.from, !m.reject);
  switch (quorum::JointVote(conf_, votes_)) {
    case quorum::VoteResult::kWon:
      if (role_ == Role::kPreCandidate) {
        BecomeCandidate();
        Poll(MessageType::kVote, false);
      } else {
        BecomeLeader();
      }
      break;
    case quorum::VoteResult::kLost:
      BecomeFollower(term_, kNoNode);
      break;
    case quorum::VoteResult::kPending:
      break;
  }
}

void Raft::StepFollower(const Message& m) {
  switch (m.type) {
    case MessageType::kApp:
    case MessageType::kHeartbeat:
    case MessageType::kSnap:
      election_elapsed_ = 0;
      ticks_since_contact_ = 0;
      lead_ = m.from;
      if (m.type == MessageType::kApp) HandleAppend(m);
      if (m.type == MessageType::kHeartbeat) HandleHeartbeat(m);
      if (m.type == MessageType::kSnap) HandleSnapshot(m);
      break;
    case MessageType::kTimeoutNow:
      StartElection(true);
      break;
    default:
      break;
  }
}

void Raft::HandleAppend(const Message& m) {
  Message r;
  r.type = MessageType::kAppResp;
  r.to = m.from;
  r.lease_tick = m.lease_tick;
  if (m.index < log_.committed()) {
    r.index = log_.committed();
    Send(std::move(r));
    return;
  }
  std::optional<Index> last = log_.MaybeAppend(m.index, m.log_term, m.entries);
  if (last) {
    log_.CommitTo(std::min(m.commit, *last));
    r.index = *last;
  } else {
    r.reject = true;
    r.index = m.index;
    r.reject_hint = std::min(m.index, log_.LastIndex());
  }
  Send(std::move(r));
}

void Raft::HandleHeartbeat(const Message& m) {
  if (m.commit <= log_.LastIndex()) log_.CommitTo(m.commit);
  Message r;
  r.type = MessageType::kHeartbeatResp;
  r.to = m.from;
  r.lease_tick = m.lease_tick;
  Send(std::move(r));
}

void Raft::HandleSnapshot(const Message& m) {
  const SnapshotMeta& meta = m.snapshot.meta;
  Message r;
  r.type = MessageType::kAppResp;
  r.to = m.from;
  r.lease_tick = m.lease_tick;
  if (meta.index <= log_.committed()) {
    r.index = log_.committed();
  } else if (log_.MatchTerm(meta.index, meta.term)) {
    // The log already holds the snapshot's last entry: everything up to it is committed.
    log_.CommitTo(meta.index);
    r.index = log_.LastIndex();
  } else {
    log_.Restore(meta);
    conf_history_.clear();
    SetConf(meta.conf);
    snapshot_ = m.snapshot;
    // The data is the application's now (it installs pending_install_): as a leader later,
    // this replica may send it on. A snapshot stepped without its data (the application keeps
    // a big one aside) still counts as supplied.
    if (!snapshot_.data) snapshot_.data = std::make_shared<const std::string>();
    pending_install_ = m.snapshot;
    r.index = log_.LastIndex();
  }
  Send(std::move(r));
}

// --- Membership ----------------------------------------------------------------------------

void Raft::ApplyConfChange(const Entry& e) {
  ConfChange cc;
  DDB_CHECK_MSG(DecodeConfChange(e.data, &cc), "undecodable ConfChange at index %llu",
                static_cast<unsigned long long>(e.index));
  ConfState next = conf_;
  auto erase = [](std::vector<NodeId>& v, NodeId id) {
    v.erase(std::remove(v.begin(), v.end(), id), v.end());
  };
  auto insert = [](std::vector<NodeId>& v, NodeId id) {
    if (std::find(v.begin(), v.end(), id) == v.end()) v.push_back(id);
    std::sort(v.begin(), v.end());
  };
  bool entered_joint = false;
  // Invalid changes (which the leader refuses to propose) are no-ops on every replica alike.
  switch (cc.type) {
    case ConfChange::Type::kAddLearner:
      if (!next.joint() && !next.IsMember(cc.node)) insert(next.learners, cc.node);
      break;
    case ConfChange::Type::kPromote:
      if (!next.joint() && next.IsLearner(cc.node)) {
        next.voters_outgoing = next.voters;
        erase(next.learners, cc.node);
        insert(next.voters, cc.node);
        entered_joint = true;
      }
      break;
    case ConfChange::Type::kRemove:
      if (next.joint()) break;
      if (next.IsLearner(cc.node)) {
        erase(next.learners, cc.node);
      } else if (next.IsVoter(cc.node) && next.voters.size() > 1) {
        next.voters_outgoing = next.voters;
        erase(next.voters, cc.node);
        entered_joint = true;
      }
      break;
    case ConfChange::Type::kLeaveJoint:
      next.voters_outgoing.clear();
      break;
  }
  conf_history_[e.index] = next;
  SetConf(next);
  if (role_ == Role::kLeader && entered_joint) {
    // Leave the joint configuration as soon as it is in force.
    AppendEntries({Entry{0, 0, EntryType::kConfChange,
                         EncodeConfChange({ConfChange::Type::kLeaveJoint, kNoNode})}});
    pending_conf_index_ = log_.LastIndex();
  }
}

void Raft::SetConf(const ConfState& conf) {
  conf_ = conf;
  if (role_ != Role::kLeader) return;
  std::vector<NodeId> members = conf_.Members();
  for (auto it = progress_.begin(); it != progress_.end();) {
    if (!std::binary_search(members.begin(), members.end(), it->first)) {
      it = progress_.erase(it);
    } else {
      ++it;
    }
  }
  for (NodeId id : members) {
    if (progress_.count(id)) continue;
    Progress pr(config_.max_inflight);
    pr.next = log_.LastIndex() + 1;
    pr.recent_active = true;
    progress_.emplace(id, std::move(pr));
    SendAppend(id, true);
  }
  if (transferee_ != kNoNode && !conf_.IsVoter(transferee_)) transferee_ = kNoNode;
  if (!conf_.IsVoter(id_) && handover_index_ == 0) {
    // Removed. Stepping down at once could leave the group without a leader for good: the new
    // configuration's voters may not know yet that the entry which removed this replica is
    // committed (they learn commits from the leader, and an append held back by flow control
    // or lost carries it no further), so they go on counting the old configuration's voters,
    // among them this replica, which its node may delete once it has stepped down. So it
    // keeps leading, refusing proposals, reads and transfers, until a quorum of the new
    // configuration has answered a message that carried the commit index
    // (MaybeFinishHandover).
    handover_index_ = log_.committed();
    transferee_ = kNoNode;
    for (auto& [id, pr] : progress_) {
      if (pr.match >= handover_index_) handover_since_[id] = now_;
    }
    BroadcastHeartbeat();  // the commit index, even to followers whose appends are paused
  }
  if (MaybeCommit()) BroadcastAppend();
  MaybeFinishHandover();
}

void Raft::NoteHandoverAck(NodeId from, uint64_t sent_tick) {
  uint64_t& acked = handover_acked_[from];
  acked = std::max(acked, sent_tick + 1);
}

void Raft::MaybeFinishHandover() {
  if (role_ != Role::kLeader || handover_index_ == 0) return;
  const bool learned = quorum::JointActive(conf_, [&](NodeId id) {
    auto since = handover_since_.find(id);
    auto acked = handover_acked_.find(id);
    return since != handover_since_.end() && acked != handover_acked_.end() &&
           acked->second > since->second + 1;
  });
  if (learned) BecomeFollower(term_, kNoNode);
}

ConfState Raft::ConfAt(Index index) const {
  auto it = conf_history_.upper_bound(index);
  if (it == conf_history_.begin()) return snapshot_.meta.conf;
  return std::prev(it)->second;
}

// --- Ready ---------------------------------------------------------------------------------

bool Raft::HasReady() const {
  if (ready_outstanding_) return false;
  return pending_broadcast_ || !msgs_.empty() || pending_install_.has_value() ||
         hard_state() != prev_hard_state_ || log_.stable() < log_.LastIndex() ||
         log_.HasNextCommitted();
}

Ready Raft::GetReady() {
  DDB_CHECK_MSG(!ready_outstanding_, "GetReady called twice without Advance");
  if (pending_broadcast_) {
    pending_broadcast_ = false;
    if (role_ == Role::kLeader) BroadcastAppend();
  }
  Ready rd;
  HardState hs = hard_state();
  if (hs != prev_hard_state_) rd.hard_state = hs;
  rd.snapshot = std::move(pending_install_);
  pending_install_.reset();
  rd.entries = log_.UnstableEntries();
  rd.committed = log_.NextCommitted(config_.max_committed_bytes);
  rd.messages = std::move(msgs_);
  msgs_.clear();
  ready_outstanding_ = true;
  return rd;
}

void Raft::Advance(const Ready& rd) {
  DDB_CHECK(ready_outstanding_);
  ready_outstanding_ = false;
  if (rd.hard_state) prev_hard_state_ = *rd.hard_state;
  if (!rd.entries.empty()) log_.StableTo(rd.entries.back().index, rd.entries.back().term);
  for (const Entry& e : rd.committed) {
    if (e.index <= log_.applied()) continue;  // a snapshot replaced them meanwhile
    if (e.type == EntryType::kConfChange) ApplyConfChange(e);
    log_.AppliedTo(e.index);
  }
  if (role_ == Role::kLeader) {
    // A joint configuration this leader inherited (applied while it followed, or entered by a
    // leader that is gone) is left once everything before this term is applied; one the
    // leader entered itself already has its LeaveJoint pending.
    if (conf_.joint() && log_.applied() >= pending_conf_index_) {
      AppendEntries({Entry{0, 0, EntryType::kConfChange,
                           EncodeConfChange({ConfChange::Type::kLeaveJoint, kNoNode})}});
      pending_conf_index_ = log_.LastIndex();
    }
    auto self = progress_.find(id_);
    if (self != progress_.end() && self->second.MaybeUpdate(log_.stable()) && MaybeCommit()) {
      BroadcastAppend();
    }
  }
}

// --- Snapshots and leases ------------------------------------------------------------------

void Raft::Compact(Index index, std::shared_ptr<const std::string> data) {
  if (index <= log_.SnapshotIndex()) return;
  DDB_CHECK_MSG(index <= log_.applied() && index <= log_.stable(),
                "compaction at %llu beyond applied %llu / stable %llu",
                static_cast<unsigned long long>(index),
                static_cast<unsigned long long>(log_.applied()),
                static_cast<unsigned long long>(log_.stable()));
  Snapshot s;
  s.meta.index = index;
  s.meta.term = *log_.TermAt(index);
  s.meta.conf = ConfAt(index);
  s.data = std::move(data);
  log_.Compact(index);
  conf_history_.erase(conf_history_.begin(), conf_history_.upper_bound(index));
  snapshot_ = std::move(s);
}

bool Raft::HasLease() const {
  if (role_ != Role::kLeader || lease_wait_ > 0 || handover_index_ != 0) return false;
  if (!log_.MatchTerm(log_.committed(), term_)) return false;
  // Acknowledged ticks are stored plus one, so 0 means "never".
  uint64_t acked = quorum::JointValue(conf_, [&](NodeId id) -> uint64_t {
    if (id == id_) return now_ + 1;
    auto it = progress_.find(id);
    return it == progress_.end() ? 0 : it->second.lease_ack_tick;
  });
  if (acked == 0) return false;
  return now_ < acked - 1 + static_cast<uint64_t>(lease_ticks_) +
                    static_cast<uint64_t>(config_.TEST_unsafe_extra_lease_ticks);
}

std::string Raft::Describe() const {
  std::string s = std::to_string(id_) + " " + std::string(RoleName(role_)) +
                  " term=" + std::to_string(term_) + " vote=" + std::to_string(vote_) +
                  " commit=" + std::to_string(log_.committed()) +
                  " applied=" + std::to_string(log_.applied()) +
                  " last=" + std::to_string(log_.LastIndex()) +
                  " lead=" + std::to_string(lead_);
  if (role_ == Role::kLeader) s += HasLease() ? " lease=yes" : " lease=no";
  return s;
}

}  // namespace ddb::raft
