// The cluster file: parsing, validation with file and line, defaults and rendering.
#include "libddb/cluster/cluster_config.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace ddb::cluster {
namespace {

TEST(ClusterConfigTest, ParsesAndResolvesPaths) {
  Result<ClusterConfig> c = ParseClusterToml(R"(
[cluster]
name = "prod"
replication = 2

[[node]]
id = 1
address = "tcp://127.0.0.1:7101"
data_dir = "node1"

[[node]]
id = 2
address = "tcp://127.0.0.1:7102"
data_dir = "/var/lib/ddb/node2"

[backup]
target = "file://backups"

[[access_key]]
id = "AK1"
secret = "s1"
)", "c.toml", "/etc/ddb");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "prod");
  EXPECT_EQ(c->replication, 2);
  ASSERT_EQ(c->nodes.size(), 2u);
  EXPECT_EQ(c->nodes[0].data_dir, "/etc/ddb/node1");
  EXPECT_EQ(c->nodes[1].data_dir, "/var/lib/ddb/node2");
  EXPECT_EQ(c->backup_target, "file:///etc/ddb/backups");
  EXPECT_EQ(c->access_keys[0].secret, "s1");
  EXPECT_EQ(c->FindNode(2)->address, "tcp://127.0.0.1:7102");
  EXPECT_EQ(c->FindNode(3), nullptr);
}

TEST(ClusterConfigTest, ErrorsNameFileLineAndProblem) {
  auto error = [](std::string_view text) {
    Result<ClusterConfig> c = ParseClusterToml(text, "c.toml", "/d");
    return c.ok() ? std::string("OK") : c.status().message();
  };
  EXPECT_EQ(error("[cluster]\nname = \n"),
            "c.toml:2: Error while parsing key-value pair: expected value, saw '\\n'");
  EXPECT_EQ(error("[cluster]\n"), "c.toml:1: no [[node]] entries: a cluster needs at least one node");
  EXPECT_EQ(error("[[node]]\nid = 1\naddress = \"127.0.0.1:1\"\ndata_dir = \"a\"\n"),
            "c.toml:1: node 1: address must look like tcp://HOST:PORT");
  EXPECT_EQ(error("[[node]]\nid = 1\naddress = \"tcp://a:1\"\ndata_dir = \"a\"\n"
                  "[[node]]\nid = 1\naddress = \"tcp://a:2\"\ndata_dir = \"b\"\n"),
            "c.toml:5: node id 1 appears twice");
  EXPECT_EQ(error("[[node]]\nid = 1\naddress = \"tcp://a:1\"\ndata_dir = \"a\"\n"
                  "[[node]]\nid = 2\naddress = \"tcp://a:1\"\ndata_dir = \"b\"\n"),
            "c.toml:5: address tcp://a:1 is used by two nodes");
  EXPECT_EQ(error("[cluster]\nreplication = 3\n[[node]]\nid = 1\naddress = \"tcp://a:1\"\n"
                  "data_dir = \"a\"\n"),
            "c.toml:1: cluster.replication is 3 but only 1 nodes are listed");
  EXPECT_EQ(error("[cluster]\nreplication = \"x\"\n[[node]]\nid = 1\naddress = \"tcp://a:1\"\n"
                  "data_dir = \"a\"\n"),
            "c.toml:2: cluster.replication must be an integer from 1 to 7");
  EXPECT_EQ(error("[[node]]\nid = 1\naddress = \"tcp://a:1\"\n"),
            "c.toml:1: node 1: data_dir is required");
  EXPECT_EQ(error("[gateway]\nlisten = \"8000\"\n[[node]]\nid = 1\naddress = \"tcp://a:1\"\n"
                  "data_dir = \"a\"\n"),
            "c.toml:2: gateway.listen must look like HOST:PORT");
  EXPECT_EQ(error("[cluster]\nregion = \"Mars 1\"\n[[node]]\nid = 1\naddress = \"tcp://a:1\"\n"
                  "data_dir = \"a\"\n"),
            "c.toml:2: cluster.region must be a region name such as us-east-1");
  for (const char* bad : {"\"10\"", "\"m\"", "\"0s\"", "\"1.5m\"", "\"10d\"", "600"}) {
    EXPECT_EQ(error(std::string("[cluster]\ndead_after = ") + bad +
                    "\n[[node]]\nid = 1\naddress = \"tcp://a:1\"\ndata_dir = \"a\"\n"),
              "c.toml:2: cluster.dead_after must be a duration such as \"90s\", \"10m\" or \"2h\"")
        << bad;
  }
}

TEST(ClusterConfigTest, DeadAfterDurations) {
  EXPECT_EQ(ParseDuration("90s"), 90);
  EXPECT_EQ(ParseDuration("10m"), 600);
  EXPECT_EQ(ParseDuration("2h"), 7200);
  EXPECT_EQ(ParseDuration("h"), std::nullopt);
  EXPECT_EQ(ParseDuration("-5s"), std::nullopt);
  EXPECT_EQ(FormatDuration(7200), "2h");
  EXPECT_EQ(FormatDuration(600), "10m");
  EXPECT_EQ(FormatDuration(90), "90s");
  Result<ClusterConfig> c = ParseClusterToml(
      "[cluster]\ndead_after = \"45s\"\n[[node]]\nid = 1\naddress = \"tcp://a:1\"\ndata_dir = \"a\"\n",
      "c.toml", "/d");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->dead_after_seconds, 45);
}

TEST(ClusterConfigTest, DefaultRendersAndParsesBack) {
  ClusterConfig c = DefaultLocalCluster("/tmp/x/.ddb", 3, 7100, "127.0.0.1:9000");
  EXPECT_EQ(c.replication, 3);
  std::string text = RenderClusterToml(c, "/tmp/x/.ddb");
  EXPECT_NE(text.find("data_dir = \"node1\""), std::string::npos) << text;
  Result<ClusterConfig> back = ParseClusterToml(text, "cluster.toml", "/tmp/x/.ddb");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->nodes.size(), 3u);
  EXPECT_EQ(back->nodes[2].address, "tcp://127.0.0.1:7103");
  EXPECT_EQ(back->nodes[2].data_dir, "/tmp/x/.ddb/node3");
  EXPECT_EQ(back->backup_target, c.backup_target);
  EXPECT_EQ(back->access_keys.size(), 1u);
  EXPECT_EQ(back->gateway_listen, "127.0.0.1:9000");
  EXPECT_EQ(back->region, "us-east-1");
  EXPECT_EQ(back->dead_after_seconds, 600);
  EXPECT_NE(text.find("dead_after = \"10m\""), std::string::npos) << text;
  EXPECT_EQ(DefaultLocalCluster("/d", 1, 7100).gateway_listen, "127.0.0.1:8000");
}

TEST(ClusterConfigTest, ResolveOrder) {
  unsetenv("DDB_CLUSTER");
  EXPECT_EQ(ResolveClusterPath(""), ".ddb/cluster.toml");
  setenv("DDB_CLUSTER", "/env.toml", 1);
  EXPECT_EQ(ResolveClusterPath(""), "/env.toml");
  EXPECT_EQ(ResolveClusterPath("/flag.toml"), "/flag.toml");
  unsetenv("DDB_CLUSTER");
  EXPECT_EQ(LoadClusterFile("/nonexistent/c.toml").status().code(), Code::kResourceNotFound);
}

}  // namespace
}  // namespace ddb::cluster
