#include "libddb/http/server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "libddb/core/thread_name.h"

namespace ddb::http {

namespace {

constexpr uint64_t kListenId = 0;
constexpr uint64_t kWakeId = ~uint64_t{0};
constexpr uint64_t kSourceId = ~uint64_t{0} - 1;

Status SysError(const std::string& what) {
  return Status::Internal(what + ": " + std::strerror(errno));
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

namespace {
// A connection drained after an error answer closes after this long, or this many bytes,
// whichever comes first: a client may finish sending the largest body it may send.
constexpr int64_t kDrainSeconds = 10;
constexpr uint64_t kMaxDrainBytes = 64ull << 20;
}  // namespace

struct Server::Connection {
  uint64_t id = 0;
  int fd = -1;
  RequestParser parser;
  std::string in;
  std::string out;
  size_t out_pos = 0;
  bool busy = false;              // a request is with a worker
  bool close_after_write = false;
  bool continue_sent = false;
  bool want_write = false;        // EPOLLOUT registered
  bool want_read = true;          // EPOLLIN registered
  // Answered a request it could not parse (413, 400...): once the answer is out, the server
  // shuts its side and reads and drops whatever the client still sends, until it closes
  // (lingering close: closing with input unread would reset the connection, and a client
  // still sending its body would fail before it read the answer).
  bool linger = false;
  bool draining = false;
  int64_t drain_started = 0;
  uint64_t drained = 0;
  int64_t last_active = 0;

  explicit Connection(ParserLimits limits) : parser(limits) {}
};

std::string SerializeResponse(const Response& response, bool keep_alive) {
  std::string out;
  out.reserve(160 + response.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += ReasonPhrase(response.status);
  out += "\r\n";
  for (const Header& h : response.headers) {
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  out += "Content-Length: ";
  out += std::to_string(response.body.size());
  out += keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  out += response.body;
  return out;
}

Server::Server(const ServerOptions& options, Handler handler, EventSource source)
    : options_(options), handler_(std::move(handler)), source_(std::move(source)) {}

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Handler handler,
                                              EventSource source) {
  std::unique_ptr<Server> s(new Server(options, std::move(handler), std::move(source)));
  size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == options.listen.size()) {
    return Status::Validation("listen address must look like HOST:PORT, not '" + options.listen + "'");
  }
  std::string host = options.listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string port = options.listen.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Status::Validation("cannot resolve listen address '" + options.listen + "': " + gai_strerror(rc));
  }
  s->listen_fd_ = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->listen_fd_ < 0) {
    freeaddrinfo(found);
    return SysError("socket");
  }
  int one = 1;
  setsockopt(s->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = bind(s->listen_fd_, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  if (rc != 0) return SysError("cannot listen on " + options.listen + ": bind");
  if (listen(s->listen_fd_, 1024) != 0) return SysError("listen");
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  s->port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                               : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  s->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (s->epoll_fd_ < 0) return SysError("epoll_create1");
  s->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s->wake_fd_ < 0) return SysError("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenId;
  epoll_ctl(s->epoll_fd_, EPOLL_CTL_ADD, s->listen_fd_, &ev);
  ev.data.u64 = kWakeId;
  epoll_ctl(s->epoll_fd_, EPOLL_CTL_ADD, s->wake_fd_, &ev);
  for (int fd : s->source_.fds) {
    epoll_event source_ev{};
    source_ev.events = EPOLLIN | EPOLLET;
    source_ev.data.u64 = kSourceId;
    if (epoll_ctl(s->epoll_fd_, EPOLL_CTL_ADD, fd, &source_ev) != 0) return SysError("epoll_ctl");
  }
  s->io_thread_ = std::thread([p = s.get()] {
    SetThreadName("http-io");
    p->IoLoop();
  });
  return s;
}

Server::~Server() { Stop(); }

void Server::Stop() {
  if (stopping_.exchange(true)) return;
  uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof one);
  if (io_thread_.joinable()) io_thread_.join();
  for (auto& [id, c] : connections_) close(c->fd);
  connections_.clear();
  for (int* fd : {&listen_fd_, &epoll_fd_, &wake_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

void Server::IoLoop() {
  std::vector<epoll_event> events(256);
  int64_t last_sweep = NowSeconds();
  while (!stopping_.load()) {
    int timeout = 1000;
    if (accept_paused_) {
      if (std::chrono::steady_clock::now() >= accept_resume_) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = kListenId;
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
        accept_paused_ = false;
      } else {
        timeout = 100;
      }
    }
    if (source_.next_timeout_ms) {
      int t = source_.next_timeout_ms();
      if (t >= 0) timeout = std::min(timeout, t);
    }
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout);
    bool source_event = false;
    if (n < 0 && errno != EINTR) {
      spdlog::error("http: epoll_wait: {}", std::strerror(errno));
      break;
    }
    for (int i = 0; i < n; ++i) {
      uint64_t id = events[i].data.u64;
      if (id == kListenId) {
        Accept();
        continue;
      }
      if (id == kWakeId) continue;  // Stop()
      if (id == kSourceId) {
        source_event = true;
        continue;
      }
      auto it = connections_.find(id);
      if (it == connections_.end()) continue;
      Connection* c = it->second.get();
      uint32_t e = events[i].events;
      if (e & EPOLLOUT) {
        OnWritable(c);
        if (connections_.find(id) == connections_.end()) continue;
        // Output flushed: requests that waited behind it may go on.
        if (c->out_pos == c->out.size() && !c->busy) ProcessInput(c);
        if (connections_.find(id) == connections_.end()) continue;
      }
      if (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) OnReadable(c);
    }
    // The source runs when one of its fds fired, and when its timer is due.
    if (source_.on_event && (source_event || (source_.next_timeout_ms && source_.next_timeout_ms() == 0))) {
      source_.on_event();
    }
    if (int64_t now = NowSeconds(); now != last_sweep) {
      last_sweep = now;
      CloseIdle();
    }
  }
}

void Server::Accept() {
  while (true) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: the pending connection would wake epoll at once, forever. Stop
        // listening for a moment instead (connections wait in the backlog).
        spdlog::warn("http: accept: {}; not accepting for 100 ms ({} connections open)",
                     std::strerror(errno), connections_.size());
        epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
        accept_paused_ = true;
        accept_resume_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
        spdlog::warn("http: accept: {}", std::strerror(errno));
      }
      return;
    }
    if (connections_.size() >= options_.max_connections) {
      close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<Connection>(options_.limits);
    c->id = next_connection_id_++;
    c->fd = fd;
    c->last_active = NowSeconds();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = c->id;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close(fd);
      continue;
    }
    connections_.emplace(c->id, std::move(c));
  }
}

