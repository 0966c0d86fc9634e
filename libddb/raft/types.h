// The values the Raft core consumes and produces: log entries, persistent state, configuration,
// snapshots and messages.
//
// These are plain values with no behaviour; the node serializes them (Cap'n Proto) and the
// simulator passes them around in memory. Nothing here knows about sockets, disks or clocks.
//
// Thread-safety: values; distinct objects may be used from distinct threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ddb::raft {

using NodeId = uint64_t;
using Term = uint64_t;
using Index = uint64_t;

// No node: "no leader known", "voted for nobody".
inline constexpr NodeId kNoNode = 0;

enum class EntryType : uint8_t {
  kNormal = 0,      // application data (may be empty: the no-op a new leader appends)
  kConfChange = 1,  // data is an encoded ConfChange (see EncodeConfChange)
};

struct Entry {
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;

  friend bool operator==(const Entry&, const Entry&) = default;
};

// What must be on disk before any message that depends on it leaves the node.
struct HardState {
  Term term = 0;
  NodeId vote = kNoNode;
  Index commit = 0;

  friend bool operator==(const HardState&, const HardState&) = default;
};

// A group's membership. `voters` decide elections and commits; `learners` receive the log but do
// not vote. During a joint configuration (a voter change in flight) `voters_outgoing` holds the
// old voters and every decision needs a majority of both sets. A node is in at most one of
// `voters` / `learners`. Lists are sorted.
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> voters_outgoing;
  std::vector<NodeId> learners;

  bool joint() const { return !voters_outgoing.empty(); }
  bool IsVoter(NodeId id) const;    // in voters or voters_outgoing
  bool IsLearner(NodeId id) const;
  bool IsMember(NodeId id) const { return IsVoter(id) || IsLearner(id); }
  // Every member, each once, sorted.
  std::vector<NodeId> Members() const;

  friend bool operator==(const ConfState&, const ConfState&) = default;
};

// A membership change, proposed as an entry and taking effect when it is applied.
//
// One server at a time, learners first: kAddLearner adds a non-voting member that catches up;
// kPromote turns a caught-up learner into a voter; kRemove removes a member. A change of the
// voter set goes through a joint configuration (old and new voters must both agree) that the
// leader leaves automatically with an empty kLeaveJoint entry once the change is applied, so
// a change never depends on a single majority overlapping by luck.
struct ConfChange {
  enum class Type : uint8_t { kAddLearner = 0, kPromote = 1, kRemove = 2, kLeaveJoint = 3 };
  Type type = Type::kAddLearner;
  NodeId node = kNoNode;

  friend bool operator==(const ConfChange&, const ConfChange&) = default;
};
std::string EncodeConfChange(const ConfChange& cc);
// False if `data` is not an encoded ConfChange.
bool DecodeConfChange(std::string_view data, ConfChange* cc);

struct SnapshotMeta {
  Index index = 0;  // last entry the snapshot covers
  Term term = 0;    // that entry's term
  ConfState conf;   // the membership at `index`

  friend bool operator==(const SnapshotMeta&, const SnapshotMeta&) = default;
};

// A snapshot: metadata plus the application's opaque state at `meta.index`. The data is shared,
// not copied, between the core, the messages that carry it and the application.
struct Snapshot {
  SnapshotMeta meta;
  std::shared_ptr<const std::string> data;
};

enum class MessageType : uint8_t {
  kPreVote,        // "would you vote for me at term+1?" (no state changes)
  kPreVoteResp,
  kVote,           // RequestVote
  kVoteResp,
  kApp,            // AppendEntries with entries (possibly none)
  kAppResp,
  kHeartbeat,      // leader liveness + commit, no entries
  kHeartbeatResp,
  kSnap,           // InstallSnapshot
  kTimeoutNow,     // leadership transfer: "campaign now"
  // Follower to leader: chunks of the snapshot at `index` are still arriving. Sent by the
  // application's transport (a snapshot too big for one frame travels in chunks), not by the
  // core; the leader keeps waiting for that snapshot instead of giving it up as lost.
  kSnapProgress,
};
std::string_view MessageTypeName(MessageType t);
bool IsResponse(MessageType t);

struct Message {
  MessageType type = MessageType::kHeartbeat;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  Term term = 0;
  // kApp: term and index of the entry before `entries`. kVote/kPreVote: the candidate's last
  // entry. kAppResp: the index accepted (or, rejected, the index that did not match).
  Term log_term = 0;
  Index index = 0;
  std::vector<Entry> entries;
  Index commit = 0;
  bool reject = false;
  Index reject_hint = 0;  // kAppResp rejected: the follower's last index
  // kApp/kHeartbeat: the leader's tick when it sent the message; echoed by the response so the
  // leader knows from when a follower's acknowledgement counts towards its lease.
  uint64_t lease_tick = 0;
  // kVote: the campaign follows a leadership transfer, so voters must not wait out the lease.
  bool transfer = false;
  Snapshot snapshot;  // kSnap

  // Approximate bytes this message takes on the wire; for flow control.
  size_t ByteSize() const;
};

// One line for logs and golden tests: "1->2 MsgApp Term:3 Log:2/5 Commit:4 Entries:[3/6 ...]".
std::string DescribeMessage(const Message& m);
std::string DescribeEntry(const Entry& e);
std::string DescribeConf(const ConfState& c);

}  // namespace ddb::raft
