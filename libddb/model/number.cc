#include "libddb/model/number.h"

#include <algorithm>
#include <array>

namespace ddb {

namespace {

constexpr std::array<Uint128, 39> MakePow10() {
  std::array<Uint128, 39> p{};
  p[0] = 1;
  for (size_t i = 1; i < p.size(); ++i) p[i] = p[i - 1] * 10;
  return p;
}
constexpr auto kPow10 = MakePow10();

// Number of decimal digits of v (0 for 0). Compares against powers of ten: 128-bit division
// is a library call and far slower.
int CountDigits(Uint128 v) {
  int n = 0;
  while (n < static_cast<int>(kPow10.size()) && v >= kPow10[n]) ++n;
  return n;
}

bool Fits64(Uint128 v) { return (v >> 64) == 0; }

// v / 10 and v % 10, in 64-bit arithmetic when v fits (the common case).
Uint128 Div10(Uint128 v) { return Fits64(v) ? static_cast<uint64_t>(v) / 10 : v / 10; }
unsigned Mod10(Uint128 v) {
  return static_cast<unsigned>(Fits64(v) ? static_cast<uint64_t>(v) % 10 : v % 10);
}

Status NotANumber(std::string_view text) {
  std::string msg(number_errors::kNotANumber);
  if (!text.empty()) {
    msg += ": ";
    msg += text.substr(0, 256);
  }
  return Status::Validation(std::move(msg));
}

Status Overflow() { return Status::Validation(std::string(number_errors::kOverflow)); }
Status Underflow() { return Status::Validation(std::string(number_errors::kUnderflow)); }

// Range check of an adjusted exponent (the power of ten of the leading digit).
Status CheckRange(int64_t adjusted) {
  if (adjusted > Number::kMaxAdjustedExponent) return Overflow();
  if (adjusted < Number::kMinAdjustedExponent) return Underflow();
  return Status::OK();
}

// A wide unsigned decimal, least significant digit first, for exact addition of numbers
// whose exponents differ: at most 38 + 38 digits plus a carry.
struct WideDecimal {
  std::array<unsigned char, 80> d{};
  int len = 0;

  static WideDecimal From(Uint128 coefficient, int shift) {
    WideDecimal w;
    w.len = shift;  // `shift` low zeros
    while (coefficient != 0) {
      w.d[w.len++] = static_cast<unsigned char>(coefficient % 10);
      coefficient /= 10;
    }
    return w;
  }

  int Compare(const WideDecimal& o) const {
    if (len != o.len) return len < o.len ? -1 : 1;
    for (int i = len - 1; i >= 0; --i) {
      if (d[i] != o.d[i]) return d[i] < o.d[i] ? -1 : 1;
    }
    return 0;
  }

