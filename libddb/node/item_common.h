// Pieces shared by the item handlers: key extraction against the schema, condition
// parameters (expression or legacy), ReturnValues / ReturnConsumedCapacity, capacity units.
#pragma once

#include <optional>
#include <string>

#include "libddb/core/result.h"
#include "libddb/expr/ast.h"
#include "libddb/expr/placeholders.h"
#include "libddb/node/catalog.h"
#include "libddb/node/request.h"

namespace ddb::node {

// The storage key of a `Key` parameter (GetItem, DeleteItem, UpdateItem): exactly the key
// attributes with the schema's types, else "The provided key element does not match the
// schema"; then the key-value limits.
Result<std::string> KeyFromKeyParameter(const TableInfo& table, const Item& key);

// The storage key of a full item (PutItem): "Missing the key pk in the item", "Type mismatch
// for key pk expected: S actual: N", then the key-value limits.
Result<std::string> KeyFromItem(const TableInfo& table, const Item& item);

// The item's key attributes only.
Item KeyOf(const TableInfo& table, const Item& item);

// ConditionExpression (with names and values) or the legacy Expected/ConditionalOperator,
// checked for mixing and fully resolved; nullopt when the request has no condition.
// `placeholders` must outlive nothing: the condition holds resolved copies.
struct ConditionParams {
  std::optional<expr::Condition> condition;
};
Result<ConditionParams> ReadCondition(const Request& request, expr::Placeholders* placeholders);

// ExpressionAttributeNames/Values, with "can only be specified when using expressions" when
// the request has none of `expressions` (member names, e.g. {"ConditionExpression"}).
Result<expr::Placeholders> ReadPlaceholders(const Request& request,
                                            std::initializer_list<const char*> expressions,
                                            std::string_view null_list);

enum class CapacityDetail { kNone, kTotal, kIndexes };

// The parameters PutItem and DeleteItem share: ReturnValues (NONE or ALL_OLD only),
// ReturnValuesOnConditionCheckFailure, ReturnConsumedCapacity and the condition, read and
// validated in DynamoDB's order.
struct SingleWriteParams {
  bool return_old = false;
  bool return_old_on_failure = false;
  CapacityDetail capacity = CapacityDetail::kNone;
  std::optional<expr::Condition> condition;
};
Result<SingleWriteParams> ReadSingleWriteParams(const Request& request);

// Evaluates the condition against the stored item (or the empty item): a failure is
// ConditionalCheckFailedException, with the old item in `reply` when asked for.
struct Reply;
Status CheckWriteCondition(const std::optional<expr::Condition>& condition,
                           bool return_old_on_failure, const std::optional<Item>& old, Reply* reply);
inline Status CheckWriteCondition(const SingleWriteParams& params, const std::optional<Item>& old,
                                  Reply* reply) {
  return CheckWriteCondition(params.condition, params.return_old_on_failure, old, reply);
}

// {"Attributes":old} when asked for and present, plus the consumed capacity.
std::string SingleWriteResponse(const SingleWriteParams& params, const std::optional<Item>& old,
                                const std::string& table, double units);
Result<CapacityDetail> ReadReturnConsumedCapacity(const Request& request);

// Capacity units as DynamoDB counts them: writes 1 per KB (rounded up, at least 1), reads
// 1 per 4 KB for strongly consistent reads and half that otherwise.
double WriteUnits(size_t item_bytes);
double ReadUnits(size_t item_bytes, bool consistent);

// Appends ,"ConsumedCapacity":{...} for `units` on `table` (nothing for kNone).
void AppendConsumedCapacity(CapacityDetail detail, const std::string& table, double units,
                            std::string* out);

}  // namespace ddb::node
