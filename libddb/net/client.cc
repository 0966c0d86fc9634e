#include "libddb/net/client.h"

#include <algorithm>

#include <thread>

namespace ddb::net {

namespace {

constexpr std::chrono::milliseconds kConnectWait(500);

// One ZeroMQ context for the whole process, as ZeroMQ advises: its single I/O thread serves
// every Client's socket, instead of one I/O thread per Client (a benchmark or a gateway with
// many clients would otherwise run as many I/O threads, each woken for every message). It is
// never destroyed: terminating it at exit would wait for sockets that static objects may
// still hold.
zmq::context_t& ProcessContext() {
  static zmq::context_t* const context = new zmq::context_t(1);
  return *context;
}

}  // namespace

uint64_t UnixMicrosAt(std::chrono::steady_clock::time_point when) {
  auto remaining = when - std::chrono::steady_clock::now();
  auto wall = std::chrono::system_clock::now() + remaining;
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(wall.time_since_epoch()).count());
}

Client::Client(std::string address)
    : address_(std::move(address)), next_id_(std::random_device{}()), rng_(std::random_device{}()) {}

Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Connect(const std::string& address) {
  std::unique_ptr<Client> client(new Client(address));
  DDB_RETURN_IF_ERROR(client->Reconnect());
  return client;
}

Status Client::Reconnect() {
  try {
    socket_ = std::make_unique<zmq::socket_t>(ProcessContext(), zmq::socket_type::dealer);
    socket_->set(zmq::sockopt::linger, 0);
    // Queue requests only on a completed connection, so a node that is down is noticed at
    // once instead of at the deadline.
    socket_->set(zmq::sockopt::immediate, 1);
    socket_->connect(address_);
    return Status::OK();
  } catch (const zmq::error_t& e) {
    return Status::IOError("cannot connect to " + address_ + ": " + e.what());
  }
}

Result<proto::ResponseEnvelope> Client::Attempt(const proto::RequestEnvelope& request,
                                                std::chrono::steady_clock::time_point deadline,
                                                bool* sent) {
  if (sent != nullptr) *sent = false;
  try {
    const std::string frame = proto::EncodeRequest(request);
    // Wait (briefly) for a connection: none within kConnectWait means the node is down. (The
    // socket's own event flags first: no system call when it is connected, the usual case.)
    const auto connect_by = std::min(deadline, std::chrono::steady_clock::now() + kConnectWait);
    while ((socket_->get(zmq::sockopt::events) & ZMQ_POLLOUT) == 0) {
      zmq::pollitem_t item{static_cast<void*>(*socket_), 0, ZMQ_POLLOUT, 0};
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          connect_by - std::chrono::steady_clock::now());
      zmq::poll(&item, 1, std::max(wait, std::chrono::milliseconds(0)));
      if ((item.revents & ZMQ_POLLOUT) != 0) break;
      if (std::chrono::steady_clock::now() >= connect_by) {
        return Status(Code::kServiceUnavailable, "cannot connect to " + address_);
      }
    }
    // DEALER to REP: an empty delimiter frame first.
    socket_->send(zmq::message_t(), zmq::send_flags::sndmore);
    socket_->send(zmq::buffer(frame), zmq::send_flags::none);
    if (sent != nullptr) *sent = true;
    for (;;) {
      auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (remaining.count() <= 0) break;
      // A blocking receive bounded by the deadline: it sleeps on the socket's mailbox alone,
      // fewer system calls per answer than a poll followed by a receive.
      socket_->set(zmq::sockopt::rcvtimeo, static_cast<int>(std::min<int64_t>(remaining.count(), INT32_MAX)));
      zmq::message_t delimiter, body;
      if (!socket_->recv(delimiter, zmq::recv_flags::none)) continue;
      if (!delimiter.more() || !socket_->recv(body, zmq::recv_flags::none)) continue;
      Result<proto::ResponseEnvelope> response = proto::DecodeResponse(
          std::string_view(static_cast<const char*>(body.data()), body.size()));
      if (!response.ok()) return response.status();
      if (response->id != request.id) continue;  // a late answer to an earlier attempt
      return response;
    }
  } catch (const zmq::error_t& e) {
    return Status::IOError("talking to " + address_ + ": " + e.what());
  }
  // No answer: drop the socket so a late reply cannot be mistaken for a later call's.
  DDB_RETURN_IF_ERROR(Reconnect());
  return Status(Code::kServiceUnavailable, "no response from " + address_ + " in time");
}

Result<proto::ResponseEnvelope> Client::Roundtrip(proto::RequestEnvelope request,
                                                  std::chrono::steady_clock::time_point deadline,
                                                  bool* sent) {
  request.id = next_id_++;
  return Attempt(request, deadline, sent);
}

Result<std::string> Client::Call(const std::string& operation, const std::string& body,
                                 const CallOptions& options, std::string* error_item) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  proto::RequestEnvelope request;
  request.operation = operation;
  request.body = body;
  request.deadline_unix_micros = UnixMicrosAt(deadline);
  std::chrono::milliseconds backoff(25);
  Status last;
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    request.id = next_id_++;
    Result<proto::ResponseEnvelope> response = Attempt(request, deadline);
    if (response.ok()) {
      if (response->status.ok()) return std::move(response->body);
      last = response->status;
      if (error_item != nullptr) *error_item = std::move(response->error_item);
    } else {
      last = response.status();
    }
    if (!last.IsRetryable() || std::chrono::steady_clock::now() >= deadline) break;
    // Full jitter: sleep a random time up to the backoff, then double it.
    std::uniform_int_distribution<int64_t> jitter(0, backoff.count());
    auto sleep = std::chrono::milliseconds(jitter(rng_));
    if (std::chrono::steady_clock::now() + sleep >= deadline) break;
    std::this_thread::sleep_for(sleep);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  return last;
}

}  // namespace ddb::net
