// The simulator's internals (tests/raft/simulator.h is the interface): the simulated world's
// values and the Simulation class, whose definition is split between simulator.cc (the world,
// clients, faults, the run) and sim_checks.cc (the invariants).
//
// Thread-safety: a Simulation is used by one thread.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "libddb/core/check.h"
#include "libddb/core/coding.h"
#include "libddb/raft/raft.h"
#include "tests/raft/simulator.h"

namespace ddb::sim {
namespace internal {

using raft::Entry;
using raft::Index;
using raft::Message;
using raft::NodeId;
using raft::Term;

// All randomness of a run. std::mt19937_64's sequence is fixed by the standard; the
// distributions are ours (the standard library's differ between implementations).
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint64_t Next() { return gen_(); }
  uint64_t Uniform(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  int64_t Range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Uniform(hi - lo + 1)); }
  double Real() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }
  bool Chance(double p) { return Real() < p; }

 private:
  std::mt19937_64 gen_;
};

inline uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ULL + b + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

inline uint64_t Hash(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// --- The state machine: a key-value map with compare-and-set --------------------------------

struct Command {
  int client = 0;
  uint64_t op = 0;
  OpKind kind = OpKind::kPut;
  std::string key;
  std::optional<std::string> value;
  std::optional<std::string> expected;
};

inline void PutOptional(std::string* s, const std::optional<std::string>& v) {
  s->push_back(v ? 1 : 0);
  if (v) PutLengthPrefixed(s, *v);
}

inline bool GetOptional(Reader* r, std::optional<std::string>* v) {
  unsigned char present = 0;
  if (!r->ReadByte(&present)) return false;
  if (!present) {
    v->reset();
    return true;
  }
  std::string_view sv;
  if (!r->ReadLengthPrefixed(&sv)) return false;
  *v = std::string(sv);
  return true;
}

inline std::string EncodeCommand(const Command& c) {
  std::string s;
  PutVarint64(&s, static_cast<uint64_t>(c.client));
  PutVarint64(&s, c.op);
  s.push_back(static_cast<char>(c.kind));
  PutLengthPrefixed(&s, c.key);
  PutOptional(&s, c.value);
  PutOptional(&s, c.expected);
  return s;
}

inline Command DecodeCommand(std::string_view data) {
  Command c;
  Reader r(data);
  uint64_t client = 0;
  unsigned char kind = 0;
  std::string_view key;
  bool ok = r.ReadVarint64(&client) && r.ReadVarint64(&c.op) && r.ReadByte(&kind) &&
            r.ReadLengthPrefixed(&key) && GetOptional(&r, &c.value) &&
            GetOptional(&r, &c.expected);
  DDB_CHECK_MSG(ok, "undecodable command");
  c.client = static_cast<int>(client);
  c.kind = static_cast<OpKind>(kind);
  c.key = std::string(key);
  return c;
}

struct StateMachine {
  std::map<std::string, std::string> kv;
  Index applied = 0;

  // Applies a write; returns whether a compare-and-set's condition held.
  bool Apply(const Command& c) {
    auto it = kv.find(c.key);
    std::optional<std::string> current;
    if (it != kv.end()) current = it->second;
    switch (c.kind) {
      case OpKind::kPut: kv[c.key] = *c.value; return true;
      case OpKind::kDelete: kv.erase(c.key); return true;
      case OpKind::kCas:
        if (current != c.expected) return false;
        if (c.value) {
          kv[c.key] = *c.value;
        } else {
          kv.erase(c.key);
        }
        return true;
      case OpKind::kGet: return true;
    }
    return true;
  }

  std::string Encode() const {
    std::string s;
    PutVarint64(&s, applied);
    for (const auto& [k, v] : kv) {
      PutLengthPrefixed(&s, k);
      PutLengthPrefixed(&s, v);
    }
    return s;
  }

  static StateMachine Decode(std::string_view data) {
    StateMachine sm;
    Reader r(data);
    if (data.empty()) return sm;
    r.ReadVarint64(&sm.applied);
    std::string_view k, v;
    while (!r.empty() && r.ReadLengthPrefixed(&k) && r.ReadLengthPrefixed(&v)) {
      sm.kv.emplace(std::string(k), std::string(v));
    }
    return sm;
  }
};

// --- The simulated world ----------------------------------------------------------------------

enum class EventType : uint8_t {
  kTick, kDeliver, kSyncDone, kRequest, kResponse, kClientTimeout, kClientNext, kCrash,
  kRestart, kFault, kHeal, kOperator,
};

enum class Outcome : uint8_t { kOk, kNotLeader, kNoEffect };

struct ClientResponse {
  Outcome outcome = Outcome::kOk;
  NodeId hint = raft::kNoNode;
  std::optional<std::string> output;
  bool ok = true;
};

struct Event {
  int64_t time = 0;
  uint64_t seq = 0;
  EventType type = EventType::kTick;
  NodeId node = raft::kNoNode;
  int group = 0;
  uint64_t epoch = 0;
  int client = 0;
  uint64_t op = 0;
  Message msg;
  Command cmd;
  ClientResponse resp;
};

struct EventLater {
  bool operator()(const Event& a, const Event& b) const {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
};

struct PendingWrite {
  Term term = 0;
  int client = 0;
  uint64_t op = 0;
};

struct PendingRead {
  Index read_index = 0;
  int client = 0;
  uint64_t op = 0;
  std::string key;
};

struct Replica {
  std::unique_ptr<raft::Raft> raft;  // null while the node is down
  raft::Storage disk;                // what has been synced
  StateMachine sm;                   // applied state (volatile part lost in a crash)
  StateMachine sm_durable;           // the part that survives a crash
  bool ready_in_flight = false;
  raft::Ready in_flight;
  std::map<Index, PendingWrite> writes;
  std::vector<PendingRead> reads;
  Term term_seen = 0;     // in this lifetime
  Index commit_seen = 0;  // in this lifetime
};

struct Node {
  bool up = true;
  uint64_t epoch = 0;  // incremented by every crash
  int64_t tick_us = 0;
  std::map<int, Replica> replicas;  // by group
};

struct Client {
  bool outstanding = false;
  uint64_t op = 0;
  size_t history_slot = 0;
  Operation pending;
  std::map<int, NodeId> leader;  // per group, a guess
  std::map<std::string, std::optional<std::string>> last_seen;
};

class Simulation {
 public:
  explicit Simulation(const SimOptions& o)
      : o_(o), rng_(o.seed), trace_(std::getenv("DDB_SIM_TRACE") != nullptr) {}
  SimResult Run();

 private:
  void Schedule(Event e) {
    e.seq = next_seq_++;
    queue_.push(std::move(e));
  }
  void Fail(const std::string& what) {
    if (result_.failure.empty()) {
      result_.failure = "t=" + std::to_string(now_) + "us: " + what;
    }
  }
  raft::Config ConfigFor(NodeId node, int group) const;
  Replica* Find(NodeId node, int group);
  void StartReplica(NodeId node, int group, Replica& r);
  void AfterInput(NodeId node, int group);
  void SyncDone(NodeId node, int group);
  void ApplyEntry(NodeId node, int group, Replica& r, const Entry& e);
  void MaybeCompact(Replica& r);
  void ServeReads(NodeId node, Replica& r);
  void SendRaft(const Message& m, int group);
  void Respond(NodeId node, int client, uint64_t op, ClientResponse resp);
  void HandleRequest(const Event& e);
  void HandleResponse(const Event& e);
  void ClientNext(int client);
  void Crash(NodeId node);
  void Restart(NodeId node);
  void InjectFault();
  void OperatorStep();
  void CheckReplica(NodeId node, int group);
  void CheckLeases(int group);
  void CheckPersistedEntries(int group, const raft::Storage& disk, size_t first_new);
  void FinalChecks();
  bool Blocked(NodeId from, NodeId to) const { return cut_.count({from, to}) > 0; }
  bool Faulty() const { return now_ < o_.fault_us; }
  // DDB_SIM_TRACE=1: the run's story on stderr, to debug a failing seed.
  void Trace(const std::string& line) {
    if (trace_) std::fprintf(stderr, "%9lld %s\n", static_cast<long long>(now_), line.c_str());
  }

  const SimOptions o_;
  Rng rng_;
  const bool trace_;
  std::map<std::pair<NodeId, int>, std::string> last_state_;  // for the trace
  SimResult result_;
  int64_t now_ = 0;
  uint64_t next_seq_ = 0;
  std::priority_queue<Event, std::vector<Event>, EventLater> queue_;
  std::map<NodeId, Node> nodes_;
  std::map<int, std::vector<NodeId>> members_;  // group -> nodes holding a replica
  std::vector<Client> clients_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  int64_t quiet_until_ = 0;
  // Invariant bookkeeping.
  std::map<std::pair<int, Term>, NodeId> leaders_;
  std::map<int, std::vector<std::pair<Term, uint64_t>>> committed_;  // group -> [index-1]
  std::map<int, std::map<Index, Term>> commit_seen_term_;  // group -> index -> first observer's term
  std::map<std::tuple<int, Index, Term>, std::pair<uint64_t, Term>> entries_;  // -> (hash, prev)
  std::map<std::pair<NodeId, int>, Term> persisted_term_;
  std::map<int, std::pair<NodeId, NodeId>> moving_;  // group -> (to, from)
};

}  // namespace internal
}  // namespace ddb::sim
