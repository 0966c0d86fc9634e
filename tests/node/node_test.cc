// A real ddb-node process on loopback, driven through the wire protocol with DynamoDB JSON
// bodies: table operations, item operations with conditions and ReturnValues, the data
// directory lock, and kill -9 under a concurrent write load.
#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "libddb/model/dynamo_json.h"
#include "tests/node/node_process.h"

namespace ddb {
namespace {

class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = std::make_unique<testing::NodeProcess>(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    node_->Start();
    client_ = *net::Client::Connect(node_->address());
  }

  // The response body, or "ErrorName: message".
  std::string Call(const std::string& op, const std::string& body) {
    Result<std::string> r = client_->Call(op, body);
    return r.ok() ? *r : r.status().ToString();
  }

  void CreateOrdersTable() {
    std::string r = Call("CreateTable", R"({"TableName":"orders","AttributeDefinitions":[
        {"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
        "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
        "BillingMode":"PAY_PER_REQUEST"})");
    ASSERT_NE(r.find("\"TableStatus\":\"CREATING\""), std::string::npos) << r;
  }

  std::unique_ptr<testing::NodeProcess> node_;
  std::unique_ptr<net::Client> client_;
};

TEST_F(NodeTest, TableLifecycle) {
  EXPECT_EQ(Call("ListTables", "{}"), R"({"TableNames":[]})");
  CreateOrdersTable();
  EXPECT_EQ(Call("CreateTable", R"({"TableName":"orders","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})"),
            "ResourceInUseException: Table already exists: orders");
  std::string d = Call("DescribeTable", R"({"TableName":"orders"})");
  EXPECT_NE(d.find("\"TableStatus\":\"ACTIVE\""), std::string::npos) << d;
  EXPECT_NE(d.find("\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}]"),
            std::string::npos) << d;
  EXPECT_NE(d.find("\"BillingMode\":\"PAY_PER_REQUEST\""), std::string::npos) << d;
  EXPECT_NE(d.find("\"TableArn\":\"arn:aws:dynamodb:ddb-local:000000000000:table/orders\""), std::string::npos);
  for (const char* name : {"b_t", "a_t", "c_t"}) {
    Call("CreateTable", std::string(R"({"TableName":")") + name +
                            R"(","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"B"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}})");
  }
  EXPECT_EQ(Call("ListTables", "{}"), R"({"TableNames":["a_t","b_t","c_t","orders"]})");
  EXPECT_EQ(Call("ListTables", R"({"Limit":2})"), R"({"TableNames":["a_t","b_t"],"LastEvaluatedTableName":"b_t"})");
  EXPECT_EQ(Call("ListTables", R"({"Limit":2,"ExclusiveStartTableName":"b_t"})"), R"({"TableNames":["c_t","orders"]})");
  std::string del = Call("DeleteTable", R"({"TableName":"b_t"})");
  EXPECT_NE(del.find("\"TableStatus\":\"DELETING\""), std::string::npos) << del;
  EXPECT_EQ(Call("DescribeTable", R"({"TableName":"b_t"})"),
            "ResourceNotFoundException: Requested resource not found: Table: b_t not found");
  // Metadata is durable: after a restart the tables are still there.
  EXPECT_EQ(WEXITSTATUS(node_->Kill(SIGTERM)), 0);
  node_->Start();
  EXPECT_EQ(Call("ListTables", "{}"), R"({"TableNames":["a_t","c_t","orders"]})");
}

