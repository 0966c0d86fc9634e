// ddb-get: read one item by its key. See man/ddb-get.1.
#include "cmd/common/expression_options.h"

int main(int argc, char** argv) {
  constexpr const char* kProgram = "ddb-get";
  CLI::App app("Read one item by its key; print it as one JSON line (nothing if there is none).", kProgram);
  app.set_version_flag("--version", "ddb-get 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/true);
  ddb::cmd::ExpressionOptions expressions;
  ddb::cmd::AddExpressionOptions(app, &expressions, /*condition=*/false);
  std::string table, key, projection;
  bool consistent = false;
  app.add_option("--table", table, "Table name")->required();
  app.add_option("--key", key, "The key attributes, as an item")->required();
  app.add_option("--projection", projection, "ProjectionExpression: the attributes to print");
  app.add_flag("--consistent", consistent, "Strongly consistent read");
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  ddb::Result<std::string> body = ddb::cmd::KeyRequest(table, key, options.plain);
  if (!body.ok()) return ddb::cmd::Fail(kProgram, body.status());
  if (!projection.empty()) ddb::cmd::AddString(&*body, "ProjectionExpression", projection);
  if (consistent) ddb::cmd::AddRaw(&*body, "ConsistentRead", "true");
  if (ddb::Status s = ddb::cmd::AddExpressions(expressions, &*body); !s.ok()) return ddb::cmd::Fail(kProgram, s);
  return ddb::cmd::CallAndPrintItem(kProgram, options, "GetItem", *body, "Item");
}
