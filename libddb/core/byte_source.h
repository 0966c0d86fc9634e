// ByteSource: a byte stream read in pieces of bounded size, whose total size can be asked
// before reading, e.g. a partition's snapshot sent to a follower in chunks without the whole
// of it ever being in memory. StringSource serves one from a string already in memory,
// FileSource from a file.
//
// Thread-safety: none; one thread at a time (it may be handed from thread to thread).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "libddb/core/result.h"

namespace ddb {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // The number of bytes the whole stream holds (a source may have to read through its data
  // once to know). REQUIRES: nothing read yet.
  virtual Result<uint64_t> Size() = 0;
  // Appends the next bytes of the stream, at most `max_bytes` of them, to `out` and returns
  // how many; fewer than `max_bytes` only at the end, 0 once the end is reached.
  // REQUIRES: max_bytes > 0.
  virtual Result<size_t> Read(size_t max_bytes, std::string* out) = 0;
  // A source whose Size() or Read() may take long (a pass over a big partition) checks
  // `abandoned` as it goes and, once it says so, gives up with an error. Optional.
  virtual void SetAbandoned(std::function<bool()> abandoned) { (void)abandoned; }
};

class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  Result<uint64_t> Size() override { return static_cast<uint64_t>(data_.size()); }
  Result<size_t> Read(size_t max_bytes, std::string* out) override {
    const size_t n = std::min(max_bytes, data_.size() - offset_);
    out->append(data_, offset_, n);
    offset_ += n;
    return n;
  }

 private:
  const std::string data_;
  size_t offset_ = 0;
};

class FileSource final : public ByteSource {
 public:
  // IOError if `path` cannot be opened for reading.
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  Result<uint64_t> Size() override { return size_; }
  Result<size_t> Read(size_t max_bytes, std::string* out) override;

 private:
  FileSource(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  const std::string path_;
  const int fd_;
  const uint64_t size_;  // as the file was when opened
};

// Reads what remains of `source` into one string.
inline Result<std::string> ReadAll(ByteSource& source) {
  std::string out;
  for (;;) {
    DDB_ASSIGN_OR_RETURN(size_t n, source.Read(1 << 20, &out));
    if (n == 0) return out;
  }
}

}  // namespace ddb
