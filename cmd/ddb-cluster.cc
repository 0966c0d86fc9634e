// ddb-cluster: write a cluster file, start and stop its nodes and gateway on this machine,
// show their state. See man/ddb-cluster.1.
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include <rapidjson/document.h>

#include "cmd/common/command.h"
#include "libddb/cluster/cluster_config.h"
#include "libddb/model/json_writer.h"
#include "libddb/net/client.h"

namespace {

constexpr const char* kProgram = "ddb-cluster";
namespace fs = std::filesystem;

// The files of a process `ddb-cluster up` starts ("node1", ..., "gateway"), beside the
// cluster file.
std::string PidFile(const ddb::cluster::ClusterConfig& c, const std::string& name) {
  return (fs::path(c.path).parent_path() / (name + ".pid")).string();
}
std::string LogFile(const ddb::cluster::ClusterConfig& c, const std::string& name) {
  return (fs::path(c.path).parent_path() / (name + ".log")).string();
}
std::string NodeName(int id) { return "node" + std::to_string(id); }
constexpr const char* kGatewayName = "gateway";

// The pid in the process's pid file if that process is alive, else 0.
pid_t RunningPid(const ddb::cluster::ClusterConfig& c, const std::string& name) {
  std::ifstream in(PidFile(c, name));
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  return kill(pid, 0) == 0 ? pid : 0;
}

// `program` (ddb-node, ddb-gateway) next to this binary, else from PATH.
std::string SiblingBinary(const std::string& program) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && fs::exists(self.parent_path() / program)) return (self.parent_path() / program).string();
  return program;
}

// Starts `program` with `args` plus --cluster, --detach, --pid-file and --log-file, unless
// the process `name` already runs. Returns "running", "started" or "failed"; *pid is its pid.
std::string StartDaemon(const ddb::cluster::ClusterConfig& c, const std::string& name,
                        const std::string& program, std::vector<std::string> args, pid_t* pid) {
  *pid = RunningPid(c, name);
  if (*pid != 0) return "running";
  const std::string bin = SiblingBinary(program);
  std::vector<std::string> argv = {bin, "--cluster", c.path, "--detach", "--pid-file", PidFile(c, name),
                                   "--log-file", LogFile(c, name)};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargs;
  for (std::string& a : argv) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  pid_t child = fork();
  if (child < 0) return "failed";
  if (child == 0) {
    execvp(bin.c_str(), cargs.data());
    std::perror(("ddb-cluster: cannot run " + program).c_str());
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);  // --detach returns once the daemon serves, or says why not
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "failed";
  *pid = RunningPid(c, name);
  return "started";
}

// Whether the gateway at HOST:PORT answers its health check (GET /) with 200 within a second.
bool GatewayHealthy(const std::string& listen) {
  size_t colon = listen.rfind(':');
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (colon == std::string::npos) return false;
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (getaddrinfo(host.c_str(), listen.substr(colon + 1).c_str(), &hints, &found) != 0) return false;
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  bool healthy = false;
  if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
    const std::string request = "GET / HTTP/1.1\r\nHost: " + listen + "\r\nConnection: close\r\n\r\n";
    char reply[64] = {};
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()) &&
        recv(fd, reply, sizeof reply - 1, MSG_WAITALL) > 12) {
      healthy = std::string_view(reply).substr(0, 12) == "HTTP/1.1 200";
    }
  }
  if (fd >= 0) close(fd);
  freeaddrinfo(found);
  return healthy;
}

