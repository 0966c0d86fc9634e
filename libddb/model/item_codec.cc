#include "libddb/model/item_codec.h"

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"
#include "libddb/model/dynamo_json.h"

namespace ddb {

namespace {

void PutBytes(std::string_view bytes, std::string* out) {
  PutVarint64(out, bytes.size());
  out->append(bytes);
}

void PutNumber(const Number& n, std::string* out) {
  if (n.is_zero()) {
    out->push_back(2);
    return;
  }
  out->push_back(n.negative() ? 1 : 0);
  PutVarint64(out, ZigZagEncode(n.exponent()));
  PutVarint64(out, static_cast<uint64_t>(n.coefficient()));
  PutVarint64(out, static_cast<uint64_t>(n.coefficient() >> 64));
}

void PutValue(const AttributeValue& v, std::string* out);

void PutMap(const AttributeMap& map, std::string* out) {
  PutVarint64(out, map.size());
  for (const auto& [name, value] : map) {
    PutBytes(name, out);
    PutValue(value, out);
  }
}

void PutValue(const AttributeValue& v, std::string* out) {
  out->push_back(static_cast<char>(v.type()));
  switch (v.type()) {
    case AttrType::kS: PutBytes(v.s(), out); break;
    case AttrType::kN: PutNumber(v.n(), out); break;
    case AttrType::kB: PutBytes(v.b(), out); break;
    case AttrType::kBool: out->push_back(v.boolean() ? 1 : 0); break;
    case AttrType::kNull: break;
    case AttrType::kL:
      PutVarint64(out, v.l().size());
      for (const AttributeValue& e : v.l()) PutValue(e, out);
      break;
    case AttrType::kM: PutMap(v.m(), out); break;
    case AttrType::kSS:
    case AttrType::kBS: {
      const auto& members = v.type() == AttrType::kSS ? v.ss() : v.bs();
      PutVarint64(out, members.size());
      for (const std::string& m : members) PutBytes(m, out);
      break;
    }
    case AttrType::kNS:
      PutVarint64(out, v.ns().size());
      for (const Number& n : v.ns()) PutNumber(n, out);
      break;
  }
}

Status Corrupt(std::string_view what) {
  return Status::Corruption("item encoding: " + std::string(what));
}

class Decoder {
 public:
  explicit Decoder(std::string_view body) : in_(body) {}

  Result<AttributeMap> Map(int depth) {
    uint64_t count;
    if (!in_.ReadVarint64(&count) || count > in_.remaining()) return Corrupt("bad map size");
    AttributeMap map;
    std::string_view previous;
    for (uint64_t i = 0; i < count; ++i) {
      std::string_view name;
      if (!in_.ReadLengthPrefixed(&name)) return Corrupt("truncated name");
      if (i > 0 && !(previous < name)) return Corrupt("names out of order");
      previous = name;
      DDB_ASSIGN_OR_RETURN(AttributeValue v, Value(depth));
      map.emplace_hint(map.end(), std::string(name), std::move(v));
    }
    return map;
  }

  bool AtEnd() const { return in_.ok() && in_.empty(); }

 private:
  Result<Number> ReadNumber() {
    unsigned char sign;
    if (!in_.ReadByte(&sign) || sign > 2) return Corrupt("bad number sign");
    if (sign == 2) return Number();
    uint64_t zigzag, low, high;
    if (!in_.ReadVarint64(&zigzag) || !in_.ReadVarint64(&low) || !in_.ReadVarint64(&high)) {
      return Corrupt("truncated number");
    }
    Uint128 coefficient = (static_cast<Uint128>(high) << 64) | low;
    if (coefficient == 0 || (static_cast<uint64_t>(coefficient) % 10 == 0 && high == 0) ||
        (high != 0 && coefficient % 10 == 0)) {
      return Corrupt("non-canonical number");
    }
    Result<Number> n = Number::FromParts(sign == 1, coefficient, ZigZagDecode(zigzag));
    if (!n.ok()) return Corrupt("number out of range");
    return n;
  }

  Result<std::vector<std::string>> StringMembers() {
    uint64_t count;
    if (!in_.ReadVarint64(&count) || count == 0 || count > in_.remaining()) {
      return Corrupt("bad set size");
    }
    std::vector<std::string> members;
    members.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      std::string_view m;
      if (!in_.ReadLengthPrefixed(&m)) return Corrupt("truncated set member");
      if (i > 0 && !(std::string_view(members.back()) < m)) return Corrupt("set out of order");
      members.emplace_back(m);
    }
    return members;
  }

