// ReplicaManager: three managers in one process, each with its own ZeroMQ server on loopback
// and its own Raft log on disk, replicating a small key-value state machine. Elections,
// replication, lease reads, failover after a node stops, catch-up from the log and from a
// snapshot.
#include "libddb/replication/replica_manager.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "libddb/core/coding.h"
#include "tests/replication/loopback_cluster.h"

namespace ddb::replication {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A map from key to value; entries are "key=value". Its "disk" is this object, which outlives
// the manager when a node restarts.
class KvMachine : public StateMachine {
 public:
  raft::Index AppliedIndex() override {
    std::lock_guard<std::mutex> lock(mu_);
    return applied_;
  }
  Status Apply(const raft::Entry& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (e.index != applied_ + 1) return Status::Internal("out of order apply");
    if (e.type == raft::EntryType::kNormal && !e.data.empty()) {
      size_t eq = e.data.find('=');
      kv_[e.data.substr(0, eq)] = e.data.substr(eq + 1);
      if (e.data.rfind("blob:", 0) == 0) kv_[e.data.substr(0, eq)] = Blob(std::stoul(e.data.substr(eq + 1)));
    }
    applied_ = e.index;
    return Status::OK();
  }
  Status Sync() override { return Status::OK(); }
  Status Idle() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++idles_;
    return Status::OK();
  }
  int idles() {
    std::lock_guard<std::mutex> lock(mu_);
    return idles_;
  }
  SnapshotReader Snapshot() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string s;
    for (const auto& [k, v] : kv_) {
      PutLengthPrefixed(&s, k);
      PutLengthPrefixed(&s, v);
    }
    return std::make_unique<StringSource>(std::move(s));
  }
  Status Restore(const raft::SnapshotMeta& meta, ByteSource& source) override {
    if (restore_delay_.count() > 0) std::this_thread::sleep_for(restore_delay_);  // a big one
    DDB_ASSIGN_OR_RETURN(std::string data, ReadAll(source));
    std::lock_guard<std::mutex> lock(mu_);
    if (failures_left_ > 0) {  // as a full disk would: an error, and nothing changed
      --failures_left_;
      ++failed_restores_;
      return Status::IOError("no space left on device (a test's)");
    }
    kv_.clear();
    Reader r(data);
    std::string_view k, v;
    while (!r.empty() && r.ReadLengthPrefixed(&k) && r.ReadLengthPrefixed(&v)) {
      kv_[std::string(k)] = std::string(v);
    }
    applied_ = meta.index;
    ++restores_;
    return Status::OK();
  }
  // "blob:NAME=N" stores N bytes of Blob(N) under blob:NAME: a big state from a small entry.
  static std::string Blob(size_t n) {
    std::string b(n, '\0');
    uint64_t x = n;
    for (size_t i = 0; i < n; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      b[i] = static_cast<char>(x >> 56);
    }
    return b;
  }
  std::map<std::string, std::string> kv() {
    std::lock_guard<std::mutex> lock(mu_);
    return kv_;
  }
  int restores() {
    std::lock_guard<std::mutex> lock(mu_);
    return restores_;
  }
  int failed_restores() {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_restores_;
  }
  // The next `n` restores fail, changing nothing.
  void set_restore_failures(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_left_ = n;
  }

 // Restore takes this long (a partition of gigabytes); set before the machine is used.
  void set_restore_delay(std::chrono::milliseconds d) { restore_delay_ = d; }

 private:
  std::chrono::milliseconds restore_delay_{0};
  std::mutex mu_;
  std::map<std::string, std::string> kv_;
  raft::Index applied_ = 0;
  int restores_ = 0;
  int failures_left_ = 0, failed_restores_ = 0;
  int idles_ = 0;
};

class ReplicaManagerTest : public ::testing::Test {
 protected:
  ReplicaManagerTest()
      : cluster_(std::string("replica_test_") +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name()) {
    for (raft::NodeId id : cluster_.ids()) sms_[id] = std::make_shared<KvMachine>();
  }

