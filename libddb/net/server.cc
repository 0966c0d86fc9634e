#include "libddb/net/server.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <vector>

#include <spdlog/spdlog.h>

#include "libddb/core/check.h"
#include "libddb/core/thread_name.h"

namespace ddb::net {

namespace {

uint64_t NowUnixMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::atomic<uint64_t> g_server_seq{0};

// The outbox of the server whose proxy thread this is (null elsewhere): answers given on
// that thread need no wake-up, it sends them before it next waits.
thread_local const void* t_proxy_outbox = nullptr;

}  // namespace

struct Server::Outbox {
  std::mutex mu;
  // Routing frames and the encoded answer.
  std::vector<std::pair<std::vector<zmq::message_t>, std::string>> answers;  // GUARDED_BY(mu)
  bool closed = false;                                                       // GUARDED_BY(mu)
  int event_fd = -1;  // readable while answers from other threads wait

  Outbox() : event_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    DDB_CHECK_MSG(event_fd >= 0, "eventfd: %s", std::strerror(errno));
  }
  ~Outbox() { ::close(event_fd); }
};

Server::Server(Handler handler, int workers)
    : handler_(std::move(handler)), workers_(workers), outbox_(std::make_shared<Outbox>()) {}

Server::~Server() { Stop(); }

void Server::SetInline(std::string operation, std::function<void(const proto::RequestEnvelope&)> handler) {
  inline_operation_ = std::move(operation);
  inline_handler_ = std::move(handler);
}

void Server::SetFastPath(FastHandler handler) { fast_handler_ = std::move(handler); }

Result<std::string> Server::Start(const std::string& address) {
  try {  // cppzmq reports failures by throwing; they stay inside this layer
    frontend_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::router);
    frontend_->set(zmq::sockopt::linger, 0);
    // ZeroMQ drops the connection of a peer that sends a larger message, before it is
    // buffered whole.
    frontend_->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(proto::kMaxFrameBytes));
    frontend_->bind(address);
    std::string bound = frontend_->get(zmq::sockopt::last_endpoint);
    backend_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
    backend_address_ = "inproc://ddb-workers-" + std::to_string(g_server_seq.fetch_add(1));
    backend_->bind(backend_address_);
    for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] {
      SetThreadName("net-worker");
      Work();
    });
    proxy_ = std::thread([this] {
      SetThreadName("net-proxy");
      Proxy();
    });
    running_ = true;
    return bound;
  } catch (const zmq::error_t& e) {
    return Status::IOError("cannot listen on " + address + ": " + e.what());
  }
}

Server::Respond Server::MakeRespond(std::vector<zmq::message_t> route, uint64_t id) {
  auto frames = std::make_shared<std::vector<zmq::message_t>>(std::move(route));
  return [outbox = outbox_, frames, id](proto::ResponseEnvelope response) {
    response.id = id;
    std::string out = proto::EncodeResponse(response);
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(outbox->mu);
      if (outbox->closed) return;
      wake = outbox->answers.empty() && t_proxy_outbox != outbox.get();
      outbox->answers.emplace_back(std::move(*frames), std::move(out));
    }
    if (wake) {
      uint64_t one = 1;
      (void)!::write(outbox->event_fd, &one, sizeof(one));
    }
  };
}

void Server::SendAnswered() {
  std::vector<std::pair<std::vector<zmq::message_t>, std::string>> answers;
  {
    std::lock_guard<std::mutex> lock(outbox_->mu);
    answers.swap(outbox_->answers);
  }
  for (auto& [route, out] : answers) {
    for (zmq::message_t& frame : route) frontend_->send(frame, zmq::send_flags::sndmore);
    frontend_->send(zmq::buffer(out), zmq::send_flags::none);
  }
}

