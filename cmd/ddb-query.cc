// ddb-query: the items of one partition key, as JSON lines. See man/ddb-query.1.
#include "cmd/common/expression_options.h"
#include "cmd/common/paged_read.h"

int main(int argc, char** argv) {
  constexpr const char* kProgram = "ddb-query";
  CLI::App app("Print the items of one partition key (in sort-key order), one JSON line each.", kProgram);
  app.set_version_flag("--version", "ddb-query 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/true);
  ddb::cmd::ExpressionOptions expressions;
  ddb::cmd::AddExpressionOptions(app, &expressions, /*condition=*/false);
  std::string table, key_condition, filter, projection;
  ddb::cmd::PagedReadOptions read;
  bool reverse = false, consistent = false;
  app.add_option("--table", table, "Table name")->required();
  app.add_option("--key-condition", key_condition, "KeyConditionExpression, e.g. \"pk = :p AND sk > :s\"")->required();
  app.add_option("--filter", filter, "FilterExpression applied to the items read");
  app.add_option("--projection", projection, "ProjectionExpression: the attributes to print");
  app.add_option("--limit", read.max_items, "Print at most this many items")->check(CLI::PositiveNumber);
  app.add_flag("--count", read.count_only, "Print only {\"Count\":N,\"ScannedCount\":M}");
  app.add_flag("--reverse", reverse, "Descending sort-key order");
  app.add_flag("--consistent", consistent, "Strongly consistent reads");
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  read.plain = options.plain;
  std::string body = "{";
  ddb::cmd::AddString(&body, "TableName", table);
  ddb::cmd::AddString(&body, "KeyConditionExpression", key_condition);
  if (!filter.empty()) ddb::cmd::AddString(&body, "FilterExpression", filter);
  if (!projection.empty()) ddb::cmd::AddString(&body, "ProjectionExpression", projection);
  if (reverse) ddb::cmd::AddRaw(&body, "ScanIndexForward", "false");
  if (consistent) ddb::cmd::AddRaw(&body, "ConsistentRead", "true");
  if (ddb::Status s = ddb::cmd::AddExpressions(expressions, &body); !s.ok()) return ddb::cmd::Fail(kProgram, s);
  int rc = 0;
  auto session = ddb::cmd::OpenSession(kProgram, options, &rc);
  if (session == nullptr) return rc;
  return ddb::cmd::RunPagedRead(kProgram, *session, "Query", body, read);
}
