// UpdateItem.
#include "libddb/expr/evaluator.h"
#include "libddb/expr/legacy.h"
#include "libddb/expr/parser.h"
#include "libddb/expr/update.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/item_size.h"
#include "libddb/model/limits.h"
#include "libddb/node/handlers.h"
#include "libddb/node/item_common.h"

namespace ddb::node {

namespace {

// True if the update writes something (SET or ADD): an update of only REMOVE/DELETE actions
// on a missing item leaves it missing.
bool Creates(const expr::UpdateExpression& update) {
  for (const expr::UpdateAction& a : update.actions) {
    if (a.kind == expr::UpdateActionKind::kSet || a.kind == expr::UpdateActionKind::kAdd) return true;
  }
  return false;
}

}  // namespace

Result<std::string> UpdateItem(Node& node, const Request& request, Reply* reply) {
  DDB_ASSIGN_OR_RETURN(std::string table_name, request.TableName());
  DDB_ASSIGN_OR_RETURN(std::optional<Item> key_item, request.OptionalItem("Key"));
  if (!key_item.has_value()) return MissingMember("key");
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> return_values,
                       request.OptionalEnum("ReturnValues", "returnValues",
                                            {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}));
  const std::string rv = return_values.value_or("NONE");
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> on_failure,
                       request.OptionalEnum("ReturnValuesOnConditionCheckFailure",
                                            "returnValuesOnConditionCheckFailure", {"ALL_OLD", "NONE"}));
  DDB_ASSIGN_OR_RETURN(CapacityDetail capacity, ReadReturnConsumedCapacity(request));

  DDB_ASSIGN_OR_RETURN(std::optional<std::string> update_text, request.OptionalString("UpdateExpression"));
  const rapidjson::Value* attribute_updates = request.Member("AttributeUpdates");
  {
    std::vector<std::string> legacy, expression;
    if (attribute_updates != nullptr) legacy.push_back("AttributeUpdates");
    if (request.Member("Expected") != nullptr) legacy.push_back("Expected");
    if (update_text.has_value()) expression.push_back("UpdateExpression");
    if (request.Member("ConditionExpression") != nullptr) expression.push_back("ConditionExpression");
    DDB_RETURN_IF_ERROR(expr::CheckNotMixed(legacy, expression));
  }
  DDB_ASSIGN_OR_RETURN(expr::Placeholders placeholders,
                       ReadPlaceholders(request, {"UpdateExpression", "ConditionExpression"},
                                        "UpdateExpression and ConditionExpression are null"));
  std::optional<expr::UpdateExpression> update;
  if (update_text.has_value()) {
    DDB_ASSIGN_OR_RETURN(expr::UpdateExpression u, expr::ParseUpdate(*update_text));
    DDB_RETURN_IF_ERROR(placeholders.ResolveUpdate(&u));
    update = std::move(u);
  } else if (attribute_updates != nullptr) {
    DDB_ASSIGN_OR_RETURN(update, expr::AttributeUpdatesFromJson(*attribute_updates));
  }
  DDB_ASSIGN_OR_RETURN(ConditionParams condition, ReadCondition(request, &placeholders));
  DDB_RETURN_IF_ERROR(placeholders.CheckAllUsed());

  DDB_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, node.FindTable(table_name));
  DDB_ASSIGN_OR_RETURN(std::string key, KeyFromKeyParameter(table->info, *key_item));
  if (update.has_value()) {
    DDB_RETURN_IF_ERROR(expr::CheckKeyNotUpdated(*update, table->info.KeyNames()));
  }

  DDB_ASSIGN_OR_RETURN(Node::WriteScope scope, node.BeginWrite(*table, key, reply));
  DDB_ASSIGN_OR_RETURN(std::optional<Item> old, table->store->Get(key));
  DDB_RETURN_IF_ERROR(CheckWriteCondition(condition.condition, on_failure.value_or("NONE") == "ALL_OLD",
                                          old, reply));
  // The item to update: the stored one, or a new one made of the key.
  const Item base = old.has_value() ? *old : *key_item;
  Item updated = base;
  if (update.has_value()) {
    DDB_ASSIGN_OR_RETURN(updated, expr::ApplyUpdate(*update, base, old.has_value()));
  }
  const bool write = old.has_value() || !update.has_value() || Creates(*update);
  const size_t old_size = old.has_value() ? ItemSize(*old) : 0;
  const size_t new_size = ItemSize(updated);
  if (write) {
    DDB_RETURN_IF_ERROR(ValidateItem(updated, SizeCheck::kUpdate));
    storage::WriteCommand batch;
    batch.Put(key, updated);
    batch.AddStats(old.has_value() ? 0 : 1, static_cast<int64_t>(new_size) - static_cast<int64_t>(old_size));
    DDB_RETURN_IF_ERROR(node.Replicate(*table, batch, &scope));
  }

  std::optional<Item> attributes;
  if (rv == "ALL_OLD" && old.has_value()) {
    attributes = *old;
  } else if (rv == "ALL_NEW" && write) {
    attributes = updated;
  } else if ((rv == "UPDATED_OLD" || rv == "UPDATED_NEW") && update.has_value()) {
    Item projected = expr::Project(rv == "UPDATED_OLD" ? (old.has_value() ? *old : Item())
                                                      : (write ? updated : Item()),
                                   expr::UpdatedPaths(*update));
    if (!projected.empty()) attributes = std::move(projected);
  }
  std::string out = "{";
  if (attributes.has_value()) out += "\"Attributes\":" + ToDynamoJson(*attributes);
  std::string capacity_json;
  AppendConsumedCapacity(capacity, table_name, WriteUnits(std::max(old_size, new_size)), &capacity_json);
  if (out.size() == 1 && !capacity_json.empty()) capacity_json.erase(0, 1);
  return out + capacity_json + "}";
}

}  // namespace ddb::node
