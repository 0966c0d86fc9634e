// Number: DynamoDB's N type, an exact decimal.
//
// A Number is sign * coefficient * 10^exponent with at most 38 significant decimal digits and
// a magnitude of 0 or between 1E-130 and 9.9999999999999999999999999999999999999E+125, exactly
// as DynamoDB stores it. No floating point is involved anywhere: parsing, printing, comparison
// and arithmetic are exact.
//
// Representation invariants (checked on construction, relied on everywhere):
//   - the coefficient has no trailing decimal zeros (1.50 is stored as 15E-1);
//   - zero is stored as coefficient 0, exponent 0, not negative ("-0" is 0);
//   - the coefficient has 1..38 digits and the adjusted exponent (the power of ten of the
//     leading digit) lies in [-130, 125].
// Hence equal values have equal representations, and operator== is value equality.
//
// Thread-safety: an immutable value type.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "libddb/core/result.h"

namespace ddb {

__extension__ using Uint128 = unsigned __int128;

class Number {
 public:
  static constexpr int kMaxDigits = 38;
  static constexpr int kMinAdjustedExponent = -130;
  static constexpr int kMaxAdjustedExponent = 125;

  // Zero.
  Number() = default;

  // Parses DynamoDB's textual form, as Java's BigDecimal reads it: an optional sign, digits
  // with an optional decimal point, and an optional exponent ("-1.5e+3", ".5", "5.", "007").
  // No whitespace. Leading and trailing zeros are not significant. Errors are DynamoDB's
  // ValidationExceptions, checked in DynamoDB's order: malformed, overflow, underflow, more
  // than 38 significant digits. Zero is range-checked by its nominal exponent as DynamoDB
  // does ("0e126" overflows, "0.0e126" does not).
  static Result<Number> Parse(std::string_view text);

  static Number FromInt64(int64_t value);

  // Builds a Number from parts, normalizing trailing zeros. Validates the digit count and the
  // exponent range like Parse.
  static Result<Number> FromParts(bool negative, Uint128 coefficient, int64_t exponent);

  // The canonical form DynamoDB returns: plain notation, no exponent, no trailing zeros after
  // the point, no leading zeros ("1E2" -> "100", "1.50" -> "1.5", "-0" -> "0").
  std::string ToString() const;
  void AppendTo(std::string* out) const;

  bool is_zero() const { return coefficient_ == 0; }
  bool negative() const { return negative_; }
  Uint128 coefficient() const { return coefficient_; }
  int exponent() const { return exponent_; }
  // Number of significant digits: 0 for zero, else 1..38.
  int digits() const { return digits_; }
  // Power of ten of the leading digit. REQUIRES: !is_zero().
  int adjusted_exponent() const { return exponent_ + digits_ - 1; }
  // The coefficient's decimal digits, without sign or point ("" for zero).
  std::string DigitString() const;

  // Total order by numeric value.
  int Compare(const Number& other) const;
  friend bool operator==(const Number& a, const Number& b) = default;
  friend std::strong_ordering operator<=>(const Number& a, const Number& b) {
    int c = a.Compare(b);
    return c < 0 ? std::strong_ordering::less
                 : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
  }

  // Exact arithmetic for ADD and SET a = b + c; never rounds. A result outside the supported
  // range, or one that needs more than 38 significant digits, is DynamoDB's "Number overflow"
  // ValidationException (DynamoDB reports lost precision in arithmetic as overflow), or
  // "Number underflow" for a result too close to zero.
  Result<Number> Add(const Number& other) const;
  Result<Number> Subtract(const Number& other) const;
  Number Negate() const;

  // True and sets *out if this is an integer that fits in int64_t.
  bool ToInt64(int64_t* out) const;

 private:
  bool negative_ = false;
  unsigned char digits_ = 0;
  int exponent_ = 0;
  Uint128 coefficient_ = 0;
};

// DynamoDB's messages for numbers, shared with the expression engine.
namespace number_errors {
inline constexpr std::string_view kTooManyDigits =
    "Attempting to store more than 38 significant digits in a Number";
inline constexpr std::string_view kOverflow =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
inline constexpr std::string_view kUnderflow =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
// Followed by ": " and the offending text, unless that text is empty.
inline constexpr std::string_view kNotANumber =
    "The parameter cannot be converted to a numeric value";
}  // namespace number_errors

}  // namespace ddb
