#include "libddb/storage/file_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>

#include "libddb/core/check.h"

namespace ddb::storage {

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + dir + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (rc != 0) return Status::IOError("cannot sync " + dir + ": " + std::strerror(error));
  return Status::OK();
}

Status SyncDirOnce(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + dir + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  DDB_CHECK_MSG(rc == 0, "cannot sync directory %s: %s", dir.c_str(), std::strerror(error));
  return Status::OK();
}

bool IsLevelDBLogFile(const std::string& fname) {
  static const std::regex kLogName("[0-9]+\\.log");
  return std::regex_match(std::filesystem::path(fname).filename().string(), kLogName);
}

}  // namespace ddb::storage
