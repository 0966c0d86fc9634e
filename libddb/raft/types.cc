#include "libddb/raft/types.h"

#include <algorithm>

#include "libddb/core/coding.h"

namespace ddb::raft {
namespace {

std::string JoinIds(const std::vector<NodeId>& ids) {
  std::string s;
  for (NodeId id : ids) {
    if (!s.empty()) s += ' ';
    s += std::to_string(id);
  }
  return s;
}

bool Contains(const std::vector<NodeId>& v, NodeId id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

}  // namespace

bool ConfState::IsVoter(NodeId id) const {
  return Contains(voters, id) || Contains(voters_outgoing, id);
}

bool ConfState::IsLearner(NodeId id) const { return Contains(learners, id); }

std::vector<NodeId> ConfState::Members() const {
  std::vector<NodeId> all = voters;
  all.insert(all.end(), voters_outgoing.begin(), voters_outgoing.end());
  all.insert(all.end(), learners.begin(), learners.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

// Encoding: one type byte, then the node id as a varint. The type byte's high bits are a
// marker so that random data rarely decodes.
std::string EncodeConfChange(const ConfChange& cc) {
  std::string s;
  s.push_back(static_cast<char>(0xC0 | static_cast<uint8_t>(cc.type)));
  PutVarint64(&s, cc.node);
  return s;
}

bool DecodeConfChange(std::string_view data, ConfChange* cc) {
  if (data.empty()) return false;
  uint8_t b = static_cast<uint8_t>(data[0]);
  if ((b & 0xF0) != 0xC0 || (b & 0x0F) > 3) return false;
  Reader r(data.substr(1));
  uint64_t node = 0;
  if (!r.ReadVarint64(&node) || !r.empty()) return false;
  cc->type = static_cast<ConfChange::Type>(b & 0x0F);
  cc->node = node;
  return true;
}

std::string_view MessageTypeName(MessageType t) {
  switch (t) {
    case MessageType::kPreVote: return "MsgPreVote";
    case MessageType::kPreVoteResp: return "MsgPreVoteResp";
    case MessageType::kVote: return "MsgVote";
    case MessageType::kVoteResp: return "MsgVoteResp";
    case MessageType::kApp: return "MsgApp";
    case MessageType::kAppResp: return "MsgAppResp";
    case MessageType::kHeartbeat: return "MsgHeartbeat";
    case MessageType::kHeartbeatResp: return "MsgHeartbeatResp";
    case MessageType::kSnap: return "MsgSnap";
    case MessageType::kTimeoutNow: return "MsgTimeoutNow";
    case MessageType::kSnapProgress: return "MsgSnapProgress";
  }
  return "Msg?";
}

bool IsResponse(MessageType t) {
  return t == MessageType::kPreVoteResp || t == MessageType::kVoteResp ||
         t == MessageType::kAppResp || t == MessageType::kHeartbeatResp ||
         t == MessageType::kSnapProgress;
}

size_t Message::ByteSize() const {
  size_t n = 64;
  for (const Entry& e : entries) n += 24 + e.data.size();
  if (snapshot.data) n += snapshot.data->size();
  return n;
}

std::string DescribeEntry(const Entry& e) {
  std::string s = std::to_string(e.term) + "/" + std::to_string(e.index);
  if (e.type == EntryType::kConfChange) {
    ConfChange cc;
    if (DecodeConfChange(e.data, &cc)) {
      static const char* kNames[] = {"AddLearner", "Promote", "Remove", "LeaveJoint"};
      s += " Conf:" + std::string(kNames[static_cast<int>(cc.type)]);
      if (cc.node != kNoNode) s += " " + std::to_string(cc.node);
    } else {
      s += " Conf:?";
    }
  } else if (e.data.empty()) {
    s += " EntryNormal \"\"";
  } else {
    s += " EntryNormal \"" + e.data + "\"";
  }
  return s;
}

std::string DescribeConf(const ConfState& c) {
  std::string s = "voters=(" + JoinIds(c.voters) + ")";
  if (c.joint()) s += "&&(" + JoinIds(c.voters_outgoing) + ")";
  if (!c.learners.empty()) s += " learners=(" + JoinIds(c.learners) + ")";
  return s;
}

std::string DescribeMessage(const Message& m) {
  std::string s = std::to_string(m.from) + "->" + std::to_string(m.to) + " " +
                  std::string(MessageTypeName(m.type)) + " Term:" + std::to_string(m.term);
  switch (m.type) {
    case MessageType::kApp:
      s += " Log:" + std::to_string(m.log_term) + "/" + std::to_string(m.index) +
           " Commit:" + std::to_string(m.commit);
      if (!m.entries.empty()) {
        s += " Entries:[";
        for (size_t i = 0; i < m.entries.size(); ++i) {
          if (i) s += ", ";
          s += DescribeEntry(m.entries[i]);
        }
        s += "]";
      }
      break;
    case MessageType::kHeartbeat:
      s += " Commit:" + std::to_string(m.commit);
      break;
    case MessageType::kSnapProgress:
      s += " Index:" + std::to_string(m.index);
      break;
    case MessageType::kVote:
    case MessageType::kPreVote:
      s += " Log:" + std::to_string(m.log_term) + "/" + std::to_string(m.index);
      if (m.transfer) s += " Transfer";
      break;
    case MessageType::kAppResp:
      s += (m.reject ? " Rejected (Hint: " + std::to_string(m.reject_hint) + ")" : "") +
           std::string(" Index:") + std::to_string(m.index);
      break;
    case MessageType::kVoteResp:
    case MessageType::kPreVoteResp:
      if (m.reject) s += " Rejected";
      break;
    case MessageType::kSnap:
      s += " Snapshot: index=" + std::to_string(m.snapshot.meta.index) +
           " term=" + std::to_string(m.snapshot.meta.term) + " " + DescribeConf(m.snapshot.meta.conf);
      break;
    default:
      break;
  }
  return s;
}

}  // namespace ddb::raft
