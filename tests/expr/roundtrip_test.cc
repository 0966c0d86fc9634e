// Properties of the parser and printer on random expressions, and the size limits.
#include <random>

#include <gtest/gtest.h>

#include "libddb/expr/legacy.h"
#include "libddb/expr/parser.h"
#include "libddb/expr/placeholders.h"
#include "libddb/expr/printer.h"
#include "libddb/expr/reserved_words.h"
#include "tests/test_util.h"

namespace ddb::expr {
namespace {

// Generates random expression text from the grammar (with placeholders, so no reserved words).
class RandomExpressions {
 public:
  explicit RandomExpressions(uint64_t seed) : rng_(seed) {}

  std::string Condition(int depth) {
    switch (depth > 3 ? Pick(4) + 3 : Pick(7)) {
      case 0: return Condition(depth + 1) + " AND " + Condition(depth + 1);
      case 1: return Condition(depth + 1) + " OR " + Condition(depth + 1);
      case 2: return "NOT " + Condition(depth + 1);
      case 3: return "(" + Condition(depth + 1) + ")";
      case 4: {
        static const char* kCmp[] = {"=", "<>", "<", "<=", ">", ">="};
        return Operand() + " " + kCmp[Pick(6)] + " " + Operand();
      }
      case 5: return Operand() + " BETWEEN " + Operand() + " AND " + Operand();
      default: {
        switch (Pick(4)) {
          case 0: return "attribute_exists(" + Path() + ")";
          case 1: return "begins_with(" + Path() + ", " + Value() + ")";
          case 2: return "contains(" + Path() + ", " + Operand() + ")";
          default: {
            std::string out = Operand() + " IN (" + Operand();
            for (int i = Pick(4); i > 0; --i) out += ", " + Operand();
            return out + ")";
          }
        }
      }
    }
  }

