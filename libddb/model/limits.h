// DynamoDB's limits on names, keys and items, with DynamoDB's error messages.
//
// These are the checks that do not need a table's schema beyond knowing which attributes are
// keys; the item operations call them before touching storage.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

#include "libddb/core/status.h"
#include "libddb/model/attribute_value.h"

namespace ddb {

inline constexpr size_t kMinTableNameLength = 3;
inline constexpr size_t kMaxTableNameLength = 255;
inline constexpr size_t kMaxPartitionKeyBytes = 2048;
inline constexpr size_t kMaxSortKeyBytes = 1024;
inline constexpr size_t kMaxAttributeNameBytes = 65535;
inline constexpr size_t kMaxKeyAttributeNameBytes = 255;

// Table names (and index names): 3..255 characters of [a-zA-Z0-9_.-]. `field` is the request
// member the name came from, as DynamoDB reports it: "tableName",
// "globalSecondaryIndexes.1.member.indexName", ...
Status ValidateTableName(std::string_view name, std::string_view field = "tableName");

// A top-level attribute name of an item: 1..65535 bytes.
Status ValidateAttributeName(std::string_view name);

// A key attribute's name in a key schema or index: 1..255 bytes. `field` as above.
Status ValidateKeyAttributeName(std::string_view name, std::string_view field);

// A value of a table key attribute named `name`: not an empty string or binary, at most 2048
// bytes for a partition key and 1024 for a sort key (numbers are not length-limited beyond
// their own 38 digits). REQUIRES: value is S, N or B.
Status ValidateKeyValue(std::string_view name, const AttributeValue& value, bool partition_key);

enum class SizeCheck { kPut, kUpdate };
// Every top-level attribute name, and the item's size against 400 KB. DynamoDB words the size
// error differently for puts and updates.
Status ValidateItem(const Item& item, SizeCheck check = SizeCheck::kPut);

// "1 validation error detected: Value 'x' at 'field' failed to satisfy constraint: <c>": the
// format of DynamoDB's request-shape errors. Values longer than 256 bytes are not elided:
// DynamoDB quotes them whole.
Status ConstraintViolation(std::string_view value, std::string_view field,
                           std::string_view constraint);

}  // namespace ddb