TEST_F(NodeTest, CreateTableValidation) {
  EXPECT_EQ(Call("CreateTable", R"({"TableName":"ab"})"),
            "ValidationException: 1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3");
  EXPECT_EQ(Call("CreateTable", R"({"TableName":"abc","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]})"),
            "ValidationException: 1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null");
  EXPECT_EQ(Call("CreateTable", R"({"TableName":"abc","AttributeDefinitions":[{"AttributeName":"x","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})"),
            "ValidationException: One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [x]");
  EXPECT_EQ(Call("CreateTable", R"({"TableName":"abc","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"})"),
            "ValidationException: Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  EXPECT_EQ(Call("CreateTable", R"({"TableName":"abc","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]})"),
            "ValidationException: One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
  EXPECT_EQ(Call("CreateTable", R"({"TableName":"abc","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"X"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]})"),
            "ValidationException: 1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]");
  EXPECT_EQ(Call("NoSuchOperation", "{}"), "UnknownOperationException: Unknown operation: NoSuchOperation");
  EXPECT_EQ(Call("ListTables", "{not json"),
            "SerializationException: Invalid JSON at offset 1: Missing a name for object member.");
}

TEST_F(NodeTest, ItemsWithConditionsAndReturnValues) {
  CreateOrdersTable();
  EXPECT_EQ(Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"u1"},"sk":{"N":"1.50"},"total":{"N":"10"}}})"), "{}");
  EXPECT_EQ(Call("GetItem", R"({"TableName":"orders","Key":{"pk":{"S":"u1"},"sk":{"N":"1.5"}}})"),
            R"({"Item":{"pk":{"S":"u1"},"sk":{"N":"1.5"},"total":{"N":"10"}}})");
  // A condition that fails, with the old item returned on request.
  Result<std::string> failed = client_->Call("PutItem", R"J({"TableName":"orders","Item":{"pk":{"S":"u1"},"sk":{"N":"1.5"}},
      "ConditionExpression":"attribute_not_exists(pk)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"})J");
  EXPECT_EQ(failed.status().ToString(), "ConditionalCheckFailedException: The conditional request failed");
  // Overwrite with ALL_OLD, a condition that holds, and consumed capacity.
  EXPECT_EQ(Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"u1"},"sk":{"N":"1.5"},"total":{"N":"11"}},
      "ConditionExpression":"#t = :ten","ExpressionAttributeNames":{"#t":"total"},
      "ExpressionAttributeValues":{":ten":{"N":"10"}},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL"})"),
            R"({"Attributes":{"pk":{"S":"u1"},"sk":{"N":"1.5"},"total":{"N":"10"}},"ConsumedCapacity":{"TableName":"orders","CapacityUnits":1.0}})");
  // Projection and the legacy AttributesToGet; mixing them is refused.
  EXPECT_EQ(Call("GetItem", R"({"TableName":"orders","Key":{"pk":{"S":"u1"},"sk":{"N":"1.5"}},"ProjectionExpression":"#t","ExpressionAttributeNames":{"#t":"total"}})"),
            R"({"Item":{"total":{"N":"11"}}})");
  EXPECT_EQ(Call("GetItem", R"({"TableName":"orders","Key":{"pk":{"S":"u1"},"sk":{"N":"1.5"}},"AttributesToGet":["sk"],"ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"})"),
            R"({"Item":{"sk":{"N":"1.5"}},"ConsumedCapacity":{"TableName":"orders","CapacityUnits":1.0}})");
  EXPECT_EQ(Call("GetItem", R"({"TableName":"orders","Key":{"pk":{"S":"u1"},"sk":{"N":"1.5"}},"AttributesToGet":["sk"],"ProjectionExpression":"sk"})"),
            "ValidationException: Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}");
  // Legacy Expected on DeleteItem, with ALL_OLD.
  EXPECT_EQ(Call("DeleteItem", R"({"TableName":"orders","Key":{"pk":{"S":"u1"},"sk":{"N":"1.5"}},"Expected":{"total":{"Value":{"N":"99"}}}})"),
            "ConditionalCheckFailedException: The conditional request failed");
  EXPECT_EQ(Call("DeleteItem", R"({"TableName":"orders","Key":{"pk":{"S":"u1"},"sk":{"N":"1.5"}},"Expected":{"total":{"Value":{"N":"11"}}},"ReturnValues":"ALL_OLD"})"),
            R"({"Attributes":{"pk":{"S":"u1"},"sk":{"N":"1.5"},"total":{"N":"11"}}})");
  EXPECT_EQ(Call("GetItem", R"({"TableName":"orders","Key":{"pk":{"S":"u1"},"sk":{"N":"1.5"}}})"), "{}");
  std::string d = Call("DescribeTable", R"({"TableName":"orders"})");
  EXPECT_NE(d.find("\"ItemCount\":0"), std::string::npos) << d;
}

