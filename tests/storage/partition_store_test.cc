// PartitionStore: reads and writes, range scans, statistics, and durability under kill -9.
#include "libddb/storage/partition_store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <leveldb/db.h>

#include "libddb/model/dynamo_json.h"
#include "libddb/model/item_size.h"
#include "libddb/model/key_codec.h"
#include "tests/test_util.h"

namespace ddb::storage {
namespace {

class PartitionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::ddb::testing::FreshTestDir("ddb_store_test");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<PartitionStore> OpenStore() {
    Result<std::unique_ptr<PartitionStore>> s = PartitionStore::Open(dir_.string());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(*s);
  }

  static std::string Key(const std::string& pk, int64_t sk) {
    AttributeValue p = AttributeValue::S(pk), s = AttributeValue::N(Number::FromInt64(sk));
    return EncodeItemKey(p, &s);
  }
  static Item MakeItem(const std::string& pk, int64_t sk) {
    Item item;
    item["pk"] = AttributeValue::S(pk);
    item["sk"] = AttributeValue::N(Number::FromInt64(sk));
    item["payload"] = AttributeValue::S(std::string(100, 'x'));
    return item;
  }

  // Flips a byte of the item stored under `key`, behind the store's back. REQUIRES: the
  // store is closed.
  void DamageStoredItem(const std::string& key) {
    leveldb::DB* db;
    ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(), dir_.string(), &db).ok());
    std::string stored_key = std::string(1, '\x02') + key, value;
    ASSERT_TRUE(db->Get(leveldb::ReadOptions(), stored_key, &value).ok());
    value[value.size() / 2] ^= 0x40;
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), stored_key, value).ok());
    delete db;
  }

  std::filesystem::path dir_;
};

TEST_F(PartitionStoreTest, PutGetDeleteAndStats) {
  auto store = OpenStore();
  EXPECT_FALSE(store->Get(Key("a", 1))->has_value());
  StoreBatch b;
  Item item = MakeItem("a", 1);
  b.Put(Key("a", 1), item);
  b.AddStats(1, static_cast<int64_t>(ItemSize(item)));
  ASSERT_TRUE(store->Write(&b).ok());
  Result<std::optional<Item>> got = store->Get(Key("a", 1));
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, item);
  EXPECT_EQ(store->item_count(), 1);
  EXPECT_EQ(store->item_bytes(), static_cast<int64_t>(ItemSize(item)));

  StoreBatch d;
  d.Delete(Key("a", 1));
  d.AddStats(-1, -static_cast<int64_t>(ItemSize(item)));
  ASSERT_TRUE(store->Write(&d).ok());
  EXPECT_FALSE(store->Get(Key("a", 1))->has_value());
  EXPECT_EQ(store->item_count(), 0);
}

TEST_F(PartitionStoreTest, ScansOnePartitionKeyInSortKeyOrderBothWays) {
  auto store = OpenStore();
  StoreBatch b;
  for (int64_t sk : {5, -3, 100, 0, 42}) b.Put(Key("p", sk), MakeItem("p", sk));
  for (int64_t sk : {1, 2}) b.Put(Key("other", sk), MakeItem("other", sk));
  ASSERT_TRUE(store->Write(&b).ok());
  const std::string prefix = EncodePartitionPrefix(AttributeValue::S("p"));
  auto collect = [&](std::string_view start, std::string_view end, bool reverse) {
    std::vector<std::string> sks;
    auto it = store->NewIterator(start, end, reverse);
    for (; it->Valid(); it->Next()) sks.push_back(it->item()->at("sk").n().ToString());
    EXPECT_TRUE(it->status().ok());
    return sks;
  };
  EXPECT_EQ(collect(prefix, PrefixSuccessor(prefix), false),
            (std::vector<std::string>{"-3", "0", "5", "42", "100"}));
  EXPECT_EQ(collect(prefix, PrefixSuccessor(prefix), true),
            (std::vector<std::string>{"100", "42", "5", "0", "-3"}));
  // A sort-key range [0, 42): start at sk 0, end at sk 42.
  EXPECT_EQ(collect(Key("p", 0), Key("p", 42), false), (std::vector<std::string>{"0", "5"}));
  EXPECT_EQ(collect(Key("p", 0), Key("p", 42), true), (std::vector<std::string>{"5", "0"}));
  // The whole store.
  EXPECT_EQ(collect("", "", false).size(), 7u);
  EXPECT_EQ(collect("", "", true).size(), 7u);
}

