#include "cmd/common/client_command.h"

#include <iostream>

#include "libddb/model/dynamo_json.h"
#include "libddb/model/json_writer.h"
#include "libddb/model/plain_json.h"

namespace ddb::cmd {

void AddClientOptions(CLI::App& app, ClientOptions* options, bool items) {
  app.add_option("--cluster", options->cluster,
                 "Cluster file (default: $DDB_CLUSTER, else ./.ddb/cluster.toml)");
  if (items) {
    app.add_flag("--plain", options->plain,
                 "Items in and out as plain JSON ({\"pk\":\"a\"}) instead of DynamoDB JSON");
  }
}

std::unique_ptr<client::Session> OpenSession(std::string_view program, const ClientOptions& options,
                                             int* exit_code) {
  Result<std::unique_ptr<client::Session>> s = client::Session::Open(options.cluster);
  if (!s.ok()) {
    *exit_code = Fail(program, s.status());
    return nullptr;
  }
  return std::move(*s);
}

Result<Item> ParseItemText(std::string_view text, bool plain) {
  return plain ? ParsePlainJsonItem(text) : ParseDynamoJsonItem(text);
}

std::string FormatItem(const Item& item, bool plain) {
  return plain ? ToPlainJson(item) : ToDynamoJson(item);
}

Result<std::optional<Item>> ResponseItem(const rapidjson::Value& response, const char* name) {
  auto it = response.FindMember(name);
  if (it == response.MemberEnd()) return std::optional<Item>();
  DDB_ASSIGN_OR_RETURN(Item item, ItemFromDynamoJson(it->value));
  return std::optional<Item>(std::move(item));
}

void AddRaw(std::string* body, std::string_view member, std::string_view raw_json) {
  if (body->size() > 1) body->push_back(',');
  json::AppendString(member, body);
  body->push_back(':');
  body->append(raw_json);
}

void AddString(std::string* body, std::string_view member, std::string_view value) {
  std::string quoted;
  json::AppendString(value, &quoted);
  AddRaw(body, member, quoted);
}

Result<std::string> JsonObjectArg(std::string_view option, const std::string& text) {
  rapidjson::Document doc;
  Status s = ParseJsonDocument(text, &doc);
  if (!s.ok() || !doc.IsObject()) {
    return Status::Validation(std::string(option) + " must be a JSON object" +
                              (s.ok() ? std::string() : ": " + s.message()));
  }
  return text;
}

Result<std::string> KeyRequest(const std::string& table, const std::string& key_text, bool plain) {
  Result<Item> key = ParseItemText(key_text, plain);
  if (!key.ok()) return key.status().WithContext("--key");
  std::string body = "{";
  AddString(&body, "TableName", table);
  AddRaw(&body, "Key", ToDynamoJson(*key));
  return body;
}

int CallAndPrintItem(std::string_view program, const ClientOptions& options,
                     const std::string& operation, std::string body, const char* member) {
  int rc = 0;
  auto session = OpenSession(program, options, &rc);
  if (session == nullptr) return rc;
  Result<std::string> r = session->Call(operation, body + "}");
  if (!r.ok()) return Fail(program, r.status());
  rapidjson::Document doc;
  if (Status s = ParseJsonDocument(*r, &doc); !s.ok()) return Fail(program, s);
  Result<std::optional<Item>> item = ResponseItem(doc, member);
  if (!item.ok()) return Fail(program, item.status());
  if (item->has_value()) std::cout << FormatItem(**item, options.plain) << "\n";
  return kExitOk;
}

int TableCall(std::string_view program, const ClientOptions& options, const std::string& operation,
              const std::string& table, const char* member) {
  std::string body = "{";
  AddString(&body, "TableName", table);
  int rc = 0;
  auto session = OpenSession(program, options, &rc);
  if (session == nullptr) return rc;
  Result<std::string> r = session->Call(operation, body + "}");
  if (!r.ok()) return Fail(program, r.status());
  // {"Member":{...}}: print the inner object.
  const std::string prefix = "{\"" + std::string(member) + "\":";
  if (r->rfind(prefix, 0) != 0) return Fail(program, Status::Internal("unexpected response: " + r->substr(0, 100)));
  std::cout << r->substr(prefix.size(), r->size() - prefix.size() - 1) << "\n";
  return kExitOk;
}

int Fail(std::string_view program, const Status& status, std::string_view context) {
  PrintError(program, status, context);
  return ExitCodeFor(status);
}

}  // namespace ddb::cmd
