// ddb-delete-table: delete a table and its items. See man/ddb-delete-table.1.
#include "cmd/common/client_command.h"

int main(int argc, char** argv) {
  constexpr const char* kProgram = "ddb-delete-table";
  CLI::App app("Delete a table and every item in it.", kProgram);
  app.set_version_flag("--version", "ddb-delete-table 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/false);
  std::string table;
  app.add_option("--table", table, "Table name")->required();
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  return ddb::cmd::TableCall(kProgram, options, "DeleteTable", table, "TableDescription");
}
