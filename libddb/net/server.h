// Server: answers requests arriving on a ZeroMQ ROUTER socket with a pool of worker threads.
//
// Each request is one frame (proto/codec.h). A frame that does not decode is answered with a
// SerializationException; a request whose deadline has passed when a worker picks it up is not
// handled (its client has given up) and is answered ServiceUnavailable. Handlers run
// concurrently on the workers. Optionally, an inline operation and a fast path run on the
// receiving (proxy) thread itself; the fast path may answer later from any thread through
// an outbox the proxy drains (SetFastPath).
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

  // Answers one request. Call it exactly once, from any thread, at any time (after Stop()
  // the answer is dropped). Cheap to copy.
  using Respond = std::function<void(proto::ResponseEnvelope)>;
  // A fast path: `handler` sees every other request on the receiving thread first. It takes
  // the requests it can deal with without blocking: it returns true and answers through
  // `respond`, at once (a read of local state) or later from another thread (a write, once it
  // is replicated). It returns false, without calling `respond`, to leave the request to the
  // workers. Saves the hand-offs to and from a worker thread, and a worker blocked while a
  // write replicates. REQUIRES: before Start().
  using FastHandler = std::function<bool(const proto::RequestEnvelope&, Respond respond)>;
  void SetFastPath(FastHandler handler);

  // Binds `address` ("tcp://127.0.0.1:7001", or port "*" for any free one) and starts
  // serving. Returns the address actually bound.
  Result<std::string> Start(const std::string& address);
  // Stops accepting, lets workers finish their current request, joins the threads.
  void Stop();

 private:
  // Answers given through Respond, waiting for the proxy thread to send them.
  struct Outbox;
  void Proxy();
  void Work();
  Respond MakeRespond(std::vector<zmq::message_t> route, uint64_t id);
  void SendAnswered();

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
  std::shared_ptr<Outbox> outbox_;  // shared with every Respond handed out
};

}  // namespace ddb::net
