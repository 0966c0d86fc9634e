// Server: answers requests arriving on a ZeroMQ ROUTER socket with a pool of worker threads.
//
// Each request is one frame (proto/codec.h). A frame that does not decode is answered with a
// SerializationException; a request whose deadline has passed when a worker picks it up is not
// handled (its client has given up) and is answered ServiceUnavailable. Handlers run
// concurrently on the workers.
//
// Thread-safety: Start() and Stop() from one thread; the handler is called from several.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "libddb/core/result.h"
#include "libddb/proto/codec.h"

namespace ddb::net {

// Computes the response to one request. Must be thread-safe.
using Handler = std::function<proto::ResponseEnvelope(const proto::RequestEnvelope&)>;

class Server {
 public:
  Server(Handler handler, int workers);
  ~Server();  // stops the server
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Requests for `operation` are one-way and quick: `handler` runs on the receiving thread
  // itself and nothing is answered, so they never wait behind busy workers (Raft messages).
  // REQUIRES: before Start().
  void SetInline(std::string operation, std::function<void(const proto::RequestEnvelope&)> handler);

  // A fast path: `handler` sees every other request on the receiving thread first and answers
  // those it can answer at once without blocking (it returns the response); the rest go to the
  // workers. Saves two thread hand-offs per answered request. REQUIRES: before Start().
  using FastHandler = std::function<std::optional<proto::ResponseEnvelope>(const proto::RequestEnvelope&)>;
  void SetFastPath(FastHandler handler);

  // Binds `address` ("tcp://127.0.0.1:7001", or port "*" for any free one) and starts
  // serving. Returns the address actually bound.
  Result<std::string> Start(const std::string& address);
  // Stops accepting, lets workers finish their current request, joins the threads.
  void Stop();

 private:
  void Proxy();
  void Work();

  const Handler handler_;
  const int workers_;
  zmq::context_t context_;
  std::unique_ptr<zmq::socket_t> frontend_;  // ROUTER, clients connect here
  std::unique_ptr<zmq::socket_t> backend_;   // DEALER, inproc to the workers
  std::string backend_address_;
  std::thread proxy_;
  std::vector<std::thread> threads_;
  bool running_ = false;
  std::string inline_operation_;
  std::function<void(const proto::RequestEnvelope&)> inline_handler_;
  FastHandler fast_handler_;
};

}  // namespace ddb::net