void Server::SetWriteInterest(Connection* c, bool want_write) {
  // Reading pauses while a request is being answered and while a response waits to be sent:
  // the next pipelined request waits in the kernel's buffer rather than in ours, and a client
  // that does not read its responses gets no more of them (TCP pushes back).
  bool want_read = c->draining || (!c->busy && !c->close_after_write && !want_write);
  if (want_write == c->want_write && want_read == c->want_read) return;
  c->want_write = want_write;
  c->want_read = want_read;
  epoll_event ev{};
  ev.events = (want_read ? EPOLLIN : 0u) | (want_write ? EPOLLOUT : 0u);
  ev.data.u64 = c->id;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c->fd, &ev);
}

void Server::OnReadable(Connection* c) {
  char buf[64 * 1024];
  if (c->draining) {
    // Drops what arrives (a few reads per event, like below) until the client closes, or
    // until it has sent more than any request may hold.
    for (int reads = 0; reads < 16; ++reads) {
      ssize_t n = read(c->fd, buf, sizeof buf);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      c->drained += static_cast<uint64_t>(n);
      if (c->drained > kMaxDrainBytes) break;
      if (reads == 15) return;  // epoll reports the rest
    }
    Close(c);
    return;
  }
  // At most a few reads per event (epoll reports the rest again), so that one fast sender
  // cannot hold the thread, and never far past what a request may hold.
  const size_t cap = options_.limits.max_header_bytes + 2 * options_.limits.max_body_bytes + sizeof buf;
  for (int reads = 0; reads < 4 && c->in.size() < cap; ++reads) {
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n > 0) {
      c->in.append(buf, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof buf) break;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    Close(c);  // end of stream or a reset: nothing more will come, and nothing can be sent
    return;
  }
  c->last_active = NowSeconds();
  if (!c->busy && !c->close_after_write) ProcessInput(c);
}

