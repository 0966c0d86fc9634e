#include "cmd/common/daemon.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <fstream>
#include <string>

#include <spdlog/spdlog.h>

#include "cmd/common/command.h"

namespace ddb::cmd {

namespace {

// Forks. The parent waits on a pipe until the child writes "ok" (exits 0) or an error line
// (prints it on stderr, exits 1), and never returns. The child starts a new session, points
// stdin/stdout/stderr at /dev/null, and gets the pipe's write end back.
int Detach(const char* program) {
  int fds[2];
  if (pipe(fds) != 0) {
    std::perror(program);
    std::exit(kExitError);
  }
  pid_t pid = fork();
  if (pid < 0) {
    std::perror(program);
    std::exit(kExitError);
  }
  if (pid > 0) {
    close(fds[1]);
    std::string message;
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0) message.append(buf, static_cast<size_t>(n));
    if (message.rfind("ok", 0) == 0) std::exit(kExitOk);
    std::cerr << (message.empty() ? std::string(program) + ": exited while starting\n" : message);
    std::exit(kExitError);
  }
  close(fds[0]);
  setsid();
  int null_fd = open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    if (null_fd > STDERR_FILENO) close(null_fd);
  }
  return fds[1];
}

}  // namespace

void AddDaemonFlags(CLI::App& app, DaemonFlags* flags) {
  app.add_flag("--detach", flags->detach, "Run in the background once serving");
  app.add_option("--pid-file", flags->pid_file, "Write the process id here");
  app.add_option("--log-file", flags->log_file, "Log here instead of stderr");
  app.add_option("--log-level", flags->log_level, "trace, debug, info, warn, error (default info)");
}

Daemon::Daemon(const char* program, bool detach, std::string log_file)
    : program_(program), log_file_(std::move(log_file)) {
  if (detach) ready_fd_ = Detach(program);
  sigemptyset(&stop_signals_);
  sigaddset(&stop_signals_, SIGTERM);
  sigaddset(&stop_signals_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals_, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int Daemon::Fail(const Status& status) {
  std::string line = std::string(program_) + ": " + status.message() + "\n";
  if (ready_fd_ >= 0) {
    (void)!write(ready_fd_, line.data(), line.size());
  } else {
    std::cerr << line;
  }
  if (!log_file_.empty()) spdlog::error("{}", status.ToString());
  return kExitError;
}

Status Daemon::Ready(const std::string& pid_file) {
  if (!pid_file.empty()) {
    std::ofstream out(pid_file, std::ios::trunc);
    out << getpid() << "\n";
    if (!out) return Status::IOError("cannot write pid file " + pid_file);
    pid_file_ = pid_file;
  }
  if (ready_fd_ >= 0) {
    (void)!write(ready_fd_, "ok", 2);
    close(ready_fd_);
    ready_fd_ = -1;
  }
  return Status::OK();
}

int Daemon::WaitForStop() {
  int signal_number = 0;
  sigwait(&stop_signals_, &signal_number);
  return signal_number;
}

Daemon::~Daemon() {
  if (!pid_file_.empty()) unlink(pid_file_.c_str());
}

}  // namespace ddb::cmd
