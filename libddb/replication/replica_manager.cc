#include "libddb/replication/replica_manager.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <limits>

#include "libddb/core/check.h"
#include <spdlog/spdlog.h>
#include "libddb/core/thread_name.h"
#include "libddb/replication/peer_transport.h"
#include "libddb/replication/raft_codec.h"
#include "libddb/replication/snapshot_sender.h"

namespace ddb::replication {
namespace {

Status Unavailable(std::string message) {
  return Status(Code::kServiceUnavailable, std::move(message));
}

}  // namespace

Result<std::unique_ptr<ReplicaManager>> ReplicaManager::Open(const ManagerOptions& options) {
  if (options.self == raft::kNoNode) return Status::Validation("replica manager: no node id");
  std::unique_ptr<ReplicaManager> m(new ReplicaManager(options));
  DDB_ASSIGN_OR_RETURN(m->log_, RaftLogStore::Open(options.dir + "/raftlog", options.sync));
  // Snapshots arriving in chunks go to files here; what a crash left is of no use.
  m->snapshot_dir_ = options.dir + "/snapshots";
  std::error_code ec;
  std::filesystem::remove_all(m->snapshot_dir_, ec);
  if (!ec) std::filesystem::create_directories(m->snapshot_dir_, ec);
  if (ec) return Status::IOError("cannot empty " + m->snapshot_dir_ + ": " + ec.message());
  m->transport_ = std::make_unique<PeerTransport>(options.addresses);
  m->snapshots_ = std::make_unique<SnapshotSender>(options.snapshot_chunk_bytes,
                                                   options.snapshot_send_timeout_ms);
  m->loop_ = std::thread([p = m.get()] {
    SetThreadName("raft-loop");
    p->Run();
  });
  return m;
}

ReplicaManager::ReplicaManager(const ManagerOptions& options) : options_(options) {
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [id, address] : options_.addresses) {
    if (id != options_.self) last_heard_[id] = now;
  }
}

ReplicaManager::~ReplicaManager() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  snapshots_.reset();  // no snapshot reader runs once the state machines may go
  for (auto& [id, g] : groups_) {
    if (g.installing) g.restored.wait();  // nor a restore
    if (g.syncing.valid()) g.syncing.wait();  // nor a Sync
  }
  // Queued calls still run (they answer their callers), then whoever still waits learns that
  // this replica is gone.
  for (auto& fn : inbox_) fn();
  inbox_.clear();
  while (!partial_snapshots_.empty()) DropPartial(partial_snapshots_.begin());
  for (const auto& [key, path] : staged_snapshots_) std::remove(path.c_str());
  for (auto& [id, g] : groups_) {
    for (auto& [index, w] : g.proposals) w.done(Unavailable("the node is shutting down"));
    for (auto& [index, done] : g.reads) done(Unavailable("the node is shutting down"));
  }
}

void ReplicaManager::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    inbox_.push_back(std::move(fn));
  }
  cv_.notify_one();
}

Status ReplicaManager::AddGroup(GroupId group, std::vector<raft::NodeId> initial_voters,
                                std::shared_ptr<StateMachine> sm) {
  auto result = std::make_shared<std::promise<Status>>();
  std::future<Status> f = result->get_future();
  Post([this, group, voters = std::move(initial_voters), sm, result]() mutable {
    if (groups_.count(group)) {
      result->set_value(Status::OK());
      return;
    }
    Result<raft::Storage> st = log_->Load(group);
    if (!st.ok()) {
      result->set_value(st.status());
      return;
    }
    raft::Storage storage = std::move(*st);
    bool fresh = storage.hard_state.term == 0 && storage.entries.empty() &&
                 storage.snapshot.index == 0;
    if (fresh && !voters.empty()) {
      // A new group starts from an empty snapshot at index 1 on every initial member.
      storage = raft::BootstrapStorage(voters);
      raft::Ready initial;
      initial.snapshot = raft::Snapshot{storage.snapshot, nullptr};
      initial.hard_state = storage.hard_state;
      RaftLogStore::Batch batch;
      batch.Add(group, initial);
      if (Status s = log_->Write(batch); !s.ok()) {
        result->set_value(s);
        return;
      }
      if (sm->AppliedIndex() < storage.snapshot.index) {
        StringSource empty("");
        Status s = sm->Restore(storage.snapshot, empty);
        if (!s.ok()) {
          result->set_value(s);
          return;
        }
      }
    }
    Group g;
    g.sm = std::move(sm);
    if (Status started = StartCore(group, std::move(storage), &g); !started.ok()) {
      result->set_value(started);
      return;
    }
    groups_.emplace(group, std::move(g));
    result->set_value(Status::OK());
  });
  return f.get();
}

