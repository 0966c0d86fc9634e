// The deterministic simulation of the Raft core (tests/raft/simulator.h): many seeds, each a
// different world of faults, every step checked, every history checked for linearizability.
//
// DDB_SIM_SEEDS=N runs N seeds (default 200, what CI runs, once with 16 appends in flight per
// follower and once with 1, as the node runs); DDB_TEST_SEED=S replays seed S exactly. A
// failure prints its seed and the test to replay it with.
#include <cstdlib>
#include <functional>

#include <gtest/gtest.h>

#include "tests/raft/simulator.h"
#include "tests/test_util.h"

namespace ddb::sim {
namespace {

// Runs the seeds CI runs (or DDB_SIM_SEEDS / DDB_TEST_SEED's), each with OptionsForSeed's
// world changed by `adjust`; `replay` names the test that replays a seed.
void RunSeeds(const std::function<void(SimOptions*)>& adjust, const char* replay) {
  uint64_t first = 1;
  uint64_t count = 200;
  if (const char* n = std::getenv("DDB_SIM_SEEDS")) count = std::strtoull(n, nullptr, 10);
  if (const char* s = std::getenv("DDB_TEST_SEED")) {
    first = std::strtoull(s, nullptr, 10);
    count = 1;
  }
  SimStats total;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    SimOptions options = OptionsForSeed(seed);
    adjust(&options);
    SimResult r = RunSimulation(options);
    ASSERT_TRUE(r.ok()) << "seed " << seed << " (replay with DDB_TEST_SEED=" << seed
                        << " build/tests/raft_test --gtest_filter=RaftSimulationTest." << replay << "): " << r.failure
                        << "\n" << r.Summary();
    total.ops_ok += r.stats.ops_ok;
    total.elections += r.stats.elections;
    total.crashes += r.stats.crashes;
    total.snapshots += r.stats.snapshots;
    total.moves += r.stats.moves;
    total.transfers += r.stats.transfers;
  }
  std::printf("%llu seeds: %llu client ops, %llu leaders, %llu crashes, %llu snapshots, "
              "%llu moves, %llu transfers\n",
              static_cast<unsigned long long>(count),
              static_cast<unsigned long long>(total.ops_ok),
              static_cast<unsigned long long>(total.elections),
              static_cast<unsigned long long>(total.crashes),
              static_cast<unsigned long long>(total.snapshots),
              static_cast<unsigned long long>(total.moves),
              static_cast<unsigned long long>(total.transfers));
  // The runs must actually exercise the protocol.
  EXPECT_GT(total.ops_ok, count * 50);
  EXPECT_GT(total.elections, count);
}

TEST(RaftSimulationTest, ManySeeds) {
  RunSeeds([](SimOptions*) {}, "ManySeeds");
}

// The same worlds with one unanswered append per follower, as ddb-node runs its groups
// (replication::ManagerOptions::max_inflight).
TEST(RaftSimulationTest, ManySeedsOneAppendInFlight) {
  RunSeeds([](SimOptions* o) { o->max_inflight = 1; }, "ManySeedsOneAppendInFlight");
}

// A seed replays exactly: the same history, operation for operation.
TEST(RaftSimulationTest, SameSeedSameRun) {
  SimOptions o = OptionsForSeed(7);
  SimResult a = RunSimulation(o);
  SimResult b = RunSimulation(o);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].call, b.history[i].call);
    EXPECT_EQ(a.history[i].ret, b.history[i].ret);
    EXPECT_EQ(a.history[i].output, b.history[i].output);
  }
  EXPECT_EQ(a.Summary(), b.Summary());
}

// The checks can fail: with a lease longer than the election timeout allows, some seed among
// the first few must end with two lease holders (or a stale read the linearizability checker
// rejects).
TEST(RaftSimulationTest, CatchesAnUnsafeLease) {
  int caught = 0;
  for (uint64_t seed = 1; seed <= 20 && caught == 0; ++seed) {
    SimOptions o = OptionsForSeed(seed);
    o.unsafe_extra_lease_ticks = 6;
    SimResult r = RunSimulation(o);
    if (!r.ok()) {
      ++caught;
      std::printf("seed %llu caught it: %s\n", static_cast<unsigned long long>(seed),
                  r.failure.substr(0, r.failure.find('\n')).c_str());
    }
  }
  EXPECT_GT(caught, 0);
}

}  // namespace
}  // namespace ddb::sim
