// ddb-list-tables: print every table name, one JSON line each. See man/ddb-list-tables.1.
#include <iostream>

#include "cmd/common/client_command.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/json_writer.h"

int main(int argc, char** argv) {
  constexpr const char* kProgram = "ddb-list-tables";
  CLI::App app("Print the names of all tables, in order, one JSON line each.", kProgram);
  app.set_version_flag("--version", "ddb-list-tables 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/false);
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  int rc = 0;
  auto session = ddb::cmd::OpenSession(kProgram, options, &rc);
  if (session == nullptr) return rc;
  std::string start;
  for (;;) {  // ListTables pages by 100
    std::string body = "{";
    if (!start.empty()) ddb::cmd::AddString(&body, "ExclusiveStartTableName", start);
    body += "}";
    ddb::Result<std::string> r = session->Call("ListTables", body);
    if (!r.ok()) return ddb::cmd::Fail(kProgram, r.status());
    rapidjson::Document doc;
    if (ddb::Status s = ddb::ParseJsonDocument(*r, &doc); !s.ok()) return ddb::cmd::Fail(kProgram, s);
    for (const auto& name : doc["TableNames"].GetArray()) {
      std::string line = "{\"TableName\":";
      ddb::json::AppendString(std::string_view(name.GetString(), name.GetStringLength()), &line);
      std::cout << line << "}\n";
    }
    auto last = doc.FindMember("LastEvaluatedTableName");
    if (last == doc.MemberEnd()) break;
    start.assign(last->value.GetString(), last->value.GetStringLength());
  }
  return ddb::cmd::kExitOk;
}
