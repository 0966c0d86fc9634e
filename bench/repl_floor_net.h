// The connections of bench/repl_floor (not ddb): the leader's, a follower's and the clients',
// over plain TCP (length-prefixed frames, epoll) or ZeroMQ (one frame a message, as ddb sends
// them). Header-only, for that one program; every object is used by one thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "bench/zmq_fd_poller.h"

namespace ddb::bench::floor {

[[noreturn]] inline void Die(const char* what) {
  std::perror(what);
  std::_Exit(1);
}

inline void PutU32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }
inline void PutU64(std::string* out, uint64_t v) { out->append(reinterpret_cast<const char*>(&v), 8); }
inline uint32_t GetU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t GetU64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline int Listen(uint16_t* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 128) != 0) Die("listen");
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

inline void NoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

inline int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) Die("connect");
  NoDelay(fd);
  return fd;
}

// Sends all of `data`. A node whose peer has gone (the run is over: the parent kills the nodes
// and closes its connections) exits quietly.
inline void SendAll(int fd, const std::string& data, bool client = false) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (client) Die("send");
      std::_Exit(0);
    }
    off += static_cast<size_t>(n);
  }
}

// Reads what the socket holds into `buf`; false once the peer has gone.
inline bool ReadAvailable(int fd, std::string* buf, bool block) {
  char tmp[65536];
  for (;;) {
    ssize_t n = recv(fd, tmp, sizeof(tmp), block ? 0 : MSG_DONTWAIT);
    if (n > 0) {
      buf->append(tmp, static_cast<size_t>(n));
      block = false;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    return false;
  }
}

// Takes the complete frames ([u32 length][payload]) at the front of `buf`.
template <typename Fn>
void TakeFrames(std::string* buf, Fn fn) {
  size_t off = 0;
  while (buf->size() - off >= 4) {
    uint32_t len = GetU32(buf->data() + off);
    if (buf->size() - off - 4 < len) break;
    fn(std::string_view(buf->data() + off + 4, len));
    off += 4 + len;
  }
  buf->erase(0, off);
}

// ---- Transports. The floor runs over plain TCP (its own framing, epoll) or over ZeroMQ
// (what ddb uses: a ROUTER socket for clients and followers, a DEALER per connection, one
// frame a message), so that ZeroMQ's share of ddb's cost can be told apart.

// A put waiting for its answer: the client (a socket, or a ZeroMQ routing id) and its id.
struct Waiting {
  std::string client;
  uint64_t id;
};

// The leader's connections. Poll waits until something arrives or `wake` is readable, then
// hands every whole put to on_put and every acknowledgement to on_ack.
class LeaderNet {
 public:
  using OnPut = std::function<void(std::string client, uint64_t id, std::string_view value)>;
  using OnAck = std::function<void(size_t follower, uint64_t seq)>;
  virtual ~LeaderNet() = default;
  virtual void Poll(int wake, const OnPut& on_put, const OnAck& on_ack) = 0;
  virtual size_t Followers() const = 0;
  // `frame` is [u64 seq][batch body].
  virtual void SendToFollowers(const std::string& frame) = 0;
  // Answers the puts `ids` of one client.
  virtual void Answer(const std::string& client, const std::vector<uint64_t>& ids) = 0;
};

// A follower's connection to its leader.
class FollowerNet {
 public:
  virtual ~FollowerNet() = default;
  // Waits for batch frames ([u64 seq][body] each) or for `wake` to be readable (a sync
  // done); every frame that has arrived.
  virtual std::vector<std::string> Receive(int wake) = 0;
  virtual void Ack(uint64_t seq) = 0;
};

// The clients' connections, all driven from the calling thread.
class ClientNet {
 public:
  virtual ~ClientNet() = default;
  virtual void Send(size_t client, uint64_t id, const std::string& value) = 0;
  // Waits up to 100 ms; the clients that got their answer.
  virtual std::vector<size_t> Answered() = 0;
};

class TcpLeaderNet : public LeaderNet {
 public:
  TcpLeaderNet(int client_listen, const std::vector<std::string>& followers) : listen_(client_listen) {
    ep_ = epoll_create1(0);
    Watch(listen_);
    for (const std::string& f : followers) {
      followers_.push_back(Connect(static_cast<uint16_t>(std::stoi(f))));
      Watch(followers_.back());
    }
  }
  void Poll(int wake, const OnPut& on_put, const OnAck& on_ack) override {
    if (!wake_watched_) {
      Watch(wake);
      wake_watched_ = true;
    }
    epoll_event events[64];
    int n = epoll_wait(ep_, events, 64, -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_) {
        int c = accept(listen_, nullptr, nullptr);
        NoDelay(c);
        Watch(c);
        continue;
      }
      if (fd == wake) {
        uint64_t v;
        if (read(wake, &v, sizeof(v)) < 0 && errno != EAGAIN) Die("eventfd");
        continue;
      }
      std::string& buf = inbuf_[fd];
      auto follower = std::find(followers_.begin(), followers_.end(), fd);
      if (!ReadAvailable(fd, &buf, false)) {
        if (follower != followers_.end()) std::_Exit(0);
        epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        continue;
      }
      TakeFrames(&buf, [&](std::string_view f) {
        if (follower != followers_.end()) {
          on_ack(static_cast<size_t>(follower - followers_.begin()), GetU64(f.data()));
        } else {
          on_put(std::to_string(fd), GetU64(f.data()), f.substr(8));
        }
      });
    }
  }
  size_t Followers() const override { return followers_.size(); }
  void SendToFollowers(const std::string& frame) override {
    std::string out;
    PutU32(&out, static_cast<uint32_t>(frame.size()));
    out.append(frame);
    for (int f : followers_) SendAll(f, out);
  }
  void Answer(const std::string& client, const std::vector<uint64_t>& ids) override {
    std::string out;
    for (uint64_t id : ids) {
      PutU32(&out, 8);
      PutU64(&out, id);
    }
    SendAll(std::stoi(client), out);
  }

 private:
  void Watch(int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  }
  const int listen_;
  int ep_ = -1;
  bool wake_watched_ = false;
  std::vector<int> followers_;
  std::map<int, std::string> inbuf_;  // by socket: unread bytes
};