TEST_F(PartitionStoreTest, StatisticsSurviveCleanCloseAndAreRecountedOtherwise) {
  {
    auto store = OpenStore();
    StoreBatch b;
    for (int i = 0; i < 10; ++i) b.Put(Key("k", i), MakeItem("k", i));
    b.AddStats(10, 1234);  // deliberately not the true size: a clean close keeps it
    b.SetAppliedIndex(7);
    ASSERT_TRUE(store->Write(&b).ok());
  }
  {
    auto store = OpenStore();
    EXPECT_EQ(store->item_count(), 10);
    EXPECT_EQ(store->item_bytes(), 1234);
    EXPECT_EQ(store->applied_index(), 7u);
  }
  // A crash after writes (no clean close) makes Open() recount: AcknowledgedWritesSurviveKill9.
}

TEST_F(PartitionStoreTest, DamagedItemIsCorruptionNotAWrongAnswer) {
  {
    auto store = OpenStore();
    StoreBatch b;
    b.Put(Key("a", 1), MakeItem("a", 1));
    ASSERT_TRUE(store->Write(&b).ok());
  }
  DamageStoredItem(Key("a", 1));
  auto store = OpenStore();
  Result<std::optional<Item>> got = store->Get(Key("a", 1));
  EXPECT_TRUE(got.status().IsCorruption()) << got.status().ToString();
}

// After a crash the statistics are recounted, decoding every item; a damaged item makes Open
// fail, and must keep making it fail (a failed open saves nothing that would hide the damage).
TEST_F(PartitionStoreTest, FailedOpenDoesNotHideCorruption) {
  pid_t child = fork();
  if (child == 0) {  // write, then die without a clean close
    auto store = PartitionStore::Open(dir_.string());
    StoreBatch b;
    b.Put(Key("a", 1), MakeItem("a", 1));
    if (!store.ok() || !(*store)->Write(&b).ok()) _exit(2);
    _exit(0);  // no destructor: like a crash
  }
  int status;
  waitpid(child, &status, 0);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  DamageStoredItem(Key("a", 1));
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<std::unique_ptr<PartitionStore>> s = PartitionStore::Open(dir_.string());
    ASSERT_FALSE(s.ok()) << "attempt " << attempt;
    EXPECT_TRUE(s.status().IsCorruption()) << s.status().ToString();
  }
}

TEST_F(PartitionStoreTest, SecondOpenOfTheSameDirectoryFails) {
  auto store = OpenStore();
  Result<std::unique_ptr<PartitionStore>> again = PartitionStore::Open(dir_.string());
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("lock"), std::string::npos) << again.status().ToString();
}

// A child process writes batches (item i plus applied index i), reporting each acknowledged
// write on a pipe, and is killed with SIGKILL mid-stream. Every acknowledged write must be
// there after reopening; the applied index must match the data exactly (it travels in the same
// batch); the statistics must be recounted to the true values.
TEST_F(PartitionStoreTest, AcknowledgedWritesSurviveKill9) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    auto store = PartitionStore::Open(dir_.string());
    if (!store.ok()) _exit(2);
    std::vector<std::thread> writers;
    std::atomic<int64_t> next{1};
    for (int t = 0; t < 4; ++t) {
      writers.emplace_back([&] {
        for (;;) {
          int64_t i = next.fetch_add(1);
          StoreBatch b;
          b.Put(Key("k", i), MakeItem("k", i));
          b.AddStats(1, 0);
          if (!(*store)->Write(&b).ok()) _exit(3);
          if (write(fds[1], &i, sizeof(i)) != sizeof(i)) _exit(4);
        }
      });
    }
    for (auto& w : writers) w.join();
    _exit(0);
  }
  close(fds[1]);
  std::vector<int64_t> acked;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(700);
  int64_t i;
  while (std::chrono::steady_clock::now() < deadline && read(fds[0], &i, sizeof(i)) == sizeof(i)) {
    acked.push_back(i);
  }
  kill(child, SIGKILL);
  int status;
  waitpid(child, &status, 0);
  while (read(fds[0], &i, sizeof(i)) == sizeof(i)) acked.push_back(i);  // acks already sent
  close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer died on its own: " << status;
  ASSERT_GT(acked.size(), 10u);

  auto store = OpenStore();
  for (int64_t k : acked) {
    Result<std::optional<Item>> got = store->Get(Key("k", k));
    ASSERT_TRUE(got.ok() && got->has_value()) << "acknowledged write " << k << " lost";
    ASSERT_EQ(**got, MakeItem("k", k));
  }
  // Recounted: the count is the true number of items, at least every acknowledged one.
  int64_t present = 0, bytes = 0;
  for (auto it = store->NewIterator("", ""); it->Valid(); it->Next()) {
    ++present;
    bytes += static_cast<int64_t>(ItemSize(*it->item()));
  }
  EXPECT_EQ(store->item_count(), present);
  EXPECT_EQ(store->item_bytes(), bytes);
  EXPECT_GE(present, static_cast<int64_t>(acked.size()));
}

}  // namespace
}  // namespace ddb::storage
