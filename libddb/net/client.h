// Client: sends requests to a ddb node over ZeroMQ and waits for their responses.
//
// Every call has a deadline, carried in the request so that the node can skip work nobody
// waits for. Retryable errors (throttling, InternalServerError, ServiceUnavailable) are
// retried with jittered exponential backoff until the deadline; a node that does not answer
// in time yields ServiceUnavailable. A timed-out request may still have been applied.
//
// Thread-safety: not thread-safe (one ZeroMQ socket); use one Client per thread. All Clients
// of a process share one ZeroMQ context (one I/O thread).
#pragma once

#include <chrono>
#include <memory>
#include <random>
#include <string>

#include <zmq.hpp>

#include "libddb/core/result.h"
#include "libddb/proto/codec.h"

namespace ddb::net {

// The wall-clock time (Unix microseconds) of a steady-clock instant: a request's deadline.
uint64_t UnixMicrosAt(std::chrono::steady_clock::time_point when);

struct CallOptions {
  std::chrono::milliseconds timeout{10000};  // whole call, retries included
  int max_attempts = 12;  // backoff doubles from 25 ms to at most 1 s between attempts
};

class Client {
 public:
  // Connects (lazily, as ZeroMQ does) to the node at `address`.
  static Result<std::unique_ptr<Client>> Connect(const std::string& address);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `operation` with its DynamoDB JSON `body`; returns the response body, or the
  // error the node answered with. With a ConditionalCheckFailedException that carries the
  // item (ReturnValuesOnConditionCheckFailure=ALL_OLD), sets *error_item (if given) to it.
  Result<std::string> Call(const std::string& operation, const std::string& body,
                           const CallOptions& options = {}, std::string* error_item = nullptr);
  // One attempt with a complete envelope (its id is replaced), answered by the node's whole
  // response envelope; ServiceUnavailable if no answer came before `deadline`, with `*sent`
  // (if given) telling whether the request left (false: no connection, it surely did not
  // run). For a node forwarding a request to another.
  Result<proto::ResponseEnvelope> Roundtrip(proto::RequestEnvelope request,
                                            std::chrono::steady_clock::time_point deadline,
                                            bool* sent = nullptr);

 private:
  Client(std::string address);
  Status Reconnect();
  Result<proto::ResponseEnvelope> Attempt(const proto::RequestEnvelope& request,
                                          std::chrono::steady_clock::time_point deadline,
                                          bool* sent = nullptr);

  const std::string address_;
  std::unique_ptr<zmq::socket_t> socket_;
  uint64_t next_id_;
  std::mt19937_64 rng_;
};

}  // namespace ddb::net
