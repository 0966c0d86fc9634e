// AsyncSession against real net::Server instances on loopback: answers matched to calls, and
// the fail-over and retry policy (a node that is down, one that does not answer in time,
// retryable and final errors, the deadline).
#include "libddb/client/async_session.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <map>
#include <thread>

#include "libddb/net/server.h"

namespace ddb::client {
namespace {

// Runs `session`'s event loop until `done()` or 15 s.
void RunUntil(AsyncSession& session, const std::function<bool()>& done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!done() && std::chrono::steady_clock::now() < give_up) {
    std::vector<pollfd> fds;
    for (int fd : session.fds()) fds.push_back({fd, POLLIN, 0});
    int wait = session.NextWakeupMs();
    poll(fds.data(), fds.size(), wait < 0 || wait > 20 ? 20 : wait);
    session.Process();
  }
}

struct Outcome {
  bool done = false;
  Status status;
  std::string body;
  std::string item;
};

AsyncSession::Done Record(Outcome* out) {
  return [out](Result<std::string> r, std::string item) {
    out->done = true;
    out->status = r.ok() ? Status::OK() : r.status();
    if (r.ok()) out->body = *r;
    out->item = std::move(item);
  };
}

// A node: answers "Echo" with its name and the body, "Busy" with a retryable error the first
// `busy` times, "Fail" with a final error carrying an item; the node named "slow" answers
// everything a second late. Every answer says node `served_by` ran it (as a node that
// forwarded a write to the leader would).
class FakeNode {
 public:
  explicit FakeNode(std::string name, int busy = 0, uint64_t served_by = 0)
      : name_(std::move(name)), busy_left_(busy), served_by_(served_by),
        server_([this](const proto::RequestEnvelope& r) { return Answer(r); }, 4) {
    address_ = *server_.Start("tcp://127.0.0.1:*");
  }
  const std::string& address() const { return address_; }
  int calls() const { return calls_.load(); }

 private:
  proto::ResponseEnvelope Answer(const proto::RequestEnvelope& r) {
    calls_++;
    proto::ResponseEnvelope out;
    out.served_by = served_by_;
    if (r.operation == "Busy" && busy_left_.fetch_sub(1) > 0) {
      out.status = Status(Code::kServiceUnavailable, "busy");
    } else if (r.operation == "Fail") {
      out.status = Status::ConditionalCheckFailed();
      out.error_item = "{\"k\":{\"S\":\"v\"}}";
    } else if (name_ == "slow") {
      std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // never in time
      out.body = name_ + ":" + r.body;
    } else {
      out.body = name_ + ":" + r.body;
    }
    return out;
  }

  std::string name_;
  std::atomic<int> busy_left_;
  const uint64_t served_by_;
  std::atomic<int> calls_{0};
  net::Server server_;
  std::string address_;
};

TEST(AsyncSessionTest, ManyCallsInFlightAreMatchedToTheirAnswers) {
  FakeNode a("a"), b("b");
  auto session = AsyncSession::Connect({a.address(), b.address()});
  ASSERT_TRUE(session.ok());
  // Connections come up in the background, and a call skips a node not connected yet
  // (ZMQ_IMMEDIATE): calls until both have served one, so that the spread checked below
  // does not depend on how fast loopback connects.
  for (int i = 0; i < 1000 && (a.calls() == 0 || b.calls() == 0); ++i) {
    Outcome o;
    (*session)->Call("Echo", "warm", Record(&o));
    RunUntil(**session, [&] { return o.done; });
  }
  const int a_before = a.calls(), b_before = b.calls();
  std::vector<Outcome> outcomes(200);
  for (size_t i = 0; i < outcomes.size(); ++i) {
    (*session)->Call("Echo", std::to_string(i), Record(&outcomes[i]));
  }
  RunUntil(**session, [&] {
    return std::all_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.done; });
  });
  for (size_t i = 0; i < outcomes.size(); ++i) {
    ASSERT_TRUE(outcomes[i].status.ok()) << outcomes[i].status.ToString();
    const std::string& body = outcomes[i].body;
    EXPECT_EQ(body.substr(body.find(':') + 1), std::to_string(i));
  }
  EXPECT_GT(a.calls() - a_before, 0) << "calls spread over the nodes";
  EXPECT_GT(b.calls() - b_before, 0) << "calls spread over the nodes";
  EXPECT_EQ((*session)->in_flight(), 0u);
}

