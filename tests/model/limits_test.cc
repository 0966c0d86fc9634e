// Names, keys and items against DynamoDB's limits, with DynamoDB's messages.
#include "libddb/model/limits.h"

#include <gtest/gtest.h>

namespace ddb {
namespace {

TEST(LimitsTest, TableNames) {
  EXPECT_TRUE(ValidateTableName("abc").ok());
  EXPECT_TRUE(ValidateTableName("My_Table-1.v2").ok());
  EXPECT_TRUE(ValidateTableName(std::string(255, 'a')).ok());
  EXPECT_EQ(ValidateTableName("ab").message(),
            "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy "
            "constraint: Member must have length greater than or equal to 3");
  EXPECT_EQ(ValidateTableName(std::string(256, 'a')).message(),
            "1 validation error detected: Value '" + std::string(256, 'a') +
                "' at 'tableName' failed to satisfy constraint: Member must have length less "
                "than or equal to 255");
  EXPECT_EQ(ValidateTableName("bad table!@#").message(),
            "1 validation error detected: Value 'bad table!@#' at 'tableName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  EXPECT_EQ(ValidateTableName("x/", "globalSecondaryIndexes.1.member.indexName").message(),
            "1 validation error detected: Value 'x/' at "
            "'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member "
            "must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  EXPECT_EQ(ValidateTableName("ab").code(), Code::kValidation);
}

TEST(LimitsTest, AttributeNames) {
  EXPECT_TRUE(ValidateAttributeName("a").ok());
  EXPECT_TRUE(ValidateAttributeName(std::string(65535, 'n')).ok());
  EXPECT_EQ(ValidateAttributeName(std::string(65536, 'n')).message(),
            "Attribute name is too large, must be less than 65536 bytes");
  EXPECT_EQ(ValidateAttributeName("").message(), "Empty attribute name");
  EXPECT_TRUE(ValidateKeyAttributeName(std::string(255, 'k'), "keySchema.1.member.attributeName").ok());
  EXPECT_EQ(ValidateKeyAttributeName(std::string(256, 'k'), "keySchema.1.member.attributeName")
                .message(),
            "1 validation error detected: Value '" + std::string(256, 'k') +
                "' at 'keySchema.1.member.attributeName' failed to satisfy constraint: Member "
                "must have length less than or equal to 255");
}

TEST(LimitsTest, KeyValues) {
  EXPECT_TRUE(ValidateKeyValue("pk", AttributeValue::S(std::string(2048, 'x')), true).ok());
  EXPECT_EQ(ValidateKeyValue("pk", AttributeValue::S(std::string(2049, 'x')), true).message(),
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum "
            "size limit of2048 bytes");
  EXPECT_TRUE(ValidateKeyValue("sk", AttributeValue::B(std::string(1024, 'x')), false).ok());
  EXPECT_EQ(ValidateKeyValue("sk", AttributeValue::B(std::string(1025, 'x')), false).message(),
            "One or more parameter values were invalid: Aggregated size of all range keys has "
            "exceeded the size limit of 1024 bytes");
  // Sizes are UTF-8 bytes, not characters: 683 three-byte characters are 2049 bytes.
  std::string euros;
  for (int i = 0; i < 683; ++i) euros += "\xe2\x82\xac";
  EXPECT_FALSE(ValidateKeyValue("pk", AttributeValue::S(euros), true).ok());
  EXPECT_EQ(ValidateKeyValue("pk", AttributeValue::S(""), true).message(),
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty string value. Key: pk");
  EXPECT_EQ(ValidateKeyValue("sk", AttributeValue::B(""), false).message(),
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty binary value. Key: sk");
  EXPECT_TRUE(ValidateKeyValue("n", AttributeValue::N(*Number::Parse("1e125")), true).ok());
}

TEST(LimitsTest, ItemNames) {
  Item item;
  item[""] = AttributeValue::S("x");
  EXPECT_EQ(ValidateItem(item).message(), "Empty attribute name");
  item.clear();
  item["ok"] = AttributeValue::S("");  // empty strings are fine outside keys
  EXPECT_TRUE(ValidateItem(item).ok());
}

}  // namespace
}  // namespace ddb
