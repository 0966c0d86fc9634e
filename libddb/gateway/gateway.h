// Gateway: DynamoDB's HTTP JSON 1.0 API in front of a ddb cluster (DESIGN.md section 1).
//
// Handle() turns one HTTP request into one call on the cluster, through the same wire
// protocol and retry policy the ddb-* commands use (section 7), and the answer into the HTTP
// response DynamoDB would give: POST / with X-Amz-Target "DynamoDB_20120810.<Operation>",
// bodies in application/x-amz-json-1.0, errors as {"__type": "<namespace>#<Name>",
// "message": "..."} with DynamoDB's status codes, x-amzn-RequestId and x-amz-crc32 on every
// response. Requests must carry a valid SigV4 signature by a key of the cluster file; gzip
// request bodies are inflated. GET / is a health check.
//
// It never blocks: it runs on the HTTP server's I/O thread (http::Server::Start), and
// the call goes out through a client::AsyncSession that the same thread polls (events()); the
// answer comes back through the server's Respond callback.
//
// Thread-safety: all methods on the one thread that runs the event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libddb/cluster/cluster_config.h"
#include "libddb/core/status.h"
#include "libddb/http/request.h"
#include "libddb/http/server.h"
#include "libddb/client/async_session.h"

namespace ddb::gateway {

// The target prefix of DynamoDB's JSON API version.
inline constexpr std::string_view kTargetPrefix = "DynamoDB_20120810.";

struct GatewayOptions {
  // Wall clock in Unix seconds, for signature expiry; tests replace it.
  std::function<int64_t()> now_unix_seconds;
};

class Gateway {
 public:
  explicit Gateway(cluster::ClusterConfig config, GatewayOptions options = {});
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Connects the asynchronous client to the cluster's nodes. REQUIRES: before Handle
  // passes a request on to the cluster (requests answered by the gateway itself, such as
  // signature errors, need no connection).
  Status Connect();
  void Handle(http::Request& request, http::Server::Respond respond);
  // What the event loop must watch for Handle's calls (http::Server::Start).
  http::Server::EventSource events();

 private:
  // Everything before the call on the cluster: the health check, the signature, the target,
  // the body's encoding. Returns the response if the request is answered here; otherwise
  // sets *operation and *body (the body inflated).
  std::optional<http::Response> Prepare(http::Request& request, std::string* operation,
                                        std::string* body);
  // The response for the cluster's answer.
  static http::Response Answer(Result<std::string> result, const std::string& error_item);

  const cluster::ClusterConfig config_;
  const GatewayOptions options_;
  std::unique_ptr<client::AsyncSession> async_;
};

// The "__type" DynamoDB puts in an error body: the exception's name behind the namespace
// DynamoDB uses for it ("com.amazon.coral.validate#ValidationException", ...).
std::string ErrorType(const Status& status);

// An error response as DynamoDB sends it. `item` (DynamoDB JSON, may be empty) is added as
// "Item" for a ConditionalCheckFailedException with ReturnValuesOnConditionCheckFailure.
http::Response ErrorResponse(const Status& status, std::string_view item = {});

// Adds the headers every DynamoDB response carries (request id, CRC-32 of the body, content
// type, date) to `response`.
void FinishResponse(http::Response* response);

// Inflates a gzip body. SerializationException if it is not gzip; ValidationException past
// `max_bytes` inflated.
Result<std::string> Gunzip(std::string_view data, size_t max_bytes);

// The table a single-partition item request (PutItem, UpdateItem, DeleteItem, GetItem, Query)
// names (its body's first "TableName" with a string value), for AsyncSession's affinity: the
// table's calls go to the node that last served one, which is the table's leader once a write
// has gone through. Empty for other operations (a Scan or a batch may span partitions led by
// different nodes) or when not found. A hint only: a wrong one costs the node a forward.
std::string TableAffinity(std::string_view operation, std::string_view body);

}  // namespace ddb::gateway
