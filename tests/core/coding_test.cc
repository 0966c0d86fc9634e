// Varints, fixed-width integers and the bounds-checked Reader.
#include "libddb/core/coding.h"

#include <gtest/gtest.h>

namespace ddb {
namespace {

TEST(CodingTest, VarintRoundTrip) {
  std::string buf;
  const uint64_t kValues[] = {0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, UINT64_MAX};
  for (uint64_t v : kValues) PutVarint64(&buf, v);
  Reader in(buf);
  for (uint64_t v : kValues) {
    uint64_t got;
    ASSERT_TRUE(in.ReadVarint64(&got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, ReaderNeverOverruns) {
  std::string buf;
  PutVarint64(&buf, UINT64_MAX);
  Reader truncated(std::string_view(buf).substr(0, 5));
  uint64_t v;
  EXPECT_FALSE(truncated.ReadVarint64(&v));
  EXPECT_FALSE(truncated.ok());
  // An 11-byte varint overflows 64 bits.
  const std::string eleven = std::string(10, '\xff') + std::string(1, '\x01');
  Reader too_long(eleven);
  EXPECT_FALSE(too_long.ReadVarint64(&v));
  // A length prefix larger than the data.
  std::string lp;
  PutVarint64(&lp, 10);
  lp += "abc";
  Reader r(lp);
  std::string_view out;
  EXPECT_FALSE(r.ReadLengthPrefixed(&out));
  unsigned char b;
  EXPECT_FALSE(r.ReadByte(&b));  // sticky failure
}

TEST(CodingTest, FixedAndZigZag) {
  std::string buf;
  PutFixed32LE(&buf, 0x01020304u);
  EXPECT_EQ(buf, std::string("\x04\x03\x02\x01", 4));
  EXPECT_EQ(DecodeFixed32LE(buf.data()), 0x01020304u);
  buf.clear();
  PutFixed64BE(&buf, 0x0102030405060708ull);
  EXPECT_EQ(buf, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(DecodeFixed64BE(buf.data()), 0x0102030405060708ull);
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, INT64_MIN, INT64_MAX}) {
    EXPECT_EQ(ZigZagDecode(ZigZagEncode(v)), v);
  }
  EXPECT_EQ(ZigZagEncode(-1), 1u);
  EXPECT_EQ(ZigZagEncode(1), 2u);
}

}  // namespace
}  // namespace ddb
