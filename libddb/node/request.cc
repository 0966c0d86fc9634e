#include "libddb/node/request.h"

#include "libddb/model/dynamo_json.h"
#include "libddb/model/limits.h"

namespace ddb::node {

Status MissingMember(std::string_view field) {
  return Status::Validation("1 validation error detected: Value null at '" + std::string(field) +
                            "' failed to satisfy constraint: Member must not be null");
}

Result<Request> Request::Parse(std::string_view body) {
  Request r;
  r.doc_ = std::make_unique<rapidjson::Document>();
  DDB_RETURN_IF_ERROR(ParseJsonDocument(body, r.doc_.get()));
  if (!r.doc_->IsObject()) return Status::Serialization("Start of structure or map expected");
  return r;
}

const rapidjson::Value* Request::Member(const char* name) const {
  auto it = doc_->FindMember(name);
  if (it == doc_->MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

Result<std::optional<std::string>> Request::OptionalString(const char* name) const {
  const rapidjson::Value* v = Member(name);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->IsString()) {
    return Status::Serialization(std::string(v->IsNumber() ? "NUMBER_VALUE" : "Value") +
                                 " can not be converted to a String");
  }
  return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
}

Result<std::optional<std::string>> Request::OptionalEnum(
    const char* name, std::string_view field, std::initializer_list<std::string_view> allowed) const {
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> v, OptionalString(name));
  if (!v.has_value()) return v;
  for (std::string_view a : allowed) {
    if (*v == a) return v;
  }
  std::string set;
  for (std::string_view a : allowed) set += (set.empty() ? "" : ", ") + std::string(a);
  return ConstraintViolation(*v, field, "Member must satisfy enum value set: [" + set + "]");
}

Result<std::optional<bool>> Request::OptionalBool(const char* name) const {
  const rapidjson::Value* v = Member(name);
  if (v == nullptr) return std::optional<bool>();
  if (!v->IsBool()) return Status::Serialization("Value can not be converted to a Boolean");
  return std::optional<bool>(v->GetBool());
}

Result<std::string> Request::TableName() const {
  DDB_ASSIGN_OR_RETURN(std::optional<std::string> name, OptionalString("TableName"));
  if (!name.has_value()) return MissingMember("tableName");
  DDB_RETURN_IF_ERROR(ValidateTableName(*name));
  return *name;
}

Result<std::optional<Item>> Request::OptionalItem(const char* name) const {
  const rapidjson::Value* v = Member(name);
  if (v == nullptr) return std::optional<Item>();
  DDB_ASSIGN_OR_RETURN(Item item, ItemFromDynamoJson(*v));
  return std::optional<Item>(std::move(item));
}

}  // namespace ddb::node
