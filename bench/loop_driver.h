// LoopDriver: drives N client connections to a ddb node from one thread, as wrk drives its
// HTTP connections: every connection keeps one request in flight, and the thread waits on all
// of them at once (epoll on their ZMQ_FDs), sending a connection's next request as soon as its
// answer is in. A load generator built this way costs the machine it shares with the node far less CPU
// per request than one blocked thread per connection (no thread to wake per answer).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "bench/bench_util.h"
#include "bench/zmq_fd_poller.h"
#include "libddb/net/client.h"
#include "libddb/proto/codec.h"

namespace ddb::bench {

// The next request of connection `c` (its `i`th): the operation and its JSON body.
using NextRequest = std::function<void(int c, int64_t i, std::string* operation, std::string* body)>;

// Runs `connections` connections to `address` for `seconds`; a request answered with an error
// (or not at all within 10 s) counts in Figures::errors.
inline Figures RunLoop(const std::string& address, int connections, double seconds, const NextRequest& next) {
  using Clock = std::chrono::steady_clock;
  zmq::context_t context(1);
  struct Conn {
    zmq::socket_t socket;
    int64_t sent = 0;
    uint64_t id = 0;
    Clock::time_point t0;
  };
  std::vector<Conn> conns;
  conns.reserve(static_cast<size_t>(connections));
  for (int c = 0; c < connections; ++c) {
    conns.push_back(Conn{zmq::socket_t(context, zmq::socket_type::dealer), 0, 0, {}});
    conns.back().socket.set(zmq::sockopt::linger, 0);
    conns.back().socket.connect(address);
  }
  std::vector<double> latencies;
  latencies.reserve(1 << 20);
  int64_t errors = 0;
  uint64_t next_id = 1;
  proto::RequestEnvelope request;
  auto send = [&](int c) {
    Conn& conn = conns[static_cast<size_t>(c)];
    next(c, conn.sent++, &request.operation, &request.body);
    request.id = conn.id = next_id++;
    conn.t0 = Clock::now();
    request.deadline_unix_micros = net::UnixMicrosAt(conn.t0 + std::chrono::seconds(10));
    const std::string frame = proto::EncodeRequest(request);
    conn.socket.send(zmq::message_t(), zmq::send_flags::sndmore);
    conn.socket.send(zmq::buffer(frame), zmq::send_flags::none);
  };
  // The thread waits on the sockets' ZMQ_FDs (ZmqFdPoller) and reads only those that fired:
  // zmq::poll cost 8 of ddb-bench's 17 us of CPU per put. Every 100 ms it looks at every
  // socket anyway (a signal a send took, an answer lost).
  ZmqFdPoller poller;
  for (int c = 0; c < connections; ++c) poller.Add(conns[static_cast<size_t>(c)].socket, static_cast<uint32_t>(c));
  const double process0 = ProcessCpuSeconds(), machine0 = MachineBusySeconds();
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (int c = 0; c < connections; ++c) send(c);
  int in_flight = connections;
  bool stopping = false;
  // Takes every answer waiting on connection c, sending its next request after each.
  auto drain = [&](int c) {
    Conn& conn = conns[static_cast<size_t>(c)];
    zmq::message_t delimiter, body;
    while (conn.socket.recv(delimiter, zmq::recv_flags::dontwait)) {
      if (!delimiter.more() || !conn.socket.recv(body, zmq::recv_flags::none)) continue;
      auto response = proto::DecodeResponse(std::string_view(static_cast<const char*>(body.data()), body.size()));
      if (!response.ok() || response->id != conn.id) continue;
      if (!response->status.ok()) ++errors;
      latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - conn.t0).count());
      conn.id = 0;
      if (stopping) {
        --in_flight;
      } else {
        send(c);
      }
    }
  };
  auto swept = start;
  while (in_flight > 0) {
    const std::vector<uint32_t> fired = poller.Wait(100);
    if (Clock::now() >= end) stopping = true;
    for (uint32_t c : fired) drain(static_cast<int>(c));
    const auto now = Clock::now();
    if (now - swept < std::chrono::milliseconds(100)) continue;
    swept = now;
    for (int c = 0; c < connections; ++c) {
      drain(c);
      Conn& conn = conns[static_cast<size_t>(c)];
      if (conn.id != 0 && now - conn.t0 > std::chrono::seconds(10)) {  // lost: give up on it
        ++errors;
        conn.id = 0;
        --in_flight;
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return Summarize(latencies, elapsed, errors, ProcessCpuSeconds() - process0, MachineBusySeconds() - machine0);
}

}  // namespace ddb::bench
