// ddb-delete: delete one item by its key. See man/ddb-delete.1.
#include "cmd/common/expression_options.h"

int main(int argc, char** argv) {
  constexpr const char* kProgram = "ddb-delete";
  CLI::App app("Delete one item by its key.", kProgram);
  app.set_version_flag("--version", "ddb-delete 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/true);
  ddb::cmd::ExpressionOptions expressions;
  ddb::cmd::AddExpressionOptions(app, &expressions, /*condition=*/true);
  std::string table, key;
  bool return_old = false;
  app.add_option("--table", table, "Table name")->required();
  app.add_option("--key", key, "The key attributes, as an item")->required();
  app.add_flag("--return-old", return_old, "Print the deleted item (ReturnValues=ALL_OLD)");
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  ddb::Result<std::string> body = ddb::cmd::KeyRequest(table, key, options.plain);
  if (!body.ok()) return ddb::cmd::Fail(kProgram, body.status());
  if (return_old) ddb::cmd::AddString(&*body, "ReturnValues", "ALL_OLD");
  if (ddb::Status s = ddb::cmd::AddExpressions(expressions, &*body); !s.ok()) return ddb::cmd::Fail(kProgram, s);
  return ddb::cmd::CallAndPrintItem(kProgram, options, "DeleteItem", *body, "Attributes");
}
