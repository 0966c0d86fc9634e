// BatchGetItem and BatchWriteItem: up to 100 reads or 25 writes across tables; each item is
// read or written atomically, the batch as a whole is not.
#include <set>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "libddb/expr/evaluator.h"
#include "libddb/expr/legacy.h"
#include "libddb/expr/parser.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/item_size.h"
#include "libddb/model/json_writer.h"
#include "libddb/model/limits.h"
#include "libddb/node/handlers.h"
#include "libddb/node/item_common.h"

namespace ddb::node {

namespace {

constexpr size_t kMaxBatchGetKeys = 100;
constexpr size_t kMaxBatchWriteItems = 25;
constexpr size_t kMaxBatchGetBytes = 16u << 20;

Status Duplicates() { return Status::Validation("Provided list of item keys contains duplicates"); }

Result<const rapidjson::Value*> RequestItems(const Request& request) {
  const rapidjson::Value* items = request.Member("RequestItems");
  if (items == nullptr) return MissingMember("requestItems");
  if (!items->IsObject()) return Status::Serialization("Expected map or null");
  if (items->MemberCount() == 0) {
    return ConstraintViolation("{}", "requestItems", "Member must have length greater than or equal to 1");
  }
  return items;
}

// One table's part of a BatchGetItem.
struct GetPart {
  std::string table_name;
  std::vector<Item> keys;
  std::optional<expr::ProjectionExpression> projection;
  bool consistent = false;
  // The request's other members as sent (ProjectionExpression, ExpressionAttributeNames,
  // AttributesToGet, ConsistentRead), repeated with any UnprocessedKeys so a client can
  // resend them as they are.
  std::string options_json;
};

Result<GetPart> ParseGetPart(const std::string& name, const rapidjson::Value& spec) {
  GetPart part;
  part.table_name = name;
  DDB_RETURN_IF_ERROR(ValidateTableName(name, "requestItems"));
  if (!spec.IsObject()) return Status::Serialization("Expected map or null");
  auto keys = spec.FindMember("Keys");
  if (keys == spec.MemberEnd() || !keys->value.IsArray()) return MissingMember("requestItems." + name + ".member.keys");
  for (const auto& k : keys->value.GetArray()) {
    DDB_ASSIGN_OR_RETURN(Item key, ItemFromDynamoJson(k));
    part.keys.push_back(std::move(key));
  }
  auto member = [&](const char* m) -> const rapidjson::Value* {
    auto it = spec.FindMember(m);
    return it == spec.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
  };
  const rapidjson::Value* projection = member("ProjectionExpression");
  const rapidjson::Value* attributes = member("AttributesToGet");
  std::vector<std::string> legacy, expression;
  if (attributes != nullptr) legacy.push_back("AttributesToGet");
  if (projection != nullptr) expression.push_back("ProjectionExpression");
  DDB_RETURN_IF_ERROR(expr::CheckNotMixed(legacy, expression));
  DDB_ASSIGN_OR_RETURN(expr::Placeholders placeholders,
                       expr::Placeholders::FromJson(member("ExpressionAttributeNames"), nullptr));
  if (projection != nullptr) {
    if (!projection->IsString()) return Status::Serialization("Value can not be converted to a String");
    DDB_ASSIGN_OR_RETURN(expr::ProjectionExpression p,
                         expr::ParseProjection(std::string_view(projection->GetString(), projection->GetStringLength())));
    DDB_RETURN_IF_ERROR(placeholders.ResolveProjection(&p));
    part.projection = std::move(p);
  } else if (attributes != nullptr) {
    DDB_ASSIGN_OR_RETURN(part.projection, expr::AttributesToGetFromJson(*attributes));
  }
  DDB_RETURN_IF_ERROR(placeholders.CheckAllUsed());
  if (const rapidjson::Value* c = member("ConsistentRead"); c != nullptr) {
    if (!c->IsBool()) return Status::Serialization("Value can not be converted to a Boolean");
    part.consistent = c->GetBool();
  }
  for (auto it = spec.MemberBegin(); it != spec.MemberEnd(); ++it) {
    std::string_view member_name(it->name.GetString(), it->name.GetStringLength());
    if (member_name == "Keys" || it->value.IsNull()) continue;
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    it->value.Accept(writer);
    part.options_json += ",";
    json::AppendString(member_name, &part.options_json);
    part.options_json += ":" + std::string(buffer.GetString(), buffer.GetSize());
  }
  return part;
}

}  // namespace

Result<std::string> BatchGetItem(Node& node, const Request& request, Reply*) {
  DDB_ASSIGN_OR_RETURN(const rapidjson::Value* items, RequestItems(request));
  DDB_ASSIGN_OR_RETURN(CapacityDetail capacity, ReadReturnConsumedCapacity(request));
  std::vector<GetPart> parts;
  size_t total = 0;
  for (auto it = items->MemberBegin(); it != items->MemberEnd(); ++it) {
    DDB_ASSIGN_OR_RETURN(GetPart part, ParseGetPart(std::string(it->name.GetString(), it->name.GetStringLength()), it->value));
    total += part.keys.size();
    parts.push_back(std::move(part));
  }
  if (total > kMaxBatchGetKeys) return Status::Validation("Too many items requested for the BatchGetItem call");
  std::string responses = "{", unprocessed = "{", capacities;
  size_t bytes = 0;
  bool full = false;
  for (const GetPart& part : parts) {
    Result<std::shared_ptr<Table>> found_table = node.FindTableForRead(part.table_name, part.consistent);
    if (!found_table.ok() && found_table.status().IsRetryable()) {
      // Not readable here now (no replica, or not the leader for a strong read): all its keys
      // come back unprocessed, as DynamoDB returns what it could not read.
      std::string left;
      for (const Item& k : part.keys) left += (left.empty() ? "" : ",") + ToDynamoJson(k);
      if (responses.size() > 1) responses += ",";
      json::AppendString(part.table_name, &responses);
      responses += ":[]";
      if (unprocessed.size() > 1) unprocessed += ",";
      json::AppendString(part.table_name, &unprocessed);
      unprocessed += ":{\"Keys\":[" + left + "]" + part.options_json + "}";
      continue;
    }
    DDB_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, std::move(found_table));
    std::vector<std::string> keys;
    std::set<std::string> seen;
    for (const Item& k : part.keys) {
      DDB_ASSIGN_OR_RETURN(std::string key, KeyFromKeyParameter(table->info, k));
      if (!seen.insert(key).second) return Duplicates();
      keys.push_back(std::move(key));
    }
    std::string found, left;
    size_t table_bytes = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      // The response never exceeds 16 MB: an item that would cross it, and every key after
      // it, comes back unprocessed.
      std::optional<Item> item;
      if (!full) {
        DDB_ASSIGN_OR_RETURN(item, table->store->Get(keys[i]));
        if (item.has_value() && bytes + ItemSize(*item) > kMaxBatchGetBytes) full = true;
      }
      if (full) {
        left += (left.empty() ? "" : ",") + ToDynamoJson(part.keys[i]);
        continue;
      }
      if (!item.has_value()) continue;
      const size_t size = ItemSize(*item);
      bytes += size;
      table_bytes += size;
      found += (found.empty() ? "" : ",") +
               ToDynamoJson(part.projection.has_value() ? expr::Project(*item, *part.projection) : *item);
    }
    if (responses.size() > 1) responses += ",";
    json::AppendString(part.table_name, &responses);
    responses += ":[" + found + "]";
    if (!left.empty()) {
      if (unprocessed.size() > 1) unprocessed += ",";
      json::AppendString(part.table_name, &unprocessed);
      unprocessed += ":{\"Keys\":[" + left + "]" + part.options_json + "}";
    }
    if (capacity != CapacityDetail::kNone) {
      std::string one;
      AppendConsumedCapacity(capacity, part.table_name, ReadUnits(table_bytes, part.consistent), &one);
      capacities += (capacities.empty() ? "" : ",") + one.substr(one.find('{'));
    }
  }
  std::string out = "{\"Responses\":" + responses + "},\"UnprocessedKeys\":" + unprocessed + "}";
  if (capacity != CapacityDetail::kNone) out += ",\"ConsumedCapacity\":[" + capacities + "]";
  return out + "}";
}

