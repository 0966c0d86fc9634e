#include "tests/raft/interaction_env.h"

#include <algorithm>
#include <sstream>

#include "libddb/core/check.h"
#include "libddb/core/coding.h"

namespace ddb::raft {
namespace {

std::vector<NodeId> ParseIds(const std::string& s) {
  std::vector<NodeId> ids;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, ',')) {
    if (!part.empty()) ids.push_back(std::stoull(part));
  }
  return ids;
}

std::string EncodeApplied(const std::vector<std::string>& applied) {
  std::string s;
  for (const auto& a : applied) PutLengthPrefixed(&s, a);
  return s;
}

std::vector<std::string> DecodeApplied(const std::string& data) {
  std::vector<std::string> out;
  Reader r(data);
  std::string_view v;
  while (!r.empty() && r.ReadLengthPrefixed(&v)) out.emplace_back(v);
  return out;
}

std::string RoleLine(const Raft& r) {
  return std::string(RoleName(r.role())) + " at term " + std::to_string(r.term());
}

}  // namespace

InteractionEnv::Replica& InteractionEnv::Get(NodeId id) {
  auto it = replicas_.find(id);
  DDB_CHECK_MSG(it != replicas_.end(), "no node %llu", static_cast<unsigned long long>(id));
  return it->second;
}

std::vector<NodeId> InteractionEnv::Ids(const testing::GoldenCase& c) const {
  std::vector<NodeId> ids;
  for (const std::string& w : c.words) {
    if (!w.empty() && std::isdigit(static_cast<unsigned char>(w[0]))) ids.push_back(std::stoull(w));
  }
  if (ids.empty()) {
    for (const auto& [id, r] : replicas_) ids.push_back(id);
  }
  return ids;
}

bool InteractionEnv::Blocked(NodeId from, NodeId to) const {
  return cut_.count({from, to}) > 0;
}

