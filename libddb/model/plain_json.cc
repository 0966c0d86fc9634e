#include "libddb/model/plain_json.h"

#include <optional>
#include <vector>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "libddb/model/dynamo_json.h"
#include "libddb/model/json_writer.h"

namespace ddb {

namespace {

// Builds AttributeValues straight from RapidJSON's SAX events. Numbers arrive as raw text
// (kParseNumbersAsStringsFlag), which is what keeps them exact.
class PlainHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, PlainHandler> {
 public:
  // `item_root`: the root must be an object, whose members are top-level attributes (the
  // root object itself is not a nesting level).
  explicit PlainHandler(bool item_root) : item_root_(item_root) {}

  bool Null() { return Put(AttributeValue::Null()); }
  bool Bool(bool b) { return Put(AttributeValue::Bool(b)); }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool /*copy*/) {
    Result<Number> n = Number::Parse(std::string_view(str, length));
    if (!n.ok()) return Fail(n.status());
    return Put(AttributeValue::N(*n));
  }
  bool String(const char* str, rapidjson::SizeType length, bool /*copy*/) {
    return Put(AttributeValue::S(std::string(str, length)));
  }
  bool StartObject() { return Open(/*is_map=*/true); }
  bool Key(const char* str, rapidjson::SizeType length, bool /*copy*/) {
    stack_.back().key.assign(str, length);
    return true;
  }
  bool EndObject(rapidjson::SizeType /*count*/) { return Close(); }
  bool StartArray() { return Open(/*is_map=*/false); }
  bool EndArray(rapidjson::SizeType /*count*/) { return Close(); }

  const Status& status() const { return status_; }
  std::optional<AttributeValue>& root() { return root_; }

 private:
  struct Frame {
    bool is_map;
    AttributeList list;
    AttributeMap map;
    std::string key;
  };

  bool Fail(Status s) {
    status_ = std::move(s);
    return false;
  }

  bool Open(bool is_map) {
    if (stack_.empty() && item_root_ && !is_map) {
      return Fail(Status::Serialization("Expected a JSON object for an item, found an array"));
    }
    int depth = static_cast<int>(stack_.size()) - (item_root_ ? 1 : 0);
    if (depth >= kMaxNestingDepth) {
      return Fail(Status::Validation(std::string(kNestingTooDeepMessage)));
    }
    stack_.push_back(Frame{is_map, {}, {}, {}});
    return true;
  }

  bool Close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    return Put(frame.is_map ? AttributeValue::M(std::move(frame.map))
                            : AttributeValue::L(std::move(frame.list)));
  }

  bool Put(AttributeValue v) {
    if (stack_.empty()) {
      if (item_root_ && v.type() != AttrType::kM) {
        return Fail(Status::Serialization("Expected a JSON object for an item"));
      }
      root_ = std::move(v);
      return true;
    }
    Frame& top = stack_.back();
    if (top.is_map) {
      top.map.insert_or_assign(std::move(top.key), std::move(v));
      top.key.clear();
    } else {
      top.list.push_back(std::move(v));
    }
    return true;
  }

  const bool item_root_;
  std::vector<Frame> stack_;
  std::optional<AttributeValue> root_;
  Status status_;
};

Result<AttributeValue> Parse(std::string_view text, bool item_root) {
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseIterativeFlag;
  PlainHandler handler(item_root);
  rapidjson::Reader reader;
  rapidjson::MemoryStream ms(text.data(), text.size());
  rapidjson::ParseResult ok = reader.Parse<kFlags>(ms, handler);
  if (!handler.status().ok()) return handler.status();
  if (ok.Code() == rapidjson::kParseErrorNumberTooBig) {
    // RapidJSON still bounds raw numbers by a double's range (about 1E308); anything that
    // large is far outside DynamoDB's range too.
    return Status::Validation(std::string(number_errors::kOverflow));
  }
  if (!ok) {
    return Status::Serialization("Invalid JSON at offset " + std::to_string(ok.Offset()) + ": " +
                                 rapidjson::GetParseError_En(ok.Code()));
  }
  return std::move(*handler.root());
}

}  // namespace

Result<Item> ParsePlainJsonItem(std::string_view text) {
  DDB_ASSIGN_OR_RETURN(AttributeValue root, Parse(text, /*item_root=*/true));
  return std::move(root.mutable_m());
}

Result<AttributeValue> ParsePlainJsonValue(std::string_view text) {
  return Parse(text, /*item_root=*/false);
}

void AppendPlainJson(const AttributeValue& value, std::string* out) {
  const auto number = [](const Number& n, std::string* o) { n.AppendTo(o); };
  const auto string = [](const std::string& str, std::string* o) { json::AppendString(str, o); };
  const auto binary = [](const std::string& b, std::string* o) { json::AppendBase64String(b, o); };
  const auto nested = [](const AttributeValue& v, std::string* o) { AppendPlainJson(v, o); };
  switch (value.type()) {
    case AttrType::kS: string(value.s(), out); break;
    case AttrType::kN: number(value.n(), out); break;
    case AttrType::kB: binary(value.b(), out); break;
    case AttrType::kBool: out->append(value.boolean() ? "true" : "false"); break;
    case AttrType::kNull: out->append("null"); break;
    case AttrType::kL: json::AppendArray(value.l(), out, nested); break;
    case AttrType::kM: json::AppendObject(value.m(), out, nested); break;
    case AttrType::kSS: json::AppendArray(value.ss(), out, string); break;
    case AttrType::kNS: json::AppendArray(value.ns(), out, number); break;
    case AttrType::kBS: json::AppendArray(value.bs(), out, binary); break;
  }
}

void AppendPlainJson(const Item& item, std::string* out) {
  json::AppendObject(item, out, [](const AttributeValue& v, std::string* o) {
    AppendPlainJson(v, o);
  });
}

std::string ToPlainJson(const AttributeValue& value) {
  std::string out;
  AppendPlainJson(value, &out);
  return out;
}

std::string ToPlainJson(const Item& item) {
  std::string out;
  AppendPlainJson(item, &out);
  return out;
}

}  // namespace ddb
