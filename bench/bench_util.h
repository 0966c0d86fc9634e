// Timing loops shared by the benchmark programs: N threads run an operation for a fixed time;
// throughput and latency percentiles come back.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace ddb::bench {

struct Figures {
  double ops_per_sec = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0;
  int64_t errors = 0;
  // CPU time per operation while the run lasted: this process's (its background threads
  // included), and the whole machine's (every process and the kernel, from /proc/stat).
  double process_cpu_us = 0, machine_cpu_us = 0;
};

// "1,16" -> {"1", "16"}: the benchmarks' list flags.
inline std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, ',')) out.push_back(part);
  return out;
}

// CPU seconds (user + system) this process has used so far, every thread included.
inline double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}

// Busy CPU seconds of the whole machine so far (all but idle and I/O wait; 0 without /proc).
inline double MachineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq)) return 0;
  return (user + nice + system + irq + softirq) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The figures of a run that took `elapsed` seconds and `process_cpu` / `machine_cpu` seconds of
// CPU, from the latency (in microseconds) of every operation.
inline Figures Summarize(std::vector<double> latencies, double elapsed, int64_t errors, double process_cpu,
                         double machine_cpu) {
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(p * static_cast<double>(latencies.size() - 1))];
  };
  const double ops = std::max<double>(1, static_cast<double>(latencies.size()));
  return {static_cast<double>(latencies.size()) / elapsed, pct(0.50), pct(0.99), pct(0.999), errors,
          process_cpu / ops * 1e6, machine_cpu / ops * 1e6};
}

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
  const double process0 = ProcessCpuSeconds(), machine0 = MachineBusySeconds();
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
  const double process_cpu = ProcessCpuSeconds() - process0, machine_cpu = MachineBusySeconds() - machine0;
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  return Summarize(std::move(all), elapsed, errors.load(), process_cpu, machine_cpu);
}

inline void Print(const char* what, int threads, const Figures& f) {
  std::printf("%-34s clients=%-3d %9.0f ops/s   p50 %8.1f us   p99 %8.1f us   p999 %8.1f us%s\n", what,
              threads, f.ops_per_sec, f.p50_us, f.p99_us, f.p999_us, f.errors ? "   (ERRORS)" : "");
  std::printf("  CPU per op: this process %.1f us, the machine %.1f us\n", f.process_cpu_us, f.machine_cpu_us);
  std::fflush(stdout);
}

}  // namespace ddb::bench
