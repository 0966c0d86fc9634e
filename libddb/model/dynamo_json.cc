#include "libddb/model/dynamo_json.h"

#include <rapidjson/error/en.h>

#include "libddb/model/base64.h"
#include "libddb/model/json_writer.h"

namespace ddb {

namespace {

// DynamoDB's wording for malformed AttributeValues.
constexpr std::string_view kEmptyValue =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
constexpr std::string_view kTooManyTypes =
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
    "supported datatypes";
constexpr std::string_view kNestingTooDeep = kNestingTooDeepMessage;
constexpr std::string_view kInvalidParameter = "One or more parameter values were invalid: ";

Status Serialization(std::string msg) { return Status::Serialization(std::move(msg)); }

std::string_view JsonTypeName(const rapidjson::Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "boolean";
    case rapidjson::kObjectType: return "object";
    case rapidjson::kArrayType: return "array";
    case rapidjson::kStringType: return "string";
    case rapidjson::kNumberType: return "number";
  }
  return "value";
}

// The SerializationException DynamoDB's deserializer raises when a descriptor holds the wrong
// JSON type: `expected` is what the descriptor holds ("String", "list", "map", ...).
Status WrongJsonType(std::string_view expected, const rapidjson::Value& got) {
  if (got.IsArray()) return Serialization("Start of list found where not expected");
  if (got.IsObject()) return Serialization("Start of structure or map found where not expected.");
  if (expected == "list" || expected == "map") {
    return Serialization("Expected " + std::string(expected) + " or null");
  }
  std::string_view token = got.IsNumber() ? "NUMBER_VALUE"
                           : got.IsTrue()  ? "TRUE_VALUE"
                           : got.IsFalse() ? "FALSE_VALUE"
                                           : "VALUE_STRING";
  // DynamoDB's grammar: "a String", "a Blob", but "an Boolean".
  return Serialization(std::string(token) + " can not be converted to " +
                       (expected == "Boolean" ? "an " : "a ") + std::string(expected));
}

std::string_view StringOf(const rapidjson::Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

Result<std::string> DecodeBinary(const rapidjson::Value& v) {
  if (!v.IsString()) return WrongJsonType("Blob", v);
  std::string bytes, error;
  if (!base64::Decode(StringOf(v), &bytes, &error)) {
    return Serialization("'" + std::string(StringOf(v).substr(0, 256)) +
                         "' can not be converted to a Blob: " + error);
  }
  return bytes;
}

// DynamoDB's wording, double space included.
Status EmptySet(AttrType type) {
  if (type == AttrType::kBS) {
    return Status::Validation(std::string(kInvalidParameter) + "Binary sets should not be empty");
  }
  return Status::Validation(std::string(kInvalidParameter) + "An " +
                            (type == AttrType::kSS ? "string" : "number") +
                            " set  may not be empty");
}

// "Input collection [a, b, a] contains duplicates." The members are shown as the client sent
// them (binaries in base64, and for BS DynamoDB's "]of type BS", sic).
Status Duplicates(AttrType type, const rapidjson::Value& array) {
  std::string list;
  for (rapidjson::SizeType i = 0; i < array.Size(); ++i) {
    if (i > 0) list += ", ";
    if (array[i].IsString()) list += StringOf(array[i]);
  }
  return Status::Validation(std::string(kInvalidParameter) + "Input collection [" + list + "]" +
                            (type == AttrType::kBS ? "of type BS" : "") + " contains duplicates.");
}

// The deserializer reads a boolean from true/false or from the strings true, false, 1, 0,
// yes, no in any case, as DynamoDB's does.
bool ReadBoolean(const rapidjson::Value& v, bool* out) {
  if (v.IsBool()) {
    *out = v.GetBool();
    return true;
  }
  if (!v.IsString()) return false;
  std::string lower(StringOf(v));
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "true" || lower == "1" || lower == "yes") {
    *out = true;
    return true;
  }
  if (lower == "false" || lower == "0" || lower == "no") {
    *out = false;
    return true;
  }
  return false;
}

Status NotABoolean(const rapidjson::Value& v) {
  if (v.IsString()) {
    std::string upper(StringOf(v).substr(0, 256));
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    return Serialization("'" + upper + "' can not be converted to an Boolean");
  }
  return WrongJsonType("Boolean", v);
}

Result<AttributeValue> FromJson(const rapidjson::Value& json, int depth);

Result<AttributeMap> MapFromJson(const rapidjson::Value& json, int depth) {
  AttributeMap map;
  for (auto it = json.MemberBegin(); it != json.MemberEnd(); ++it) {
    DDB_ASSIGN_OR_RETURN(AttributeValue v, FromJson(it->value, depth));
    map.insert_or_assign(std::string(StringOf(it->name)), std::move(v));
  }
  return map;
}

Result<AttributeValue> FromDescriptor(AttrType type, const rapidjson::Value& v, int depth) {
  switch (type) {
    case AttrType::kS:
      if (!v.IsString()) return WrongJsonType("String", v);
      return AttributeValue::S(std::string(StringOf(v)));
    case AttrType::kN: {
      if (!v.IsString()) return WrongJsonType("String", v);
      DDB_ASSIGN_OR_RETURN(Number n, Number::Parse(StringOf(v)));
      return AttributeValue::N(n);
    }
    case AttrType::kB: {
      DDB_ASSIGN_OR_RETURN(std::string bytes, DecodeBinary(v));
      return AttributeValue::B(std::move(bytes));
    }
    case AttrType::kBool: {
      bool b;
      if (!ReadBoolean(v, &b)) return NotABoolean(v);
      return AttributeValue::Bool(b);
    }
    case AttrType::kNull: {
      // DynamoDB once rejected {"NULL": false}; today it stores it as {"NULL": true}.
      bool b;
      if (!ReadBoolean(v, &b)) return NotABoolean(v);
      return AttributeValue::Null();
    }
    case AttrType::kL: {
      if (!v.IsArray()) return WrongJsonType("list", v);
      if (depth >= kMaxNestingDepth) return Status::Validation(std::string(kNestingTooDeep));
      AttributeList list;
      list.reserve(v.Size());
      for (const auto& element : v.GetArray()) {
        DDB_ASSIGN_OR_RETURN(AttributeValue e, FromJson(element, depth + 1));
        list.push_back(std::move(e));
      }
      return AttributeValue::L(std::move(list));
    }
    case AttrType::kM: {
      if (!v.IsObject()) return WrongJsonType("map", v);
      if (depth >= kMaxNestingDepth) return Status::Validation(std::string(kNestingTooDeep));
      DDB_ASSIGN_OR_RETURN(AttributeMap map, MapFromJson(v, depth + 1));
      return AttributeValue::M(std::move(map));
    }
    case AttrType::kSS:
    case AttrType::kBS: {
      if (!v.IsArray()) return WrongJsonType("list", v);
      if (v.Empty()) return EmptySet(type);
      std::vector<std::string> members;
      members.reserve(v.Size());
      for (const auto& element : v.GetArray()) {
        if (type == AttrType::kSS) {
          if (!element.IsString()) return WrongJsonType("String", element);
          members.emplace_back(StringOf(element));
        } else {
          DDB_ASSIGN_OR_RETURN(std::string bytes, DecodeBinary(element));
          members.push_back(std::move(bytes));
        }
      }
      size_t sent = members.size();
      AttributeValue set = type == AttrType::kSS ? AttributeValue::SS(std::move(members))
                                                 : AttributeValue::BS(std::move(members));
      size_t kept = type == AttrType::kSS ? set.ss().size() : set.bs().size();
      if (kept != sent) return Duplicates(type, v);
      return set;
    }
    case AttrType::kNS: {
      if (!v.IsArray()) return WrongJsonType("list", v);
      if (v.Empty()) return EmptySet(type);
      std::vector<Number> members;
      members.reserve(v.Size());
      for (const auto& element : v.GetArray()) {
        if (!element.IsString()) return WrongJsonType("String", element);
        DDB_ASSIGN_OR_RETURN(Number n, Number::Parse(StringOf(element)));
        members.push_back(n);
      }
      size_t sent = members.size();
      AttributeValue set = AttributeValue::NS(std::move(members));
      if (set.ns().size() != sent) return Duplicates(type, v);
      return set;
    }
  }
  return Status::Internal("unreachable attribute type");
}

// `depth` is the number of L/M containers around `json`.
Result<AttributeValue> FromJson(const rapidjson::Value& json, int depth) {
  if (json.IsArray()) return Serialization("Start of list found where not expected");
  if (!json.IsObject()) return Serialization("Expected null");
  // Unknown members are ignored, as DynamoDB's deserializer does, and so is a descriptor set
  // to null; a value left with none of the ten descriptors is "empty". Each descriptor is
  // validated in document order before the "more than one" check, as DynamoDB does.
  int present = 0;
  Result<AttributeValue> result = Status::Validation(std::string(kEmptyValue));
  for (auto it = json.MemberBegin(); it != json.MemberEnd(); ++it) {
    AttrType t;
    if (!AttrTypeFromName(StringOf(it->name), &t) || it->value.IsNull()) continue;
    result = FromDescriptor(t, it->value, depth);
    if (!result.ok()) return result;
    ++present;
  }
  if (present > 1) return Status::Validation(std::string(kTooManyTypes));
  return result;
}

}  // namespace