class TcpFollowerNet : public FollowerNet {
 public:
  explicit TcpFollowerNet(int listen_fd) : fd_(accept(listen_fd, nullptr, nullptr)) { NoDelay(fd_); }
  std::vector<std::string> Receive(int wake) override {
    pollfd fds[] = {{fd_, POLLIN, 0}, {wake, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) Die("poll");
    std::vector<std::string> frames;
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      if (!ReadAvailable(fd_, &buf_, /*block=*/false)) std::_Exit(0);
      TakeFrames(&buf_, [&](std::string_view f) { frames.emplace_back(f); });
    }
    return frames;
  }
  void Ack(uint64_t seq) override {
    std::string ack;
    PutU32(&ack, 8);
    PutU64(&ack, seq);
    SendAll(fd_, ack);
  }

 private:
  const int fd_;
  std::string buf_;
};

class TcpClientNet : public ClientNet {
 public:
  TcpClientNet(const std::string& leader, int clients) : ep_(epoll_create1(0)) {
    for (int c = 0; c < clients; ++c) {
      fds_.push_back(Connect(static_cast<uint16_t>(std::stoi(leader))));
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = static_cast<uint64_t>(c);
      epoll_ctl(ep_, EPOLL_CTL_ADD, fds_.back(), &ev);
    }
    bufs_.resize(fds_.size());
  }
  void Send(size_t client, uint64_t id, const std::string& value) override {
    std::string req;
    PutU32(&req, static_cast<uint32_t>(8 + value.size()));
    PutU64(&req, id);
    req.append(value);
    SendAll(fds_[client], req, /*client=*/true);
  }
  std::vector<size_t> Answered() override {
    std::vector<size_t> done;
    epoll_event events[64];
    int n = epoll_wait(ep_, events, 64, 100);
    for (int i = 0; i < n; ++i) {
      const size_t c = events[i].data.u64;
      if (!ReadAvailable(fds_[c], &bufs_[c], false)) Die("leader went away");
      size_t answers = 0;
      TakeFrames(&bufs_[c], [&](std::string_view) { ++answers; });
      if (answers > 0) done.push_back(c);
    }
    return done;
  }

 private:
  const int ep_;
  std::vector<int> fds_;
  std::vector<std::string> bufs_;
};

// ZeroMQ: the leader's ROUTER takes the clients; a DEALER per follower reaches the
// follower's ROUTER. A message is one frame ([u64 id][value], [u64 id], [u64 seq][body],
// [u64 seq]) after ROUTER's routing id.
inline std::string Endpoint(const std::string& port) { return "tcp://127.0.0.1:" + port; }

inline bool RecvFrames(zmq::socket_t& s, std::vector<zmq::message_t>* parts, bool wait) {
  parts->clear();
  do {
    parts->emplace_back();
    auto got = s.recv(parts->back(), parts->size() == 1 && !wait ? zmq::recv_flags::dontwait : zmq::recv_flags::none);
    if (!got) {
      parts->pop_back();
      return false;
    }
  } while (parts->back().more());
  return true;
}

