// The cluster file (DESIGN.md section 2): one TOML file describing a ddb cluster.
//
//   [cluster]
//   name = "local"
//   replication = 3
//   region = "us-east-1"          # the region in table ARNs (default us-east-1)
//   dead_after = "10m"            # a node silent this long has its replicas re-created
//
//   [[node]]
//   id = 1
//   address = "tcp://127.0.0.1:7101"
//   data_dir = "node1"            # relative paths are relative to the file's directory
//
//   [gateway]
//   listen = "127.0.0.1:8000"     # where ddb-gateway serves DynamoDB's HTTP API
//
//   [backup]
//   target = "file://backups"     # or s3://bucket/prefix with endpoint, region, keys
//
//   [[access_key]]
//   id = "AKIDDDBLOCAL0000001"
//   secret = "..."
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libddb/core/result.h"

namespace ddb::cluster {

// Where ddb-gateway listens unless the cluster file or a flag says otherwise.
inline constexpr std::string_view kDefaultGatewayListen = "127.0.0.1:8000";

struct NodeConfig {
  int id = 0;
  std::string address;   // ZeroMQ endpoint, tcp://host:port
  std::string data_dir;  // absolute once loaded
};

struct AccessKey {
  std::string id;
  std::string secret;
};

struct ClusterConfig {
  std::string name = "local";
  int replication = 1;
  std::string region = "us-east-1";  // in table ARNs; the region clients sign for
  // A node no other node has heard from for this long is dead: its table replicas are
  // re-created on other nodes (when there are nodes without one).
  int64_t dead_after_seconds = 600;
  std::vector<NodeConfig> nodes;
  std::string backup_target;
  std::string gateway_listen = std::string(kDefaultGatewayListen);  // HOST:PORT
  std::vector<AccessKey> access_keys;
  std::string path;  // the file it was loaded from

  // The node with `id`, or null.
  const NodeConfig* FindNode(int id) const;
};

// Parses and validates a cluster file's text. `base_dir` resolves relative paths. Errors are
// ValidationExceptions naming the file, line and what is wrong.
Result<ClusterConfig> ParseClusterToml(std::string_view text, const std::string& file_name,
                                       const std::string& base_dir);
Result<ClusterConfig> LoadClusterFile(const std::string& path);

// "90s", "10m", "2h" in seconds; nullopt if malformed.
std::optional<int64_t> ParseDuration(std::string_view text);
// The shortest such text for `seconds`.
std::string FormatDuration(int64_t seconds);

// The cluster file to use: `flag` if given, else $DDB_CLUSTER, else ./.ddb/cluster.toml.
std::string ResolveClusterPath(const std::string& flag);

// The embedded default: `nodes` loopback nodes under `dir` on ports base_port+1..., the
// gateway at `gateway_listen`.
ClusterConfig DefaultLocalCluster(const std::string& dir, int nodes, int base_port,
                                  const std::string& gateway_listen = std::string(kDefaultGatewayListen));

// TOML text for `config` (paths written relative to `dir` when inside it).
std::string RenderClusterToml(const ClusterConfig& config, const std::string& dir);

}  // namespace ddb::cluster
