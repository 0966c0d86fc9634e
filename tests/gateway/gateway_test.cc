// The gateway's HTTP handling up to the point where it calls the cluster: health check,
// signatures, targets, content encodings, error shapes and response headers. The calls to a
// real cluster are covered by the boto3 suite (tests/gateway/test_*.py).
// Each request here is answered by the gateway itself, so Handle responds at once.
#include "libddb/gateway/gateway.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "libddb/gateway/sigv4.h"

namespace ddb::gateway {
namespace {

constexpr int64_t kNow = 1764680000;  // 2025-12-02T12:53:20Z
const cluster::AccessKey kKey{"AKIDTEST", "secret"};

cluster::ClusterConfig Config() {
  cluster::ClusterConfig c;
  // A node nobody listens on: these tests must never reach the cluster.
  c.nodes.push_back({1, "tcp://127.0.0.1:1", "/nonexistent"});
  c.access_keys.push_back(kKey);
  return c;
}

GatewayOptions FixedClock() {
  GatewayOptions o;
  o.now_unix_seconds = [] { return kNow; };
  return o;
}

http::Request SignedRequest(const std::string& target, const std::string& body,
                            const cluster::AccessKey& key = kKey) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers.push_back({"host", "127.0.0.1:8000"});
  r.headers.push_back({"content-type", "application/x-amz-json-1.0"});
  if (!target.empty()) r.headers.push_back({"x-amz-target", target});
  r.body = body;
  SignSigV4(&r, key, "us-east-1", "dynamodb", kNow);
  return r;
}

// Handle for a request the gateway answers itself (it must respond at once).
http::Response Handle(Gateway& g, http::Request& r) {
  std::optional<http::Response> out;
  g.Handle(r, [&](http::Response response) { out = std::move(response); });
  EXPECT_TRUE(out.has_value()) << "answered without the cluster";
  return out.value_or(http::Response{});
}

std::string Header(const http::Response& r, const std::string& name) {
  for (const http::Header& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

void ExpectError(const http::Response& r, int status, const std::string& type) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_NE(r.body.find("\"__type\":\"" + type + "\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"message\":"), std::string::npos) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), "application/x-amz-json-1.0");
}

TEST(GatewayTest, TableAffinityIsTheTableOfASinglePartitionItemCall) {
  EXPECT_EQ(TableAffinity("PutItem", R"({"TableName":"songs","Item":{"id":{"N":"1"}}})"), "songs");
  EXPECT_EQ(TableAffinity("DeleteItem", R"({ "Key": {"id":{"N":"1"}}, "TableName" : "a.b-c_1" })"), "a.b-c_1");
  // An attribute named TableName inside the item is an object: the table's name comes after.
  EXPECT_EQ(TableAffinity("UpdateItem", R"({"Key":{"TableName":{"S":"x"}},"TableName":"t"})"), "t");
  EXPECT_EQ(TableAffinity("GetItem", R"({"TableName":"songs","Key":{"id":{"N":"1"}}})"), "songs");
  EXPECT_EQ(TableAffinity("Query", R"({"TableName":"songs","KeyConditionExpression":"id = :i"})"), "songs");
  EXPECT_EQ(TableAffinity("Scan", R"({"TableName":"songs"})"), "");
  EXPECT_EQ(TableAffinity("BatchGetItem", R"({"RequestItems":{"songs":{"Keys":[]}}})"), "");
  EXPECT_EQ(TableAffinity("PutItem", R"({"Item":{}})"), "");
  EXPECT_EQ(TableAffinity("PutItem", R"({"TableName":"unterminated)"), "");
}

TEST(GatewayTest, HealthCheckAnswersWithoutSignature) {
  Gateway g(Config(), FixedClock());
  http::Request r;
  r.method = "GET";
  r.target = "/";
  http::Response out = Handle(g, r);
  EXPECT_EQ(out.status, 200);
  EXPECT_NE(out.body.find("healthy"), std::string::npos);
  EXPECT_FALSE(Header(out, "x-amzn-RequestId").empty());
}

TEST(GatewayTest, SignatureErrorsComeBeforeAnythingElse) {
  Gateway g(Config(), FixedClock());
  http::Request unsigned_request;
  unsigned_request.method = "POST";
  unsigned_request.target = "/";
  unsigned_request.headers.push_back({"x-amz-target", "DynamoDB_20120810.ListTables"});
  ExpectError(Handle(g, unsigned_request), 400,
              "com.amazon.coral.service#MissingAuthenticationTokenException");

  http::Request unknown_key = SignedRequest("DynamoDB_20120810.ListTables", "{}", {"AKIDOTHER", "secret"});
  ExpectError(Handle(g, unknown_key), 400, "com.amazon.coral.service#UnrecognizedClientException");

  http::Request wrong_secret = SignedRequest("DynamoDB_20120810.ListTables", "{}", {"AKIDTEST", "nope"});
  ExpectError(Handle(g, wrong_secret), 400, "com.amazon.coral.service#InvalidSignatureException");

  http::Request tampered = SignedRequest("DynamoDB_20120810.ListTables", "{}");
  tampered.body = "{\"Limit\":1}";
  ExpectError(Handle(g, tampered), 400, "com.amazon.coral.service#InvalidSignatureException");

  GatewayOptions later;
  later.now_unix_seconds = [] { return kNow + 16 * 60; };
  Gateway g_later(Config(), later);
  http::Request expired = SignedRequest("DynamoDB_20120810.ListTables", "{}");
  http::Response out = Handle(g_later, expired);
  ExpectError(out, 400, "com.amazon.coral.service#InvalidSignatureException");
  EXPECT_NE(out.body.find("Signature expired"), std::string::npos) << out.body;
}

TEST(GatewayTest, OnlyDynamoDbOperationsAreAccepted) {
  Gateway g(Config(), FixedClock());
  for (const std::string& target :
       {std::string(""), std::string("DynamoDB_20120810."), std::string("DynamoDB_20111205.ListTables"),
        std::string("DynamoDB_20120810.ddb.NodeStatus"), std::string("DynamoDB_20120810.List Tables")}) {
    http::Request r = SignedRequest(target, "{}");
    ExpectError(Handle(g, r), 400, "com.amazon.coral.service#UnknownOperationException");
  }
  http::Request get = SignedRequest("DynamoDB_20120810.ListTables", "");
  get.method = "PUT";
  SignSigV4(&get, kKey, "us-east-1", "dynamodb", kNow);
  ExpectError(Handle(g, get), 400, "com.amazon.coral.service#UnknownOperationException");
}

TEST(GatewayTest, BadContentEncodingsAreSerializationErrors) {
  Gateway g(Config(), FixedClock());
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"host", "h"}, {"x-amz-target", "DynamoDB_20120810.ListTables"}, {"content-encoding", "br"}};
  r.body = "{}";
  SignSigV4(&r, kKey, "us-east-1", "dynamodb", kNow);
  ExpectError(Handle(g, r), 400, "com.amazon.coral.service#SerializationException");
  r.headers = {{"host", "h"}, {"x-amz-target", "DynamoDB_20120810.ListTables"}, {"content-encoding", "gzip"}};
  r.body = "not gzip";
  SignSigV4(&r, kKey, "us-east-1", "dynamodb", kNow);
  ExpectError(Handle(g, r), 400, "com.amazon.coral.service#SerializationException");
}

