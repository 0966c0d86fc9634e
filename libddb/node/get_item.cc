// GetItem.
#include "libddb/expr/evaluator.h"
#include "libddb/expr/legacy.h"
#include "libddb/expr/parser.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/item_size.h"
#include "libddb/node/handlers.h"
#include "libddb/node/item_common.h"

namespace ddb::node {

Result<std::string> GetItem(Node& node, const Request& request, Reply*) {
  DDB_ASSIGN_OR_RETURN(std::string table_name, request.TableName());
  DDB_ASSIGN_OR_RETURN(std::optional<Item> key_item, request.OptionalItem("Key"));
  if (!key_item.has_value()) return MissingMember("key");
  DDB_ASSIGN_OR_RETURN(std::optional<bool> consistent, request.OptionalBool("ConsistentRead"));
  DDB_ASSIGN_OR_RETURN(CapacityDetail capacity, ReadReturnConsumedCapacity(request));
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> projection_text,
                       request.OptionalString("ProjectionExpression"));
  const rapidjson::Value* attributes_to_get = request.Member("AttributesToGet");
  std::vector<std::string> legacy, expression;
  if (attributes_to_get != nullptr) legacy.push_back("AttributesToGet");
  if (projection_text.has_value()) expression.push_back("ProjectionExpression");
  DDB_RETURN_IF_ERROR(expr::CheckNotMixed(legacy, expression));
  if (request.Member("ExpressionAttributeValues") != nullptr) {
    return Status::Validation("ExpressionAttributeValues can only be specified when using "
                              "expressions: ConditionExpression is null");
  }
  DDB_ASSIGN_OR_RETURN(expr::Placeholders placeholders,
                       ReadPlaceholders(request, {"ProjectionExpression"}, ""));
  std::optional<expr::ProjectionExpression> projection;
  if (projection_text.has_value()) {
    DDB_ASSIGN_OR_RETURN(expr::ProjectionExpression p, expr::ParseProjection(*projection_text));
    DDB_RETURN_IF_ERROR(placeholders.ResolveProjection(&p));
    projection = std::move(p);
  } else if (attributes_to_get != nullptr) {
    DDB_ASSIGN_OR_RETURN(projection, expr::AttributesToGetFromJson(*attributes_to_get));
  }
  DDB_RETURN_IF_ERROR(placeholders.CheckAllUsed());

  DDB_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, node.FindTableForRead(table_name, consistent.value_or(false)));
  DDB_ASSIGN_OR_RETURN(std::string key, KeyFromKeyParameter(table->info, *key_item));
  DDB_ASSIGN_OR_RETURN(std::optional<Item> item, table->store->Get(key));
  std::string out = "{";
  size_t size = 0;
  if (item.has_value()) {
    size = ItemSize(*item);
    out += "\"Item\":" + ToDynamoJson(projection.has_value() ? expr::Project(*item, *projection) : *item);
  }
  std::string capacity_json;
  AppendConsumedCapacity(capacity, table_name, ReadUnits(size, consistent.value_or(false)), &capacity_json);
  if (out.size() == 1 && !capacity_json.empty()) capacity_json.erase(0, 1);
  return out + capacity_json + "}";
}

}  // namespace ddb::node