Status ReplicaManager::StartCore(GroupId group, raft::Storage storage, Group* g) {
  // The log forgets entries only once the data holds them durably (MaybeCompact, snapshot
  // sends) and a received snapshot is installed before the log records it, so data behind
  // a compacted log is damage: refuse to serve from it.
  if (storage.snapshot.index > 1 && g->sm->AppliedIndex() < storage.snapshot.index) {
    return Status::Corruption("group " + std::to_string(group) + ": the data is at index " +
                              std::to_string(g->sm->AppliedIndex()) + " but the log was compacted to " +
                              std::to_string(storage.snapshot.index));
  }
  // The state machine's applied index; never behind the snapshot (a snapshot installed just
  // before a crash may be in the data but not yet in the log store, which replays then).
  storage.applied = std::max(storage.snapshot.index, g->sm->AppliedIndex());
  raft::Index last = storage.entries.empty() ? storage.snapshot.index : storage.entries.back().index;
  storage.applied = std::min(storage.applied, std::max(storage.hard_state.commit, storage.snapshot.index));
  storage.hard_state.commit = std::min(std::max(storage.hard_state.commit, storage.snapshot.index), last);
  // The core only needs to know snapshot data exists; it is produced when sent.
  storage.snapshot_data = std::make_shared<const std::string>();
  raft::Config config;
  config.id = options_.self;
  config.election_ticks = options_.election_ticks;
  config.max_inflight = options_.max_inflight;
  config.seed = options_.seed ^ (group * 0x9E3779B97F4A7C15ULL);
  g->persisted = storage.hard_state;
  g->raft = std::make_unique<raft::Raft>(config, storage);
  return Status::OK();
}

void ReplicaManager::RestartAfterFailedInstall(GroupId id, Group& g, const Status& why) {
  const raft::Index index = g.installing->snapshot->meta.index;
  spdlog::error("group {}: installing the snapshot at index {} failed ({}); the replica starts "
                "again from what it holds, and its leader will send the snapshot again",
                id, index, why.ToString());
  // Nothing of the snapshot's Ready was persisted or sent and the state machine is as it was
  // (StateMachine::Restore's contract), so the replica is where a crash before the install
  // would have left it: a core made again from the log store is a restarted replica's.
  g.installing.reset();
  const std::string gone = "the replica restarted after a failed snapshot install";
  for (auto& [i, w] : g.proposals) w.done(Unavailable(gone));
  for (auto& [i, done] : g.reads) done(Unavailable(gone));
  g.proposals.clear();
  g.reads.clear();
  const auto group = static_cast<unsigned long long>(id);
  Result<raft::Storage> storage = log_->Load(id);
  DDB_CHECK_MSG(storage.ok(), "group %llu: reloading the raft log: %s", group,
                storage.status().ToString().c_str());
  Status started = StartCore(id, std::move(*storage), &g);
  DDB_CHECK_MSG(started.ok(), "group %llu: restarting the replica: %s", group, started.ToString().c_str());
}

Status ReplicaManager::RemoveGroup(GroupId group) {
  auto result = std::make_shared<std::promise<Status>>();
  std::future<Status> f = result->get_future();
  Post([this, group, result] {
    // Its snapshot readers read the state machine the caller deletes. (Null once the
    // destructor runs the calls still queued.)
    if (snapshots_) snapshots_->Cancel(group);
    auto it = groups_.find(group);
    if (it != groups_.end()) {
      if (it->second.installing) it->second.restored.wait();  // so does a restore
      if (it->second.syncing.valid()) it->second.syncing.wait();  // and a Sync
      for (auto& [index, w] : it->second.proposals) w.done(Unavailable("the replica was removed"));
      for (auto& [index, done] : it->second.reads) done(Unavailable("the replica was removed"));
      groups_.erase(it);
    }
    for (auto p = partial_snapshots_.begin(); p != partial_snapshots_.end();) {
      auto next = std::next(p);
      if (p->first.first == group) DropPartial(p);
      p = next;
    }
    (void)TakeStaged(group, 0);  // deletes every staged file of the group
    {
      std::lock_guard<std::mutex> lock(mu_);
      status_.erase(group);
    }
    result->set_value(log_->DropGroup(group));
  });
  return f.get();
}

