#include "libddb/storage/synced_log_env.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "libddb/core/check.h"
#include "libddb/storage/file_util.h"
#include "libddb/storage/preallocated_log_env.h"

namespace ddb::storage {
namespace {

leveldb::Status IOError(const std::string& what, const std::string& fname, int error) {
  return leveldb::Status::IOError(what + " " + fname, std::strerror(error));
}

// The name LevelDB was opened with, from one of its file names (it makes them as dbname + "/"
// + name): the key SyncLogs is called with, exactly as the caller spelled it.
std::string DatabaseName(const std::string& fname) {
  const size_t slash = fname.rfind('/');
  return slash == std::string::npos ? std::string(".") : fname.substr(0, slash);
}

// A write-ahead log: LevelDB appends a record in pieces and then flushes it, so the pieces
// gather in buffer_ and reach the file in one write(2) per record. LevelDB 1.23 drops a log it
// switches away from (and the current one when the DB is deleted) without calling Close(),
// so the destructor syncs too; its failure cannot be returned there, and acknowledged writes
// may be in the file: stop (DDB_CHECK) rather than claim them durable.
class SyncedLogFile : public leveldb::WritableFile {
 public:
  SyncedLogFile(SyncedLogEnv* env, std::string fname, int fd)
      : env_(env), fname_(std::move(fname)), dir_(DatabaseName(fname_)), fd_(fd) {
    env_->Register(dir_, fd_);
  }
  ~SyncedLogFile() override {
    if (fd_ < 0) return;
    leveldb::Status s = Sync();
    DDB_CHECK_MSG(s.ok(), "cannot sync LevelDB log %s as it is closed: %s", fname_.c_str(), s.ToString().c_str());
    CloseFd();
  }

  leveldb::Status Append(const leveldb::Slice& data) override {
    buffer_.append(data.data(), data.size());
    return buffer_.size() >= (64 << 10) ? Flush() : leveldb::Status::OK();
  }
  leveldb::Status Flush() override {
    const char* p = buffer_.data();
    size_t left = buffer_.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        // What went out stays out: a later Flush must not write it twice.
        const int error = errno;
        const size_t done = static_cast<size_t>(p - buffer_.data());
        written_ += done;
        buffer_.erase(0, done);
        return IOError("cannot write", fname_, error);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    written_ += buffer_.size();
    buffer_.clear();
    if (written_ - writeback_from_ >= SyncedLogEnv::kWritebackBytes) {
      // Start writing back what is written so far, without waiting for it (a hint: an error
      // here shows again at the next fdatasync).
      (void)::sync_file_range(fd_, static_cast<off_t>(writeback_from_),
                              static_cast<off_t>(written_ - writeback_from_), SYNC_FILE_RANGE_WRITE);
      writeback_from_ = written_;
    }
    return leveldb::Status::OK();
  }
  leveldb::Status Sync() override {
    leveldb::Status s = Flush();
    if (!s.ok()) return s;
    if (env_->DataSync(fd_) != 0) return IOError("cannot sync", fname_, errno);
    return leveldb::Status::OK();
  }
  leveldb::Status Close() override {
    leveldb::Status s = Sync();
    CloseFd();
    return s;
  }

 private:
  void CloseFd() {
    env_->Unregister(dir_, fd_);
    ::close(fd_);
    fd_ = -1;
  }

  SyncedLogEnv* const env_;
  const std::string fname_;
  const std::string dir_;
  int fd_;
  std::string buffer_;
  uint64_t written_ = 0;
  uint64_t writeback_from_ = 0;  // written_ when writeback was last started
};

}  // namespace

SyncedLogEnv* SyncedLogEnv::Get() {
  NameLevelDBBackgroundThread();
  static SyncedLogEnv* const env = new SyncedLogEnv(leveldb::Env::Default());
  return env;
}

leveldb::Status SyncedLogEnv::NewAppendableFile(const std::string& fname, leveldb::WritableFile** result) {
  // Only with Options::reuse_logs, never set here: a reused log would be neither synced on
  // close nor found by SyncLogs.
  if (IsLevelDBLogFile(fname)) {
    *result = nullptr;
    return leveldb::Status::NotSupported("SyncedLogEnv does not reuse logs", fname);
  }
  return target()->NewAppendableFile(fname, result);
}

leveldb::Status SyncedLogEnv::NewWritableFile(const std::string& fname, leveldb::WritableFile** result) {
  if (!IsLevelDBLogFile(fname)) return target()->NewWritableFile(fname, result);
  *result = nullptr;
  int fd = ::open(fname.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IOError("cannot create", fname, errno);
  *result = new SyncedLogFile(this, fname, fd);
  return leveldb::Status::OK();
}

Status SyncedLogEnv::SyncLogs(const std::string& dir) {
  // Each fd is duplicated under the lock and synced outside it: the writer may close its
  // log meanwhile (the duplicate keeps the file open) and never waits for this sync.
  std::vector<int> fds;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = open_.find(dir);
    // An open LevelDB always has a log open: none means a caller naming the wrong directory,
    // which must not pass for durability.
    if (it == open_.end()) return Status::IOError("no open LevelDB log in " + dir + " to sync");
    for (int fd : it->second) {
      int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
      if (dup < 0) {
        for (int d : fds) ::close(d);
        return Status::IOError("cannot duplicate a log's descriptor in " + dir + ": " + std::strerror(errno));
      }
      fds.push_back(dup);
    }
  }
  for (int fd : fds) {
    // A failed fdatasync is not retried: Linux reports a writeback error once per open file,
    // so a second try (here, or LevelDB's own) would succeed over pages the kernel dropped,
    // and the writes they held would be claimed durable. Stop instead (as PostgreSQL does).
    DDB_CHECK_MSG(DataSync(fd) == 0, "cannot sync a LevelDB log in %s: %s", dir.c_str(), std::strerror(errno));
    ::close(fd);
  }
  return Status::OK();
}

void SyncedLogEnv::Register(const std::string& dir, int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  open_[dir].insert(fd);
}

void SyncedLogEnv::Unregister(const std::string& dir, int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(dir);
  if (it == open_.end()) return;
  it->second.erase(fd);
  if (it->second.empty()) open_.erase(it);
}

}  // namespace ddb::storage
