#include "libddb/node/item_common.h"

#include <cmath>
#include <cstdio>

#include "libddb/expr/evaluator.h"
#include "libddb/expr/legacy.h"
#include "libddb/expr/parser.h"
#include "libddb/model/key_codec.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/limits.h"
#include "libddb/node/node.h"

namespace ddb::node {

namespace {

Status KeyMismatch() { return Status::Validation("The provided key element does not match the schema"); }

Result<std::string> EncodeKey(const TableInfo& table, const AttributeValue& pk,
                              const AttributeValue* sk) {
  DDB_RETURN_IF_ERROR(ValidateKeyValue(table.key.partition_key, pk, /*partition_key=*/true));
  if (sk != nullptr) {
    DDB_RETURN_IF_ERROR(ValidateKeyValue(*table.key.sort_key, *sk, /*partition_key=*/false));
  }
  return EncodeItemKey(pk, sk);
}

}  // namespace

Result<std::string> KeyFromKeyParameter(const TableInfo& table, const Item& key) {
  const size_t want = table.key.sort_key.has_value() ? 2 : 1;
  if (key.size() != want) return KeyMismatch();
  auto pk = key.find(table.key.partition_key);
  if (pk == key.end() || pk->second.type() != table.key.partition_type) return KeyMismatch();
  const AttributeValue* sk = nullptr;
  if (table.key.sort_key.has_value()) {
    auto it = key.find(*table.key.sort_key);
    if (it == key.end() || it->second.type() != table.key.sort_type) return KeyMismatch();
    sk = &it->second;
  }
  return EncodeKey(table, pk->second, sk);
}

Result<std::string> KeyFromItem(const TableInfo& table, const Item& item) {
  const AttributeValue* values[2] = {nullptr, nullptr};
  const std::string* names[2] = {&table.key.partition_key,
                                 table.key.sort_key.has_value() ? &*table.key.sort_key : nullptr};
  const AttrType types[2] = {table.key.partition_type, table.key.sort_type};
  for (int i = 0; i < 2 && names[i] != nullptr; ++i) {
    auto it = item.find(*names[i]);
    if (it == item.end()) {
      return Status::Validation("One or more parameter values were invalid: Missing the key " +
                                *names[i] + " in the item");
    }
    if (it->second.type() != types[i]) {
      return Status::Validation("One or more parameter values were invalid: Type mismatch for key " +
                                *names[i] + " expected: " + std::string(AttrTypeName(types[i])) +
                                " actual: " + std::string(AttrTypeName(it->second.type())));
    }
    values[i] = &it->second;
  }
  return EncodeKey(table, *values[0], values[1]);
}

Item KeyOf(const TableInfo& table, const Item& item) {
  Item key;
  for (const std::string& name : table.KeyNames()) {
    auto it = item.find(name);
    if (it != item.end()) key.insert(*it);
  }
  return key;
}

Result<expr::Placeholders> ReadPlaceholders(const Request& request,
                                            std::initializer_list<const char*> expressions,
                                            std::string_view null_list) {
  const rapidjson::Value* names = request.Member("ExpressionAttributeNames");
  const rapidjson::Value* values = request.Member("ExpressionAttributeValues");
  bool any_expression = false;
  for (const char* e : expressions) any_expression |= request.Member(e) != nullptr;
  if (!any_expression) {
    if (names != nullptr) {
      return Status::Validation("ExpressionAttributeNames can only be specified when using expressions");
    }
    if (values != nullptr) {
      return Status::Validation("ExpressionAttributeValues can only be specified when using "
                                "expressions: " + std::string(null_list));
    }
  }
  return expr::Placeholders::FromJson(names, values);
}

Result<ConditionParams> ReadCondition(const Request& request, expr::Placeholders* placeholders) {
  ConditionParams out;
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> text, request.OptionalString("ConditionExpression"));
  const rapidjson::Value* expected = request.Member("Expected");
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> conditional_operator,
                       request.OptionalString("ConditionalOperator"));
  std::vector<std::string> legacy, expression;
  if (expected != nullptr) legacy.push_back("Expected");
  if (conditional_operator.has_value()) legacy.push_back("ConditionalOperator");
  if (text.has_value()) expression.push_back("ConditionExpression");
  DDB_RETURN_IF_ERROR(expr::CheckNotMixed(legacy, expression));
  if (text.has_value()) {
    DDB_ASSIGN_OR_RETURN(expr::Condition c, expr::ParseCondition(*text, expr::ExpressionKind::kCondition));
    DDB_RETURN_IF_ERROR(placeholders->ResolveCondition(&c, expr::ExpressionKind::kCondition));
    out.condition = std::move(c);
  } else if (expected != nullptr) {
    DDB_ASSIGN_OR_RETURN(out.condition, expr::ConditionsFromJson(*expected, conditional_operator, "Expected"));
  } else if (conditional_operator.has_value()) {
    return Status::Validation("ConditionalOperator cannot be used without Filter or Expected");
  }
  return out;
}

