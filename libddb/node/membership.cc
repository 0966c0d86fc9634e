// Moving replicas: dead and removed nodes' replicas re-created elsewhere, new nodes added
// (DESIGN.md sections 2 and 5).
//
// The catalog's TableInfo::replicas is the desired membership of each table's group; every
// listed node is the desired membership of __meta. Steps repeated every repair_interval on
// every node, each acting only where this node leads:
//   1. the __meta leader replaces, in the catalog, the replicas on nodes it has not heard from
//      for dead_after, or that the node list no longer names (ddb-cluster apply), with nodes
//      holding none of the table, marked `joining` (so that they start empty instead of
//      founding a group);
//   2. the __meta leader moves __meta's membership toward the node list;
//   3. the leader of each table's group moves the Raft membership toward the catalog's.
// A membership moves one change at a time: a new node becomes a learner (and gets a
// snapshot), is promoted to voter once caught up, and only then does an unwanted node leave
// (a leader that removes itself leads on, serving nothing, until a quorum of the others know
// the removal is committed, then steps down, and they elect one of them: raft.h).
// Every node opens or drops its replicas as the catalog says (Node::Reconcile): the joining
// node opens an empty one; a node that comes back after being replaced drops its own; a live
// node moved off a group keeps its replica while it leads the group or the group still lacks
// a wanted voter, so that it hands over (and steps down) first.
#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "libddb/node/node.h"
#include "libddb/node/placement.h"

