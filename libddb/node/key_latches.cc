#include "libddb/node/key_latches.h"

#include "libddb/core/check.h"

namespace ddb::node {

KeyLatches::Hold& KeyLatches::Hold::operator=(Hold&& other) noexcept {
  if (this != &other) {
    Reset();
    owner_ = other.owner_;
    stripe_ = other.stripe_;
    other.owner_ = nullptr;
  }
  return *this;
}

void KeyLatches::Hold::Reset() {
  if (owner_ != nullptr) owner_->Release(stripe_);
  owner_ = nullptr;
}

std::function<void()> KeyLatches::Hold::Detach() {
  DDB_CHECK(owner_ != nullptr);
  KeyLatches* owner = owner_;
  size_t stripe = stripe_;
  owner_ = nullptr;
  return [owner, stripe] { owner->Release(stripe); };
}

KeyLatches::Hold KeyLatches::Acquire(uint64_t hash) {
  const size_t index = hash % stripes_.size();
  Stripe& s = stripes_[index];
  std::unique_lock<std::mutex> lock(s.mu);
  s.cv.wait(lock, [&] { return !s.busy; });
  s.busy = true;
  return Hold(this, index);
}

std::optional<KeyLatches::Hold> KeyLatches::TryAcquireUntil(
    uint64_t hash, std::chrono::steady_clock::time_point deadline) {
  const size_t index = hash % stripes_.size();
  Stripe& s = stripes_[index];
  std::unique_lock<std::mutex> lock(s.mu);
  if (!s.cv.wait_until(lock, deadline, [&] { return !s.busy; })) return std::nullopt;
  s.busy = true;
  return Hold(this, index);
}

void KeyLatches::Release(size_t stripe) {
  Stripe& s = stripes_[stripe];
  {
    std::lock_guard<std::mutex> lock(s.mu);
    DDB_CHECK(s.busy);
    s.busy = false;
  }
  s.cv.notify_one();
}

}  // namespace ddb::node
