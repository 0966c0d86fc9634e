// KeyLatches: serialize read-modify-write sequences on one item for as long as the write is in
// flight, striped by key hash.
//
// A write reads the item, decides (conditions, update expressions) and proposes the outcome
// through Raft; the next write of that item must not read before the outcome is applied. A
// handler that stops waiting for its proposal (a timeout: the outcome is unknown) hands its
// Hold to the proposal, which releases the stripe when it finally completes; until then, later
// writes of the item wait, as they must, for state nobody knows yet (the node bounds that wait
// with TryAcquireUntil and answers retryably).
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

namespace ddb::node {

class KeyLatches {
 public:
  // Owns one held stripe; releases it when destroyed unless Detach()ed.
  class Hold {
   public:
    Hold() = default;
    Hold(Hold&& other) noexcept : owner_(other.owner_), stripe_(other.stripe_) {
      other.owner_ = nullptr;
    }
    Hold& operator=(Hold&& other) noexcept;
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold() { Reset(); }
    // Releases the stripe now.
    void Reset();
    // Hands the release to the caller: the returned function releases the stripe (call it
    // exactly once, from any thread); this Hold no longer owns it.
    std::function<void()> Detach();

   private:
    friend class KeyLatches;
    Hold(KeyLatches* owner, size_t stripe) : owner_(owner), stripe_(stripe) {}
    KeyLatches* owner_ = nullptr;
    size_t stripe_ = 0;
  };

  // Waits until the stripe of `hash` is free and takes it.
  Hold Acquire(uint64_t hash);
  // As Acquire, but gives up at `deadline` (nullopt): a stripe may stay held for as long as a
  // write of unknown outcome is in flight, say through a network partition.
  std::optional<Hold> TryAcquireUntil(uint64_t hash, std::chrono::steady_clock::time_point deadline);

 private:
  struct Stripe {
    std::mutex mu;
    std::condition_variable cv;
    bool busy = false;  // GUARDED_BY(mu)
  };
  void Release(size_t stripe);

  std::array<Stripe, 1024> stripes_;
};

}  // namespace ddb::node