namespace ddb::node {

void Node::RepairLoop() {
  // Followers hear only from their leaders, so a node that has just become __meta leader may
  // not have heard from the others for a long while: it judges silence from when it took over.
  std::optional<raft::Term> meta_term;
  std::chrono::steady_clock::time_point leading_since;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    reconcile_cv_.wait_for(lock, options_.repair_interval, [&] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    std::optional<raft::Term> term = replicas_->WriteTerm(kMetaGroup);
    if (term != meta_term) leading_since = std::chrono::steady_clock::now();
    meta_term = term;
    if (term.has_value()) {
      ReplaceDeadReplicas(leading_since);
      MatchMetaMembers();
    }
    for (const std::shared_ptr<Table>& table : Tables()) {
      if (replicas_->WriteTerm(TableGroup(table->info.id)).has_value()) MatchMembers(*table);
    }
    lock.lock();
    if (handing_over_) {
      reconcile_wanted_ = true;  // drop the replicas handed over by now
      reconcile_cv_.notify_all();
    }
  }
}

void Node::ReplaceDeadReplicas(std::chrono::steady_clock::time_point leading_since) {
  const auto now = std::chrono::steady_clock::now();
  const std::vector<raft::NodeId> listed = NodeIds();
  std::set<raft::NodeId> silent;
  for (const auto& [id, heard] : replicas_->LastHeard()) {
    if (id != options_.id && now - std::max(heard, leading_since) > options_.dead_after) {
      silent.insert(id);
    }
  }
  // Dead: silent too long, or no longer in the cluster.
  auto dead = [&](uint64_t id) {
    return silent.count(id) != 0 || std::find(listed.begin(), listed.end(), id) == listed.end();
  };
  const std::vector<TableInfo> tables = catalog_->List();
  if (std::none_of(tables.begin(), tables.end(), [&](const TableInfo& info) {
        return std::any_of(info.replicas.begin(), info.replicas.end(), dead);
      })) {
    return;
  }
  std::vector<raft::NodeId> live;
  for (raft::NodeId id : listed) {
    if (!dead(id)) live.push_back(id);
  }
  std::lock_guard<std::mutex> ddl(ddl_mu_);
  Result<raft::Term> term = CatalogWriteTerm();
  if (!term.ok()) return;
  for (TableInfo info : catalog_->List()) {
    if (info.replicas.empty()) continue;  // placement not recorded: computed, never moved
    bool changed = false;
    for (uint64_t& replica : info.replicas) {
      if (!dead(replica)) continue;
      std::vector<raft::NodeId> spare;
      for (raft::NodeId id : live) {
        if (std::find(info.replicas.begin(), info.replicas.end(), id) == info.replicas.end()) {
          spare.push_back(id);
        }
      }
      if (spare.empty()) continue;  // every live node holds one already: run short instead
      const raft::NodeId to = PlaceReplicas(info.id, spare, 1).front();
      if (silent.count(replica) != 0) {
        spdlog::warn("table {}: node {} silent for over {} s; its replica moves to node {}",
                     info.name, replica,
                     std::chrono::duration_cast<std::chrono::seconds>(options_.dead_after).count(), to);
      } else {
        spdlog::info("table {}: node {} left the cluster; its replica moves to node {}", info.name,
                     replica, to);
      }
      info.joining.erase(std::remove(info.joining.begin(), info.joining.end(), replica),
                         info.joining.end());
      info.joining.push_back(to);
      replica = to;
      changed = true;
    }
    if (!changed) continue;
    if (Status s = ChangeCatalog(Catalog::PutCommand(info), *term); !s.ok()) {
      spdlog::warn("table {}: moving replicas failed (retried): {}", info.name, s.ToString());
      return;
    }
  }
}

void Node::MatchMembers(const Table& table) {
  // The catalog's current entry: the Table published here may predate the last move.
  std::optional<TableInfo> info = catalog_->Get(table.info.name);
  if (!info.has_value() || info->id != table.info.id || info->replicas.empty()) return;
  MoveMembership(TableGroup(table.info.id), info->replicas, "table " + table.info.name);
}

void Node::MatchMetaMembers() {
  const std::vector<raft::NodeId> listed = NodeIds();
  MoveMembership(kMetaGroup, std::vector<uint64_t>(listed.begin(), listed.end()), "__meta");
}

bool Node::AllVote(const raft::ConfState& conf, const std::vector<uint64_t>& want) {
  return std::all_of(want.begin(), want.end(), [&](uint64_t id) { return conf.IsVoter(id); });
}

void Node::MoveMembership(replication::GroupId group, const std::vector<uint64_t>& want,
                          const std::string& name) {
  auto wanted = [&](raft::NodeId id) { return std::find(want.begin(), want.end(), id) != want.end(); };
  std::optional<replication::GroupStatus> status;
  for (replication::GroupStatus& g : replicas_->Groups()) {
    if (g.group == group) status = std::move(g);
  }
  if (!status.has_value() || status->role != raft::Role::kLeader) return;
  const raft::ConfState& conf = status->conf;
  if (conf.joint()) return;  // the leader leaves it by itself
  std::optional<raft::ConfChange> change;
  for (uint64_t id : want) {
    if (!conf.IsMember(id)) {
      change = raft::ConfChange{raft::ConfChange::Type::kAddLearner, id};
      break;
    }
  }
  if (!change.has_value()) {
    for (raft::NodeId id : conf.learners) {
      if (wanted(id)) {
        // Refused (and retried next time) until the learner has caught up.
        change = raft::ConfChange{raft::ConfChange::Type::kPromote, id};
        break;
      }
    }
  }
  if (!change.has_value()) {
    const bool all_vote = AllVote(conf, want);
    for (raft::NodeId id : conf.Members()) {
      // Learners nobody wants go at once; voters only once every wanted node votes, so the
      // group never runs with fewer voters than it is meant to have.
      if (!wanted(id) && (all_vote || conf.IsLearner(id))) {
        change = raft::ConfChange{raft::ConfChange::Type::kRemove, id};
        break;
      }
    }
  }
  if (!change.has_value()) return;
  Status s = replicas_->ProposeConfChange(group, *change);
  static constexpr const char* kNames[] = {"add learner", "promote", "remove", "leave joint"};
  const char* what = kNames[static_cast<int>(change->type)];
  if (s.ok()) {
    spdlog::info("{}: membership change proposed: {} node {}", name, what, change->node);
  } else if (s.code() != Code::kServiceUnavailable) {
    spdlog::warn("{}: membership change ({} node {}) refused: {}", name, what, change->node,
                 s.ToString());
  }
}

}  // namespace ddb::node