std::string InteractionEnv::Run(const testing::GoldenCase& c) {
  const std::string& cmd = c.command;
  auto arg = [&](const std::string& key, const std::string& def) {
    auto it = c.args.find(key);
    return it == c.args.end() || it->second.empty() ? def : it->second;
  };
  if (cmd == "add-nodes") return AddNodes(c);
  if (cmd == "stabilize") return Stabilize(Ids(c));
  if (cmd == "raft-state") {
    std::string out;
    for (const auto& [id, r] : replicas_) {
      out += r.raft ? r.raft->Describe() : std::to_string(id) + " (crashed)";
      out += "\n";
    }
    return out;
  }
  if (cmd == "heal") {
    cut_.clear();
    return "ok";
  }
  if (cmd == "partition") {
    // "partition 1 / 2 3": every link between the groups drops messages, both ways.
    std::vector<std::vector<NodeId>> groups(1);
    for (const std::string& w : c.words) {
      if (w == "/") {
        groups.emplace_back();
      } else {
        groups.back().push_back(std::stoull(w));
      }
    }
    for (size_t a = 0; a < groups.size(); ++a) {
      for (size_t b = 0; b < groups.size(); ++b) {
        if (a == b) continue;
        for (NodeId x : groups[a]) {
          for (NodeId y : groups[b]) cut_.insert({x, y});
        }
      }
    }
    return "ok";
  }
  if (cmd == "cut") {  // one way: "cut from=1 to=2"
    cut_.insert({std::stoull(arg("from", "0")), std::stoull(arg("to", "0"))});
    return "ok";
  }

  std::vector<NodeId> ids = Ids(c);
  NodeId id = ids.front();
  Replica& rep = Get(id);
  if (cmd == "wipe") {  // a crashed replica loses its disk: it restarts as a new, empty one
    if (rep.raft) return "error: crash the node first";
    rep.disk = Disk{};
    rep.applied.clear();
    return "ok";
  }
  if (cmd == "restart") {
    if (rep.raft) return "error: node is running";
    Restart(id);
    return rep.raft->Describe();
  }
  if (!rep.raft) return "error: node " + std::to_string(id) + " is crashed";
  Raft& raft = *rep.raft;
  std::string before = RoleLine(raft);
  std::string out;
  auto transitions = [&]() {
    std::string after = RoleLine(raft);
    if (after != before) out += "INFO " + std::to_string(id) + " became " + after + "\n";
    return out;
  };

  if (cmd == "campaign") {
    raft.Campaign();
    out += raft.Describe() + "\n";
    return transitions();
  }
  if (cmd == "tick" || cmd == "tick-election" || cmd == "tick-heartbeat") {
    int n = std::stoi(arg("n", "1"));
    if (cmd == "tick-election") n = 2 * rep.config.election_ticks - 1;
    if (cmd == "tick-heartbeat") n = rep.config.heartbeat_ticks;
    for (int i = 0; i < n; ++i) raft.Tick();
    out += raft.Describe() + "\n";
    return transitions();
  }
  if (cmd == "propose") {
    std::string data = c.words.size() > 1 ? c.words[1] : "";
    Result<Index> r = raft.Propose(data);
    return r.ok() ? "ok index=" + std::to_string(*r) : r.status().ToString();
  }
  if (cmd == "propose-conf-change") {
    ConfChange cc;
    if (c.args.count("add-learner")) {
      cc = {ConfChange::Type::kAddLearner, std::stoull(arg("add-learner", "0"))};
    } else if (c.args.count("promote")) {
      cc = {ConfChange::Type::kPromote, std::stoull(arg("promote", "0"))};
    } else if (c.args.count("remove")) {
      cc = {ConfChange::Type::kRemove, std::stoull(arg("remove", "0"))};
    } else {
      cc = {ConfChange::Type::kLeaveJoint, kNoNode};
    }
    ::ddb::Status s = raft.ProposeConfChange(cc);
    return s.ok() ? "ok" : s.ToString();
  }
  if (cmd == "transfer-leadership") {
    ::ddb::Status s = raft.TransferLeadership(std::stoull(arg("to", "0")));
    return s.ok() ? "ok" : s.ToString();
  }
  if (cmd == "report-unreachable") {
    raft.ReportUnreachable(std::stoull(arg("to", "0")));
    return "ok";
  }
  if (cmd == "send-snap-progress") {  // "send-snap-progress 3 to=1 index=N": queues one
    Message m;
    m.type = MessageType::kSnapProgress;
    m.from = id;
    m.to = std::stoull(arg("to", "0"));
    m.term = raft.term();
    m.index = std::stoull(arg("index", "0"));
    out += DescribeMessage(m);
    queue_.push_back(std::move(m));
    return out;
  }
  if (cmd == "process-ready") {
    for (NodeId n : ids) out += ProcessReady(n, "");
    return out.empty() ? "(no Ready)" : out;
  }
  if (cmd == "deliver-msgs") {
    if (c.args.count("drop")) {
      size_t dropped = 0;
      for (auto it = queue_.begin(); it != queue_.end();) {
        if (it->to == id) {
          out += "dropped: " + DescribeMessage(*it) + "\n";
          it = queue_.erase(it);
          ++dropped;
        } else {
          ++it;
        }
      }
      return dropped == 0 ? "(no messages)" : out;
    }
    for (NodeId n : ids) out += DeliverMsgs(n, "");
    return out.empty() ? "(no messages)" : out;
  }
  if (cmd == "status") return Status(id);
  if (cmd == "raft-log") return RaftLog(id);
  if (cmd == "applied") {
    std::string s;
    for (const auto& a : rep.applied) s += a + "\n";
    return s.empty() ? "(empty)" : s;
  }
  if (cmd == "lease") return raft.HasLease() ? "lease: yes" : "lease: no";
  if (cmd == "crash") {
    // Its memory is gone, and so are the messages on their way to it (the connections reset).
    rep.raft.reset();
    queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                                [&](const Message& m) { return m.to == id; }),
                 queue_.end());
    return "ok";
  }
  if (cmd == "compact") {
    Index index = raft.log().applied();
    raft.Compact(index, std::make_shared<const std::string>(EncodeApplied(rep.applied)));
    rep.disk.storage.snapshot = raft.snapshot().meta;
    rep.disk.storage.snapshot_data = raft.snapshot().data;
    auto& entries = rep.disk.storage.entries;
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&](const Entry& e) { return e.index <= index; }),
                  entries.end());
    return "compacted to " + std::to_string(index) + "; log is [" +
           std::to_string(raft.log().FirstIndex()) + ", " + std::to_string(raft.log().LastIndex()) +
           "]";
  }
  return "error: unknown command " + cmd;
}

