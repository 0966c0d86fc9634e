// Three real ddb-node processes under a concurrent read/write load while nodes, leaders
// included, are killed with -9 and restarted, 20 rounds (issue #5, item 6). Afterwards:
//   * the recorded history, per key, is linearizable (the checker of tests/raft, with
//     conditional puts as compare-and-set), which also means no acknowledged write was lost;
//   * the three replicas converge to identical items.
// Every client operation goes to one node chosen at random, with no retries: a success or a
// failed condition is a known outcome; anything else (timeouts, the node being down, a
// forward that went unanswered) is an unknown outcome, which the checker lets take effect at
// any time after its call, or never.
//
// DDB_TEST_SEED fixes the random choices (the processes' timing still varies run to run).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "libddb/net/client.h"
#include "tests/node/node_process.h"
#include "tests/raft/linearizability.h"

namespace ddb {
namespace {

using Clock = std::chrono::steady_clock;
using sim::OpKind;
using sim::Operation;

constexpr int kRounds = 20;
constexpr int kClients = 4;
constexpr int kKeys = 12;

int64_t NowMicros(Clock::time_point origin) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - origin).count();
}

// The string value of attribute `v` in a GetItem response, nullopt if there is no item.
std::optional<std::string> ValueOf(const std::string& body) {
  const std::string marker = "\"v\":{\"S\":\"";
  size_t at = body.find(marker);
  if (at == std::string::npos) return std::nullopt;
  at += marker.size();
  return body.substr(at, body.find('"', at) - at);
}

class Kill9Test : public ::testing::Test {
 protected:
  Kill9Test() : cluster_("kill9", 3) {}

  uint64_t Seed() {
    const char* s = std::getenv("DDB_TEST_SEED");
    return s != nullptr ? std::strtoull(s, nullptr, 10) : std::random_device{}();
  }

  // One operation by `client` through node `node`; appended to the history.
  void RunOne(int client, int node, std::mt19937_64& rng, std::vector<Operation>* out) {
    Operation op;
    op.client = client;
    op.key = "k" + std::to_string(rng() % kKeys);
    const int dice = static_cast<int>(rng() % 10);
    std::string operation, body;
    const std::string key_json = "{\"pk\":{\"S\":\"" + op.key + "\"}}";
    const std::string value = "c" + std::to_string(client) + "-" + std::to_string(seq_[client]++);
    if (dice < 4) {
      op.kind = OpKind::kGet;
      operation = "GetItem";
      body = "{\"TableName\":\"lin\",\"Key\":" + key_json + ",\"ConsistentRead\":true}";
    } else if (dice < 6) {
      op.kind = OpKind::kPut;
      op.value = value;
      operation = "PutItem";
      body = "{\"TableName\":\"lin\",\"Item\":{\"pk\":{\"S\":\"" + op.key + "\"},\"v\":{\"S\":\"" +
             value + "\"}}}";
    } else if (dice < 7) {
      op.kind = OpKind::kDelete;
      operation = "DeleteItem";
      body = "{\"TableName\":\"lin\",\"Key\":" + key_json + "}";
    } else {
      // Compare-and-set against the value this client last read of the key (or absent).
      op.kind = OpKind::kCas;
      op.value = value;
      op.expected = last_read_[client][op.key];
      operation = "PutItem";
      body = "{\"TableName\":\"lin\",\"Item\":{\"pk\":{\"S\":\"" + op.key + "\"},\"v\":{\"S\":\"" +
             value + "\"}}";
      if (op.expected.has_value()) {
        body += ",\"ConditionExpression\":\"v = :e\",\"ExpressionAttributeValues\":{\":e\":{\"S\":\"" +
                *op.expected + "\"}}}";
      } else {
        body += ",\"ConditionExpression\":\"attribute_not_exists(pk)\"}";
      }
    }
    net::CallOptions once;
    once.timeout = std::chrono::milliseconds(3000);
    once.max_attempts = 1;
    op.call = NowMicros(origin_);
    Result<std::string> r = clients_[client][node - 1]->Call(operation, body, once);
    const int64_t ret = NowMicros(origin_);
    if (r.ok()) {
      op.ret = ret;
      if (op.kind == OpKind::kGet) {
        op.output = ValueOf(*r);
        last_read_[client][op.key] = op.output;
      }
      ++known_;
    } else if (r.status().code() == Code::kConditionalCheckFailed) {
      op.ret = ret;
      op.ok = false;
      ++known_;
    } else {
      ++unknown_;  // op.ret stays kUnknownReturn
    }
    out->push_back(std::move(op));
  }

