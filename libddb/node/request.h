// Reading a DynamoDB JSON request body, with DynamoDB's messages for missing and malformed
// members, and writing JSON responses.
//
// Thread-safety: a Request is used by one handler at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "libddb/core/result.h"
#include "libddb/model/attribute_value.h"

namespace ddb::node {

class Request {
 public:
  // Parses the body; malformed JSON is a SerializationException.
  static Result<Request> Parse(std::string_view body);

  // The member, or null when absent or JSON null.
  const rapidjson::Value* Member(const char* name) const;

  // "1 validation error detected: Value null at 'tableName' failed to satisfy constraint:
  // Member must not be null" when absent; then the table-name rules.
  Result<std::string> TableName() const;

  // A string member (nullopt when absent); a non-string is a SerializationException.
  Result<std::optional<std::string>> OptionalString(const char* name) const;
  // A string member that must be one of `allowed`; `field` as DynamoDB names it
  // ("returnValues").
  Result<std::optional<std::string>> OptionalEnum(const char* name, std::string_view field,
                                                  std::initializer_list<std::string_view> allowed) const;
  Result<std::optional<bool>> OptionalBool(const char* name) const;

  // An item-shaped member (Item, Key, ExclusiveStartKey), validated as DynamoDB JSON.
  Result<std::optional<Item>> OptionalItem(const char* name) const;

 private:
  Request() = default;
  std::unique_ptr<rapidjson::Document> doc_;
};

// "Value null at 'field' failed to satisfy constraint: Member must not be null".
Status MissingMember(std::string_view field);

}  // namespace ddb::node
