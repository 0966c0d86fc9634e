// KeyLatches: a stripe stays held until its Hold is released, including after a Detach hands
// the release to someone else (a write whose outcome is not known yet).
#include "libddb/node/key_latches.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace ddb::node {
namespace {

using namespace std::chrono_literals;

// Starts a thread that acquires `hash` and sets `got` once it has it.
std::thread Contender(KeyLatches& latches, uint64_t hash, std::atomic<bool>& got) {
  return std::thread([&latches, hash, &got] {
    KeyLatches::Hold h = latches.Acquire(hash);
    got = true;
  });
}

TEST(KeyLatchesTest, SecondWriterWaitsForTheFirst) {
  KeyLatches latches;
  std::atomic<bool> got{false};
  std::thread t;
  {
    KeyLatches::Hold h = latches.Acquire(7);
    t = Contender(latches, 7, got);
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(got.load());
  }
  t.join();
  EXPECT_TRUE(got.load());
}

TEST(KeyLatchesTest, OtherStripesDoNotWait) {
  KeyLatches latches;
  KeyLatches::Hold h = latches.Acquire(7);
  KeyLatches::Hold other = latches.Acquire(8);  // would deadlock if it shared the stripe
  SUCCEED();
}

TEST(KeyLatchesTest, DetachedHoldStaysHeldUntilItsReleaseRuns) {
  KeyLatches latches;
  std::atomic<bool> got{false};
  std::function<void()> release;
  {
    KeyLatches::Hold h = latches.Acquire(7);
    release = h.Detach();
  }  // the handler gave up waiting: its Hold is gone, the stripe is not free
  std::thread t = Contender(latches, 7, got);
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(got.load());
  release();  // the write completed
  t.join();
  EXPECT_TRUE(got.load());
}

TEST(KeyLatchesTest, TryAcquireGivesUpAtItsDeadline) {
  KeyLatches latches;
  KeyLatches::Hold h = latches.Acquire(7);
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(latches.TryAcquireUntil(7, start + 30ms).has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  EXPECT_TRUE(latches.TryAcquireUntil(8, start + 30ms).has_value());  // another stripe
  h.Reset();
  EXPECT_TRUE(latches.TryAcquireUntil(7, std::chrono::steady_clock::now() + 30ms).has_value());
}

TEST(KeyLatchesTest, MovedHoldReleasesOnce) {
  KeyLatches latches;
  KeyLatches::Hold a = latches.Acquire(7);
  KeyLatches::Hold b = std::move(a);
  a.Reset();  // owns nothing now
  b.Reset();
  KeyLatches::Hold c = latches.Acquire(7);  // free again
  SUCCEED();
}

}  // namespace
}  // namespace ddb::node
