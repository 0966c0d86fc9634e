// Item size exactly as DynamoDB counts it, for the 400 KB limit and for capacity units.
//
// size(item) = sum over attributes of UTF-8 bytes of the name + size of the value, where
//   S      UTF-8 bytes                  B        raw bytes (not base64)
//   BOOL   1                            NULL     1
//   N      1 + ceil(i/2) + ceil(f/2) + (1 if negative), zero = 1, with i and f the
//          significant digits left and right of the decimal point (leading and trailing
//          zeros dropped). So 1E125 costs 2 bytes although it prints as 126 digits.
//   L      3 + sum of (1 + size(element))
//   M      3 + sum of (1 + UTF-8 bytes of name + size(value))
//   SS/BS  sum of member sizes          NS       sum of member sizes
// The number rule is the one measured on DynamoDB (the developer guide's "about one byte per
// two digits" is only an approximation).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>

#include "libddb/model/attribute_value.h"

namespace ddb {

inline constexpr size_t kMaxItemSize = 400 * 1024;  // 409,600 bytes

size_t NumberSize(const Number& n);
size_t AttributeValueSize(const AttributeValue& value);
// Size of one top-level attribute: name bytes + value size.
size_t AttributeSize(std::string_view name, const AttributeValue& value);
size_t ItemSize(const Item& item);

}  // namespace ddb
