// Forwarder: passes a request on to another node and brings back its whole response (a node
// that cannot run a request itself, say a follower asked for a write, hands it to the leader).
//
// Keeps idle connections per peer for reuse; one request per connection at a time.
//
// Thread-safety: Forward may be called from many threads at once.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libddb/net/client.h"
#include "libddb/proto/codec.h"
#include "libddb/raft/types.h"

namespace ddb::node {

class Forwarder {
 public:
  explicit Forwarder(std::map<raft::NodeId, std::string> addresses)
      : addresses_(std::move(addresses)) {}

  // Adds or moves nodes (a cluster file applied at run time); idle connections to a moved
  // node are closed. A node left out keeps its address: it may lead a group until it hands
  // over.
  void SetAddresses(const std::map<raft::NodeId, std::string>& addresses);

  // Sends `request` (one more hop) to node `to`, within the request's own deadline (at most
  // 10 s); the response as that node gave it, or ServiceUnavailable if no connection could be
  // made (nothing ran), or InternalServerError if it did not answer (the outcome is unknown).
  proto::ResponseEnvelope Forward(raft::NodeId to, proto::RequestEnvelope request);

 private:
  std::mutex mu_;
  std::map<raft::NodeId, std::string> addresses_;  // GUARDED_BY(mu_)
  std::map<raft::NodeId, std::vector<std::unique_ptr<net::Client>>> idle_;  // GUARDED_BY(mu_)
};

}  // namespace ddb::node
