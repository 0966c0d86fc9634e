// The DynamoDB JSON codec: {"pk":{"S":"a"},"n":{"N":"1.5"}}, the form of items on the wire
// (gateway requests) and the default form of items in and out of the ddb-* commands.
//
// Parsing validates exactly what DynamoDB validates when it deserializes a request, with
// DynamoDB's error names and messages: exactly one type per value, JSON types inside each
// descriptor, sets non-empty and without duplicates, base64 binaries, valid numbers, at most
// 32 levels of nesting. It does not check key or item-size rules, which depend on the table
// (see limits.h and item_size.h).
//
// Printing is canonical: attributes in name order, numbers in DynamoDB's canonical form,
// sets sorted, no whitespace.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "libddb/core/result.h"
#include "libddb/model/attribute_value.h"

namespace ddb {

// Deepest nesting of L and M values DynamoDB accepts: a top-level attribute value may hold
// containers 32 levels deep.
inline constexpr int kMaxNestingDepth = 32;
inline constexpr std::string_view kNestingTooDeepMessage =
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
    "beyond supported limit";

// Converts a parsed JSON value (an AttributeValue descriptor object) into a value.
Result<AttributeValue> AttributeValueFromDynamoJson(const rapidjson::Value& json);
// Converts a parsed JSON object of attribute name -> descriptor into an item.
Result<Item> ItemFromDynamoJson(const rapidjson::Value& json);

// Parses a complete JSON text. Malformed JSON is a SerializationException naming the byte
// offset of the problem.
Result<AttributeValue> ParseDynamoJsonValue(std::string_view text);
Result<Item> ParseDynamoJsonItem(std::string_view text);

void AppendDynamoJson(const AttributeValue& value, std::string* out);
void AppendDynamoJson(const Item& item, std::string* out);
std::string ToDynamoJson(const AttributeValue& value);
std::string ToDynamoJson(const Item& item);

// Parses `text` with RapidJSON (validating UTF-8, iteratively so deep input cannot exhaust the
// stack) into `doc`. Shared by the codecs and, later, request parsing.
Status ParseJsonDocument(std::string_view text, rapidjson::Document* doc);

}  // namespace ddb
