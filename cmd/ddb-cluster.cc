// ddb-cluster: write a cluster file, start and stop its nodes on this machine, show their
// state. See man/ddb-cluster.1.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cmd/common/command.h"
#include "libddb/cluster/cluster_config.h"
#include "libddb/model/json_writer.h"
#include "libddb/net/client.h"

namespace {

constexpr const char* kProgram = "ddb-cluster";
namespace fs = std::filesystem;

std::string PidFile(const ddb::cluster::ClusterConfig& c, int id) {
  return (fs::path(c.path).parent_path() / ("node" + std::to_string(id) + ".pid")).string();
}
std::string LogFile(const ddb::cluster::ClusterConfig& c, int id) {
  return (fs::path(c.path).parent_path() / ("node" + std::to_string(id) + ".log")).string();
}

// The pid in the node's pid file if that process is alive, else 0.
pid_t RunningPid(const ddb::cluster::ClusterConfig& c, int id) {
  std::ifstream in(PidFile(c, id));
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  return kill(pid, 0) == 0 ? pid : 0;
}

// ddb-node next to this binary, else from PATH.
std::string NodeBinary() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && fs::exists(self.parent_path() / "ddb-node")) return (self.parent_path() / "ddb-node").string();
  return "ddb-node";
}

std::string Quote(const std::string& s) {
  std::string out;
  ddb::json::AppendString(s, &out);
  return out;
}

// The default local cluster: three nodes, so that every table survives the loss of one.
constexpr int kDefaultNodes = 3;

int Init(const std::string& dir, int nodes, int base_port, bool force) {
  const fs::path file = fs::path(dir) / "cluster.toml";
  if (fs::exists(file) && !force) {
    ddb::cmd::PrintError(kProgram, ddb::Status::ResourceInUse(file.string() + " exists (use --force to overwrite)"));
    return ddb::cmd::kExitError;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string abs = fs::absolute(dir).lexically_normal().string();
  ddb::cluster::ClusterConfig c = ddb::cluster::DefaultLocalCluster(abs, nodes, base_port);
  std::ofstream(file) << ddb::cluster::RenderClusterToml(c, abs);
  std::cout << "{\"cluster_file\":" << Quote(file.string()) << ",\"nodes\":" << nodes << "}\n";
  return ddb::cmd::kExitOk;
}

ddb::Result<ddb::cluster::ClusterConfig> Load(const std::string& flag, bool create_default) {
  const std::string path = ddb::cluster::ResolveClusterPath(flag);
  if (create_default && flag.empty() && std::getenv("DDB_CLUSTER") == nullptr && !fs::exists(path)) {
    // The embedded default: a local cluster under ./.ddb/.
    if (int rc = Init(fs::path(path).parent_path().string(), kDefaultNodes, 7100, false); rc != 0) {
      return ddb::Status::Internal("cannot write the default cluster file");
    }
  }
  return ddb::cluster::LoadClusterFile(path);
}

int Up(const ddb::cluster::ClusterConfig& c) {
  int rc = ddb::cmd::kExitOk;
  for (const ddb::cluster::NodeConfig& n : c.nodes) {
    std::string state;
    pid_t pid = RunningPid(c, n.id);
    if (pid != 0) {
      state = "running";
    } else {
      const std::string bin = NodeBinary(), id = std::to_string(n.id), pid_file = PidFile(c, n.id),
                        log_file = LogFile(c, n.id);
      pid_t child = fork();
      if (child == 0) {
        execlp(bin.c_str(), bin.c_str(), "--cluster", c.path.c_str(), "--id", id.c_str(), "--detach",
               "--pid-file", pid_file.c_str(), "--log-file", log_file.c_str(), static_cast<char*>(nullptr));
        std::perror("ddb-cluster: cannot run ddb-node");
        _exit(127);
      }
      int status = 0;
      waitpid(child, &status, 0);  // --detach returns once the node serves, or says why not
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        state = "started";
        pid = RunningPid(c, n.id);
      } else {
        state = "failed";
        rc = ddb::cmd::kExitError;
      }
    }
    std::cout << "{\"node\":" << n.id << ",\"address\":" << Quote(n.address) << ",\"pid\":" << pid
              << ",\"state\":\"" << state << "\",\"log\":" << Quote(LogFile(c, n.id)) << "}\n";
  }
  return rc;
}

