// What Query and Scan share: filter and projection parameters (expression or legacy), Select,
// Limit, ExclusiveStartKey, and the read loop with DynamoDB's paging (Limit counts items read
// before the filter; a page stops after 1 MB of items; LastEvaluatedKey marks where the next
// page starts).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "libddb/core/result.h"
#include "libddb/expr/ast.h"
#include "libddb/expr/placeholders.h"
#include "libddb/node/item_common.h"
#include "libddb/node/node.h"

namespace ddb::node {

inline constexpr size_t kMaxPageBytes = 1 << 20;

struct ReadParams {
  std::optional<expr::Condition> filter;
  std::optional<expr::ProjectionExpression> projection;
  bool count_only = false;
  int64_t limit = 0;  // 0: none
  std::optional<Item> exclusive_start_key;
  bool consistent = false;
  CapacityDetail capacity = CapacityDetail::kNone;
};

// Reads FilterExpression/`legacy_filter` (QueryFilter or ScanFilter) with ConditionalOperator,
// ProjectionExpression/AttributesToGet, Select, Limit, ConsistentRead, ExclusiveStartKey and
// ReturnConsumedCapacity. Needs no table: DynamoDB reports these errors before a missing table.
Result<ReadParams> ReadReadParams(const Request& request, expr::Placeholders* placeholders,
                                  std::string_view legacy_filter);

// A Query's filter may not name key attributes: "Filter Expression can only contain
// non-primary key attributes: Primary key attribute: pk" (`what`: "Filter Expression" or
// "QueryFilter").
Status CheckFilterAvoidsKeys(const ReadParams& params, const std::vector<std::string>& key_names,
                             std::string_view what);

// Reads items from `it` (already positioned on the range), applying Limit, the 1 MB page,
// the filter and the projection, and returns the response body.
Result<std::string> RunRead(const Table& table, const ReadParams& params,
                            storage::ItemIterator* it);

// The storage key of ExclusiveStartKey ("The provided starting key is invalid: ...").
Result<std::string> StartKey(const TableInfo& table, const Item& exclusive_start_key);

}  // namespace ddb::node
