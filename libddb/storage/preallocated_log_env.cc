#include "libddb/storage/preallocated_log_env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include <spdlog/spdlog.h>

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"
#include "libddb/core/thread_name.h"
#include "libddb/storage/file_util.h"

namespace ddb::storage {
namespace {

// LevelDB's log format (db/log_format.h): 32 KB blocks of records, each with a 7-byte header
// (masked CRC-32C of type and payload, 2-byte length, 1-byte type); a block's last bytes, too
// few for a header, are zeros.
constexpr uint64_t kBlockSize = 32768;
constexpr uint64_t kHeaderSize = 7;
constexpr uint64_t kSectorSize = 512;

leveldb::Status PosixError(const std::string& context, int error) {
  std::string message = context + ": " + std::strerror(error);
  return error == ENOENT ? leveldb::Status::NotFound(message) : leveldb::Status::IOError(message);
}

// Writes all of `data` at `offset`: 0, or the errno of the failure.
int PwriteAll(int fd, uint64_t offset, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
  return 0;
}

// Writes zeros over [from, to) in 256 KB steps, each synced when `sync_each`: 0, or the errno
// of the failure.
int WriteZeros(int fd, uint64_t from, uint64_t to, bool sync_each) {
  static const std::string kZeros(256 << 10, '\0');
  for (uint64_t at = from; at < to; at += kZeros.size()) {
    if (int e = PwriteAll(fd, at, kZeros.data(), std::min<uint64_t>(kZeros.size(), to - at))) {
      return e;
    }
    if (sync_each && ::fdatasync(fd) != 0) return errno;
  }
  return 0;
}

// A write-ahead log being written: data goes to [0, written_), zeros to [written_, zeroed_end_).
// Not thread-safe (LevelDB writes its log from one thread at a time).
class ZeroFilledLogFile : public leveldb::WritableFile {
 public:
  // `zeroed`: bytes of the file already zeros (a spare's size; 0 for a new file).
  ZeroFilledLogFile(PreallocatedLogEnv* env, std::string fname, int fd, uint64_t zeroed)
      : env_(env), fname_(std::move(fname)), fd_(fd), zeroed_end_(zeroed) {}
  ~ZeroFilledLogFile() override {
    if (fd_ >= 0) Close();
  }

  leveldb::Status Append(const leveldb::Slice& data) override {
    buffer_.append(data.data(), data.size());
    return buffer_.size() >= kFlushBytes ? Flush() : leveldb::Status::OK();
  }

  leveldb::Status Close() override {
    leveldb::Status s = Flush();
    if (::close(fd_) != 0 && s.ok()) s = PosixError(fname_, errno);
    fd_ = -1;
    return s;
  }

  leveldb::Status Flush() override {
    if (buffer_.empty()) return leveldb::Status::OK();
    const uint64_t end = written_ + buffer_.size();
    if (zeroed_end_ < end + PreallocatedLogEnv::kChunkBytes / 2) {
      // Past the first chunk this is a busy log: have a spare ready for the next file.
      if (zeroed_end_ > 0) env_->RequestSpare(std::filesystem::path(fname_).parent_path().string());
      const uint64_t from = std::max(zeroed_end_, end);
      if (int e = WriteZeros(fd_, from, from + PreallocatedLogEnv::kChunkBytes, false)) {
        return PosixError(fname_, e);
      }
      zeroed_end_ = from + PreallocatedLogEnv::kChunkBytes;
    }
    if (int e = PwriteAll(fd_, written_, buffer_.data(), buffer_.size())) {
      return PosixError(fname_, e);
    }
    written_ = end;
    buffer_.clear();
    return leveldb::Status::OK();
  }

  leveldb::Status Sync() override {
    leveldb::Status s = Flush();
    if (!s.ok()) return s;
    if (::fdatasync(fd_) != 0) return PosixError(fname_, errno);
    return leveldb::Status::OK();
  }

 private:
  static constexpr size_t kFlushBytes = 64 << 10;

