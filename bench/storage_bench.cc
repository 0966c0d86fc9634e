// Durable write throughput of PartitionStore beside raw LevelDB, in the same run on the same
// disk: N threads each doing synced puts of ~1 KB items for a fixed time. Then the Raft log's
// kind of write with LevelDB's default Env and with PreallocatedLogEnv: one thread, synced
// batches of 1, 5 and 16 entries of 1.1 KB; and unsynced puts (what applying costs). Prints
// ops/s, latency percentiles and CPU time per operation. Figures go
// to docs/benchmarks.md.
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
#include <leveldb/write_batch.h>

#include "bench/bench_util.h"
#include "libddb/model/key_codec.h"
#include "libddb/storage/partition_store.h"
#include "libddb/storage/preallocated_log_env.h"

namespace {

ddb::Item SampleItem(int t, int64_t i) {
  ddb::Item item;
  item["pk"] = ddb::AttributeValue::S("user#" + std::to_string(t) + "#" + std::to_string(i));
  item["payload"] = ddb::AttributeValue::S(std::string(1000, 'x'));
  item["n"] = ddb::AttributeValue::N(ddb::Number::FromInt64(i));
  return item;
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
      ddb::bench::Figures f = ddb::bench::Run<int>(threads, seconds, [](int) { return 0; }, [&](int&, int t, int64_t i) {
        return db->Put(wo, "user#" + std::to_string(t) + "#" + std::to_string(i), value).ok();
      });
      ddb::bench::Print("raw leveldb sync put", threads, f);
      delete db;
    }
    std::filesystem::remove_all(dir);
    {
      auto store = ddb::storage::PartitionStore::Open(dir);
      if (!store.ok()) return 1;
      ddb::bench::Figures f = ddb::bench::Run<int>(threads, seconds, [](int) { return 0; }, [&](int&, int t, int64_t i) {
        ddb::Item item = SampleItem(t, i);
        ddb::storage::StoreBatch b;
        b.Put(ddb::EncodeItemKey(item["pk"], nullptr), item);
        b.AddStats(1, 0);
        return (*store)->Write(&b).ok();
      });
      ddb::bench::Print("ddb PartitionStore put", threads, f);
    }
    std::filesystem::remove_all(dir);
  }
  // What applying an entry costs a replica at least: an unsynced 1 KB put, from one thread
  // (compactions included, in this process's CPU).
  std::filesystem::remove_all(dir);
  {
    leveldb::Options o;
    o.create_if_missing = true;
    leveldb::DB* db;
    if (!leveldb::DB::Open(o, dir, &db).ok()) return 1;
    const std::string value(1050, 'x');
    ddb::bench::Figures f = ddb::bench::Run<int>(1, seconds, [](int) { return 0; }, [&](int&, int, int64_t i) {
      return db->Put(leveldb::WriteOptions(), "user#" + std::to_string(i), value).ok();
    });
    ddb::bench::Print("raw leveldb unsynced put", 1, f);
    delete db;
  }
  // The Raft log's writes: one thread, each write a synced batch of `entries` entries.
  for (int entries : {1, 5, 16}) {
    for (bool preallocated : {false, true}) {
      std::filesystem::remove_all(dir);
      leveldb::Options o;
      o.create_if_missing = true;
      o.write_buffer_size = 16 << 20;  // as RaftLogStore
      if (preallocated) o.env = ddb::storage::PreallocatedLogEnv::Get();
      leveldb::DB* db;
      if (!leveldb::DB::Open(o, dir, &db).ok()) return 1;
      leveldb::WriteOptions wo;
      wo.sync = true;
      const std::string value(1100, 'x');
      ddb::bench::Figures f = ddb::bench::Run<int>(1, seconds, [](int) { return 0; }, [&](int&, int, int64_t i) {
        leveldb::WriteBatch batch;
        for (int e = 0; e < entries; ++e) batch.Put("e" + std::to_string(i * entries + e), value);
        return db->Write(wo, &batch).ok();
      });
      const std::string what = std::string(preallocated ? "preallocated" : "default Env") + ", " +
                               std::to_string(entries) + " per write";
      ddb::bench::Print(what.c_str(), 1, f);
      delete db;
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}
