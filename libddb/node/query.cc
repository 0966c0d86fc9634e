// Query: one partition key's items, in sort-key order or reverse.
#include "libddb/expr/key_condition.h"
#include "libddb/expr/legacy.h"
#include "libddb/expr/parser.h"
#include "libddb/model/key_codec.h"
#include "libddb/node/handlers.h"
#include "libddb/node/read_common.h"

namespace ddb::node {

namespace {

// The [start, end) range of item keys a key condition selects.
void KeyRange(const expr::KeyCondition& kc, std::string* start, std::string* end) {
  const std::string prefix = EncodePartitionPrefix(kc.partition_value);
  *start = prefix;
  *end = PrefixSuccessor(prefix);
  if (!kc.sort.has_value()) return;
  const expr::SortKeyCondition& s = *kc.sort;
  auto at = [&](const AttributeValue& v) {
    std::string k = prefix;
    AppendKeyValue(v, &k);
    return k;
  };
  switch (s.op) {
    case expr::SortKeyOp::kEq: *start = at(s.value); *end = PrefixSuccessor(*start); break;
    case expr::SortKeyOp::kLt: *end = at(s.value); break;
    case expr::SortKeyOp::kLe: *end = PrefixSuccessor(at(s.value)); break;
    case expr::SortKeyOp::kGt: *start = PrefixSuccessor(at(s.value)); break;
    case expr::SortKeyOp::kGe: *start = at(s.value); break;
    case expr::SortKeyOp::kBetween:
      *start = at(s.value);
      *end = PrefixSuccessor(at(s.upper));
      break;
    case expr::SortKeyOp::kBeginsWith:
      *start = prefix;
      AppendKeyValuePrefix(s.value, start);
      *end = PrefixSuccessor(*start);
      break;
  }
}

}  // namespace

Result<std::string> Query(Node& node, const Request& request, Reply*) {
  DDB_ASSIGN_OR_RETURN(std::string table_name, request.TableName());
  if (request.Member("IndexName") != nullptr) {
    return Status::Validation("ddb does not support secondary indexes yet: IndexName is not accepted");
  }
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> kce_text, request.OptionalString("KeyConditionExpression"));
  const rapidjson::Value* key_conditions = request.Member("KeyConditions");
  {
    std::vector<std::string> legacy, expression;
    for (const char* p : {"AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"}) {
      if (request.Member(p) != nullptr) legacy.push_back(p);
    }
    for (const char* p : {"ProjectionExpression", "FilterExpression", "KeyConditionExpression"}) {
      if (request.Member(p) != nullptr) expression.push_back(p);
    }
    DDB_RETURN_IF_ERROR(expr::CheckNotMixed(legacy, expression));
  }
  if (!kce_text.has_value() && key_conditions == nullptr) {
    return Status::Validation("Either the KeyConditions or KeyConditionExpression parameter must be "
                              "specified in the request.");
  }
  DDB_ASSIGN_OR_RETURN(expr::Placeholders placeholders,
                       ReadPlaceholders(request, {"KeyConditionExpression", "FilterExpression", "ProjectionExpression"},
                                        "FilterExpression and KeyConditionExpression are null"));
  std::optional<expr::Condition> kce;
  if (kce_text.has_value()) {
    DDB_ASSIGN_OR_RETURN(expr::Condition c, expr::ParseCondition(*kce_text, expr::ExpressionKind::kKeyCondition));
    DDB_RETURN_IF_ERROR(expr::CheckKeyConditionOperators(c));
    DDB_RETURN_IF_ERROR(placeholders.ResolveCondition(&c, expr::ExpressionKind::kKeyCondition));
    kce = std::move(c);
  }
  DDB_ASSIGN_OR_RETURN(ReadParams params, ReadReadParams(request, &placeholders, "QueryFilter"));
  DDB_ASSIGN_OR_RETURN(std::optional<bool> forward, request.OptionalBool("ScanIndexForward"));
  DDB_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, node.FindTableForRead(table_name, params.consistent));
  DDB_RETURN_IF_ERROR(CheckFilterAvoidsKeys(params, table->info.KeyNames(),
                                            request.Member("FilterExpression") != nullptr ? "Filter Expression"
                                                                                          : "QueryFilter"));

  expr::KeyCondition kc;
  if (kce.has_value()) {
    DDB_ASSIGN_OR_RETURN(kc, expr::ExtractKeyCondition(*kce, table->info.key));
  } else {
    DDB_ASSIGN_OR_RETURN(kc, expr::KeyConditionsFromJson(*key_conditions, table->info.key));
  }
  std::string start, end;
  KeyRange(kc, &start, &end);
  const bool reverse = !forward.value_or(true);
  if (params.exclusive_start_key.has_value()) {
    DDB_ASSIGN_OR_RETURN(std::string after, StartKey(table->info, *params.exclusive_start_key));
    if (reverse) {
      end = std::min(end.empty() ? after : end, after);
    } else {
      start = std::max(start, after + std::string(1, '\0'));  // the first key after it
    }
  }
  auto it = table->store->NewIterator(start, end, reverse);
  return RunRead(*table, params, it.get());
}

}  // namespace ddb::node
