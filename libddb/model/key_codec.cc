#include "libddb/model/key_codec.h"

#include <xxhash.h>

#include "libddb/core/coding.h"

namespace ddb {

namespace {

constexpr unsigned char kNegative = 0x01, kZero = 0x02, kPositive = 0x03;
constexpr int kExponentBias = -Number::kMinAdjustedExponent;  // 130: adjusted exponent -> 0..255

void AppendBytes(std::string_view bytes, std::string* out) {
  for (char c : bytes) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xff');
  }
  out->push_back('\0');
  out->push_back('\x01');
}

void AppendNumber(const Number& n, std::string* out) {
  if (n.is_zero()) {
    out->push_back(static_cast<char>(kZero));
    return;
  }
  const size_t start = out->size();
  out->push_back(static_cast<char>(n.adjusted_exponent() + kExponentBias));
  std::string digits = n.DigitString();
  for (size_t i = 0; i < digits.size(); i += 2) {
    int hi = digits[i] - '0';
    int lo = i + 1 < digits.size() ? digits[i + 1] - '0' : 0;
    out->push_back(static_cast<char>(hi * 10 + lo + 1));
  }
  out->push_back('\0');
  if (n.negative()) {
    for (size_t i = start; i < out->size(); ++i) (*out)[i] = static_cast<char>(~(*out)[i]);
    out->insert(out->begin() + static_cast<std::ptrdiff_t>(start), static_cast<char>(kNegative));
  } else {
    out->insert(out->begin() + static_cast<std::ptrdiff_t>(start), static_cast<char>(kPositive));
  }
}

Status Corrupt(std::string_view what) {
  return Status::Corruption("key encoding: " + std::string(what));
}

Result<std::string> DecodeBytes(std::string_view* in) {
  std::string out;
  size_t i = 0;
  while (i < in->size()) {
    char c = (*in)[i];
    if (c != '\0') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= in->size()) break;
    char next = (*in)[i + 1];
    if (next == '\xff') {
      out.push_back('\0');
      i += 2;
    } else if (next == '\x01') {
      in->remove_prefix(i + 2);
      return out;
    } else {
      return Corrupt("bad escape");
    }
  }
  return Corrupt("unterminated string");
}

Result<Number> DecodeNumber(std::string_view* in) {
  if (in->empty()) return Corrupt("missing number");
  unsigned char tag = static_cast<unsigned char>((*in)[0]);
  in->remove_prefix(1);
  if (tag == kZero) return Number();
  if (tag != kNegative && tag != kPositive) return Corrupt("bad number tag");
  const bool negative = tag == kNegative;
  auto byte_at = [&](size_t i) {
    unsigned char b = static_cast<unsigned char>((*in)[i]);
    return negative ? static_cast<unsigned char>(~b) : b;
  };
  if (in->empty()) return Corrupt("truncated number");
  int adjusted = byte_at(0) - kExponentBias;
  Uint128 coefficient = 0;
  int digits = 0;
  size_t i = 1;
  for (;; ++i) {
    if (i >= in->size()) return Corrupt("unterminated number");
    unsigned char b = byte_at(i);
    if (b == 0) break;
    if (b > 100 || digits >= Number::kMaxDigits) return Corrupt("bad number digits");
    coefficient = coefficient * 100 + (b - 1);
    digits += 2;
  }
  in->remove_prefix(i + 1);
  if (digits == 0) return Corrupt("empty number");
  // The digits are exactly `digits` long with the leading one at 10^adjusted.
  Result<Number> n = Number::FromParts(negative, coefficient, adjusted - (digits - 1));
  if (!n.ok() || n->adjusted_exponent() != adjusted) return Corrupt("bad number");
  return n;
}

}  // namespace

void AppendKeyValue(const AttributeValue& value, std::string* out) {
  switch (value.type()) {
    case AttrType::kS: AppendBytes(value.s(), out); break;
    case AttrType::kB: AppendBytes(value.b(), out); break;
    case AttrType::kN: AppendNumber(value.n(), out); break;
    default:
      DDB_CHECK_MSG(false, "key attribute of type %s", std::string(AttrTypeName(value.type())).c_str());
  }
}

void AppendKeyValuePrefix(const AttributeValue& prefix, std::string* out) {
  DDB_CHECK(prefix.type() == AttrType::kS || prefix.type() == AttrType::kB);
  AppendKeyValue(prefix, out);
  out->resize(out->size() - 2);  // drop the 00 01 terminator
}

Result<AttributeValue> DecodeKeyValue(AttrType type, std::string_view* in) {
  switch (type) {
    case AttrType::kS: {
      DDB_ASSIGN_OR_RETURN(std::string s, DecodeBytes(in));
      return AttributeValue::S(std::move(s));
    }
    case AttrType::kB: {
      DDB_ASSIGN_OR_RETURN(std::string b, DecodeBytes(in));
      return AttributeValue::B(std::move(b));
    }
    case AttrType::kN: {
      DDB_ASSIGN_OR_RETURN(Number n, DecodeNumber(in));
      return AttributeValue::N(n);
    }
    default: return Corrupt("not a key type");
  }
}

uint64_t PartitionHash(const AttributeValue& pk) {
  std::string buf;
  buf.push_back(static_cast<char>(pk.type()));
  AppendKeyValue(pk, &buf);
  return XXH64(buf.data(), buf.size(), /*seed=*/0);
}

std::string EncodePartitionPrefix(const AttributeValue& pk) {
  std::string out;
  PutFixed64BE(&out, PartitionHash(pk));
  AppendKeyValue(pk, &out);
  return out;
}

std::string EncodeItemKey(const AttributeValue& pk, const AttributeValue* sk) {
  std::string out = EncodePartitionPrefix(pk);
  if (sk != nullptr) AppendKeyValue(*sk, &out);
  return out;
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    if (static_cast<unsigned char>(out.back()) != 0xff) {
      out.back() = static_cast<char>(static_cast<unsigned char>(out.back()) + 1);
      return out;
    }
    out.pop_back();
  }
  return out;
}

Result<DecodedItemKey> DecodeItemKey(std::string_view key, AttrType pk_type,
                                     std::optional<AttrType> sk_type) {
  if (key.size() < 8) return Corrupt("too short");
  DecodedItemKey out{DecodeFixed64BE(key.data()), AttributeValue(), std::nullopt};
  key.remove_prefix(8);
  DDB_ASSIGN_OR_RETURN(out.pk, DecodeKeyValue(pk_type, &key));
  if (sk_type.has_value()) {
    DDB_ASSIGN_OR_RETURN(AttributeValue sk, DecodeKeyValue(*sk_type, &key));
    out.sk = std::move(sk);
  }
  if (!key.empty()) return Corrupt("trailing bytes");
  if (PartitionHash(out.pk) != out.hash) return Corrupt("hash mismatch");
  return out;
}

}  // namespace ddb
