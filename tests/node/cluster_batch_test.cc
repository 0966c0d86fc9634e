// Batches on a 3-node cluster: a batch whose tables are led by different nodes runs where it
// arrived, and the writes that node cannot make come back as UnprocessedItems, exactly; sent
// again, they are written.
#include <map>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "libddb/client/batch_writer.h"
#include "libddb/net/client.h"
#include "tests/node/node_process.h"

namespace ddb {
namespace {

std::string CreateBody(const std::string& name) {
  return "{\"TableName\":\"" + name + "\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\","
         "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
         "\"BillingMode\":\"PAY_PER_REQUEST\"}";
}

std::string Put(const std::string& pk) {
  return "{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"" + pk + "\"}}}}";
}

TEST(ClusterBatchTest, WritesANodeCannotMakeComeBackUnprocessed) {
  testing::NodeProcess cluster("cluster_batch", 3);
  cluster.StartAll();
  auto node1 = std::move(*net::Client::Connect(cluster.address(1)));
  // Tables until two have leaders on different nodes (placement spreads them).
  std::map<int, std::string> table_led_by;  // node -> a table it leads
  for (int i = 0; i < 12 && table_led_by.size() < 2; ++i) {
    const std::string name = "tab" + std::to_string(i);
    ASSERT_TRUE(node1->Call("CreateTable", CreateBody(name)).ok());
    for (int n = 1; n <= 3; ++n) {
      auto c = std::move(*net::Client::Connect(cluster.address(n)));
      Result<std::string> st = c->Call("ddb.NodeStatus", "{}");
      ASSERT_TRUE(st.ok());
      if (st->find("\"table\":\"" + name + "\",\"role\":\"Leader\"") != std::string::npos) {
        table_led_by.emplace(n, name);
      }
    }
  }
  ASSERT_EQ(table_led_by.size(), 2u) << "placement put every leader on one node";
  auto it = table_led_by.begin();
  const auto [here, mine] = *it++;
  const std::string theirs = it->second;
  auto client = std::move(*net::Client::Connect(cluster.address(here)));
  // A first write makes sure the new leader has its term's first entry applied (until then it
  // would defer every write too).
  ASSERT_TRUE(client->Call("PutItem", "{\"TableName\":\"" + mine + "\",\"Item\":{\"pk\":{\"S\":\"z\"}}}").ok());
  Result<std::string> r = client->Call(
      "BatchWriteItem", "{\"RequestItems\":{\"" + mine + "\":[" + Put("a") + "," + Put("b") +
                            "],\"" + theirs + "\":[" + Put("c") + "]}}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "{\"UnprocessedItems\":{\"" + theirs + "\":[" + Put("c") + "]}}");
  Result<std::string> got = client->Call(
      "GetItem", "{\"TableName\":\"" + mine + "\",\"Key\":{\"pk\":{\"S\":\"b\"}},\"ConsistentRead\":true}");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "{\"Item\":{\"pk\":{\"S\":\"b\"}}}");

  // A strongly consistent BatchGetItem over both: the keys of the table led elsewhere come
  // back unprocessed.
  r = client->Call("BatchGetItem", "{\"RequestItems\":{\"" + mine +
                                       "\":{\"Keys\":[{\"pk\":{\"S\":\"a\"}}],\"ConsistentRead\":true},\"" +
                                       theirs + "\":{\"Keys\":[{\"pk\":{\"S\":\"c\"}}],\"ConsistentRead\":true}}}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->find("\"" + mine + "\":[{\"pk\":{\"S\":\"a\"}}]"), std::string::npos) << *r;
  EXPECT_NE(r->find("\"UnprocessedKeys\":{\"" + theirs + "\":{\"Keys\":[{\"pk\":{\"S\":\"c\"}}]"),
            std::string::npos) << *r;

  // A client that resends what came back (client::WriteBatch) gets it written.
  auto session = client::Session::Open(cluster.cluster_file());
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE(client::WriteBatch(**session, theirs, {Put("c")}).ok());
  got = client->Call("GetItem", "{\"TableName\":\"" + theirs +
                                    "\",\"Key\":{\"pk\":{\"S\":\"c\"}},\"ConsistentRead\":true}");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "{\"Item\":{\"pk\":{\"S\":\"c\"}}}");
}