  void StartManager(raft::NodeId id, raft::Index compact_after = 10000,
                    size_t snapshot_chunk_bytes = 8 << 20) {
    cluster_.StartManager(id, sms_[id], compact_after, snapshot_chunk_bytes);
  }
  void Stop(raft::NodeId id) { cluster_.Stop(id); }
  void StartServer(raft::NodeId id) { cluster_.StartServer(id); }
  raft::NodeId WaitForLeaseHolder(std::chrono::milliseconds limit) {
    return cluster_.WaitForLeaseHolder(limit);
  }
  Status ProposeSync(raft::NodeId id, const std::string& data) {
    return cluster_.ProposeSync(id, data);
  }
  Status ReadBarrierSync(raft::NodeId id) { return cluster_.ReadBarrierSync(id); }

  // Waits until every running node's state machine equals `want`.
  bool WaitConverged(const std::map<std::string, std::string>& want) {
    return LoopbackCluster::Eventually([&] {
      for (raft::NodeId id : cluster_.ids()) {
        if (cluster_.node(id).owned && sms_[id]->kv() != want) return false;
      }
      return true;
    });
  }

  // Node X (returned) leads group 1; group 2 runs on the other two nodes (`g2`, its leader
  // `leader2`) with its log compacted past anything a new replica could catch up from. `x_sm`
  // is what X's replica of group 2 will be; the caller adds it (AddX).
  struct SecondGroup {
    raft::NodeId x = raft::kNoNode;
    raft::Term term = 0;  // group 1's, at X
    raft::NodeId leader2 = raft::kNoNode;
    std::map<raft::NodeId, std::shared_ptr<KvMachine>> g2;
  };
  void SetUpSecondGroup(SecondGroup* out) {
    for (raft::NodeId id = 1; id <= 3; ++id) StartManager(id, /*compact_after=*/10);
    out->x = WaitForLeaseHolder(5s);
    ASSERT_NE(out->x, raft::kNoNode);
    out->term = TermOf(out->x);
    std::vector<raft::NodeId> others;
    for (raft::NodeId id : cluster_.ids()) {
      if (id != out->x) others.push_back(id);
    }
    for (raft::NodeId id : others) {
      out->g2[id] = std::make_shared<KvMachine>();
      ASSERT_TRUE(cluster_.node(id).owned->AddGroup(2, others, out->g2[id]).ok());
    }
    ASSERT_TRUE(LoopbackCluster::Eventually([&] {
      for (raft::NodeId id : others) {
        if (StatusOf(id, 2).writable) out->leader2 = id;
      }
      return out->leader2 != raft::kNoNode;
    }));
    for (int i = 0; i < 30; ++i) {  // the log is compacted every 10 entries: X needs a snapshot
      ASSERT_TRUE(ProposeTo(out->leader2, 2, "k" + std::to_string(i) + "=v").ok());
    }
    out->g2[out->x] = std::make_shared<KvMachine>();
  }
  // X's replica of group 2 joins, as a learner, and needs the snapshot.
  void AddX(const SecondGroup& sg) {
    ASSERT_TRUE(cluster_.node(sg.x).owned->AddGroup(2, {}, sg.g2.at(sg.x)).ok());
    ASSERT_TRUE(cluster_.node(sg.leader2)
                    .owned->ProposeConfChange(2, {raft::ConfChange::Type::kAddLearner, sg.x})
                    .ok());
  }
  Status ProposeTo(raft::NodeId id, GroupId group, const std::string& data) {
    auto done = std::make_shared<std::promise<Status>>();
    cluster_.node(id).owned->Propose(group, data, [done](Status s) { done->set_value(s); });
    return done->get_future().get();
  }

  // The status of `id`'s replica of `group` (a default one if it has none).
  GroupStatus StatusOf(raft::NodeId id, GroupId group = 1) {
    for (const GroupStatus& s : cluster_.node(id).owned->Groups()) {
      if (s.group == group) return s;
    }
    return GroupStatus{};
  }
  raft::Term TermOf(raft::NodeId id) { return StatusOf(id).term; }

