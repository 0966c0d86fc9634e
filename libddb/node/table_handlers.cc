// CreateTable, DescribeTable, ListTables, DeleteTable.
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "libddb/model/json_writer.h"
#include "libddb/model/limits.h"
#include "libddb/node/handlers.h"

namespace ddb::node {

namespace {

std::string NewTableId() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<std::string> StringField(const rapidjson::Value& obj, const char* name, const std::string& field) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return MissingMember(field);
  if (!it->value.IsString()) return Status::Serialization("Value can not be converted to a String");
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

Status Invalid(const std::string& msg) {
  return Status::Validation("One or more parameter values were invalid: " + msg);
}

std::string Names(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i > 0 ? ", " : "") + names[i];
  return out + "]";
}

// ProvisionedThroughput for `billing_mode`: required (both units, each >= 1) for PROVISIONED,
// refused for PAY_PER_REQUEST, with DynamoDB's messages. Sets the units on `t`.
Status ReadThroughput(const rapidjson::Value* pt, const std::string& billing_mode, TableInfo* t) {
  if (billing_mode == "PAY_PER_REQUEST") {
    if (pt != nullptr) {
      return Invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                     "BillingMode is PAY_PER_REQUEST");
    }
    t->read_capacity = t->write_capacity = 0;
    return Status::OK();
  }
  if (pt == nullptr || !pt->IsObject() || !pt->HasMember("ReadCapacityUnits") ||
      !pt->HasMember("WriteCapacityUnits")) {
    return Invalid("ReadCapacityUnits and WriteCapacityUnits must both be specified when "
                   "BillingMode is PROVISIONED");
  }
  const rapidjson::Value& r = (*pt)["ReadCapacityUnits"];
  const rapidjson::Value& w = (*pt)["WriteCapacityUnits"];
  if (!r.IsInt64() || !w.IsInt64()) return Status::Serialization("Value can not be converted to a Long");
  for (auto [v, field] : {std::pair{r.GetInt64(), "provisionedThroughput.readCapacityUnits"},
                          std::pair{w.GetInt64(), "provisionedThroughput.writeCapacityUnits"}}) {
    if (v < 1) {
      return ConstraintViolation(std::to_string(v), field, "Member must have value greater than or equal to 1");
    }
  }
  t->read_capacity = r.GetInt64();
  t->write_capacity = w.GetInt64();
  return Status::OK();
}

Result<TableInfo> ParseCreateTable(const Request& request) {
  TableInfo t;
  DDB_ASSIGN_OR_RETURN(t.name, request.TableName());
  const rapidjson::Value* defs = request.Member("AttributeDefinitions");
  const rapidjson::Value* schema = request.Member("KeySchema");
  if (defs == nullptr) return MissingMember("attributeDefinitions");
  if (schema == nullptr) return MissingMember("keySchema");
  if (!defs->IsArray() || !schema->IsArray()) return Status::Serialization("Expected list or null");
  for (rapidjson::SizeType i = 0; i < defs->Size(); ++i) {
    const std::string path = "attributeDefinitions." + std::to_string(i + 1) + ".member";
    if (!(*defs)[i].IsObject()) return Status::Serialization("Expected map or null");
    AttributeDefinition def;
    DDB_ASSIGN_OR_RETURN(def.name, StringField((*defs)[i], "AttributeName", path + ".attributeName"));
    DDB_ASSIGN_OR_RETURN(std::string type, StringField((*defs)[i], "AttributeType", path + ".attributeType"));
    DDB_RETURN_IF_ERROR(ValidateKeyAttributeName(def.name, path + ".attributeName"));
    if (type != "S" && type != "N" && type != "B") {
      return ConstraintViolation(type, path + ".attributeType", "Member must satisfy enum value set: [B, N, S]");
    }
    AttrTypeFromName(type, &def.type);
    t.attributes.push_back(def);
  }
  if (schema->Size() < 1 || schema->Size() > 2) {
    return ConstraintViolation(std::to_string(schema->Size()) + " elements", "keySchema",
                               schema->Size() < 1 ? "Member must have length greater than or equal to 1"
                                                  : "Member must have length less than or equal to 2");
  }
  std::vector<std::string> key_names;
  for (rapidjson::SizeType i = 0; i < schema->Size(); ++i) {
    const std::string path = "keySchema." + std::to_string(i + 1) + ".member";
    if (!(*schema)[i].IsObject()) return Status::Serialization("Expected map or null");
    DDB_ASSIGN_OR_RETURN(std::string name, StringField((*schema)[i], "AttributeName", path + ".attributeName"));
    DDB_ASSIGN_OR_RETURN(std::string type, StringField((*schema)[i], "KeyType", path + ".keyType"));
    DDB_RETURN_IF_ERROR(ValidateKeyAttributeName(name, path + ".attributeName"));
    if (type != "HASH" && type != "RANGE") {
      return ConstraintViolation(type, path + ".keyType", "Member must satisfy enum value set: [HASH, RANGE]");
    }
    if (i == 0 && type != "HASH") {
      return Status::Validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    }
    if (i == 1 && type != "RANGE") {
      return Status::Validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    }
    key_names.push_back(name);
  }
  if (key_names.size() == 2 && key_names[0] == key_names[1]) {
    return Status::Validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
  }
  std::vector<std::string> defined;
  for (const AttributeDefinition& d : t.attributes) defined.push_back(d.name);
  for (const std::string& k : key_names) {
    if (std::find(defined.begin(), defined.end(), k) == defined.end()) {
      return Invalid("Some index key attributes are not defined in AttributeDefinitions. Keys: " +
                     Names(key_names) + ", AttributeDefinitions: " + Names(defined));
    }
  }
  if (defined.size() != key_names.size() ||
      std::set<std::string>(defined.begin(), defined.end()).size() != defined.size()) {
    return Invalid("Number of attributes in KeySchema does not exactly match number of attributes "
                   "defined in AttributeDefinitions");
  }
  auto type_of = [&](const std::string& name) {
    for (const AttributeDefinition& d : t.attributes) {
      if (d.name == name) return d.type;
    }
    return AttrType::kS;
  };
  t.key.partition_key = key_names[0];
  t.key.partition_type = type_of(key_names[0]);
  if (key_names.size() == 2) {
    t.key.sort_key = key_names[1];
    t.key.sort_type = type_of(key_names[1]);
  }
  if (request.Member("LocalSecondaryIndexes") != nullptr || request.Member("GlobalSecondaryIndexes") != nullptr) {
    return Status::Validation("ddb does not support secondary indexes yet: remove "
                              "LocalSecondaryIndexes and GlobalSecondaryIndexes");
  }
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> billing,
                       request.OptionalEnum("BillingMode", "billingMode", {"PROVISIONED", "PAY_PER_REQUEST"}));
  t.billing_mode = billing.value_or("PROVISIONED");
  DDB_RETURN_IF_ERROR(ReadThroughput(request.Member("ProvisionedThroughput"), t.billing_mode, &t));
  t.id = NewTableId();
  t.creation_time = NowSeconds();
  if (t.billing_mode == "PAY_PER_REQUEST") t.last_update_to_pay_per_request = t.creation_time;
  return t;
}

}  // namespace

