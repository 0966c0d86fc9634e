// Server and Client over real ZeroMQ sockets on loopback: round trips, concurrency,
// deadlines, retries and malformed frames.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "libddb/net/client.h"
#include "libddb/net/server.h"

namespace ddb::net {
namespace {

proto::ResponseEnvelope Echo(const proto::RequestEnvelope& r) {
  proto::ResponseEnvelope out;
  if (r.operation == "Fail") {
    out.status = Status::Validation("bad: " + r.body);
  } else if (r.operation == "Sleep") {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(r.body)));
    out.body = "slept";
  } else {
    out.body = r.operation + ":" + r.body;
  }
  return out;
}

// The response in a frame read from a raw socket.
Result<proto::ResponseEnvelope> DecodeReply(const zmq::message_t& reply) {
  return proto::DecodeResponse(std::string_view(static_cast<const char*>(reply.data()), reply.size()));
}

TEST(NetTest, RoundTripAndErrors) {
  Server server(Echo, 2);
  Result<std::string> address = server.Start("tcp://127.0.0.1:*");
  ASSERT_TRUE(address.ok()) << address.status().ToString();
  auto client = Client::Connect(*address);
  ASSERT_TRUE(client.ok());
  Result<std::string> r = (*client)->Call("PutItem", "{\"a\":1}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "PutItem:{\"a\":1}");
  r = (*client)->Call("Fail", "x");
  EXPECT_EQ(r.status().ToString(), "ValidationException: bad: x");
}

// A server with one worker, kept busy by a "Block" request until the test releases it, so
// that whatever is answered meanwhile never went through a worker.
class BusyWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(
        [this](const proto::RequestEnvelope& r) {
          if (r.operation == "Block") {
            while (!release_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
            proto::ResponseEnvelope out;
            out.body = "released";
            return out;
          }
          return Echo(r);
        },
        1);
  }
  // Starts the server and occupies its only worker.
  void StartAndBlock() {
    Result<std::string> address = server_->Start("tcp://127.0.0.1:*");
    ASSERT_TRUE(address.ok());
    address_ = *address;
    blocker_ = std::thread([this] {
      auto c = Client::Connect(address_);
      Result<std::string> r = (*c)->Call("Block", "");
      EXPECT_EQ(r.ok() ? *r : r.status().ToString(), "released");
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the Block request arrives
  }
  void Unblock() {
    release_ = true;
    if (blocker_.joinable()) blocker_.join();
  }
  void TearDown() override { Unblock(); }

  std::unique_ptr<Server> server_;
  std::string address_;
  std::atomic<bool> release_{false};
  std::thread blocker_;
};

// Inline requests are handled on the receiving thread, without an answer, even while every
// worker is busy.
TEST_F(BusyWorkerTest, InlineRequestsSkipBusyWorkers) {
  std::atomic<int> pings{0};
  server_->SetInline("Ping", [&](const proto::RequestEnvelope&) { ++pings; });
  StartAndBlock();
  zmq::context_t context;
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(address_);
  proto::RequestEnvelope ping;
  ping.operation = "Ping";
  for (int i = 0; i < 3; ++i) {
    std::string frame = proto::EncodeRequest(ping);
    dealer.send(zmq::message_t(), zmq::send_flags::sndmore);
    dealer.send(zmq::buffer(frame), zmq::send_flags::none);
  }
  for (int i = 0; i < 1000 && pings.load() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(pings.load(), 3) << "inline requests waited for the busy worker";
  Unblock();
  zmq::pollitem_t item{static_cast<void*>(dealer), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::chrono::milliseconds(50));
  EXPECT_EQ(item.revents & ZMQ_POLLIN, 0) << "an inline request was answered";
}

TEST_F(BusyWorkerTest, FastPathAnswersWithoutWorkers) {
  server_->SetFastPath([](const proto::RequestEnvelope& r, Server::Respond respond) {
    if (r.operation != "Fast") return false;
    proto::ResponseEnvelope out;
    out.body = "fast:" + r.body;
    respond(std::move(out));
    return true;
  });
  StartAndBlock();
  auto client = Client::Connect(address_);
  for (int i = 0; i < 20; ++i) {
    Result<std::string> r = (*client)->Call("Fast", std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.status().ToString() << " (fast requests waited for the busy worker)";
    EXPECT_EQ(*r, "fast:" + std::to_string(i)) << "answers match their requests";
  }
  // What the fast path declines still reaches the workers, once one is free.
  Unblock();
  Result<std::string> slow = (*client)->Call("Other", "x");
  ASSERT_TRUE(slow.ok()) << slow.status().ToString();
  EXPECT_EQ(*slow, "Other:x");
}

// The fast path takes requests and answers them later from another thread (as a write is
// answered once replicated), in any order, while the only worker is blocked.
TEST_F(BusyWorkerTest, FastPathAnswersLaterFromAnotherThread) {
  std::mutex mu;
  std::vector<std::pair<std::string, Server::Respond>> taken;  // GUARDED_BY(mu)
  server_->SetFastPath([&](const proto::RequestEnvelope& r, Server::Respond respond) {
    if (r.operation != "Later") return false;
    std::lock_guard<std::mutex> lock(mu);
    taken.emplace_back(r.body, std::move(respond));
    return true;
  });
  StartAndBlock();
  constexpr int kClients = 8;
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      auto client = Client::Connect(address_);
      Result<std::string> r = (*client)->Call("Later", std::to_string(i));
      if (r.ok() && *r == "later:" + std::to_string(i)) ++ok;
    });
  }
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (taken.size() == kClients) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::thread answerer([&] {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(taken.size(), static_cast<size_t>(kClients));
    for (auto it = taken.rbegin(); it != taken.rend(); ++it) {  // newest first
      proto::ResponseEnvelope out;
      out.body = "later:" + it->first;
      it->second(std::move(out));
    }
  });
  answerer.join();
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients) << "every answer given from another thread reached its client";
  Unblock();
}