Status ParseJsonDocument(std::string_view text, rapidjson::Document* doc) {
  constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;
  doc->Parse<kFlags>(text.data(), text.size());
  if (doc->HasParseError()) {
    return Serialization(std::string("Invalid JSON at offset ") +
                         std::to_string(doc->GetErrorOffset()) + ": " +
                         rapidjson::GetParseError_En(doc->GetParseError()));
  }
  return Status::OK();
}

Result<AttributeValue> AttributeValueFromDynamoJson(const rapidjson::Value& json) {
  return FromJson(json, 0);
}

Result<Item> ItemFromDynamoJson(const rapidjson::Value& json) {
  if (!json.IsObject()) {
    return Serialization("Unexpected JSON " + std::string(JsonTypeName(json)) +
                         " where an item (an object of attribute names) was expected");
  }
  return MapFromJson(json, 0);
}

Result<AttributeValue> ParseDynamoJsonValue(std::string_view text) {
  rapidjson::Document doc;
  DDB_RETURN_IF_ERROR(ParseJsonDocument(text, &doc));
  return AttributeValueFromDynamoJson(doc);
}

Result<Item> ParseDynamoJsonItem(std::string_view text) {
  rapidjson::Document doc;
  DDB_RETURN_IF_ERROR(ParseJsonDocument(text, &doc));
  return ItemFromDynamoJson(doc);
}

