#include "libddb/node/catalog.h"

#include <cstdio>

#include "libddb/model/json_writer.h"
#include "libddb/model/key_codec.h"

namespace ddb::node {

namespace {

AttributeValue Str(const std::string& s) { return AttributeValue::S(s); }
AttributeValue Num(int64_t v) { return AttributeValue::N(Number::FromInt64(v)); }

// Tables are stored as items: a stable, checksummed encoding for free.
Item ToItem(const TableInfo& t) {
  Item item;
  item["name"] = Str(t.name);
  item["id"] = Str(t.id);
  item["pk"] = Str(t.key.partition_key);
  item["pk_type"] = Str(std::string(AttrTypeName(t.key.partition_type)));
  if (t.key.sort_key.has_value()) {
    item["sk"] = Str(*t.key.sort_key);
    item["sk_type"] = Str(std::string(AttrTypeName(t.key.sort_type)));
  }
  AttributeList attrs;
  for (const AttributeDefinition& a : t.attributes) {
    AttributeMap m;
    m["name"] = Str(a.name);
    m["type"] = Str(std::string(AttrTypeName(a.type)));
    attrs.push_back(AttributeValue::M(std::move(m)));
  }
  item["attributes"] = AttributeValue::L(std::move(attrs));
  item["billing_mode"] = Str(t.billing_mode);
  item["rcu"] = Num(t.read_capacity);
  item["wcu"] = Num(t.write_capacity);
  item["created_micros"] = Num(static_cast<int64_t>(t.creation_time * 1e6));
  if (t.last_update_to_pay_per_request > 0) {
    item["ppr_micros"] = Num(static_cast<int64_t>(t.last_update_to_pay_per_request * 1e6));
  }
  auto ids = [](const std::vector<uint64_t>& v) {
    AttributeList list;
    for (uint64_t id : v) list.push_back(Num(static_cast<int64_t>(id)));
    return AttributeValue::L(std::move(list));
  };
  if (!t.replicas.empty()) item["replicas"] = ids(t.replicas);
  if (!t.joining.empty()) item["joining"] = ids(t.joining);
  return item;
}

Result<TableInfo> FromItem(const Item& item) {
  auto str = [&](const char* name) -> Result<std::string> {
    auto it = item.find(name);
    if (it == item.end() || it->second.type() != AttrType::kS) {
      return Status::Corruption(std::string("catalog entry without ") + name);
    }
    return it->second.s();
  };
  auto num = [&](const char* name) -> Result<int64_t> {
    auto it = item.find(name);
    int64_t v;
    if (it == item.end() || it->second.type() != AttrType::kN || !it->second.n().ToInt64(&v)) {
      return Status::Corruption(std::string("catalog entry without ") + name);
    }
    return v;
  };
  auto type = [&](const char* name) -> Result<AttrType> {
    DDB_ASSIGN_OR_RETURN(std::string s, str(name));
    AttrType t;
    if (!AttrTypeFromName(s, &t)) return Status::Corruption("catalog entry with bad type " + s);
    return t;
  };
  TableInfo t;
  DDB_ASSIGN_OR_RETURN(t.name, str("name"));
  DDB_ASSIGN_OR_RETURN(t.id, str("id"));
  DDB_ASSIGN_OR_RETURN(t.key.partition_key, str("pk"));
  DDB_ASSIGN_OR_RETURN(t.key.partition_type, type("pk_type"));
  if (item.count("sk") != 0) {
    DDB_ASSIGN_OR_RETURN(std::string sk, str("sk"));
    t.key.sort_key = sk;
    DDB_ASSIGN_OR_RETURN(t.key.sort_type, type("sk_type"));
  }
  auto attrs = item.find("attributes");
  if (attrs == item.end() || attrs->second.type() != AttrType::kL) {
    return Status::Corruption("catalog entry without attributes");
  }
  for (const AttributeValue& a : attrs->second.l()) {
    if (a.type() != AttrType::kM) return Status::Corruption("catalog attribute is not a map");
    AttributeDefinition def;
    auto n = a.m().find("name");
    auto ty = a.m().find("type");
    if (n == a.m().end() || ty == a.m().end() || !AttrTypeFromName(ty->second.s(), &def.type)) {
      return Status::Corruption("catalog attribute malformed");
    }
    def.name = n->second.s();
    t.attributes.push_back(def);
  }
  DDB_ASSIGN_OR_RETURN(t.billing_mode, str("billing_mode"));
  DDB_ASSIGN_OR_RETURN(t.read_capacity, num("rcu"));
  DDB_ASSIGN_OR_RETURN(t.write_capacity, num("wcu"));
  DDB_ASSIGN_OR_RETURN(int64_t micros, num("created_micros"));
  t.creation_time = static_cast<double>(micros) / 1e6;
  if (item.count("ppr_micros") != 0) {
    DDB_ASSIGN_OR_RETURN(int64_t ppr, num("ppr_micros"));
    t.last_update_to_pay_per_request = static_cast<double>(ppr) / 1e6;
  } else if (t.billing_mode == "PAY_PER_REQUEST") {
    t.last_update_to_pay_per_request = t.creation_time;  // entries written before this field
  }
  auto ids = [&](const char* name, std::vector<uint64_t>* out) -> Status {
    auto r = item.find(name);
    if (r == item.end()) return Status::OK();
    if (r->second.type() != AttrType::kL) {
      return Status::Corruption(std::string("catalog ") + name + " is not a list");
    }
    for (const AttributeValue& v : r->second.l()) {
      int64_t id;
      if (v.type() != AttrType::kN || !v.n().ToInt64(&id) || id <= 0) {
        return Status::Corruption(std::string("catalog ") + name + " id malformed");
      }
      out->push_back(static_cast<uint64_t>(id));
    }
    return Status::OK();
  };
  DDB_RETURN_IF_ERROR(ids("replicas", &t.replicas));
  DDB_RETURN_IF_ERROR(ids("joining", &t.joining));
  return t;
}

std::string CatalogKey(const std::string& name) {
  return EncodeItemKey(AttributeValue::S(name), nullptr);
}

std::string FormatDouble(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3f", v);
  return buf;
}

}  // namespace

std::vector<std::string> TableInfo::KeyNames() const {
  std::vector<std::string> names{key.partition_key};
  if (key.sort_key.has_value()) names.push_back(*key.sort_key);
  return names;
}

Status TableNotFound(const std::string& name) {
  return Status::ResourceNotFound("Requested resource not found: Table: " + name + " not found");
}

std::string DescribeTableJson(const TableInfo& t, std::string_view status, int64_t item_count,
                              int64_t size_bytes, std::string_view region) {
  std::string out = "{\"AttributeDefinitions\":[";
  for (size_t i = 0; i < t.attributes.size(); ++i) {
    if (i > 0) out += ",";
    out += "{\"AttributeName\":";
    json::AppendString(t.attributes[i].name, &out);
    out += ",\"AttributeType\":\"" + std::string(AttrTypeName(t.attributes[i].type)) + "\"}";
  }
  out += "],\"TableName\":";
  json::AppendString(t.name, &out);
  out += ",\"KeySchema\":[{\"AttributeName\":";
  json::AppendString(t.key.partition_key, &out);
  out += ",\"KeyType\":\"HASH\"}";
  if (t.key.sort_key.has_value()) {
    out += ",{\"AttributeName\":";
    json::AppendString(*t.key.sort_key, &out);
    out += ",\"KeyType\":\"RANGE\"}";
  }
  out += "],\"TableStatus\":\"" + std::string(status) + "\"";
  out += ",\"CreationDateTime\":" + FormatDouble(t.creation_time);
  out += ",\"ProvisionedThroughput\":{\"NumberOfDecreasesToday\":0,\"ReadCapacityUnits\":" +
         std::to_string(t.read_capacity) + ",\"WriteCapacityUnits\":" +
         std::to_string(t.write_capacity) + "}";
  out += ",\"TableSizeBytes\":" + std::to_string(size_bytes);
  out += ",\"ItemCount\":" + std::to_string(item_count);
  out += ",\"TableArn\":";
  json::AppendString("arn:aws:dynamodb:" + std::string(region) + ":000000000000:table/" + t.name, &out);
  out += ",\"TableId\":\"" + t.id + "\"";
  // DynamoDB describes the billing mode of a table that is or ever was on demand.
  if (t.billing_mode == "PAY_PER_REQUEST" || t.last_update_to_pay_per_request > 0) {
    out += ",\"BillingModeSummary\":{\"BillingMode\":\"" + t.billing_mode +
           "\",\"LastUpdateToPayPerRequestDateTime\":" +
           FormatDouble(t.last_update_to_pay_per_request > 0 ? t.last_update_to_pay_per_request
                                                             : t.creation_time) + "}";
  }
  out += ",\"DeletionProtectionEnabled\":false}";
  return out;
}

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::string& dir) {
  DDB_ASSIGN_OR_RETURN(std::unique_ptr<storage::PartitionStore> store,
                       storage::PartitionStore::Open(dir));
  std::unique_ptr<Catalog> catalog(new Catalog(std::move(store)));
  DDB_RETURN_IF_ERROR(catalog->Reload());
  return catalog;
}

Status Catalog::Reload() {
  std::map<std::string, TableInfo> tables;
  auto it = store_->NewIterator("", "");
  for (; it->Valid(); it->Next()) {
    DDB_ASSIGN_OR_RETURN(Item item, it->item());
    DDB_ASSIGN_OR_RETURN(TableInfo t, FromItem(item));
    tables[t.name] = std::move(t);
  }
  DDB_RETURN_IF_ERROR(it->status());  // a read error must not look like fewer tables
  std::lock_guard<std::mutex> lock(mu_);
  tables_ = std::move(tables);
  return Status::OK();
}

storage::WriteCommand Catalog::PutCommand(const TableInfo& table) {
  storage::WriteCommand c;
  c.Put(CatalogKey(table.name), ToItem(table));
  return c;
}

storage::WriteCommand Catalog::DeleteCommand(const std::string& name) {
  storage::WriteCommand c;
  c.Delete(CatalogKey(name));
  return c;
}

std::optional<TableInfo> Catalog::Get(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tables_.find(name);
  if (it == tables_.end()) return std::nullopt;
  return it->second;
}

std::vector<TableInfo> Catalog::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TableInfo> out;
  for (const auto& [name, t] : tables_) out.push_back(t);
  return out;
}

}  // namespace ddb::node
