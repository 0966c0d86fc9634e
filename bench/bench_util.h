// Timing loops shared by the benchmark programs: N threads run an operation for a fixed time;
// throughput and latency percentiles come back.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace ddb::bench {

struct Figures {
  double ops_per_sec = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0;
  int64_t errors = 0;
};

// Runs `op(thread, i)` (returning false on error) on `threads` threads for `seconds`.
// `make_state(thread)` builds each thread's state first (connections), outside the timing.
template <typename State, typename MakeState, typename Op>
Figures Run(int threads, double seconds, MakeState make_state, Op op) {
  using Clock = std::chrono::steady_clock;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> errors{0};
  std::vector<std::vector<double>> latencies(threads);
  std::vector<State> states;
  for (int t = 0; t < threads; ++t) states.push_back(make_state(t));
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      latencies[t].reserve(1 << 16);
      for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        const auto t0 = Clock::now();
        if (!op(states[t], t, i)) ++errors;
        latencies[t].push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[static_cast<size_t>(p * static_cast<double>(all.size() - 1))]; };
  return {static_cast<double>(all.size()) / elapsed, pct(0.50), pct(0.99), pct(0.999), errors.load()};
}

inline void Print(const char* what, int threads, const Figures& f) {
  std::printf("%-34s clients=%-3d %9.0f ops/s   p50 %8.1f us   p99 %8.1f us   p999 %8.1f us%s\n", what,
              threads, f.ops_per_sec, f.p50_us, f.p99_us, f.p999_us, f.errors ? "   (ERRORS)" : "");
  std::fflush(stdout);
}

}  // namespace ddb::bench