Status ReplicaManager::NotLeader(GroupId id, const Group& g) const {
  raft::NodeId lead = g.raft->leader();
  return Unavailable("not the leader of group " + std::to_string(id) +
                     (lead == raft::kNoNode ? std::string("; no leader is known")
                                            : "; the leader is node " + std::to_string(lead)));
}

void ReplicaManager::Propose(GroupId group, std::string data, Done done,
                             std::optional<raft::Term> expected_term) {
  Post([this, group, data = std::move(data), done = std::move(done), expected_term]() mutable {
    auto it = groups_.find(group);
    if (it == groups_.end()) {
      done(Status::ResourceNotFound("no replica of group " + std::to_string(group) + " here"));
      return;
    }
    Group& g = it->second;
    if (expected_term && (g.raft->term() != *expected_term || g.raft->role() != raft::Role::kLeader)) {
      done(g.raft->role() == raft::Role::kLeader
               ? Unavailable("the leader of group " + std::to_string(group) +
                             " changed while the write was decided; retry")
               : NotLeader(group, g));
      return;
    }
    Result<raft::Index> index = g.raft->Propose(std::move(data));
    if (!index.ok()) {
      done(g.raft->role() == raft::Role::kLeader ? index.status() : NotLeader(group, g));
      return;
    }
    g.proposals.emplace(*index, Waiter{*index, g.raft->term(), std::move(done)});
  });
}

void ReplicaManager::ReadBarrier(GroupId group, Done done) {
  Post([this, group, done = std::move(done)]() mutable {
    auto it = groups_.find(group);
    if (it == groups_.end()) {
      done(Status::ResourceNotFound("no replica of group " + std::to_string(group) + " here"));
      return;
    }
    Group& g = it->second;
    if (!g.raft->HasLease()) {
      done(g.raft->role() == raft::Role::kLeader
               ? Unavailable("the leader of group " + std::to_string(group) +
                             " does not hold its lease yet")
               : NotLeader(group, g));
      return;
    }
    raft::Index read_index = g.raft->ReadIndex();
    if (g.installing) {
      done(Unavailable("group " + std::to_string(group) + " is installing a snapshot"));
    } else if (g.sm->AppliedIndex() >= read_index) {
      done(Status::OK());
    } else {
      g.reads.emplace(read_index, std::move(done));
    }
  });
}

Status ReplicaManager::TransferLeadership(GroupId group, raft::NodeId to) {
  auto result = std::make_shared<std::promise<Status>>();
  std::future<Status> f = result->get_future();
  Post([this, group, to, result] {
    auto it = groups_.find(group);
    result->set_value(it == groups_.end() ? Status::ResourceNotFound("no such group")
                                          : it->second.raft->TransferLeadership(to));
  });
  return f.get();
}

void ReplicaManager::Campaign(GroupId group) {
  Post([this, group] {
    auto it = groups_.find(group);
    if (it != groups_.end()) it->second.raft->Campaign();
  });
}

Status ReplicaManager::ProposeConfChange(GroupId group, const raft::ConfChange& change) {
  auto result = std::make_shared<std::promise<Status>>();
  std::future<Status> f = result->get_future();
  Post([this, group, change, result] {
    auto it = groups_.find(group);
    result->set_value(it == groups_.end() ? Status::ResourceNotFound("no such group")
                                          : it->second.raft->ProposeConfChange(change));
  });
  return f.get();
}

void ReplicaManager::Receive(std::string frame) {
  Result<std::vector<GroupMessage>> batch = DecodeRaftBatch(frame);
  if (!batch.ok()) {
    spdlog::warn("dropping a Raft batch: {}", batch.status().ToString());
    return;
  }
  if (!batch->empty()) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    for (const GroupMessage& gm : *batch) last_heard_[gm.message.from] = now;
  }
  Post([this, batch = std::move(*batch)]() mutable {
    for (GroupMessage& gm : batch) StepReceived(std::move(gm));
  });
}

void ReplicaManager::SendSnapProgress(GroupId group, raft::NodeId leader, raft::Term term,
                                      raft::Index index) {
  GroupMessage progress{group, raft::Message{}};
  progress.message.type = raft::MessageType::kSnapProgress;
  progress.message.from = options_.self;
  progress.message.to = leader;
  progress.message.term = term;
  progress.message.index = index;
  transport_->Send(leader, EncodeRaftBatch({progress}));
}