class ZmqLeaderNet : public LeaderNet {
 public:
  ZmqLeaderNet(const std::string& port, const std::vector<std::string>& followers, int io_threads)
      : context_(io_threads), router_(context_, zmq::socket_type::router) {
    router_.set(zmq::sockopt::linger, 0);
    router_.bind(Endpoint(port));
    for (const std::string& f : followers) {
      followers_.emplace_back(context_, zmq::socket_type::dealer);
      followers_.back().set(zmq::sockopt::linger, 0);
      followers_.back().connect(Endpoint(f));
    }
  }
  void Poll(int wake, const OnPut& on_put, const OnAck& on_ack) override {
    std::vector<zmq::pollitem_t> items{{static_cast<void*>(router_), 0, ZMQ_POLLIN, 0},
                                       {nullptr, wake, ZMQ_POLLIN, 0}};
    for (auto& f : followers_) items.push_back({static_cast<void*>(f), 0, ZMQ_POLLIN, 0});
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(-1));
    if ((items[1].revents & ZMQ_POLLIN) != 0) {
      uint64_t v;
      if (read(wake, &v, sizeof(v)) < 0 && errno != EAGAIN) Die("eventfd");
    }
    std::vector<zmq::message_t> parts;
    while (RecvFrames(router_, &parts, false)) {
      if (parts.size() != 2) continue;
      on_put(parts[0].to_string(), GetU64(parts[1].data<char>()), std::string_view(parts[1].data<char>() + 8, parts[1].size() - 8));
    }
    for (size_t f = 0; f < followers_.size(); ++f) {
      while (RecvFrames(followers_[f], &parts, false)) on_ack(f, GetU64(parts[0].data<char>()));
    }
  }
  size_t Followers() const override { return followers_.size(); }
  void SendToFollowers(const std::string& frame) override {
    for (auto& f : followers_) f.send(zmq::buffer(frame), zmq::send_flags::none);
  }
  void Answer(const std::string& client, const std::vector<uint64_t>& ids) override {
    for (uint64_t id : ids) {
      router_.send(zmq::buffer(client), zmq::send_flags::sndmore);
      router_.send(zmq::buffer(&id, 8), zmq::send_flags::none);
    }
  }

 private:
  zmq::context_t context_;
  zmq::socket_t router_;
  std::vector<zmq::socket_t> followers_;
};

class ZmqFollowerNet : public FollowerNet {
 public:
  ZmqFollowerNet(const std::string& port, int io_threads)
      : context_(io_threads), router_(context_, zmq::socket_type::router) {
    router_.set(zmq::sockopt::linger, 0);
    router_.bind(Endpoint(port));
  }
  std::vector<std::string> Receive(int wake) override {
    zmq::pollitem_t items[] = {{static_cast<void*>(router_), 0, ZMQ_POLLIN, 0}, {nullptr, wake, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(-1));
    std::vector<std::string> frames;
    std::vector<zmq::message_t> parts;
    while (RecvFrames(router_, &parts, false)) {
      if (parts.size() != 2) continue;
      route_ = parts[0].to_string();
      frames.push_back(parts[1].to_string());
    }
    return frames;
  }
  void Ack(uint64_t seq) override {
    router_.send(zmq::buffer(route_), zmq::send_flags::sndmore);
    router_.send(zmq::buffer(&seq, 8), zmq::send_flags::none);
  }

 private:
  zmq::context_t context_;
  zmq::socket_t router_;
  std::string route_;
};

class ZmqClientNet : public ClientNet {
 public:
  ZmqClientNet(const std::string& leader, int clients, int io_threads) : context_(io_threads) {
    sockets_.reserve(static_cast<size_t>(clients));
    for (int c = 0; c < clients; ++c) {
      sockets_.emplace_back(context_, zmq::socket_type::dealer);
      sockets_.back().set(zmq::sockopt::linger, 0);
      sockets_.back().connect(Endpoint(leader));
      poller_.Add(sockets_.back(), static_cast<uint32_t>(c));  // as ddb-bench's loop driver
    }
  }
  void Send(size_t client, uint64_t id, const std::string& value) override {
    std::string req;
    PutU64(&req, id);
    req.append(value);
    sockets_[client].send(zmq::buffer(req), zmq::send_flags::none);
  }
  std::vector<size_t> Answered() override {
    std::vector<size_t> ready;
    for (uint32_t c : poller_.Wait(100)) ready.push_back(c);
    if (ready.empty()) {  // quiet: look at every socket (a signal a send took)
      for (size_t c = 0; c < sockets_.size(); ++c) ready.push_back(c);
    }
    std::vector<size_t> done;
    std::vector<zmq::message_t> parts;
    for (size_t c : ready) {
      bool any = false;
      while (RecvFrames(sockets_[c], &parts, false)) any = true;
      if (any) done.push_back(c);
    }
    return done;
  }

 private:
  zmq::context_t context_;
  std::vector<zmq::socket_t> sockets_;
  ZmqFdPoller poller_;  // declared after sockets_: destroyed before them
};

}  // namespace ddb::bench::floor
