#include "libddb/storage/synced_log_env.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <leveldb/db.h>

#include "libddb/storage/file_util.h"
#include "tests/test_util.h"

namespace ddb::storage {
namespace {

namespace fs = std::filesystem;

// Records, for every LevelDB log file, whether it was closed (or dropped) with everything
// appended to it synced.
class RecordingEnv : public leveldb::EnvWrapper {
 public:
  RecordingEnv() : EnvWrapper(leveldb::Env::Default()) {}

  struct LogFile {
    bool unsynced = false;  // appended to since the last Sync
    bool closed = false;
    bool closed_synced = false;
  };

  leveldb::Status NewWritableFile(const std::string& fname, leveldb::WritableFile** result) override {
    leveldb::Status s = target()->NewWritableFile(fname, result);
    if (s.ok() && IsLevelDBLogFile(fname)) *result = new File(this, fname, *result);
    return s;
  }

  std::map<std::string, LogFile> logs() {
    std::lock_guard<std::mutex> lock(mu_);
    return logs_;
  }

 private:
  class File : public leveldb::WritableFile {
   public:
    File(RecordingEnv* env, std::string name, leveldb::WritableFile* target)
        : env_(env), name_(std::move(name)), target_(target) {}
    leveldb::Status Append(const leveldb::Slice& data) override {
      env_->Update(name_, [](LogFile& f) { f.unsynced = true; });
      return target_->Append(data);
    }
    leveldb::Status Flush() override { return target_->Flush(); }
    leveldb::Status Sync() override {
      env_->Update(name_, [](LogFile& f) { f.unsynced = false; });
      return target_->Sync();
    }
    leveldb::Status Close() override {
      Closing();
      return target_->Close();
    }
    // LevelDB 1.23 drops a log it switches away from without Close().
    ~File() override { Closing(); }

   private:
    void Closing() {
      env_->Update(name_, [](LogFile& f) {
        if (f.closed) return;
        f.closed = true;
        f.closed_synced = !f.unsynced;
      });
    }

    RecordingEnv* const env_;
    const std::string name_;
    const std::unique_ptr<leveldb::WritableFile> target_;
  };

  template <typename Fn>
  void Update(const std::string& name, Fn fn) {
    std::lock_guard<std::mutex> lock(mu_);
    fn(logs_[fs::path(name).filename().string()]);
  }

  std::mutex mu_;
  std::map<std::string, LogFile> logs_;  // GUARDED_BY(mu_)
};

// Opens a LevelDB in `dir` over `env` with 64 KB memtables.
std::unique_ptr<leveldb::DB> OpenSmall(leveldb::Env* env, const std::string& dir) {
  leveldb::Options o;
  o.create_if_missing = true;
  o.env = env;
  o.write_buffer_size = 64 << 10;
  leveldb::DB* raw = nullptr;
  EXPECT_TRUE(leveldb::DB::Open(o, dir, &raw).ok());
  return std::unique_ptr<leveldb::DB>(raw);
}

// Puts keys [from, to) unsynced, 1 KB each: 400 of them switch logs a few times.
void PutUnsynced(leveldb::DB* db, int from, int to) {
  const std::string value(1000, 'v');
  for (int i = from; i < to; ++i) {
    EXPECT_TRUE(db->Put(leveldb::WriteOptions(), "key" + std::to_string(i), value).ok());
  }
}

TEST(SyncedLogEnvTest, LevelDBClosesItsLogsUnsyncedOnItsOwn) {
  // The premise: without this Env, a log LevelDB switched away from was never synced.
  const std::string dir = ::ddb::testing::FreshTestDir("ddb_synced_log_plain").string();
  RecordingEnv recorder;
  {
    auto db = OpenSmall(&recorder, dir);
    PutUnsynced(db.get(), 0, 400);
  }
  int closed = 0;
  for (const auto& [name, f] : recorder.logs()) {
    if (!f.closed) continue;
    ++closed;
    EXPECT_FALSE(f.closed_synced) << name;
  }
  EXPECT_GE(closed, 3);
  fs::remove_all(dir);
}

// Records how much of each file (by path) its last sync covered.
class WatchedSyncedLogEnv : public SyncedLogEnv {
 public:
  WatchedSyncedLogEnv() : SyncedLogEnv(leveldb::Env::Default()) {}
  int DataSync(int fd) override {
    struct stat st;
    if (::fstat(fd, &st) != 0) return -1;
    std::error_code ec;
    const fs::path path = fs::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
    const int rc = SyncedLogEnv::DataSync(fd);
    std::lock_guard<std::mutex> lock(mu_);
    synced_[path.string()] = static_cast<uint64_t>(st.st_size);
    return rc;
  }
  // The bytes of `path` that are surely on disk: the size at its last sync.
  uint64_t SyncedBytes(const fs::path& path) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = synced_.find(fs::canonical(path).string());
    return it == synced_.end() ? 0 : it->second;
  }

 private:
  std::mutex mu_;
  std::map<std::string, uint64_t> synced_;  // GUARDED_BY(mu_)
};

// The logs in `dir`, oldest first.
std::vector<fs::path> Logs(const std::string& dir) {
  std::vector<fs::path> logs;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (IsLevelDBLogFile(e.path().string())) logs.push_back(e.path());
  }
  std::sort(logs.begin(), logs.end());
  return logs;
}

TEST(SyncedLogEnvTest, EveryLogLevelDBSwitchesAwayFromIsSyncedWholeAndSyncLogsSyncsTheRest) {
  const std::string dir = ::ddb::testing::FreshTestDir("ddb_synced_log").string();
  WatchedSyncedLogEnv env;
  auto db = OpenSmall(&env, dir);
  PutUnsynced(db.get(), 0, 400);
  // Every log LevelDB has left (those still there: their memtables may not be flushed yet)
  // was synced whole; the current one, written unsynced, was not.
  std::vector<fs::path> logs = Logs(dir);
  ASSERT_GE(logs.size(), 1u);
  const fs::path current = logs.back();
  for (const fs::path& log : logs) {
    if (log == current) continue;
    EXPECT_EQ(env.SyncedBytes(log), fs::file_size(log)) << log;
  }
  EXPECT_LT(env.SyncedBytes(current), fs::file_size(current));
  // SyncLogs, from this thread, covers everything written to the open log so far.
  ASSERT_TRUE(env.SyncLogs(dir).ok());
  EXPECT_EQ(env.SyncedBytes(current), fs::file_size(current));
  EXPECT_GT(fs::file_size(current), 0u);
  // Reopened, every key is there (the logs this Env wrote read back as LevelDB's).
  db.reset();
  db = OpenSmall(&env, dir);
  std::string value;
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(db->Get(leveldb::ReadOptions(), "key" + std::to_string(i), &value).ok()) << i;
  }
  db.reset();
  fs::remove_all(dir);
}

TEST(SyncedLogEnvTest, SyncLogsOfADirectoryWithNoOpenLogIsAnError) {
  WatchedSyncedLogEnv env;
  EXPECT_FALSE(env.SyncLogs("/nonexistent/dir").ok());
}

}  // namespace
}  // namespace ddb::storage
