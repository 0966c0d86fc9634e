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
  EXPECT_NE(d.find("\"TableArn\":\"arn:aws:dynamodb:us-east-1:000000000000:table/orders\""), std::string::npos);
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

TEST_F(NodeTest, UpdateItem) {
  CreateOrdersTable();
  // Creating an item by updating it; UPDATED_NEW shows only what the update wrote.
  EXPECT_EQ(Call("UpdateItem", R"J({"TableName":"orders","Key":{"pk":{"S":"u"},"sk":{"N":"1"}},
      "UpdateExpression":"SET #s = :new, n = if_not_exists(n, :zero) + :one ADD tags :t",
      "ExpressionAttributeNames":{"#s":"status"},"ExpressionAttributeValues":{":new":{"S":"NEW"},
      ":zero":{"N":"0"},":one":{"N":"1"},":t":{"SS":["a"]}},"ReturnValues":"UPDATED_NEW"})J"),
            R"({"Attributes":{"n":{"N":"1"},"status":{"S":"NEW"},"tags":{"SS":["a"]}}})");
  EXPECT_EQ(Call("UpdateItem", R"J({"TableName":"orders","Key":{"pk":{"S":"u"},"sk":{"N":"1"}},
      "UpdateExpression":"SET n = n + :one REMOVE tags","ExpressionAttributeValues":{":one":{"N":"1"}},
      "ReturnValues":"UPDATED_OLD"})J"),
            R"({"Attributes":{"n":{"N":"1"},"tags":{"SS":["a"]}}})");
  EXPECT_EQ(Call("UpdateItem", R"J({"TableName":"orders","Key":{"pk":{"S":"u"},"sk":{"N":"1"}},
      "UpdateExpression":"SET m = :m","ExpressionAttributeValues":{":m":{"M":{"a":{"L":[]}}}},
      "ReturnValues":"ALL_NEW"})J"),
            R"({"Attributes":{"m":{"M":{"a":{"L":[]}}},"n":{"N":"2"},"pk":{"S":"u"},"sk":{"N":"1"},"status":{"S":"NEW"}}})");
  // Conditions, key attributes, and update-time errors.
  EXPECT_EQ(Call("UpdateItem", R"J({"TableName":"orders","Key":{"pk":{"S":"u"},"sk":{"N":"1"}},
      "UpdateExpression":"SET n = :one","ConditionExpression":"n > :one","ExpressionAttributeValues":{":one":{"N":"5"}}})J"),
            "ConditionalCheckFailedException: The conditional request failed");
  EXPECT_EQ(Call("UpdateItem", R"J({"TableName":"orders","Key":{"pk":{"S":"u"},"sk":{"N":"1"}},
      "UpdateExpression":"SET pk = :v","ExpressionAttributeValues":{":v":{"S":"x"}}})J"),
            "ValidationException: One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key");
  EXPECT_EQ(Call("UpdateItem", R"J({"TableName":"orders","Key":{"pk":{"S":"u"},"sk":{"N":"1"}},
      "UpdateExpression":"SET x = #s + :v","ExpressionAttributeNames":{"#s":"status"},"ExpressionAttributeValues":{":v":{"N":"1"}}})J"),
            "ValidationException: An operand in the update expression has an incorrect data type");
  // REMOVE alone does not create a missing item; an empty update does.
  EXPECT_EQ(Call("UpdateItem", R"J({"TableName":"orders","Key":{"pk":{"S":"v"},"sk":{"N":"1"}},"UpdateExpression":"REMOVE a"})J"), "{}");
  EXPECT_EQ(Call("GetItem", R"J({"TableName":"orders","Key":{"pk":{"S":"v"},"sk":{"N":"1"}}})J"), "{}");
  EXPECT_EQ(Call("UpdateItem", R"J({"TableName":"orders","Key":{"pk":{"S":"w"},"sk":{"N":"1"}}})J"), "{}");
  EXPECT_EQ(Call("GetItem", R"J({"TableName":"orders","Key":{"pk":{"S":"w"},"sk":{"N":"1"}}})J"),
            R"({"Item":{"pk":{"S":"w"},"sk":{"N":"1"}}})");
  // Legacy AttributeUpdates.
  EXPECT_EQ(Call("UpdateItem", R"J({"TableName":"orders","Key":{"pk":{"S":"w"},"sk":{"N":"1"}},
      "AttributeUpdates":{"c":{"Action":"ADD","Value":{"N":"3"}}},"ReturnValues":"ALL_NEW"})J"),
            R"({"Attributes":{"c":{"N":"3"},"pk":{"S":"w"},"sk":{"N":"1"}}})");
}

