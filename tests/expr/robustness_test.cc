// Hostile input never crashes a parser: random bytes and mutations of valid inputs go through
// every text and binary decoder, which must answer with a value or an error, never abort.
// (Runs under the sanitizers too when the tree is built with them.)
#include <random>

#include <gtest/gtest.h>

#include "libddb/expr/parser.h"
#include "libddb/expr/placeholders.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/item_codec.h"
#include "libddb/model/key_codec.h"
#include "libddb/model/plain_json.h"
#include "tests/test_util.h"

namespace ddb {
namespace {

std::string Mutate(std::string s, std::mt19937_64& rng) {
  static const char kAlphabet[] = "{}[]():,.#\"\\ =<>+-_aZ09SNBLM\x00\xff\xc3";
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    const size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 3) {
      case 0: s.insert(s.begin() + static_cast<long>(at), kAlphabet[rng() % (sizeof(kAlphabet) - 1)]); break;
      case 1: if (at < s.size()) s.erase(at, 1 + rng() % 3); break;
      default: if (at < s.size()) s[at] = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
    }
  }
  return s;
}

TEST(RobustnessTest, MutatedInputsAreValuesOrErrors) {
  uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(testing::SeedTrace(seed));
  std::mt19937_64 rng(seed);
  const std::string kItems[] = {
      R"({"pk":{"S":"a"},"n":{"N":"-1.5e3"},"l":{"L":[{"M":{"x":{"BOOL":true}}},{"NULL":true}]},"s":{"SS":["a","b"]},"b":{"BS":["AA=="]}})",
      R"({"a":1.50,"b":[1,{"c":null}],"d":"x"})"};
  const std::string kConditions[] = {
      "a.b[2] = :v AND NOT (c BETWEEN :lo AND :hi OR size(d) > :n) AND attribute_exists(#e)",
      "begins_with(#a, :p) OR contains(b, :c) AND d IN (:x, :y, :z)"};
  const std::string kUpdates[] = {"SET a = b + :v, c[1] = list_append(if_not_exists(c, :e), :l) REMOVE d.e ADD f :s DELETE g :t"};
  int errors = 0, values = 0;
  for (int i = 0; i < 20000; ++i) {
    auto count = [&](const Status& s) { s.ok() ? ++values : ++errors; };
    const std::string item = Mutate(kItems[rng() % 2], rng);
    count(ParseDynamoJsonItem(item).status());
    count(ParsePlainJsonItem(item).status());
    count(expr::ParseCondition(Mutate(kConditions[rng() % 2], rng), expr::ExpressionKind::kFilter).status());
    count(expr::ParseUpdate(Mutate(kUpdates[0], rng)).status());
    count(expr::ParseProjection(Mutate("a.b[1], #c, d", rng)).status());
    Result<Item> valid = ParseDynamoJsonItem(kItems[0]);
    std::string encoded = EncodeItem(*valid);
    count(DecodeItem(Mutate(encoded, rng)).status());
    std::string_view key = encoded;
    count(DecodeKeyValue(AttrType::kN, &key).status());
  }
  EXPECT_GT(errors, 1000);  // the mutations really do break things
  EXPECT_GT(values, 1000);  // and many inputs survive them
}

TEST(RobustnessTest, RandomBytes) {
  uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(testing::SeedTrace(seed));
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    (void)ParseDynamoJsonValue(bytes);
    (void)ParsePlainJsonValue(bytes);
    (void)expr::ParseCondition(bytes, expr::ExpressionKind::kCondition);
    (void)expr::ParseUpdate(bytes);
    (void)DecodeItem(bytes);
    std::string_view in = bytes;
    (void)DecodeKeyValue(AttrType::kS, &in);
  }
  SUCCEED();  // the property is that nothing above crashed or aborted
}

}  // namespace
}  // namespace ddb