  // With the log compacted every 10 entries: stops a follower, proposes `entries` and then
  // `small_writes` writes "kI=I" through the leader, restarts the follower and checks that it
  // reaches `want` (plus the small writes) through a snapshot, with no election meanwhile (the
  // leader's loop does not stop to read or send the snapshot).
  void LagThenCatchUpBySnapshot(const std::vector<std::string>& entries,
                                std::map<std::string, std::string> want, int small_writes) {
    for (raft::NodeId id = 1; id <= 3; ++id) StartManager(id, /*compact_after=*/10);
    raft::NodeId leader = WaitForLeaseHolder(5s);
    ASSERT_NE(leader, raft::kNoNode);
    raft::NodeId lagging = leader % 3 + 1;
    Stop(lagging);
    for (const std::string& e : entries) ASSERT_TRUE(ProposeSync(leader, e).ok());
    for (int i = 0; i < small_writes; ++i) {
      std::string k = "k" + std::to_string(i), v = std::to_string(i);
      ASSERT_TRUE(ProposeSync(leader, k + "=" + v).ok());
      want[k] = v;
    }
    int restores_before = sms_[lagging]->restores();
    const raft::Term term = TermOf(leader);
    StartServer(lagging);
    StartManager(lagging, 10);
    ASSERT_TRUE(WaitConverged(want));
    EXPECT_GT(sms_[lagging]->restores(), restores_before) << "caught up without a snapshot";
    EXPECT_EQ(TermOf(leader), term) << "an election happened while the snapshot was sent";
    // A snapshot that came in chunks went through a file, removed once restored.
    const std::filesystem::path staged = cluster_.node(lagging).dir + "/snapshots";
    EXPECT_TRUE(LoopbackCluster::Eventually([&] { return std::filesystem::is_empty(staged); }))
        << "a snapshot file was left in " << staged;
  }

  LoopbackCluster cluster_;
  std::map<raft::NodeId, std::shared_ptr<KvMachine>> sms_;
};

TEST_F(ReplicaManagerTest, ReplicatesLeasesAndFailsOver) {
  for (raft::NodeId id = 1; id <= 3; ++id) StartManager(id);
  raft::NodeId leader = WaitForLeaseHolder(5s);
  ASSERT_NE(leader, raft::kNoNode) << "no leader within 5 s";
  std::map<std::string, std::string> want;
  for (int i = 0; i < 20; ++i) {
    std::string k = "k" + std::to_string(i % 7), v = "v" + std::to_string(i);
    ASSERT_TRUE(ProposeSync(leader, k + "=" + v).ok());
    want[k] = v;
  }
  // Applied on the leader when acknowledged, and everywhere soon after.
  EXPECT_EQ(sms_[leader]->kv(), want);
  ASSERT_TRUE(WaitConverged(want));
  EXPECT_TRUE(ReadBarrierSync(leader).ok());
  raft::NodeId follower = leader % 3 + 1;
  Status refused = ProposeSync(follower, "x=y");
  EXPECT_EQ(refused.code(), Code::kServiceUnavailable);
  EXPECT_NE(refused.message().find("the leader is node " + std::to_string(leader)),
            std::string::npos)
      << refused.ToString();
  EXPECT_EQ(ReadBarrierSync(follower).code(), Code::kServiceUnavailable);

  // The leader stops; another takes over and accepts writes within 3 s (tick 20 ms here, so
  // this is well inside the bound at the default 50 ms too).
  auto stopped_at = Clock::now();
  Stop(leader);
  raft::NodeId next = WaitForLeaseHolder(3s);
  ASSERT_NE(next, raft::kNoNode);
  ASSERT_NE(next, leader);
  ASSERT_TRUE(ProposeSync(next, "after=failover").ok());
  auto failover_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stopped_at).count();
  EXPECT_LT(failover_ms, 3000);
  std::printf("failover: a new leader committed a write %lld ms after the old one stopped\n",
              static_cast<long long>(failover_ms));
  want["after"] = "failover";

  // The old leader comes back (same log, same data) and catches up from the log.
  StartServer(leader);
  StartManager(leader);
  EXPECT_TRUE(WaitConverged(want));
}

