// The DynamoDB JSON codec: round trips and every validation error, with DynamoDB's wording.
#include "libddb/model/dynamo_json.h"

#include <gtest/gtest.h>

#include "tests/model/random_item.h"
#include "tests/test_util.h"

namespace ddb {
namespace {

std::string RoundTrip(std::string_view json) {
  Result<Item> item = ParseDynamoJsonItem(json);
  if (!item.ok()) return item.status().ToString();
  return ToDynamoJson(*item);
}

std::string ValueError(std::string_view json) {
  Result<AttributeValue> v = ParseDynamoJsonValue(json);
  return v.ok() ? "OK " + ToDynamoJson(*v) : v.status().ToString();
}

TEST(DynamoJsonTest, AllTypesRoundTrip) {
  const char* kCanonical =
      R"({"b":{"B":"AAEC/w=="},"bool":{"BOOL":false},"bs":{"BS":["","AA==","/w=="]},)"
      R"("l":{"L":[{"S":"x"},{"N":"1"},{"L":[]},{"M":{}}]},"m":{"M":{"k":{"NULL":true}}},)"
      R"("n":{"N":"-1.5"},"ns":{"NS":["-1","0","2.5"]},"null":{"NULL":true},"s":{"S":""},)"
      R"("ss":{"SS":["","a","b"]},"t":{"BOOL":true}})";
  EXPECT_EQ(RoundTrip(kCanonical), kCanonical);
}

TEST(DynamoJsonTest, CanonicalizesInput) {
  // Numbers canonical, sets sorted (NS numerically), attributes in name order, whitespace gone.
  EXPECT_EQ(RoundTrip(R"({ "z" : {"N":"1.50"}, "a":{"NS":["10","9","1e1x"]}})"),
            "ValidationException: The parameter cannot be converted to a numeric value: 1e1x");
  EXPECT_EQ(RoundTrip(R"({ "z" : {"N":"1.50"}, "a":{"NS":["10","9","-1E2"]}})"),
            R"({"a":{"NS":["-100","9","10"]},"z":{"N":"1.5"}})");
  EXPECT_EQ(RoundTrip(R"({"s":{"SS":["b","a","\u00e9","\u0000"]}})"),
            "{\"s\":{\"SS\":[\"\\u0000\",\"a\",\"b\",\"\xc3\xa9\"]}}");
  // Escapes are written back in the short form, UTF-8 kept as is.
  EXPECT_EQ(RoundTrip(R"({"s":{"S":"q\"\\\/\b\f\n\r\t\u0001\u20ac"}})"),
            "{\"s\":{\"S\":\"q\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\xe2\x82\xac\"}}");
  // {"NULL": false} is accepted today and read back as NULL true; BOOL takes strings.
  EXPECT_EQ(RoundTrip(R"({"a":{"NULL":false},"b":{"BOOL":"yes"},"c":{"BOOL":"FALSE"}})"),
            R"({"a":{"NULL":true},"b":{"BOOL":true},"c":{"BOOL":false}})");
  // Unknown members and null descriptors are ignored.
  EXPECT_EQ(RoundTrip(R"({"a":{"S":"x","X":1,"N":null}})"), R"({"a":{"S":"x"}})");
  // A repeated attribute name keeps the last value.
  EXPECT_EQ(RoundTrip(R"({"a":{"S":"x"},"a":{"S":"y"}})"), R"({"a":{"S":"y"}})");
}

