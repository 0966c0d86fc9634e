// The order-preserving key encoding: memcmp order of encodings == DynamoDB's order of values,
// encodings are self-delimiting, and decoding inverts encoding.
#include "libddb/model/key_codec.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "tests/model/random_item.h"
#include "tests/test_util.h"

namespace ddb {
namespace {

std::string Enc(const AttributeValue& v) {
  std::string out;
  AppendKeyValue(v, &out);
  return out;
}

int Sign(int x) { return (x > 0) - (x < 0); }

// DynamoDB's order of two key values of one type.
int ModelCompare(const AttributeValue& a, const AttributeValue& b) {
  switch (a.type()) {
    case AttrType::kS: return Sign(a.s().compare(b.s()));
    case AttrType::kB: return Sign(a.b().compare(b.b()));
    default: return a.n().Compare(b.n());
  }
}

TEST(KeyCodecTest, KnownNumberEncodings) {
  EXPECT_EQ(Enc(AttributeValue::N(Number())), std::string("\x02", 1));
  // 1: positive, adjusted exponent 0 -> 130, digit pair "10" -> 11, terminator.
  EXPECT_EQ(Enc(AttributeValue::N(*Number::Parse("1"))), std::string("\x03\x82\x0b\x00", 4));
  EXPECT_EQ(Enc(AttributeValue::N(*Number::Parse("-1"))),
            std::string("\x01\x7d\xf4\xff", 4));
  EXPECT_EQ(Enc(AttributeValue::S("a")), std::string("a\x00\x01", 3));
  EXPECT_EQ(Enc(AttributeValue::S(std::string("a\0b", 3))), std::string("a\x00\xff" "b\x00\x01", 6));
}

TEST(KeyCodecTest, RandomOrderMatchesModelOrder) {
  uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(testing::SeedTrace(seed));
  testing::RandomItems r(seed);
  for (AttrType type : {AttrType::kS, AttrType::kN, AttrType::kB}) {
    SCOPED_TRACE(std::string(AttrTypeName(type)));
    for (int i = 0; i < 20000; ++i) {
      AttributeValue a = r.RandomKeyValue(type), b = r.RandomKeyValue(type);
      std::string ea = Enc(a), eb = Enc(b);
      ASSERT_EQ(Sign(ea.compare(eb)), ModelCompare(a, b));
      // Self-delimiting: (a, x) vs (b, y) orders by a first, whatever x and y are.
      AttributeValue x = r.RandomKeyValue(type), y = r.RandomKeyValue(type);
      if (ModelCompare(a, b) != 0) {
        ASSERT_EQ(Sign((ea + Enc(x)).compare(eb + Enc(y))), ModelCompare(a, b));
      }
      std::string_view in = ea;
      Result<AttributeValue> back = DecodeKeyValue(type, &in);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      ASSERT_EQ(*back, a);
      ASSERT_TRUE(in.empty());
    }
  }
}

TEST(KeyCodecTest, SortedNumbersSortTheirEncodings) {
  std::vector<std::string> texts = {"-1e125", "-10", "-9.99", "-1", "-0.5", "0", "1e-130",
                                    "0.5", "1", "1.000000000000000000000000000000000000",
                                    "1.0000000000000000000000000000000000001", "9.99", "10", "1e125"};
  std::vector<std::string> encodings;
  for (const std::string& t : texts) encodings.push_back(Enc(AttributeValue::N(*Number::Parse(t))));
  std::vector<std::string> sorted = encodings;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  encodings.erase(std::unique(encodings.begin(), encodings.end()), encodings.end());
  EXPECT_EQ(sorted, encodings);  // "1" and "1.000..." are one value, one encoding
}

TEST(KeyCodecTest, ItemKeysGroupAPartitionKeyInSortKeyOrder) {
  uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(testing::SeedTrace(seed));
  testing::RandomItems r(seed);
  AttributeValue pk = AttributeValue::S("user#1");
  std::string prefix = EncodePartitionPrefix(pk);
  std::vector<std::pair<std::string, Number>> keys;
  for (int i = 0; i < 500; ++i) {
    Number sk = r.RandomNumber();
    AttributeValue skv = AttributeValue::N(sk);
    std::string key = EncodeItemKey(pk, &skv);
    ASSERT_EQ(key.compare(0, prefix.size(), prefix), 0);
    keys.emplace_back(key, sk);
    Result<DecodedItemKey> d = DecodeItemKey(key, AttrType::kS, AttrType::kN);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->pk, pk);
    EXPECT_EQ(d->sk->n(), sk);
    EXPECT_EQ(d->hash, PartitionHash(pk));
  }
  std::sort(keys.begin(), keys.end());
  for (size_t i = 1; i < keys.size(); ++i) EXPECT_LE(keys[i - 1].second, keys[i].second);
  // Another partition key never falls inside this prefix range.
  for (int i = 0; i < 1000; ++i) {
    AttributeValue other = AttributeValue::S("user#1" + r.RandomString(3));
    if (other == pk) continue;
    AttributeValue sk = AttributeValue::N(r.RandomNumber());
    std::string key = EncodeItemKey(other, &sk);
    EXPECT_NE(key.compare(0, prefix.size(), prefix), 0);
  }
}

TEST(KeyCodecTest, PartitionHashIsStable) {
  // Part of the on-disk format: these values must never change.
  EXPECT_EQ(PartitionHash(AttributeValue::S("a")), PartitionHash(AttributeValue::S("a")));
  EXPECT_NE(PartitionHash(AttributeValue::S("a")), PartitionHash(AttributeValue::B("a")));
  EXPECT_EQ(PartitionHash(AttributeValue::N(*Number::Parse("1000"))),
            PartitionHash(AttributeValue::N(*Number::Parse("1e3"))));
  EXPECT_EQ(PartitionHash(AttributeValue::S("a")), 11992793912258449787ull);
}

TEST(KeyCodecTest, CorruptKeysAreRejected) {
  AttributeValue pk = AttributeValue::S("p"), sk = AttributeValue::N(Number::FromInt64(5));
  std::string key = EncodeItemKey(pk, &sk);
  for (size_t n = 0; n < key.size(); ++n) {
    EXPECT_FALSE(DecodeItemKey(key.substr(0, n), AttrType::kS, AttrType::kN).ok()) << n;
  }
  EXPECT_FALSE(DecodeItemKey(key + "x", AttrType::kS, AttrType::kN).ok());
  std::string bad_hash = key;
  bad_hash[0] ^= 1;
  EXPECT_EQ(DecodeItemKey(bad_hash, AttrType::kS, AttrType::kN).status().message(),
            "key encoding: hash mismatch");
  EXPECT_TRUE(DecodeItemKey(EncodeItemKey(pk, nullptr), AttrType::kS, std::nullopt).ok());
}

}  // namespace
}  // namespace ddb

