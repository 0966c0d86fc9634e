// ddb-create-table: create a table. See man/ddb-create-table.1.
#include <iostream>

#include "cmd/common/client_command.h"

namespace {

constexpr const char* kProgram = "ddb-create-table";

// "pk:S" -> {"AttributeName":"pk","AttributeType":"S"} pieces.
bool SplitKey(const std::string& spec, std::string* name, std::string* type) {
  size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *name = spec.substr(0, colon);
  *type = spec.substr(colon + 1);
  return *type == "S" || *type == "N" || *type == "B";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Create a table.", kProgram);
  app.set_version_flag("--version", "ddb-create-table 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/false);
  std::string table, key, sort, billing = "PAY_PER_REQUEST";
  int64_t rcu = 0, wcu = 0;
  app.add_option("--table", table, "Table name")->required();
  app.add_option("--key", key, "Partition key as NAME:TYPE, TYPE one of S, N, B")->required();
  app.add_option("--sort", sort, "Sort key as NAME:TYPE");
  app.add_option("--billing", billing, "PAY_PER_REQUEST (default) or PROVISIONED")
      ->check(CLI::IsMember({"PAY_PER_REQUEST", "PROVISIONED"}));
  app.add_option("--rcu", rcu, "Read capacity units (PROVISIONED)");
  app.add_option("--wcu", wcu, "Write capacity units (PROVISIONED)");
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;

  std::string names[2], types[2];
  if (!SplitKey(key, &names[0], &types[0]) || (!sort.empty() && !SplitKey(sort, &names[1], &types[1]))) {
    std::cerr << kProgram << ": usage: --key and --sort take NAME:TYPE with TYPE one of S, N, B (see --help)\n";
    return ddb::cmd::kExitUsage;
  }
  std::string defs = "[", schema = "[";
  for (int i = 0; i < (sort.empty() ? 1 : 2); ++i) {
    std::string name_json = "{";  // "{" + "AttributeName":"..." ; the brace is dropped below
    ddb::cmd::AddString(&name_json, "AttributeName", names[i]);
    defs += std::string(i ? "," : "") + "{" + name_json.substr(1) + ",\"AttributeType\":\"" + types[i] + "\"}";
    schema += std::string(i ? "," : "") + "{" + name_json.substr(1) + ",\"KeyType\":\"" + (i ? "RANGE" : "HASH") + "\"}";
  }
  std::string body = "{";
  ddb::cmd::AddString(&body, "TableName", table);
  ddb::cmd::AddRaw(&body, "AttributeDefinitions", defs + "]");
  ddb::cmd::AddRaw(&body, "KeySchema", schema + "]");
  ddb::cmd::AddString(&body, "BillingMode", billing);
  if (billing == "PROVISIONED") {
    ddb::cmd::AddRaw(&body, "ProvisionedThroughput", "{\"ReadCapacityUnits\":" + std::to_string(rcu) +
                                                         ",\"WriteCapacityUnits\":" + std::to_string(wcu) + "}");
  }
  body += "}";
  int rc = 0;
  auto session = ddb::cmd::OpenSession(kProgram, options, &rc);
  if (session == nullptr) return rc;
  ddb::Result<std::string> r = session->Call("CreateTable", body);
  if (!r.ok()) return ddb::cmd::Fail(kProgram, r.status());
  std::cout << *r << "\n";
  return ddb::cmd::kExitOk;
}
