// Starts and stops real ddb-node processes for integration tests: a cluster file in a fresh
// temporary directory, a free loopback port, and the process stopped by PID.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

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

class NodeProcess {
 public:
  explicit NodeProcess(const std::string& name) {
    dir_ = std::filesystem::temp_directory_path() /
           ("ddb_node_" + name + "_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    cluster::ClusterConfig config;
    config.nodes.push_back({1, "tcp://127.0.0.1:" + std::to_string(FreePort()), (dir_ / "node1").string()});
    address_ = config.nodes[0].address;
    std::ofstream(cluster_file()) << cluster::RenderClusterToml(config, dir_.string());
  }
  ~NodeProcess() {
    Kill(SIGKILL);
    std::filesystem::remove_all(dir_);
  }

  std::string cluster_file() const { return (dir_ / "cluster.toml").string(); }
  std::string data_dir() const { return (dir_ / "node1").string(); }
  const std::string& address() const { return address_; }
  std::filesystem::path dir() const { return dir_; }

  // Starts ddb-node in the foreground (as a child) and waits until it answers.
  void Start() {
    pid_ = fork();
    if (pid_ == 0) {
      std::string log = (dir_ / "node.log").string();
      execl(DDB_NODE_BIN, DDB_NODE_BIN, "--cluster", cluster_file().c_str(), "--id", "1",
            "--log-file", log.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    auto client = net::Client::Connect(address_);
    for (int i = 0; i < 100; ++i) {
      net::CallOptions quick;
      quick.timeout = std::chrono::milliseconds(100);
      quick.max_attempts = 1;
      if ((*client)->Call("ListTables", "{}", quick).ok()) return;
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;  // the node exited: the test's next call reports it
      }
    }
  }

  // Sends `signal` and waits for the process; returns its wait status.
  int Kill(int signal) {
    if (pid_ <= 0) return 0;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  pid_t pid() const { return pid_; }

 private:
  std::filesystem::path dir_;
  std::string address_;
  pid_t pid_ = -1;
};

}  // namespace ddb::testing