TEST_F(NodeTest, QueryPagingFiltersAndOrder) {
  CreateOrdersTable();
  for (int i = 1; i <= 20; ++i) {
    Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"p"},"sk":{"N":")" + std::to_string(i) +
                        R"("},"even":{"BOOL":)" + (i % 2 == 0 ? "true" : "false") + "}}}");
  }
  Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"other"},"sk":{"N":"5"}}})");
  auto sks = [](std::string body) {
    body = body.substr(0, body.find("\"Count\""));  // the items only, not LastEvaluatedKey
    std::string out;
    for (size_t at = body.find("\"sk\":{\"N\":\""); at != std::string::npos;
         at = body.find("\"sk\":{\"N\":\"", at + 1)) {
      size_t b = at + 11;
      out += (out.empty() ? "" : ",") + body.substr(b, body.find('"', b) - b);
    }
    return out;
  };
  std::string r = Call("Query", R"({"TableName":"orders","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b",
      "ExpressionAttributeValues":{":p":{"S":"p"},":a":{"N":"3"},":b":{"N":"6"}}})");
  EXPECT_EQ(sks(r), "3,4,5,6") << r;
  EXPECT_NE(r.find("\"Count\":4,\"ScannedCount\":4"), std::string::npos) << r;
  r = Call("Query", R"({"TableName":"orders","KeyConditionExpression":"pk = :p AND sk > :a","ScanIndexForward":false,
      "ExpressionAttributeValues":{":p":{"S":"p"},":a":{"N":"17"}}})");
  EXPECT_EQ(sks(r), "20,19,18") << r;
  r = Call("Query", R"({"TableName":"orders","KeyConditionExpression":"pk = :p","FilterExpression":"even = :t",
      "ExpressionAttributeValues":{":p":{"S":"p"},":t":{"BOOL":true}},"Select":"COUNT"})");
  EXPECT_EQ(r, R"({"Count":10,"ScannedCount":20})");
  // Page through with Limit: every item once, in order.
  std::string all, start;
  for (int pages = 0; pages < 10; ++pages) {
    r = Call("Query", R"({"TableName":"orders","KeyConditionExpression":"pk = :p","Limit":6,
        "ExpressionAttributeValues":{":p":{"S":"p"}})" + (start.empty() ? "" : ",\"ExclusiveStartKey\":" + start) + "}");
    all += (all.empty() ? "" : ",") + sks(r);
    size_t lek = r.find("\"LastEvaluatedKey\":");
    if (lek == std::string::npos) break;
    start = r.substr(lek + 19, r.find("}}", lek) + 2 - (lek + 19));
  }
  EXPECT_EQ(all, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20");
  EXPECT_EQ(Call("Query", R"({"TableName":"orders","KeyConditionExpression":"pk = :p","FilterExpression":"sk > :a",
      "ExpressionAttributeValues":{":p":{"S":"p"},":a":{"N":"1"}}})"),
            "ValidationException: Filter Expression can only contain non-primary key attributes: Primary key attribute: sk");
  // Expression errors come before a missing table, as on DynamoDB.
  EXPECT_EQ(Call("Query", R"({"TableName":"nosuch","KeyConditionExpression":"pk = :p","FilterExpression":"a <",
      "ExpressionAttributeValues":{":p":{"S":"p"}}})"),
            "ValidationException: Invalid FilterExpression: Syntax error; token: \"<EOF>\", near: \"<\"");
  EXPECT_EQ(Call("Query", R"({"TableName":"orders","KeyConditionExpression":"sk = :a","ExpressionAttributeValues":{":a":{"N":"1"}}})"),
            "ValidationException: Query condition missed key schema element: pk");
  r = Call("Query", R"({"TableName":"orders","KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"p"}]},
      "sk":{"ComparisonOperator":"LE","AttributeValueList":[{"N":"2"}]}}})");
  EXPECT_EQ(sks(r), "1,2") << r;
}

TEST_F(NodeTest, QueryStopsAtOneMegabyte) {
  CreateOrdersTable();
  const std::string blob(100 * 1024, 'x');
  for (int i = 0; i < 15; ++i) {
    ASSERT_EQ(Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"big"},"sk":{"N":")" +
                                  std::to_string(i) + R"("},"b":{"S":")" + blob + "\"}}}"), "{}");
  }
  std::string r = Call("Query", R"({"TableName":"orders","KeyConditionExpression":"pk = :p",
      "ExpressionAttributeValues":{":p":{"S":"big"}},"Select":"COUNT"})");
  // 100 KB items: the page ends with the item that reaches 1 MB (the 11th).
  EXPECT_EQ(r, R"({"Count":11,"ScannedCount":11,"LastEvaluatedKey":{"pk":{"S":"big"},"sk":{"N":"10"}}})");
}

TEST_F(NodeTest, ScanAndSegments) {
  CreateOrdersTable();
  for (int i = 0; i < 50; ++i) {
    Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"k)" + std::to_string(i) + R"("},"sk":{"N":"0"}}})");
  }
  std::string r = Call("Scan", R"({"TableName":"orders","Select":"COUNT"})");
  EXPECT_EQ(r, R"({"Count":50,"ScannedCount":50})");
  int total = 0;
  for (int s = 0; s < 4; ++s) {
    r = Call("Scan", R"({"TableName":"orders","Select":"COUNT","Segment":)" + std::to_string(s) + R"(,"TotalSegments":4})");
    total += std::stoi(r.substr(r.find(':') + 1));
  }
  EXPECT_EQ(total, 50);  // the segments cover the table exactly once
  EXPECT_EQ(Call("Scan", R"({"TableName":"orders","Segment":4,"TotalSegments":4})"),
            "ValidationException: The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is out of bounds for TotalSegments: 4");
  r = Call("Scan", R"({"TableName":"orders","ScanFilter":{"pk":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"S":"k4"}]}},"Select":"COUNT"})");
  EXPECT_EQ(r, R"({"Count":11,"ScannedCount":50})");
}