void ReplicaManager::DropPartial(
    std::map<std::pair<GroupId, raft::NodeId>, PartialSnapshot>::iterator it) {
  if (it->second.fd >= 0) ::close(it->second.fd);
  std::remove(it->second.path.c_str());
  partial_snapshots_.erase(it);
}

void ReplicaManager::CollectSnapshotFiles() {
  // A snapshot at or behind what its replica's state machine holds is of no more use: one
  // sent twice (the copy the core turned down), or one whose sending stopped half way. (Not
  // the core's applied index: it moves to a snapshot's the moment the core accepts it, before
  // the file is installed.) A group installing a snapshot is left alone: its state machine
  // may not be asked anything meanwhile, and its next snapshot may be staged already.
  auto useless = [this](GroupId group, raft::Index index) {
    auto g = groups_.find(group);
    if (g == groups_.end()) return true;
    if (g->second.installing) return false;
    return index <= g->second.sm->AppliedIndex();
  };
  for (auto it = partial_snapshots_.begin(); it != partial_snapshots_.end();) {
    auto next = std::next(it);
    if (useless(it->first.first, it->second.message.message.snapshot.meta.index)) DropPartial(it);
    it = next;
  }
  for (auto it = staged_snapshots_.begin(); it != staged_snapshots_.end();) {
    if (useless(it->first.first, it->first.second)) {
      std::remove(it->second.c_str());
      it = staged_snapshots_.erase(it);
    } else {
      ++it;
    }
  }
}

std::string ReplicaManager::TakeStaged(GroupId group, raft::Index index) {
  std::string taken;
  auto it = staged_snapshots_.lower_bound({group, 0});
  while (it != staged_snapshots_.end() && it->first.first == group) {
    if (it->first.second == index) {
      taken = std::move(it->second);
    } else {
      std::remove(it->second.c_str());
    }
    it = staged_snapshots_.erase(it);
  }
  return taken;
}

void ReplicaManager::StepReceived(GroupMessage gm) {
  auto it = groups_.find(gm.group);
  if (it == groups_.end()) return;
  if (gm.chunk_total != 0) {
    // Each chunk is written at its offset in the snapshot's file (chunks may arrive out of
    // order: the server hands Raft messages to whichever thread is free); the snapshot is
    // whole once its chunks cover it.
    const auto key = std::make_pair(gm.group, gm.message.from);
    auto partial = partial_snapshots_.find(key);
    if (partial != partial_snapshots_.end()) {
      const GroupMessage& have = partial->second.message;
      const auto have_at = std::make_pair(have.message.term, have.message.snapshot.meta.index);
      const auto got_at = std::make_pair(gm.message.term, gm.message.snapshot.meta.index);
      if (got_at < have_at) return;  // a late chunk of an older snapshot
      if (got_at != have_at || have.chunk_total != gm.chunk_total) {
        DropPartial(partial);  // a newer snapshot: the older one is abandoned
        partial = partial_snapshots_.end();
      }
    }
    if (partial == partial_snapshots_.end()) {
      PartialSnapshot p;
      p.path = snapshot_dir_ + "/g" + std::to_string(gm.group) + "-" + std::to_string(next_snapshot_file_++);
      p.fd = ::open(p.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (p.fd < 0) {
        spdlog::warn("group {}: cannot store a snapshot in {}: {}", gm.group, p.path, std::strerror(errno));
        return;
      }
      p.message = gm;
      p.message.message.snapshot.data.reset();
      partial = partial_snapshots_.emplace(key, std::move(p)).first;
    }
    PartialSnapshot& p = partial->second;
    const std::string& chunk = *gm.message.snapshot.data;
    if (p.chunks.emplace(gm.chunk_offset, chunk.size()).second) {  // not a chunk seen before
      for (size_t written = 0; written < chunk.size();) {
        const ssize_t n = ::pwrite(p.fd, chunk.data() + written, chunk.size() - written,
                                   static_cast<off_t>(gm.chunk_offset + written));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          spdlog::warn("group {}: cannot store a snapshot in {}: {}", gm.group, p.path, std::strerror(errno));
          DropPartial(partial);
          return;
        }
        written += static_cast<size_t>(n);
      }
      p.bytes += chunk.size();
    }
    if (p.bytes < gm.chunk_total) {
      // Tell the leader the snapshot is arriving, so that it does not count it as lost while
      // a big one takes longer than its timeout.
      SendSnapProgress(gm.group, gm.message.from, gm.message.term, gm.message.snapshot.meta.index);
      return;
    }
    uint64_t covered = 0;
    for (const auto& [offset, size] : p.chunks) {
      if (offset != covered) break;  // overlapping chunks: not from one sender's split
      covered += size;
    }
    if (covered != gm.chunk_total) {
      DropPartial(partial);
      return;
    }
    // Whole. (No fsync: the state machine makes what it restores durable itself, and after a
    // crash the leader sends the snapshot again.)
    ::close(p.fd);
    p.fd = -1;
    const auto staged = std::make_pair(gm.group, p.message.message.snapshot.meta.index);
    if (auto old = staged_snapshots_.find(staged); old != staged_snapshots_.end()) {
      std::remove(old->second.c_str());
    }
    staged_snapshots_[staged] = p.path;
    gm = std::move(p.message);  // without data: ProcessReadys restores from the file
    partial_snapshots_.erase(partial);
  }
  it->second.raft->Step(std::move(gm.message));
}

