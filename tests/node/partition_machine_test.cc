// PartitionMachine: a partition's items replicated through three ReplicaManagers on loopback,
// as write commands; a stopped replica catches up from a snapshot of another's store.
#include "libddb/node/partition_machine.h"

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "libddb/model/item_size.h"
#include "libddb/model/key_codec.h"
#include "tests/replication/loopback_cluster.h"
#include "tests/test_util.h"

namespace ddb::node {
namespace {

using replication::LoopbackCluster;
using namespace std::chrono_literals;

Item MakeItem(int i) {
  Item item;
  item["pk"] = AttributeValue::S("k" + std::to_string(i));
  item["n"] = AttributeValue::N(Number::FromInt64(i));
  return item;
}

std::string Key(int i) { return EncodeItemKey(AttributeValue::S("k" + std::to_string(i)), nullptr); }

class PartitionMachineTest : public ::testing::Test {
 protected:
  PartitionMachineTest() : cluster_("partition_machine_test") {}

  void Start(raft::NodeId id, raft::Index compact_after, size_t snapshot_chunk_bytes = 8 << 20,
             bool joining = false) {
    storage::StoreOptions o;
    o.TEST_no_sync = true;
    stores_[id].reset();
    auto s = storage::PartitionStore::Open(cluster_.node(id).dir + "/partition", o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    stores_[id] = std::move(*s);
    cluster_.StartManager(id, std::make_shared<PartitionMachine>(stores_[id].get()), compact_after,
                          snapshot_chunk_bytes, joining);
  }

  Status Put(raft::NodeId leader, int i, size_t padding = 0) {
    storage::WriteCommand c;
    Item item = MakeItem(i);
    if (padding > 0) item["pad"] = AttributeValue::S(std::string(padding, 'a' + i % 26));
    c.Put(Key(i), item);
    c.AddStats(1, static_cast<int64_t>(ItemSize(item)));
    return cluster_.ProposeSync(leader, c.Encode());
  }

  bool HasAll(raft::NodeId id, int n, size_t padding = 0) {
    for (int i = 0; i < n; ++i) {
      auto got = stores_[id]->Get(Key(i));
      Item want = MakeItem(i);
      if (padding > 0) want["pad"] = AttributeValue::S(std::string(padding, 'a' + i % 26));
      if (!got.ok() || !got->has_value() || **got != want) return false;
    }
    return stores_[id]->item_count() == n;
  }

  // Declared first, destroyed last: the managers in cluster_ apply to the stores until they
  // stop.
  std::map<raft::NodeId, std::unique_ptr<storage::PartitionStore>> stores_;
  LoopbackCluster cluster_;
};

TEST_F(PartitionMachineTest, ReplicatesAndCatchesUpFromSnapshot) {
  for (raft::NodeId id : cluster_.ids()) Start(id, /*compact_after=*/8);
  raft::NodeId leader = cluster_.WaitForLeaseHolder(5s);
  ASSERT_NE(leader, raft::kNoNode);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Put(leader, i).ok());
  for (raft::NodeId id : cluster_.ids()) {
    EXPECT_TRUE(LoopbackCluster::Eventually([&] { return HasAll(id, 10); })) << "node " << id;
  }
  raft::NodeId lagging = leader % 3 + 1;
  cluster_.Stop(lagging);
  for (int i = 10; i < 40; ++i) ASSERT_TRUE(Put(leader, i).ok());
  cluster_.StartServer(lagging);
  Start(lagging, 8);
  EXPECT_TRUE(LoopbackCluster::Eventually([&] { return HasAll(lagging, 40); }));
  EXPECT_EQ(stores_[lagging]->item_bytes(), stores_[leader]->item_bytes());
}

// A snapshot in many chunks: the follower writes them to a file and the store restores from
// it in pieces, into a fresh LevelDB swapped in at the end, which a restart keeps using.
TEST_F(PartitionMachineTest, CatchesUpFromASnapshotInChunksThroughAFile) {
  constexpr size_t kChunk = 32 << 10, kPad = 4000;
  for (raft::NodeId id : cluster_.ids()) Start(id, /*compact_after=*/8, kChunk);
  raft::NodeId leader = cluster_.WaitForLeaseHolder(5s);
  ASSERT_NE(leader, raft::kNoNode);
  raft::NodeId lagging = leader % 3 + 1;
  cluster_.Stop(lagging);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(Put(leader, i, kPad).ok());  // ~240 KB: 8 chunks
  cluster_.StartServer(lagging);
  Start(lagging, 8, kChunk);
  ASSERT_TRUE(LoopbackCluster::Eventually([&] { return HasAll(lagging, 60, kPad); }));
  EXPECT_EQ(stores_[lagging]->item_bytes(), stores_[leader]->item_bytes());
  const std::string dir = cluster_.node(lagging).dir;
  EXPECT_TRUE(std::filesystem::exists(dir + "/partition/DATA"));
  EXPECT_TRUE(LoopbackCluster::Eventually([&] { return std::filesystem::is_empty(dir + "/snapshots"); }));
  // Restarted, the replica reads the restored store and goes on replicating.
  cluster_.Stop(lagging);
  cluster_.StartServer(lagging);
  Start(lagging, 8, kChunk);
  ASSERT_TRUE(Put(leader, 60, kPad).ok());
  EXPECT_TRUE(LoopbackCluster::Eventually([&] { return HasAll(lagging, 61, kPad); }));
}

// A replica that caught up from a snapshot in chunks (stepped into its core without data:
// the data went to a file) sends snapshots once it leads: here to a replica added in place of
// a removed one, which needs one because the new leader's log starts at the snapshot it
// installed.
TEST_F(PartitionMachineTest, AReplicaRestoredFromChunksSendsSnapshotsWhenItLeads) {
  constexpr size_t kChunk = 32 << 10, kPad = 4000;
  for (raft::NodeId id : cluster_.ids()) Start(id, /*compact_after=*/8, kChunk);
  const raft::NodeId leader = cluster_.WaitForLeaseHolder(5s);
  ASSERT_NE(leader, raft::kNoNode);
  const raft::NodeId restored = leader % 3 + 1, replaced = restored % 3 + 1;
  cluster_.Stop(restored);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(Put(leader, i, kPad).ok());
  cluster_.StartServer(restored);
  Start(restored, /*compact_after=*/100000, kChunk);  // its log starts at the snapshot, and stays so
  ASSERT_TRUE(LoopbackCluster::Eventually([&] { return HasAll(restored, 60, kPad); }));
  ASSERT_TRUE(cluster_.node(leader).owned->TransferLeadership(1, restored).ok());
  auto status = [&](raft::NodeId id) {
    for (const replication::GroupStatus& g : cluster_.node(id).owned->Groups()) {
      if (g.group == 1) return g;
    }
    return replication::GroupStatus();
  };
  ASSERT_TRUE(LoopbackCluster::Eventually([&] { return status(restored).writable; }))
      << "node " << restored << " did not take the lead";
  // The third node leaves, and comes back as a new, empty replica.
  replication::ReplicaManager& lead = *cluster_.node(restored).owned;
  ASSERT_TRUE(lead.ProposeConfChange(1, {raft::ConfChange::Type::kRemove, replaced}).ok());
  ASSERT_TRUE(LoopbackCluster::Eventually([&] {
    const auto& voters = status(restored).conf.voters;
    return std::find(voters.begin(), voters.end(), replaced) == voters.end();
  }));
  cluster_.Stop(replaced);
  stores_[replaced].reset();
  std::filesystem::remove_all(cluster_.node(replaced).dir);
  std::filesystem::create_directories(cluster_.node(replaced).dir);
  cluster_.StartServer(replaced);
  Start(replaced, 8, kChunk, /*joining=*/true);
  ASSERT_TRUE(lead.ProposeConfChange(1, {raft::ConfChange::Type::kAddLearner, replaced}).ok());
  EXPECT_TRUE(LoopbackCluster::Eventually([&] { return HasAll(replaced, 60, kPad); }))
      << "node " << restored << ", leading, never sent node " << replaced << " a snapshot";
}

// A group starts from an empty snapshot at index 1; for a store that already holds items
// (written before its table was replicated) that must not erase them.
TEST(PartitionMachineBootstrapTest, EmptySnapshotKeepsExistingItems) {
  auto dir = ::ddb::testing::FreshTestDir("ddb_partition_bootstrap");
  storage::StoreOptions o;
  o.TEST_no_sync = true;
  auto store = storage::PartitionStore::Open(dir.string(), o);
  ASSERT_TRUE(store.ok());
  storage::WriteCommand c;
  c.Put(Key(1), MakeItem(1));
  ASSERT_TRUE((*store)->Apply(c, 0, false).ok());
  PartitionMachine machine(store->get());
  raft::SnapshotMeta meta{1, 1, {{1}, {}, {}}};
  StringSource empty("");
  ASSERT_TRUE(machine.Restore(meta, empty).ok());
  EXPECT_EQ(machine.AppliedIndex(), 1u);
  EXPECT_TRUE((*store)->Get(Key(1))->has_value());
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ddb::node
