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

#include "libddb/proto/codec.h"
#include "libddb/replication/raft_codec.h"

namespace ddb::replication {
namespace {

using namespace std::chrono_literals;

// A reader that blocks until Release(), counting its runs (a run starts with Size()).
class Gate {
 public:
  SnapshotReader Reader() {
    class Source final : public ByteSource {
     public:
      explicit Source(Gate* gate) : gate_(gate) {}
      Result<uint64_t> Size() override {
        std::unique_lock<std::mutex> lock(gate_->mu_);
        ++gate_->runs_;
        gate_->cv_.notify_all();
        gate_->cv_.wait(lock, [&] { return gate_->released_; });
        return data_.Size();
      }
      Result<size_t> Read(size_t max_bytes, std::string* out) override {
        return data_.Read(max_bytes, out);
      }

     private:
      Gate* const gate_;
      StringSource data_{"data"};
    };
    return std::make_unique<Source>(this);
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

// What a Generated source was asked (it outlives the source, which the sender destroys).
struct ReadStats {
  std::atomic<size_t> biggest_ask{0};
  std::atomic<uint64_t> read{0};
};

// `size` bytes made as they are read (byte i is 'a' + i % 23).
class Generated final : public ByteSource {
 public:
  Generated(uint64_t size, std::shared_ptr<ReadStats> stats) : size_(size), stats_(std::move(stats)) {}
  Result<uint64_t> Size() override { return size_; }
  Result<size_t> Read(size_t max_bytes, std::string* out) override {
    stats_->biggest_ask = std::max(stats_->biggest_ask.load(), max_bytes);
    const size_t n = static_cast<size_t>(std::min<uint64_t>(max_bytes, size_ - offset_));
    for (size_t i = 0; i < n; ++i) out->push_back(static_cast<char>('a' + (offset_ + i) % 23));
    offset_ += n;
    stats_->read = offset_;
    return n;
  }

 private:
  const uint64_t size_;
  const std::shared_ptr<ReadStats> stats_;
  uint64_t offset_ = 0;
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
  auto stats = std::make_shared<ReadStats>();
  // Far more than the sockets can hold.
  sender.Send(1, Snap(2, 10), address, std::make_unique<Generated>(64u << 20, stats));
  for (int i = 0; i < 500 && stats->read == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_GT(stats->read, 0u);
  std::this_thread::sleep_for(500ms);  // the sends are stuck by now
  const auto start = std::chrono::steady_clock::now();
  sender.Cancel(1);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 2s) << "Cancel waited "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms";
}

// A snapshot bigger than a chunk is read a chunk at a time (never more in memory) and arrives
// as chunks that cover it exactly, in order.
TEST(SnapshotSenderTest, ReadsAndSendsTheDataAChunkAtATime) {
  zmq::context_t ctx(1);
  zmq::socket_t sink(ctx, zmq::socket_type::router);
  sink.set(zmq::sockopt::linger, 0);
  sink.set(zmq::sockopt::rcvtimeo, 5000);
  sink.bind("tcp://127.0.0.1:*");
  const std::string address = sink.get(zmq::sockopt::last_endpoint);

  constexpr size_t kChunk = 64 << 10;
  constexpr uint64_t kSize = 10 * kChunk + 123;
  SnapshotSender sender(kChunk, /*send_timeout_ms=*/5000);
  auto stats = std::make_shared<ReadStats>();
  sender.Send(1, Snap(2, 10), address, std::make_unique<Generated>(kSize, stats));

  std::string got;
  for (int chunk = 0; got.size() < kSize; ++chunk) {
    std::vector<zmq::message_t> parts;
    do {
      parts.emplace_back();
      ASSERT_TRUE(sink.recv(parts.back())) << "chunk " << chunk << " did not arrive";
    } while (parts.back().more());
    Result<proto::RequestEnvelope> request = proto::DecodeRequest(parts.back().to_string_view());
    ASSERT_TRUE(request.ok()) << request.status().ToString();
    Result<std::vector<GroupMessage>> batch = DecodeRaftBatch(request->body);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_EQ(batch->size(), 1u);
    const GroupMessage& gm = batch->front();
    EXPECT_EQ(gm.chunk_total, kSize);
    EXPECT_EQ(gm.chunk_offset, got.size());
    EXPECT_EQ(gm.message.snapshot.meta.index, 10u);
    ASSERT_NE(gm.message.snapshot.data, nullptr);
    EXPECT_LE(gm.message.snapshot.data->size(), kChunk);
    got += *gm.message.snapshot.data;
  }
  ASSERT_EQ(got.size(), kSize);
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], static_cast<char>('a' + i % 23)) << "at byte " << i;
  }
  EXPECT_EQ(stats->biggest_ask, kChunk);
  EXPECT_EQ(stats->read, kSize);
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
