#include "libddb/storage/preallocated_log_env.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "tests/test_util.h"

namespace ddb::storage {
namespace {

namespace fs = std::filesystem;

class PreallocatedLogEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::ddb::testing::FreshTestDir("ddb_prealloc").string();
  }
  void TearDown() override {
    PreallocatedLogEnv::Get()->ForgetDirectory(dir_);
    fs::remove_all(dir_);
  }

  std::string SparePath() const { return (fs::path(dir_) / PreallocatedLogEnv::kSpareName).string(); }
  bool WaitForSpare(int tries = 1000) const {
    for (int i = 0; i < tries; ++i) {
      std::error_code ec;
      if (fs::exists(SparePath(), ec)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  leveldb::Status Open(std::unique_ptr<leveldb::DB>* db) {
    leveldb::Options options;
    options.env = PreallocatedLogEnv::Get();
    options.create_if_missing = true;
    options.paranoid_checks = true;
    leveldb::DB* raw = nullptr;
    leveldb::Status s = leveldb::DB::Open(options, dir_, &raw);
    db->reset(raw);
    return s;
  }

  // Writes entries [from, to), each synced, with a value that names the entry.
  static void WriteEntries(leveldb::DB* db, int from, int to, size_t value_bytes = 1100) {
    leveldb::WriteOptions sync;
    sync.sync = true;
    for (int i = from; i < to; ++i) {
      ASSERT_TRUE(db->Put(sync, Key(i), Value(i, value_bytes)).ok());
    }
  }
  static std::string Key(int i) { return "entry" + std::to_string(i); }
  static std::string Value(int i, size_t bytes) {
    std::string v = "v" + std::to_string(i) + ":";
    v.resize(bytes, static_cast<char>('a' + i % 26));
    return v;
  }

  // The one write-ahead log of the database (LevelDB keeps one while the memtable is small).
  std::string LogFile() const {
    std::string found;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().extension() == ".log") {
        EXPECT_TRUE(found.empty()) << "more than one log: " << found << ", " << e.path();
        found = e.path().string();
      }
    }
    EXPECT_FALSE(found.empty());
    return found;
  }
  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  static void WriteFile(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
  }

  std::string dir_;
};

TEST_F(PreallocatedLogEnvTest, LogIsZeroFilledAheadAndReadsBackAfterReopen) {
  std::unique_ptr<leveldb::DB> db;
  ASSERT_TRUE(Open(&db).ok());
  WriteEntries(db.get(), 0, 3000);  // about 3.3 MB: several chunks
  const std::string log = LogFile();
  const std::string bytes = ReadFile(log);
  // The file reaches at least half a chunk past the data, and that space is zeros.
  size_t data_end = bytes.find_last_not_of('\0') + 1;
  EXPECT_GE(bytes.size(), data_end + PreallocatedLogEnv::kChunkBytes / 2);
  EXPECT_GT(data_end, 3000u * 1100u);
  db.reset();

  Result<LogRepair> repair = RepairTornLogTails(dir_);
  ASSERT_TRUE(repair.ok()) << repair.status().ToString();
  EXPECT_EQ(repair->files_checked, 1);
  EXPECT_EQ(repair->tails_dropped, 0);  // every record of an intact log passes its checksum
  ASSERT_TRUE(Open(&db).ok());
  for (int i = 0; i < 3000; ++i) {
    std::string v;
    ASSERT_TRUE(db->Get(leveldb::ReadOptions(), Key(i), &v).ok()) << i;
    ASSERT_EQ(v, Value(i, 1100)) << i;
  }
  // The database keeps working in a new preallocated log after recovery.
  WriteEntries(db.get(), 3000, 3100);
  db.reset();
  ASSERT_TRUE(Open(&db).ok());
  std::string v;
  ASSERT_TRUE(db->Get(leveldb::ReadOptions(), Key(3099), &v).ok());
}

// A log that grew past its first chunk gets a spare of zeros, written and synced off the
// writer's path; the next log file is the spare, so its writes find zeros already there.
TEST_F(PreallocatedLogEnvTest, ABusyLogGetsASpareAndTheNextLogStartsInIt) {
  std::unique_ptr<leveldb::DB> db;
  ASSERT_TRUE(Open(&db).ok());
  WriteEntries(db.get(), 0, 10);
  EXPECT_FALSE(WaitForSpare(/*tries=*/30)) << "an idle log asked for a spare";
  WriteEntries(db.get(), 10, 2000);  // about 2.2 MB: past the first chunk
  ASSERT_TRUE(WaitForSpare());
  const std::string spare = ReadFile(SparePath());
  EXPECT_EQ(spare.size(), PreallocatedLogEnv::kSpareBytes);
  EXPECT_EQ(spare.find_first_not_of('\0'), std::string::npos);

  db.reset();
  ASSERT_TRUE(Open(&db).ok());  // a new log file: the spare
  WriteEntries(db.get(), 2000, 3000);
  const std::string log = LogFile();
  EXPECT_EQ(fs::file_size(log), PreallocatedLogEnv::kSpareBytes)
      << "the writer wrote zeros of its own in a log that started as a spare";
  db.reset();
  ASSERT_TRUE(RepairTornLogTails(dir_).ok());
  ASSERT_TRUE(Open(&db).ok());
  for (int i = 0; i < 3000; ++i) {
    std::string v;
    ASSERT_TRUE(db->Get(leveldb::ReadOptions(), Key(i), &v).ok()) << i;
    ASSERT_EQ(v, Value(i, 1100)) << i;
  }
  // Taking the spare asked for the next one.
  EXPECT_TRUE(WaitForSpare());
}

TEST_F(PreallocatedLogEnvTest, TornLastWriteIsCutAndEverythingBeforeItSurvives) {
  std::unique_ptr<leveldb::DB> db;
  ASSERT_TRUE(Open(&db).ok());
  WriteEntries(db.get(), 0, 100);
  WriteEntries(db.get(), 100, 101, 3000);  // spans several sectors
  db.reset();
  // Tear the last write: one of its sectors never reached the disk (still zeros).
  const std::string log = LogFile();
  std::string bytes = ReadFile(log);
  const size_t last = bytes.find(Value(100, 3000).substr(0, 600));
  ASSERT_NE(last, std::string::npos);
  const size_t sector = (last + 1500) / 512 * 512;
  std::fill(bytes.begin() + static_cast<ptrdiff_t>(sector), bytes.begin() + static_cast<ptrdiff_t>(sector + 512), '\0');
  WriteFile(log, bytes);

  // LevelDB alone refuses the log (this is what the repair is for)...
  ASSERT_FALSE(Open(&db).ok());
  db.reset();
  // ...and after the repair opens it, with every earlier write and without the torn one.
  Result<LogRepair> repair = RepairTornLogTails(dir_);
  ASSERT_TRUE(repair.ok()) << repair.status().ToString();
  EXPECT_EQ(repair->tails_dropped, 1);
  EXPECT_GT(repair->bytes_dropped, 3000u);
  EXPECT_LT(fs::file_size(log), last);
  ASSERT_TRUE(Open(&db).ok());
  for (int i = 0; i < 100; ++i) {
    std::string v;
    ASSERT_TRUE(db->Get(leveldb::ReadOptions(), Key(i), &v).ok()) << i;
    EXPECT_EQ(v, Value(i, 1100));
  }
  std::string v;
  EXPECT_TRUE(db->Get(leveldb::ReadOptions(), Key(100), &v).IsNotFound());
}

TEST_F(PreallocatedLogEnvTest, CorruptionThatIsNotATornWriteIsLeftForLevelDbToRefuse) {
  std::unique_ptr<leveldb::DB> db;
  ASSERT_TRUE(Open(&db).ok());
  WriteEntries(db.get(), 0, 100);
  db.reset();
  // A flipped byte in a record in the middle: synced data went bad, nothing is zeros.
  const std::string log = LogFile();
  std::string bytes = ReadFile(log);
  const size_t at = bytes.find(Value(50, 1100).substr(0, 200));
  ASSERT_NE(at, std::string::npos);
  bytes[at + 100] ^= 0x01;
  const size_t size = bytes.size();
  WriteFile(log, bytes);

  Result<LogRepair> repair = RepairTornLogTails(dir_);
  ASSERT_TRUE(repair.ok()) << repair.status().ToString();
  EXPECT_EQ(repair->tails_dropped, 0);
  EXPECT_EQ(fs::file_size(log), size);  // nothing cut
  leveldb::Status s = Open(&db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST_F(PreallocatedLogEnvTest, MissingDirectoryIsNothingToRepair) {
  Result<LogRepair> repair = RepairTornLogTails(dir_ + "/absent");
  ASSERT_TRUE(repair.ok());
  EXPECT_EQ(repair->files_checked, 0);
}

}  // namespace
}  // namespace ddb::storage
