// CRC-32C: standard check values, hardware == table-driven, and masking.
#include "libddb/core/crc32c.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace ddb {
namespace {

TEST(Crc32cTest, StandardValues) {
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);  // the CRC-32C check value
  EXPECT_EQ(crc32c::Value(std::string(32, '\0')), 0x8a9136aau);  // RFC 3720 B.4
  EXPECT_EQ(crc32c::Value(std::string(32, '\xff')), 0x62a8ab43u);
  EXPECT_EQ(crc32c::Value(""), 0u);
}

TEST(Crc32cTest, HardwareMatchesPortableAndExtendComposes) {
  std::mt19937 rng(1);
  std::string data(1000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t n = 0; n <= data.size(); n += 7) {
    uint32_t whole = crc32c::Value(data.data(), n);
    EXPECT_EQ(whole, crc32c::TEST_ExtendPortable(0, data.data(), n)) << n;
    size_t half = n / 3;
    EXPECT_EQ(whole, crc32c::Extend(crc32c::Value(data.data(), half), data.data() + half, n - half));
  }
}

TEST(Crc32cTest, Mask) {
  uint32_t crc = crc32c::Value("foo");
  EXPECT_NE(crc, crc32c::Mask(crc));
  EXPECT_EQ(crc, crc32c::Unmask(crc32c::Mask(crc)));
}

}  // namespace
}  // namespace ddb