int Down(const ddb::cluster::ClusterConfig& c) {
  int rc = ddb::cmd::kExitOk;
  for (const ddb::cluster::NodeConfig& n : c.nodes) {
    pid_t pid = RunningPid(c, n.id);
    std::string state = "not running";
    if (pid != 0) {
      kill(pid, SIGTERM);
      state = "stopping";
      for (int i = 0; i < 200 && kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (kill(pid, 0) == 0) {
        rc = ddb::cmd::kExitError;
        state = "still running";
      } else {
        state = "stopped";
      }
    }
    std::cout << "{\"node\":" << n.id << ",\"state\":\"" << state << "\"}\n";
  }
  return rc;
}

int Status(const ddb::cluster::ClusterConfig& c) {
  int rc = ddb::cmd::kExitOk;
  for (const ddb::cluster::NodeConfig& n : c.nodes) {
    pid_t pid = RunningPid(c, n.id);
    std::string state = "down";
    std::string tables = "null";
    std::string groups = "[]";
    auto client = ddb::net::Client::Connect(n.address);
    ddb::net::CallOptions quick;
    quick.timeout = std::chrono::milliseconds(1000);
    quick.max_attempts = 1;
    if (client.ok()) {
      ddb::Result<std::string> r = (*client)->Call("ListTables", "{}", quick);
      if (r.ok()) {
        state = "up";
        size_t n_tables = 0;
        for (size_t at = r->find("\"TableNames\":[") + 14; at < r->size() && (*r)[at] != ']'; ++at) {
          if ((*r)[at] == '"') ++n_tables;
        }
        tables = std::to_string(n_tables / 2);
        ddb::Result<std::string> st = (*client)->Call("ddb.NodeStatus", "{}", quick);
        size_t at = st.ok() ? st->find("\"groups\":") : std::string::npos;
        if (at != std::string::npos) groups = st->substr(at + 9, st->size() - at - 10);
      } else if (pid != 0) {
        state = "unresponsive";
      }
    }
    if (state != "up") rc = ddb::cmd::kExitError;
    std::cout << "{\"node\":" << n.id << ",\"address\":" << Quote(n.address) << ",\"pid\":" << pid
              << ",\"state\":\"" << state << "\",\"tables\":" << tables
              << ",\"data_dir\":" << Quote(n.data_dir) << ",\"groups\":" << groups << "}\n";
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Create, start, stop and inspect a ddb cluster on this machine.", kProgram);
  app.set_version_flag("--version", "ddb-cluster 0.1.0");
  app.require_subcommand(1);
  std::string cluster_flag;
  app.add_option("--cluster", cluster_flag, "Cluster file (default: $DDB_CLUSTER, else ./.ddb/cluster.toml)");
  std::string dir = ".ddb";
  int nodes = kDefaultNodes, base_port = 7100;
  bool force = false;
  CLI::App* init = app.add_subcommand("init", "Write a cluster file for a local cluster");
  init->add_option("--dir", dir, "Directory for the cluster file and node data (default .ddb)");
  init->add_option("--nodes", nodes, "Number of nodes (default 3)")->check(CLI::Range(1, 9));
  init->add_option("--base-port", base_port, "Node N listens on base-port + N (default 7100)")
      ->check(CLI::Range(1024, 65000));
  init->add_flag("--force", force, "Overwrite an existing cluster file");
  CLI::App* up = app.add_subcommand("up", "Start the cluster's nodes (writing the default cluster first if there is none)");
  CLI::App* down = app.add_subcommand("down", "Stop the cluster's nodes");
  CLI::App* status = app.add_subcommand("status", "Show each node's state");
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;

  if (*init) return Init(dir, nodes, base_port, force);
  ddb::Result<ddb::cluster::ClusterConfig> config = Load(cluster_flag, /*create_default=*/up->parsed());
  if (!config.ok()) {
    ddb::cmd::PrintError(kProgram, config.status());
    return ddb::cmd::ExitCodeFor(config.status());
  }
  if (*up) return Up(*config);
  if (*down) return Down(*config);
  if (*status) return Status(*config);
  return ddb::cmd::kExitUsage;
}
