// ddb-gateway: DynamoDB's HTTP JSON API for a ddb cluster (DESIGN.md section 1). Wiring only:
// flags, the cluster file, logging, detaching, signals; the protocol is libddb/gateway, the
// HTTP server libddb/http. See man/ddb-gateway.1.
#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include "cmd/common/command.h"
#include "cmd/common/daemon.h"
#include "libddb/cluster/cluster_config.h"
#include "libddb/core/logging.h"
#include "libddb/gateway/gateway.h"
#include "libddb/http/server.h"

namespace {

constexpr const char* kProgram = "ddb-gateway";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Serve DynamoDB's HTTP API (the aws CLI, the SDKs) for a ddb cluster.", kProgram);
  app.set_version_flag("--version", "ddb-gateway 0.1.0");
  std::string cluster_flag, listen;
  app.add_option("--cluster", cluster_flag, "Cluster file (default: $DDB_CLUSTER, else ./.ddb/cluster.toml)");
  app.add_option("--listen", listen, "HOST:PORT to serve on (default: the cluster file's gateway.listen, else 127.0.0.1:8000)");
  ddb::cmd::DaemonFlags daemon_flags;
  ddb::cmd::AddDaemonFlags(app, &daemon_flags);
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;

  const std::string cluster_path = ddb::cluster::ResolveClusterPath(cluster_flag);
  ddb::Result<ddb::cluster::ClusterConfig> config = ddb::cluster::LoadClusterFile(cluster_path);
  if (!config.ok()) {
    ddb::cmd::PrintError(kProgram, config.status());
    return ddb::cmd::kExitError;
  }
  if (listen.empty()) listen = config->gateway_listen;

  ddb::cmd::Daemon daemon(kProgram, daemon_flags.detach, daemon_flags.log_file);
  ddb::Status logging = ddb::InitLogging(
      {.program = kProgram, .level = daemon_flags.log_level, .file = daemon_flags.log_file});
  if (!logging.ok()) return daemon.Fail(logging);
  // Every client connection is a descriptor: allow as many as the system lets this process.
  if (rlimit limit{}; getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (config->access_keys.empty()) {
    spdlog::warn("{} lists no [[access_key]]: every request will be refused", cluster_path);
  }

  // One thread serves every connection and every call on the cluster (Handle).
  ddb::gateway::Gateway gateway(*config);
  if (ddb::Status s = gateway.Connect(); !s.ok()) return daemon.Fail(s);
  ddb::http::ServerOptions options;
  options.listen = listen;
  auto server = ddb::http::Server::Start(
      options,
      [&gateway](ddb::http::Request& r, ddb::http::Server::Respond respond) {
        gateway.Handle(r, std::move(respond));
      },
      gateway.events());
  if (!server.ok()) return daemon.Fail(server.status());
  spdlog::info("gateway serving DynamoDB's API on {} for {}", listen, cluster_path);
  if (ddb::Status ready = daemon.Ready(daemon_flags.pid_file); !ready.ok()) return daemon.Fail(ready);

  int signal_number = daemon.WaitForStop();
  spdlog::info("gateway stopping on signal {}", signal_number);
  (*server)->Stop();
  spdlog::info("gateway stopped");
  return ddb::cmd::kExitOk;
}