  // Items of table `lin` as node `node`'s replica holds them (an eventually consistent scan).
  std::string ScanOf(int node) {
    auto client = net::Client::Connect(cluster_.address(node));
    if (!client.ok()) return "no connection";
    Result<std::string> r = (*client)->Call("Scan", "{\"TableName\":\"lin\"}");
    if (!r.ok()) return r.status().ToString();
    // Items come in hash order of their keys on every replica: equal replicas, equal bodies
    // (ScannedCount and Count included).
    return *r;
  }

  testing::NodeProcess cluster_;
  Clock::time_point origin_ = Clock::now();
  std::vector<std::vector<std::unique_ptr<net::Client>>> clients_;
  std::map<int, std::map<std::string, std::optional<std::string>>> last_read_;
  std::map<int, int> seq_;
  std::atomic<int> known_{0}, unknown_{0};
};

TEST_F(Kill9Test, TwentyRoundsStayLinearizableAndConverge) {
  const uint64_t seed = Seed();
  std::printf("seed %llu (replay the choices: DDB_TEST_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  cluster_.StartAll();
  {
    auto c = net::Client::Connect(cluster_.address(1));
    ASSERT_TRUE(c.ok());
    Result<std::string> created = (*c)->Call("CreateTable", R"({"TableName":"lin",
        "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
        "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }
  for (int c = 0; c < kClients; ++c) {
    clients_.emplace_back();
    for (int n = 1; n <= 3; ++n) clients_[c].push_back(std::move(*net::Client::Connect(cluster_.address(n))));
  }

  std::atomic<bool> stop{false};
  std::vector<std::vector<Operation>> histories(kClients);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(seed * 1000 + static_cast<uint64_t>(c));
      while (!stop) {
        RunOne(c, static_cast<int>(rng() % 3) + 1, rng, &histories[c]);
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 5));
      }
    });
  }

  // The rounds: kill -9 a node (the table's leader every other round, when one is known),
  // let the others carry on, restart it.
  std::mt19937_64 rng(seed);
  for (int round = 0; round < kRounds; ++round) {
    int victim = static_cast<int>(rng() % 3) + 1;
    if (round % 2 == 0) {
      auto c = net::Client::Connect(cluster_.address(victim));
      net::CallOptions quick;
      quick.timeout = std::chrono::milliseconds(1000);
      Result<std::string> status = (*c)->Call("ddb.NodeStatus", "{}", quick);
      size_t at = status.ok() ? status->find("\"table\":\"lin\",\"role\":") : std::string::npos;
      if (at != std::string::npos) {
        size_t leader = status->find("\"leader\":", at);
        int l = std::atoi(status->c_str() + leader + 9);
        if (l >= 1 && l <= 3) victim = l;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 400));
    cluster_.Kill(SIGKILL, victim);
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 900));
    cluster_.Start(victim);
    ASSERT_GT(cluster_.pid(victim), 0) << "node " << victim << " did not restart (round " << round << ")";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (std::thread& t : threads) t.join();

  std::vector<Operation> history;
  for (auto& h : histories) history.insert(history.end(), h.begin(), h.end());
  std::printf("%zu operations: %d known outcomes, %d unknown\n", history.size(), known_.load(),
              unknown_.load());
  ASSERT_GT(known_.load(), 500) << "too little got through to judge anything";
  auto started = Clock::now();
  sim::CheckResult result = sim::CheckLinearizable(history, 5'000'000);
  std::printf("linearizability check: %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                  Clock::now() - started).count()));
  EXPECT_EQ(result.outcome, sim::CheckResult::kLinearizable)
      << "key " << result.key << ": " << result.explanation << "\n(seed " << seed << ")";

  // Every replica ends with the same items.
  std::string a, b, c;
  for (int i = 0; i < 100; ++i) {
    a = ScanOf(1), b = ScanOf(2), c = ScanOf(3);
    if (a == b && b == c) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(a, b) << "replicas 1 and 2 differ";
  EXPECT_EQ(b, c) << "replicas 2 and 3 differ";
  EXPECT_NE(a.find("\"Items\":["), std::string::npos) << a;
}

}  // namespace
}  // namespace ddb
