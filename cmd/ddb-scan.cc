// ddb-scan: every item of a table (or of one segment), as JSON lines. See man/ddb-scan.1.
#include "cmd/common/expression_options.h"
#include "cmd/common/paged_read.h"

int main(int argc, char** argv) {
  constexpr const char* kProgram = "ddb-scan";
  CLI::App app("Print every item of a table, one JSON line each.", kProgram);
  app.set_version_flag("--version", "ddb-scan 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/true);
  ddb::cmd::ExpressionOptions expressions;
  ddb::cmd::AddExpressionOptions(app, &expressions, /*condition=*/false);
  std::string table, filter, projection;
  ddb::cmd::PagedReadOptions read;
  int64_t segment = -1, total_segments = 0;
  bool consistent = false;
  app.add_option("--table", table, "Table name")->required();
  app.add_option("--filter", filter, "FilterExpression applied to the items read");
  app.add_option("--projection", projection, "ProjectionExpression: the attributes to print");
  app.add_option("--limit", read.max_items, "Print at most this many items")->check(CLI::PositiveNumber);
  app.add_flag("--count", read.count_only, "Print only {\"Count\":N,\"ScannedCount\":M}");
  app.add_option("--segment", segment, "Scan only this segment (0-based) of --total-segments")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--total-segments", total_segments, "Number of segments for parallel scans")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
  app.add_flag("--consistent", consistent, "Strongly consistent reads");
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  read.plain = options.plain;
  std::string body = "{";
  ddb::cmd::AddString(&body, "TableName", table);
  if (!filter.empty()) ddb::cmd::AddString(&body, "FilterExpression", filter);
  if (!projection.empty()) ddb::cmd::AddString(&body, "ProjectionExpression", projection);
  if (segment >= 0) ddb::cmd::AddRaw(&body, "Segment", std::to_string(segment));
  if (total_segments > 0) ddb::cmd::AddRaw(&body, "TotalSegments", std::to_string(total_segments));
  if (consistent) ddb::cmd::AddRaw(&body, "ConsistentRead", "true");
  if (ddb::Status s = ddb::cmd::AddExpressions(expressions, &body); !s.ok()) return ddb::cmd::Fail(kProgram, s);
  int rc = 0;
  auto session = ddb::cmd::OpenSession(kProgram, options, &rc);
  if (session == nullptr) return rc;
  return ddb::cmd::RunPagedRead(kProgram, *session, "Scan", body, read);
}