TEST(DynamoJsonTest, ShapeErrors) {
  const std::string kEmpty =
      "ValidationException: Supplied AttributeValue is empty, must contain exactly one of the "
      "supported datatypes";
  const std::string kTwo =
      "ValidationException: Supplied AttributeValue has more than one datatypes set, must "
      "contain exactly one of the supported datatypes";
  EXPECT_EQ(ValueError("{}"), kEmpty);
  EXPECT_EQ(ValueError(R"({"X":"a"})"), kEmpty);
  EXPECT_EQ(ValueError(R"({"S":null})"), kEmpty);
  EXPECT_EQ(ValueError(R"({"M":{"a":{}}})"), kEmpty);
  EXPECT_EQ(ValueError(R"({"L":[{}]})"), kEmpty);
  EXPECT_EQ(ValueError(R"({"S":"a","N":"1"})"), kTwo);
  // Each descriptor is validated before the "more than one" check.
  EXPECT_EQ(ValueError(R"({"S":"a","N":"b"})"),
            "ValidationException: The parameter cannot be converted to a numeric value: b");
  EXPECT_EQ(ValueError(R"({"S":"","N":""})"),
            "ValidationException: The parameter cannot be converted to a numeric value");
}

TEST(DynamoJsonTest, WrongJsonTypesAreSerializationErrors) {
  EXPECT_EQ(ValueError(R"({"S":1})"),
            "SerializationException: NUMBER_VALUE can not be converted to a String");
  EXPECT_EQ(ValueError(R"({"N":123})"),
            "SerializationException: NUMBER_VALUE can not be converted to a String");
  EXPECT_EQ(ValueError(R"({"S":true})"),
            "SerializationException: TRUE_VALUE can not be converted to a String");
  EXPECT_EQ(ValueError(R"({"S":[]})"),
            "SerializationException: Start of list found where not expected");
  EXPECT_EQ(ValueError(R"({"S":{}})"),
            "SerializationException: Start of structure or map found where not expected.");
  EXPECT_EQ(ValueError(R"({"L":"x"})"), "SerializationException: Expected list or null");
  EXPECT_EQ(ValueError(R"({"M":1})"), "SerializationException: Expected map or null");
  EXPECT_EQ(ValueError(R"({"SS":[1]})"),
            "SerializationException: NUMBER_VALUE can not be converted to a String");
  EXPECT_EQ(ValueError(R"({"BOOL":"maybe"})"),
            "SerializationException: 'MAYBE' can not be converted to an Boolean");
  EXPECT_EQ(ValueError(R"({"BOOL":2})"),
            "SerializationException: NUMBER_VALUE can not be converted to an Boolean");
  EXPECT_EQ(ValueError(R"("x")"), "SerializationException: Expected null");
  EXPECT_EQ(ValueError(R"([])"), "SerializationException: Start of list found where not expected");
  EXPECT_EQ(RoundTrip(R"({"a":"x"})"), "SerializationException: Expected null");
  EXPECT_EQ(RoundTrip(R"([1])"),
            "SerializationException: Unexpected JSON array where an item (an object of "
            "attribute names) was expected");
}

TEST(DynamoJsonTest, Binary) {
  EXPECT_EQ(ValueError(R"({"B":""})"), R"(OK {"B":""})");
  EXPECT_EQ(ValueError(R"({"B":"abc"})"),
            "SerializationException: 'abc' can not be converted to a Blob: Base64 encoded length "
            "is expected a multiple of 4 bytes but found: 3");
  EXPECT_EQ(ValueError(R"({"B":"ab!="})"),
            "SerializationException: 'ab!=' can not be converted to a Blob: Invalid Base64 "
            "character: '!'");
  EXPECT_EQ(ValueError(R"({"B":"YR=="})"),
            "SerializationException: 'YR==' can not be converted to a Blob: Invalid last non-pad "
            "Base64 character dectected");
  EXPECT_EQ(ValueError(R"({"BS":["YQ==","x"]})"),
            "SerializationException: 'x' can not be converted to a Blob: Base64 encoded length "
            "is expected a multiple of 4 bytes but found: 1");
}

