// ddb-update-table: change a table's billing mode or provisioned throughput.
// See man/ddb-update-table.1.
#include <iostream>

#include "cmd/common/client_command.h"

int main(int argc, char** argv) {
  constexpr const char* kProgram = "ddb-update-table";
  CLI::App app("Change a table's billing mode or provisioned throughput.", kProgram);
  app.set_version_flag("--version", "ddb-update-table 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/false);
  std::string table, billing;
  int64_t rcu = 0, wcu = 0;
  app.add_option("--table", table, "Table name")->required();
  app.add_option("--billing", billing, "PAY_PER_REQUEST or PROVISIONED")
      ->check(CLI::IsMember({"PAY_PER_REQUEST", "PROVISIONED"}));
  CLI::Option* r = app.add_option("--rcu", rcu, "Read capacity units (PROVISIONED)");
  CLI::Option* w = app.add_option("--wcu", wcu, "Write capacity units (PROVISIONED)");
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  std::string body = "{";
  ddb::cmd::AddString(&body, "TableName", table);
  if (!billing.empty()) ddb::cmd::AddString(&body, "BillingMode", billing);
  if (r->count() > 0 || w->count() > 0) {
    ddb::cmd::AddRaw(&body, "ProvisionedThroughput", "{\"ReadCapacityUnits\":" + std::to_string(rcu) +
                                                         ",\"WriteCapacityUnits\":" + std::to_string(wcu) + "}");
  }
  int rc = 0;
  auto session = ddb::cmd::OpenSession(kProgram, options, &rc);
  if (session == nullptr) return rc;
  ddb::Result<std::string> resp = session->Call("UpdateTable", body + "}");
  if (!resp.ok()) return ddb::cmd::Fail(kProgram, resp.status());
  std::cout << resp->substr(20, resp->size() - 21) << "\n";  // {"TableDescription":{...}}
  return ddb::cmd::kExitOk;
}