// Calls with an affinity follow the node their answers name (a table's leader): after the
// first, every call of affinity "t" goes to node 2; calls without one still spread.
TEST(AsyncSessionTest, CallsWithAnAffinityGoWhereTheLastOneWasServed) {
  FakeNode a("a", 0, /*served_by=*/2), b("b", 0, /*served_by=*/2);
  AsyncSessionOptions options;
  options.node_ids = {1, 2};
  auto session = AsyncSession::Connect({a.address(), b.address()}, options);
  ASSERT_TRUE(session.ok());
  for (int i = 0; i < 20; ++i) {
    Outcome o;
    (*session)->Call("Echo", "w" + std::to_string(i), Record(&o), "t");
    RunUntil(**session, [&] { return o.done; });
    ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  }
  EXPECT_LE(a.calls(), 1) << "only the first call may go elsewhere";
  EXPECT_GE(b.calls(), 19);
  std::vector<Outcome> spread(20);
  for (size_t i = 0; i < spread.size(); ++i) (*session)->Call("Echo", "r", Record(&spread[i]));
  RunUntil(**session, [&] {
    return std::all_of(spread.begin(), spread.end(), [](const Outcome& o) { return o.done; });
  });
  EXPECT_GE(a.calls(), 5) << "calls without an affinity still go round robin";
  // Ids that do not match the addresses are refused.
  options.node_ids = {1};
  EXPECT_FALSE(AsyncSession::Connect({a.address(), b.address()}, options).ok());
}

TEST(AsyncSessionTest, ANodeThatIsDownIsSkipped) {
  FakeNode up("up");
  // Nothing listens on the first address.
  auto session = AsyncSession::Connect({"tcp://127.0.0.1:1", up.address()});
  ASSERT_TRUE(session.ok());
  std::vector<Outcome> outcomes(10);
  for (Outcome& o : outcomes) (*session)->Call("Echo", "x", Record(&o));
  RunUntil(**session, [&] {
    return std::all_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.done; });
  });
  for (const Outcome& o : outcomes) {
    ASSERT_TRUE(o.status.ok()) << o.status.ToString();
    EXPECT_EQ(o.body, "up:x");
  }
}

TEST(AsyncSessionTest, RetryableErrorsAreRetriedAndFinalOnesReturnedWithTheirItem) {
  FakeNode a("a", /*busy=*/3);
  auto session = AsyncSession::Connect({a.address()});
  ASSERT_TRUE(session.ok());
  Outcome busy, fail;
  (*session)->Call("Busy", "x", Record(&busy));
  (*session)->Call("Fail", "x", Record(&fail));
  RunUntil(**session, [&] { return busy.done && fail.done; });
  ASSERT_TRUE(busy.status.ok()) << busy.status.ToString();
  EXPECT_EQ(busy.body, "a:x");
  EXPECT_EQ(a.calls(), 5) << "three busy answers, then the one that worked, and the failure";
  EXPECT_EQ(fail.status.code(), Code::kConditionalCheckFailed);
  EXPECT_EQ(fail.item, "{\"k\":{\"S\":\"v\"}}");
}

TEST(AsyncSessionTest, ANodeThatDoesNotAnswerInTimeIsLeftForTheNext) {
  FakeNode slow("slow"), fast("fast");
  AsyncSessionOptions options;
  options.attempt_timeout = std::chrono::milliseconds(200);
  options.timeout = std::chrono::milliseconds(3000);
  auto session = AsyncSession::Connect({slow.address(), fast.address()}, options);
  ASSERT_TRUE(session.ok());
  std::vector<Outcome> outcomes(6);  // round robin: half of them start at the slow node
  for (Outcome& o : outcomes) (*session)->Call("Echo", "x", Record(&o));
  RunUntil(**session, [&] {
    return std::all_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.done; });
  });
  for (const Outcome& o : outcomes) {
    ASSERT_TRUE(o.status.ok()) << o.status.ToString();
    EXPECT_EQ(o.body, "fast:x") << "the slow node's late answers are not taken";
  }
  EXPECT_GT(slow.calls(), 0);
}

TEST(AsyncSessionTest, NoNodeReachableFailsAtTheDeadline) {
  AsyncSessionOptions options;
  options.timeout = std::chrono::milliseconds(300);
  auto session = AsyncSession::Connect({"tcp://127.0.0.1:1", "tcp://127.0.0.1:2"}, options);
  ASSERT_TRUE(session.ok());
  Outcome o;
  auto start = std::chrono::steady_clock::now();
  (*session)->Call("Echo", "x", Record(&o));
  RunUntil(**session, [&] { return o.done; });
  EXPECT_EQ(o.status.code(), Code::kServiceUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

}  // namespace
}  // namespace ddb::client