std::vector<GroupStatus> ReplicaManager::Groups() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GroupStatus> out;
  for (const auto& [id, s] : status_) out.push_back(s);
  return out;
}

void ReplicaManager::SetPeers(const std::map<raft::NodeId, std::string>& addresses) {
  std::map<raft::NodeId, std::string> peers = addresses;
  peers.erase(options_.self);
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [id, address] : peers) last_heard_.emplace(id, now);
  }
  Post([this, peers] {
    for (const auto& [id, address] : peers) transport_->SetAddress(id, address);
  });
}

std::map<raft::NodeId, std::chrono::steady_clock::time_point> ReplicaManager::LastHeard() {
  std::lock_guard<std::mutex> lock(mu_);
  return last_heard_;
}

std::optional<raft::Term> ReplicaManager::WriteTerm(GroupId group) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = status_.find(group);
  if (it == status_.end() || !it->second.writable) return std::nullopt;
  return it->second.term;
}

raft::NodeId ReplicaManager::LeaderOf(GroupId group) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = status_.find(group);
  return it == status_.end() ? raft::kNoNode : it->second.leader;
}

raft::NodeId ReplicaManager::LiveLeaderOf(GroupId group) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = status_.find(group);
  if (it == status_.end()) return raft::kNoNode;
  const GroupStatus& s = it->second;
  return s.role == raft::Role::kLeader || s.leader_heard ? s.leader : raft::kNoNode;
}

// --- The loop -------------------------------------------------------------------------------

void ReplicaManager::Run() {
  using Clock = std::chrono::steady_clock;
  const auto tick = std::chrono::milliseconds(options_.tick_ms);
  auto next_tick = Clock::now() + tick;
  bool more = false;  // a group has a Ready already (e.g. commits found by the last Advance)
  for (;;) {
    std::vector<std::function<void()>> work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!more) cv_.wait_until(lock, next_tick, [&] { return stopping_ || !inbox_.empty(); });
      if (stopping_) return;
      work.swap(inbox_);
    }
    // Ticks first: a lease is judged by the ticks the core has seen, so a loop that stalled
    // (a slow fsync, a descheduled process) must catch its clock up before it answers a read
    // barrier. Ticks missed beyond an election timeout change nothing more (every lease and
    // election timer has run out by then) and are dropped.
    if (Clock::now() >= next_tick) {
      int due = 0;
      while (Clock::now() >= next_tick && due <= options_.election_ticks) {
        ++due;
        next_tick += tick;
      }
      if (next_tick <= Clock::now()) next_tick = Clock::now() + tick;
      for (int i = 0; i < due; ++i) {
        for (auto& [id, g] : groups_) g.raft->Tick();
      }
      // A long restore is progress too: the leader must not send the snapshot again.
      for (auto& [id, g] : groups_) {
        if (g.installing && g.raft->leader() != raft::kNoNode) {
          SendSnapProgress(id, g.raft->leader(), g.raft->term(), g.installing->snapshot->meta.index);
        }
      }
      transport_->Drain();
      CollectSnapshotFiles();
      // One Idle at a time on the node: groups that went quiet together (a bulk load over
      // many tables) flush one after another, not all at once.
      const auto now = Clock::now();
      bool idle_running = false;
      for (auto& [id, g] : groups_) idle_running = idle_running || IdleRunning(g);
      for (auto& [id, g] : groups_) idle_running = MaybeIdle(id, g, now, !idle_running) || idle_running;
    }
    for (auto& fn : work) fn();
    ProcessReadys();
    PublishStatus();
    more = false;
    for (auto& [id, g] : groups_) more = more || (!g.installing && g.raft->HasReady());
  }
}

