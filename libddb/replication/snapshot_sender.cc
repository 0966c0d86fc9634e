#include "libddb/replication/snapshot_sender.h"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "libddb/core/thread_name.h"
#include "libddb/replication/peer_transport.h"

namespace ddb::replication {

namespace {
// Chunks queued to one follower before a send waits: a follower that reads slowly holds up
// the sender instead of its memory filling with chunks.
constexpr int kQueuedChunks = 2;
// A send waits this long at a time for room, so that Cancel and the destructor never wait
// long for a chunk stuck on a follower that does not read.
constexpr int kSendStepMs = 100;
}  // namespace

SnapshotSender::SnapshotSender(size_t chunk_bytes, int send_timeout_ms)
    : chunk_bytes_(chunk_bytes),
      send_timeout_ms_(send_timeout_ms),
      transport_(std::make_unique<PeerTransport>(std::map<raft::NodeId, std::string>{},
                                                 kQueuedChunks, kSendStepMs)) {
  thread_ = std::thread([this] {
    SetThreadName("snap-sender");
    Run();
  });
}

SnapshotSender::~SnapshotSender() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  thread_.join();
}

void SnapshotSender::Send(GroupId group, raft::Message m, std::string address,
                          SnapshotReader reader) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    if (running_ == group && running_to_ == m.to && running_index_ == m.snapshot.meta.index) {
      return;
    }
    Job job{group, std::move(m), std::move(address), std::move(reader)};
    auto same = std::find_if(queue_.begin(), queue_.end(), [&](const Job& j) {
      return j.group == group && j.message.to == job.message.to;
    });
    if (same != queue_.end()) {
      *same = std::move(job);
    } else {
      queue_.push_back(std::move(job));
    }
  }
  cv_.notify_all();
}

void SnapshotSender::Cancel(GroupId group) {
  std::unique_lock<std::mutex> lock(mu_);
  queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                              [&](const Job& j) { return j.group == group; }),
               queue_.end());
  if (running_ == group) abandon_running_ = true;
  cv_.wait(lock, [&] { return running_ != group; });
}

bool SnapshotSender::Abandoned() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_ || abandon_running_;
}

void SnapshotSender::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    running_ = job.group;
    running_to_ = job.message.to;
    running_index_ = job.message.snapshot.meta.index;
    lock.unlock();
    SendOne(job);
    job = Job{};  // the reader (and the view of the data it holds) goes before Cancel returns
    lock.lock();
    running_.reset();
    abandon_running_ = false;
    cv_.notify_all();
  }
}

void SnapshotSender::SendOne(Job& job) {
  const raft::NodeId to = job.message.to;
  if (job.address.empty()) {
    spdlog::warn("group {}: no snapshot for node {}: its address is unknown", job.group, to);
    return;
  }
  // Size() walks the whole view once: for a big partition that takes long, and Cancel (from
  // the Raft loop) must not wait it out.
  job.reader->SetAbandoned([this] { return Abandoned(); });
  Result<uint64_t> size = job.reader->Size();
  if (Abandoned()) return;
  if (!size.ok()) {
    spdlog::warn("group {}: no snapshot for node {}: {}", job.group, to, size.status().ToString());
    return;
  }
  const uint64_t total = *size;
  transport_->SetAddress(to, job.address);
  transport_->Drain();
  const uint64_t chunks = std::max<uint64_t>(1, (total + chunk_bytes_ - 1) / chunk_bytes_);
  spdlog::info("group {}: sending node {} a snapshot at index {} (term {}) of {} bytes in {} {}",
               job.group, to, job.message.snapshot.meta.index, job.message.term, total,
               chunks, chunks == 1 ? "frame" : "chunks");
  GroupMessage gm{job.group, std::move(job.message)};
  // Waits for room up to send_timeout_ms_ in steps, giving up early once abandoned.
  auto send = [&](const std::string& frame) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(send_timeout_ms_);
    while (!transport_->Send(to, frame)) {
      if (Abandoned()) return false;
      if (std::chrono::steady_clock::now() >= deadline) {
        spdlog::warn("group {}: node {} took no snapshot data for {} ms; abandoned", job.group,
                     to, send_timeout_ms_);
        return false;
      }
    }
    transport_->Drain();
    return true;
  };
  // The data is read a chunk at a time, so no more than a chunk (and the frame encoding it)
  // is in memory however big the snapshot is.
  if (chunks > 1) gm.chunk_total = total;
  uint64_t offset = 0;
  do {
    if (Abandoned()) return;
    std::string chunk;
    Result<size_t> read = job.reader->Read(chunk_bytes_, &chunk);
    if (!read.ok() || (*read == 0 && offset < total) || offset + *read > total) {
      spdlog::warn("group {}: no snapshot for node {}: {}", job.group, to,
                   read.ok() ? "its data did not match its announced size " + std::to_string(total)
                             : read.status().ToString());
      return;  // the follower discards what it gathered; the leader sends again later
    }
    gm.chunk_offset = chunks > 1 ? offset : 0;
    offset += *read;
    gm.message.snapshot.data = std::make_shared<const std::string>(std::move(chunk));
    if (offset == total) {
      // The last chunk goes only if the data ends here, as announced: a follower must never
      // install the first `total` bytes of something longer.
      std::string extra;
      Result<size_t> more = job.reader->Read(1, &extra);
      if (!more.ok() || *more != 0) {
        spdlog::warn("group {}: no snapshot for node {}: its data is longer than its announced size {}",
                     job.group, to, total);
        return;
      }
    }
    // A chunk that found no room in time leaves a gap: the follower discards what it
    // gathered and the leader sends the snapshot again once it counts it as lost.
    if (!send(EncodeRaftBatch({gm}))) return;
  } while (offset < total);
}

}  // namespace ddb::replication
