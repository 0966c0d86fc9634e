#include "libddb/storage/synced_log_env.h"

#include <memory>
#include <string>

#include "libddb/core/check.h"
#include "libddb/storage/file_util.h"
#include "libddb/storage/preallocated_log_env.h"

namespace ddb::storage {
namespace {

// A write-ahead log that syncs before it is closed. LevelDB 1.23 drops the log it switches
// away from (and the current one when the DB is deleted) without calling Close(), so the
// sync is in the destructor too. Its failure cannot be returned there, and acknowledged
// writes may be in the file: stop (DDB_CHECK) rather than claim them durable.
class SyncOnCloseFile : public leveldb::WritableFile {
 public:
  SyncOnCloseFile(std::string name, leveldb::WritableFile* target) : name_(std::move(name)), target_(target) {}
  ~SyncOnCloseFile() override {
    if (closed_) return;
    leveldb::Status s = target_->Sync();
    DDB_CHECK_MSG(s.ok(), "cannot sync LevelDB log %s as it is closed: %s", name_.c_str(), s.ToString().c_str());
  }

  leveldb::Status Append(const leveldb::Slice& data) override { return target_->Append(data); }
  leveldb::Status Flush() override { return target_->Flush(); }
  leveldb::Status Sync() override { return target_->Sync(); }
  leveldb::Status Close() override {
    closed_ = true;
    leveldb::Status s = target_->Sync();
    leveldb::Status c = target_->Close();
    return s.ok() ? c : s;
  }

 private:
  const std::string name_;
  const std::unique_ptr<leveldb::WritableFile> target_;
  bool closed_ = false;
};

}  // namespace

SyncedLogEnv* SyncedLogEnv::Get() {
  NameLevelDBBackgroundThread();
  static SyncedLogEnv* const env = new SyncedLogEnv(leveldb::Env::Default());
  return env;
}

leveldb::Status SyncedLogEnv::NewWritableFile(const std::string& fname, leveldb::WritableFile** result) {
  leveldb::Status s = target()->NewWritableFile(fname, result);
  if (s.ok() && IsLevelDBLogFile(fname)) *result = new SyncOnCloseFile(fname, *result);
  return s;
}

}  // namespace ddb::storage
