#include "libddb/storage/file_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>

#include "libddb/core/check.h"
#include "libddb/core/result.h"

namespace ddb::storage {

namespace {

// fsync of `dir`: an IOError if it cannot be opened; else fsync's errno (0: synced).
Result<int> FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + dir + ": " + std::strerror(errno));
  const int error = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

}  // namespace

Status SyncDir(const std::string& dir) {
  DDB_ASSIGN_OR_RETURN(int error, FsyncDir(dir));
  if (error != 0) return Status::IOError("cannot sync " + dir + ": " + std::strerror(error));
  return Status::OK();
}

Status SyncDirOnce(const std::string& dir) {
  DDB_ASSIGN_OR_RETURN(int error, FsyncDir(dir));
  DDB_CHECK_MSG(error == 0, "cannot sync directory %s: %s", dir.c_str(), std::strerror(error));
  return Status::OK();
}

bool IsLevelDBLogFile(const std::string& fname) {
  static const std::regex kLogName("[0-9]+\\.log");
  return std::regex_match(std::filesystem::path(fname).filename().string(), kLogName);
}

}  // namespace ddb::storage
