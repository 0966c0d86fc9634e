// The plain JSON codec (--plain): exact numbers, the type mapping, and its lossy corners.
#include "libddb/model/plain_json.h"

#include <gtest/gtest.h>

#include "libddb/model/dynamo_json.h"
#include "tests/model/random_item.h"
#include "tests/test_util.h"

namespace ddb {
namespace {

std::string PlainToDynamo(std::string_view plain) {
  Result<Item> item = ParsePlainJsonItem(plain);
  return item.ok() ? ToDynamoJson(*item) : item.status().ToString();
}

TEST(PlainJsonTest, TypeMapping) {
  EXPECT_EQ(PlainToDynamo(R"({"s":"x","n":1.50,"t":true,"f":false,"z":null,"l":[1,"a"],"m":{}})"),
            R"({"f":{"BOOL":false},"l":{"L":[{"N":"1"},{"S":"a"}]},"m":{"M":{}},)"
            R"("n":{"N":"1.5"},"s":{"S":"x"},"t":{"BOOL":true},"z":{"NULL":true}})");
}

TEST(PlainJsonTest, NumbersStayExact) {
  // Values a double would mangle.
  EXPECT_EQ(PlainToDynamo(R"({"a":12345678901234567890123456789012345678})"),
            R"({"a":{"N":"12345678901234567890123456789012345678"}})");
  EXPECT_EQ(PlainToDynamo(R"({"a":0.1,"b":9007199254740993,"c":-1E-130,"d":1e125})"),
            R"({"a":{"N":"0.1"},"b":{"N":"9007199254740993"},"c":{"N":"-0.)" +
                std::string(129, '0') + R"(1"},"d":{"N":"1)" + std::string(125, '0') + R"("}})");
  EXPECT_EQ(PlainToDynamo(R"({"a":1e400})"),
            "ValidationException: Number overflow. Attempting to store a number with magnitude "
            "larger than supported range");
  EXPECT_EQ(PlainToDynamo(R"({"a":123456789012345678901234567890123456789})"),
            "ValidationException: Attempting to store more than 38 significant digits in a Number");
}

TEST(PlainJsonTest, Output) {
  Item item = *ParseDynamoJsonItem(
      R"({"b":{"B":"AAE="},"bs":{"BS":["AA=="]},"n":{"N":"1E2"},"ns":{"NS":["2","1.5"]},)"
      R"("ss":{"SS":["y","x"]},"z":{"NULL":true},"m":{"M":{"q":{"S":"\n"}}}})");
  EXPECT_EQ(ToPlainJson(item),
            R"({"b":"AAE=","bs":["AA=="],"m":{"q":"\n"},"n":100,"ns":[1.5,2],"ss":["x","y"],"z":null})");
}

TEST(PlainJsonTest, Errors) {
  EXPECT_EQ(PlainToDynamo("[1]"),
            "SerializationException: Expected a JSON object for an item, found an array");
  EXPECT_EQ(PlainToDynamo("1"), "SerializationException: Expected a JSON object for an item");
  EXPECT_EQ(PlainToDynamo(R"({"a":)"),
            "SerializationException: Invalid JSON at offset 5: Invalid value.");
  EXPECT_EQ(PlainToDynamo(R"({"a":NaN})"),
            "SerializationException: Invalid JSON at offset 5: Invalid value.");
  std::string deep = R"({"a":)" + std::string(33, '[') + std::string(33, ']') + "}";
  EXPECT_EQ(PlainToDynamo(deep),
            "ValidationException: Nesting Levels have exceeded supported limits: Attributes in "
            "the item have nested levels beyond supported limit");
  std::string ok = R"({"a":)" + std::string(32, '[') + std::string(32, ']') + "}";
  EXPECT_TRUE(ParsePlainJsonItem(ok).ok());
  EXPECT_TRUE(ParsePlainJsonValue(std::string(32, '[') + std::string(32, ']')).ok());
  EXPECT_FALSE(ParsePlainJsonValue(std::string(33, '[') + std::string(33, ']')).ok());
}

// Items without sets or binaries round-trip through plain JSON unchanged.
TEST(PlainJsonTest, RandomRoundTripOfPlainTypes) {
  uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(testing::SeedTrace(seed));
  testing::RandomItems r(seed);
  int checked = 0;
  for (int i = 0; i < 5000; ++i) {
    Item item = r.RandomItem();
    std::string dynamo = ToDynamoJson(item);
    if (dynamo.find("\"B\"") != std::string::npos || dynamo.find("S\":[") != std::string::npos ||
        dynamo.find("\"NS\"") != std::string::npos) {
      continue;  // lossy in plain form by design
    }
    ++checked;
    std::string plain = ToPlainJson(item);
    Result<Item> back = ParsePlainJsonItem(plain);
    ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << plain;
    ASSERT_EQ(*back, item) << plain;
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace ddb
