// ddb-put: write items, given with --item or as JSON lines on stdin. See man/ddb-put.1.
#include <iostream>

#include "cmd/common/expression_options.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/limits.h"

namespace {

constexpr const char* kProgram = "ddb-put";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Write items: one with --item, or one per line of standard input.", kProgram);
  app.set_version_flag("--version", "ddb-put 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/true);
  ddb::cmd::ExpressionOptions expressions;
  ddb::cmd::AddExpressionOptions(app, &expressions, /*condition=*/true);
  std::string table, item_text, on_error = "stop";
  bool return_old = false;
  app.add_option("--table", table, "Table name")->required();
  app.add_option("--item", item_text, "The item (otherwise: one item per line of stdin)");
  app.add_flag("--return-old", return_old, "Print the item each put replaced (ReturnValues=ALL_OLD)");
  app.add_option("--on-error", on_error, "For stdin input: stop at the first failed line, or skip it")
      ->check(CLI::IsMember({"stop", "skip"}));
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  int rc = 0;
  auto session = ddb::cmd::OpenSession(kProgram, options, &rc);
  if (session == nullptr) return rc;

  auto put = [&](const std::string& text, const std::string& where) -> int {
    ddb::Result<ddb::Item> item = ddb::cmd::ParseItemText(text, options.plain);
    if (!item.ok()) return ddb::cmd::Fail(kProgram, item.status(), where);
    std::string body = "{";
    ddb::cmd::AddString(&body, "TableName", table);
    ddb::cmd::AddRaw(&body, "Item", ddb::ToDynamoJson(*item));
    if (return_old) ddb::cmd::AddString(&body, "ReturnValues", "ALL_OLD");
    if (ddb::Status s = ddb::cmd::AddExpressions(expressions, &body); !s.ok()) {
      return ddb::cmd::Fail(kProgram, s);
    }
    body += "}";
    ddb::Result<std::string> r = session->Call("PutItem", body);
    if (!r.ok()) return ddb::cmd::Fail(kProgram, r.status(), where);
    if (return_old) {
      rapidjson::Document doc;
      (void)ddb::ParseJsonDocument(*r, &doc);
      ddb::Result<std::optional<ddb::Item>> old = ddb::cmd::ResponseItem(doc, "Attributes");
      if (old.ok() && old->has_value()) std::cout << ddb::cmd::FormatItem(**old, options.plain) << "\n";
    }
    return ddb::cmd::kExitOk;
  };
  if (!item_text.empty()) return put(item_text, "");
  // Every line is checked before anything is written, so that with --on-error=stop a bad
  // line leaves the table untouched (ddb-import does the same for inputs of any size).
  ddb::cmd::LineReader reader(std::cin);
  std::string line;
  std::vector<std::pair<size_t, std::string>> lines;
  int worst = ddb::cmd::kExitOk;
  while (reader.Next(&line)) {
    const std::string where = "line " + std::to_string(reader.line_number());
    ddb::Result<ddb::Item> item = ddb::cmd::ParseItemText(line, options.plain);
    ddb::Status s = item.ok() ? ddb::ValidateItem(*item) : item.status();
    if (!s.ok()) {
      worst = ddb::cmd::Fail(kProgram, s, where);
      if (on_error == "stop") return worst;
      continue;
    }
    lines.emplace_back(reader.line_number(), std::move(line));
  }
  for (const auto& [number, text] : lines) {
    int line_rc = put(text, "line " + std::to_string(number));
    if (line_rc != ddb::cmd::kExitOk) {
      worst = line_rc;
      if (on_error == "stop") break;
    }
  }
  return worst;
}