// A group that stops applying lets its state machines give back memory once, after
// idle_ms, and again only after new entries and another quiet spell.
TEST_F(ReplicaManagerTest, AQuietGroupGoesIdleOncePerQuietSpell) {
  cluster_.set_idle_ms(150);
  for (raft::NodeId id = 1; id <= 3; ++id) StartManager(id);
  raft::NodeId leader = WaitForLeaseHolder(5s);
  ASSERT_NE(leader, raft::kNoNode);
  ASSERT_TRUE(ProposeSync(leader, "a=1").ok());
  ASSERT_TRUE(WaitConverged({{"a", "1"}}));
  auto idles = [&] {
    std::map<raft::NodeId, int> n;
    for (raft::NodeId id = 1; id <= 3; ++id) n[id] = sms_[id]->idles();
    return n;
  };
  // Quiet now: each replica goes idle once, then stays (four times idle_ms without a change).
  std::map<raft::NodeId, int> before;
  ASSERT_TRUE(LoopbackCluster::Eventually([&] {
    before = idles();
    std::this_thread::sleep_for(600ms);
    if (idles() != before) return false;
    for (const auto& [id, n] : before) {
      if (n < 1) return false;
    }
    return true;
  }));
  // New entries, then quiet again: each goes idle once more (more than once only if a new
  // term's entry came in between), then stays.
  leader = WaitForLeaseHolder(5s);
  ASSERT_NE(leader, raft::kNoNode);
  ASSERT_TRUE(ProposeSync(leader, "b=2").ok());
  ASSERT_TRUE(LoopbackCluster::Eventually([&] {
    for (const auto& [id, n] : idles()) {
      if (n <= before[id]) return false;
    }
    return true;
  }));
  ASSERT_TRUE(LoopbackCluster::Eventually([&] {
    std::map<raft::NodeId, int> now = idles();
    std::this_thread::sleep_for(600ms);
    return idles() == now;
  }));
}

// A leader cut off from the others accepts proposals it cannot commit; the others elect a
// leader whose log stays short (no writes). Once the old leader hears of the new term's
// applied entry, every one of its proposals is answered as superseded, also those beyond the
// end of the new leader's log (which no later leader can ever commit).
TEST_F(ReplicaManagerTest, ProposalsOfADeposedLeaderAreAnswered) {
  for (raft::NodeId id = 1; id <= 3; ++id) StartManager(id);
  raft::NodeId leader = WaitForLeaseHolder(5s);
  ASSERT_NE(leader, raft::kNoNode);
  ASSERT_TRUE(ProposeSync(leader, "a=1").ok());
  cluster_.Isolate(leader, true);
  std::vector<std::future<Status>> answers;
  for (int i = 0; i < 5; ++i) {
    auto p = std::make_shared<std::promise<Status>>();
    answers.push_back(p->get_future());
    cluster_.node(leader).owned->Propose(1, "lost=" + std::to_string(i),
                                         [p](Status s) { p->set_value(s); });
  }
  raft::NodeId next = raft::kNoNode;
  ASSERT_TRUE(LoopbackCluster::Eventually([&] {
    for (raft::NodeId id : cluster_.ids()) {
      if (id == leader) continue;
      for (const GroupStatus& s : cluster_.node(id).owned->Groups()) {
        if (s.lease) next = id;
      }
    }
    return next != raft::kNoNode;
  }));
  cluster_.Isolate(leader, false);
  for (auto& f : answers) {
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready) << "a proposal was never answered";
    Status s = f.get();
    EXPECT_EQ(s.code(), Code::kServiceUnavailable) << s.ToString();
  }
  EXPECT_TRUE(WaitConverged({{"a", "1"}}));
}

TEST_F(ReplicaManagerTest, LaggingReplicaCatchesUpFromSnapshot) {
  LagThenCatchUpBySnapshot({}, {}, 60);
}

// A state bigger than a frame may hold (proto::kMaxFrameBytes, 64 MB) still reaches a lagging
// replica: the snapshot travels in chunks (ManagerOptions::snapshot_chunk_bytes) and is
// gathered (in a file) before the core sees it.
TEST_F(ReplicaManagerTest, SnapshotBiggerThanAFrameArrivesInChunks) {
  constexpr size_t kBlobBytes = 70u << 20;
  LagThenCatchUpBySnapshot({"blob:a=" + std::to_string(kBlobBytes)},
                           {{"blob:a", KvMachine::Blob(kBlobBytes)}}, 30);
}

// Installing a big snapshot must not stop a node's other groups: node X leads group 1 while
// its new replica of group 2 restores a snapshot for 1.5 s (a partition of gigabytes); group 1
// keeps its leader and term throughout, and the new replica still catches up.
TEST_F(ReplicaManagerTest, InstallingASnapshotDoesNotStallTheNodesOtherGroups) {
  SecondGroup sg;
  ASSERT_NO_FATAL_FAILURE(SetUpSecondGroup(&sg));
  auto& g2 = sg.g2;
  const raft::NodeId x = sg.x, leader2 = sg.leader2;
  g2[x]->set_restore_delay(1500ms);
  ASSERT_NO_FATAL_FAILURE(AddX(sg));
  ASSERT_TRUE(LoopbackCluster::Eventually(
      [&] { return g2[x]->restores() > 0 && g2[x]->kv() == g2[leader2]->kv(); }));
  const GroupStatus after = StatusOf(x);
  EXPECT_EQ(after.term, sg.term) << "group 1 held an election while node " << x << " restored";
  EXPECT_EQ(after.role, raft::Role::kLeader);
}

