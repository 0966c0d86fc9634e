// Logging set-up for ddb processes, on top of spdlog.
//
// Nothing in libddb prints to stdout: libraries log through spdlog's default logger, which
// InitLogging points at stderr (commands, foreground daemons) or a file (detached daemons).
// The level comes from LogOptions, overridden by $DDB_LOG_LEVEL (trace, debug, info, warn,
// error, critical, off).
//
// Thread-safety: call InitLogging once, early in main(), before starting threads. Logging
// itself is thread-safe (spdlog's _mt sinks).
#pragma once

#include <string>

#include "libddb/core/status.h"

namespace ddb {

struct LogOptions {
  std::string program = "ddb";  // name shown in each line
  std::string level = "warn";   // default for commands; daemons pass "info"
  std::string file;             // empty: stderr
};

// Installs the default logger. Returns an error if the level is unknown or the file cannot
// be opened (the previous logger stays in place then).
Status InitLogging(const LogOptions& options);

}  // namespace ddb
