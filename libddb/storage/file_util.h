// Small file-system helpers shared by the storage layer.
#pragma once

#include <string>

#include "libddb/core/status.h"

namespace ddb::storage {

// fsync of a directory: makes the names created or renamed in it durable.
Status SyncDir(const std::string& dir);
// The same, where a failed fsync must not be retried (a second one could pass over a name
// the kernel lost): that stops the process (DDB_CHECK). A directory that cannot be opened
// is an error, since nothing was synced.
Status SyncDirOnce(const std::string& dir);

// True for the name (any directory) of one of LevelDB's write-ahead logs: NNNNNN.log.
bool IsLevelDBLogFile(const std::string& fname);

}  // namespace ddb::storage