namespace ddb {
namespace {

TEST(KeyCodecTest, PrefixSuccessorBoundsAPrefixScan) {
  EXPECT_EQ(PrefixSuccessor("abc"), "abd");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff\xff", 3)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
  // Every key with the prefix sorts below the successor.
  const std::string prefix = EncodePartitionPrefix(AttributeValue::S("p"));
  AttributeValue sk = AttributeValue::B(std::string(8, '\xff'));
  EXPECT_LT(EncodeItemKey(AttributeValue::S("p"), &sk), PrefixSuccessor(prefix));
}

}  // namespace
}  // namespace ddb

namespace ddb {
namespace {

// begins_with on a sort key becomes a prefix range over the encodings.
TEST(KeyCodecTest, ValuePrefixMatchesBeginsWith) {
  const std::string kValues[] = {"", "a", "ab", "abc", "b", std::string("a\0", 2),
                                 std::string("ab\0c", 4), "a\xff"};
  for (const std::string& prefix : kValues) {
    std::string encoded_prefix;
    AppendKeyValuePrefix(AttributeValue::S(prefix), &encoded_prefix);
    for (const std::string& value : kValues) {
      std::string encoded;
      AppendKeyValue(AttributeValue::S(value), &encoded);
      EXPECT_EQ(encoded.starts_with(encoded_prefix), value.starts_with(prefix))
          << "value " << value << " prefix " << prefix;
    }
  }
}

}  // namespace
}  // namespace ddb
