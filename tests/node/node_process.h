// Starts and stops real ddb-node processes for integration tests: a cluster file in a fresh
// temporary directory, free loopback ports, and the processes stopped by PID.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>

#include "libddb/cluster/cluster_config.h"
#include "libddb/net/client.h"

namespace ddb::testing {

// A port that was free a moment ago (the kernel's pick for port 0).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

// A cluster of `nodes` ddb-node processes (ids 1..nodes) described by one cluster file in a
// fresh temporary directory; the node-level calls default to node 1.
class NodeProcess {
 public:
  // `configure` may change the cluster file's settings before it is written.
  explicit NodeProcess(const std::string& name, int nodes = 1,
                       const std::function<void(cluster::ClusterConfig&)>& configure = {}) {
    dir_ = std::filesystem::temp_directory_path() /
           ("ddb_node_" + name + "_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    cluster::ClusterConfig config;
    config.replication = nodes >= 3 ? 3 : 1;
    for (int id = 1; id <= nodes; ++id) {
      config.nodes.push_back({id, "tcp://127.0.0.1:" + std::to_string(FreePort()),
                              (dir_ / ("node" + std::to_string(id))).string()});
      addresses_.push_back(config.nodes.back().address);
    }
    pids_.assign(static_cast<size_t>(nodes), -1);
    if (configure) configure(config);
    std::ofstream(cluster_file()) << cluster::RenderClusterToml(config, dir_.string());
  }
  // Kills the nodes and removes the directory; with DDB_KEEP_TEST_DIR set, keeps it (the
  // nodes' logs and data) for a look after a failure.
  ~NodeProcess() {
    if (std::getenv("DDB_KEEP_TEST_DIR") != nullptr) {
      for (int id = 1; id <= nodes(); ++id) Kill(SIGKILL, id);
      return;
    }
    for (int id = 1; id <= nodes(); ++id) Kill(SIGKILL, id);
    std::filesystem::remove_all(dir_);
  }

  int nodes() const { return static_cast<int>(pids_.size()); }
  std::string cluster_file() const { return (dir_ / "cluster.toml").string(); }
  std::string data_dir(int id = 1) const { return (dir_ / ("node" + std::to_string(id))).string(); }
  const std::string& address(int id = 1) const { return addresses_.at(static_cast<size_t>(id - 1)); }
  std::filesystem::path dir() const { return dir_; }

  // Starts node `id` in the foreground (as a child) and waits until it answers.
  void Start(int id = 1) {
    pid_t& pid = pids_.at(static_cast<size_t>(id - 1));
    pid = fork();
    if (pid == 0) {
      std::string log = (dir_ / ("node" + std::to_string(id) + ".log")).string();
      std::string id_text = std::to_string(id);
      execl(DDB_NODE_BIN, DDB_NODE_BIN, "--cluster", cluster_file().c_str(), "--id",
            id_text.c_str(), "--log-file", log.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    auto client = net::Client::Connect(address(id));
    for (int i = 0; i < 100; ++i) {
      net::CallOptions quick;
      quick.timeout = std::chrono::milliseconds(100);
      quick.max_attempts = 1;
      if ((*client)->Call("ListTables", "{}", quick).ok()) return;
      int status;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return;  // the node exited: the test's next call reports it
      }
    }
  }
  void StartAll() {
    for (int id = 1; id <= nodes(); ++id) Start(id);
  }

  // Sends `signal` to node `id` and waits for the process; returns its wait status.
  int Kill(int signal, int id = 1) {
    pid_t& pid = pids_.at(static_cast<size_t>(id - 1));
    if (pid <= 0) return 0;
    kill(pid, signal);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }

  pid_t pid(int id = 1) const { return pids_.at(static_cast<size_t>(id - 1)); }

 private:
  std::filesystem::path dir_;
  std::vector<std::string> addresses_;
  std::vector<pid_t> pids_;
};

}  // namespace ddb::testing