  PreallocatedLogEnv* const env_;
  const std::string fname_;
  int fd_;
  std::string buffer_;
  uint64_t written_ = 0;
  uint64_t zeroed_end_;
};

// True if some 512-byte sector overlapping [begin, end) lies within `file` and is all zeros.
bool HasZeroSector(const std::string& file, uint64_t begin, uint64_t end) {
  end = std::min<uint64_t>(end, file.size());
  for (uint64_t s = begin / kSectorSize * kSectorSize; s < end; s += kSectorSize) {
    const uint64_t e = std::min<uint64_t>(s + kSectorSize, file.size());
    if (std::all_of(file.begin() + static_cast<ptrdiff_t>(s), file.begin() + static_cast<ptrdiff_t>(e),
                    [](char c) { return c == 0; })) {
      return true;
    }
  }
  return false;
}

// The offset of the first torn record in the log `file`, if there is one.
std::optional<uint64_t> FindTornRecord(const std::string& file) {
  uint64_t pos = 0;
  while (pos < file.size()) {
    const uint64_t block_left = kBlockSize - pos % kBlockSize;
    if (block_left < kHeaderSize || pos + kHeaderSize > file.size()) {
      pos += block_left;  // a block's trailer, or the file ends inside a header
      continue;
    }
    const char* header = file.data() + pos;
    const uint32_t masked_crc = DecodeFixed32LE(header);
    const uint64_t length = static_cast<uint8_t>(header[4]) | (static_cast<uint64_t>(static_cast<uint8_t>(header[5])) << 8);
    const uint8_t type = static_cast<uint8_t>(header[6]);
    if (type == 0 && length == 0) {
      pos += block_left;  // zero-filled space: LevelDB skips the rest of the block too
      continue;
    }
    const uint64_t record_end = pos + kHeaderSize + length;
    const bool fits = kHeaderSize + length <= block_left && record_end <= file.size();
    if (fits && crc32c::Unmask(masked_crc) == crc32c::Value(header + 6, 1 + length)) {
      pos = record_end;
      continue;
    }
    if (HasZeroSector(file, pos, std::min(record_end, pos + block_left))) return pos;
    return std::nullopt;  // corruption, not a torn write: LevelDB reports it
  }
  return std::nullopt;
}

}  // namespace

PreallocatedLogEnv::PreallocatedLogEnv() : EnvWrapper(leveldb::Env::Default()) {
  spare_thread_ = std::thread([this] {
    SetThreadName("log-prezero");
    SpareLoop();
  });
  spare_thread_.detach();
}

void PreallocatedLogEnv::RequestSpare(const std::string& dir) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pending_.insert(dir).second) return;
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::path(dir) / kSpareName, ec)) {
      pending_.erase(dir);  // one is ready
      return;
    }
    wanted_.push_back(dir);
  }
  cv_.notify_all();
}

void PreallocatedLogEnv::ForgetDirectory(const std::string& dir) {
  std::unique_lock<std::mutex> lock(mu_);
  auto queued = std::find(wanted_.begin(), wanted_.end(), dir);
  if (queued != wanted_.end()) {
    wanted_.erase(queued);
    pending_.erase(dir);
  }
  cv_.wait(lock, [&] { return writing_ != dir; });
}

void PreallocatedLogEnv::SpareLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return !wanted_.empty(); });
    const std::string dir = wanted_.front();
    wanted_.pop_front();
    writing_ = dir;
    lock.unlock();
    Status s = WriteSpare(dir);
    if (!s.ok()) spdlog::warn("no spare log file in {}: {}", dir, s.ToString());
    lock.lock();
    writing_.clear();
    pending_.erase(dir);
    cv_.notify_all();
  }
}

