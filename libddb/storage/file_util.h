// Small file-system helpers shared by the storage layer.
#pragma once

#include <string>

#include "libddb/core/status.h"

namespace ddb::storage {

// fsync of a directory: makes the names created or renamed in it durable.
Status SyncDir(const std::string& dir);

}  // namespace ddb::storage
