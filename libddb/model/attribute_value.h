// AttributeValue: one DynamoDB value of any of the ten types, and Item, a map of them.
//
// Values are plain C++ values (copyable, comparable). Sets are kept canonical: sorted (SS and
// BS by unsigned bytes, NS numerically) and without duplicates, so two sets with the same
// members are equal whatever order a client sent them in. The codecs (dynamo_json.h,
// plain_json.h, item_codec.h) validate input and build values through the factories here.
//
// Thread-safety: a value type; const access from several threads is safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "libddb/model/number.h"

namespace ddb {

// The ten types, in DynamoDB's descriptor spelling order. The numeric values are part of the
// binary item encoding (item_codec.h): never renumber.
enum class AttrType : uint8_t {
  kS = 0,
  kN = 1,
  kB = 2,
  kBool = 3,
  kNull = 4,
  kL = 5,
  kM = 6,
  kSS = 7,
  kNS = 8,
  kBS = 9,
};
inline constexpr int kNumAttrTypes = 10;

// "S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS".
std::string_view AttrTypeName(AttrType type);
// Inverse of AttrTypeName; false if `name` is not a type descriptor.
bool AttrTypeFromName(std::string_view name, AttrType* type);

class AttributeValue;
using AttributeList = std::vector<AttributeValue>;
// Attribute names to values, ordered by name (byte order): output is deterministic.
using AttributeMap = std::map<std::string, AttributeValue, std::less<>>;
// An item is a top-level attribute map.
using Item = AttributeMap;

class AttributeValue {
 private:
  using Storage = std::variant<std::string,               // S
                               Number,                    // N
                               std::string,               // B
                               bool,                      // BOOL
                               std::monostate,            // NULL
                               AttributeList,             // L
                               AttributeMap,              // M
                               std::vector<std::string>,  // SS
                               std::vector<Number>,       // NS
                               std::vector<std::string>>; // BS

  template <AttrType T>
  const auto& Get() const {
    CheckType(T);
    return std::get<static_cast<size_t>(T)>(value_);
  }
  template <AttrType T>
  auto& GetMutable() {
    CheckType(T);
    return std::get<static_cast<size_t>(T)>(value_);
  }
  void CheckType(AttrType expected) const;

 public:
  // A NULL value.
  AttributeValue() : value_(std::in_place_index<static_cast<size_t>(AttrType::kNull)>) {}

  static AttributeValue S(std::string s);
  static AttributeValue N(Number n);
  static AttributeValue B(std::string bytes);
  static AttributeValue Bool(bool b);
  static AttributeValue Null();
  static AttributeValue L(AttributeList list);
  static AttributeValue M(AttributeMap map);
  // Sets: the members are sorted and duplicates dropped. REQUIRES: at least one member
  // (DynamoDB has no empty sets).
  static AttributeValue SS(std::vector<std::string> members);
  static AttributeValue NS(std::vector<Number> members);
  static AttributeValue BS(std::vector<std::string> members);

  AttrType type() const { return static_cast<AttrType>(value_.index()); }
  bool is_set() const {
    return type() == AttrType::kSS || type() == AttrType::kNS || type() == AttrType::kBS;
  }

  // Accessors. REQUIRES: type() is the accessor's type (checked).
  const std::string& s() const { return Get<AttrType::kS>(); }
  const Number& n() const { return Get<AttrType::kN>(); }
  const std::string& b() const { return Get<AttrType::kB>(); }
  bool boolean() const { return Get<AttrType::kBool>(); }
  const AttributeList& l() const { return Get<AttrType::kL>(); }
  AttributeList& mutable_l() { return GetMutable<AttrType::kL>(); }
  const AttributeMap& m() const { return Get<AttrType::kM>(); }
  AttributeMap& mutable_m() { return GetMutable<AttrType::kM>(); }
  const std::vector<std::string>& ss() const { return Get<AttrType::kSS>(); }
  const std::vector<Number>& ns() const { return Get<AttrType::kNS>(); }
  const std::vector<std::string>& bs() const { return Get<AttrType::kBS>(); }

  // Value equality: same type and same value (sets compare as sets).
  friend bool operator==(const AttributeValue& a, const AttributeValue& b) {
    return a.value_ == b.value_;
  }

 private:
  Storage value_;
};

}  // namespace ddb
