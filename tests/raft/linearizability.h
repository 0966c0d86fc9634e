// A linearizability checker for a history of client operations on per-key registers with
// compare-and-set, in the manner of Porcupine (Wing & Gong's search with Lowe's memoization).
//
// Every key is an independent register whose initial state is "absent". Linearizability is a
// local property, so the checker partitions the history by key and checks each key's
// sub-history on its own: the whole history is linearizable iff every key's is. For one key it
// searches depth-first for a total order of the operations that (a) respects real time -- an
// operation that returned strictly before another was called comes first -- and (b) is a legal
// sequential execution of the register, in which every completed operation's output matches.
//
// Timing conventions:
//   * Intervals are closed: an operation returning at time t and one called at the same time t
//     are treated as concurrent (either order is allowed). A checker must never report a
//     violation that did not happen, and a clock that ticks coarsely can stamp a response and a
//     later invocation with the same time, so equal times are read as overlap.
//   * An operation whose outcome the client never learned (ret == kUnknownReturn: timeout,
//     crash) may have taken effect at any single instant after its call, or never. Its outputs
//     are ignored. An unknown get is therefore irrelevant; an unknown put/delete may or may not
//     have written; an unknown cas may have written (if the condition held when it took effect)
//     or not.
//
// Thread-safety: CheckLinearizable and DescribeOperation are pure functions of their arguments;
// they may be called concurrently on different (or the same, unmodified) histories.
//
// REQUIRES: for every operation, call <= ret (an operation cannot return before it was called;
// ret < call is treated as ret == call). Times are in any single monotonic unit. Nothing else is
// assumed: clients may have overlapping operations of their own, keys may be any bytes.
//
// Cost: the problem is NP-complete and the search exponential in the worst case. With the
// reductions described in linearizability.cc, a linearizable key of a few thousand operations
// with ~10 concurrent clients and a few percent unknown outcomes checks in milliseconds. A
// violation costs more -- every order up to it must be ruled out -- the more so the later it
// comes and the more operations have an unknown outcome; max_states bounds that.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ddb::sim {

// The return time of an operation whose outcome the client never learned.
inline constexpr int64_t kUnknownReturn = INT64_MAX;

enum class OpKind { kGet, kPut, kDelete, kCas };

// One client operation on one key. Times are in any monotonic unit (simulated microseconds).
struct Operation {
  int client = 0;
  OpKind kind = OpKind::kGet;
  std::string key;
  int64_t call = 0;              // invocation time
  int64_t ret = kUnknownReturn;  // response time; kUnknownReturn when the client never learned
                                 // the outcome: the op may or may not have taken effect, at any
                                 // time after `call`
  // Inputs.
  std::optional<std::string> value;     // kPut: value written; kCas: new value; nullopt: delete
  std::optional<std::string> expected;  // kCas: the value the key must hold (nullopt = absent)
  // Outputs (ignored when ret == kUnknownReturn).
  std::optional<std::string> output;  // kGet: value read (nullopt = absent)
  bool ok = true;  // kCas: whether the condition held and the write happened (false = the key
                   // held something else and nothing was written)
};

struct CheckResult {
  enum Outcome { kLinearizable, kNotLinearizable, kTimedOut } outcome = kLinearizable;
  // kNotLinearizable: the first key (in order of first appearance in the history) whose history
  // is not linearizable. kTimedOut: the first key whose search exceeded max_states.
  std::string key;
  // Human-readable, for kNotLinearizable: the longest linearizable prefix the search found (its
  // last operations and the register's state after it) and the operations none of which could
  // come next. For kTimedOut: which key and how big its history was. Empty for kLinearizable.
  std::string explanation;
};

// Checks every key's history independently. Initial state of every key: absent. max_states
// bounds the number of distinct search states per key (0 = unlimited); exceeding it gives
// kTimedOut, unless another key is definitely not linearizable (kNotLinearizable wins).
CheckResult CheckLinearizable(const std::vector<Operation>& history, uint64_t max_states = 0);

// One line for a log or a failure message, e.g.
//   client 3 cas("k", expected="a", new="b") -> ok [call 10, ret 25]
std::string DescribeOperation(const Operation& op);

}  // namespace ddb::sim