std::string InteractionEnv::AddNodes(const testing::GoldenCase& c) {
  size_t n = std::stoul(c.words.at(0));
  auto get = [&](const std::string& key, const std::string& def) {
    auto it = c.args.find(key);
    return it == c.args.end() ? def : it->second;
  };
  std::vector<NodeId> voters = ParseIds(get("voters", ""));
  std::vector<NodeId> learners = ParseIds(get("learners", ""));
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    NodeId id = replicas_.empty() ? 1 : replicas_.rbegin()->first + 1;
    Replica rep;
    rep.config.id = id;
    rep.config.election_ticks = std::stoi(get("election", "10"));
    rep.config.heartbeat_ticks = std::stoi(get("heartbeat", "1"));
    rep.config.pre_vote = get("pre-vote", "true") == "true";
    rep.config.max_inflight = std::stoul(get("inflight", "64"));
    rep.config.seed = std::stoull(get("seed", "1"));
    rep.config.max_msg_bytes = std::stoul(get("msg-bytes", "1048576"));
    bool member = std::count(voters.begin(), voters.end(), id) ||
                  std::count(learners.begin(), learners.end(), id);
    if (member) {
      rep.disk.storage = BootstrapStorage(voters);
      rep.disk.storage.snapshot.conf.learners = learners;
    }
    rep.raft = std::make_unique<Raft>(rep.config, rep.disk.storage);
    out += rep.raft->Describe() + " " + DescribeConf(rep.raft->conf()) + "\n";
    replicas_.emplace(id, std::move(rep));
  }
  return out;
}

void InteractionEnv::Restart(NodeId id) {
  Replica& rep = Get(id);
  rep.raft = std::make_unique<Raft>(rep.config, rep.disk.storage);
}

std::string InteractionEnv::ProcessReady(NodeId id, const std::string& indent) {
  Replica& rep = Get(id);
  if (!rep.raft || !rep.raft->HasReady()) return "";
  Raft& raft = *rep.raft;
  std::string before = RoleLine(raft);
  Ready rd = raft.GetReady();
  std::string out = indent + "> " + std::to_string(id) + " handling Ready\n";
  std::string in = indent + "  ";
  Storage& disk = rep.disk.storage;
  if (rd.snapshot) {
    out += in + "Snapshot index=" + std::to_string(rd.snapshot->meta.index) +
           " term=" + std::to_string(rd.snapshot->meta.term) + " " +
           DescribeConf(rd.snapshot->meta.conf) + "\n";
    disk.snapshot = rd.snapshot->meta;
    disk.snapshot_data = rd.snapshot->data;
    disk.entries.clear();
    disk.applied = rd.snapshot->meta.index;
    rep.applied = DecodeApplied(rd.snapshot->data ? *rd.snapshot->data : "");
  }
  if (!rd.entries.empty()) {
    Index first = rd.entries.front().index;
    disk.entries.erase(std::remove_if(disk.entries.begin(), disk.entries.end(),
                                      [&](const Entry& e) { return e.index >= first; }),
                       disk.entries.end());
    out += in + "Entries:\n";
    for (const Entry& e : rd.entries) {
      out += in + DescribeEntry(e) + "\n";
      disk.entries.push_back(e);
    }
  }
  if (rd.hard_state) {
    disk.hard_state = *rd.hard_state;
    out += in + "HardState Term:" + std::to_string(rd.hard_state->term) +
           " Vote:" + std::to_string(rd.hard_state->vote) +
           " Commit:" + std::to_string(rd.hard_state->commit) + "\n";
  }
  if (!rd.committed.empty()) {
    out += in + "Committed:\n";
    for (const Entry& e : rd.committed) {
      out += in + DescribeEntry(e) + "\n";
      if (e.type == EntryType::kNormal && !e.data.empty()) rep.applied.push_back(e.data);
      disk.applied = e.index;
    }
  }
  if (!rd.messages.empty()) {
    out += in + "Messages:\n";
    for (Message& m : rd.messages) {
      auto to = replicas_.find(m.to);
      bool down = to == replicas_.end() || !to->second.raft;
      out += in + DescribeMessage(m) + (down ? " (dropped: node down)" : "") + "\n";
      if (!down) queue_.push_back(std::move(m));
    }
  }
  raft.Advance(rd);
  std::string after = RoleLine(raft);
  if (after != before) out += indent + "INFO " + std::to_string(id) + " became " + after + "\n";
  return out;
}

