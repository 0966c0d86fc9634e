#include "libddb/node/read_common.h"

#include <functional>

#include "libddb/expr/evaluator.h"
#include "libddb/expr/legacy.h"
#include "libddb/expr/parser.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/item_size.h"
#include "libddb/model/limits.h"

namespace ddb::node {

namespace {

void CollectTopNames(const expr::Operand& o, std::vector<std::string>* out) {
  if (o.kind == expr::OperandKind::kPath) out->push_back(o.path.top());
  for (const expr::Operand& a : o.args) CollectTopNames(a, out);
}

void CollectTopNames(const expr::Condition& c, std::vector<std::string>* out) {
  for (const expr::Operand& o : c.operands) CollectTopNames(o, out);
  for (const expr::Condition& child : c.children) CollectTopNames(child, out);
}

}  // namespace

Result<std::string> StartKey(const TableInfo& table, const Item& exclusive_start_key) {
  Result<std::string> key = KeyFromKeyParameter(table, exclusive_start_key);
  if (!key.ok()) return key.status().WithContext("The provided starting key is invalid");
  return key;
}

Status CheckFilterAvoidsKeys(const ReadParams& params, const std::vector<std::string>& key_names,
                             std::string_view what) {
  if (!params.filter.has_value()) return Status::OK();
  std::vector<std::string> names;
  CollectTopNames(*params.filter, &names);
  for (const std::string& n : names) {
    for (const std::string& k : key_names) {
      if (n == k) {
        return Status::Validation(std::string(what) +
                                  " can only contain non-primary key attributes: Primary key attribute: " + k);
      }
    }
  }
  return Status::OK();
}

Result<ReadParams> ReadReadParams(const Request& request, expr::Placeholders* placeholders,
                                  std::string_view legacy_filter) {
  ReadParams p;
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> filter_text, request.OptionalString("FilterExpression"));
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> projection_text,
                       request.OptionalString("ProjectionExpression"));
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> conditional_operator,
                       request.OptionalString("ConditionalOperator"));
  const rapidjson::Value* legacy = request.Member(std::string(legacy_filter).c_str());
  const rapidjson::Value* attributes_to_get = request.Member("AttributesToGet");
  if (filter_text.has_value()) {
    DDB_ASSIGN_OR_RETURN(expr::Condition f, expr::ParseCondition(*filter_text, expr::ExpressionKind::kFilter));
    DDB_RETURN_IF_ERROR(placeholders->ResolveCondition(&f, expr::ExpressionKind::kFilter));
    p.filter = std::move(f);
  } else if (legacy != nullptr) {
    DDB_ASSIGN_OR_RETURN(p.filter, expr::ConditionsFromJson(*legacy, conditional_operator, legacy_filter));
  } else if (conditional_operator.has_value()) {
    return Status::Validation("ConditionalOperator cannot be used without Filter or Expected");
  }
  if (projection_text.has_value()) {
    DDB_ASSIGN_OR_RETURN(expr::ProjectionExpression proj, expr::ParseProjection(*projection_text));
    DDB_RETURN_IF_ERROR(placeholders->ResolveProjection(&proj));
    p.projection = std::move(proj);
  } else if (attributes_to_get != nullptr) {
    DDB_ASSIGN_OR_RETURN(p.projection, expr::AttributesToGetFromJson(*attributes_to_get));
  }
  DDB_RETURN_IF_ERROR(placeholders->CheckAllUsed());

  DDB_ASSIGN_OR_RETURN(std::optional<std::string> select,
                       request.OptionalEnum("Select", "select",
                                            {"ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES",
                                             "SPECIFIC_ATTRIBUTES", "COUNT"}));
  const std::string projection_name = projection_text.has_value() ? "ProjectionExpression" : "AttributesToGet";
  if (select.has_value()) {
    if (*select == "ALL_PROJECTED_ATTRIBUTES") {
      return Status::Validation("One or more parameter values were invalid: ALL_PROJECTED_ATTRIBUTES "
                                "can be used only when Querying using an IndexName");
    }
    if (*select == "SPECIFIC_ATTRIBUTES" && !p.projection.has_value()) {
      return Status::Validation("One or more parameter values were invalid: Must specify the "
                                "AttributesToGet or ProjectionExpression when choosing to get "
                                "SPECIFIC_ATTRIBUTES");
    }
    if (*select != "SPECIFIC_ATTRIBUTES" && p.projection.has_value()) {
      return Status::Validation("One or more parameter values were invalid: Cannot specify the " +
                                projection_name + " when choosing to get " + *select);
    }
    p.count_only = *select == "COUNT";
  }
  if (const rapidjson::Value* l = request.Member("Limit"); l != nullptr) {
    if (!l->IsInt64()) return Status::Serialization("Value can not be converted to an Integer");
    p.limit = l->GetInt64();
    if (p.limit < 1) {
      return ConstraintViolation(std::to_string(p.limit), "limit",
                                 "Member must have value greater than or equal to 1");
    }
  }
  DDB_ASSIGN_OR_RETURN(std::optional<bool> consistent, request.OptionalBool("ConsistentRead"));
  p.consistent = consistent.value_or(false);
  DDB_ASSIGN_OR_RETURN(p.exclusive_start_key, request.OptionalItem("ExclusiveStartKey"));
  DDB_ASSIGN_OR_RETURN(p.capacity, ReadReturnConsumedCapacity(request));
  return p;
}

Result<std::string> RunRead(const Table& table, const ReadParams& params, storage::ItemIterator* it) {
  std::string items;
  int64_t count = 0, scanned = 0;
  size_t bytes = 0;
  std::optional<Item> last_evaluated;
  for (; it->Valid(); it->Next()) {
    DDB_ASSIGN_OR_RETURN(Item item, it->item());
    ++scanned;
    bytes += ItemSize(item);
    const bool stop = (params.limit > 0 && scanned == params.limit) || bytes >= kMaxPageBytes;
    if (!params.filter.has_value() || expr::Evaluate(*params.filter, item)) {
      ++count;
      if (!params.count_only) {
        if (!items.empty()) items += ",";
        AppendDynamoJson(params.projection.has_value() ? expr::Project(item, *params.projection) : item, &items);
      }
    }
    if (stop) {
      it->Next();
      // DynamoDB returns LastEvaluatedKey when a page ends on Limit or size, even if the
      // next page turns out empty; we can do better only when the range is really exhausted.
      if (it->Valid()) last_evaluated = KeyOf(table.info, item);
      break;
    }
  }
  DDB_RETURN_IF_ERROR(it->status());
  std::string out = "{";
  if (!params.count_only) out += "\"Items\":[" + items + "],";
  out += "\"Count\":" + std::to_string(count) + ",\"ScannedCount\":" + std::to_string(scanned);
  if (last_evaluated.has_value()) out += ",\"LastEvaluatedKey\":" + ToDynamoJson(*last_evaluated);
  AppendConsumedCapacity(params.capacity, table.info.name, ReadUnits(bytes, params.consistent), &out);
  return out + "}";
}

}  // namespace ddb::node