Result<std::string> CreateTable(Node& node, const Request& request, Reply*) {
  DDB_ASSIGN_OR_RETURN(TableInfo t, ParseCreateTable(request));
  std::lock_guard<std::mutex> ddl(node.ddl_mutex());
  DDB_ASSIGN_OR_RETURN(raft::Term term, node.CatalogWriteTerm());
  if (node.catalog().Get(t.name).has_value()) {
    return Status::ResourceInUse("Table already exists: " + t.name);
  }
  for (raft::NodeId id : node.PlaceNewTable(t.id)) t.replicas.push_back(id);
  DDB_RETURN_IF_ERROR(node.ChangeCatalog(Catalog::PutCommand(t), term));
  // A replica here: give its group a moment to elect a leader, so that the next request finds
  // the table ACTIVE (DescribeTable says CREATING until then).
  Result<std::shared_ptr<Table>> table = node.FindTable(t.name);
  for (int i = 0; i < 500 && table.ok() && !node.HasLeader(**table); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return "{\"TableDescription\":" + DescribeTableJson(t, "CREATING", 0, 0, node.region()) + "}";
}

Result<std::string> DescribeTable(Node& node, const Request& request, Reply*) {
  DDB_ASSIGN_OR_RETURN(std::string name, request.TableName());
  DDB_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, node.FindTable(name));
  // The catalog applies an UpdateTable before the reconciler republishes the open table.
  std::optional<TableInfo> latest = node.catalog().Get(name);
  const TableInfo& info = latest.has_value() && latest->id == table->info.id ? *latest : table->info;
  return "{\"Table\":" + DescribeTableJson(info, node.HasLeader(*table) ? "ACTIVE" : "CREATING",
                                           table->store->item_count(), table->store->item_bytes(), node.region()) + "}";
}

