#include "tests/raft/simulator.h"

#include "tests/raft/sim_internal.h"

namespace ddb::sim {
namespace internal {

raft::Config Simulation::ConfigFor(NodeId node, int group) const {
  raft::Config c;
  c.id = node;
  c.election_ticks = 10;
  c.heartbeat_ticks = 1;
  c.max_clock_drift = 0.05;
  c.seed = Mix(o_.seed, Mix(node, static_cast<uint64_t>(group) * 1000 + nodes_.at(node).epoch));
  c.max_inflight = o_.max_inflight;
  c.max_msg_bytes = 4096;
  c.TEST_unsafe_extra_lease_ticks = o_.unsafe_extra_lease_ticks;
  return c;
}

Replica* Simulation::Find(NodeId node, int group) {
  auto n = nodes_.find(node);
  if (n == nodes_.end()) return nullptr;
  auto r = n->second.replicas.find(group);
  return r == n->second.replicas.end() ? nullptr : &r->second;
}

void Simulation::StartReplica(NodeId node, int group, Replica& r) {
  raft::Storage s = r.disk;
  s.applied = std::max(r.sm_durable.applied, s.snapshot.index);
  r.sm = r.sm_durable;
  if (r.sm.applied < s.snapshot.index) {
    r.sm = StateMachine::Decode(s.snapshot_data ? *s.snapshot_data : "");
    r.sm.applied = s.snapshot.index;
  }
  r.raft = std::make_unique<raft::Raft>(ConfigFor(node, group), s);
  r.ready_in_flight = false;
  r.writes.clear();
  r.reads.clear();
  r.term_seen = r.raft->term();
  r.commit_seen = r.raft->log().committed();
}

void Simulation::SendRaft(const Message& m, int group) {
  if (rng_.Chance(o_.drop)) return;
  int copies = rng_.Chance(o_.duplicate) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    Event e;
    e.type = EventType::kDeliver;
    e.time = now_ + rng_.Range(100, 1500);
    if (rng_.Chance(o_.reorder)) e.time += rng_.Range(1000, 60'000);
    e.node = m.to;
    e.group = group;
    e.msg = m;
    Schedule(std::move(e));
  }
}

void Simulation::Respond(NodeId node, int client, uint64_t op, ClientResponse resp) {
  (void)node;
  Event e;
  e.type = EventType::kResponse;
  e.time = now_ + rng_.Range(100, 1000);
  e.client = client;
  e.op = op;
  e.resp = std::move(resp);
  Schedule(std::move(e));
}

void Simulation::AfterInput(NodeId node, int group) {
  Replica* r = Find(node, group);
  if (r == nullptr || !r->raft) return;
  CheckReplica(node, group);
  if (!r->ready_in_flight && r->raft->HasReady()) {
    r->in_flight = r->raft->GetReady();
    r->ready_in_flight = true;
    Event e;
    e.type = EventType::kSyncDone;
    // fsync: usually fast, sometimes slow.
    e.time = now_ + (rng_.Chance(0.05) ? rng_.Range(2000, 20'000) : rng_.Range(20, 800));
    e.node = node;
    e.group = group;
    e.epoch = nodes_[node].epoch;
    Schedule(std::move(e));
  }
}

void Simulation::SyncDone(NodeId node, int group) {
  Replica* rp = Find(node, group);
  if (rp == nullptr || !rp->raft || !rp->ready_in_flight) return;
  Replica& r = *rp;
  raft::Ready rd = std::move(r.in_flight);
  r.ready_in_flight = false;
  raft::Storage& disk = r.disk;
  // 1. Persist.
  if (rd.snapshot) {
    disk.snapshot = rd.snapshot->meta;
    disk.snapshot_data = rd.snapshot->data;
    disk.entries.clear();
    // Installing a snapshot replaces the partition's data: durable at once.
    r.sm = StateMachine::Decode(rd.snapshot->data ? *rd.snapshot->data : "");
    r.sm.applied = rd.snapshot->meta.index;
    r.sm_durable = r.sm;
    r.writes.clear();
    ++result_.stats.snapshots;
  }
  size_t first_new = disk.entries.size();
  if (!rd.entries.empty()) {
    Index first = rd.entries.front().index;
    while (!disk.entries.empty() && disk.entries.back().index >= first) disk.entries.pop_back();
    first_new = disk.entries.size();
    for (const Entry& e : rd.entries) disk.entries.push_back(e);
  }
  if (rd.hard_state) {
    Term& persisted = persisted_term_[{node, group}];
    if (rd.hard_state->term < persisted) {
      Fail("node " + std::to_string(node) + " group " + std::to_string(group) +
           ": persisted term went back from " + std::to_string(persisted) + " to " +
           std::to_string(rd.hard_state->term));
    }
    persisted = rd.hard_state->term;
    disk.hard_state = *rd.hard_state;
  }
  CheckPersistedEntries(group, disk, first_new);
  // 2. Send.
  for (const Message& m : rd.messages) SendRaft(m, group);
  // 3. Apply.
  for (const Entry& e : rd.committed) ApplyEntry(node, group, r, e);
  if (rng_.Chance(0.3)) r.sm_durable = r.sm;  // the data store's own flush
  r.raft->Advance(rd);
  ServeReads(node, r);
  MaybeCompact(r);
  AfterInput(node, group);
}

void Simulation::ApplyEntry(NodeId node, int group, Replica& r, const Entry& e) {
  if (e.index <= r.sm.applied) return;
  if (e.index != r.sm.applied + 1) {
    Fail("node " + std::to_string(node) + " group " + std::to_string(group) + " applies entry " +
         std::to_string(e.index) + " after " + std::to_string(r.sm.applied));
    return;
  }
  // State machine safety: the entry applied at an index is the committed one.
  auto& log = committed_[group];
  uint64_t h = Mix(Hash(e.data), static_cast<uint64_t>(e.type));
  if (e.index <= log.size() && log[e.index - 1] != std::make_pair(e.term, h)) {
    Fail("node " + std::to_string(node) + " group " + std::to_string(group) +
         " applied a different entry at index " + std::to_string(e.index));
  }
  bool ok = true;
  std::optional<Command> cmd;
  if (e.type == raft::EntryType::kNormal && !e.data.empty()) {
    cmd = DecodeCommand(e.data);
    ok = r.sm.Apply(*cmd);
  }
  r.sm.applied = e.index;
  // Answer the client whose proposal this index was.
  for (auto it = r.writes.begin(); it != r.writes.end() && it->first <= e.index;) {
    const PendingWrite& w = it->second;
    ClientResponse resp;
    if (it->first == e.index && w.term == e.term && cmd && cmd->client == w.client &&
        cmd->op == w.op) {
      resp.ok = ok;
    } else {
      resp.outcome = Outcome::kNoEffect;  // its entry was replaced: it never took effect
    }
    Respond(node, w.client, w.op, resp);
    it = r.writes.erase(it);
  }
}

void Simulation::ServeReads(NodeId node, Replica& r) {
  for (auto it = r.reads.begin(); it != r.reads.end();) {
    if (it->read_index > r.sm.applied) {
      ++it;
      continue;
    }
    ClientResponse resp;
    auto kv = r.sm.kv.find(it->key);
    if (kv != r.sm.kv.end()) resp.output = kv->second;
    Respond(node, it->client, it->op, resp);
    it = r.reads.erase(it);
  }
}

void Simulation::MaybeCompact(Replica& r) {
  const raft::RaftLog& log = r.raft->log();
  Index index = std::min(r.sm_durable.applied, log.applied());
  if (index <= log.SnapshotIndex() + static_cast<Index>(o_.compact_every / 2)) return;
  if (log.LastIndex() - log.SnapshotIndex() < static_cast<Index>(o_.compact_every)) return;
  if (index > log.stable()) return;
  StateMachine at = r.sm_durable;
  if (at.applied != index) return;
  r.raft->Compact(index, std::make_shared<const std::string>(at.Encode()));
  r.disk.snapshot = r.raft->snapshot().meta;
  r.disk.snapshot_data = r.raft->snapshot().data;
  auto& entries = r.disk.entries;
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [&](const Entry& e) { return e.index <= index; }),
                entries.end());
}

// --- Clients --------------------------------------------------------------------------------

void Simulation::ClientNext(int c) {
  Client& cl = clients_[c];
  if (now_ >= o_.fault_us + o_.heal_us - 1'000'000) return;  // the last second is quiet
  if (now_ < quiet_until_) {
    Event later;
    later.type = EventType::kClientNext;
    later.time = quiet_until_ + rng_.Range(0, 3000);
    later.client = c;
    Schedule(std::move(later));
    return;
  }
  int group = static_cast<int>(rng_.Uniform(o_.groups));
  std::string key = "g" + std::to_string(group) + "/k" + std::to_string(rng_.Uniform(o_.keys_per_group));
  Operation op;
  op.client = c;
  op.key = key;
  op.call = now_;
  uint64_t roll = rng_.Uniform(100);
  std::string value = "c" + std::to_string(c) + "." + std::to_string(cl.op + 1);
  if (roll < 40) {
    op.kind = OpKind::kGet;
  } else if (roll < 70) {
    op.kind = OpKind::kPut;
    op.value = value;
  } else if (roll < 90) {
    op.kind = OpKind::kCas;
    op.expected = cl.last_seen[key];
    op.value = value;
  } else {
    op.kind = OpKind::kDelete;
  }
  cl.outstanding = true;
  cl.op++;
  cl.pending = op;
  NodeId target = cl.leader.count(group) ? cl.leader[group] : raft::kNoNode;
  const auto& members = members_[group];
  if (target == raft::kNoNode || std::find(members.begin(), members.end(), target) == members.end()) {
    target = members[rng_.Uniform(members.size())];
  }
  Event e;
  e.type = EventType::kRequest;
  e.time = now_ + rng_.Range(100, 1000);
  e.node = target;
  e.group = group;
  e.client = c;
  e.op = cl.op;
  e.cmd = Command{c, cl.op, op.kind, key, op.value, op.expected};
  Schedule(std::move(e));
  Event t;
  t.type = EventType::kClientTimeout;
  t.time = now_ + 400'000;
  t.client = c;
  t.op = cl.op;
  Schedule(std::move(t));
}

void Simulation::HandleRequest(const Event& e) {
  Replica* r = Find(e.node, e.group);
  Node& n = nodes_[e.node];
  if (!n.up) return;  // lost: the client times out
  ClientResponse refuse;
  refuse.outcome = Outcome::kNotLeader;
  if (r == nullptr || !r->raft) {
    Respond(e.node, e.client, e.op, refuse);
    return;
  }
  raft::Raft& raft = *r->raft;
  refuse.hint = raft.leader();
  if (e.cmd.kind == OpKind::kGet) {
    if (!raft.HasLease()) {
      ++result_.stats.reads_refused;
      Respond(e.node, e.client, e.op, refuse);
      return;
    }
    r->reads.push_back(PendingRead{raft.ReadIndex(), e.client, e.op, e.cmd.key});
    ServeReads(e.node, *r);
    return;
  }
  Result<Index> index = raft.Propose(EncodeCommand(e.cmd));
  if (!index.ok()) {
    Respond(e.node, e.client, e.op, refuse);
    return;
  }
  r->writes[*index] = PendingWrite{raft.term(), e.client, e.op};
  AfterInput(e.node, e.group);
}

void Simulation::HandleResponse(const Event& e) {
  Client& cl = clients_[e.client];
  if (!cl.outstanding || cl.op != e.op) return;  // it timed out already
  cl.outstanding = false;
  Operation op = cl.pending;
  int group = op.key[1] - '0';
  switch (e.resp.outcome) {
    case Outcome::kOk:
      op.ret = now_;
      op.output = e.resp.output;
      op.ok = e.resp.ok;
      if (op.kind == OpKind::kGet) cl.last_seen[op.key] = op.output;
      result_.history.push_back(op);
      ++result_.stats.ops_ok;
      break;
    case Outcome::kNotLeader:
      if (e.resp.hint != raft::kNoNode) {
        cl.leader[group] = e.resp.hint;
      } else {
        cl.leader.erase(group);
      }
      break;
    case Outcome::kNoEffect:
      break;
  }
  Event next;
  next.type = EventType::kClientNext;
  // Mostly busy, sometimes idle for a while (an idle log is when a stale replica can look
  // up-to-date enough to win votes).
  next.time = now_ + (rng_.Chance(0.02) ? rng_.Range(100'000, 1'000'000) : rng_.Range(0, 3000));
  next.client = e.client;
  Schedule(std::move(next));
}

// --- Faults ---------------------------------------------------------------------------------

void Simulation::Crash(NodeId id) {
  Node& n = nodes_[id];
  if (!n.up) return;
  n.up = false;
  ++n.epoch;
  ++result_.stats.crashes;
  Trace("crash node " + std::to_string(id));
  for (auto& [group, r] : n.replicas) {
    r.raft.reset();  // with it, the Ready being synced
    r.ready_in_flight = false;
    r.writes.clear();
    r.reads.clear();
    r.sm = r.sm_durable;
  }
}

void Simulation::Restart(NodeId id) {
  Node& n = nodes_[id];
  if (n.up) return;
  n.up = true;
  Trace("restart node " + std::to_string(id));
  n.tick_us = static_cast<int64_t>(o_.tick_us * (1.0 + (rng_.Real() * 2 - 1) * o_.clock_drift));
  for (auto& [group, r] : n.replicas) StartReplica(id, group, r);
  Event t;
  t.type = EventType::kTick;
  t.time = now_ + rng_.Range(0, n.tick_us);
  t.node = id;
  t.epoch = n.epoch;
  Schedule(std::move(t));
}

void Simulation::InjectFault() {
  std::vector<NodeId> ids;
  for (const auto& [id, n] : nodes_) ids.push_back(id);
  uint64_t roll = rng_.Uniform(100);
  if (roll >= 75 && roll < 85) {
    // Clients go quiet: an idle log is when a stale replica looks up-to-date enough to win.
    quiet_until_ = now_ + rng_.Range(100'000, 800'000);
  } else if (roll >= 85) {
    // A leadership transfer (what an operator or the rebalancer does).
    for (auto& [id, n] : nodes_) {
      for (auto& [g, r] : n.replicas) {
        if (!r.raft || r.raft->role() != raft::Role::kLeader) continue;
        const auto& voters = r.raft->conf().voters;
        NodeId to = voters[rng_.Uniform(voters.size())];
        if (to != id && r.raft->TransferLeadership(to).ok()) {
          ++result_.stats.transfers;
          Trace("g" + std::to_string(g) + " transfer " + std::to_string(id) + " -> " +
                std::to_string(to));
          AfterInput(id, g);
        }
      }
    }
  } else if (roll < 30 && o_.crashes) {
    NodeId victim = ids[rng_.Uniform(ids.size())];
    // Half the time the victim is a leader.
    if (rng_.Chance(0.5)) {
      for (const auto& [id, n] : nodes_) {
        for (const auto& [g, r] : n.replicas) {
          if (r.raft && r.raft->role() == raft::Role::kLeader) victim = id;
        }
      }
    }
    Crash(victim);
    Event e;
    e.type = EventType::kRestart;
    // Supervisors restart a killed process at once; sometimes it stays down a while.
    e.time = now_ + (rng_.Chance(0.4) ? rng_.Range(5'000, 60'000) : rng_.Range(50'000, 1'500'000));
    e.node = victim;
    Schedule(std::move(e));
  } else if (roll < 60 && o_.partitions) {
    ++result_.stats.partitions;
    cut_.clear();
    uint64_t kind = rng_.Uniform(4);
    if (kind == 0) {  // symmetric split
      std::set<NodeId> side;
      for (NodeId id : ids) {
        if (rng_.Chance(0.5)) side.insert(id);
      }
      for (NodeId a : ids) {
        for (NodeId b : ids) {
          if (side.count(a) != side.count(b)) cut_.insert({a, b});
        }
      }
    } else if (kind == 1) {  // asymmetric: some one-way links
      for (NodeId a : ids) {
        for (NodeId b : ids) {
          if (a != b && rng_.Chance(0.3)) cut_.insert({a, b});
        }
      }
    } else if (kind == 2) {  // one link down, both ways: the two ends still hear the others
      NodeId a = ids[rng_.Uniform(ids.size())];
      NodeId b = ids[rng_.Uniform(ids.size())];
      if (a != b) {
        cut_.insert({a, b});
        cut_.insert({b, a});
      }
    } else {  // one node isolated (a rolling sequence of these comes from repeated faults)
      NodeId lone = ids[rng_.Uniform(ids.size())];
      for (NodeId b : ids) {
        if (b != lone) {
          cut_.insert({lone, b});
          cut_.insert({b, lone});
        }
      }
    }
    std::string cuts;
    for (auto [a, b] : cut_) cuts += " " + std::to_string(a) + "->" + std::to_string(b);
    Trace("partition:" + cuts);
    Event e;
    e.type = EventType::kHeal;
    e.time = now_ + rng_.Range(100'000, 1'500'000);
    Schedule(std::move(e));
  }
  Event next;
  next.type = EventType::kFault;
  next.time = now_ + rng_.Range(200'000, 1'000'000);
  Schedule(std::move(next));
}

// Moves one replica of one group to another node: add it as a learner, promote it once it has
// caught up, then remove the replica it replaces. Each step is read off the leader's
// configuration, so a lost proposal or a new leader just means the step is tried again.
void Simulation::OperatorStep() {
  Event next;
  next.type = EventType::kOperator;
  next.time = now_ + 100'000;
  Schedule(std::move(next));
  if (moving_.empty()) {
    if (!Faulty() || !rng_.Chance(0.1)) return;  // a move in progress finishes after the faults
    int group = static_cast<int>(rng_.Uniform(o_.groups));
    const auto& members = members_[group];
    std::vector<NodeId> others;
    for (const auto& [id, n] : nodes_) {
      if (std::find(members.begin(), members.end(), id) == members.end()) others.push_back(id);
    }
    if (others.empty()) return;
    moving_[group] = {others[rng_.Uniform(others.size())], members[rng_.Uniform(members.size())]};
  }
  auto [group, move] = *moving_.begin();
  auto [to, from] = move;
  raft::Raft* leader = nullptr;
  for (NodeId id : members_[group]) {
    Replica* r = Find(id, group);
    if (r && r->raft && r->raft->role() == raft::Role::kLeader) leader = r->raft.get();
  }
  if (leader == nullptr) return;
  const raft::ConfState& conf = leader->conf();
  raft::ConfChange cc;
  if (!conf.IsMember(to)) {
    if (Find(to, group) == nullptr) {
      Replica& r = nodes_[to].replicas[group];  // an empty replica: it receives a snapshot
      members_[group].push_back(to);
      if (nodes_[to].up) StartReplica(to, group, r);
    }
    cc = {raft::ConfChange::Type::kAddLearner, to};
  } else if (conf.IsLearner(to)) {
    cc = {raft::ConfChange::Type::kPromote, to};
  } else if (conf.joint()) {
    return;
  } else if (conf.IsMember(from)) {
    cc = {raft::ConfChange::Type::kRemove, from};
  } else {
    // Done: the replica on `from` is no longer needed.
    nodes_[from].replicas.erase(group);
    auto& m = members_[group];
    m.erase(std::remove(m.begin(), m.end(), from), m.end());
    moving_.erase(group);
    ++result_.stats.moves;
    return;
  }
  if (leader->ProposeConfChange(cc).ok()) AfterInput(leader->id(), group);
}

// --- The run --------------------------------------------------------------------------------

SimResult Simulation::Run() {
  // Nodes and groups.
  for (int i = 1; i <= o_.nodes; ++i) {
    Node& n = nodes_[static_cast<NodeId>(i)];
    n.tick_us = static_cast<int64_t>(o_.tick_us * (1.0 + (rng_.Real() * 2 - 1) * o_.clock_drift));
  }
  for (int g = 0; g < o_.groups; ++g) {
    std::vector<NodeId> all;
    for (const auto& [id, n] : nodes_) all.push_back(id);
    for (size_t i = all.size(); i > 1; --i) std::swap(all[i - 1], all[rng_.Uniform(i)]);
    all.resize(std::min<size_t>(all.size(), o_.replication));
    std::sort(all.begin(), all.end());
    members_[g] = all;
    for (NodeId id : all) {
      Replica& r = nodes_[id].replicas[g];
      r.disk = raft::BootstrapStorage(all);
      StartReplica(id, g, r);
    }
  }
  for (auto& [id, n] : nodes_) {
    Event t;
    t.type = EventType::kTick;
    t.time = static_cast<int64_t>(rng_.Uniform(n.tick_us));
    t.node = id;
    Schedule(std::move(t));
  }
  clients_.resize(o_.clients);
  for (int c = 0; c < o_.clients; ++c) {
    Event e;
    e.type = EventType::kClientNext;
    e.time = 200'000 + rng_.Range(0, 10'000);
    e.client = c;
    Schedule(std::move(e));
  }
  if (o_.crashes || o_.partitions) {
    Event f;
    f.type = EventType::kFault;
    f.time = 500'000;
    Schedule(std::move(f));
  }
  if (o_.membership && o_.nodes > o_.replication) {
    Event op;
    op.type = EventType::kOperator;
    op.time = 300'000;
    Schedule(std::move(op));
  }

  const int64_t end = o_.fault_us + o_.heal_us;
  bool healed = false;
  while (!queue_.empty() && result_.ok()) {
    Event e = queue_.top();
    queue_.pop();
    if (e.time > end) break;
    now_ = e.time;
    ++result_.stats.events;
    if (!healed && !Faulty()) {
      // The fault-free part: every link heals and every node comes back.
      healed = true;
      cut_.clear();
      for (auto& [id, n] : nodes_) Restart(id);
    }
    switch (e.type) {
      case EventType::kTick: {
        Node& n = nodes_[e.node];
        if (!n.up || n.epoch != e.epoch) break;
        for (auto& [g, r] : n.replicas) {
          if (r.raft) r.raft->Tick();
        }
        std::vector<int> groups;
        for (auto& [g, r] : n.replicas) groups.push_back(g);
        for (int g : groups) AfterInput(e.node, g);
        Event t;
        t.type = EventType::kTick;
        t.time = now_ + n.tick_us;
        t.node = e.node;
        t.epoch = n.epoch;
        Schedule(std::move(t));
        break;
      }
      case EventType::kDeliver: {
        Node& n = nodes_[e.node];
        Replica* r = Find(e.node, e.group);
        if (!n.up || r == nullptr || !r->raft || Blocked(e.msg.from, e.msg.to)) break;
        // A snapshot arriving: as the node's transport does while chunks arrive (and while it
        // installs one), sometimes tell the sender it is progressing; the copy may come late,
        // twice, or to a leader that moved on, which must ignore it.
        std::optional<Message> progress;
        if (e.msg.type == raft::MessageType::kSnap && rng_.Chance(0.5)) {
          progress.emplace();
          progress->type = raft::MessageType::kSnapProgress;
          progress->from = e.node;
          progress->to = e.msg.from;
          progress->term = e.msg.term;
          progress->index = e.msg.snapshot.meta.index;
        }
        r->raft->Step(std::move(e.msg));
        AfterInput(e.node, e.group);
        if (progress) SendRaft(*progress, e.group);
        break;
      }
      case EventType::kSyncDone:
        if (nodes_[e.node].up && nodes_[e.node].epoch == e.epoch) SyncDone(e.node, e.group);
        break;
      case EventType::kRequest:
        HandleRequest(e);
        break;
      case EventType::kResponse:
        HandleResponse(e);
        break;
      case EventType::kClientTimeout: {
        Client& cl = clients_[e.client];
        if (!cl.outstanding || cl.op != e.op) break;
        cl.outstanding = false;
        if (cl.pending.kind != OpKind::kGet) {
          result_.history.push_back(cl.pending);  // ret stays kUnknownReturn
          ++result_.stats.ops_unknown;
        }
        cl.leader.clear();
        ClientNext(e.client);
        break;
      }
      case EventType::kClientNext:
        ClientNext(e.client);
        break;
      case EventType::kCrash:
        Crash(e.node);
        break;
      case EventType::kRestart:
        if (Faulty()) Restart(e.node);
        break;
      case EventType::kFault:
        if (Faulty()) InjectFault();
        break;
      case EventType::kHeal:
        Trace("heal");
        cut_.clear();
        break;
      case EventType::kOperator:
        OperatorStep();
        break;
    }
  }
  if (result_.ok()) FinalChecks();
  return std::move(result_);
}

}  // namespace internal

std::string SimResult::Summary() const {
  return std::string(ok() ? "ok" : "FAILED") + " events=" + std::to_string(stats.events) +
         " ops=" + std::to_string(stats.ops_ok) + " unknown=" + std::to_string(stats.ops_unknown) +
         " refused_reads=" + std::to_string(stats.reads_refused) +
         " leaders=" + std::to_string(stats.elections) + " max_term=" +
         std::to_string(stats.max_term) + " crashes=" + std::to_string(stats.crashes) +
         " partitions=" + std::to_string(stats.partitions) +
         " snapshots=" + std::to_string(stats.snapshots) + " moves=" + std::to_string(stats.moves) + " transfers=" + std::to_string(stats.transfers);
}

SimOptions OptionsForSeed(uint64_t seed) {
  internal::Rng rng(internal::Mix(seed, 0xD1CE));
  SimOptions o;
  o.seed = seed;
  o.nodes = rng.Chance(0.4) ? 5 : 3;
  o.groups = static_cast<int>(rng.Range(1, 3));
  o.clients = static_cast<int>(rng.Range(2, 6));
  o.drop = rng.Chance(0.3) ? 0.0 : rng.Real() * 0.05;
  o.duplicate = rng.Real() * 0.02;
  o.reorder = rng.Real() * 0.1;
  o.crashes = !rng.Chance(0.15);
  o.partitions = !rng.Chance(0.15);
  o.compact_every = static_cast<int>(rng.Range(8, 128));
  return o;
}

SimResult RunSimulation(const SimOptions& options) { return internal::Simulation(options).Run(); }

}  // namespace ddb::sim
