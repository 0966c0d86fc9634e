// ddb-describe-table: print a table's description. See man/ddb-describe-table.1.
#include "cmd/common/client_command.h"

int main(int argc, char** argv) {
  constexpr const char* kProgram = "ddb-describe-table";
  CLI::App app("Print a table's description as one JSON line.", kProgram);
  app.set_version_flag("--version", "ddb-describe-table 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/false);
  std::string table;
  app.add_option("--table", table, "Table name")->required();
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  return ddb::cmd::TableCall(kProgram, options, "DescribeTable", table, "Table");
}
