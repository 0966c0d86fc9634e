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
#include "libddb/net/server.h"
#include "libddb/replication/peer_transport.h"

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
    }
    applied_ = e.index;
    return Status::OK();
  }
  Status Sync() override { return Status::OK(); }
  Result<std::string> Snapshot() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string s;
    for (const auto& [k, v] : kv_) {
      PutLengthPrefixed(&s, k);
      PutLengthPrefixed(&s, v);
    }
    return s;
  }
  Status Restore(const raft::SnapshotMeta& meta, const std::string& data) override {
    std::lock_guard<std::mutex> lock(mu_);
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
  std::map<std::string, std::string> kv() {
    std::lock_guard<std::mutex> lock(mu_);
    return kv_;
  }
  int restores() {
    std::lock_guard<std::mutex> lock(mu_);
    return restores_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> kv_;
  raft::Index applied_ = 0;
  int restores_ = 0;
};

struct TestNode {
  std::string dir;
  std::string address;
  std::unique_ptr<net::Server> server;
  std::atomic<ReplicaManager*> manager{nullptr};
  std::unique_ptr<ReplicaManager> owned;
  std::shared_ptr<KvMachine> sm = std::make_shared<KvMachine>();
};

class ReplicaManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::temp_directory_path() /
            ("ddb_replica_test_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(base_);
    for (raft::NodeId id = 1; id <= 3; ++id) {
      auto& n = nodes_[id];
      n = std::make_unique<TestNode>();
      n->dir = (base_ / ("n" + std::to_string(id))).string();
      std::filesystem::create_directories(n->dir);
      StartServer(id);
    }
  }
  void TearDown() override {
    for (auto& [id, n] : nodes_) Stop(id);
    std::filesystem::remove_all(base_);
  }

  void StartServer(raft::NodeId id) {
    TestNode* n = nodes_[id].get();
    n->server = std::make_unique<net::Server>(
        [n](const proto::RequestEnvelope& req) {
          proto::ResponseEnvelope resp;
          resp.id = req.id;
          ReplicaManager* m = n->manager.load();
          if (req.operation == kRaftOperation && m != nullptr) m->Receive(req.body);
          return resp;
        },
        2);
    std::string want = n->address.empty() ? "tcp://127.0.0.1:*" : n->address;
    auto bound = n->server->Start(want);
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    n->address = *bound;
  }

  void StartManager(raft::NodeId id, raft::Index compact_after = 10000) {
    ManagerOptions o;
    o.self = id;
    o.dir = nodes_[id]->dir;
    for (auto& [peer, n] : nodes_) o.addresses[peer] = n->address;
    o.tick_ms = 20;
    o.compact_after = compact_after;
    o.sync = false;
    o.seed = id;
    auto m = ReplicaManager::Open(o);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    nodes_[id]->owned = std::move(*m);
    Status added = nodes_[id]->owned->AddGroup(1, {1, 2, 3}, nodes_[id]->sm);
    ASSERT_TRUE(added.ok()) << added.ToString();
    nodes_[id]->manager = nodes_[id]->owned.get();
  }

  void Stop(raft::NodeId id) {
    auto& n = nodes_[id];
    n->manager = nullptr;
    if (n->server) n->server->Stop();
    n->server.reset();
    n->owned.reset();
  }

  // The node that holds the lease of group 1, waiting up to `limit`.
  raft::NodeId WaitForLeaseHolder(std::chrono::milliseconds limit) {
    auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      for (auto& [id, n] : nodes_) {
        if (!n->owned) continue;
        for (const GroupStatus& s : n->owned->Groups()) {
          if (s.group == 1 && s.lease) return id;
        }
      }
      std::this_thread::sleep_for(5ms);
    }
    for (auto& [id, n] : nodes_) {
      if (!n->owned) continue;
      for (const GroupStatus& s : n->owned->Groups()) {
        std::printf("node %llu: role=%d term=%llu lead=%llu commit=%llu last=%llu\n",
                    (unsigned long long)id, (int)s.role, (unsigned long long)s.term,
                    (unsigned long long)s.leader, (unsigned long long)s.commit,
                    (unsigned long long)s.last);
      }
    }
    return raft::kNoNode;
  }

  Status ProposeSync(raft::NodeId id, const std::string& data) {
    auto p = std::make_shared<std::promise<Status>>();
    auto f = p->get_future();
    nodes_[id]->owned->Propose(1, data, [p](Status s) { p->set_value(s); });
    if (f.wait_for(5s) != std::future_status::ready) return Status::Internal("timed out");
    return f.get();
  }

  Status ReadBarrierSync(raft::NodeId id) {
    auto p = std::make_shared<std::promise<Status>>();
    auto f = p->get_future();
    nodes_[id]->owned->ReadBarrier(1, [p](Status s) { p->set_value(s); });
    if (f.wait_for(5s) != std::future_status::ready) return Status::Internal("timed out");
    return f.get();
  }

  // Waits until every running node's state machine equals `want`.
  bool WaitConverged(const std::map<std::string, std::string>& want) {
    auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      bool all = true;
      for (auto& [id, n] : nodes_) {
        if (n->owned && n->sm->kv() != want) all = false;
      }
      if (all) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  std::filesystem::path base_;
  std::map<raft::NodeId, std::unique_ptr<TestNode>> nodes_;
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
  EXPECT_EQ(nodes_[leader]->sm->kv(), want);
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

TEST_F(ReplicaManagerTest, LaggingReplicaCatchesUpFromSnapshot) {
  for (raft::NodeId id = 1; id <= 3; ++id) StartManager(id, /*compact_after=*/10);
  raft::NodeId leader = WaitForLeaseHolder(5s);
  ASSERT_NE(leader, raft::kNoNode);
  raft::NodeId lagging = leader % 3 + 1;
  Stop(lagging);
  std::map<std::string, std::string> want;
  for (int i = 0; i < 60; ++i) {
    std::string k = "k" + std::to_string(i), v = std::to_string(i);
    ASSERT_TRUE(ProposeSync(leader, k + "=" + v).ok());
    want[k] = v;
  }
  int restores_before = nodes_[lagging]->sm->restores();
  StartServer(lagging);
  StartManager(lagging, 10);
  ASSERT_TRUE(WaitConverged(want));
  EXPECT_GT(nodes_[lagging]->sm->restores(), restores_before) << "caught up without a snapshot";
}

}  // namespace
}  // namespace ddb::replication
