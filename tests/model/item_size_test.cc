// Item sizes as DynamoDB counts them. Number sizes are the ones measured on DynamoDB.
#include "libddb/model/item_size.h"

#include <gtest/gtest.h>

#include "libddb/model/dynamo_json.h"
#include "libddb/model/limits.h"

namespace ddb {
namespace {

size_t SizeOf(std::string_view json) { return ItemSize(*ParseDynamoJsonItem(json)); }

TEST(ItemSizeTest, NumberSizesMeasuredOnDynamoDB) {
  const std::pair<std::string, size_t> kCases[] = {
      {"0", 1}, {"1", 2}, {"12", 2}, {"123", 3}, {"1234", 3},
      {"12345678901234567890123456789012345678", 20}, {"0042", 2}, {"100", 2}, {"1010", 3},
      {"0.0000001", 2}, {"1E125", 2}, {"1E-100", 2}, {"1.5", 3}, {"15", 2}, {"1.2", 3},
      {"1.200", 3}, {"1.234", 4}, {"3.14159", 5}, {"123456", 4}, {"100.5", 4}, {"0.15", 2},
      {"-42", 3}, {"-0", 1}, {"1" + std::string(125, '0'), 2},
      {"11" + std::string(124, '0'), 2}, {"11111" + std::string(121, '0'), 4},
      {"111111" + std::string(120, '0'), 4}, {"1111111" + std::string(119, '0'), 5},
      {std::string(38, '1') + std::string(88, '0'), 20},
  };
  for (const auto& [text, size] : kCases) {
    EXPECT_EQ(NumberSize(*Number::Parse(text)), size) << text;
  }
}

TEST(ItemSizeTest, DeveloperGuideExamples) {
  // "shirt-color" = "R", "shirt-size" = "M": 23 bytes.
  EXPECT_EQ(SizeOf(R"({"shirt-color":{"S":"R"},"shirt-size":{"S":"M"}})"), 23u);
  EXPECT_EQ(SizeOf(R"({"m":{"M":{"a":{"N":"1"}}}})"), 1u + 3 + 1 + 1 + 2);
  EXPECT_EQ(SizeOf(R"({"l":{"L":[{"S":"ab"},{"BOOL":true}]}})"), 1u + 3 + (1 + 2) + (1 + 1));
  EXPECT_EQ(SizeOf(R"({"l":{"L":[]}})"), 4u);
  EXPECT_EQ(SizeOf(R"({"m":{"M":{}}})"), 4u);
  // Strings count UTF-8 bytes, binaries raw bytes (not base64), names UTF-8 bytes.
  EXPECT_EQ(SizeOf("{\"\xc3\xa9\":{\"S\":\"\xe2\x82\xac\"}}"), 2u + 3);
  EXPECT_EQ(SizeOf(R"({"b":{"B":"AAECAw=="}})"), 1u + 4);
  EXPECT_EQ(SizeOf(R"({"n":{"NULL":true},"t":{"BOOL":false}})"), 4u);
  EXPECT_EQ(SizeOf(R"({"s":{"SS":["ab","c"]},"ns":{"NS":["1","-42"]},"bs":{"BS":["AA=="]}})"),
            (1u + 3) + (2u + 2 + 3) + (2u + 1));
}

TEST(ItemSizeTest, FourHundredKilobyteLimitIsExact) {
  // One attribute "a" plus a string: exactly 409,600 bytes is allowed, one more is not.
  Item item;
  item["a"] = AttributeValue::S(std::string(kMaxItemSize - 1, 'x'));
  EXPECT_EQ(ItemSize(item), 409600u);
  EXPECT_TRUE(ValidateItem(item).ok());
  item["a"] = AttributeValue::S(std::string(kMaxItemSize, 'x'));
  EXPECT_EQ(ValidateItem(item).message(), "Item size has exceeded the maximum allowed size");
  EXPECT_EQ(ValidateItem(item, SizeCheck::kUpdate).message(),
            "Item size to update has exceeded the maximum allowed size");
}

}  // namespace
}  // namespace ddb