TEST_F(NodeTest, BatchOperations) {
  CreateOrdersTable();
  EXPECT_EQ(Call("BatchWriteItem", R"({"RequestItems":{"orders":[
      {"PutRequest":{"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"x"}}}},
      {"PutRequest":{"Item":{"pk":{"S":"b"},"sk":{"N":"1"}}}},
      {"PutRequest":{"Item":{"pk":{"S":"c"},"sk":{"N":"1"}}}}]}})"),
            R"({"UnprocessedItems":{}})");
  EXPECT_EQ(Call("BatchWriteItem", R"({"RequestItems":{"orders":[{"DeleteRequest":{"Key":{"pk":{"S":"c"},"sk":{"N":"1"}}}}]},"ReturnConsumedCapacity":"TOTAL"})"),
            R"({"UnprocessedItems":{},"ConsumedCapacity":[{"TableName":"orders","CapacityUnits":1.0}]})");
  EXPECT_EQ(Call("BatchGetItem", R"({"RequestItems":{"orders":{"Keys":[{"pk":{"S":"a"},"sk":{"N":"1"}},
      {"pk":{"S":"c"},"sk":{"N":"1"}}],"ProjectionExpression":"v"}}})"),
            R"({"Responses":{"orders":[{"v":{"S":"x"}}]},"UnprocessedKeys":{}})");
  EXPECT_EQ(Call("BatchGetItem", R"({"RequestItems":{"orders":{"Keys":[{"pk":{"S":"a"},"sk":{"N":"1"}},{"pk":{"S":"a"},"sk":{"N":"1"}}]}}})"),
            "ValidationException: Provided list of item keys contains duplicates");
  // A bad request anywhere in the batch writes nothing.
  EXPECT_EQ(Call("BatchWriteItem", R"({"RequestItems":{"orders":[
      {"PutRequest":{"Item":{"pk":{"S":"d"},"sk":{"N":"1"}}}},
      {"PutRequest":{"Item":{"pk":{"S":"e"}}}}]}})"),
            "ValidationException: One or more parameter values were invalid: Missing the key sk in the item");
  EXPECT_EQ(Call("GetItem", R"({"TableName":"orders","Key":{"pk":{"S":"d"},"sk":{"N":"1"}}})"), "{}");
  std::string many = R"({"RequestItems":{"orders":[)";
  for (int i = 0; i < 26; ++i) {
    many += std::string(i ? "," : "") + R"({"PutRequest":{"Item":{"pk":{"S":"m"},"sk":{"N":")" + std::to_string(i) + "\"}}}}";
  }
  many += "]}}";
  EXPECT_EQ(Call("BatchWriteItem", many).rfind("ValidationException: 1 validation error detected", 0), 0u);
  std::string keys = R"({"RequestItems":{"orders":{"Keys":[)";
  for (int i = 0; i < 101; ++i) keys += std::string(i ? "," : "") + R"({"pk":{"S":"k"},"sk":{"N":")" + std::to_string(i) + "\"}}";
  keys += "]}}}";
  EXPECT_EQ(Call("BatchGetItem", keys), "ValidationException: Too many items requested for the BatchGetItem call");
}

// A BatchGetItem answers at most 16 MB; the rest comes back as UnprocessedKeys, with the
// request's options, so that resending them as they are reads the same way.
TEST_F(NodeTest, BatchGetItemStopsAtSixteenMegabytes) {
  CreateOrdersTable();
  const std::string blob(400 * 1000, 'x');
  std::string keys;
  for (int i = 0; i < 45; ++i) {
    ASSERT_EQ(Call("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"big"},"sk":{"N":")" +
                                  std::to_string(i) + R"("},"b":{"S":")" + blob + "\"}}}"), "{}");
    keys += std::string(i ? "," : "") + R"({"pk":{"S":"big"},"sk":{"N":")" + std::to_string(i) + "\"}}";
  }
  std::string r = Call("BatchGetItem", R"({"RequestItems":{"orders":{"Keys":[)" + keys +
                                           R"(],"ProjectionExpression":"sk","ConsistentRead":true}}})");
  size_t unprocessed = r.find("\"UnprocessedKeys\":{\"orders\":{\"Keys\":[");
  ASSERT_NE(unprocessed, std::string::npos) << r.substr(0, 200);
  // 41 items of ~400 KB reach 16 MB; the other 4 keys are unprocessed, options included.
  // Each projected item {"sk":{"N":..}} has two braces; the response opens with two.
  EXPECT_EQ((std::count(r.begin(), r.begin() + static_cast<long>(unprocessed), '{') - 2) / 2, 41);
  EXPECT_NE(r.find("],\"ProjectionExpression\":\"sk\",\"ConsistentRead\":true}}", unprocessed), std::string::npos)
      << r.substr(unprocessed);
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
