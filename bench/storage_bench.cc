// Durable write throughput of PartitionStore beside raw LevelDB, in the same run on the same
// disk: N threads each doing synced puts of ~1 KB items for a fixed time. Prints ops/s and
// latency percentiles. Figures go to docs/benchmarks.md.
//
// Usage: build/bench/storage_bench [--threads N] [--seconds S] [--dir DIR]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <leveldb/db.h>

#include "libddb/model/key_codec.h"
#include "libddb/storage/partition_store.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Figures {
  double ops_per_sec;
  double p50_us, p99_us, p999_us;
};

// Runs `put(thread, i)` on `threads` threads for `seconds`; returns throughput and latencies.
template <typename Put>
Figures Run(int threads, double seconds, Put put) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(threads);
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        const auto t0 = Clock::now();
        put(t, i);
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
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[static_cast<size_t>(p * (all.size() - 1))]; };
  return {static_cast<double>(all.size()) / elapsed, pct(0.50), pct(0.99), pct(0.999)};
}

ddb::Item SampleItem(int t, int64_t i) {
  ddb::Item item;
  item["pk"] = ddb::AttributeValue::S("user#" + std::to_string(t) + "#" + std::to_string(i));
  item["payload"] = ddb::AttributeValue::S(std::string(1000, 'x'));
  item["n"] = ddb::AttributeValue::N(ddb::Number::FromInt64(i));
  return item;
}

void Print(const char* what, int threads, const Figures& f) {
  std::printf("%-28s threads=%-3d %10.0f ops/s   p50 %8.1f us   p99 %8.1f us   p999 %8.1f us\n",
              what, threads, f.ops_per_sec, f.p50_us, f.p99_us, f.p999_us);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> thread_counts = {1, 16};
  double seconds = 3;
  std::string dir = std::filesystem::temp_directory_path() / "ddb_storage_bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--threads") thread_counts = {std::stoi(argv[i + 1])};
    if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
    if (flag == "--dir") dir = argv[i + 1];
  }
  for (int threads : thread_counts) {
    // Raw LevelDB: synced puts of the same encoded bytes under the same keys.
    std::filesystem::remove_all(dir);
    {
      leveldb::Options o;
      o.create_if_missing = true;
      leveldb::DB* db;
      if (!leveldb::DB::Open(o, dir, &db).ok()) return 1;
      leveldb::WriteOptions wo;
      wo.sync = true;
      const std::string value(1050, 'x');
      Figures f = Run(threads, seconds, [&](int t, int64_t i) {
        (void)db->Put(wo, "user#" + std::to_string(t) + "#" + std::to_string(i), value);
      });
      Print("raw leveldb sync put", threads, f);
      delete db;
    }
    std::filesystem::remove_all(dir);
    {
      auto store = ddb::storage::PartitionStore::Open(dir);
      if (!store.ok()) return 1;
      Figures f = Run(threads, seconds, [&](int t, int64_t i) {
        ddb::Item item = SampleItem(t, i);
        ddb::storage::StoreBatch b;
        b.Put(ddb::EncodeItemKey(item["pk"], nullptr), item);
        b.AddStats(1, 0);
        (void)(*store)->Write(&b);
      });
      Print("ddb PartitionStore put", threads, f);
    }
    std::filesystem::remove_all(dir);
  }
  return 0;
}
