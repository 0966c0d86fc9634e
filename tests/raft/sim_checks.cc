// The invariants the simulator checks after every event, and at the end of a run.
#include "tests/raft/sim_internal.h"

namespace ddb::sim {
namespace internal {

// --- Checks ---------------------------------------------------------------------------------

void Simulation::CheckPersistedEntries(int group, const raft::Storage& disk, size_t first_new) {
  // Log matching: two entries with the same index and term have the same content and the same
  // predecessor term, on every replica (which by induction makes the logs identical up to them).
  for (size_t i = first_new; i < disk.entries.size(); ++i) {
    const Entry& e = disk.entries[i];
    Term prev = i == 0 ? disk.snapshot.term : disk.entries[i - 1].term;
    if (i == 0 && e.index != disk.snapshot.index + 1) {
      Fail("group " + std::to_string(group) + ": persisted log has a gap before " +
           std::to_string(e.index));
      return;
    }
    uint64_t h = Mix(Hash(e.data), static_cast<uint64_t>(e.type));
    auto [it, inserted] = entries_.emplace(std::make_tuple(group, e.index, e.term),
                                           std::make_pair(h, prev));
    if (!inserted && it->second != std::make_pair(h, prev)) {
      Fail("group " + std::to_string(group) + ": log matching violated at index " +
           std::to_string(e.index) + " term " + std::to_string(e.term));
    }
  }
}

void Simulation::CheckReplica(NodeId node, int group) {
  Replica* r = Find(node, group);
  if (r == nullptr || !r->raft) return;
  const raft::Raft& raft = *r->raft;
  std::string who = "node " + std::to_string(node) + " group " + std::to_string(group);
  if (raft.term() < r->term_seen) Fail(who + ": term went back");
  r->term_seen = raft.term();
  const raft::RaftLog& log = raft.log();
  if (log.committed() < r->commit_seen) Fail(who + ": commit index went back");
  // Committed entries never change: extend or compare the group's committed log.
  auto& committed = committed_[group];
  for (Index i = std::max(r->commit_seen + 1, log.FirstIndex()); i <= log.committed(); ++i) {
    const Entry& e = log.At(i);
    std::pair<Term, uint64_t> v{e.term, Mix(Hash(e.data), static_cast<uint64_t>(e.type))};
    commit_seen_term_[group].emplace(i, raft.term());
    if (i <= committed.size()) {
      if (committed[i - 1].first == 0) {
        committed[i - 1] = v;  // a gap another replica skipped (it had a snapshot)
      } else if (committed[i - 1] != v) {
        Fail(who + ": committed entry " + std::to_string(i) + " changed");
      }
    } else if (i == committed.size() + 1) {
      committed.push_back(v);
    } else {
      committed.resize(i - 1, {0, 0});  // filled by another replica's check later
      committed.push_back(v);
    }
  }
  r->commit_seen = log.committed();
  if (trace_) {
    std::string state = raft.Describe();
    std::string& last = last_state_[{node, group}];
    if (state.substr(0, state.find(" commit")) != last.substr(0, last.find(" commit")) ||
        (state.find("lease=yes") != std::string::npos) != (last.find("lease=yes") != std::string::npos)) {
      Trace("g" + std::to_string(group) + " " + state);
    }
    last = state;
  }
  if (raft.role() == raft::Role::kLeader) {
    auto [it, inserted] = leaders_.emplace(std::make_pair(group, raft.term()), node);
    if (inserted) ++result_.stats.elections;
    if (it->second != node) {
      Fail("group " + std::to_string(group) + ": two leaders in term " +
           std::to_string(raft.term()) + " (" + std::to_string(it->second) + " and " +
           std::to_string(node) + ")");
    }
    // Leader completeness: a leader holds every entry committed in an earlier term. An entry is
    // committed no later than the term of the first replica seen with it committed, so only
    // leaders of later terms are held to it.
    Index c = committed.size();
    auto seen = commit_seen_term_[group].find(c);
    if (c > log.SnapshotIndex() && committed[c - 1].first != 0 &&
        seen != commit_seen_term_[group].end() && seen->second < raft.term()) {
      std::optional<Term> t = log.TermAt(c);
      if (!t || *t != committed[c - 1].first) {
        Fail(who + ": leader of term " + std::to_string(raft.term()) +
             " lacks committed entry " + std::to_string(c));
      }
    }
  }
  result_.stats.max_term = std::max<uint64_t>(result_.stats.max_term, raft.term());
  CheckLeases(group);
}

void Simulation::CheckLeases(int group) {
  NodeId holder = raft::kNoNode;
  for (NodeId id : members_[group]) {
    Replica* r = Find(id, group);
    if (r == nullptr || !r->raft || !r->raft->HasLease()) continue;
    if (holder != raft::kNoNode) {
      Fail("group " + std::to_string(group) + ": nodes " + std::to_string(holder) + " and " +
           std::to_string(id) + " both hold a lease");
    }
    holder = id;
  }
}

void Simulation::FinalChecks() {
  for (int g = 0; g < o_.groups; ++g) {
    std::optional<std::map<std::string, std::string>> kv;
    Index applied = 0;
    int leaders = 0;
    raft::ConfState conf;
    for (NodeId id : members_[g]) {
      Replica* r = Find(id, g);
      if (r == nullptr || !r->raft || r->raft->role() != raft::Role::kLeader) continue;
      ++leaders;
      conf = r->raft->conf();
    }
    for (NodeId id : members_[g]) {
      Replica* r = Find(id, g);
      if (r == nullptr || !r->raft || !conf.IsMember(id)) continue;
      if (!kv) {
        kv = r->sm.kv;
        applied = r->sm.applied;
      } else if (*kv != r->sm.kv || applied != r->sm.applied) {
        Fail("group " + std::to_string(g) + " did not converge: replicas differ after healing (" +
             std::to_string(applied) + " vs " + std::to_string(r->sm.applied) + " applied)");
      }
    }
    if (leaders != 1) {
      Fail("group " + std::to_string(g) + " has " + std::to_string(leaders) +
           " leaders after healing");
    }
  }
  // Writes still outstanding may or may not have happened.
  for (Client& cl : clients_) {
    if (cl.outstanding && cl.pending.kind != OpKind::kGet) {
      result_.history.push_back(cl.pending);
      ++result_.stats.ops_unknown;
    }
  }
  if (!result_.ok()) return;
  CheckResult lin = CheckLinearizable(result_.history, 2'000'000);
  if (lin.outcome == CheckResult::kNotLinearizable) {
    Fail("history not linearizable on key " + lin.key + ":\n" + lin.explanation);
  } else if (lin.outcome == CheckResult::kTimedOut) {
    Fail("linearizability check gave up on key " + lin.key + ": " + lin.explanation);
  }
}

}  // namespace internal
}  // namespace ddb::sim
