// Number: DynamoDB's exact decimal. The tables record DynamoDB's observed behaviour (parsing
// accepted by Java's BigDecimal rules, canonical output, its error messages and their order).
#include "libddb/model/number.h"

#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "tests/model/random_item.h"
#include "tests/test_util.h"

namespace ddb {
namespace {

std::string Canon(std::string_view text) {
  Result<Number> n = Number::Parse(text);
  if (!n.ok()) return "ERROR: " + n.status().message();
  return n->ToString();
}

// Every spelling DynamoDB accepts, and the form it returns.
TEST(NumberTest, CanonicalForm) {
  const std::pair<const char*, const char*> kCases[] = {
      {"0", "0"}, {"-0", "0"}, {"+0", "0"}, {"-0.0", "0"}, {"00", "0"}, {"0e5", "0"},
      {"0.0e3", "0"}, {"0e-5", "0"}, {"007", "7"}, {"001.23", "1.23"}, {"+3", "3"},
      {"+1.5", "1.5"}, {"1.0", "1"}, {"1.00", "1"}, {"1.10", "1.1"}, {"1.50", "1.5"},
      {"100.000", "100"}, {"0.10", "0.1"}, {"1e3", "1000"}, {"1E+3", "1000"}, {"1E2", "100"},
      {"5e1", "50"}, {"-3e2", "-300"}, {"1.5e2", "150"}, {"1.23e4", "12300"},
      {"1e-3", "0.001"}, {"5e-1", "0.5"}, {"123e-2", "1.23"}, {"1.23e-1", "0.123"},
      {"1.0e3", "1000"}, {"1.00e2", "100"}, {"1.0e-1", "0.1"}, {".5", "0.5"}, {".123", "0.123"},
      {"-.5", "-0.5"}, {"5.", "5"}, {"01", "1"}, {"0.000001", "0.000001"},
      {"1e20", "100000000000000000000"}, {"9.9e10", "99000000000"},
      {"1e-20", "0.00000000000000000001"}, {"3.14159", "3.14159"}, {"-273.15", "-273.15"},
      {"0042.1200", "42.12"}, {"-17.4E37", "-174000000000000000000000000000000000000"},
      {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
      {"0.00000000000000000000000000000000000001", "0.00000000000000000000000000000000000001"},
      // Trailing zeros are not significant, even past 38 digits.
      {"31415926535897932384626433832795028841e30",
       "31415926535897932384626433832795028841000000000000000000000000000000"},
      {"1.0000000000000000000000000000000000000000000", "1"},
  };
  for (const auto& [in, out] : kCases) EXPECT_EQ(Canon(in), out) << "input " << in;
  EXPECT_EQ(Canon("1e125"), "1" + std::string(125, '0'));
  EXPECT_EQ(Canon("1e-130"), "0." + std::string(129, '0') + "1");
  EXPECT_EQ(Canon("9.9999999999999999999999999999999999999E+125"),
            std::string(38, '9') + std::string(88, '0'));
  EXPECT_EQ(Canon("-9.9999999999999999999999999999999999999E+125"),
            "-" + std::string(38, '9') + std::string(88, '0'));
}

TEST(NumberTest, Errors) {
  const std::string kNaN = "The parameter cannot be converted to a numeric value";
  const std::string kDigits = "Attempting to store more than 38 significant digits in a Number";
  const std::string kOver =
      "Number overflow. Attempting to store a number with magnitude larger than supported range";
  const std::string kUnder =
      "Number underflow. Attempting to store a number with magnitude smaller than supported range";
  const std::pair<std::string, std::string> kCases[] = {
      {"", kNaN}, {"abc", kNaN + ": abc"}, {"b", kNaN + ": b"}, {" 1", kNaN + ":  1"},
      {"1 ", kNaN + ": 1 "}, {"NaN", kNaN + ": NaN"}, {"Infinity", kNaN + ": Infinity"},
      {"-Infinity", kNaN + ": -Infinity"}, {"1e", kNaN + ": 1e"}, {".", kNaN + ": ."},
      {"+", kNaN + ": +"}, {"-", kNaN + ": -"}, {"1e+", kNaN + ": 1e+"}, {"0x10", kNaN + ": 0x10"},
      {"1_000", kNaN + ": 1_000"}, {"1.2.3", kNaN + ": 1.2.3"}, {"--1", kNaN + ": --1"},
      {"1e2147483648", kNaN + ": 1e2147483648"}, {"1e99999999999", kNaN + ": 1e99999999999"},
      {"123456789012345678901234567890123456789", kDigits},
      {"1.23456789012345678901234567890123456789", kDigits},
      {"1e126", kOver}, {"-1e126", kOver}, {"11e125", kOver}, {"1.0e100000000", kOver},
      {"99.99999999999999999999999999999999999999E+125", kOver},  // range is checked first
      {"9.99999999999999999999999999999999999999E+125", kDigits},
      {"1e-131", kUnder}, {"-1e-131", kUnder}, {"0.9e-130", kUnder},
      // DynamoDB range-checks a zero by its nominal exponent.
      {"0e126", kOver}, {"0e-131", kUnder},
  };
  for (const auto& [in, message] : kCases) {
    Result<Number> n = Number::Parse(in);
    ASSERT_FALSE(n.ok()) << "input '" << in << "' parsed as " << n->ToString();
    EXPECT_EQ(n.status().code(), Code::kValidation);
    EXPECT_EQ(n.status().message(), message) << "input '" << in << "'";
  }
  // ... but these zeros are fine.
  for (const char* in : {"0e125", "0.1e126", "0.0e126", "0e-130"}) {
    EXPECT_TRUE(Number::Parse(in).ok()) << in;
  }
}

TEST(NumberTest, LimitsAndAccessors) {
  Number n = *Number::Parse("-123.4500");
  EXPECT_TRUE(n.negative());
  EXPECT_EQ(n.digits(), 5);
  EXPECT_EQ(n.exponent(), -2);
  EXPECT_EQ(n.adjusted_exponent(), 2);
  EXPECT_EQ(n.DigitString(), "12345");
  EXPECT_EQ(Number().digits(), 0);
  EXPECT_TRUE(Number::Parse("-0")->is_zero());
  EXPECT_FALSE(Number::Parse("-0")->negative());
  EXPECT_EQ(Number::FromInt64(INT64_MIN).ToString(), "-9223372036854775808");
  EXPECT_EQ(Number::FromInt64(INT64_MAX).ToString(), "9223372036854775807");
  EXPECT_EQ(Number::FromInt64(-1200).ToString(), "-1200");
  int64_t v;
  EXPECT_TRUE(Number::Parse("1.2e3")->ToInt64(&v));
  EXPECT_EQ(v, 1200);
  EXPECT_FALSE(Number::Parse("1.5")->ToInt64(&v));
  EXPECT_FALSE(Number::Parse("9223372036854775808")->ToInt64(&v));
  EXPECT_TRUE(Number::Parse("-9223372036854775808")->ToInt64(&v));
  EXPECT_EQ(v, INT64_MIN);
}

TEST(NumberTest, ValueEquality) {
  // 1000, 1e3, 1E+3, 1000.0, 001000 and +1000 are one value (and so one key in DynamoDB).
  Number a = *Number::Parse("1000");
  for (const char* s : {"1e3", "1E+3", "1000.0", "001000", "+1000", "10000e-1"}) {
    EXPECT_EQ(*Number::Parse(s), a) << s;
    EXPECT_EQ(Number::Parse(s)->Compare(a), 0) << s;
  }
}

TEST(NumberTest, Order) {
  // Strictly increasing.
  const char* kSorted[] = {"-9.9999999999999999999999999999999999999e125", "-1e125", "-100",
                           "-99.99", "-10", "-9", "-1.5", "-1.05", "-1", "-0.5", "-1e-130", "0",
                           "1e-130", "1.000000000000000000000000000000000001e-130", "0.001",
                           "0.5", "1", "1.0000000000000000000000000000000000001", "1.05", "1.5",
                           "9", "10", "99.99", "100",
                           "99999999999999999999999999999999999999", "1e125",
                           "9.9999999999999999999999999999999999999e125"};
  for (size_t i = 0; i < std::size(kSorted); ++i) {
    for (size_t j = 0; j < std::size(kSorted); ++j) {
      Number a = *Number::Parse(kSorted[i]), b = *Number::Parse(kSorted[j]);
      int expected = i < j ? -1 : (i > j ? 1 : 0);
      ASSERT_EQ(a.Compare(b), expected) << kSorted[i] << " vs " << kSorted[j];
      EXPECT_EQ(a < b, i < j);
    }
  }
}

TEST(NumberTest, Arithmetic) {
  auto add = [](const char* a, const char* b) {
    Result<Number> r = Number::Parse(a)->Add(*Number::Parse(b));
    return r.ok() ? r->ToString() : "ERROR: " + r.status().message();
  };
  auto sub = [](const char* a, const char* b) {
    Result<Number> r = Number::Parse(a)->Subtract(*Number::Parse(b));
    return r.ok() ? r->ToString() : "ERROR: " + r.status().message();
  };
  const std::string kOver =
      "ERROR: Number overflow. Attempting to store a number with magnitude larger than "
      "supported range";
  const std::string kUnder =
      "ERROR: Number underflow. Attempting to store a number with magnitude smaller than "
      "supported range";
  EXPECT_EQ(add("1", "2"), "3");
  EXPECT_EQ(add("0.1", "0.2"), "0.3");  // exact, unlike binary floating point
  EXPECT_EQ(add("1.5", "-1.5"), "0");
  EXPECT_EQ(add("-1", "0.25"), "-0.75");
  EXPECT_EQ(add("1", "10000000000000000000000"), "10000000000000000000001");
  EXPECT_EQ(add("99999999999999999999999999999999999999", "1"),
            "100000000000000000000000000000000000000");  // carries into a 39th place: 1E38
  EXPECT_EQ(add("9e125", "9e124"), "99" + std::string(124, '0'));
  EXPECT_EQ(sub("5", "7"), "-2");
  EXPECT_EQ(sub("1e-130", "1e-130"), "0");
  EXPECT_EQ(sub("0", "3.5"), "-3.5");
  EXPECT_EQ(add("0", "0"), "0");
  // Never rounds: DynamoDB calls a result that needs more than 38 digits an overflow.
  EXPECT_EQ(add("1e50", "1"), kOver);
  EXPECT_EQ(sub("1e50", "1"), kOver);
  EXPECT_EQ(add("99999999999999999999999999999999999999", "0.1"), kOver);
  EXPECT_EQ(add("1e125", "1e-130"), kOver);
  EXPECT_EQ(add("9e125", "9e125"), kOver);
  EXPECT_EQ(sub("9e125", "-9e125"), kOver);
  EXPECT_EQ(add("9.9e125", "9.9e125"), kOver);
  EXPECT_EQ(sub("1.000000000000000000000000000000000001e-130", "1e-130"), kUnder);
}

// An independent, string-based model of a decimal, to check Number against.
struct RefDecimal {
  bool negative;
  std::string digits;  // no leading zeros; empty for zero
  int64_t exponent;
};

RefDecimal ToRef(const Number& n) { return {n.negative(), n.DigitString(), n.exponent()}; }

// Digit strings aligned to exponent `e` (REQUIRES e <= r.exponent).
std::string Aligned(const RefDecimal& r, int64_t e) {
  return r.digits + std::string(static_cast<size_t>(r.exponent - e), '0');
}

int CompareMagnitudeStrings(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : (a.compare(b) > 0 ? 1 : 0);
}

int RefCompare(const RefDecimal& a, const RefDecimal& b) {
  int sa = a.digits.empty() ? 0 : (a.negative ? -1 : 1);
  int sb = b.digits.empty() ? 0 : (b.negative ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int64_t e = std::min(a.exponent, b.exponent);
  int m = CompareMagnitudeStrings(Aligned(a, e), Aligned(b, e));
  return sa > 0 ? m : -m;
}

TEST(NumberTest, RandomOrderMatchesReference) {
  uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(testing::SeedTrace(seed));
  testing::RandomItems r(seed);
  for (int i = 0; i < 20000; ++i) {
    Number a = r.RandomNumber(), b = r.RandomNumber();
    ASSERT_EQ(a.Compare(b), RefCompare(ToRef(a), ToRef(b))) << a.ToString() << " vs " << b.ToString();
    // Parse(ToString(x)) == x.
    ASSERT_EQ(*Number::Parse(a.ToString()), a) << a.ToString();
  }
}

TEST(NumberTest, RandomArithmeticProperties) {
  uint64_t seed = testing::TestSeed();
  SCOPED_TRACE(testing::SeedTrace(seed));
  testing::RandomItems r(seed);
  int exact = 0;
  for (int i = 0; i < 20000; ++i) {
    Number a = r.RandomNumber(), b = r.RandomNumber();
    Result<Number> ab = a.Add(b), ba = b.Add(a);
    ASSERT_EQ(ab.ok(), ba.ok());
    if (!ab.ok()) continue;
    ++exact;
    ASSERT_EQ(*ab, *ba) << a.ToString() << " + " << b.ToString();
    // (a + b) - b == a whenever every step is representable.
    Result<Number> back = ab->Subtract(b);
    if (back.ok()) {
      ASSERT_EQ(*back, a) << a.ToString() << " + " << b.ToString();
    }
    // Sign and order are consistent: a + b > a iff b > 0.
    ASSERT_EQ(ab->Compare(a), b.Compare(Number())) << a.ToString() << " + " << b.ToString();
  }
  EXPECT_GT(exact, 1000);  // the generator must exercise the exact path, not only errors
}

}  // namespace
}  // namespace ddb
