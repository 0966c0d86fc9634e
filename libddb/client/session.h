// Session: how a command reaches the cluster. Loads the cluster file (--cluster, $DDB_CLUSTER,
// ./.ddb/cluster.toml), talks to one of its nodes over the wire protocol (any node answers any
// request), and moves on to the next node when one does not answer.
//
// Thread-safety: not thread-safe; one Session per thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "libddb/cluster/cluster_config.h"
#include "libddb/core/result.h"
#include "libddb/net/client.h"

namespace ddb::client {

class Session {
 public:
  static Result<std::unique_ptr<Session>> Open(const std::string& cluster_flag);
  // A session over a loaded cluster file that tries the nodes in order from the
  // `first_node`-th (modulo their number), so that many sessions spread over the nodes.
  static std::unique_ptr<Session> Create(cluster::ClusterConfig config, size_t first_node = 0);

  // Sends a DynamoDB operation with its JSON body; the response body, or the node's error.
  // `error_item`: see net::Client::Call.
  Result<std::string> Call(const std::string& operation, const std::string& body,
                           std::string* error_item = nullptr);

  const cluster::ClusterConfig& config() const { return config_; }

 private:
  explicit Session(cluster::ClusterConfig config) : config_(std::move(config)) {}

  cluster::ClusterConfig config_;
  size_t current_ = 0;  // index of the node in use
  std::unique_ptr<net::Client> client_;
};

}  // namespace ddb::client