Result<std::string> ListTables(Node& node, const Request& request, Reply*) {
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> start, request.OptionalString("ExclusiveStartTableName"));
  if (start.has_value()) DDB_RETURN_IF_ERROR(ValidateTableName(*start, "exclusiveStartTableName"));
  int64_t limit = 100;
  if (const rapidjson::Value* l = request.Member("Limit"); l != nullptr) {
    if (!l->IsInt64()) return Status::Serialization("Value can not be converted to an Integer");
    limit = l->GetInt64();
    if (limit < 1 || limit > 100) {
      return ConstraintViolation(std::to_string(limit), "limit",
                                 limit < 1 ? "Member must have value greater than or equal to 1"
                                           : "Member must have value less than or equal to 100");
    }
  }
  std::vector<TableInfo> tables = node.catalog().List();
  std::string out = "{\"TableNames\":[";
  int64_t n = 0;
  std::string last;
  bool more = false;
  for (const TableInfo& t : tables) {
    if (start.has_value() && t.name <= *start) continue;
    if (n == limit) {
      more = true;
      break;
    }
    if (n > 0) out += ",";
    json::AppendString(t.name, &out);
    last = t.name;
    ++n;
  }
  out += "]";
  if (more) {
    out += ",\"LastEvaluatedTableName\":";
    json::AppendString(last, &out);
  }
  return out + "}";
}

// The item count and size of a table's replica here, or zeros where there is none.
static std::pair<int64_t, int64_t> LocalStatistics(Node& node, const TableInfo& info) {
  Result<std::shared_ptr<Table>> table = node.FindTable(info.name);
  if (!table.ok() || (*table)->info.id != info.id) return {0, 0};
  return {(*table)->store->item_count(), (*table)->store->item_bytes()};
}

Result<std::string> DeleteTable(Node& node, const Request& request, Reply*) {
  DDB_ASSIGN_OR_RETURN(std::string name, request.TableName());
  std::lock_guard<std::mutex> ddl(node.ddl_mutex());
  DDB_ASSIGN_OR_RETURN(raft::Term term, node.CatalogWriteTerm());
  std::optional<TableInfo> info = node.catalog().Get(name);
  if (!info.has_value()) return TableNotFound(name);
  auto [count, bytes] = LocalStatistics(node, *info);
  DDB_RETURN_IF_ERROR(node.ChangeCatalog(Catalog::DeleteCommand(name), term));
  return "{\"TableDescription\":" + DescribeTableJson(*info, "DELETING", count, bytes, node.region()) + "}";
}

}  // namespace ddb::node

namespace ddb::node {

Result<std::string> UpdateTable(Node& node, const Request& request, Reply*) {
  DDB_ASSIGN_OR_RETURN(std::string name, request.TableName());
  for (const char* unsupported : {"GlobalSecondaryIndexUpdates", "StreamSpecification", "ReplicaUpdates",
                                  "SSESpecification", "AttributeDefinitions"}) {
    if (request.Member(unsupported) != nullptr) {
      return Status::Validation(std::string("ddb does not support ") + unsupported + " in UpdateTable yet");
    }
  }
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> billing,
                       request.OptionalEnum("BillingMode", "billingMode", {"PROVISIONED", "PAY_PER_REQUEST"}));
  const rapidjson::Value* pt = request.Member("ProvisionedThroughput");
  if (!billing.has_value() && pt == nullptr) {
    return Status::Validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                              "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
  }
  std::lock_guard<std::mutex> ddl(node.ddl_mutex());
  DDB_ASSIGN_OR_RETURN(raft::Term term, node.CatalogWriteTerm());
  std::optional<TableInfo> current = node.catalog().Get(name);
  if (!current.has_value()) return TableNotFound(name);
  TableInfo info = *current;
  const std::string mode = billing.value_or(info.billing_mode);
  if (mode == "PROVISIONED" && info.billing_mode == "PROVISIONED" && pt != nullptr && pt->IsObject() &&
      pt->HasMember("ReadCapacityUnits") && pt->HasMember("WriteCapacityUnits") &&
      (*pt)["ReadCapacityUnits"].IsInt64() && (*pt)["WriteCapacityUnits"].IsInt64() &&
      (*pt)["ReadCapacityUnits"].GetInt64() == info.read_capacity &&
      (*pt)["WriteCapacityUnits"].GetInt64() == info.write_capacity) {
    const std::string rc = std::to_string(info.read_capacity), wc = std::to_string(info.write_capacity);
    return Status::Validation(
        "The provisioned throughput for the table will not change. The requested value equals the current "
        "value. Current ReadCapacityUnits provisioned for the table: " + rc + ". Requested ReadCapacityUnits: " +
        rc + ". Current WriteCapacityUnits provisioned for the table: " + wc +
        ". Requested WriteCapacityUnits: " + wc +
        ". Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.");
  }
  DDB_RETURN_IF_ERROR(ReadThroughput(pt, mode, &info));
  if (mode == "PAY_PER_REQUEST" && info.billing_mode != mode) info.last_update_to_pay_per_request = NowSeconds();
  info.billing_mode = mode;
  DDB_RETURN_IF_ERROR(node.ChangeCatalog(Catalog::PutCommand(info), term));
  auto [count, bytes] = LocalStatistics(node, info);
  return "{\"TableDescription\":" + DescribeTableJson(info, "UPDATING", count, bytes, node.region()) + "}";
}

}  // namespace ddb::node