TEST(NetTest, ConcurrentClients) {
  Server server(Echo, 4);
  std::string address = *server.Start("tcp://127.0.0.1:*");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto client = Client::Connect(address);
      for (int i = 0; i < 200; ++i) {
        std::string body = std::to_string(t) + "/" + std::to_string(i);
        Result<std::string> r = (*client)->Call("Op", body);
        if (r.ok() && *r == "Op:" + body) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8 * 200);
}

TEST(NetTest, DeadlineAndLateAnswers) {
  Server server(Echo, 2);
  std::string address = *server.Start("tcp://127.0.0.1:*");
  auto client = Client::Connect(address);
  CallOptions quick;
  quick.timeout = std::chrono::milliseconds(100);
  auto start = std::chrono::steady_clock::now();
  Result<std::string> r = (*client)->Call("Sleep", "400", quick);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status().code(), Code::kServiceUnavailable) << r.status().ToString();
  EXPECT_LT(took, std::chrono::milliseconds(350));
  // The late answer to the first call is never taken for the next call's.
  r = (*client)->Call("Op", "next");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "Op:next");
}

TEST(NetTest, NoServerTimesOut) {
  auto client = Client::Connect("tcp://127.0.0.1:1");  // nothing listens there
  CallOptions quick;
  quick.timeout = std::chrono::milliseconds(150);
  Result<std::string> r = (*client)->Call("Op", "x", quick);
  EXPECT_EQ(r.status().code(), Code::kServiceUnavailable);
}

TEST(NetTest, RetryableErrorsAreRetried) {
  std::atomic<int> calls{0};
  Server server(
      [&](const proto::RequestEnvelope&) {
        proto::ResponseEnvelope out;
        if (calls.fetch_add(1) < 2) {
          out.status = Status(Code::kProvisionedThroughputExceeded, "slow down");
        } else {
          out.body = "done";
        }
        return out;
      },
      1);
  std::string address = *server.Start("tcp://127.0.0.1:*");
  auto client = Client::Connect(address);
  Result<std::string> r = (*client)->Call("Op", "x");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(calls.load(), 3);
}

TEST(NetTest, MalformedFrameGetsSerializationError) {
  Server server(Echo, 1);
  std::string address = *server.Start("tcp://127.0.0.1:*");
  zmq::context_t ctx;
  zmq::socket_t raw(ctx, zmq::socket_type::req);
  raw.set(zmq::sockopt::linger, 0);
  raw.connect(address);
  raw.send(zmq::str_buffer("not a ddb frame"), zmq::send_flags::none);
  zmq::message_t reply;
  ASSERT_TRUE(raw.recv(reply, zmq::recv_flags::none));
  Result<proto::ResponseEnvelope> r = DecodeReply(reply);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status.ToString(), "SerializationException: malformed ddb frame: bad magic");
  // And the server goes on serving.
  auto client = Client::Connect(address);
  EXPECT_TRUE((*client)->Call("Op", "x").ok());
}

// A request split over several frames is refused, and the worker goes on serving (a REP
// socket that did not drain the frames could never answer again).
TEST(NetTest, MultiFrameRequestDoesNotWedgeAWorker) {
  Server server(Echo, 1);
  std::string address = *server.Start("tcp://127.0.0.1:*");
  zmq::context_t ctx;
  zmq::socket_t raw(ctx, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.connect(address);
  raw.send(zmq::message_t(), zmq::send_flags::sndmore);
  raw.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
  raw.send(zmq::str_buffer("b"), zmq::send_flags::none);
  zmq::message_t delimiter, reply;
  ASSERT_TRUE(raw.recv(delimiter, zmq::recv_flags::none));
  ASSERT_TRUE(raw.recv(reply, zmq::recv_flags::none));
  Result<proto::ResponseEnvelope> r = DecodeReply(reply);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status.ToString(), "SerializationException: malformed ddb frame: more than one frame");
  auto client = Client::Connect(address);
  EXPECT_TRUE((*client)->Call("Op", "x").ok());  // the only worker still answers
}

TEST(NetTest, BindFailureIsAnError) {
  Server a(Echo, 1);
  std::string address = *a.Start("tcp://127.0.0.1:*");
  Server b(Echo, 1);
  Result<std::string> r = b.Start(address);
  EXPECT_EQ(r.status().code(), Code::kIOError);
}

}  // namespace
}  // namespace ddb::net
