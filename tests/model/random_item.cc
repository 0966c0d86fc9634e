#include "tests/model/random_item.h"

namespace ddb::testing {


Number RandomItems::RandomNumber() {
  for (;;) {
    switch (Uniform(6)) {
      case 0: return Number();
      case 1: return Number::FromInt64(static_cast<int64_t>(Uniform(2001)) - 1000);
      default: {
        // Up to 38 random digits at an exponent that keeps the number in range, biased to
        // small exponents so that numbers collide and interleave often.
        int digits = 1 + static_cast<int>(Uniform(38));
        Uint128 c = 0;
        for (int i = 0; i < digits; ++i) c = c * 10 + Uniform(10);
        int64_t exponent = Uniform(4) == 0 ? static_cast<int64_t>(Uniform(255)) - 130 - digits + 1
                                           : static_cast<int64_t>(Uniform(21)) - 10;
        Result<Number> n = Number::FromParts(Uniform(2) == 0, c, exponent);
        if (n.ok()) return *n;
      }
    }
  }
}

std::string RandomItems::RandomString(size_t max_len) {
  static const char* const kPieces[] = {"a", "b", "z", "A", "0", " ", "\"", "\\", "\n",
                                        std::string_view("\0", 1).data(), "\x01", "\x7f",
                                        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
  size_t len = Uniform(max_len + 1);
  std::string s;
  for (size_t i = 0; i < len; ++i) {
    size_t k = Uniform(std::size(kPieces));
    if (k == 9) {
      s.push_back('\0');
    } else {
      s += kPieces[k];
    }
  }
  return s;
}

std::string RandomItems::RandomBytes(size_t max_len) {
  size_t len = Uniform(max_len + 1);
  std::string s(len, '\0');
  for (char& c : s) c = static_cast<char>(Uniform(256));
  // Bias towards the bytes that matter to the key escaping.
  if (!s.empty() && Uniform(3) == 0) s[Uniform(s.size())] = Uniform(2) == 0 ? '\0' : '\xff';
  return s;
}

AttributeValue RandomItems::RandomKeyValue(AttrType type) {
  switch (type) {
    case AttrType::kS: return AttributeValue::S(RandomString(6));
    case AttrType::kB: return AttributeValue::B(RandomBytes(6));
    default: return AttributeValue::N(RandomNumber());
  }
}

AttributeValue RandomItems::RandomValue(int depth) {
  size_t types = depth >= 3 ? 5 : kNumAttrTypes;  // scalars only when deep
  size_t pick = Uniform(types);
  if (depth >= 3 && pick >= static_cast<size_t>(AttrType::kL)) pick = 0;
  switch (static_cast<AttrType>(pick)) {
    case AttrType::kS: return AttributeValue::S(RandomString(8));
    case AttrType::kN: return AttributeValue::N(RandomNumber());
    case AttrType::kB: return AttributeValue::B(RandomBytes(8));
    case AttrType::kBool: return AttributeValue::Bool(Uniform(2) == 0);
    case AttrType::kNull: return AttributeValue::Null();
    case AttrType::kL: {
      AttributeList l;
      for (size_t i = Uniform(4); i > 0; --i) l.push_back(RandomValue(depth + 1));
      return AttributeValue::L(std::move(l));
    }
    case AttrType::kM: {
      AttributeMap m;
      for (size_t i = Uniform(4); i > 0; --i) m[RandomString(4)] = RandomValue(depth + 1);
      return AttributeValue::M(std::move(m));
    }
    case AttrType::kSS: {
      std::vector<std::string> v;
      for (size_t i = 1 + Uniform(4); i > 0; --i) v.push_back(RandomString(5));
      return AttributeValue::SS(std::move(v));
    }
    case AttrType::kNS: {
      std::vector<Number> v;
      for (size_t i = 1 + Uniform(4); i > 0; --i) v.push_back(RandomNumber());
      return AttributeValue::NS(std::move(v));
    }
    case AttrType::kBS: {
      std::vector<std::string> v;
      for (size_t i = 1 + Uniform(4); i > 0; --i) v.push_back(RandomBytes(5));
      return AttributeValue::BS(std::move(v));
    }
  }
  return AttributeValue::Null();
}

Item RandomItems::RandomItem() {
  Item item;
  for (size_t i = 1 + Uniform(8); i > 0; --i) {
    std::string name = RandomString(6);
    if (name.empty()) name = "k";
    item[name] = RandomValue(0);
  }
  return item;
}

}  // namespace ddb::testing
