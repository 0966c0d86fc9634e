// ddb-update: update one item with an UpdateExpression. See man/ddb-update.1.
#include "cmd/common/expression_options.h"

int main(int argc, char** argv) {
  constexpr const char* kProgram = "ddb-update";
  CLI::App app("Update one item (creating it if needed) with an UpdateExpression.", kProgram);
  app.set_version_flag("--version", "ddb-update 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/true);
  ddb::cmd::ExpressionOptions expressions;
  ddb::cmd::AddExpressionOptions(app, &expressions, /*condition=*/true);
  std::string table, key, update, return_values = "NONE";
  app.add_option("--table", table, "Table name")->required();
  app.add_option("--key", key, "The key attributes, as an item")->required();
  app.add_option("--update", update, "UpdateExpression: SET, REMOVE, ADD, DELETE clauses")->required();
  app.add_option("--return", return_values, "What to print: NONE (default), ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW")
      ->check(CLI::IsMember({"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}));
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  ddb::Result<std::string> body = ddb::cmd::KeyRequest(table, key, options.plain);
  if (!body.ok()) return ddb::cmd::Fail(kProgram, body.status());
  ddb::cmd::AddString(&*body, "UpdateExpression", update);
  ddb::cmd::AddString(&*body, "ReturnValues", return_values);
  if (ddb::Status s = ddb::cmd::AddExpressions(expressions, &*body); !s.ok()) return ddb::cmd::Fail(kProgram, s);
  return ddb::cmd::CallAndPrintItem(kProgram, options, "UpdateItem", *body, "Attributes");
}