void ReplicaManager::ProcessReadys() {
  RaftLogStore::Batch batch = std::move(pending_compactions_);
  pending_compactions_ = RaftLogStore::Batch();
  bool sync = false;
  std::vector<std::pair<GroupId, raft::Ready>> readys;
  for (auto& [id, g] : groups_) {
    raft::Ready rd;
    if (g.installing) {
      if (g.restored.wait_for(std::chrono::seconds(0)) != std::future_status::ready) continue;
      Status s = g.restored.get();
      if (!s.ok()) {
        RestartAfterFailedInstall(id, g, s);
        continue;
      }
      rd = std::move(*g.installing);
      g.installing.reset();
    } else {
      if (!g.raft->HasReady()) continue;
      rd = g.raft->GetReady();
      if (rd.snapshot) {
        // A Sync must not run alongside the Restore (it records a durable index of the data
        // being replaced). Its compaction is moot: the log now starts at the snapshot. An
        // Idle (sync_at 0) may go on: it works on the data it holds, which the Restore
        // replaces with a new store, and it may take seconds (a memtable flush).
        if (g.syncing.valid() && g.sync_at != 0) g.syncing.wait();
        // Restoring may take long (a big partition): it runs on its own thread while the
        // loop goes on serving the other groups. Nothing of this Ready is persisted or sent
        // until the state machine holds the snapshot, and the group's core gives no other
        // Ready meanwhile (it still steps messages and ticks).
        // A snapshot that came in chunks is restored from the file they went to; a small one
        // from the message's data.
        std::string staged = TakeStaged(id, rd.snapshot->meta.index);
        g.restored = std::async(std::launch::async, [this, sm = g.sm, snapshot = *rd.snapshot,
                                                     staged = std::move(staged)] {
          SetThreadName("snap-restore");
          Status s;
          if (!staged.empty()) {
            Result<std::unique_ptr<FileSource>> file = FileSource::Open(staged);
            s = file.ok() ? sm->Restore(snapshot.meta, **file) : file.status();
            std::remove(staged.c_str());
          } else if (snapshot.data != nullptr) {
            StringSource data(*snapshot.data);
            s = sm->Restore(snapshot.meta, data);
          } else {
            // Stepped without data yet not staged: never restore "nothing" in its place.
            s = Status::Corruption("the file of the snapshot at index " +
                                   std::to_string(snapshot.meta.index) + " is gone");
          }
          Post([] {});  // wakes the loop
          return s;
        });
        g.installing = std::move(rd);
        continue;
      }
    }
    // Entries, snapshots, terms and votes are promises to others and must be on disk before
    // any message leaves; a commit index alone is not (the leader tells it again).
    if (rd.snapshot || !rd.entries.empty()) sync = true;
    if (rd.hard_state) {
      if (rd.hard_state->term != g.persisted.term || rd.hard_state->vote != g.persisted.vote) {
        sync = true;
      }
      g.persisted = *rd.hard_state;
    }
    batch.Add(id, rd);
    readys.emplace_back(id, std::move(rd));
  }
  if (readys.empty() && batch.empty()) return;
  // A leader's appends and heartbeats leave before its own fsync, so the followers' fsyncs
  // overlap the leader's (Raft thesis 10.2.1): the leader counts itself toward a commit only
  // once its entries are stable (Raft::Advance), so nothing commits on the strength of
  // entries it may still lose. Everything else (votes and their answers, acknowledgements)
  // waits for the fsync: those are promises about this node's disk.
  {
    std::map<raft::NodeId, std::vector<GroupMessage>> early;
    for (auto& [id, rd] : readys) {
      auto late = std::stable_partition(rd.messages.begin(), rd.messages.end(), [](const raft::Message& m) {
        return m.type == raft::MessageType::kApp || m.type == raft::MessageType::kHeartbeat;
      });
      for (auto it = rd.messages.begin(); it != late; ++it) {
        early[it->to].push_back(GroupMessage{id, std::move(*it)});
      }
      rd.messages.erase(rd.messages.begin(), late);
    }
    for (auto& [to, msgs] : early) transport_->Send(to, EncodeRaftBatch(msgs));
  }
  // Committed entries this node already holds durably are applied, and their writers answered,
  // before the fsync of the new entries: a write acknowledged in one iteration must not wait
  // for the next iteration's fsync as well. Entries not yet stable here (a follower learns of
  // commits together with the entries) wait for the write below.
  for (auto& [id, rd] : readys) {
    Group& g = groups_.at(id);
    ApplyCommitted(id, g, rd, g.raft->log().stable());
  }
  if (!batch.empty()) {
    Status s = log_->Write(batch, sync);
    // A node that cannot persist its log must not acknowledge anything: stop loudly.
    DDB_CHECK_MSG(s.ok(), "raft log write failed: %s", s.ToString().c_str());
  }
  std::map<raft::NodeId, std::vector<GroupMessage>> outgoing;
  for (auto& [id, rd] : readys) {
    Group& g = groups_.at(id);
    for (raft::Message& m : rd.messages) {
      if (m.type == raft::MessageType::kSnap) {
        // Snapshot the state machine now, at its applied index, and compact the log there so
        // that the metadata matches the data exactly. The data is read and sent by the
        // snapshot thread: reading a big partition must not stop the loop.
        // An Idle in flight (a memtable flush, seconds maybe) must not stop the loop: the
        // snapshot goes later (the leader sends it again).
        if (IdleRunning(g)) continue;
        FinishSync(id, g, &pending_compactions_, /*wait=*/true);  // never two Syncs at once
        SnapshotReader reader = g.sm->Snapshot();
        raft::Index at = g.sm->AppliedIndex();
        const raft::RaftLog& log = g.raft->log();
        if (at < log.SnapshotIndex() ||
            (at > log.SnapshotIndex() && (at > log.stable() || at > log.applied()))) {
          continue;  // the data and the log disagree for now; the leader retries later
        }
        if (at > log.SnapshotIndex()) {
          // The log may only forget what the data holds durably.
          if (Status s = g.sm->Sync(); !s.ok()) {
            spdlog::warn("group {}: no snapshot for node {}: the data did not sync: {}", id,
                         m.to, s.ToString());
            continue;
          }
          g.raft->Compact(at, std::make_shared<const std::string>());
          pending_compactions_.Compact(id, g.raft->snapshot().meta);
        }
        m.snapshot.meta = g.raft->snapshot().meta;
        m.snapshot.data.reset();
        m.from = options_.self;
        const raft::NodeId to = m.to;
        snapshots_->Send(id, std::move(m), transport_->Address(to), std::move(reader));
        continue;
      }
      outgoing[m.to].push_back(GroupMessage{id, std::move(m)});
    }
  }
  for (auto& [to, msgs] : outgoing) transport_->Send(to, EncodeRaftBatch(msgs));
  for (auto& [id, rd] : readys) Apply(id, groups_.at(id), rd);
}

