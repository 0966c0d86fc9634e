#include "libddb/client/async_session.h"

#include <algorithm>
#include <optional>

#include "libddb/net/client.h"

namespace ddb::client {

namespace {

using Clock = std::chrono::steady_clock;

// How soon to try again when no node has a connection.
constexpr std::chrono::milliseconds kConnectRetry(10);
// Affinities remembered at most (tables a gateway writes to).
constexpr size_t kMaxAffinities = 10000;

Status Unavailable(std::string message) { return Status(Code::kServiceUnavailable, std::move(message)); }

}  // namespace

AsyncSession::AsyncSession(std::vector<std::string> addresses, AsyncSessionOptions options)
    : addresses_(std::move(addresses)),
      options_(options),
      next_id_(std::random_device{}() | 1),
      next_node_(std::random_device{}()),
      rng_(std::random_device{}()) {}

AsyncSession::~AsyncSession() {
  sockets_.clear();
  context_.close();
}

Result<std::unique_ptr<AsyncSession>> AsyncSession::Connect(const std::vector<std::string>& addresses,
                                                          AsyncSessionOptions options) {
  if (addresses.empty()) return Status::Validation("no nodes to connect to");
  if (!options.node_ids.empty() && options.node_ids.size() != addresses.size()) {
    return Status::Validation("node ids and addresses differ in number");
  }
  std::unique_ptr<AsyncSession> c(new AsyncSession(addresses, options));
  try {
    for (const std::string& address : addresses) {
      auto s = std::make_unique<zmq::socket_t>(c->context_, zmq::socket_type::dealer);
      s->set(zmq::sockopt::linger, 0);
      // Queue requests only on a completed connection: a node that is down refuses the send
      // at once, and the call goes to the next node.
      s->set(zmq::sockopt::immediate, 1);
      s->connect(address);
      c->sockets_.push_back(std::move(s));
    }
  } catch (const zmq::error_t& e) {
    return Status::IOError(std::string("cannot set up the cluster connections: ") + e.what());
  }
  return c;
}

std::vector<int> AsyncSession::fds() const {
  std::vector<int> out;
  for (const auto& s : sockets_) out.push_back(s->get(zmq::sockopt::fd));
  return out;
}

void AsyncSession::Call(std::string operation, std::string body, Done done,
                        const std::string& affinity) {
  Pending p;
  p.operation = std::move(operation);
  p.body = std::move(body);
  p.done = std::move(done);
  p.deadline = Clock::now() + options_.timeout;
  p.node = next_node_++ % sockets_.size();
  if (!affinity.empty()) {
    auto it = served_by_.find(affinity);
    if (it != served_by_.end()) p.node = it->second;
    p.affinity = affinity;
  }
  Send(std::move(p));
}

void AsyncSession::Send(Pending p) {
  const auto now = Clock::now();
  proto::RequestEnvelope request;
  request.operation = p.operation;
  request.body = p.body;
  request.deadline_unix_micros = net::UnixMicrosAt(p.deadline);
  for (size_t tried = 0; tried < sockets_.size(); ++tried) {
    const size_t node = (p.node + tried) % sockets_.size();
    zmq::socket_t& s = *sockets_[node];
    request.id = next_id_++;
    const std::string frame = proto::EncodeRequest(request);
    try {
      // DEALER to REP: an empty delimiter frame first. Once the first part of a message is
      // accepted, ZeroMQ accepts the rest.
      if (!s.send(zmq::message_t(), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) continue;
      s.send(zmq::buffer(frame), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      continue;
    }
    p.node = node;
    p.waiting_to_send = false;
    p.due = std::min(p.deadline, now + options_.attempt_timeout);
    calls_.emplace(request.id, std::move(p));
    // Sending may have taken the fd's signal for answers already waiting: look now.
    Drain(node);
    return;
  }
  p.last = Unavailable("cannot connect to any node of the cluster");
  if (now >= p.deadline) {
    Finish(p, p.last);
    return;
  }
  p.waiting_to_send = true;
  p.due = std::min(p.deadline, now + kConnectRetry);
  calls_.emplace(next_id_++, std::move(p));  // under an id no answer carries
}

void AsyncSession::Retry(Pending p, Clock::time_point now) {
  std::uniform_int_distribution<int64_t> jitter(0, p.backoff.count());
  const auto at = now + std::chrono::milliseconds(jitter(rng_));
  if (at >= p.deadline) {
    Finish(p, p.last);
    return;
  }
  p.backoff = std::min(p.backoff * 2, std::chrono::milliseconds(1000));
  // A node that could not serve the request (ServiceUnavailable): the next one.
  if (p.last.code() == Code::kServiceUnavailable) p.node = (p.node + 1) % sockets_.size();
  p.waiting_to_send = true;
  p.due = at;
  calls_.emplace(next_id_++, std::move(p));
}

// A finished call waits in finished_ for Process() to run its callback; its body field now
// holds the response body.
void AsyncSession::Finish(Pending& p, Result<std::string> result) {
  finished_.push_back(std::move(p));
  finished_.back().last = result.ok() ? Status::OK() : result.status();
  if (result.ok()) finished_.back().body = std::move(result).value();
}

void AsyncSession::Drain(size_t node) {
  zmq::socket_t& s = *sockets_[node];
  for (;;) {
    zmq::message_t delimiter, body;
    try {
      if (!s.recv(delimiter, zmq::recv_flags::dontwait)) return;
      if (!delimiter.more()) continue;
      if (!s.recv(body, zmq::recv_flags::none)) return;  // the rest of a message is there
      while (body.more()) {
        zmq::message_t extra;
        if (!s.recv(extra, zmq::recv_flags::none) || !extra.more()) break;
      }
    } catch (const zmq::error_t&) {
      return;
    }
    Result<proto::ResponseEnvelope> r =
        proto::DecodeResponse(std::string_view(static_cast<const char*>(body.data()), body.size()));
    if (!r.ok()) continue;  // unmatchable: its call times out and goes elsewhere
    auto it = calls_.find(r->id);
    if (it == calls_.end() || it->second.waiting_to_send) continue;  // a late answer
    Pending p = std::move(it->second);
    calls_.erase(it);
    if (!p.affinity.empty() && r->served_by != 0) {
      auto at = std::find(options_.node_ids.begin(), options_.node_ids.end(), r->served_by);
      if (at != options_.node_ids.end()) {
        if (served_by_.size() >= kMaxAffinities) served_by_.clear();  // bounded, rebuilt as used
        served_by_[p.affinity] = static_cast<size_t>(at - options_.node_ids.begin());
      }
    }
    if (r->status.ok()) {
      Finish(p, std::move(r->body));
      continue;
    }
    p.last = r->status;
    p.error_item = std::move(r->error_item);
    if (!p.last.IsRetryable()) {
      Finish(p, p.last);
      continue;
    }
    Retry(std::move(p), Clock::now());
  }
}

void AsyncSession::Process() {
  for (size_t i = 0; i < sockets_.size(); ++i) Drain(i);
  const auto now = Clock::now();
  std::vector<uint64_t> due;
  for (const auto& [id, p] : calls_) {
    if (p.due <= now) due.push_back(id);
  }
  for (uint64_t id : due) {
    auto it = calls_.find(id);
    if (it == calls_.end()) continue;
    Pending p = std::move(it->second);
    calls_.erase(it);
    if (!p.waiting_to_send) {
      // No answer in time: try the next node (the request may still have been applied).
      p.last = Unavailable("no response from " + addresses_[p.node] + " in time");
      p.node = (p.node + 1) % sockets_.size();
    }
    if (now >= p.deadline) {
      Finish(p, p.last);
      continue;
    }
    Send(std::move(p));
  }
  std::vector<Pending> finished;
  finished.swap(finished_);
  for (Pending& p : finished) {
    if (p.last.ok()) {
      p.done(std::move(p.body), std::string());
    } else {
      p.done(p.last, std::move(p.error_item));
    }
  }
}

int AsyncSession::NextWakeupMs() const {
  if (!finished_.empty()) return 0;
  std::optional<Clock::time_point> next;
  for (const auto& [id, p] : calls_) {
    if (!next.has_value() || p.due < *next) next = p.due;
  }
  if (!next.has_value()) return -1;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*next - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(ms + 1, 0, 1000));
}

}  // namespace ddb::client
