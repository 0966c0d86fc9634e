// The linearizability checker: hand-written histories with known verdicts, histories that are
// linearizable by construction (and mutations of them that cannot be), agreement with a brute
// force search on small random histories, and the max_states bound.
#include "tests/raft/linearizability.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>

namespace ddb::sim {
namespace {

using std::nullopt;
using Value = std::optional<std::string>;

constexpr uint64_t kDefaultSeed = 20240611;

uint64_t SeedFromEnv() {
  if (const char* env = std::getenv("DDB_TEST_SEED"); env != nullptr && *env != '\0') {
    return std::strtoull(env, nullptr, 10);
  }
  return kDefaultSeed;
}

std::string SeedTrace(uint64_t seed) { return "DDB_TEST_SEED=" + std::to_string(seed); }

Operation Get(int client, int64_t call, int64_t ret, Value output, std::string key = "k") {
  Operation op;
  op.client = client;
  op.kind = OpKind::kGet;
  op.key = std::move(key);
  op.call = call;
  op.ret = ret;
  op.output = std::move(output);
  return op;
}

Operation Put(int client, int64_t call, int64_t ret, std::string value, std::string key = "k") {
  Operation op;
  op.client = client;
  op.kind = OpKind::kPut;
  op.key = std::move(key);
  op.call = call;
  op.ret = ret;
  op.value = std::move(value);
  return op;
}

Operation Delete(int client, int64_t call, int64_t ret, std::string key = "k") {
  Operation op;
  op.client = client;
  op.kind = OpKind::kDelete;
  op.key = std::move(key);
  op.call = call;
  op.ret = ret;
  return op;
}

Operation Cas(int client, int64_t call, int64_t ret, Value expected, Value value, bool ok,
              std::string key = "k") {
  Operation op;
  op.client = client;
  op.kind = OpKind::kCas;
  op.key = std::move(key);
  op.call = call;
  op.ret = ret;
  op.expected = std::move(expected);
  op.value = std::move(value);
  op.ok = ok;
  return op;
}

std::string Describe(const std::vector<Operation>& history) {
  std::string out;
  for (const Operation& op : history) out += "  " + DescribeOperation(op) + "\n";
  return out;
}

void ExpectVerdict(const std::vector<Operation>& history, CheckResult::Outcome want) {
  const CheckResult result = CheckLinearizable(history);
  EXPECT_EQ(result.outcome, want) << result.explanation << "history:\n" << Describe(history);
}

// --- Hand-written linearizable histories ---

// One client, no overlap: the register semantics of every kind of operation.
TEST(LinearizabilityTest, SequentialHistory) {
  ExpectVerdict({Get(1, 0, 1, nullopt), Put(1, 2, 3, "a"), Get(1, 4, 5, "a"), Put(1, 6, 7, "b"),
                 Get(1, 8, 9, "b"), Delete(1, 10, 11), Get(1, 12, 13, nullopt),
                 Cas(1, 14, 15, nullopt, "c", true), Get(1, 16, 17, "c")},
                CheckResult::kLinearizable);
}

// Reads concurrent with a write may see the old or the new value, even "out of order" when they
// overlap each other.
TEST(LinearizabilityTest, ConcurrentReadsSeeEitherValue) {
  ExpectVerdict({Put(1, 0, 10, "a"), Put(2, 20, 40, "b"), Get(3, 21, 30, "b"), Get(4, 25, 35, "a"),
                 Get(5, 22, 38, "a")},
                CheckResult::kLinearizable);
}

// A cas succeeds exactly when the key holds the expected value (absent included).
TEST(LinearizabilityTest, CasSuccessAndFailure) {
  ExpectVerdict(
      {Put(1, 0, 1, "a"), Cas(1, 2, 3, "a", "b", true), Cas(2, 4, 5, "a", "c", false),
       Get(1, 6, 7, "b"), Cas(2, 8, 9, nullopt, "x", false), Cas(1, 10, 11, "b", nullopt, true),
       Cas(2, 12, 13, nullopt, "d", true), Get(3, 14, 15, "d")},
      CheckResult::kLinearizable);
}

// Of two concurrent cas from the same expected value, one wins and the other fails.
TEST(LinearizabilityTest, ConcurrentCasOneWins) {
  ExpectVerdict({Put(1, 0, 1, "a"), Cas(1, 10, 20, "a", "b", false), Cas(2, 10, 20, "a", "c", true),
                 Get(3, 30, 31, "c")},
                CheckResult::kLinearizable);
}

// A delete makes later reads see the key absent.
TEST(LinearizabilityTest, DeleteThenGetAbsent) {
  ExpectVerdict({Put(1, 0, 10, "a"), Delete(2, 20, 30), Get(1, 40, 50, nullopt)},
                CheckResult::kLinearizable);
}

// A put whose outcome is unknown may have taken effect, arbitrarily late, and reads may see it.
TEST(LinearizabilityTest, UnknownPutObserved) {
  ExpectVerdict({Put(1, 0, 10, "a"), Put(2, 20, kUnknownReturn, "b"), Get(3, 30, 40, "a"),
                 Get(3, 100, 110, "b"), Get(1, 120, 130, "b")},
                CheckResult::kLinearizable);
}

// ... or may never have taken effect.
TEST(LinearizabilityTest, UnknownPutNeverObserved) {
  ExpectVerdict({Put(1, 0, 10, "a"), Put(2, 20, kUnknownReturn, "b"), Get(3, 100, 110, "a"),
                 Get(1, 120, 130, "a")},
                CheckResult::kLinearizable);
}

// An unknown cas may or may not apply, and its (meaningless) outputs are ignored.
TEST(LinearizabilityTest, UnknownCasEitherWay) {
  ExpectVerdict(
      {Put(1, 0, 10, "a"), Cas(2, 20, kUnknownReturn, "a", "b", false), Get(1, 30, 40, "b")},
      CheckResult::kLinearizable);
  ExpectVerdict(
      {Put(1, 0, 10, "a"), Cas(2, 20, kUnknownReturn, "a", "b", true), Get(1, 30, 40, "a")},
      CheckResult::kLinearizable);
}

// Documents the tie rule: an op returning at t and one called at t overlap, so either order is
// accepted (the checker must not report a violation a coarse clock could have produced).
TEST(LinearizabilityTest, EqualTimesOverlap) {
  ExpectVerdict({Put(1, 0, 10, "a"), Get(2, 10, 20, nullopt)}, CheckResult::kLinearizable);
  ExpectVerdict({Put(1, 0, 10, "a"), Get(2, 11, 20, nullopt)}, CheckResult::kNotLinearizable);
}

// An empty history, and one of only unknown operations, are trivially linearizable.
TEST(LinearizabilityTest, EmptyAndAllUnknown) {
  ExpectVerdict({}, CheckResult::kLinearizable);
  ExpectVerdict({Put(1, 0, kUnknownReturn, "a"), Get(2, 5, kUnknownReturn, "zzz")},
                CheckResult::kLinearizable);
}

// --- Hand-written non-linearizable histories ---

// A read strictly after a completed write must not return what the write replaced.
TEST(LinearizabilityTest, StaleReadAfterCompletedWrite) {
  ExpectVerdict({Put(1, 0, 10, "a"), Put(2, 20, 30, "b"), Get(3, 40, 50, "a")},
                CheckResult::kNotLinearizable);
}

// A read can only return a value some write wrote.
TEST(LinearizabilityTest, ReadOfValueNeverWritten) {
  ExpectVerdict({Put(1, 0, 10, "a"), Get(2, 5, 15, "ghost")}, CheckResult::kNotLinearizable);
}

// Two cas from the same expected value cannot both succeed without a write in between.
TEST(LinearizabilityTest, TwoCasFromSameExpectedBothSucceed) {
  ExpectVerdict({Put(1, 0, 1, "a"), Cas(1, 10, 20, "a", "b", true), Cas(2, 10, 20, "a", "c", true)},
                CheckResult::kNotLinearizable);
}

// Once a read has returned the new value, a later read cannot return the old one.
TEST(LinearizabilityTest, NewValueThenOldValue) {
  ExpectVerdict(
      {Put(1, 0, 10, "a"), Put(2, 20, 100, "b"), Get(3, 30, 40, "b"), Get(4, 50, 60, "a")},
      CheckResult::kNotLinearizable);
}

// A cas that fails while the key holds its expected value, with nothing concurrent, is wrong.
TEST(LinearizabilityTest, CasFailsWhileHoldingExpected) {
  ExpectVerdict({Put(1, 0, 10, "a"), Cas(2, 20, 30, "a", "b", false)},
                CheckResult::kNotLinearizable);
}

// An operation with an unknown outcome still cannot take effect before it was called.
TEST(LinearizabilityTest, UnknownPutCannotActBeforeItsCall) {
  ExpectVerdict({Get(1, 0, 10, "b"), Put(2, 20, kUnknownReturn, "b")},
                CheckResult::kNotLinearizable);
}

// The result names the bad key and the explanation shows the operations involved.
TEST(LinearizabilityTest, ExplanationNamesKeyAndOperations) {
  const CheckResult result = CheckLinearizable(
      {Put(1, 0, 10, "a", "good"), Put(7, 0, 10, "a", "bad"), Get(8, 20, 30, "ghost", "bad")});
  ASSERT_EQ(result.outcome, CheckResult::kNotLinearizable);
  EXPECT_EQ(result.key, "bad");
  EXPECT_NE(result.explanation.find("client 8 get(\"bad\") -> \"ghost\" [call 20, ret 30]"),
            std::string::npos)
      << result.explanation;
  EXPECT_NE(result.explanation.find("client 7 put"), std::string::npos) << result.explanation;
  EXPECT_EQ(DescribeOperation(Cas(3, 5, kUnknownReturn, nullopt, "x\n", true)),
            "client 3 cas(\"k\", expected=absent, new=\"x\\x0a\") -> ? [call 5, ret unknown]");
}

// --- Multiple keys ---

// Each key is its own register: interleaved histories that are linearizable per key pass, even
// though they would not be as one register.
TEST(LinearizabilityTest, KeysAreIndependent) {
  ExpectVerdict(
      {Put(1, 0, 10, "a", "x"), Put(2, 0, 10, "b", "y"), Get(3, 20, 30, "a", "x"),
       Get(3, 20, 30, "b", "y"), Get(4, 40, 50, nullopt, "z"), Cas(1, 60, 70, "a", "c", true, "x"),
       Cas(2, 60, 70, "a", "c", false, "y"), Get(4, 80, 90, "c", "x"), Get(4, 80, 90, "b", "y")},
      CheckResult::kLinearizable);
}

// --- Generated histories ---

struct GenOptions {
  int ops = 200;
  int clients = 5;
  int keys = 1;
  double unknown = 0.05;  // chance that an operation's outcome is unknown
  int64_t max_gap = 20;   // think time between a client's operations
  int64_t max_duration = 100;
};

// A history of a real sequential register per key: every operation takes effect at an instant
// inside its [call, ret] interval (an unknown one possibly later, or never), so the history is
// linearizable by construction. Values written are unique; cas sometimes expects "ghost-<n>",
// which is never written.
std::vector<Operation> Generate(std::mt19937_64& rng, const GenOptions& opt) {
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  auto chance = [&rng](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  std::vector<Operation> history;
  std::vector<int64_t> point;  // when each op takes effect; -1 = never
  std::vector<int64_t> free_at(opt.clients, 0);
  for (int i = 0; i < opt.ops; ++i) {
    Operation op;
    op.client = static_cast<int>(uniform(0, opt.clients - 1));
    op.key = "key" + std::to_string(uniform(0, opt.keys - 1));
    const int64_t roll = uniform(0, 99);
    op.kind = roll < 40   ? OpKind::kGet
              : roll < 65 ? OpKind::kPut
              : roll < 70 ? OpKind::kDelete
                          : OpKind::kCas;
    if (op.kind == OpKind::kPut || (op.kind == OpKind::kCas && !chance(0.1))) {
      op.value = "v" + std::to_string(i);
    }
    op.call = free_at[op.client] + uniform(0, opt.max_gap);
    const int64_t duration = uniform(0, opt.max_duration);
    op.ret = op.call + duration;
    free_at[op.client] = op.ret;
    int64_t at = uniform(op.call, op.ret);
    if (chance(opt.unknown)) {
      op.ret = kUnknownReturn;  // the client gave up at call + duration and moved on
      at = chance(0.5) ? uniform(op.call, op.call + 3 * duration) : -1;
    }
    history.push_back(std::move(op));
    point.push_back(at);
  }
  std::vector<size_t> order(history.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&point](size_t a, size_t b) {
    return point[a] != point[b] ? point[a] < point[b] : a < b;
  });
  std::map<std::string, Value> reg;
  std::map<std::string, std::vector<std::string>> written;
  for (size_t i : order) {
    Operation& op = history[i];
    Value& cur = reg[op.key];
    if (op.kind == OpKind::kCas) {
      const std::vector<std::string>& old = written[op.key];
      const int64_t roll = uniform(0, 99);
      if (roll < 50) {
        op.expected = cur;
      } else if (roll < 65) {
        op.expected = nullopt;
      } else if (roll < 80 || old.empty()) {
        op.expected = "ghost-" + std::to_string(i);
      } else {
        op.expected = old[uniform(0, static_cast<int64_t>(old.size()) - 1)];
      }
    }
    if (point[i] < 0) continue;  // never takes effect
    switch (op.kind) {
      case OpKind::kGet:
        op.output = cur;
        break;
      case OpKind::kPut:
        cur = op.value;
        written[op.key].push_back(*op.value);
        break;
      case OpKind::kDelete:
        cur = nullopt;
        break;
      case OpKind::kCas:
        op.ok = cur == op.expected;
        if (op.ok) {
          cur = op.value;
          if (op.value.has_value()) written[op.key].push_back(*op.value);
        }
        break;
    }
  }
  std::shuffle(history.begin(), history.end(), rng);  // the checker must not rely on input order
  return history;
}

bool Known(const Operation& op) { return op.ret != kUnknownReturn; }

// Histories linearizable by construction pass; mutations that no order can explain fail.
TEST(LinearizabilityTest, GeneratedHistoriesAndMutations) {
  const uint64_t seed = SeedFromEnv();
  SCOPED_TRACE(SeedTrace(seed));
  std::mt19937_64 rng(seed);
  int mutations = 0;
  for (int iteration = 0; iteration < 300; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    GenOptions opt;
    opt.ops = static_cast<int>(std::uniform_int_distribution<int>(1, 200)(rng));
    opt.clients = std::uniform_int_distribution<int>(1, 8)(rng);
    opt.keys = std::uniform_int_distribution<int>(1, 3)(rng);
    const std::vector<Operation> history = Generate(rng, opt);
    const CheckResult result = CheckLinearizable(history);
    ASSERT_EQ(result.outcome, CheckResult::kLinearizable) << result.explanation << "history:\n"
                                                          << Describe(history);

    // Which values did completed reads observe?
    std::map<std::string, int> observed;
    for (const Operation& op : history) {
      if (op.kind == OpKind::kGet && Known(op) && op.output) ++observed[*op.output];
    }
    for (size_t i = 0; i < history.size(); ++i) {
      const Operation& op = history[i];
      if (!Known(op)) continue;
      std::vector<Operation> mutated = history;
      if (op.kind == OpKind::kGet) {
        mutated[i].output = "never-written";  // no write ever wrote it
      } else if (op.kind == OpKind::kCas && op.ok && op.value && observed.count(*op.value)) {
        mutated[i].ok = false;  // its value (unique) was read, yet nothing would have written it
      } else if (op.kind == OpKind::kCas && !op.ok && op.expected &&
                 op.expected->rfind("ghost-", 0) == 0) {
        mutated[i].ok = true;  // the key never held the ghost value it expected
      } else {
        continue;
      }
      ++mutations;
      const CheckResult bad = CheckLinearizable(mutated);
      ASSERT_EQ(bad.outcome, CheckResult::kNotLinearizable)
          << "mutated " << DescribeOperation(mutated[i]) << "\nhistory:\n"
          << Describe(mutated);
      ASSERT_EQ(bad.key, op.key);
    }
  }
  EXPECT_GT(mutations, 1000);
}

// The search for a plain brute force: every order respecting real time, unknown ops optional.
bool BruteForce(const std::vector<Operation>& ops, std::vector<bool>& done, const Value& state) {
  bool all_known_done = true;
  for (size_t i = 0; i < ops.size(); ++i) all_known_done &= done[i] || !Known(ops[i]);
  if (all_known_done) return true;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (done[i]) continue;
    bool can_go = true;  // nothing pending returned strictly before i was called
    for (size_t j = 0; j < ops.size(); ++j)
      can_go &= done[j] || j == i || ops[j].ret >= ops[i].call;
    if (!can_go) continue;
    const Operation& op = ops[i];
    std::vector<Value> next_states;
    switch (op.kind) {
      case OpKind::kGet:
        if (!Known(op) || op.output == state) next_states.push_back(state);
        break;
      case OpKind::kPut:
        next_states.push_back(op.value);
        break;
      case OpKind::kDelete:
        next_states.push_back(nullopt);
        break;
      case OpKind::kCas:
        if ((!Known(op) || op.ok) && state == op.expected) next_states.push_back(op.value);
        if ((!Known(op) || !op.ok) && state != op.expected) next_states.push_back(state);
        break;
    }
    for (const Value& next : next_states) {
      done[i] = true;
      const bool found = BruteForce(ops, done, next);
      done[i] = false;
      if (found) return true;
    }
  }
  return false;
}

// On small random histories (many equal times, many unknown outcomes) and mutated generated ones
// the checker agrees with a brute force search over all orders.
TEST(LinearizabilityTest, AgreesWithBruteForce) {
  const uint64_t seed = SeedFromEnv();
  SCOPED_TRACE(SeedTrace(seed));
  std::mt19937_64 rng(seed);
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  // Reads and expectations use absent, "a" and "b"; writes also "c" and "d", which nothing
  // reads or expects.
  auto value = [&uniform](int64_t choices) -> Value {
    const int64_t v = uniform(0, choices - 1);
    return v == 0 ? nullopt : Value(std::string(1, static_cast<char>('a' + v - 1)));
  };
  int verdicts[2] = {0, 0};
  for (int iteration = 0; iteration < 30000; ++iteration) {
    std::vector<Operation> ops;
    if (iteration % 3 == 0) {  // a generated history, with one output perhaps made wrong
      GenOptions opt;
      opt.ops = static_cast<int>(uniform(1, 9));
      opt.clients = static_cast<int>(uniform(1, 4));
      opt.unknown = 0.3;
      opt.max_gap = 3;
      opt.max_duration = 10;
      ops = Generate(rng, opt);
      Operation& op = ops[uniform(0, static_cast<int64_t>(ops.size()) - 1)];
      op.ok = !op.ok;
      op.output = uniform(0, 2) == 0 ? nullopt : Value("v" + std::to_string(uniform(0, 8)));
    }
    if (iteration % 3 != 0) ops.resize(uniform(1, 8));
    for (Operation& op : ops) {
      if (iteration % 3 == 0) break;
      op.client = static_cast<int>(uniform(0, 3));
      op.kind = static_cast<OpKind>(uniform(0, 3));
      op.call = uniform(0, 10);
      op.ret = uniform(0, 3) == 0 ? kUnknownReturn : op.call + uniform(0, 5);
      op.value = value(5);
      op.expected = value(3);
      op.output = value(3);
      op.ok = uniform(0, 1) == 1;
    }
    std::vector<bool> done(ops.size(), false);
    const bool want = BruteForce(ops, done, nullopt);
    ++verdicts[want];
    const CheckResult got = CheckLinearizable(ops);
    ASSERT_EQ(got.outcome, want ? CheckResult::kLinearizable : CheckResult::kNotLinearizable)
        << "iteration " << iteration << "\n"
        << got.explanation << "history:\n"
        << Describe(ops);
  }
  EXPECT_GT(verdicts[0], 1000);
  EXPECT_GT(verdicts[1], 1000);
}

// --- Size and the search bound ---

// A long, busy history on one key checks quickly (and the time is printed for the record).
TEST(LinearizabilityTest, TwoThousandOpsEightClients) {
  const uint64_t seed = SeedFromEnv();
  SCOPED_TRACE(SeedTrace(seed));
  std::mt19937_64 rng(seed);
  GenOptions opt;
  opt.ops = 2000;
  opt.clients = 8;
  opt.unknown = 0.02;
  opt.max_gap = 5;
  const std::vector<Operation> history = Generate(rng, opt);
  const auto start = std::chrono::steady_clock::now();
  const CheckResult result = CheckLinearizable(history, /*max_states=*/1'000'000);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.outcome, CheckResult::kLinearizable) << result.explanation;
  std::printf("[ timing   ] 2000 ops, 8 clients, one key: %.2f ms\n",
              std::chrono::duration<double, std::milli>(elapsed).count());
}

// Too small a bound gives kTimedOut, not a verdict; a bad key elsewhere still wins.
TEST(LinearizabilityTest, MaxStatesGivesTimedOut) {
  const uint64_t seed = SeedFromEnv();
  SCOPED_TRACE(SeedTrace(seed));
  std::mt19937_64 rng(seed);
  GenOptions opt;
  opt.ops = 1000;
  opt.clients = 8;
  std::vector<Operation> history = Generate(rng, opt);
  CheckResult result = CheckLinearizable(history, /*max_states=*/100);
  EXPECT_EQ(result.outcome, CheckResult::kTimedOut) << result.explanation;
  EXPECT_EQ(result.key, "key0");
  EXPECT_EQ(CheckLinearizable(history, /*max_states=*/0).outcome, CheckResult::kLinearizable);

  history.push_back(Get(1, 0, 1, "ghost", "other"));
  result = CheckLinearizable(history, /*max_states=*/100);
  EXPECT_EQ(result.outcome, CheckResult::kNotLinearizable) << result.explanation;
  EXPECT_EQ(result.key, "other");
}

}  // namespace
}  // namespace ddb::sim