  void Trim() {
    while (len > 0 && d[len - 1] == 0) --len;
  }
};

WideDecimal AddMagnitudes(const WideDecimal& a, const WideDecimal& b) {
  WideDecimal r;
  int carry = 0;
  int n = std::max(a.len, b.len);
  for (int i = 0; i < n; ++i) {
    int s = a.d[i] + b.d[i] + carry;
    r.d[i] = static_cast<unsigned char>(s % 10);
    carry = s / 10;
  }
  r.len = n;
  if (carry != 0) r.d[r.len++] = static_cast<unsigned char>(carry);
  return r;
}

// REQUIRES: a >= b.
WideDecimal SubtractMagnitudes(const WideDecimal& a, const WideDecimal& b) {
  WideDecimal r;
  int borrow = 0;
  for (int i = 0; i < a.len; ++i) {
    int s = a.d[i] - b.d[i] - borrow;
    borrow = s < 0 ? 1 : 0;
    r.d[i] = static_cast<unsigned char>(s + 10 * borrow);
  }
  r.len = a.len;
  r.Trim();
  return r;
}

}  // namespace

Result<Number> Number::FromParts(bool negative, Uint128 coefficient, int64_t exponent) {
  Number n;
  if (coefficient == 0) return n;
  while (Mod10(coefficient) == 0) {
    coefficient = Div10(coefficient);
    ++exponent;
  }
  int digits = CountDigits(coefficient);
  DDB_RETURN_IF_ERROR(CheckRange(exponent + digits - 1));
  if (digits > kMaxDigits) return Status::Validation(std::string(number_errors::kTooManyDigits));
  n.negative_ = negative;
  n.coefficient_ = coefficient;
  n.digits_ = static_cast<unsigned char>(digits);
  n.exponent_ = static_cast<int>(exponent);
  return n;
}

Result<Number> Number::Parse(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  bool negative = false;
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  // Mantissa. value = D * 10^(-frac) where D is every mantissa digit; D = coefficient *
  // 10^pending_zeros once leading zeros are dropped.
  Uint128 coefficient = 0;
  int64_t significant = 0;     // digits from the first nonzero to the last nonzero so far
  int64_t pending_zeros = 0;   // zeros after the last nonzero digit
  int64_t frac = 0;            // mantissa digits after the decimal point
  bool any_digit = false;
  bool point = false;
  for (; i < n; ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (point) ++frac;
      if (c == '0') {
        if (significant > 0) ++pending_zeros;
        continue;
      }
      int64_t new_significant = significant + pending_zeros + 1;
      if (new_significant <= kMaxDigits) {
        coefficient = coefficient * kPow10[pending_zeros + 1] + static_cast<unsigned>(c - '0');
      }
      significant = new_significant;
      pending_zeros = 0;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return NotANumber(text);
  int64_t explicit_exponent = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    bool exp_digit = false;
    for (; i < n && text[i] >= '0' && text[i] <= '9'; ++i) {
      exp_digit = true;
      explicit_exponent = explicit_exponent * 10 + (text[i] - '0');
      // BigDecimal's exponent is an int: a larger one makes the text not a number.
      if (explicit_exponent > INT32_MAX + static_cast<int64_t>(exp_negative)) {
        return NotANumber(text);
      }
    }
    if (!exp_digit) return NotANumber(text);
    if (exp_negative) explicit_exponent = -explicit_exponent;
  }
  if (i != n) return NotANumber(text);
  if (frac > INT32_MAX) return NotANumber(text);
  if (significant == 0) {
    // DynamoDB checks a zero's nominal exponent (BigDecimal: precision 1, scale frac - E).
    DDB_RETURN_IF_ERROR(CheckRange(explicit_exponent - frac));
    return Number();  // "-0", "0.00" and "0e5" are all 0
  }
  int64_t exponent = pending_zeros - frac + explicit_exponent;
  DDB_RETURN_IF_ERROR(CheckRange(exponent + significant - 1));
  if (significant > kMaxDigits) {
    return Status::Validation(std::string(number_errors::kTooManyDigits));
  }
  Number result;
  result.negative_ = negative;
  result.coefficient_ = coefficient;
  result.digits_ = static_cast<unsigned char>(significant);
  result.exponent_ = static_cast<int>(exponent);
  return result;
}

Number Number::FromInt64(int64_t value) {
  Uint128 magnitude = value < 0 ? static_cast<Uint128>(-(value + 1)) + 1 : static_cast<Uint128>(value);
  Result<Number> r = FromParts(value < 0, magnitude, 0);
  DDB_CHECK(r.ok());  // 19 digits, exponent 0: always in range
  return *r;
}

std::string Number::DigitString() const {
  char buf[40];
  int len = 0;
  Uint128 v = coefficient_;
  while (v != 0) {
    buf[len++] = static_cast<char>('0' + Mod10(v));
    v = Div10(v);
  }
  std::reverse(buf, buf + len);
  return std::string(buf, len);
}

void Number::AppendTo(std::string* out) const {
  if (is_zero()) {
    out->push_back('0');
    return;
  }
  if (negative_) out->push_back('-');
  std::string digits = DigitString();
  if (exponent_ >= 0) {
    out->append(digits);
    out->append(static_cast<size_t>(exponent_), '0');
    return;
  }
  size_t frac = static_cast<size_t>(-exponent_);
  if (digits.size() > frac) {
    out->append(digits, 0, digits.size() - frac);
    out->push_back('.');
    out->append(digits, digits.size() - frac);
  } else {
    out->append("0.");
    out->append(frac - digits.size(), '0');
    out->append(digits);
  }
}

std::string Number::ToString() const {
  std::string s;
  AppendTo(&s);
  return s;
}

int Number::Compare(const Number& other) const {
  auto sign = [](const Number& x) { return x.is_zero() ? 0 : (x.negative_ ? -1 : 1); };
  int sa = sign(*this), sb = sign(other);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int magnitude;  // comparison of absolute values
  if (adjusted_exponent() != other.adjusted_exponent()) {
    magnitude = adjusted_exponent() < other.adjusted_exponent() ? -1 : 1;
  } else {
    // Same leading power of ten: align the coefficients to the same digit count.
    Uint128 a = coefficient_, b = other.coefficient_;
    if (digits_ < other.digits_) a *= kPow10[other.digits_ - digits_];
    if (other.digits_ < digits_) b *= kPow10[digits_ - other.digits_];
    magnitude = a == b ? 0 : (a < b ? -1 : 1);
  }
  return sa > 0 ? magnitude : -magnitude;
}

Number Number::Negate() const {
  Number r = *this;
  if (!r.is_zero()) r.negative_ = !r.negative_;
  return r;
}

Result<Number> Number::Add(const Number& other) const {
  if (other.is_zero()) return *this;
  if (is_zero()) return other;
  const int64_t min_exponent = std::min(exponent_, other.exponent_);
  const int64_t spread = static_cast<int64_t>(std::max(exponent_, other.exponent_)) - min_exponent;
  // With normalized coefficients the exact sum has its last nonzero digit at min_exponent and
  // its leading digit at least spread - 1 places higher: more than 38 digits once spread > 38.
  if (spread > kMaxDigits) return Overflow();
  WideDecimal a = WideDecimal::From(coefficient_, static_cast<int>(exponent_ - min_exponent));
  WideDecimal b =
      WideDecimal::From(other.coefficient_, static_cast<int>(other.exponent_ - min_exponent));
  WideDecimal sum;
  bool negative;
  if (negative_ == other.negative_) {
    sum = AddMagnitudes(a, b);
    negative = negative_;
  } else {
    int c = a.Compare(b);
    if (c == 0) return Number();
    sum = c > 0 ? SubtractMagnitudes(a, b) : SubtractMagnitudes(b, a);
    negative = c > 0 ? negative_ : other.negative_;
  }
  // Drop trailing zeros into the exponent, then check the digit count.
  int low = 0;
  while (low < sum.len && sum.d[low] == 0) ++low;
  if (sum.len - low > kMaxDigits) return Overflow();  // DynamoDB's word for lost precision
  Uint128 coefficient = 0;
  for (int i = sum.len - 1; i >= low; --i) coefficient = coefficient * 10 + sum.d[i];
  return FromParts(negative, coefficient, min_exponent + low);
}

Result<Number> Number::Subtract(const Number& other) const { return Add(other.Negate()); }

bool Number::ToInt64(int64_t* out) const {
  if (is_zero()) {
    *out = 0;
    return true;
  }
  if (exponent_ < 0 || adjusted_exponent() > 18) return false;
  Uint128 magnitude = coefficient_ * kPow10[exponent_];
  constexpr Uint128 kMaxPositive = static_cast<Uint128>(INT64_MAX);
  if (!negative_) {
    if (magnitude > kMaxPositive) return false;
    *out = static_cast<int64_t>(magnitude);
  } else {
    if (magnitude > kMaxPositive + 1) return false;
    *out = magnitude == kMaxPositive + 1 ? INT64_MIN : -static_cast<int64_t>(magnitude);
  }
  return true;
}

}  // namespace ddb
