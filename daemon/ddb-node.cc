// ddb-node: one ddb storage node (DESIGN.md section 1). Wiring only: flags, the cluster file,
// logging, detaching, signals; the node itself is libddb/node, the socket libddb/net.
// See man/ddb-node.1.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include <spdlog/spdlog.h>

#include "cmd/common/command.h"
#include "libddb/cluster/cluster_config.h"
#include "libddb/core/logging.h"
#include "libddb/net/server.h"
#include "libddb/node/node.h"
#include "libddb/replication/peer_transport.h"

namespace {

constexpr const char* kProgram = "ddb-node";

// Detaches from the terminal. The parent waits until the child reports that it is serving
// (or why it could not) through a pipe, so `ddb-node --detach` exits 0 only for a running
// node. Returns the write end of the pipe in the child; never returns in the parent.
int Detach() {
  int fds[2];
  if (pipe(fds) != 0) {
    std::perror("ddb-node: pipe");
    std::exit(ddb::cmd::kExitError);
  }
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("ddb-node: fork");
    std::exit(ddb::cmd::kExitError);
  }
  if (pid > 0) {
    close(fds[1]);
    std::string message;
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0) message.append(buf, static_cast<size_t>(n));
    if (message.rfind("ok", 0) == 0) std::exit(ddb::cmd::kExitOk);
    std::cerr << (message.empty() ? std::string("ddb-node: the node exited while starting\n") : message);
    std::exit(ddb::cmd::kExitError);
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

int main(int argc, char** argv) {
  CLI::App app("Run one ddb storage node.", kProgram);
  app.set_version_flag("--version", "ddb-node 0.1.0");
  std::string cluster_flag, pid_file, log_file, log_level = "info";
  int id = 0, workers = 32;
  bool detach = false;
  app.add_option("--cluster", cluster_flag, "Cluster file (default: $DDB_CLUSTER, else ./.ddb/cluster.toml)");
  app.add_option("--id", id, "This node's id in the cluster file")->required()->check(CLI::PositiveNumber);
  app.add_flag("--detach", detach, "Run in the background once serving");
  app.add_option("--pid-file", pid_file, "Write the process id here");
  app.add_option("--log-file", log_file, "Log here instead of stderr");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error (default info)");
  app.add_option("--workers", workers, "Request worker threads (default 32)")->check(CLI::Range(1, 256));
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;

  const std::string cluster_path = ddb::cluster::ResolveClusterPath(cluster_flag);
  ddb::Result<ddb::cluster::ClusterConfig> config = ddb::cluster::LoadClusterFile(cluster_path);
  if (!config.ok()) {
    ddb::cmd::PrintError(kProgram, config.status());
    return ddb::cmd::kExitError;
  }
  const ddb::cluster::NodeConfig* self = config->FindNode(id);
  if (self == nullptr) {
    ddb::cmd::PrintError(kProgram, ddb::Status::Validation("no node with id " + std::to_string(id) +
                                                           " in " + cluster_path));
    return ddb::cmd::kExitUsage;
  }

  int ready_fd = detach ? Detach() : -1;
  // A start-up failure is the operator's business: one line with what is wrong, on stderr
  // (through the parent when detaching) and in the log file if there is one.
  auto fail = [&](const ddb::Status& s) {
    std::string line = std::string(kProgram) + ": " + s.message() + "\n";
    if (ready_fd >= 0) {
      (void)!write(ready_fd, line.data(), line.size());
    } else {
      std::cerr << line;
    }
    if (!log_file.empty()) spdlog::error("{}", s.ToString());
    return ddb::cmd::kExitError;
  };

  ddb::Status logging = ddb::InitLogging({.program = "ddb-node-" + std::to_string(id),
                                          .level = log_level, .file = log_file});
  if (!logging.ok()) return fail(logging);

  // Block the stop signals before starting threads, so that only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ddb::node::NodeOptions node_options;
  node_options.id = static_cast<ddb::raft::NodeId>(id);
  node_options.replication = config->replication;
  for (const auto& n : config->nodes) {
    node_options.addresses[static_cast<ddb::raft::NodeId>(n.id)] = n.address;
  }
  ddb::Result<std::unique_ptr<ddb::node::Node>> node =
      ddb::node::Node::Open(self->data_dir, node_options);
  if (!node.ok()) return fail(node.status());
  ddb::net::Server server(
      [n = node->get()](const ddb::proto::RequestEnvelope& r) { return n->Handle(r); }, workers);
  // Raft messages between nodes skip the worker pool: they must never wait behind requests
  // that are themselves waiting for Raft.
  server.SetInline(std::string(ddb::replication::kRaftOperation),
                   [n = node->get()](const ddb::proto::RequestEnvelope& r) { (void)n->Handle(r); });
  ddb::Result<std::string> bound = server.Start(self->address);
  if (!bound.ok()) return fail(bound.status());
  if (!pid_file.empty()) {
    std::ofstream out(pid_file, std::ios::trunc);
    out << getpid() << "\n";
    if (!out) return fail(ddb::Status::IOError("cannot write pid file " + pid_file));
  }
  spdlog::info("node {} serving on {} with data in {}", id, *bound, self->data_dir);
  if (ready_fd >= 0) {
    (void)!write(ready_fd, "ok", 2);
    close(ready_fd);
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("node {} stopping on signal {}", id, signal_number);
  server.Stop();
  node->reset();
  if (!pid_file.empty()) unlink(pid_file.c_str());
  spdlog::info("node {} stopped", id);
  return ddb::cmd::kExitOk;
}