TEST_F(NodeTest, ItemValidation) {
  CreateOrdersTable();
  EXPECT_EQ(Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"u1"}}})"),
            "ValidationException: One or more parameter values were invalid: Missing the key sk in the item");
  EXPECT_EQ(Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"N":"1"},"sk":{"N":"1"}}})"),
            "ValidationException: One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N");
  EXPECT_EQ(Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":""},"sk":{"N":"1"}}})"),
            "ValidationException: One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk");
  EXPECT_EQ(Call("PutItem", R"({"TableName":"nosuch","Item":{"pk":{"S":"a"}}})"),
            "ResourceNotFoundException: Requested resource not found: Table: nosuch not found");
  EXPECT_EQ(Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"a"},"sk":{"N":"x"}}})"),
            "ValidationException: The parameter cannot be converted to a numeric value: x");
  EXPECT_EQ(Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},"ReturnValues":"ALL_NEW"})"),
            "ValidationException: ReturnValues can only be ALL_OLD or NONE");
  EXPECT_EQ(Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},"ExpressionAttributeValues":{":v":{"S":"x"}}})"),
            "ValidationException: ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null");
  EXPECT_EQ(Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},"ConditionExpression":"a = :v","ExpressionAttributeValues":{":v":{"S":"x"},":w":{"S":"y"}}})"),
            "ValidationException: Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}");
  EXPECT_EQ(Call("GetItem", R"({"TableName":"orders","Key":{"pk":{"S":"a"}}})"),
            "ValidationException: The provided key element does not match the schema");
  std::string big(409600, 'x');
  EXPECT_EQ(Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"b":{"S":")" + big + R"("}}})"),
            "ValidationException: Item size has exceeded the maximum allowed size");
  // Nothing above was written.
  std::string d = Call("DescribeTable", R"({"TableName":"orders"})");
  EXPECT_NE(d.find("\"ItemCount\":0"), std::string::npos) << d;
}

TEST_F(NodeTest, SecondNodeOnTheSameDataDirectoryRefusesToStart) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    execl(DDB_NODE_BIN, DDB_NODE_BIN, "--cluster", node_->cluster_file().c_str(), "--id", "1",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string err;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) err.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status;
  waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_EQ(err, "ddb-node: data directory " + node_->data_dir() +
                     " is in use by another ddb-node (pid " + std::to_string(node_->pid()) + ")\n");
}

// Writers put items concurrently; the node is killed with -9 mid-load and restarted: every
// acknowledged write must be there.
TEST_F(NodeTest, AcknowledgedWritesSurviveKill9) {
  CreateOrdersTable();
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<int64_t> acked;
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      std::unique_ptr<net::Client> client = *net::Client::Connect(node_->address());
      net::CallOptions options;
      options.timeout = std::chrono::milliseconds(1000);
      options.max_attempts = 1;
      for (int64_t i = t; !stop; i += 8) {
        std::string body = R"({"TableName":"orders","Item":{"pk":{"S":"load"},"sk":{"N":")" +
                           std::to_string(i) + R"("}}})";
        if (client->Call("PutItem", body, options).ok()) {
          std::lock_guard<std::mutex> lock(mu);
          acked.insert(i);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  int status = node_->Kill(SIGKILL);
  stop = true;
  for (auto& w : writers) w.join();
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_GT(acked.size(), 20u);
  node_->Start();
  client_ = *net::Client::Connect(node_->address());
  for (int64_t i : acked) {
    std::string r = Call("GetItem", R"({"TableName":"orders","Key":{"pk":{"S":"load"},"sk":{"N":")" +
                                        std::to_string(i) + R"("}}})");
    ASSERT_NE(r, "{}") << "acknowledged write " << i << " was lost";
  }
}

}  // namespace
}  // namespace ddb
