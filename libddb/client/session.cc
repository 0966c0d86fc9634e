#include "libddb/client/session.h"

#include <random>

namespace ddb::client {

Result<std::unique_ptr<Session>> Session::Open(const std::string& cluster_flag) {
  DDB_ASSIGN_OR_RETURN(cluster::ClusterConfig config,
                       cluster::LoadClusterFile(cluster::ResolveClusterPath(cluster_flag)));
  // A random first node: sessions spread over the cluster, and a node that is down costs the
  // calls of the sessions that start at it, not of every session.
  return Create(std::move(config), std::random_device{}());
}

std::unique_ptr<Session> Session::Create(cluster::ClusterConfig config, size_t first_node) {
  std::unique_ptr<Session> s(new Session(std::move(config)));
  if (!s->config_.nodes.empty()) s->current_ = first_node % s->config_.nodes.size();
  return s;
}

Result<std::string> Session::Call(const std::string& operation, const std::string& body,
                                  std::string* error_item) {
  Status last;
  for (size_t tried = 0; tried < config_.nodes.size(); ++tried) {
    const cluster::NodeConfig& node = config_.nodes[current_];
    if (client_ == nullptr) {
      DDB_ASSIGN_OR_RETURN(client_, net::Client::Connect(node.address));
    }
    net::CallOptions options;
    options.timeout = std::chrono::milliseconds(tried + 1 < config_.nodes.size() ? 3000 : 10000);
    Result<std::string> r = client_->Call(operation, body, options, error_item);
    if (r.ok() || r.status().code() != Code::kServiceUnavailable) return r;
    last = Status(Code::kServiceUnavailable,
                  "node " + std::to_string(node.id) + " at " + node.address +
                      " does not answer (is the cluster up? try 'ddb-cluster status')");
    client_.reset();
    current_ = (current_ + 1) % config_.nodes.size();
  }
  return last;
}

}  // namespace ddb::client