// A table keeps the replicas it was created with: a node added to the cluster file (before any
// membership change moves data to it) takes nothing away from the nodes that hold it.
// Every answer names the node that ran the request: a write sent to any node was run by the
// table's leader (forwarded there), so a client can send the next write there directly.
TEST(ClusterRoutingTest, AnswersNameTheNodeThatServedThem) {
  testing::NodeProcess cluster("cluster_served_by", 3);
  cluster.StartAll();
  auto node1 = std::move(*net::Client::Connect(cluster.address(1)));
  ASSERT_TRUE(node1->Call("CreateTable", CreateBody("routed")).ok());
  std::set<uint64_t> servers;
  for (int n = 1; n <= 3; ++n) {
    auto c = std::move(*net::Client::Connect(cluster.address(n)));
    proto::RequestEnvelope put;
    put.operation = "PutItem";
    put.body = "{\"TableName\":\"routed\",\"Item\":{\"pk\":{\"S\":\"via" + std::to_string(n) + "\"}}}";
    Result<proto::ResponseEnvelope> r = Status(Code::kServiceUnavailable, "not tried yet");
    for (int attempt = 0; attempt < 50; ++attempt) {  // until the table's group has a leader
      r = c->Roundtrip(put, std::chrono::steady_clock::now() + std::chrono::seconds(5));
      if (r.ok() && r->status.ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(r->status.ok()) << r->status.ToString();
    servers.insert(r->served_by);
  }
  ASSERT_EQ(servers.size(), 1u) << "writes sent to different nodes ran on different nodes";
  const uint64_t leader = *servers.begin();
  ASSERT_GE(leader, 1u);
  ASSERT_LE(leader, 3u);
  auto c = std::move(*net::Client::Connect(cluster.address(static_cast<int>(leader))));
  Result<std::string> st = c->Call("ddb.NodeStatus", "{}");
  ASSERT_TRUE(st.ok());
  EXPECT_NE(st->find("\"table\":\"routed\",\"role\":\"Leader\""), std::string::npos) << *st;
}

TEST(ClusterPlacementTest, ANewNodeInTheClusterFileMovesNothing) {
  testing::NodeProcess cluster("cluster_placement", 3);
  cluster.StartAll();
  auto node1 = std::move(*net::Client::Connect(cluster.address(1)));
  for (int i = 0; i < 8; ++i) {
    Result<std::string> created = node1->Call("CreateTable", CreateBody("tab" + std::to_string(i)));
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    ASSERT_TRUE(node1->Call("PutItem", "{\"TableName\":\"tab" + std::to_string(i) +
                                           "\",\"Item\":{\"pk\":{\"S\":\"kept\"}}}").ok());
  }
  for (int id = 1; id <= 3; ++id) cluster.Kill(SIGTERM, id);
  std::ofstream(cluster.cluster_file(), std::ios::app)
      << "\n[[node]]\nid = 4\naddress = \"tcp://127.0.0.1:" << testing::FreePort()
      << "\"\ndata_dir = \"node4\"\n";
  cluster.StartAll();  // node 4 is never started
  for (int n = 1; n <= 3; ++n) {
  auto client = std::move(*net::Client::Connect(cluster.address(n)));
  for (int i = 0; i < 8; ++i) {
    Result<std::string> got = client->Call(
        "GetItem", "{\"TableName\":\"tab" + std::to_string(i) +
                       "\",\"Key\":{\"pk\":{\"S\":\"kept\"}},\"ConsistentRead\":true}");
    ASSERT_TRUE(got.ok()) << "t" << i << ": " << got.status().ToString();
    EXPECT_EQ(*got, "{\"Item\":{\"pk\":{\"S\":\"kept\"}}}") << "t" << i;
  }
  }  // every node answers for every table
}

}  // namespace
}  // namespace ddb
