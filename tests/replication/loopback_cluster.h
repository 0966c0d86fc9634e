// LoopbackCluster: three ReplicaManagers in one process, each with its own ZeroMQ server on a
// free loopback port and its own directory, for tests of replicated state machines.
//
// Thread-safety: a test's local object; the managers run their own threads.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "libddb/net/server.h"
#include "libddb/replication/peer_transport.h"
#include "libddb/replication/raft_codec.h"
#include "libddb/replication/replica_manager.h"

namespace ddb::replication {

class LoopbackCluster {
 public:
  struct Node {
    std::string dir;
    std::string address;
    std::unique_ptr<net::Server> server;
    std::atomic<ReplicaManager*> manager{nullptr};
    std::unique_ptr<ReplicaManager> owned;
    std::atomic<bool> isolated{false};
  };

  explicit LoopbackCluster(const std::string& name, int nodes = 3) {
    base_ = std::filesystem::temp_directory_path() /
            ("ddb_" + name + "_" + std::to_string(getpid()));
    std::filesystem::remove_all(base_);
    for (raft::NodeId id = 1; id <= static_cast<raft::NodeId>(nodes); ++id) {
      auto& n = nodes_[id];
      n = std::make_unique<Node>();
      n->dir = (base_ / ("n" + std::to_string(id))).string();
      std::filesystem::create_directories(n->dir);
      StartServer(id);
    }
  }
  ~LoopbackCluster() {
    for (auto& [id, n] : nodes_) Stop(id);
    std::filesystem::remove_all(base_);
  }

  Node& node(raft::NodeId id) { return *nodes_.at(id); }
  std::vector<raft::NodeId> ids() const {
    std::vector<raft::NodeId> v;
    for (const auto& [id, n] : nodes_) v.push_back(id);
    return v;
  }

  // Isolates node `id` from the others (both ways) or heals it.
  void Isolate(raft::NodeId id, bool isolated) { nodes_.at(id)->isolated = isolated; }

  void StartServer(raft::NodeId id) {
    Node* n = nodes_[id].get();
    n->server = std::make_unique<net::Server>(
        [this, n](const proto::RequestEnvelope& req) {
          proto::ResponseEnvelope resp;
          resp.id = req.id;
          ReplicaManager* m = n->manager.load();
          if (req.operation == kRaftOperation && m != nullptr && !Cut(n, req.body)) {
            m->Receive(req.body);
          }
          return resp;
        },
        2);
    auto bound = n->server->Start(n->address.empty() ? "tcp://127.0.0.1:*" : n->address);
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    n->address = *bound;
  }

  // Starts node `id`'s manager with group 1 over all the nodes.
  // `joining`: the replica starts empty, waiting for a snapshot (a replica being added), instead
  // of as a founding member.
  void StartManager(raft::NodeId id, std::shared_ptr<StateMachine> sm,
                    raft::Index compact_after = 10000, size_t snapshot_chunk_bytes = 8 << 20,
                    bool joining = false) {
    ManagerOptions o;
    o.snapshot_chunk_bytes = snapshot_chunk_bytes;
    o.self = id;
    o.dir = nodes_[id]->dir;
    for (auto& [peer, n] : nodes_) o.addresses[peer] = n->address;
    o.tick_ms = 20;
    o.compact_after = compact_after;
    o.idle_ms = idle_ms_;
    o.sync = false;
    o.seed = id;
    auto m = ReplicaManager::Open(o);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    nodes_[id]->owned = std::move(*m);
    Status added = nodes_[id]->owned->AddGroup(1, joining ? std::vector<raft::NodeId>{} : ids(),
                                                 std::move(sm));
    ASSERT_TRUE(added.ok()) << added.ToString();
    nodes_[id]->manager = nodes_[id]->owned.get();
  }

  // ManagerOptions::idle_ms of the managers started from now on.
  void set_idle_ms(int ms) { idle_ms_ = ms; }

  void Stop(raft::NodeId id) {
    auto& n = nodes_[id];
    n->manager = nullptr;
    if (n->server) n->server->Stop();
    n->server.reset();
    n->owned.reset();
  }

  // The node that holds the lease of group 1, waiting up to `limit`; prints every node's view
  // if there is none.
  raft::NodeId WaitForLeaseHolder(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      for (auto& [id, n] : nodes_) {
        if (!n->owned) continue;
        for (const GroupStatus& s : n->owned->Groups()) {
          if (s.group == 1 && s.lease) return id;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto& [id, n] : nodes_) {
      if (!n->owned) continue;
      for (const GroupStatus& s : n->owned->Groups()) {
        std::printf("node %llu: %s term=%llu lead=%llu commit=%llu last=%llu\n",
                    static_cast<unsigned long long>(id), std::string(raft::RoleName(s.role)).c_str(),
                    static_cast<unsigned long long>(s.term), static_cast<unsigned long long>(s.leader),
                    static_cast<unsigned long long>(s.commit), static_cast<unsigned long long>(s.last));
      }
    }
    return raft::kNoNode;
  }

  Status ProposeSync(raft::NodeId id, const std::string& data) {
    return Wait([&](ReplicaManager::Done done) { node(id).owned->Propose(1, data, done); });
  }
  Status ReadBarrierSync(raft::NodeId id) {
    return Wait([&](ReplicaManager::Done done) { node(id).owned->ReadBarrier(1, done); });
  }

  // Polls `pred` for up to `limit`.
  static bool Eventually(const std::function<bool()>& pred,
                         std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  static Status Wait(const std::function<void(ReplicaManager::Done)>& call) {
    auto p = std::make_shared<std::promise<Status>>();
    auto f = p->get_future();
    call([p](Status s) { p->set_value(s); });
    if (f.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      return Status::Internal("timed out");
    }
    return f.get();
  }

  // Whether a batch arriving at `to` crosses an isolated node's cut.
  bool Cut(Node* to, const std::string& frame) {
    if (to->isolated) return true;
    Result<std::vector<GroupMessage>> batch = DecodeRaftBatch(frame);
    if (!batch.ok() || batch->empty()) return false;
    auto from = nodes_.find(batch->front().message.from);
    return from != nodes_.end() && from->second->isolated;
  }

  int idle_ms_ = 60000;
  std::filesystem::path base_;
  std::map<raft::NodeId, std::unique_ptr<Node>> nodes_;
};

}  // namespace ddb::replication
