// SnapshotSender: readers run on the sender's thread, one job at a time; Cancel drops a
// group's waiting jobs and waits for its running one; a repeated request for the snapshot
// being sent is dropped. (Sending chunks to a real follower is in replica_manager_test.)
#include "libddb/replication/snapshot_sender.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <zmq.hpp>

namespace ddb::replication {
namespace {

using namespace std::chrono_literals;

// A reader that blocks until Release(), counting its runs.
class Gate {
 public:
  SnapshotReader Reader() {
    return [this]() -> Result<std::string> {
      std::unique_lock<std::mutex> lock(mu_);
      ++runs_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
      return std::string("data");
    };
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  bool WaitRunning() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return runs_ > 0; });
  }
  int runs() {
    std::lock_guard<std::mutex> lock(mu_);
    return runs_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  int runs_ = 0;
};

raft::Message Snap(raft::NodeId to, raft::Index index) {
  raft::Message m;
  m.type = raft::MessageType::kSnap;
  m.from = 1;
  m.to = to;
  m.term = 2;
  m.snapshot.meta.index = index;
  return m;
}

// No peer listens there: sends fail at once or after the (short) timeout.
constexpr const char* kNowhere = "tcp://127.0.0.1:9";

TEST(SnapshotSenderTest, CancelDropsWaitingJobsAndWaitsForTheRunningOne) {
  SnapshotSender sender(1 << 20, 50);
  Gate running, waiting, other;
  sender.Send(1, Snap(2, 10), kNowhere, running.Reader());
  ASSERT_TRUE(running.WaitRunning());
  sender.Send(1, Snap(3, 10), kNowhere, waiting.Reader());
  sender.Send(7, Snap(3, 10), kNowhere, other.Reader());

  std::atomic<bool> cancelled{false};
  std::thread canceller([&] {
    sender.Cancel(1);
    cancelled = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(cancelled) << "Cancel returned while a reader of the group still ran";
  running.Release();
  canceller.join();
  EXPECT_TRUE(cancelled);
  // Group 7's job still runs; group 1's waiting one never does.
  ASSERT_TRUE(other.WaitRunning());
  other.Release();
  waiting.Release();
  EXPECT_EQ(waiting.runs(), 0);
}

TEST(SnapshotSenderTest, ARepeatedRequestForTheSnapshotBeingSentIsDropped) {
  SnapshotSender sender(1 << 20, 50);
  Gate first, again, replaced, replacing;
  sender.Send(1, Snap(2, 10), kNowhere, first.Reader());
  ASSERT_TRUE(first.WaitRunning());
  sender.Send(1, Snap(2, 10), kNowhere, again.Reader());     // the same snapshot: dropped
  sender.Send(1, Snap(2, 12), kNowhere, replaced.Reader());  // newer: waits ...
  sender.Send(1, Snap(2, 13), kNowhere, replacing.Reader()); // ... and is replaced by this
  first.Release();
  ASSERT_TRUE(replacing.WaitRunning());
  replacing.Release();
  again.Release();
  replaced.Release();
  sender.Cancel(1);
  EXPECT_EQ(again.runs(), 0);
  EXPECT_EQ(replaced.runs(), 0);
}

// A follower that takes nothing: the chunks fill the connection and a send waits for room,
// but Cancel still returns within a fraction of a second (not after the 10 s timeout).
TEST(SnapshotSenderTest, CancelDoesNotWaitOutAStuckSend) {
  zmq::context_t ctx(1);
  zmq::socket_t sink(ctx, zmq::socket_type::router);
  sink.set(zmq::sockopt::rcvhwm, 1);
  sink.set(zmq::sockopt::rcvbuf, 4096);
  sink.set(zmq::sockopt::linger, 0);
  sink.bind("tcp://127.0.0.1:*");
  const std::string address = sink.get(zmq::sockopt::last_endpoint);

  SnapshotSender sender(1 << 20, /*send_timeout_ms=*/10000);
  std::atomic<bool> read{false};
  sender.Send(1, Snap(2, 10), address, [&]() -> Result<std::string> {
    read = true;
    return std::string(64u << 20, 'x');  // far more than the sockets can hold
  });
  for (int i = 0; i < 500 && !read; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(read);
  std::this_thread::sleep_for(500ms);  // the sends are stuck by now
  const auto start = std::chrono::steady_clock::now();
  sender.Cancel(1);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 2s) << "Cancel waited "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms";
}

TEST(SnapshotSenderTest, DestructionWaitsForTheRunningReader) {
  Gate gate;
  std::atomic<bool> destroyed{false};
  auto sender = std::make_unique<SnapshotSender>(1 << 20, 50);
  sender->Send(1, Snap(2, 10), kNowhere, gate.Reader());
  ASSERT_TRUE(gate.WaitRunning());
  std::thread destroyer([&] {
    sender.reset();
    destroyed = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(destroyed);
  gate.Release();
  destroyer.join();
  EXPECT_TRUE(destroyed);
}

}  // namespace
}  // namespace ddb::replication