void Server::ProcessInput(Connection* c) {
  const uint64_t id = c->id;
  // A loop, not recursion: an async handler may answer pipelined requests at once. A request
  // waits while an answer is still being sent (backpressure).
  while (!c->in.empty() && !c->busy && !c->close_after_write && c->out_pos == c->out.size()) {
    RequestParser::Result r = c->parser.Parse(c->in);
    if (r == RequestParser::Result::kIncomplete) {
      if (c->parser.wants_continue() && !c->continue_sent) {
        c->continue_sent = true;
        QueueOutput(c, "HTTP/1.1 100 Continue\r\n\r\n", true);
      }
      return;
    }
    if (r == RequestParser::Result::kError) {
      c->linger = true;
      Response response;
      response.status = c->parser.error_status();
      response.headers.push_back({"Content-Type", "text/plain"});
      response.body = c->parser.error() + "\n";
      c->in.clear();
      QueueOutput(c, SerializeResponse(response, false), false);
      return;
    }
    bool keep_alive = c->parser.keep_alive();
    Request request = std::move(c->parser.request());
    c->in.erase(0, c->parser.consumed());
    c->parser.Reset();
    c->continue_sent = false;
    c->busy = true;
    c->close_after_write = !keep_alive;
    SetWriteInterest(c, c->want_write);
    dispatching_ = id;
    handler_(request, [this, id, keep_alive](Response response) {
      Deliver(id, SerializeResponse(response, keep_alive), keep_alive);
    });
    dispatching_ = 0;
    if (c->busy) return;  // answered later, through Deliver
    // Answered at once (Deliver only buffered it): send it, then the next request.
    OnWritable(c);
    if (connections_.find(id) == connections_.end()) return;
    SetWriteInterest(c, c->want_write);
  }
}

void Server::AppendOutput(Connection* c, std::string bytes, bool keep_alive) {
  if (!keep_alive) c->close_after_write = true;
  if (c->out_pos == c->out.size()) {
    c->out = std::move(bytes);
    c->out_pos = 0;
  } else {
    c->out += bytes;
  }
}

void Server::QueueOutput(Connection* c, std::string bytes, bool keep_alive) {
  AppendOutput(c, std::move(bytes), keep_alive);
  OnWritable(c);
}

void Server::OnWritable(Connection* c) {
  while (c->out_pos < c->out.size()) {
    ssize_t n = send(c->fd, c->out.data() + c->out_pos, c->out.size() - c->out_pos, MSG_NOSIGNAL);
    if (n > 0) {
      c->out_pos += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      SetWriteInterest(c, true);
      return;
    }
    Close(c);
    return;
  }
  c->out.clear();
  c->out_pos = 0;
  c->last_active = NowSeconds();
  if (c->close_after_write && !c->busy) {
    if (!c->linger) {
      Close(c);
      return;
    }
    if (!c->draining) {
      ::shutdown(c->fd, SHUT_WR);  // the answer is out: FIN after it, and read on
      c->draining = true;
      c->drain_started = NowSeconds();
    }
  }
  SetWriteInterest(c, false);
}

void Server::Deliver(uint64_t connection_id, std::string bytes, bool keep_alive) {
  auto it = connections_.find(connection_id);
  if (it == connections_.end()) return;  // the client went away meanwhile
  Connection* c = it->second.get();
  c->busy = false;
  if (dispatching_ == connection_id) {
    // Answered inside the handler: ProcessInput sends it once the handler returns (the
    // connection must not close under it).
    AppendOutput(c, std::move(bytes), keep_alive);
    return;
  }
  QueueOutput(c, std::move(bytes), keep_alive);
  if (connections_.find(connection_id) == connections_.end()) return;
  // A pipelined request may already be buffered.
  if (!c->close_after_write) {
    SetWriteInterest(c, c->want_write);
    ProcessInput(c);
  }
}

void Server::Close(Connection* c) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
  close(c->fd);
  connections_.erase(c->id);  // destroys *c
}

void Server::CloseIdle() {
  int64_t now = NowSeconds();
  std::vector<Connection*> idle;
  for (auto& [id, c] : connections_) {
    if (c->draining ? now - c->drain_started > kDrainSeconds
                    : !c->busy && now - c->last_active > options_.idle_timeout_seconds) {
      idle.push_back(c.get());
    }
  }
  for (Connection* c : idle) Close(c);
}

}  // namespace ddb::http