void AppendDynamoJson(const AttributeValue& value, std::string* out) {
  const auto quoted_number = [](const Number& n, std::string* o) {
    o->push_back('"');
    n.AppendTo(o);
    o->push_back('"');
  };
  const auto string = [](const std::string& str, std::string* o) { json::AppendString(str, o); };
  const auto binary = [](const std::string& b, std::string* o) { json::AppendBase64String(b, o); };
  const auto nested = [](const AttributeValue& v, std::string* o) { AppendDynamoJson(v, o); };
  out->append("{\"");
  out->append(AttrTypeName(value.type()));
  out->append("\":");
  switch (value.type()) {
    case AttrType::kS: string(value.s(), out); break;
    case AttrType::kN: quoted_number(value.n(), out); break;
    case AttrType::kB: binary(value.b(), out); break;
    case AttrType::kBool: out->append(value.boolean() ? "true" : "false"); break;
    case AttrType::kNull: out->append("true"); break;
    case AttrType::kL: json::AppendArray(value.l(), out, nested); break;
    case AttrType::kM: json::AppendObject(value.m(), out, nested); break;
    case AttrType::kSS: json::AppendArray(value.ss(), out, string); break;
    case AttrType::kNS: json::AppendArray(value.ns(), out, quoted_number); break;
    case AttrType::kBS: json::AppendArray(value.bs(), out, binary); break;
  }
  out->push_back('}');
}

void AppendDynamoJson(const Item& item, std::string* out) {
  json::AppendObject(item, out, [](const AttributeValue& v, std::string* o) {
    AppendDynamoJson(v, o);
  });
}

std::string ToDynamoJson(const AttributeValue& value) {
  std::string out;
  AppendDynamoJson(value, &out);
  return out;
}

std::string ToDynamoJson(const Item& item) {
  std::string out;
  AppendDynamoJson(item, &out);
  return out;
}

}  // namespace ddb
