#include "libddb/core/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ddb {

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    Status s = Status::IOError("cannot stat " + path + ": " + std::strerror(errno));
    ::close(fd);
    return s;
  }
  return std::unique_ptr<FileSource>(new FileSource(path, fd, static_cast<uint64_t>(st.st_size)));
}

FileSource::~FileSource() { ::close(fd_); }

Result<size_t> FileSource::Read(size_t max_bytes, std::string* out) {
  const size_t start = out->size();
  out->resize(start + max_bytes);
  size_t got = 0;
  while (got < max_bytes) {
    const ssize_t n = ::read(fd_, out->data() + start + got, max_bytes - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out->resize(start);
      return Status::IOError("cannot read " + path_ + ": " + std::strerror(errno));
    }
    if (n == 0) break;  // the end
    got += static_cast<size_t>(n);
  }
  out->resize(start + got);
  return got;
}

}  // namespace ddb