Status PreallocatedLogEnv::WriteSpare(const std::string& dir) {
  const std::string tmp = (std::filesystem::path(dir) / kSpareName).string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create " + tmp + ": " + std::strerror(errno));
  // Synced in small steps: the writers' fsyncs share the disk's queue with these zeros, and
  // one flush of the whole spare would hold a few of them up for milliseconds.
  Status s;
  if (int e = WriteZeros(fd, 0, kSpareBytes, /*sync_each=*/true)) {
    s = Status::IOError("cannot write " + tmp + ": " + std::strerror(e));
  }
  ::close(fd);
  if (s.ok()) {
    // Renamed under mu_, so that TakeSpare never sees a spare half in place.
    std::lock_guard<std::mutex> lock(mu_);
    if (::rename(tmp.c_str(), (std::filesystem::path(dir) / kSpareName).c_str()) != 0) {
      s = Status::IOError("cannot rename " + tmp + ": " + std::strerror(errno));
    }
  }
  if (!s.ok()) ::unlink(tmp.c_str());
  return s;
}

int PreallocatedLogEnv::TakeSpare(const std::string& dir, const std::string& fname) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (::rename((std::filesystem::path(dir) / kSpareName).c_str(), fname.c_str()) != 0) return -1;
  }
  // The log's name must survive a crash before anything synced into it counts: fdatasync of
  // overwritten blocks does not commit the file system's journal, which holds the rename.
  if (Status s = SyncDir(dir); !s.ok()) {
    spdlog::warn("{}", s.ToString());
    ::unlink(fname.c_str());
    return -1;
  }
  return ::open(fname.c_str(), O_RDWR | O_CLOEXEC);
}

void NameLevelDBBackgroundThread() {
  static std::once_flag once;
  std::call_once(once, [] {
    leveldb::Env::Default()->Schedule([](void*) { SetThreadName("leveldb-bg"); }, nullptr);
  });
}

PreallocatedLogEnv* PreallocatedLogEnv::Get() {
  NameLevelDBBackgroundThread();
  static PreallocatedLogEnv* const env = new PreallocatedLogEnv();
  return env;
}

leveldb::Status PreallocatedLogEnv::NewWritableFile(const std::string& fname,
                                                    leveldb::WritableFile** result) {
  if (!IsLevelDBLogFile(fname)) return target()->NewWritableFile(fname, result);
  const std::string dir = std::filesystem::path(fname).parent_path().string();
  int fd = TakeSpare(dir, fname);
  uint64_t zeroed = 0;
  if (fd >= 0) {
    struct stat st;
    if (::fstat(fd, &st) == 0) zeroed = static_cast<uint64_t>(st.st_size);
    RequestSpare(dir);  // the next log file's
  } else {
    fd = ::open(fname.c_str(), O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0644);
  }
  if (fd < 0) {
    *result = nullptr;
    return PosixError(fname, errno);
  }
  *result = new ZeroFilledLogFile(this, fname, fd, zeroed);
  return leveldb::Status::OK();
}

Result<LogRepair> RepairTornLogTails(const std::string& dir) {
  LogRepair repair;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return repair;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string path = entry.path().string();
    if (!entry.is_regular_file() || !IsLevelDBLogFile(path)) continue;
    std::ifstream in(path, std::ios::binary);
    std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return Status::IOError("cannot read " + path);
    ++repair.files_checked;
    std::optional<uint64_t> torn = FindTornRecord(file);
    if (!torn) continue;
    if (::truncate(path.c_str(), static_cast<off_t>(*torn)) != 0) {
      return Status::IOError("cannot truncate " + path + ": " + std::strerror(errno));
    }
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0 || ::fdatasync(fd) != 0) {
      int error = errno;
      if (fd >= 0) ::close(fd);
      return Status::IOError("cannot sync " + path + ": " + std::strerror(error));
    }
    ::close(fd);
    spdlog::warn("{}: dropped a write that never completed (a torn record at offset {}, {} bytes "
                 "cut, none of them synced)",
                 path, *torn, file.size() - *torn);
    ++repair.tails_dropped;
    repair.bytes_dropped += file.size() - *torn;
  }
  if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
  return repair;
}

}  // namespace ddb::storage
