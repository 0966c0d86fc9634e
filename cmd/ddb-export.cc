// ddb-export: write every item of a table to standard output, as JSON lines or CSV.
// See man/ddb-export.1.
#include <iostream>

#include "cmd/common/client_command.h"
#include "cmd/common/csv.h"
#include "libddb/model/dynamo_json.h"

int main(int argc, char** argv) {
  constexpr const char* kProgram = "ddb-export";
  CLI::App app("Write every item of a table to standard output (JSON lines or CSV).", kProgram);
  app.set_version_flag("--version", "ddb-export 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/false);
  std::string table, format = "ddb", columns_spec;
  app.add_option("--table", table, "Table name")->required();
  app.add_option("--format", format, "ddb (DynamoDB JSON lines, default), plain (JSON lines) or csv")
      ->check(CLI::IsMember({"ddb", "plain", "csv"}));
  app.add_option("--columns", columns_spec, "For csv: the header, NAME[:TYPE],... (TYPE S, N, B, BOOL)");
  bool consistent = false;
  app.add_flag("--consistent", consistent, "Strongly consistent reads (every write acknowledged before each page)");
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  std::vector<ddb::cmd::CsvColumn> columns;
  if (format == "csv") {
    if (columns_spec.empty()) {
      std::cerr << kProgram << ": usage: --format csv needs --columns NAME[:TYPE],... (see --help)\n";
      return ddb::cmd::kExitUsage;
    }
    ddb::Result<std::vector<ddb::cmd::CsvColumn>> c = ddb::cmd::ParseCsvHeader(columns_spec);
    if (!c.ok()) return ddb::cmd::Fail(kProgram, c.status(), "--columns");
    columns = std::move(*c);
    std::cout << ddb::cmd::CsvHeader(columns) << "\n";
  }
  int rc = 0;
  auto session = ddb::cmd::OpenSession(kProgram, options, &rc);
  if (session == nullptr) return rc;
  std::string start;
  for (;;) {  // page by page: constant memory
    std::string body = "{";
    ddb::cmd::AddString(&body, "TableName", table);
    if (!start.empty()) ddb::cmd::AddRaw(&body, "ExclusiveStartKey", start);
    if (consistent) ddb::cmd::AddRaw(&body, "ConsistentRead", "true");
    ddb::Result<std::string> r = session->Call("Scan", body + "}");
    if (!r.ok()) return ddb::cmd::Fail(kProgram, r.status());
    rapidjson::Document doc;
    if (ddb::Status s = ddb::ParseJsonDocument(*r, &doc); !s.ok()) return ddb::cmd::Fail(kProgram, s);
    std::string out;
    for (const auto& v : doc["Items"].GetArray()) {
      ddb::Result<ddb::Item> item = ddb::ItemFromDynamoJson(v);
      if (!item.ok()) return ddb::cmd::Fail(kProgram, item.status());
      out += format == "csv" ? ddb::cmd::ItemToCsv(columns, *item) : ddb::cmd::FormatItem(*item, format == "plain");
      out += '\n';
    }
    std::cout << out << std::flush;
    auto last = doc.FindMember("LastEvaluatedKey");
    if (last == doc.MemberEnd()) break;
    start = ddb::ToDynamoJson(*ddb::ItemFromDynamoJson(last->value));
  }
  return ddb::cmd::kExitOk;
}
