// What the daemon mains (ddb-node, ddb-gateway) share: detaching from the terminal so that
// `--detach` returns only once the daemon serves (or says why it could not), one-line start-up
// errors, the pid file, and waiting for SIGTERM or SIGINT.
//
// Thread-safety: for main() only. Construct before starting any thread.
#pragma once

#include <signal.h>

#include <string>

#include <CLI/CLI.hpp>

#include "libddb/core/status.h"

namespace ddb::cmd {

// The flags every daemon takes: --detach, --pid-file, --log-file, --log-level.
struct DaemonFlags {
  bool detach = false;
  std::string pid_file;
  std::string log_file;
  std::string log_level = "info";
};
void AddDaemonFlags(CLI::App& app, DaemonFlags* flags);

class Daemon {
 public:
  // Detaches if `detach` (the parent waits and exits with the child's start-up outcome), and
  // blocks SIGTERM and SIGINT so that only WaitForStop sees them; ignores SIGPIPE.
  Daemon(const char* program, bool detach, std::string log_file);

  // Reports a start-up failure on one line (through the waiting parent when detached, and to
  // the log file if there is one). Returns the exit status to end with.
  int Fail(const Status& status);

  // Writes the pid file (if `path` is not empty), then tells a waiting parent that all is well.
  // The pid file is removed by the destructor.
  Status Ready(const std::string& pid_file);

  // Blocks until SIGTERM or SIGINT; returns the signal number.
  int WaitForStop();

  ~Daemon();

 private:
  const char* program_;
  std::string log_file_;
  std::string pid_file_;
  int ready_fd_ = -1;
  sigset_t stop_signals_{};
};

}  // namespace ddb::cmd