// An install that fails (a full disk) leaves the replica as it was, and the node serving: node
// X leads group 1 while its new replica of group 2 fails to restore the leader's snapshot
// twice. X keeps leading group 1 in the same term, the replica restarts from its log store
// each time, and the leader's third sending installs.
TEST_F(ReplicaManagerTest, AFailedInstallRestartsTheReplicaNotTheNode) {
  SecondGroup sg;
  ASSERT_NO_FATAL_FAILURE(SetUpSecondGroup(&sg));
  auto& g2 = sg.g2;
  const raft::NodeId x = sg.x, leader2 = sg.leader2;
  g2[x]->set_restore_failures(2);
  ASSERT_NO_FATAL_FAILURE(AddX(sg));
  ASSERT_TRUE(LoopbackCluster::Eventually([&] { return g2[x]->failed_restores() == 2; }, 20s));
  ASSERT_TRUE(LoopbackCluster::Eventually(
      [&] { return g2[x]->restores() == 1 && g2[x]->kv() == g2[leader2]->kv(); }, 20s));
  // Writes after the install reach the replica through its log.
  ASSERT_TRUE(ProposeSync(x, "after=1").ok());  // group 1 still takes writes at X
  ASSERT_TRUE(ProposeTo(leader2, 2, "late=v").ok());
  ASSERT_TRUE(LoopbackCluster::Eventually([&] { return g2[x]->kv().count("late") == 1; }));
  const GroupStatus after = StatusOf(x);
  EXPECT_EQ(after.term, sg.term) << "group 1 held an election while node " << x << " failed its installs";
  EXPECT_EQ(after.role, raft::Role::kLeader);
  // (The published status trails the state machine by one iteration of the loop.)
  EXPECT_TRUE(LoopbackCluster::Eventually([&] { return StatusOf(x, 2).applied == g2[x]->AppliedIndex(); }));
}

// A replica installs a snapshot (in chunks) slowly while leadership moves to a node whose log
// is compacted past it: the new leader sends its own snapshot, and the replica ends with
// everything. (The second snapshot cannot arrive during the install: the replica answers
// nothing until it ends, so no leader learns that it needs one. The rule that keeps a staged
// file until the core hands it over, CollectSnapshotFiles, does not count on that.)
TEST_F(ReplicaManagerTest, ASlowInstallThenANewLeadersSnapshot) {
  constexpr size_t kChunk = 1024;  // the states here are several KB: snapshots in chunks
  for (raft::NodeId id = 1; id <= 3; ++id) StartManager(id, /*compact_after=*/10, kChunk);
  const raft::NodeId leader = WaitForLeaseHolder(5s);
  ASSERT_NE(leader, raft::kNoNode);
  const raft::NodeId lagging = leader % 3 + 1;
  const raft::NodeId next = lagging % 3 + 1;  // the third node, the next leader
  std::map<std::string, std::string> want;
  auto write = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      std::string k = "k" + std::to_string(i), v = std::string(100, static_cast<char>('a' + i % 26));
      ASSERT_TRUE(ProposeSync(leader, k + "=" + v).ok());
      want[k] = v;
    }
  };
  Stop(lagging);
  write(0, 30);
  sms_[lagging]->set_restore_delay(2000ms);
  StartServer(lagging);
  StartManager(lagging, 10, kChunk);  // it needs the leader's snapshot: 2 s to install
  std::this_thread::sleep_for(400ms);
  write(30, 60);  // the next leader's log is compacted past the first snapshot meanwhile
  ASSERT_TRUE(cluster_.node(leader).owned->TransferLeadership(1, next).ok());
  ASSERT_TRUE(LoopbackCluster::Eventually([&] { return StatusOf(next).writable; }));
  for (int i = 60; i < 70; ++i) {
    std::string k = "k" + std::to_string(i);
    ASSERT_TRUE(ProposeSync(next, k + "=v").ok());
    want[k] = "v";
  }
  ASSERT_TRUE(WaitConverged(want)) << "node " << lagging << " did not get the second snapshot";
  EXPECT_GE(sms_[lagging]->restores(), 2);
}

}  // namespace
}  // namespace ddb::replication