  std::string Update() {
    static const char* kClauses[] = {"SET", "REMOVE", "ADD", "DELETE"};
    std::vector<int> order = {0, 1, 2, 3};
    std::shuffle(order.begin(), order.end(), rng_);
    std::string out;
    for (int k = 0, n = 1 + Pick(4); k < n; ++k) {
      int clause = order[k];
      out += std::string(k > 0 ? " " : "") + kClauses[clause] + " ";
      for (int i = 0, actions = 1 + Pick(3); i < actions; ++i) {
        if (i > 0) out += ", ";
        out += Path();
        if (clause == 0) {
          out += " = " + SetValue();
        } else if (clause != 1) {
          out += " " + Value();
        }
      }
    }
    return out;
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string Name() {
    static const char* kNames[] = {"a", "b", "#n", "#x_1", "value2", "Q"};
    return kNames[Pick(6)];
  }
  std::string Value() { return std::string(":v") + std::to_string(Pick(5)); }
  std::string Path() {
    std::string p = Name();
    for (int i = Pick(4); i > 0; --i) p += Pick(2) == 0 ? "." + Name() : "[" + std::to_string(Pick(12)) + "]";
    return p;
  }
  std::string Operand() {
    switch (Pick(3)) {
      case 0: return Path();
      case 1: return Value();
      default: return "size(" + Path() + ")";
    }
  }
  std::string SetOperand(int depth) {
    switch (depth > 1 ? Pick(2) : Pick(4)) {
      case 0: return Path();
      case 1: return Value();
      case 2: return "if_not_exists(" + Path() + ", " + SetOperand(depth + 1) + ")";
      default: {
        // list_append directly inside list_append is refused by DynamoDB; wrap it.
        std::string inner = SetOperand(depth + 1);
        if (inner.starts_with("list_append")) inner = "if_not_exists(" + Path() + ", " + inner + ")";
        return "list_append(" + inner + ", " + Value() + ")";
      }
    }
  }
  std::string SetValue() {
    std::string v = SetOperand(0);
    if (Pick(3) == 0) v += (Pick(2) == 0 ? " + " : " - ") + SetOperand(0);
    return v;
  }

  std::mt19937_64 rng_;
};

// print(parse(e)) parses to the same AST, so printing it again gives the same text.
TEST(ExpressionRoundTripTest, RandomConditions) {
  uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(testing::SeedTrace(seed));
  RandomExpressions gen(seed);
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = gen.Condition(0);
    if (text.size() > kMaxExpressionBytes) continue;
    Result<Condition> c = ParseCondition(text, ExpressionKind::kCondition);
    if (!c.ok()) {
      // The generator may produce redundant parentheses or repeated paths; nothing else.
      ASSERT_NE(c.status().message().find("redundant parentheses"), std::string::npos)
          << c.status().ToString() << "\n" << text;
      continue;
    }
    ++parsed;
    std::string printed = Print(*c);
    Result<Condition> again = ParseCondition(printed, ExpressionKind::kCondition);
    ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << text << "\n" << printed;
    ASSERT_EQ(Print(*again), printed) << text;
  }
  EXPECT_GT(parsed, 1000);
}

TEST(ExpressionRoundTripTest, RandomUpdates) {
  uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(testing::SeedTrace(seed));
  RandomExpressions gen(seed);
  for (int i = 0; i < 3000; ++i) {
    std::string text = gen.Update();
    Result<UpdateExpression> u = ParseUpdate(text);
    ASSERT_TRUE(u.ok()) << u.status().ToString() << "\n" << text;
    std::string printed = Print(*u);
    Result<UpdateExpression> again = ParseUpdate(printed);
    ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << printed;
    ASSERT_EQ(Print(*again), printed);
  }
}

TEST(ExpressionLimitsTest, Size) {
  std::string text = "a = :v";
  while (text.size() < kMaxExpressionBytes) text += " ";
  EXPECT_TRUE(ParseCondition(text, ExpressionKind::kCondition).ok());  // 4096 bytes is fine
  text += " ";
  EXPECT_EQ(ParseCondition(text, ExpressionKind::kFilter).status().message(),
            "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; "
            "expression size: 4097");
}

TEST(ExpressionLimitsTest, PathDepth) {
  std::string path = "a";
  for (int i = 1; i < 32; ++i) path += ".a";
  EXPECT_TRUE(ParseProjection(path).ok());  // 32 levels
  EXPECT_EQ(ParseProjection(path + "[0]").status().message(),
            "Invalid ProjectionExpression: The document path has too many nesting levels; "
            "nesting levels: 33");
}

TEST(ExpressionLimitsTest, InOperands) {
  std::string text = "a IN (:v0";
  for (int i = 1; i < 100; ++i) text += ",:v" + std::to_string(i);
  EXPECT_TRUE(ParseCondition(text + ")", ExpressionKind::kCondition).ok());
  EXPECT_EQ(ParseCondition(text + ",:v100)", ExpressionKind::kCondition).status().message(),
            "Invalid ConditionExpression: The IN operator is provided with too many operands; "
            "number of operands: 101");
}

TEST(ExpressionLimitsTest, PlaceholderLength) {
  Placeholders::Names names = {{"#" + std::string(254, 'n'), "a"}};
  EXPECT_TRUE(Placeholders::Create(&names, nullptr).ok());
  names = {{"#" + std::string(255, 'n'), "a"}};
  EXPECT_EQ(Placeholders::Create(&names, nullptr).status().message(),
            "ExpressionAttributeNames contains invalid key: The expression attribute map "
            "contains a key that is too long");
}

TEST(ReservedWordsTest, ListAndCase) {
  EXPECT_EQ(ReservedWordCount(), 573u);
  EXPECT_TRUE(IsReservedWord("status"));
  EXPECT_TRUE(IsReservedWord("ZONE"));
  EXPECT_TRUE(IsReservedWord("Name"));
  EXPECT_FALSE(IsReservedWord("pk"));
  EXPECT_FALSE(IsReservedWord("statuses"));
}

TEST(LegacyTest, MixingParameters) {
  EXPECT_TRUE(CheckNotMixed({}, {"ProjectionExpression"}).ok());
  EXPECT_EQ(CheckNotMixed({"AttributesToGet"}, {"ProjectionExpression"}).message(),
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributesToGet} Expression parameters: "
            "{ProjectionExpression}");
  EXPECT_EQ(CheckNotMixed({"AttributeUpdates", "Expected"}, {"UpdateExpression", "ConditionExpression"})
                .message(),
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributeUpdates, Expected} Expression parameters: "
            "{UpdateExpression, ConditionExpression}");
}

}  // namespace
}  // namespace ddb::expr