std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(GunzipTest, InflatesAndRefusesBadOrHugeInput) {
  std::string text(100000, 'a');
  text += "the end";
  Result<std::string> r = Gunzip(Gzip(text), 1 << 20);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, text);
  std::string gz = Gzip(text);
  EXPECT_EQ(Gunzip(gz.substr(0, gz.size() / 2), 1 << 20).status().code(), Code::kSerialization);
  EXPECT_EQ(Gunzip("plain text", 1 << 20).status().code(), Code::kSerialization);
  EXPECT_EQ(Gunzip(gz, 1000).status().code(), Code::kValidation);
}

TEST(ErrorResponseTest, NamespacesStatusesAndItem) {
  EXPECT_EQ(ErrorType(Status::Validation("x")), "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(ErrorType(Status::ResourceNotFound("x")),
            "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
  EXPECT_EQ(ErrorType(Status(Code::kServiceUnavailable, "x")),
            "com.amazonaws.dynamodb.v20120810#ServiceUnavailable");
  http::Response r = ErrorResponse(Status::ConditionalCheckFailed(), "{\"k\":{\"S\":\"v\"}}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
            "\"message\":\"The conditional request failed\",\"Item\":{\"k\":{\"S\":\"v\"}}}");
  EXPECT_EQ(ErrorResponse(Status::Internal("boom")).status, 500);
  EXPECT_EQ(ErrorResponse(Status(Code::kServiceUnavailable, "x")).status, 503);
  http::Response quoted = ErrorResponse(Status::Validation("a \"quoted\"\nline"));
  EXPECT_NE(quoted.body.find("a \\\"quoted\\\"\\nline"), std::string::npos) << quoted.body;
}

TEST(FinishResponseTest, AddsRequestIdCrcTypeAndDate) {
  http::Response r;
  r.body = "{\"TableNames\":[]}";
  FinishResponse(&r);
  EXPECT_EQ(Header(r, "x-amz-crc32"),
            std::to_string(crc32(0, reinterpret_cast<const Bytef*>(r.body.data()), static_cast<uInt>(r.body.size()))));
  std::string id = Header(r, "x-amzn-RequestId");
  EXPECT_EQ(id.size(), 52u);
  EXPECT_EQ(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), std::string::npos) << id;
  http::Response again;
  FinishResponse(&again);
  EXPECT_NE(Header(again, "x-amzn-RequestId"), id) << "request ids are unique";
  EXPECT_EQ(Header(r, "Content-Type"), "application/x-amz-json-1.0");
  EXPECT_NE(Header(r, "Date").find(" GMT"), std::string::npos);
}

}  // namespace
}  // namespace ddb::gateway