TEST(DynamoJsonTest, Sets) {
  EXPECT_EQ(ValueError(R"({"SS":[]})"),
            "ValidationException: One or more parameter values were invalid: An string set  may "
            "not be empty");
  EXPECT_EQ(ValueError(R"({"NS":[]})"),
            "ValidationException: One or more parameter values were invalid: An number set  may "
            "not be empty");
  EXPECT_EQ(ValueError(R"({"BS":[]})"),
            "ValidationException: One or more parameter values were invalid: Binary sets should "
            "not be empty");
  EXPECT_EQ(ValueError(R"({"M":{"x":{"SS":[]}}})"),
            "ValidationException: One or more parameter values were invalid: An string set  may "
            "not be empty");
  EXPECT_EQ(ValueError(R"({"SS":["a","a"]})"),
            "ValidationException: One or more parameter values were invalid: Input collection "
            "[a, a] contains duplicates.");
  EXPECT_EQ(ValueError(R"({"BS":["Yg==","Yg=="]})"),
            "ValidationException: One or more parameter values were invalid: Input collection "
            "[Yg==, Yg==]of type BS contains duplicates.");
  // Numbers are duplicates by value, not by spelling.
  EXPECT_EQ(ValueError(R"({"NS":["10","1e1"]})"),
            "ValidationException: One or more parameter values were invalid: Input collection "
            "[10, 1e1] contains duplicates.");
  EXPECT_EQ(ValueError(R"({"NS":["1",""]})"),
            "ValidationException: The parameter cannot be converted to a numeric value");
  // Empty strings and binaries are fine inside sets.
  EXPECT_EQ(ValueError(R"({"SS":[""]})"), R"(OK {"SS":[""]})");
  EXPECT_EQ(ValueError(R"({"BS":[""]})"), R"(OK {"BS":[""]})");
}

std::string Nested(int containers, bool map) {
  std::string json;
  for (int i = 0; i < containers; ++i) json += map ? R"({"M":{"a":)" : R"({"L":[)";
  json += R"({"S":"x"})";
  for (int i = 0; i < containers; ++i) json += map ? "}}" : "]}";
  return json;
}

TEST(DynamoJsonTest, NestingLimit) {
  const std::string kTooDeep =
      "ValidationException: Nesting Levels have exceeded supported limits: Attributes in the "
      "item have nested levels beyond supported limit";
  EXPECT_TRUE(ParseDynamoJsonValue(Nested(31, true)).ok());
  EXPECT_TRUE(ParseDynamoJsonValue(Nested(32, true)).ok());
  EXPECT_TRUE(ParseDynamoJsonValue(Nested(32, false)).ok());
  EXPECT_EQ(ValueError(Nested(33, true)), kTooDeep);
  EXPECT_EQ(ValueError(Nested(33, false)), kTooDeep);
  EXPECT_EQ(RoundTrip(R"({"a":)" + Nested(33, false) + "}"), kTooDeep);
  // Far deeper than any stack would survive recursively: a clean error, not a crash.
  std::string deep(200000, '[');
  EXPECT_EQ(ValueError(deep).rfind("SerializationException: Invalid JSON at offset", 0), 0u);
  EXPECT_EQ(ValueError(Nested(5000, true)), kTooDeep);
}

TEST(DynamoJsonTest, MalformedJson) {
  EXPECT_EQ(RoundTrip(R"({"a":{"S":"x"})"),
            "SerializationException: Invalid JSON at offset 14: Missing a comma or '}' after an "
            "object member.");
  EXPECT_EQ(RoundTrip(""), "SerializationException: Invalid JSON at offset 0: The document is empty.");
  EXPECT_EQ(RoundTrip("{} {}"),
            "SerializationException: Invalid JSON at offset 3: The document root must not be "
            "followed by other values.");
  EXPECT_EQ(RoundTrip("{\"a\":{\"S\":\"\xff\"}}"),
            "SerializationException: Invalid JSON at offset 11: Invalid encoding in string.");
}

TEST(DynamoJsonTest, RandomItemsRoundTrip) {
  uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(testing::SeedTrace(seed));
  testing::RandomItems r(seed);
  for (int i = 0; i < 3000; ++i) {
    Item item = r.RandomItem();
    std::string json = ToDynamoJson(item);
    Result<Item> back = ParseDynamoJsonItem(json);
    ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << json;
    ASSERT_EQ(*back, item) << json;
    ASSERT_EQ(ToDynamoJson(*back), json);
  }
}

}  // namespace
}  // namespace ddb