// Stops the process `name` with SIGTERM, waiting up to 10 s. Returns its state afterwards.
std::string StopDaemon(const ddb::cluster::ClusterConfig& c, const std::string& name) {
  pid_t pid = RunningPid(c, name);
  if (pid == 0) return "not running";
  kill(pid, SIGTERM);
  for (int i = 0; i < 200 && kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return kill(pid, 0) == 0 ? "still running" : "stopped";
}

std::string Quote(const std::string& s) {
  std::string out;
  ddb::json::AppendString(s, &out);
  return out;
}

// The default local cluster: three nodes, so that every table survives the loss of one.
constexpr int kDefaultNodes = 3;
constexpr int kDefaultBasePort = 7100;

int Init(const std::string& dir, int nodes, int base_port, const std::string& gateway_listen,
         bool force) {
  const fs::path file = fs::path(dir) / "cluster.toml";
  if (fs::exists(file) && !force) {
    ddb::cmd::PrintError(kProgram, ddb::Status::ResourceInUse(file.string() + " exists (use --force to overwrite)"));
    return ddb::cmd::kExitError;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string abs = fs::absolute(dir).lexically_normal().string();
  ddb::cluster::ClusterConfig c =
      ddb::cluster::DefaultLocalCluster(abs, nodes, base_port, gateway_listen);
  std::ofstream(file) << ddb::cluster::RenderClusterToml(c, abs);
  std::cout << "{\"cluster_file\":" << Quote(file.string()) << ",\"nodes\":" << nodes
            << ",\"gateway\":" << Quote(gateway_listen) << "}\n";
  return ddb::cmd::kExitOk;
}

ddb::Result<ddb::cluster::ClusterConfig> Load(const std::string& flag, bool create_default) {
  const std::string path = ddb::cluster::ResolveClusterPath(flag);
  if (create_default && flag.empty() && std::getenv("DDB_CLUSTER") == nullptr && !fs::exists(path)) {
    // The embedded default: a local cluster under ./.ddb/.
    if (int rc = Init(fs::path(path).parent_path().string(), kDefaultNodes, kDefaultBasePort,
                      std::string(ddb::cluster::kDefaultGatewayListen), false);
        rc != 0) {
      return ddb::Status::Internal("cannot write the default cluster file");
    }
  }
  return ddb::cluster::LoadClusterFile(path);
}

// One call to the node at `address`: a single attempt, answered within `ms`.
ddb::Result<std::string> QuickCall(const std::string& address, const std::string& op,
                                   const std::string& body, int ms = 2000) {
  auto client = ddb::net::Client::Connect(address);
  if (!client.ok()) return client.status();
  ddb::net::CallOptions quick;
  quick.timeout = std::chrono::milliseconds(ms);
  quick.max_attempts = 1;
  return (*client)->Call(op, body, quick);
}

// Whether any node of the cluster file answers.
bool AnyNodeAnswers(const ddb::cluster::ClusterConfig& c) {
  for (const ddb::cluster::NodeConfig& n : c.nodes) {
    if (QuickCall(n.address, "ddb.NodeStatus", "{}", 1000).ok()) return true;
  }
  return false;
}

int Up(const ddb::cluster::ClusterConfig& c) {
  int rc = ddb::cmd::kExitOk;
  // Nodes started while others already run join them (a node that has run before is not
  // affected); a cluster started from nothing is founded by all its nodes.
  const bool running = AnyNodeAnswers(c);
  for (const ddb::cluster::NodeConfig& n : c.nodes) {
    pid_t pid = 0;
    std::vector<std::string> args = {"--id", std::to_string(n.id)};
    if (running) args.push_back("--join");
    std::string state = StartDaemon(c, NodeName(n.id), "ddb-node", args, &pid);
    if (state == "failed") rc = ddb::cmd::kExitError;
    std::cout << "{\"node\":" << n.id << ",\"address\":" << Quote(n.address) << ",\"pid\":" << pid
              << ",\"state\":\"" << state << "\",\"log\":" << Quote(LogFile(c, NodeName(n.id))) << "}\n";
  }
  pid_t pid = 0;
  std::string state = StartDaemon(c, kGatewayName, "ddb-gateway", {}, &pid);
  if (state == "failed") rc = ddb::cmd::kExitError;
  std::cout << "{\"gateway\":" << Quote("http://" + c.gateway_listen) << ",\"pid\":" << pid
            << ",\"state\":\"" << state << "\",\"log\":" << Quote(LogFile(c, kGatewayName)) << "}\n";
  return rc;
}

int Down(const ddb::cluster::ClusterConfig& c) {
  int rc = ddb::cmd::kExitOk;
  std::string state = StopDaemon(c, kGatewayName);
  if (state == "still running") rc = ddb::cmd::kExitError;
  std::cout << "{\"gateway\":" << Quote("http://" + c.gateway_listen) << ",\"state\":\"" << state << "\"}\n";
  for (const ddb::cluster::NodeConfig& n : c.nodes) {
    state = StopDaemon(c, NodeName(n.id));
    if (state == "still running") rc = ddb::cmd::kExitError;
    std::cout << "{\"node\":" << n.id << ",\"state\":\"" << state << "\"}\n";
  }
  return rc;
}

int Status(const ddb::cluster::ClusterConfig& c) {
  int rc = ddb::cmd::kExitOk;
  for (const ddb::cluster::NodeConfig& n : c.nodes) {
    pid_t pid = RunningPid(c, NodeName(n.id));
    std::string state = "down";
    std::string tables = "null";
    std::string groups = "[]";
    ddb::Result<std::string> r = QuickCall(n.address, "ListTables", "{}", 1000);
    if (r.ok()) {
      state = "up";
      size_t n_tables = 0;
      for (size_t at = r->find("\"TableNames\":[") + 14; at < r->size() && (*r)[at] != ']'; ++at) {
        if ((*r)[at] == '"') ++n_tables;
      }
      tables = std::to_string(n_tables / 2);
      ddb::Result<std::string> st = QuickCall(n.address, "ddb.NodeStatus", "{}", 1000);
      size_t at = st.ok() ? st->find("\"groups\":") : std::string::npos;
      if (at != std::string::npos) groups = st->substr(at + 9, st->size() - at - 10);
    } else if (pid != 0) {
      state = "unresponsive";
    }
    if (state != "up") rc = ddb::cmd::kExitError;
    std::cout << "{\"node\":" << n.id << ",\"address\":" << Quote(n.address) << ",\"pid\":" << pid
              << ",\"state\":\"" << state << "\",\"tables\":" << tables
              << ",\"data_dir\":" << Quote(n.data_dir) << ",\"groups\":" << groups << "}\n";
  }
  pid_t pid = RunningPid(c, kGatewayName);
  std::string state = GatewayHealthy(c.gateway_listen) ? "up" : pid != 0 ? "unresponsive" : "down";
  std::cout << "{\"gateway\":" << Quote("http://" + c.gateway_listen) << ",\"pid\":" << pid
            << ",\"state\":\"" << state << "\"}\n";
  if (state != "up") rc = ddb::cmd::kExitError;
  return rc;
}


// What keeps the cluster from matching `listed`, from the groups its nodes lead ("" once
// nothing does): a group whose members include a node not listed, or a __meta that does not
// count every listed node as a member.
std::string Unsettled(const std::map<int, std::string>& addresses, const std::set<int>& listed) {
  bool meta_seen = false;
  for (const auto& [id, address] : addresses) {
    ddb::Result<std::string> st = QuickCall(address, "ddb.NodeStatus", "{}");
    if (!st.ok()) continue;
    rapidjson::Document doc;
    doc.Parse(st->data(), st->size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("groups") || !doc["groups"].IsArray()) continue;
    for (const rapidjson::Value& g : doc["groups"].GetArray()) {
      if (!g.IsObject() || !g.HasMember("role") || std::string(g["role"].GetString()) != "Leader") continue;
      const std::string name = g.HasMember("table") ? "table " + std::string(g["table"].GetString()) : "__meta";
      std::set<int> members;
      for (const rapidjson::Value& m : g["members"].GetArray()) members.insert(m.GetInt());
      std::string list;
      for (int m : members) list += (list.empty() ? "" : ",") + std::to_string(m);
      for (int m : members) {
        if (listed.count(m) == 0) return name + " still has node " + std::to_string(m) + " (members " + list + ")";
      }
      if (name == "__meta") {
        meta_seen = true;
        if (members != listed) return "__meta has members " + list;
      }
    }
  }
  return meta_seen ? "" : "no __meta leader answers";
}

// Applies the cluster file's node list to the running cluster (DESIGN.md section 2).
int Apply(const ddb::cluster::ClusterConfig& c, bool wait, int timeout_seconds) {
  int rc = ddb::cmd::kExitOk;
  std::set<int> listed;
  std::map<int, std::string> addresses;  // every node told of the list: listed, then removed
  const bool running = AnyNodeAnswers(c);
  for (const ddb::cluster::NodeConfig& n : c.nodes) {
    listed.insert(n.id);
    addresses[n.id] = n.address;
  }
  // 1. Listed nodes that do not run start, as joining nodes when the cluster is up.
  for (const ddb::cluster::NodeConfig& n : c.nodes) {
    std::vector<std::string> args = {"--id", std::to_string(n.id)};
    if (running) args.push_back("--join");
    pid_t pid = 0;
    std::string state = StartDaemon(c, NodeName(n.id), "ddb-node", args, &pid);
    if (state == "failed") rc = ddb::cmd::kExitError;
    std::cout << "{\"node\":" << n.id << ",\"address\":" << Quote(n.address) << ",\"pid\":" << pid
              << ",\"state\":\"" << state << "\"}" << std::endl;
  }
  // 2. Every listed node adopts the list; the lists they replace name the nodes that left.
  auto node_list = [](const std::map<int, std::string>& nodes) {
    std::string out = "[";
    for (const auto& [id, address] : nodes) {
      out += std::string(out.size() > 1 ? "," : "") + "{\"Id\":" + std::to_string(id) + ",\"Address\":" + Quote(address) + "}";
    }
    return out + "]";
  };
  std::map<int, std::string> removed;
  bool changed = false;  // some node had another list (or none answered with one)
  auto tell = [&](int id, const std::string& body, bool print) {
    ddb::Result<std::string> r = QuickCall(addresses.at(id), "ddb.SetNodes", body, 5000);
    // A listed node that is down reads the file when it starts again; still a failure here.
    if (!r.ok() && listed.count(id) != 0) rc = ddb::cmd::kExitError;
    if (print || !r.ok()) {
      std::cout << "{\"node\":" << id << ",\"applied\":" << (r.ok() ? "true" : "false");
      if (!r.ok()) std::cout << ",\"error\":" << Quote(r.status().ToString());
      std::cout << "}" << std::endl;
    }
    if (!r.ok()) return;
    rapidjson::Document doc;
    doc.Parse(r->data(), r->size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("previous")) return;
    if (!doc["previous"].IsArray()) return;
    std::map<int, std::string> had;
    for (const rapidjson::Value& p : doc["previous"].GetArray()) {
      if (!p.IsObject() || !p.HasMember("id") || !p["id"].IsInt() || !p.HasMember("address") ||
          !p["address"].IsString()) {
        continue;
      }
      const int was = p["id"].GetInt();
      had[was] = p["address"].GetString();
      if (listed.count(was) == 0) removed[was] = p["address"].GetString();
    }
    if (listed.count(id) != 0) {
      for (const auto& [n, address] : had) changed = changed || addresses.count(n) == 0 || addresses.at(n) != address;
      changed = changed || had.size() != listed.size();
    }
  };
  const std::string body = "{\"Nodes\":" + node_list(addresses) + "}";
  for (int id : listed) tell(id, body, true);
  // 3. The nodes that left hand their groups over: every node, the new ones included, must
  // reach them meanwhile, and they must learn that they left.
  if (!removed.empty()) {
    const std::string with_leaving = "{\"Nodes\":" + node_list(addresses) + ",\"Leaving\":" + node_list(removed) + "}";
    for (const auto& [id, address] : removed) addresses[id] = address;
    for (int id : listed) tell(id, with_leaving, false);
    for (const auto& [id, address] : removed) tell(id, with_leaving, true);
  }
  if (rc != ddb::cmd::kExitOk || !wait) return rc;
  // 4. Wait until the groups moved off the nodes that left and __meta took in the new ones.
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::seconds(timeout_seconds);
  const bool tty = isatty(STDERR_FILENO) != 0;
  auto last_progress = start;
  std::string unsettled;
  while (!(unsettled = Unsettled(addresses, listed)).empty()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      ddb::cmd::PrintError(kProgram, ddb::Status(ddb::Code::kServiceUnavailable,
                                                 "the cluster did not settle within " +
                                                     std::to_string(timeout_seconds) + " s: " + unsettled));
      return ddb::cmd::kExitError;
    }
    if (tty && now - last_progress >= std::chrono::seconds(2)) {
      std::cerr << kProgram << ": waiting: " << unsettled << " ("
                << std::chrono::duration_cast<std::chrono::seconds>(now - start).count() << " s)\n";
      last_progress = now;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  // 5. The nodes that left hold nothing now: stop those started from here (also ones an
  // earlier apply that gave up waiting left running: their pid files name them).
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(c.path).parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    int id = 0;
    if (std::sscanf(name.c_str(), "node%d.pid", &id) == 1 && name == NodeName(id) + ".pid" &&
        listed.count(id) == 0 && removed.count(id) == 0 && RunningPid(c, NodeName(id)) != 0) {
      removed[id] = "";
    }
  }
  for (const auto& [id, address] : removed) {
    std::cout << "{\"node\":" << id << (address.empty() ? "" : ",\"address\":" + Quote(address))
              << ",\"state\":\"removed\",\"process\":\""
              << StopDaemon(c, NodeName(id)) << "\"}" << std::endl;
  }
  // 6. A running gateway restarts to send requests to the new list (when it changed, or a
  // node was started).
  if ((changed || !removed.empty()) && RunningPid(c, kGatewayName) != 0) {
    StopDaemon(c, kGatewayName);
    pid_t pid = 0;
    std::string state = StartDaemon(c, kGatewayName, "ddb-gateway", {}, &pid);
    if (state == "failed") rc = ddb::cmd::kExitError;
    std::cout << "{\"gateway\":" << Quote("http://" + c.gateway_listen) << ",\"pid\":" << pid
              << ",\"state\":\"" << (state == "started" ? "restarted" : state) << "\"}" << std::endl;
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
  int nodes = kDefaultNodes, base_port = kDefaultBasePort;
  std::string gateway_listen;
  bool force = false;
  CLI::App* init = app.add_subcommand("init", "Write a cluster file for a local cluster");
  init->add_option("--dir", dir, "Directory for the cluster file and node data (default .ddb)");
  init->add_option("--nodes", nodes, "Number of nodes (default 3)")->check(CLI::Range(1, 9));
  CLI::Option* base_port_option =
      init->add_option("--base-port", base_port,
                       "Node N listens on base-port + N (default 7100); the gateway on base-port itself "
                       "unless --gateway-listen says otherwise")
          ->check(CLI::Range(1024, 65000));
  init->add_option("--gateway-listen", gateway_listen,
                   "HOST:PORT for ddb-gateway (default 127.0.0.1:8000, or 127.0.0.1:BASE-PORT with --base-port)");
  init->add_flag("--force", force, "Overwrite an existing cluster file");
  CLI::App* up = app.add_subcommand("up", "Start the cluster's nodes and its gateway (writing the default cluster first if there is none)");
  CLI::App* down = app.add_subcommand("down", "Stop the cluster's gateway and nodes");
  CLI::App* status = app.add_subcommand("status", "Show each node's and the gateway's state");
  CLI::App* apply = app.add_subcommand(
      "apply", "Apply the cluster file's node list to the running cluster: start new nodes, move "
               "everything off the nodes no longer listed, then stop them");
  bool no_wait = false;
  int apply_timeout = 600;
  apply->add_flag("--no-wait", no_wait, "Return once every node has the list, without waiting for groups to move");
  apply->add_option("--timeout", apply_timeout, "Seconds to wait for groups to move (default 600)")
      ->check(CLI::Range(1, 86400));
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;

  if (*init) {
    if (gateway_listen.empty()) {
      gateway_listen = base_port_option->count() > 0 ? "127.0.0.1:" + std::to_string(base_port)
                                                     : std::string(ddb::cluster::kDefaultGatewayListen);
    }
    return Init(dir, nodes, base_port, gateway_listen, force);
  }
  ddb::Result<ddb::cluster::ClusterConfig> config = Load(cluster_flag, /*create_default=*/up->parsed());
  if (!config.ok()) {
    ddb::cmd::PrintError(kProgram, config.status());
    return ddb::cmd::ExitCodeFor(config.status());
  }
  if (*up) return Up(*config);
  if (*down) return Down(*config);
  if (*status) return Status(*config);
  if (*apply) return Apply(*config, !no_wait, apply_timeout);
  return ddb::cmd::kExitUsage;
}
