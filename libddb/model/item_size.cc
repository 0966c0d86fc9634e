#include "libddb/model/item_size.h"

#include <algorithm>

namespace ddb {

size_t NumberSize(const Number& n) {
  if (n.is_zero()) return 1;
  const int64_t digits = n.digits();
  const int64_t exponent = n.exponent();
  // Digits of the coefficient left and right of the decimal point.
  int64_t int_digits = exponent >= 0 ? digits : std::max<int64_t>(0, digits + exponent);
  int64_t frac_digits = exponent >= 0 ? 0 : std::min<int64_t>(digits, -exponent);
  size_t size = 1 + static_cast<size_t>((int_digits + 1) / 2 + (frac_digits + 1) / 2);
  if (n.negative()) ++size;
  return size;
}

size_t AttributeValueSize(const AttributeValue& v) {
  switch (v.type()) {
    case AttrType::kS: return v.s().size();
    case AttrType::kN: return NumberSize(v.n());
    case AttrType::kB: return v.b().size();
    case AttrType::kBool:
    case AttrType::kNull: return 1;
    case AttrType::kL: {
      size_t size = 3;
      for (const AttributeValue& e : v.l()) size += 1 + AttributeValueSize(e);
      return size;
    }
    case AttrType::kM: {
      size_t size = 3;
      for (const auto& [name, value] : v.m()) size += 1 + name.size() + AttributeValueSize(value);
      return size;
    }
    case AttrType::kSS: {
      size_t size = 0;
      for (const std::string& s : v.ss()) size += s.size();
      return size;
    }
    case AttrType::kBS: {
      size_t size = 0;
      for (const std::string& b : v.bs()) size += b.size();
      return size;
    }
    case AttrType::kNS: {
      size_t size = 0;
      for (const Number& n : v.ns()) size += NumberSize(n);
      return size;
    }
  }
  return 0;
}

size_t AttributeSize(std::string_view name, const AttributeValue& value) {
  return name.size() + AttributeValueSize(value);
}

size_t ItemSize(const Item& item) {
  size_t size = 0;
  for (const auto& [name, value] : item) size += AttributeSize(name, value);
  return size;
}

}  // namespace ddb