void Server::Proxy() {
  // zmq::proxy, with two exceptions: requests for the inline operation are handled here, with
  // no answer, so that they never queue behind workers busy with slow requests; and requests
  // the fast path answers are answered from here.
  // Receives one whole message; false, with nothing received, when none waits (`flags`
  // dontwait) or the socket is closing.
  auto recv_all = [](zmq::socket_t& from, std::vector<zmq::message_t>* parts,
                     zmq::recv_flags flags = zmq::recv_flags::none) {
    parts->clear();
    do {
      parts->emplace_back();
      if (!from.recv(parts->back(), parts->size() == 1 ? flags : zmq::recv_flags::none)) {
        parts->pop_back();
        return !parts->empty();
      }
    } while (parts->back().more());
    return true;
  };
  auto send_all = [](zmq::socket_t& to, std::vector<zmq::message_t>* parts) {
    for (size_t i = 0; i < parts->size(); ++i) {
      to.send((*parts)[i], i + 1 < parts->size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  };
  constexpr int kRequestsPerPoll = 64;
  t_proxy_outbox = outbox_.get();
  try {
    std::vector<zmq::message_t> parts;
    for (;;) {
      zmq::pollitem_t items[] = {{static_cast<void*>(*frontend_), 0, ZMQ_POLLIN, 0},
                                 {static_cast<void*>(*backend_), 0, ZMQ_POLLIN, 0},
                                 {nullptr, outbox_->event_fd, ZMQ_POLLIN, 0}};
      zmq::poll(items, 3, std::chrono::milliseconds(-1));
      if ((items[2].revents & ZMQ_POLLIN) != 0) {
        uint64_t count = 0;
        (void)!::read(outbox_->event_fd, &count, sizeof(count));
      }
      // Every request waiting is taken before the next poll (a bounded number, so that the
      // answers of a busy server still leave): one poll, a system call, per burst instead of
      // one per request.
      for (int taken = 0; (items[0].revents & ZMQ_POLLIN) != 0 && taken < kRequestsPerPoll &&
                          recv_all(*frontend_, &parts, taken == 0 ? zmq::recv_flags::none
                                                                  : zmq::recv_flags::dontwait);
           ++taken) {
        bool handled = false;
        if ((inline_handler_ || fast_handler_) && !parts.empty()) {
          const zmq::message_t& last = parts.back();
          std::string_view frame(static_cast<const char*>(last.data()), last.size());
          Result<proto::RequestEnvelope> request = proto::DecodeRequest(frame);
          if (request.ok() && inline_handler_ && request->operation == inline_operation_) {
            inline_handler_(*request);
            handled = true;
          } else if (request.ok() && fast_handler_ &&
                     (request->deadline_unix_micros == 0 || NowUnixMicros() <= request->deadline_unix_micros)) {
            // The answer goes back along the routing envelope as received.
            std::vector<zmq::message_t> route;
            for (size_t i = 0; i + 1 < parts.size(); ++i) route.emplace_back().copy(parts[i]);
            handled = fast_handler_(*request, MakeRespond(std::move(route), request->id));
          }
        }
        if (!handled && !parts.empty()) send_all(*backend_, &parts);
      }
      if ((items[1].revents & ZMQ_POLLIN) != 0) {
        recv_all(*backend_, &parts);
        if (!parts.empty()) send_all(*frontend_, &parts);
      }
      SendAnswered();
    }
  } catch (const zmq::error_t& e) {
    if (e.num() != ETERM) spdlog::error("server proxy stopped: {}", e.what());
  }
}

void Server::Work() {
  std::unique_ptr<zmq::socket_t> socket;
  try {
    socket = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::rep);
    socket->set(zmq::sockopt::linger, 0);
    socket->connect(backend_address_);
  } catch (const zmq::error_t& e) {
    if (e.num() != ETERM) spdlog::error("server worker could not start: {}", e.what());
    return;
  }
  for (;;) {
    try {
      zmq::message_t message;
      if (!socket->recv(message, zmq::recv_flags::none)) continue;
      // A request is one frame. REP must receive every frame before it may answer, so extra
      // frames are drained and the request is refused instead of wedging the worker.
      bool extra_frames = false;
      while (message.more()) {
        zmq::message_t extra;
        (void)socket->recv(extra, zmq::recv_flags::none);
        extra_frames = true;
        if (!extra.more()) break;
      }
      std::string_view frame(static_cast<const char*>(message.data()), message.size());
      proto::ResponseEnvelope response;
      Result<proto::RequestEnvelope> request =
          extra_frames ? Result<proto::RequestEnvelope>(Status::Serialization("malformed ddb frame: more than one frame"))
                       : proto::DecodeRequest(frame);
      if (!request.ok()) {
        response.status = request.status();
      } else {
        response.id = request->id;
        if (request->deadline_unix_micros != 0 && NowUnixMicros() > request->deadline_unix_micros) {
          // The client has stopped waiting; still answer, as REP must, but do no work.
          response.status = Status(Code::kServiceUnavailable, "request deadline passed");
        } else {
          response = handler_(*request);
          response.id = request->id;
        }
      }
      std::string out = proto::EncodeResponse(response);
      socket->send(zmq::buffer(out), zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;  // the server is stopping
      // One bad exchange must not take the worker with it: log and serve the next request.
      spdlog::error("server worker: {}", e.what());
    }
  }
}

void Server::Stop() {
  if (!running_) return;
  running_ = false;
  {
    std::lock_guard<std::mutex> lock(outbox_->mu);
    outbox_->closed = true;
    outbox_->answers.clear();
  }
  context_.shutdown();  // unblocks the proxy and every worker with ETERM
  if (proxy_.joinable()) proxy_.join();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  frontend_.reset();
  backend_.reset();
  context_.close();
}

}  // namespace ddb::net
