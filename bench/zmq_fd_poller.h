// ZmqFdPoller: waits on ZeroMQ sockets with epoll on their ZMQ_FDs, edge-triggered, and says
// which fired, so that a load generator reads only those (zmq::poll asks every socket for
// its events, a system call each, on every wake-up). ZMQ_FD is edge-like: a socket that fired
// must be read until it has nothing more, and a send may take the signal of what waits, so
// callers look at every socket now and then anyway.
#pragma once

#include <sys/epoll.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include <zmq.hpp>

namespace ddb::bench {

class ZmqFdPoller {
 public:
  ZmqFdPoller() : epoll_(epoll_create1(EPOLL_CLOEXEC)) {}
  ~ZmqFdPoller() { close(epoll_); }
  ZmqFdPoller(const ZmqFdPoller&) = delete;
  ZmqFdPoller& operator=(const ZmqFdPoller&) = delete;

  // Watches `socket` under `index`. REQUIRES: the socket outlives this poller.
  void Add(zmq::socket_t& socket, uint32_t index) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u32 = index;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, socket.get(zmq::sockopt::fd), &ev);
    ++watched_;
  }
  // Waits up to `timeout_ms`; the indexes of the sockets that fired (none: it timed out).
  std::vector<uint32_t> Wait(int timeout_ms) {
    std::vector<epoll_event> events(watched_ > 0 ? watched_ : 1);
    const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout_ms);
    std::vector<uint32_t> fired;
    for (int e = 0; e < n; ++e) fired.push_back(events[static_cast<size_t>(e)].data.u32);
    return fired;
  }

 private:
  const int epoll_;
  size_t watched_ = 0;
};

}  // namespace ddb::bench