void ReplicaManager::ApplyCommitted(GroupId id, Group& g, const raft::Ready& rd,
                                    raft::Index up_to) {
  std::vector<raft::Entry> fresh;
  for (const raft::Entry& e : rd.committed) {
    if (e.index > up_to) break;
    if (e.index > g.sm->AppliedIndex()) fresh.push_back(e);
  }
  if (!fresh.empty()) {
    Status s = g.sm->ApplyAll(fresh);
    DDB_CHECK_MSG(s.ok(), "group %llu: applying entries %llu to %llu failed: %s",
                  static_cast<unsigned long long>(id),
                  static_cast<unsigned long long>(fresh.front().index),
                  static_cast<unsigned long long>(fresh.back().index), s.ToString().c_str());
  }
  for (const raft::Entry& e : fresh) {
    auto [begin, end] = g.proposals.equal_range(e.index);
    for (auto it = begin; it != end; ++it) {
      it->second.done(it->second.term == e.term
                          ? Status::OK()
                          : Unavailable("the proposal was superseded by a new leader; retry"));
    }
    g.proposals.erase(begin, end);
  }
  const raft::Index applied = g.sm->AppliedIndex();
  for (auto it = g.reads.begin(); it != g.reads.end() && it->first <= applied;) {
    it->second(Status::OK());
    it = g.reads.erase(it);
  }
}

void ReplicaManager::Apply(GroupId id, Group& g, const raft::Ready& rd) {
  ApplyCommitted(id, g, rd, std::numeric_limits<raft::Index>::max());
  g.raft->Advance(rd);
  // Proposals at indexes that were applied (say, through a snapshot) without being answered
  // above were superseded. So is any proposal of a term older than an applied entry's: every
  // later leader's log holds that entry, and log terms never go down, so no entry of the older
  // term can ever follow it (without this, a proposal beyond the end of a new leader's quiet
  // log would wait for writes that may never come).
  raft::Index applied = g.sm->AppliedIndex();
  std::optional<raft::Term> applied_term = g.raft->log().TermAt(g.raft->log().applied());
  for (auto it = g.proposals.begin(); it != g.proposals.end();) {
    if (it->first <= applied || (applied_term && it->second.term < *applied_term)) {
      it->second.done(Unavailable("the proposal was superseded by a new leader; retry"));
      it = g.proposals.erase(it);
    } else {
      ++it;
    }
  }
  MaybeCompact(id, g, &pending_compactions_);
}

