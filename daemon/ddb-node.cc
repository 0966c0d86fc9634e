// ddb-node: one ddb storage node (DESIGN.md section 1). Wiring only: flags, the cluster file,
// logging, detaching, signals; the node itself is libddb/node, the socket libddb/net.
// See man/ddb-node.1.
#include <spdlog/spdlog.h>

#include "cmd/common/command.h"
#include "cmd/common/daemon.h"
#include "libddb/cluster/cluster_config.h"
#include "libddb/core/logging.h"
#include "libddb/net/server.h"
#include "libddb/node/node.h"
#include "libddb/replication/peer_transport.h"

namespace {

constexpr const char* kProgram = "ddb-node";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Run one ddb storage node.", kProgram);
  app.set_version_flag("--version", "ddb-node 0.1.0");
  std::string cluster_flag;
  int id = 0, workers = 32;
  app.add_option("--cluster", cluster_flag, "Cluster file (default: $DDB_CLUSTER, else ./.ddb/cluster.toml)");
  app.add_option("--id", id, "This node's id in the cluster file")->required()->check(CLI::PositiveNumber);
  ddb::cmd::DaemonFlags daemon_flags;
  ddb::cmd::AddDaemonFlags(app, &daemon_flags);
  app.add_option("--workers", workers, "Request worker threads (default 32)")->check(CLI::Range(1, 256));
  bool join = false;
  app.add_flag("--join", join,
               "Join a running cluster (ddb-cluster apply): a new node's catalog replica waits to be "
               "added instead of founding the catalog group");
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

  ddb::cmd::Daemon daemon(kProgram, daemon_flags.detach, daemon_flags.log_file);
  ddb::Status logging = ddb::InitLogging({.program = "ddb-node-" + std::to_string(id),
                                          .level = daemon_flags.log_level, .file = daemon_flags.log_file});
  if (!logging.ok()) return daemon.Fail(logging);

  ddb::node::NodeOptions node_options;
  node_options.id = static_cast<ddb::raft::NodeId>(id);
  node_options.replication = config->replication;
  node_options.region = config->region;
  node_options.dead_after = std::chrono::seconds(config->dead_after_seconds);
  node_options.join = join;
  for (const auto& n : config->nodes) {
    node_options.addresses[static_cast<ddb::raft::NodeId>(n.id)] = n.address;
  }
  ddb::Result<std::unique_ptr<ddb::node::Node>> node =
      ddb::node::Node::Open(self->data_dir, node_options);
  if (!node.ok()) return daemon.Fail(node.status());
  ddb::net::Server server(
      [n = node->get()](const ddb::proto::RequestEnvelope& r) { return n->Handle(r); }, workers);
  // Raft messages between nodes skip the worker pool: they must never wait behind requests
  // that are themselves waiting for Raft.
  server.SetInline(std::string(ddb::replication::kRaftOperation),
                   [n = node->get()](const ddb::proto::RequestEnvelope& r) { (void)n->Handle(r); });
  server.SetFastPath([n = node->get()](const ddb::proto::RequestEnvelope& r,
                                       ddb::net::Server::Respond respond) {
    return n->HandleFast(r, respond);
  });
  ddb::Result<std::string> bound = server.Start(self->address);
  if (!bound.ok()) return daemon.Fail(bound.status());
  spdlog::info("node {} serving on {} with data in {}", id, *bound, self->data_dir);
  if (ddb::Status ready = daemon.Ready(daemon_flags.pid_file); !ready.ok()) return daemon.Fail(ready);

  int signal_number = daemon.WaitForStop();
  spdlog::info("node {} stopping on signal {}", id, signal_number);
  server.Stop();
  node->reset();
  spdlog::info("node {} stopped", id);
  return ddb::cmd::kExitOk;
}