std::string InteractionEnv::DeliverMsgs(NodeId id, const std::string& indent) {
  std::vector<Message> mine;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->to == id) {
      mine.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  if (mine.empty()) return "";
  Replica& rep = Get(id);
  std::string out = indent + "> " + std::to_string(id) + " receiving messages\n";
  for (Message& m : mine) {
    if (!rep.raft) {
      out += indent + "  " + DescribeMessage(m) + " (dropped: node down)\n";
      continue;
    }
    if (Blocked(m.from, m.to)) {
      out += indent + "  " + DescribeMessage(m) + " (dropped: partition)\n";
      continue;
    }
    out += indent + "  " + DescribeMessage(m) + "\n";
    std::string before = RoleLine(*rep.raft);
    rep.raft->Step(std::move(m));
    std::string after = RoleLine(*rep.raft);
    if (after != before) out += indent + "  INFO " + std::to_string(id) + " became " + after + "\n";
  }
  return out;
}

std::string InteractionEnv::Stabilize(const std::vector<NodeId>& ids) {
  std::string out;
  for (bool progress = true; progress;) {
    progress = false;
    for (NodeId id : ids) {
      std::string s = ProcessReady(id, "");
      if (!s.empty()) {
        out += s;
        progress = true;
      }
    }
    for (NodeId id : ids) {
      std::string s = DeliverMsgs(id, "");
      if (!s.empty()) {
        out += s;
        progress = true;
      }
    }
  }
  return out.empty() ? "(nothing to do)" : out;
}

std::string InteractionEnv::Status(NodeId id) {
  const Raft& raft = *Get(id).raft;
  std::string out = raft.Describe() + "\n" + DescribeConf(raft.conf()) + "\n";
  for (const auto& [peer, pr] : raft.progress()) {
    out += std::to_string(peer) + ": " + std::string(ProgressStateName(pr.state)) +
           " match=" + std::to_string(pr.match) + " next=" + std::to_string(pr.next);
    if (pr.state == Progress::State::kSnapshot) {
      out += " pending_snapshot=" + std::to_string(pr.pending_snapshot);
    }
    if (pr.inflights.Count() > 0) out += " inflight=" + std::to_string(pr.inflights.Count());
    out += "\n";
  }
  return out;
}

std::string InteractionEnv::RaftLog(NodeId id) {
  const Raft& raft = *Get(id).raft;
  const auto& log = raft.log();
  std::string out = "snapshot " + std::to_string(log.SnapshotTerm()) + "/" +
                    std::to_string(log.SnapshotIndex()) + "\n";
  for (Index i = log.FirstIndex(); i <= log.LastIndex(); ++i) out += DescribeEntry(log.At(i)) + "\n";
  return out;
}

}  // namespace ddb::raft
