// The plain JSON codec: {"pk":"a","n":1.50,"l":[1,2],"m":{}}, the --plain form of the
// ddb-* commands.
//
// Mapping (JSON -> DynamoDB): string -> S, number -> N (kept exact: the digits are read as
// text and never pass through a double, so 1.50 and 12345678901234567890123456789 survive),
// true/false -> BOOL, null -> NULL, array -> L, object -> M.
//
// Mapping (DynamoDB -> JSON): the same, and for the types plain JSON cannot tell apart:
// B -> base64 string, SS -> array of strings, NS -> array of numbers, BS -> array of base64
// strings. Plain JSON is therefore lossy for binaries and sets (they read back as S and L);
// use DynamoDB JSON (the default) to round-trip them. docs/data-model.md has the full table.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "libddb/core/result.h"
#include "libddb/model/attribute_value.h"

namespace ddb {

// Parses a JSON object as an item. Numbers are validated as DynamoDB numbers; nesting deeper
// than kMaxNestingDepth is rejected.
Result<Item> ParsePlainJsonItem(std::string_view text);
// Parses any JSON value.
Result<AttributeValue> ParsePlainJsonValue(std::string_view text);

void AppendPlainJson(const AttributeValue& value, std::string* out);
void AppendPlainJson(const Item& item, std::string* out);
std::string ToPlainJson(const AttributeValue& value);
std::string ToPlainJson(const Item& item);

}  // namespace ddb
