#include "libddb/model/attribute_value.h"

#include <algorithm>
#include <array>

namespace ddb {

namespace {

constexpr std::array<std::string_view, kNumAttrTypes> kTypeNames = {
    "S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"};

template <typename T>
void SortUnique(std::vector<T>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

}  // namespace

std::string_view AttrTypeName(AttrType type) { return kTypeNames[static_cast<size_t>(type)]; }

bool AttrTypeFromName(std::string_view name, AttrType* type) {
  for (size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) {
      *type = static_cast<AttrType>(i);
      return true;
    }
  }
  return false;
}

void AttributeValue::CheckType(AttrType expected) const {
  DDB_CHECK_MSG(type() == expected, "AttributeValue of type %s accessed as %s",
                std::string(AttrTypeName(type())).c_str(),
                std::string(AttrTypeName(expected)).c_str());
}

AttributeValue AttributeValue::S(std::string s) {
  AttributeValue v;
  v.value_.emplace<static_cast<size_t>(AttrType::kS)>(std::move(s));
  return v;
}

AttributeValue AttributeValue::N(Number n) {
  AttributeValue v;
  v.value_.emplace<static_cast<size_t>(AttrType::kN)>(n);
  return v;
}

AttributeValue AttributeValue::B(std::string bytes) {
  AttributeValue v;
  v.value_.emplace<static_cast<size_t>(AttrType::kB)>(std::move(bytes));
  return v;
}

AttributeValue AttributeValue::Bool(bool b) {
  AttributeValue v;
  v.value_.emplace<static_cast<size_t>(AttrType::kBool)>(b);
  return v;
}

AttributeValue AttributeValue::Null() { return AttributeValue(); }

AttributeValue AttributeValue::L(AttributeList list) {
  AttributeValue v;
  v.value_.emplace<static_cast<size_t>(AttrType::kL)>(std::move(list));
  return v;
}

AttributeValue AttributeValue::M(AttributeMap map) {
  AttributeValue v;
  v.value_.emplace<static_cast<size_t>(AttrType::kM)>(std::move(map));
  return v;
}

AttributeValue AttributeValue::SS(std::vector<std::string> members) {
  DDB_CHECK(!members.empty());
  SortUnique(&members);
  AttributeValue v;
  v.value_.emplace<static_cast<size_t>(AttrType::kSS)>(std::move(members));
  return v;
}

AttributeValue AttributeValue::NS(std::vector<Number> members) {
  DDB_CHECK(!members.empty());
  SortUnique(&members);
  AttributeValue v;
  v.value_.emplace<static_cast<size_t>(AttrType::kNS)>(std::move(members));
  return v;
}

AttributeValue AttributeValue::BS(std::vector<std::string> members) {
  DDB_CHECK(!members.empty());
  SortUnique(&members);
  AttributeValue v;
  v.value_.emplace<static_cast<size_t>(AttrType::kBS)>(std::move(members));
  return v;
}

}  // namespace ddb
