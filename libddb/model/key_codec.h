// Order-preserving key encoding: the byte strings that items are stored under in LevelDB.
//
// A key value (S, N or B) is encoded so that comparing encodings with memcmp gives DynamoDB's
// order of the values: S and B by unsigned bytes, N numerically. Every encoding is
// self-delimiting (no encoding is a prefix of another), so encodings can be concatenated:
//
//   item key  = be64(PartitionHash(pk)) | Encode(pk) | Encode(sk)   (sk only on composite keys)
//   partition = be64(PartitionHash(pk)) | Encode(pk)                 (prefix of its item keys)
//
// A LevelDB range scan over a partition prefix therefore walks exactly that partition key's
// items in sort-key order, and the leading 64-bit hash places partition keys on the hash ring
// that partitions are cut from (DESIGN.md section 5).
//
// Encodings:
//   S, B  bytes with 0x00 escaped as 0x00 0xFF, then the terminator 0x00 0x01.
//   N     zero: 0x02. positive: 0x03, u8 (adjusted exponent + 130), digit pairs as bytes
//         1..100 (a trailing lone digit is padded with 0), terminator 0x00. negative: 0x01
//         followed by the positive form's bytes complemented (so larger magnitudes sort first).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libddb/core/result.h"
#include "libddb/model/attribute_value.h"

namespace ddb {

// Appends the order-preserving encoding of `value`. REQUIRES: value is S, N or B.
void AppendKeyValue(const AttributeValue& value, std::string* out);

// Appends the encoding of an S or B value without its terminator: every encoded value that
// begins with these bytes is a value that begins with `prefix` (begins_with on a sort key).
void AppendKeyValuePrefix(const AttributeValue& prefix, std::string* out);

// Decodes one key value of `type` from the front of *in, advancing it.
Result<AttributeValue> DecodeKeyValue(AttrType type, std::string_view* in);

// The stable 64-bit hash of a partition key value (xxHash64 of its type and encoding). Part of
// the on-disk format: never change.
uint64_t PartitionHash(const AttributeValue& pk);

std::string EncodePartitionPrefix(const AttributeValue& pk);
// `sk` is null for tables without a sort key.
std::string EncodeItemKey(const AttributeValue& pk, const AttributeValue* sk);

// The smallest string greater than every string starting with `prefix`: the exclusive end of
// a range scan over the prefix. Empty (no upper bound) if the prefix is all 0xff bytes.
std::string PrefixSuccessor(std::string_view prefix);

struct DecodedItemKey {
  uint64_t hash;
  AttributeValue pk;
  std::optional<AttributeValue> sk;
};
// Inverse of EncodeItemKey given the key schema's types. Corruption if the bytes do not decode
// exactly (including a hash that does not match the partition key).
Result<DecodedItemKey> DecodeItemKey(std::string_view key, AttrType pk_type,
                                     std::optional<AttrType> sk_type);

}  // namespace ddb
