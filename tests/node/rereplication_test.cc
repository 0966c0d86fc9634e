// Four real ddb-node processes, replication 3, dead_after 2 s (issue #5, item 5): a node
// holding a replica of a table is killed with -9 and stays down; the table's replica is
// re-created on the fourth node, which catches up through a snapshot, and the dead node leaves
// the group. Then a second original replica is killed: the table keeps serving from the two
// left (one of them the new replica), with every item. The first node, restarted, drops the
// replica it no longer holds. And a new replica killed with -9 while it restores a snapshot
// too big for one frame comes back whole.
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "libddb/net/client.h"
#include "tests/node/node_process.h"

namespace ddb {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kItems = 150;

class RereplicationTest : public ::testing::Test {
 protected:
  RereplicationTest()
      : cluster_("rerepl", 4, [](cluster::ClusterConfig& c) { c.dead_after_seconds = 2; }) {}

  Result<std::string> Call(int node, const std::string& op, const std::string& body) {
    auto client = net::Client::Connect(cluster_.address(node));
    if (!client.ok()) return client.status();
    net::CallOptions options;
    options.timeout = std::chrono::milliseconds(3000);
    return (*client)->Call(op, body, options);
  }

  // The `moves` group's entry in node `node`'s ddb.NodeStatus ("" if it has no replica).
  std::string GroupOf(int node) {
    Result<std::string> r = Call(node, "ddb.NodeStatus", "{}");
    if (!r.ok()) return "";
    size_t at = r->find("\"table\":\"moves\"");
    if (at == std::string::npos) return "";
    size_t begin = r->rfind('{', at);
    return r->substr(begin, r->find('}', r->find("\"members\"", at)) - begin + 1);
  }
  static std::string MembersOf(const std::string& group) {
    size_t at = group.find("\"members\":[");
    if (at == std::string::npos) return "";
    at += 11;
    return group.substr(at, group.find(']', at) - at);
  }

  // Waits up to `seconds` for `done`; false on timeout.
  template <typename F>
  static bool WaitFor(int seconds, F done) {
    const auto until = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  testing::NodeProcess cluster_;
};

TEST_F(RereplicationTest, DeadReplicaIsRecreatedOnASpareNode) {
  cluster_.StartAll();
  ASSERT_TRUE(Call(1, "CreateTable",
                   R"({"TableName":"moves","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],)"
                   R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})")
                  .ok());
  for (int i = 0; i < kItems; ++i) {
    Result<std::string> r = Call(1 + i % 4, "PutItem",
                                 R"({"TableName":"moves","Item":{"pk":{"S":"k)" + std::to_string(i) +
                                     R"("},"v":{"S":")" + std::string(200, 'x') + R"("}}})");
    ASSERT_TRUE(r.ok()) << "put " << i << ": " << r.status().ToString();
  }
  std::set<int> holders;
  int spare = 0;
  for (int n = 1; n <= 4; ++n) {
    if (GroupOf(n).empty()) {
      spare = n;
    } else {
      holders.insert(n);
    }
  }
  ASSERT_EQ(holders.size(), 3u);
  ASSERT_NE(spare, 0);
  const int victim = *holders.begin();
  holders.erase(victim);
  std::printf("replicas on nodes %d %d %d; killing node %d, expecting node %d to take over\n",
              victim, *holders.begin(), *holders.rbegin(), victim, spare);
  cluster_.Kill(SIGKILL, victim);

  // The spare becomes a voting member, the victim leaves, and the spare catches up.
  std::string expected;
  for (int n = 1; n <= 4; ++n) {
    if (n != victim) expected += (expected.empty() ? "" : ",") + std::to_string(n);
  }
  std::string last;
  const bool moved = WaitFor(40, [&] {
    std::string group = GroupOf(spare);
    last = group;
    if (MembersOf(group) != expected) return false;
    for (int n : holders) {
      if (MembersOf(GroupOf(n)) != expected) return false;
    }
    return true;
  });
  ASSERT_TRUE(moved) << "node " << spare << " never became a member in place of node " << victim
                     << "; its group: " << last;

  // Every item reaches the new replica (eventually consistent scans read the local replica).
  const std::string count = "\"Count\":" + std::to_string(kItems);
  ASSERT_TRUE(WaitFor(20, [&] {
    Result<std::string> r = Call(spare, "Scan", R"({"TableName":"moves","Select":"COUNT"})");
    return r.ok() && r->find(count) != std::string::npos;
  })) << "node " << spare << " did not catch up";

  // Lose a second original replica: the two left, one of them the new one, still form a
  // majority that holds every item and takes writes.
  const int second = *holders.begin();
  const int survivor = *holders.rbegin();
  cluster_.Kill(SIGKILL, second);
  Result<std::string> put = Status(Code::kServiceUnavailable, "not tried yet");
  ASSERT_TRUE(WaitFor(20, [&] {
    put = Call(survivor, "PutItem", R"({"TableName":"moves","Item":{"pk":{"S":"after"}}})");
    return put.ok();
  })) << "no write after losing node " << second << ": " << put.status().ToString();
  Result<std::string> all = Call(spare, "Scan", R"({"TableName":"moves","Select":"COUNT","ConsistentRead":true})");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_NE(all->find("\"Count\":" + std::to_string(kItems + 1)), std::string::npos) << *all;

  // The first victim comes back to find its replica moved: it drops it.
  cluster_.Start(victim);
  EXPECT_TRUE(WaitFor(20, [&] { return GroupOf(victim).empty(); }))
      << "node " << victim << " kept a replica it no longer holds: " << GroupOf(victim);
}

