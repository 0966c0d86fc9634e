// raft_sim: runs the Raft simulator over many seeds, in parallel, and prints a summary.
// For long runs that do not belong in the test suite (docs/raft.md records a 10,000-seed run):
//
//   build/tests/raft_sim --seeds 10000 [--first 1] [--jobs 2] [--inflight 16]
//
// --inflight sets the unanswered appends per follower (16 by default; ddb-node runs with 1).
//
// Exits 1 if any seed fails, after printing each failing seed and how to replay it.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/raft/simulator.h"

int main(int argc, char** argv) {
  uint64_t first = 1, seeds = 1000;
  size_t inflight = ddb::sim::SimOptions().max_inflight;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seeds") == 0) seeds = std::strtoull(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--first") == 0) first = std::strtoull(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--jobs") == 0) jobs = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--inflight") == 0) inflight = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: raft_sim [--seeds N] [--first S] [--jobs J] [--inflight N]\n");
      return 2;
    }
  }
  std::atomic<uint64_t> next{first};
  std::mutex mu;
  ddb::sim::SimStats total;
  std::vector<uint64_t> failed;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) {
    threads.emplace_back([&] {
      for (uint64_t seed = next++; seed < first + seeds; seed = next++) {
        ddb::sim::SimOptions options = ddb::sim::OptionsForSeed(seed);
        options.max_inflight = inflight;
        ddb::sim::SimResult r = ddb::sim::RunSimulation(options);
        std::lock_guard<std::mutex> lock(mu);
        total.events += r.stats.events;
        total.ops_ok += r.stats.ops_ok;
        total.ops_unknown += r.stats.ops_unknown;
        total.elections += r.stats.elections;
        total.crashes += r.stats.crashes;
        total.partitions += r.stats.partitions;
        total.snapshots += r.stats.snapshots;
        total.moves += r.stats.moves;
        total.transfers += r.stats.transfers;
        if (!r.ok()) {
          failed.push_back(seed);
          std::printf("seed %llu FAILED (replay: build/tests/raft_sim --first %llu --seeds 1 "
                      "--jobs 1 --inflight %zu): %s\n",
                      static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed),
                      inflight, r.failure.c_str());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%llu seeds from %llu in %.0f s on %u threads: %llu failed\n"
              "events %llu, client ops %llu (+%llu unknown), leaders %llu, crashes %llu, "
              "partitions %llu, snapshots installed %llu, replica moves %llu, transfers %llu\n",
              static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(first), secs,
              jobs, static_cast<unsigned long long>(failed.size()),
              static_cast<unsigned long long>(total.events),
              static_cast<unsigned long long>(total.ops_ok),
              static_cast<unsigned long long>(total.ops_unknown),
              static_cast<unsigned long long>(total.elections),
              static_cast<unsigned long long>(total.crashes),
              static_cast<unsigned long long>(total.partitions),
              static_cast<unsigned long long>(total.snapshots),
              static_cast<unsigned long long>(total.moves),
              static_cast<unsigned long long>(total.transfers));
  return failed.empty() ? 0 : 1;
}
