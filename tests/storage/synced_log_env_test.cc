#include "libddb/storage/synced_log_env.h"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

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

// Writes unsynced until LevelDB has switched logs a few times (64 KB memtables); returns the
// log files seen.
std::map<std::string, RecordingEnv::LogFile> WriteThroughSwitches(leveldb::Env* env, RecordingEnv* recorder,
                                                                   const std::string& dir) {
  leveldb::Options o;
  o.create_if_missing = true;
  o.env = env;
  o.write_buffer_size = 64 << 10;
  leveldb::DB* raw = nullptr;
  EXPECT_TRUE(leveldb::DB::Open(o, dir, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  const std::string value(1000, 'v');
  for (int i = 0; i < 400; ++i) {
    EXPECT_TRUE(db->Put(leveldb::WriteOptions(), "key" + std::to_string(i), value).ok());
  }
  db.reset();
  return recorder->logs();
}

// How many of `logs` were closed, each expected synced (or not) when closed.
int ClosedLogs(const std::map<std::string, RecordingEnv::LogFile>& logs, bool synced) {
  int closed = 0;
  for (const auto& [name, f] : logs) {
    if (!f.closed) continue;
    ++closed;
    EXPECT_EQ(f.closed_synced, synced) << name;
  }
  return closed;
}

TEST(SyncedLogEnvTest, LevelDBClosesItsLogsUnsyncedOnItsOwn) {
  // The premise: without this Env, a log LevelDB switched away from was never synced.
  const std::string dir = ::ddb::testing::FreshTestDir("ddb_synced_log_plain").string();
  RecordingEnv recorder;
  EXPECT_GE(ClosedLogs(WriteThroughSwitches(&recorder, &recorder, dir), false), 3);
  fs::remove_all(dir);
}

TEST(SyncedLogEnvTest, EveryLogLevelDBSwitchesAwayFromIsSyncedFirst) {
  const std::string dir = ::ddb::testing::FreshTestDir("ddb_synced_log").string();
  RecordingEnv recorder;
  SyncedLogEnv env(&recorder);
  EXPECT_GE(ClosedLogs(WriteThroughSwitches(&env, &recorder, dir), true), 3);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ddb::storage