Result<CapacityDetail> ReadReturnConsumedCapacity(const Request& request) {
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> v,
                       request.OptionalEnum("ReturnConsumedCapacity", "returnConsumedCapacity",
                                            {"INDEXES", "TOTAL", "NONE"}));
  if (!v.has_value() || *v == "NONE") return CapacityDetail::kNone;
  return *v == "TOTAL" ? CapacityDetail::kTotal : CapacityDetail::kIndexes;
}

Result<SingleWriteParams> ReadSingleWriteParams(const Request& request) {
  SingleWriteParams p;
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> return_values,
                       request.OptionalEnum("ReturnValues", "returnValues",
                                            {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}));
  if (return_values.has_value() && *return_values != "NONE" && *return_values != "ALL_OLD") {
    return Status::Validation("ReturnValues can only be ALL_OLD or NONE");
  }
  p.return_old = return_values.value_or("NONE") == "ALL_OLD";
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> on_failure,
                       request.OptionalEnum("ReturnValuesOnConditionCheckFailure",
                                            "returnValuesOnConditionCheckFailure", {"ALL_OLD", "NONE"}));
  p.return_old_on_failure = on_failure.value_or("NONE") == "ALL_OLD";
  DDB_ASSIGN_OR_RETURN(p.capacity, ReadReturnConsumedCapacity(request));
  DDB_ASSIGN_OR_RETURN(expr::Placeholders placeholders,
                       ReadPlaceholders(request, {"ConditionExpression"}, "ConditionExpression is null"));
  DDB_ASSIGN_OR_RETURN(ConditionParams condition, ReadCondition(request, &placeholders));
  DDB_RETURN_IF_ERROR(placeholders.CheckAllUsed());
  p.condition = std::move(condition.condition);
  return p;
}

Status CheckWriteCondition(const std::optional<expr::Condition>& condition,
                           bool return_old_on_failure, const std::optional<Item>& old, Reply* reply) {
  if (!condition.has_value() || expr::Evaluate(*condition, old.has_value() ? *old : Item())) {
    return Status::OK();
  }
  if (return_old_on_failure && old.has_value()) reply->error_item = ToDynamoJson(*old);
  return Status::ConditionalCheckFailed();
}

std::string SingleWriteResponse(const SingleWriteParams& params, const std::optional<Item>& old,
                                const std::string& table, double units) {
  std::string out = "{";
  if (params.return_old && old.has_value()) out += "\"Attributes\":" + ToDynamoJson(*old);
  std::string capacity;
  AppendConsumedCapacity(params.capacity, table, units, &capacity);
  if (out.size() == 1 && !capacity.empty()) capacity.erase(0, 1);  // no leading comma
  return out + capacity + "}";
}

double WriteUnits(size_t item_bytes) {
  return std::max(1.0, std::ceil(static_cast<double>(item_bytes) / 1024.0));
}

double ReadUnits(size_t item_bytes, bool consistent) {
  double units = std::max(1.0, std::ceil(static_cast<double>(item_bytes) / 4096.0));
  return consistent ? units : units / 2;
}

void AppendConsumedCapacity(CapacityDetail detail, const std::string& table, double units,
                            std::string* out) {
  if (detail == CapacityDetail::kNone) return;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", units);
  *out += ",\"ConsumedCapacity\":{\"TableName\":\"" + table + "\",\"CapacityUnits\":" + buf;
  if (detail == CapacityDetail::kIndexes) *out += std::string(",\"Table\":{\"CapacityUnits\":") + buf + "}";
  *out += "}";
}

}  // namespace ddb::node