Result<std::string> BatchWriteItem(Node& node, const Request& request, Reply* reply) {
  DDB_ASSIGN_OR_RETURN(const rapidjson::Value* items, RequestItems(request));
  DDB_ASSIGN_OR_RETURN(CapacityDetail capacity, ReadReturnConsumedCapacity(request));
  struct Write {
    std::shared_ptr<Table> table;
    std::string key;
    std::optional<Item> item;  // a put, or nullopt for a delete
    Item request;              // the request's item (put) or key (delete), for UnprocessedItems
  };
  // Validate everything first: a bad request writes nothing.
  std::vector<Write> writes;
  struct Parsed {
    std::string table_name;
    std::vector<std::pair<bool, Item>> requests;  // (is_put, item or key)
  };
  std::vector<Parsed> parsed;
  size_t total = 0;
  for (auto it = items->MemberBegin(); it != items->MemberEnd(); ++it) {
    Parsed p;
    p.table_name.assign(it->name.GetString(), it->name.GetStringLength());
    DDB_RETURN_IF_ERROR(ValidateTableName(p.table_name, "requestItems"));
    if (!it->value.IsArray()) return Status::Serialization("Expected list or null");
    if (it->value.Empty() || it->value.Size() > kMaxBatchWriteItems) {
      return ConstraintViolation("[" + std::to_string(it->value.Size()) + " requests]", "requestItems",
                                 "Map value must satisfy constraint: [Member must have length less "
                                 "than or equal to 25, Member must have length greater than or equal to 1]");
    }
    for (const auto& r : it->value.GetArray()) {
      if (!r.IsObject()) return Status::Serialization("Expected map or null");
      auto put = r.FindMember("PutRequest");
      auto del = r.FindMember("DeleteRequest");
      const bool has_put = put != r.MemberEnd() && put->value.IsObject();
      const bool has_del = del != r.MemberEnd() && del->value.IsObject();
      if (has_put == has_del) {
        return Status::Validation("One or more parameter values were invalid: a WriteRequest must "
                                  "contain exactly one of PutRequest and DeleteRequest");
      }
      const rapidjson::Value& body = has_put ? put->value : del->value;
      auto member = body.FindMember(has_put ? "Item" : "Key");
      if (member == body.MemberEnd()) return MissingMember(has_put ? "item" : "key");
      DDB_ASSIGN_OR_RETURN(Item item, ItemFromDynamoJson(member->value));
      if (has_put) DDB_RETURN_IF_ERROR(ValidateItem(item));
      p.requests.emplace_back(has_put, std::move(item));
      ++total;
    }
    parsed.push_back(std::move(p));
  }
  if (total > kMaxBatchWriteItems) return Status::Validation("Too many items requested for the BatchWriteItem call");
  // Writes this node cannot make now (no replica of the table here yet, it does not lead the
  // table's group, or the write's outcome is unknown) come back as UnprocessedItems, as
  // DynamoDB returns what it could not process; retrying them is safe, since a batch's puts
  // and deletes are unconditional.
  std::map<std::string, std::string> unprocessed;  // table name -> JSON write requests
  auto defer_request = [&](const std::string& table_name, bool is_put, const Item& write) {
    std::string& list = unprocessed[table_name];
    if (!list.empty()) list += ",";
    list += is_put ? "{\"PutRequest\":{\"Item\":" + ToDynamoJson(write) + "}}"
                   : "{\"DeleteRequest\":{\"Key\":" + ToDynamoJson(write) + "}}";
  };
  for (Parsed& p : parsed) {
    Result<std::shared_ptr<Table>> found = node.FindTable(p.table_name);
    if (!found.ok() && found.status().IsRetryable()) {
      for (const auto& [is_put, item] : p.requests) defer_request(p.table_name, is_put, item);
      continue;
    }
    DDB_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, std::move(found));
    std::set<std::string> seen;
    for (auto& [is_put, item] : p.requests) {
      DDB_ASSIGN_OR_RETURN(std::string key, is_put ? KeyFromItem(table->info, item)
                                                   : KeyFromKeyParameter(table->info, item));
      if (!seen.insert(key).second) return Duplicates();
      writes.push_back({table, std::move(key), is_put ? std::optional<Item>(item) : std::nullopt, item});
    }
  }
  std::map<std::string, double> units;
  auto defer = [&](const Write& w) { defer_request(w.table->info.name, w.item.has_value(), w.request); };
  for (Write& w : writes) {
    Result<Node::WriteScope> began = node.BeginWrite(*w.table, w.key, reply);
    if (!began.ok() && began.status().IsRetryable()) {
      defer(w);
      continue;
    }
    DDB_ASSIGN_OR_RETURN(Node::WriteScope scope, std::move(began));
    DDB_ASSIGN_OR_RETURN(std::optional<Item> old, w.table->store->Get(w.key));
    const size_t old_size = old.has_value() ? ItemSize(*old) : 0;
    const size_t new_size = w.item.has_value() ? ItemSize(*w.item) : 0;
    storage::WriteCommand batch;
    if (w.item.has_value()) {
      batch.Put(w.key, *w.item);
      batch.AddStats(old.has_value() ? 0 : 1, static_cast<int64_t>(new_size) - static_cast<int64_t>(old_size));
    } else if (old.has_value()) {
      batch.Delete(w.key);
      batch.AddStats(-1, -static_cast<int64_t>(old_size));
    }
    if (Status s = node.Replicate(*w.table, batch, &scope); !s.ok()) {
      if (!s.IsRetryable()) return s;
      defer(w);
      continue;
    }
    units[w.table->info.name] += WriteUnits(std::max(old_size, new_size));
  }
  std::string out = "{\"UnprocessedItems\":{";
  bool first_table = true;
  for (const auto& [table_name, list] : unprocessed) {
    if (!first_table) out += ",";
    first_table = false;
    json::AppendString(table_name, &out);
    out += ":[" + list + "]";
  }
  out += "}";
  if (capacity != CapacityDetail::kNone) {
    out += ",\"ConsumedCapacity\":[";
    bool first = true;
    for (const auto& [table, u] : units) {
      std::string one;
      AppendConsumedCapacity(capacity, table, u, &one);
      out += (first ? "" : ",") + one.substr(one.find('{'));
      first = false;
    }
    out += "]";
  }
  return out + "}";
}

}  // namespace ddb::node
