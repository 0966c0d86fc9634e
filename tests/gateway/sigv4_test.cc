// SigV4 verification: the building blocks against AWS's published vectors, requests signed by
// botocore accepted byte for byte, and every rejection with DynamoDB's code and wording.
#include "libddb/gateway/sigv4.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace ddb::gateway {
namespace {

// 2026-12-02T12:00:00Z.
constexpr int64_t kNoon = 1796212800;

const cluster::AccessKey kKey{"AKIDDDBLOCAL0000001", "ddbLocalSecretKey/0123456789+ABCDEFGHIJ"};

http::Request Req(std::string method, std::string target, std::vector<http::Header> headers,
                  std::string body = "") {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

std::string HexDecode(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// ---- Building blocks ----

TEST(SigV4Test, HashesMatchKnownAnswers) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  // RFC 4231 test case 6: a key longer than the block size is hashed first.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// The signing key of AWS's "derive a signing key" example (IAM, 2015-08-30).
TEST(SigV4Test, DerivesTheDocumentedSigningKey) {
  EXPECT_EQ(HexEncode(DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830",
                                       "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4Test, FormatsAndParsesAmzDates) {
  EXPECT_EQ(FormatAmzDate(kNoon), "20261202T120000Z");
  EXPECT_EQ(FormatAmzDate(1440938160), "20150830T123600Z");
  EXPECT_EQ(FormatAmzDate(0), "19700101T000000Z");
  EXPECT_EQ(FormatAmzDate(951825599), "20000229T115959Z");  // a leap day
  int64_t t = 0;
  ASSERT_TRUE(ParseAmzDate("20261202T120000Z", &t));
  EXPECT_EQ(t, kNoon);
  ASSERT_TRUE(ParseAmzDate("20000229T115959Z", &t));
  EXPECT_EQ(t, 951825599);
  for (int64_t v : {int64_t{0}, int64_t{86399}, int64_t{4102444800}, kNoon + 12345}) {
    ASSERT_TRUE(ParseAmzDate(FormatAmzDate(v), &t));
    EXPECT_EQ(t, v);
  }
  for (const char* bad : {"", "2026-12-02T12:00:00Z", "20261202T120000", "20261202 120000Z",
                          "20261302T120000Z", "20261232T120000Z", "20250229T120000Z",
                          "20261202T240000Z", "20261202T126000Z", "2026120xT120000Z",
                          "20261202T120000z"}) {
    EXPECT_FALSE(ParseAmzDate(bad, &t)) << bad;
  }
}

TEST(SigV4Test, UriEncodesAllButUnreserved) {
  EXPECT_EQ(UriEncode("-._~AZaz09", false), "-._~AZaz09");
  EXPECT_EQ(UriEncode("a b/c+d=e%", false), "a%20b%2Fc%2Bd%3De%25");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(UriEncode("\xe1\x88\xb4", false), "%E1%88%B4");
}

// Normalization as in the AWS test suite's *-normalized cases; the path arrives percent-encoded
// and is encoded once more (double encoding, as for every service but S3).
TEST(SigV4Test, CanonicalUriNormalizesAndEncodesAgain) {
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/"), "/");
  EXPECT_EQ(CanonicalUri("//example//"), "/example/");
  EXPECT_EQ(CanonicalUri("/example/.."), "/");
  EXPECT_EQ(CanonicalUri("/example1/example2/../.."), "/");
  EXPECT_EQ(CanonicalUri("/example/./"), "/example/");
  EXPECT_EQ(CanonicalUri("/./"), "/");
  EXPECT_EQ(CanonicalUri("/../a"), "/a");
  EXPECT_EQ(CanonicalUri("/a/b/../c"), "/a/c");
  EXPECT_EQ(CanonicalUri("/example space/"), "/example%20space/");
  EXPECT_EQ(CanonicalUri("/example%20space/"), "/example%2520space/");
}

TEST(SigV4Test, CanonicalQuerySortsByNameThenValue) {
  EXPECT_EQ(CanonicalQueryString(""), "");
  EXPECT_EQ(CanonicalQueryString("Param2=value2&Param1=value1"), "Param1=value1&Param2=value2");
  // Upper case sorts before lower case: byte order.
  EXPECT_EQ(CanonicalQueryString("foo=aha&foo=Zoo"), "foo=Zoo&foo=aha");
  EXPECT_EQ(CanonicalQueryString("b&a=&&c=1"), "a=&b=&c=1");
  EXPECT_EQ(CanonicalQueryString("k=a%2fb%20c+d"), "k=a%2Fb%20c%2Bd");
  EXPECT_EQ(CanonicalQueryString("\xe1\x88\xb4=bar"), "%E1%88%B4=bar");
  EXPECT_EQ(CanonicalQueryString("%E1%88%B4=bar"), "%E1%88%B4=bar");
  EXPECT_EQ(CanonicalQueryString("bad=%zz%4"), "bad=%25zz%254");
}

TEST(SigV4Test, CanonicalHeaderValueTrimsAndFoldsSpaces) {
  EXPECT_EQ(CanonicalHeaderValue("value1"), "value1");
  EXPECT_EQ(CanonicalHeaderValue("  value1 \t"), "value1");
  EXPECT_EQ(CanonicalHeaderValue("\"a   b   c\""), "\"a b c\"");
  EXPECT_EQ(CanonicalHeaderValue("a \t b\t\tc"), "a b c");
  EXPECT_EQ(CanonicalHeaderValue(""), "");
}

// ---- AWS's SigV4 test suite (AKIDEXAMPLE, service "service", 2015-08-30T12:36:00Z) ----

constexpr std::string_view kExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// The signature of `r`, signed for "service" in us-east-1 at 20150830T123600Z.
std::string SuiteSignature(const http::Request& r, const std::vector<std::string>& signed_headers) {
  std::string canonical = CanonicalRequest(r, signed_headers, Sha256Hex(r.body));
  std::string sts = StringToSign("20150830T123600Z",
                                 CredentialScope("20150830", "us-east-1", "service"), canonical);
  return SignatureHex(DeriveSigningKey(kExampleSecret, "20150830", "us-east-1", "service"), sts);
}

http::Request SuiteGet(std::string target, std::vector<http::Header> extra = {}) {
  std::vector<http::Header> headers = {{"host", "example.amazonaws.com"}};
  for (auto& h : extra) headers.push_back(std::move(h));
  headers.push_back({"x-amz-date", "20150830T123600Z"});
  return Req("GET", std::move(target), std::move(headers));
}

// get-vanilla, step by step: canonical request, string to sign, signature.
TEST(SigV4Test, AwsSuiteGetVanilla) {
  http::Request r = SuiteGet("/");
  std::string canonical = CanonicalRequest(r, {"host", "x-amz-date"}, Sha256Hex(""));
  EXPECT_EQ(canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string sts = StringToSign("20150830T123600Z",
                                 CredentialScope("20150830", "us-east-1", "service"), canonical);
  EXPECT_EQ(sts,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(SignatureHex(DeriveSigningKey(kExampleSecret, "20150830", "us-east-1", "service"), sts),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, AwsSuiteCases) {
  const std::vector<std::string> kHostDate = {"host", "x-amz-date"};
  // get-relative-relative-normalized normalizes to get-vanilla.
  EXPECT_EQ(SuiteSignature(SuiteGet("/example1/example2/../.."), kHostDate),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(SuiteSignature(SuiteGet("//example//"), kHostDate),  // get-slashes-normalized
            "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84");
  EXPECT_EQ(SuiteSignature(SuiteGet("/example space/"), kHostDate),  // get-space-normalized
            "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741");
  EXPECT_EQ(SuiteSignature(SuiteGet("/\xe1\x88\xb4"), kHostDate),  // get-utf8
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
  EXPECT_EQ(SuiteSignature(
                SuiteGet("/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
                kHostDate),  // get-unreserved
            "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");
  EXPECT_EQ(SuiteSignature(SuiteGet("/?Param2=value2&Param1=value1"), kHostDate),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  EXPECT_EQ(SuiteSignature(SuiteGet("/?Param1=value1"), kHostDate),  // get-vanilla-empty-query-key
            "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb");
  EXPECT_EQ(SuiteSignature(SuiteGet("/?\xe1\x88\xb4=bar"), kHostDate),  // get-vanilla-utf8-query
            "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04");
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  EXPECT_EQ(SuiteSignature(SuiteGet("/?" + unreserved + "=" + unreserved),
                           kHostDate),  // get-vanilla-query-unreserved
            "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197");
  // get-header-value-trim: leading spaces go, inner runs fold to one.
  EXPECT_EQ(SuiteSignature(
                SuiteGet("/", {{"my-header1", " value1"}, {"my-header2", "\"a   b   c\""}}),
                {"host", "my-header1", "my-header2", "x-amz-date"}),
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
  // get-header-key-duplicate: one name, values joined in the order received.
  EXPECT_EQ(SuiteSignature(SuiteGet("/", {{"my-header1", "value2"},
                                          {"my-header1", "value2"},
                                          {"my-header1", "value1"}}),
                           {"host", "my-header1", "x-amz-date"}),
            "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
}

// The worked example of the SigV4 documentation ("Create a signed AWS API request", IAM
// ListUsers) and the 2011 test suite's get-vanilla-query-order-value (service "host").
TEST(SigV4Test, AwsDocumentationExamples) {
  http::Request iam = Req("GET", "/?Action=ListUsers&Version=2010-05-08",
                          {{"host", "iam.amazonaws.com"},
                           {"content-type", "application/x-www-form-urlencoded; charset=utf-8"},
                           {"x-amz-date", "20150830T123600Z"}});
  std::string canonical =
      CanonicalRequest(iam, {"content-type", "host", "x-amz-date"}, Sha256Hex(""));
  EXPECT_EQ(Sha256Hex(canonical),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(SignatureHex(DeriveSigningKey(kExampleSecret, "20150830", "us-east-1", "iam"),
                         StringToSign("20150830T123600Z",
                                      CredentialScope("20150830", "us-east-1", "iam"), canonical)),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");

  http::Request old = Req("GET", "/?foo=Zoo&foo=aha",
                          {{"date", "Mon, 09 Sep 2011 23:36:00 GMT"}, {"host", "host.foo.com"}});
  canonical = CanonicalRequest(old, {"date", "host"}, Sha256Hex(""));
  EXPECT_EQ(canonical,
            "GET\n/\nfoo=Zoo&foo=aha\ndate:Mon, 09 Sep 2011 23:36:00 GMT\nhost:host.foo.com\n\n"
            "date;host\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(SignatureHex(DeriveSigningKey(kExampleSecret, "20110909", "us-east-1", "host"),
                         StringToSign("20110909T233600Z",
                                      CredentialScope("20110909", "us-east-1", "host"), canonical)),
            "be7148d34ebccdc6423b19085378aa0bee970bdc61d144bd1a8c48c33079ab09");
}

// ---- Requests signed by botocore ----
//
// Generated offline with botocore 1.43.11 (python3), clock fixed at 2026-12-02T12:00:00Z,
// credentials kKey: a boto3-style dynamodb client's PutItem as sent to http://localhost:8000
// (captured from the before-send event; urllib3 adds the host header), a gzip body signed with
// botocore.auth.SigV4Auth for eu-west-3, and a presigned ListTables from SigV4QueryAuth with
// X-Amz-Expires=300.

http::Request BotocorePutItem() {
  return Req(
      "POST", "/",
      {{"host", "localhost:8000"},
       {"accept-encoding", "identity"},
       {"x-amz-target", "DynamoDB_20120810.PutItem"},
       {"content-type", "application/x-amz-json-1.0"},
       {"user-agent", "Botocore/1.43.11 ua/2.1 os/linux#6.18.44-fc-v1045 md/arch#x86_64 "
                      "lang/python#3.11.7 md/pyimpl#CPython m/P,Z,e,D,b,N cfg/retry-mode#legacy"},
       {"x-amz-date", "20261202T120000Z"},
       {"authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDDDBLOCAL0000001/20261202/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
        "Signature=18c2db621a99333674bb84a5568141079d2e67a6f946b55ed1429dcd65a563fd"},
       {"amz-sdk-invocation-id", "1d906e20-50cd-4ceb-aebb-4d45f8149ca7"},
       {"amz-sdk-request", "attempt=1"},
       {"content-length", "105"}},
      R"({"TableName": "Music", "Item": {"Artist": {"S": "No One You Know"}, )"
      R"("SongTitle": {"S": "Call Me Today"}}})");
}

TEST(SigV4Test, AcceptsBotocorePutItem) {
  http::Request r = BotocorePutItem();
  ASSERT_EQ(r.body.size(), 105u);
  Result<SigV4Identity> id = VerifySigV4(r, {kKey}, kNoon + 30);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->access_key_id, "AKIDDDBLOCAL0000001");
  EXPECT_EQ(id->region, "us-east-1");
  EXPECT_EQ(id->service, "dynamodb");

  // The same bytes with one byte of the body changed.
  r.body[r.body.size() - 3] = 'y';
  Result<SigV4Identity> tampered = VerifySigV4(r, {kKey}, kNoon + 30);
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.status().code(), Code::kInvalidSignature);
}

TEST(SigV4Test, AcceptsBotocoreGzipBody) {
  http::Request r = Req(
      "POST", "/",
      {{"host", "localhost:8000"},
       {"content-type", "application/x-amz-json-1.0"},
       {"x-amz-target", "DynamoDB_20120810.DescribeTable"},
       {"content-encoding", "gzip"},
       {"x-amz-date", "20261202T120000Z"},
       {"authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDDDBLOCAL0000001/20261202/eu-west-3/dynamodb/aws4_request, "
        "SignedHeaders=content-encoding;content-type;host;x-amz-date;x-amz-target, "
        "Signature=f28b8a60a41c92d2fd0abd9a3feb70066ca37d4e14d284292077cc81fac20fad"}},
      HexDecode("1f8b0800000000000203ab560a494cca49f54bcc4d55b25250f22d2dce4c56aa0500d62870c21600"
                "0000"));
  Result<SigV4Identity> id = VerifySigV4(r, {{"AKOTHER", "x"}, kKey}, kNoon - 60);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->region, "eu-west-3");
}

http::Request BotocorePresigned() {
  return Req("POST",
             "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDDDBLOCAL0000001%2F20261202%2F"
             "us-east-1%2Fdynamodb%2Faws4_request&X-Amz-Date=20261202T120000Z&X-Amz-Expires=300&"
             "X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-target&X-Amz-Signature="
             "2dfa04ee792ade8d5dbca425eec416425381196b5eb67712ef6b4f2675926b5c",
             {{"host", "localhost:8000"},
              {"content-type", "application/x-amz-json-1.0"},
              {"x-amz-target", "DynamoDB_20120810.ListTables"}});
}

TEST(SigV4Test, AcceptsBotocorePresignedQuery) {
  Result<SigV4Identity> id = VerifySigV4(BotocorePresigned(), {kKey}, kNoon + 300);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->access_key_id, "AKIDDDBLOCAL0000001");

  // X-Amz-Expires=300 shortens the 15 minutes.
  Result<SigV4Identity> late = VerifySigV4(BotocorePresigned(), {kKey}, kNoon + 301);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), Code::kInvalidSignature);
  EXPECT_EQ(late.status().message(),
            "Signature expired: 20261202T120000Z is now earlier than 20261202T120001Z "
            "(20261202T120501Z - 5 min.)");

  http::Request r = BotocorePresigned();
  r.headers[2].value = "DynamoDB_20120810.DeleteTable";  // a signed header
  EXPECT_EQ(VerifySigV4(r, {kKey}, kNoon).status().code(), Code::kInvalidSignature);
}

// ---- Requests signed here ----

http::Request Signed(int64_t at = kNoon, std::string region = "us-east-1",
                     std::string service = "dynamodb", cluster::AccessKey key = kKey) {
  http::Request r = Req("POST", "/",
                        {{"host", "ddb.example:8000"},
                         {"content-type", "application/x-amz-json-1.0"},
                         {"x-amz-target", "DynamoDB_20120810.GetItem"},
                         {"x-custom", "a b c"},
                         {"user-agent", "test/1.0"}},
                        R"({"TableName":"T","Key":{"pk":{"S":"x"}}})");
  SignSigV4(&r, key, region, service, at);
  return r;
}

std::string* Header(http::Request* r, std::string_view name) {
  for (http::Header& h : r->headers) {
    if (h.name == name) return &h.value;
  }
  return nullptr;
}

Status Verify(const http::Request& r, int64_t now = kNoon) {
  Result<SigV4Identity> id = VerifySigV4(r, {{"AKSOMEONEELSE", "other"}, kKey}, now);
  return id.ok() ? Status::OK() : id.status();
}

const std::string kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

TEST(SigV4Test, AcceptsASignedRequest) {
  http::Request r = Signed();
  EXPECT_EQ(*Header(&r, "x-amz-date"), "20261202T120000Z");
  EXPECT_EQ(*Header(&r, "authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDDDBLOCAL0000001/20261202/us-east-1/dynamodb/"
            "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target;x-custom, "
            "Signature=" +
                Header(&r, "authorization")->substr(Header(&r, "authorization")->size() - 64));
  Result<SigV4Identity> id = VerifySigV4(r, {kKey}, kNoon);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->access_key_id, kKey.id);
  EXPECT_EQ(id->region, "us-east-1");
  // Any region is accepted and reported.
  id = VerifySigV4(Signed(kNoon, "mars-north-7"), {kKey}, kNoon);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->region, "mars-north-7");
}

TEST(SigV4Test, AcceptsFifteenMinutesOfSkewEachWay) {
  EXPECT_TRUE(Verify(Signed(), kNoon + 900).ok());
  EXPECT_TRUE(Verify(Signed(), kNoon - 900).ok());
}

TEST(SigV4Test, RejectsAnExpiredSignature) {
  // The example of the brief: signed at 12:00:00, received at 13:00:01.
  Status s = Verify(Signed(), kNoon + 3601);
  EXPECT_EQ(s.code(), Code::kInvalidSignature);
  EXPECT_EQ(s.message(),
            "Signature expired: 20261202T120000Z is now earlier than 20261202T124501Z "
            "(20261202T130001Z - 15 min.)");
  EXPECT_EQ(Verify(Signed(), kNoon + 901).code(), Code::kInvalidSignature);
}

TEST(SigV4Test, RejectsASignatureFromTheFuture) {
  Status s = Verify(Signed(), kNoon - 901);
  EXPECT_EQ(s.code(), Code::kInvalidSignature);
  EXPECT_EQ(s.message(),
            "Signature not yet current: 20261202T120000Z is still later than 20261202T115959Z "
            "(20261202T114459Z + 15 min.)");
}

TEST(SigV4Test, MissingAuthenticationToken) {
  http::Request r = Signed();
  std::erase_if(r.headers, [](const http::Header& h) { return h.name == "authorization"; });
  Status s = Verify(r);
  EXPECT_EQ(s.code(), Code::kMissingAuthenticationToken);
  EXPECT_EQ(s.message(), "Request is missing Authentication Token");
  // Headers not even shaped like SigV4 (DynamoDB answers the same for these).
  for (const char* value : {"Basic dXNlcjpwYXNz", "AWS4", "Bearer x", ""}) {
    http::Request t = Signed();
    *Header(&t, "authorization") = value;
    EXPECT_EQ(Verify(t).code(), Code::kMissingAuthenticationToken) << value;
  }
}

TEST(SigV4Test, IncompleteSignatureNamesEveryMissingPart) {
  // The exact answer DynamoDB gives to "Authorization: AWS4-" without a date header.
  http::Request r = Req("POST", "/", {{"host", "h"}, {"authorization", "AWS4-"}});
  Status s = Verify(r);
  EXPECT_EQ(s.code(), Code::kIncompleteSignature);
  EXPECT_EQ(s.message(),
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            "Authorization=AWS4-");

  http::Request t = Signed();
  std::string auth = *Header(&t, "authorization");
  std::string no_signature = auth.substr(0, auth.find(", Signature="));
  *Header(&t, "authorization") = no_signature;
  s = Verify(t);
  EXPECT_EQ(s.code(), Code::kIncompleteSignature);
  EXPECT_EQ(s.message(),
            "Authorization header requires 'Signature' parameter. Authorization=" + no_signature);

  http::Request u = Signed();
  std::erase_if(u.headers, [](const http::Header& h) { return h.name == "x-amz-date"; });
  s = Verify(u);
  EXPECT_EQ(s.code(), Code::kIncompleteSignature);
  EXPECT_EQ(s.message(),
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            "header. Authorization=" + *Header(&u, "authorization"));
}

TEST(SigV4Test, IncompleteSignatureForAParameterWithoutEquals) {
  http::Request r = Signed();
  *Header(&r, "authorization") = "AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders";
  Status s = Verify(r);
  EXPECT_EQ(s.code(), Code::kIncompleteSignature);
  EXPECT_EQ(s.message(),
            "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: "
            "'AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders'.");
}

TEST(SigV4Test, AcceptsParametersSeparatedByCommasOnly) {
  http::Request r = Signed();
  std::string* auth = Header(&r, "authorization");
  for (size_t at; (at = auth->find(", ")) != std::string::npos;) auth->erase(at + 1, 1);
  ASSERT_EQ(auth->find(", "), std::string::npos);
  EXPECT_TRUE(Verify(r).ok()) << Verify(r).ToString();
}

TEST(SigV4Test, IncompleteSignatureForABadDate) {
  http::Request r = Signed();
  *Header(&r, "x-amz-date") = "2026-12-02T12:00:00Z";
  Status s = Verify(r);
  EXPECT_EQ(s.code(), Code::kIncompleteSignature);
  EXPECT_EQ(s.message(),
            "Date must be in ISO-8601 'basic format'. Got '2026-12-02T12:00:00Z'. See "
            "http://en.wikipedia.org/wiki/ISO_8601");
}

TEST(SigV4Test, HostMustBeSigned) {
  http::Request r = Signed();
  std::string* auth = Header(&r, "authorization");
  size_t at = auth->find("host;");
  auth->erase(at, 5);
  Status s = Verify(r);
  EXPECT_EQ(s.code(), Code::kInvalidSignature);
  EXPECT_EQ(s.message(),
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST(SigV4Test, IncompleteSignatureForAnotherAlgorithm) {
  http::Request r = Signed();
  std::string* auth = Header(&r, "authorization");
  auth->replace(0, 16, "AWS4-HMAC-SHA512");
  Status s = Verify(r);
  EXPECT_EQ(s.code(), Code::kIncompleteSignature);
  EXPECT_EQ(s.message(),
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ");
}

TEST(SigV4Test, CredentialMustHaveFiveParts) {
  http::Request r = Signed();
  std::string* auth = Header(&r, "authorization");
  auth->replace(auth->find("/us-east-1"), 10, "");
  Status s = Verify(r);
  EXPECT_EQ(s.code(), Code::kIncompleteSignature);
  EXPECT_EQ(s.message(),
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            "keyid/date/region/service/term, got 'AKIDDDBLOCAL0000001/20261202/dynamodb/"
            "aws4_request'");
  // Trailing slashes do not count as parts (as in DynamoDB); the scope signed is the same.
  http::Request t = Signed();
  auth = Header(&t, "authorization");
  auth->insert(auth->find(", SignedHeaders"), "//");
  EXPECT_TRUE(Verify(t).ok()) << Verify(t).ToString();
  // An empty part inside does count.
  auth->insert(auth->find("/dynamodb/"), "/");
  EXPECT_EQ(Verify(t).code(), Code::kIncompleteSignature);
}

TEST(SigV4Test, CredentialScopeErrorsAreListedTogether) {
  http::Request r = Signed(kNoon, "us-east-1", "dynamodb");
  std::string* auth = Header(&r, "authorization");
  auth->replace(auth->find("20261202/us-east-1/dynamodb/aws4_request"), 40,
                "20261201/us-east-1/sts/aws5_request");
  Status s = Verify(r);
  EXPECT_EQ(s.code(), Code::kInvalidSignature);
  EXPECT_EQ(s.message(),
            "Credential should be scoped to correct service: 'dynamodb'. Credential should be "
            "scoped with a valid terminator: 'aws4_request', not 'aws5_request'. Date in "
            "Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            "'20261201' != '20261202', from '20261202T120000Z'. ");

  // A request signed, consistently, for another service.
  s = Verify(Signed(kNoon, "us-east-1", "s3"));
  EXPECT_EQ(s.code(), Code::kInvalidSignature);
  EXPECT_EQ(s.message(), "Credential should be scoped to correct service: 'dynamodb'. ");

  http::Request e = Signed();
  auth = Header(&e, "authorization");
  auth->replace(auth->find("/us-east-1/"), 11, "//");
  EXPECT_EQ(Verify(e).message(), "Credential should be scoped to a valid region, not ''. ");
}

TEST(SigV4Test, UnknownAccessKey) {
  Status s = Verify(Signed(kNoon, "us-east-1", "dynamodb", {"AKIDNOTINTHEFILE", kKey.secret}));
  EXPECT_EQ(s.code(), Code::kUnrecognizedClient);
  EXPECT_EQ(s.message(), "The security token included in the request is invalid.");
  // Keys are matched exactly.
  Result<SigV4Identity> id = VerifySigV4(Signed(), {{"akidddblocal0000001", kKey.secret}}, kNoon);
  EXPECT_EQ(id.status().code(), Code::kUnrecognizedClient);
}

TEST(SigV4Test, SessionTokensAreNotOurs) {
  http::Request r = Signed();
  r.headers.push_back({"x-amz-security-token", "FQoGZXIvYXdzE"});
  EXPECT_EQ(Verify(r).code(), Code::kUnrecognizedClient);
}

TEST(SigV4Test, WrongSecret) {
  Status s = Verify(Signed(kNoon, "us-east-1", "dynamodb", {kKey.id, "not-the-secret"}));
  EXPECT_EQ(s.code(), Code::kInvalidSignature);
  EXPECT_EQ(s.message(), kMismatch);
}

// The signing-key cache is keyed by the secret: a key whose secret changed in the cluster file
// must stop verifying requests signed with the old secret.
TEST(SigV4Test, ChangedSecretIsNotServedFromCache) {
  http::Request r = Signed();
  ASSERT_TRUE(VerifySigV4(r, {kKey}, kNoon).ok());
  Result<SigV4Identity> id = VerifySigV4(r, {{kKey.id, "rotated"}}, kNoon);
  EXPECT_EQ(id.status().code(), Code::kInvalidSignature);
  EXPECT_TRUE(VerifySigV4(r, {kKey}, kNoon).ok());
}

TEST(SigV4Test, TamperedRequestsAreRejected) {
  auto expect_mismatch = [](const http::Request& r, const char* what) {
    Status s = Verify(r);
    EXPECT_EQ(s.code(), Code::kInvalidSignature) << what;
    EXPECT_EQ(s.message(), kMismatch) << what;
  };
  http::Request r = Signed();
  r.body = R"({"TableName":"T","Key":{"pk":{"S":"y"}}})";
  expect_mismatch(r, "body");
  r = Signed();
  *Header(&r, "x-amz-target") = "DynamoDB_20120810.DeleteItem";
  expect_mismatch(r, "signed header");
  r = Signed();
  *Header(&r, "host") = "other.example:8000";
  expect_mismatch(r, "host");
  r = Signed();
  r.headers.push_back({"x-custom", "d"});  // a second value of a signed header
  expect_mismatch(r, "repeated signed header");
  r = Signed();
  r.method = "PUT";
  expect_mismatch(r, "method");
  r = Signed();
  r.target = "/?a=b";
  expect_mismatch(r, "query");
  r = Signed();
  std::string* auth = Header(&r, "authorization");
  for (size_t i = auth->size() - 64; i < auth->size(); ++i) {
    (*auth)[i] = static_cast<char>(std::toupper(static_cast<unsigned char>((*auth)[i])));
  }
  expect_mismatch(r, "upper-case signature");
  r = Signed();
  Header(&r, "authorization")->pop_back();
  expect_mismatch(r, "short signature");
  r = Signed();
  char& last = Header(&r, "authorization")->back();
  last = last == '0' ? '1' : '0';
  expect_mismatch(r, "last signature digit");
  r = Signed();
  std::erase_if(r.headers, [](const http::Header& h) { return h.name == "x-custom"; });
  expect_mismatch(r, "signed header removed");
}

TEST(SigV4Test, UnsignedHeadersMayChange) {
  http::Request r = Signed();
  *Header(&r, "user-agent") = "something/else";
  r.headers.push_back({"x-forwarded-for", "10.0.0.1"});
  r.headers.push_back({"content-length", "40"});
  EXPECT_TRUE(Verify(r).ok()) << Verify(r).ToString();
}

TEST(SigV4Test, SignedHeaderWhitespaceIsFolded) {
  http::Request r = Signed();
  *Header(&r, "x-custom") = "  a \t  b   c\t";
  *Header(&r, "content-type") = "application/x-amz-json-1.0   ";
  EXPECT_TRUE(Verify(r).ok()) << Verify(r).ToString();
  *Header(&r, "x-custom") = "a b  c d";
  EXPECT_EQ(Verify(r).code(), Code::kInvalidSignature);
}

TEST(SigV4Test, ContentSha256MustMatchTheBody) {
  http::Request r = Signed();
  r.headers.push_back({"x-amz-content-sha256", Sha256Hex(r.body)});
  EXPECT_TRUE(Verify(r).ok());
  *Header(&r, "x-amz-content-sha256") = "UNSIGNED-PAYLOAD";
  Status s = Verify(r);
  EXPECT_EQ(s.code(), Code::kInvalidSignature);
  EXPECT_EQ(s.message(),
            "The provided 'x-amz-content-sha256' header does not match what was computed.");
}

// The Date header stands in for X-Amz-Date, in ISO 8601 basic or HTTP date form.
TEST(SigV4Test, DateHeaderInsteadOfXAmzDate) {
  for (const char* date : {"Wed, 02 Dec 2026 12:00:00 GMT", "20261202T120000Z"}) {
    http::Request r = Req("POST", "/",
                          {{"host", "ddb.example"}, {"date", date}, {"x-amz-target", "X.Y"}}, "{}");
    std::string canonical = CanonicalRequest(r, {"date", "host", "x-amz-target"}, Sha256Hex("{}"));
    std::string scope = CredentialScope("20261202", "us-east-1", "dynamodb");
    std::string signature =
        SignatureHex(DeriveSigningKey(kKey.secret, "20261202", "us-east-1", "dynamodb"),
                     StringToSign("20261202T120000Z", scope, canonical));
    r.headers.push_back({"authorization", "AWS4-HMAC-SHA256 Credential=" + kKey.id + "/" + scope +
                                              ", SignedHeaders=date;host;x-amz-target, Signature=" +
                                              signature});
    EXPECT_TRUE(Verify(r).ok()) << date << ": " << Verify(r).ToString();
  }
}

TEST(SigV4Test, QueryAuthErrors) {
  http::Request r = BotocorePresigned();
  r.target.replace(r.target.find("AWS4-HMAC-SHA256"), 16, "AWS4-HMAC-SHA512");
  EXPECT_EQ(Verify(r).code(), Code::kMissingAuthenticationToken);

  r = Req("POST", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261202T120000Z",
          {{"host", "h"}});
  Status s = Verify(r);
  EXPECT_EQ(s.code(), Code::kIncompleteSignature);
  EXPECT_EQ(s.message(),
            "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string "
            "parameters must include 'X-Amz-Signature'. AWS query-string parameters must include "
            "'X-Amz-SignedHeaders'. Re-examine the query-string parameters.");

  // Signed in the header and in the query at once.
  r = BotocorePresigned();
  r.headers.push_back(
      {"authorization", "AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=y"});
  s = Verify(r);
  EXPECT_EQ(s.code(), Code::kInvalidSignature);
  EXPECT_EQ(s.message(), kMismatch);
}

// Many threads verifying at once, over several regions so that the signing-key cache is
// written while it is read.
TEST(SigV4Test, ConcurrentVerification) {
  std::vector<http::Request> requests;
  for (int i = 0; i < 8; ++i) requests.push_back(Signed(kNoon, "region-" + std::to_string(i)));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        if (!VerifySigV4(requests[(i + t) % requests.size()], {kKey}, kNoon).ok()) ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace ddb::gateway