// The spare node is killed with -9 while it restores a 12 MB snapshot (chunks in a file, the
// items going into a fresh LevelDB beside the empty one): restarted, it removes what the
// restore left, gets the snapshot again and holds every item, with no snapshot file left over.
TEST_F(RereplicationTest, ANewReplicaKilledWhileRestoringComesBackWhole) {
  constexpr int kBigItems = 120;  // 100 KB each: a snapshot of 12 MB, in two 8 MB chunks
  cluster_.StartAll();
  ASSERT_TRUE(Call(1, "CreateTable",
                   R"({"TableName":"moves","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],)"
                   R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})")
                  .ok());
  const std::string payload(100 * 1024, 'y');
  for (int i = 0; i < kBigItems; ++i) {
    Result<std::string> r = Call(1 + i % 4, "PutItem",
                                 R"({"TableName":"moves","Item":{"pk":{"S":"k)" + std::to_string(i) +
                                     R"("},"v":{"S":")" + payload + R"("}}})");
    ASSERT_TRUE(r.ok()) << "put " << i << ": " << r.status().ToString();
  }
  int spare = 0, victim = 0;
  for (int n = 1; n <= 4; ++n) {
    if (GroupOf(n).empty()) {
      spare = n;
    } else if (victim == 0) {
      victim = n;
    }
  }
  ASSERT_NE(spare, 0);
  cluster_.Kill(SIGKILL, victim);

  // The restore's fresh LevelDB appears in the spare's partition directory: kill it then.
  const std::filesystem::path tables = cluster_.data_dir(spare) + "/tables";
  std::filesystem::path restoring;
  const auto until = Clock::now() + std::chrono::seconds(40);
  while (restoring.empty() && Clock::now() < until) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(tables, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->path().filename().string().rfind("restored-", 0) == 0) restoring = it->path();
    }
    if (restoring.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_FALSE(restoring.empty()) << "node " << spare << " never restored a snapshot";
  cluster_.Kill(SIGKILL, spare);
  const bool mid_restore = !std::filesystem::exists(restoring.parent_path() / "DATA");
  std::printf("node %d killed %s its restore (%s)\n", spare, mid_restore ? "during" : "just after",
              restoring.string().c_str());

  cluster_.Start(spare);
  // Every item, read from the spare's own replica (an eventually consistent read of it), each
  // a 100 KB page's worth of a scan: GetItem one by one.
  int missing = kBigItems;
  ASSERT_TRUE(WaitFor(40, [&] {
    missing = 0;
    for (int i = 0; i < kBigItems; ++i) {
      Result<std::string> r = Call(spare, "GetItem",
                                   R"({"TableName":"moves","Key":{"pk":{"S":"k)" + std::to_string(i) + R"("}}})");
      if (!r.ok() || r->find(payload) == std::string::npos) ++missing;
    }
    return missing == 0;
  })) << "node " << spare << " lacks " << missing << " items after its restore was cut short";
  // One store in use (named in DATA), nothing else of either restore, no snapshot file.
  std::vector<std::string> generations;
  for (const auto& e : std::filesystem::directory_iterator(restoring.parent_path())) {
    if (e.path().filename().string().rfind("restored-", 0) == 0) generations.push_back(e.path().filename());
  }
  EXPECT_EQ(generations.size(), 1u);
  EXPECT_TRUE(WaitFor(10, [&] {
    return std::filesystem::is_empty(cluster_.data_dir(spare) + "/snapshots");
  }));
}

}  // namespace
}  // namespace ddb
