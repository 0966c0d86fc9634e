// Base64 as B values use it: RFC 4648 vectors, strictness, and round trips of every length.
#include "libddb/model/base64.h"

#include <gtest/gtest.h>

namespace ddb {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(base64::Encode(plain), encoded);
    std::string out;
    ASSERT_TRUE(base64::Decode(encoded, &out));
    EXPECT_EQ(out, plain);
  }
}

TEST(Base64Test, RejectsMalformed) {
  std::string out, error;
  for (const char* bad : {"Zg", "Zg=", "Z===", "Zm9v!A==", "Zh==", "Zm9=", "Zg==Zg==", " Zg=="}) {
    EXPECT_FALSE(base64::Decode(bad, &out, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(Base64Test, AllLengthsAndBytes) {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    std::string out;
    ASSERT_TRUE(base64::Decode(base64::Encode(data), &out));
    ASSERT_EQ(out, data);
    data.push_back(static_cast<char>(i * 37));
  }
}

}  // namespace
}  // namespace ddb