  // `depth`: containers around the value about to be read.
  Result<AttributeValue> Value(int depth) {
    unsigned char tag;
    if (!in_.ReadByte(&tag) || tag >= kNumAttrTypes) return Corrupt("bad type tag");
    switch (static_cast<AttrType>(tag)) {
      case AttrType::kS:
      case AttrType::kB: {
        std::string_view bytes;
        if (!in_.ReadLengthPrefixed(&bytes)) return Corrupt("truncated string");
        return tag == static_cast<unsigned char>(AttrType::kS)
                   ? AttributeValue::S(std::string(bytes))
                   : AttributeValue::B(std::string(bytes));
      }
      case AttrType::kN: {
        DDB_ASSIGN_OR_RETURN(Number n, ReadNumber());
        return AttributeValue::N(n);
      }
      case AttrType::kBool: {
        unsigned char b;
        if (!in_.ReadByte(&b) || b > 1) return Corrupt("bad boolean");
        return AttributeValue::Bool(b == 1);
      }
      case AttrType::kNull: return AttributeValue::Null();
      case AttrType::kL: {
        if (depth >= kMaxNestingDepth) return Corrupt("nesting too deep");
        uint64_t count;
        if (!in_.ReadVarint64(&count) || count > in_.remaining()) return Corrupt("bad list size");
        AttributeList list;
        list.reserve(count);
        for (uint64_t i = 0; i < count; ++i) {
          DDB_ASSIGN_OR_RETURN(AttributeValue e, Value(depth + 1));
          list.push_back(std::move(e));
        }
        return AttributeValue::L(std::move(list));
      }
      case AttrType::kM: {
        if (depth >= kMaxNestingDepth) return Corrupt("nesting too deep");
        DDB_ASSIGN_OR_RETURN(AttributeMap map, Map(depth + 1));
        return AttributeValue::M(std::move(map));
      }
      case AttrType::kSS:
      case AttrType::kBS: {
        DDB_ASSIGN_OR_RETURN(std::vector<std::string> members, StringMembers());
        return tag == static_cast<unsigned char>(AttrType::kSS)
                   ? AttributeValue::SS(std::move(members))
                   : AttributeValue::BS(std::move(members));
      }
      case AttrType::kNS: {
        uint64_t count;
        if (!in_.ReadVarint64(&count) || count == 0 || count > in_.remaining()) {
          return Corrupt("bad set size");
        }
        std::vector<Number> members;
        members.reserve(count);
        for (uint64_t i = 0; i < count; ++i) {
          DDB_ASSIGN_OR_RETURN(Number n, ReadNumber());
          if (i > 0 && !(members.back() < n)) return Corrupt("set out of order");
          members.push_back(n);
        }
        return AttributeValue::NS(std::move(members));
      }
    }
    return Corrupt("bad type tag");
  }

  Reader in_;
};

}  // namespace

void EncodeItem(const Item& item, std::string* out) {
  const size_t start = out->size();
  out->push_back(static_cast<char>(kItemCodecVersion));
  PutMap(item, out);
  uint32_t crc = crc32c::Value(out->data() + start, out->size() - start);
  PutFixed32LE(out, crc32c::Mask(crc));
}

std::string EncodeItem(const Item& item) {
  std::string out;
  EncodeItem(item, &out);
  return out;
}

Result<Item> DecodeItem(std::string_view data) {
  if (data.size() < 1 + 1 + 4) return Corrupt("too short");
  std::string_view body = data.substr(0, data.size() - 4);
  uint32_t stored = crc32c::Unmask(DecodeFixed32LE(data.data() + body.size()));
  if (crc32c::Value(body) != stored) return Corrupt("checksum mismatch");
  if (static_cast<unsigned char>(body[0]) != kItemCodecVersion) {
    return Corrupt("unknown version " + std::to_string(static_cast<unsigned char>(body[0])));
  }
  Decoder decoder(body.substr(1));
  DDB_ASSIGN_OR_RETURN(Item item, decoder.Map(0));
  if (!decoder.AtEnd()) return Corrupt("trailing bytes");
  return item;
}

}  // namespace ddb
