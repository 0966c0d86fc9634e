// Server: an HTTP/1.1 server for the gateway, built for many keep-alive connections.
//
// One I/O thread does everything: it accepts connections, reads and frames requests with
// RequestParser, runs the handler, and writes responses, all through epoll, so an idle or slow
// connection costs a buffer and no thread. The handler must not block: it answers through a
// Respond callback, at once or later from an EventSource the I/O thread also waits on (the
// gateway's cluster connections). A connection has at most one request in flight, so
// pipelined requests are answered in order, and none is read while an answer waits to be sent.
//
// Thread-safety: Start and Stop from one thread; the handler, its Respond callbacks and the
// EventSource run on the I/O thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "libddb/core/result.h"
#include "libddb/http/parser.h"
#include "libddb/http/request.h"

namespace ddb::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:8000";  // HOST:PORT; port 0 picks a free port
  int idle_timeout_seconds = 300;          // a keep-alive connection idle this long is closed
  size_t max_connections = 10000;          // beyond this, new connections are closed at once
  ParserLimits limits;
};

class Server {
 public:
  // Answers the request it was made for; call exactly once, on the I/O thread.
  using Respond = std::function<void(Response response)>;
  using Handler = std::function<void(Request& request, Respond respond)>;
  // Something else the I/O thread waits on: `on_event` runs when one of `fds` is readable
  // (edge-triggered: it must consume what signalled) and when `next_timeout_ms` (-1: none)
  // has passed.
  struct EventSource {
    std::vector<int> fds;
    std::function<void()> on_event;
    std::function<int()> next_timeout_ms;
  };

  // Binds, listens and starts the I/O thread. Errors: ValidationException for a bad address,
  // InternalServerError naming the system call that failed (a port in use, ...).
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options, Handler handler,
                                               EventSource source = {});

  ~Server();  // Stops if still running.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port the server listens on (useful with port 0).
  int port() const { return port_; }

  // Stops accepting, closes every connection and joins the I/O thread. Answers still to come
  // are dropped. Idempotent.
  void Stop();

 private:
  struct Connection;

  Server(const ServerOptions& options, Handler handler, EventSource source);
  // Hands a serialized response to its connection.
  void Deliver(uint64_t connection_id, std::string bytes, bool keep_alive);

  void IoLoop();
  void Accept();
  void OnReadable(Connection* c);
  void OnWritable(Connection* c);
  // Parses what `c` has buffered; dispatches a complete request or answers a framing error.
  void ProcessInput(Connection* c);
  void QueueOutput(Connection* c, std::string bytes, bool keep_alive);
  void AppendOutput(Connection* c, std::string bytes, bool keep_alive);
  void Close(Connection* c);
  void CloseIdle();
  void SetWriteInterest(Connection* c, bool want_write);

  const ServerOptions options_;
  const Handler handler_;
  const EventSource source_;
  uint64_t dispatching_ = 0;  // the connection whose request the handler is running
  bool accept_paused_ = false;  // out of descriptors: the listening socket is out of epoll
  std::chrono::steady_clock::time_point accept_resume_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: stop
  int port_ = 0;
  std::atomic<bool> stopping_{false};

  // Owned by the I/O thread.
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  uint64_t next_connection_id_ = 1;

  std::thread io_thread_;
};

// Serializes `response` as HTTP/1.1 bytes, adding Content-Length and Connection.
std::string SerializeResponse(const Response& response, bool keep_alive);

}  // namespace ddb::http