void ReplicaManager::FinishSync(GroupId id, Group& g, RaftLogStore::Batch* next, bool wait) {
  if (!g.syncing.valid()) return;
  if (!wait && g.syncing.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  Status s = g.syncing.get();
  if (!s.ok()) {
    spdlog::warn("group {}: {}: {}", id,
                 g.sync_at == 0 ? "the state machine's idle work failed" : "not compacting, the data did not sync",
                 s.ToString());
    return;
  }
  // The log may have moved past sync_at meanwhile (a snapshot sent or received): then there is
  // nothing to compact, and the snapshot it holds must not be recorded here (a received one
  // is recorded only once it is installed).
  if (g.sync_at <= g.raft->log().SnapshotIndex()) return;
  g.raft->Compact(g.sync_at, std::make_shared<const std::string>());
  next->Compact(id, g.raft->snapshot().meta);
}

void ReplicaManager::MaybeCompact(GroupId id, Group& g, RaftLogStore::Batch* next) {
  FinishSync(id, g, next, /*wait=*/false);
  if (g.syncing.valid()) return;  // one Sync at a time
  const raft::RaftLog& log = g.raft->log();
  if (log.LastIndex() - log.SnapshotIndex() <= options_.compact_after) return;
  raft::Index at = std::min(g.sm->AppliedIndex(), log.stable());
  if (at <= log.SnapshotIndex() || at > log.applied()) return;  // before paying for a Sync
  // Syncing the data store (an fsync of what it has written since the last one): on a thread
  // of its own, while the loop goes on applying; the log is compacted at `at` once it is
  // done (everything applied by then is durable, `at` included).
  g.sync_at = at;
  g.syncing = std::async(std::launch::async, [this, sm = g.sm] {
    SetThreadName("data-sync");
    Status s = sm->Sync();
    Post([] {});  // wakes the loop
    return s;
  });
}

bool ReplicaManager::IdleRunning(Group& g) {
  return g.syncing.valid() && g.sync_at == 0 &&
         g.syncing.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
}

bool ReplicaManager::MaybeIdle(GroupId id, Group& g, std::chrono::steady_clock::time_point now, bool may_start) {
  if (g.installing) return false;
  const raft::Index applied = g.sm->AppliedIndex();
  if (applied != g.seen_applied) {
    g.seen_applied = applied;
    g.applied_changed = now;
    return false;
  }
  if (!may_start || applied == g.idled_at ||
      now - g.applied_changed < std::chrono::milliseconds(options_.idle_ms)) {
    return false;
  }
  FinishSync(id, g, &pending_compactions_, /*wait=*/false);
  if (g.syncing.valid()) return false;  // one job of the group's at a time
  g.idled_at = applied;
  g.sync_at = 0;
  g.syncing = std::async(std::launch::async, [this, sm = g.sm] {
    SetThreadName("data-idle");
    Status s = sm->Idle();
    Post([] {});  // wakes the loop
    return s;
  });
  return true;
}

void ReplicaManager::PublishStatus() {
  std::map<GroupId, GroupStatus> status;
  for (auto& [id, g] : groups_) {
    const raft::Raft& r = *g.raft;
    GroupStatus s;
    s.group = id;
    s.role = r.role();
    s.leader = r.leader();
    s.term = r.term();
    s.commit = r.log().committed();
    s.applied = r.log().applied();
    s.last = r.log().LastIndex();
    s.lease = r.HasLease();
    s.leader_heard = r.leader() != raft::kNoNode && r.ticks_since_contact() <= 2;
    s.writable = r.role() == raft::Role::kLeader && !r.leaving() && r.term_start() > 0 && !g.installing &&
                 g.sm->AppliedIndex() >= r.term_start();
    s.conf = r.conf();
    for (const auto& [peer, pr] : r.progress()) s.match[peer] = pr.match;
    status.emplace(id, std::move(s));
  }
  std::lock_guard<std::mutex> lock(mu_);
  status_ = std::move(status);
}

}  // namespace ddb::replication
