// The binary item encoding: round trips, and that any damage is detected, never crashes and
// never yields a wrong item.
#include "libddb/model/item_codec.h"

#include <gtest/gtest.h>

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"
#include "libddb/model/dynamo_json.h"
#include "tests/model/random_item.h"
#include "tests/test_util.h"

namespace ddb {
namespace {

TEST(ItemCodecTest, EmptyAndSimple) {
  EXPECT_EQ(*DecodeItem(EncodeItem(Item{})), Item{});
  Item item = *ParseDynamoJsonItem(R"({"pk":{"S":"a"},"n":{"N":"-0.001"},"z":{"N":"0"}})");
  EXPECT_EQ(*DecodeItem(EncodeItem(item)), item);
  // Version byte first, checksum last.
  std::string enc = EncodeItem(item);
  EXPECT_EQ(enc[0], static_cast<char>(kItemCodecVersion));
}

TEST(ItemCodecTest, RandomRoundTrip) {
  uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(testing::SeedTrace(seed));
  testing::RandomItems r(seed);
  for (int i = 0; i < 5000; ++i) {
    Item item = r.RandomItem();
    std::string enc = EncodeItem(item);
    Result<Item> back = DecodeItem(enc);
    ASSERT_TRUE(back.ok()) << back.status().ToString() << " for " << ToDynamoJson(item);
    ASSERT_EQ(*back, item) << ToDynamoJson(item);
  }
}

TEST(ItemCodecTest, EveryFlippedBitIsDetected) {
  uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(testing::SeedTrace(seed));
  testing::RandomItems r(seed);
  for (int i = 0; i < 50; ++i) {
    std::string enc = EncodeItem(r.RandomItem());
    for (size_t byte = 0; byte < enc.size(); ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string bad = enc;
        bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
        Result<Item> got = DecodeItem(bad);
        ASSERT_FALSE(got.ok()) << "byte " << byte << " bit " << bit;
        ASSERT_TRUE(got.status().IsCorruption());
      }
    }
  }
}

TEST(ItemCodecTest, TruncationIsDetected) {
  std::string enc = EncodeItem(*ParseDynamoJsonItem(R"({"a":{"L":[{"S":"xyz"},{"N":"5"}]}})"));
  for (size_t n = 0; n < enc.size(); ++n) {
    EXPECT_FALSE(DecodeItem(enc.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(DecodeItem(enc + "x").ok());
}

// With a valid checksum recomputed over damaged contents, the structural checks still catch
// what a buggy writer could produce: the decoder never trusts lengths or order.
std::string Reseal(std::string body) {
  PutFixed32LE(&body, crc32c::Mask(crc32c::Value(body)));
  return body;
}

// Bytes from a list of values, NULs included.
std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST(ItemCodecTest, StructuralChecksBehindAValidChecksum) {
  auto message = [](std::initializer_list<int> body) {
    Status s = DecodeItem(Reseal(Bytes(body))).status();
    return s.ok() ? std::string("OK") : s.message();
  };
  const int v = kItemCodecVersion;
  const int a = 'a', b = 'b';
  EXPECT_EQ(message({v, 0}), "OK");  // the empty item
  EXPECT_EQ(message({7, 0}), "item encoding: unknown version 7");
  EXPECT_EQ(message({v, 5}), "item encoding: bad map size");
  EXPECT_EQ(message({v, 1, 1, a, 11}), "item encoding: bad type tag");
  EXPECT_EQ(message({v, 2, 1, b, 4, 1, a, 4}), "item encoding: names out of order");
  EXPECT_EQ(message({v, 2, 1, a, 4, 1, a, 4}), "item encoding: names out of order");  // duplicate
  EXPECT_EQ(message({v, 1, 1, a, 0, 0x7f, 'x'}), "item encoding: truncated string");
  EXPECT_EQ(message({v, 1, 1, a, 7, 0}), "item encoding: bad set size");  // empty set
  EXPECT_EQ(message({v, 1, 1, a, 7, 2, 1, b, 1, a}), "item encoding: set out of order");
  EXPECT_EQ(message({v, 1, 1, a, 8, 2, 0, 0, 1, 0, 0, 0, 1, 0}),
            "item encoding: set out of order");  // NS {1, 1}
  EXPECT_EQ(message({v, 1, 1, a, 1, 0, 0, 10, 0}), "item encoding: non-canonical number");
  EXPECT_EQ(message({v, 1, 1, a, 1, 0, 0xfe, 0x03, 1, 0}), "item encoding: number out of range");
  EXPECT_EQ(message({v, 1, 1, a, 1, 3}), "item encoding: bad number sign");
  EXPECT_EQ(message({v, 1, 1, a, 3, 2}), "item encoding: bad boolean");
  EXPECT_EQ(message({v, 0, 'x'}), "item encoding: trailing bytes");
  EXPECT_EQ(message({v, 1, 1, a, 4}), "OK");  // {"a": NULL}
  // Nesting beyond the model's limit: 40 one-element lists.
  std::string deep = Bytes({v, 1, 1, a});
  for (int i = 0; i < 40; ++i) deep += Bytes({5, 1});
  deep += Bytes({4});
  EXPECT_EQ(DecodeItem(Reseal(deep)).status().message(), "item encoding: nesting too deep");
}

}  // namespace
}  // namespace ddb
