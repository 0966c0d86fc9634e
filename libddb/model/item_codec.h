// The binary item encoding: how items are stored in LevelDB and carried inside messages.
//
// Layout (version 1), all varints LEB128:
//   u8 version (=1) | varint attribute count | (name, value)* | fixed32le masked CRC-32C
// where name = varint length + bytes, in strictly increasing byte order, and value is a type
// tag (AttrType) followed by:
//   S, B    varint length + bytes
//   N       u8 sign (0 positive, 1 negative, 2 zero); unless zero: zigzag varint exponent,
//           varint low 64 bits and varint high 64 bits of the coefficient
//   BOOL    u8 0 or 1
//   NULL    nothing
//   L       varint count + value*
//   M       varint count + (name, value)*, names strictly increasing
//   SS, BS  varint count + (varint length + bytes)*, members strictly increasing
//   NS      varint count + number*, members strictly increasing
// The CRC covers every byte before it. Decoding verifies the checksum first and then every
// structural rule (canonical order, nesting depth, valid numbers, no trailing bytes), so a
// decoded item always satisfies the model's invariants; any violation is Status::Corruption.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "libddb/core/result.h"
#include "libddb/model/attribute_value.h"

namespace ddb {

inline constexpr unsigned char kItemCodecVersion = 1;

// Appends the encoding of `item` to *out.
void EncodeItem(const Item& item, std::string* out);
std::string EncodeItem(const Item& item);

// Decodes an encoding produced by EncodeItem. Corruption on any damage.
Result<Item> DecodeItem(std::string_view data);

}  // namespace ddb
