// ddb-item: checks, converts and measures items given as JSON lines, with DynamoDB's own
// validation, canonical form and size rules. See man/ddb-item.1.
#include <iostream>
#include <string>

#include "cmd/common/command.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/item_size.h"
#include "libddb/model/limits.h"
#include "libddb/model/plain_json.h"

namespace {

constexpr const char* kProgram = "ddb-item";

struct Options {
  std::string from = "ddb";
  std::string to = "ddb";
  std::string on_error;  // empty: the subcommand's default
};

ddb::Result<ddb::Item> ParseLine(const Options& o, const std::string& line) {
  ddb::Result<ddb::Item> item =
      o.from == "plain" ? ddb::ParsePlainJsonItem(line) : ddb::ParseDynamoJsonItem(line);
  if (!item.ok()) return item;
  DDB_RETURN_IF_ERROR(ddb::ValidateItem(*item));
  return item;
}

// Runs `emit` on each valid item. Bad lines are reported with their number; with
// --on-error=stop the first one ends the run. Returns the exit status.
template <typename Emit>
int ForEachItem(const Options& o, bool stop_by_default, Emit emit) {
  const bool stop = o.on_error.empty() ? stop_by_default : o.on_error == "stop";
  std::ios::sync_with_stdio(false);
  ddb::cmd::LineReader reader(std::cin);
  std::string line, out;
  size_t good = 0, bad = 0;
  while (reader.Next(&line)) {
    ddb::Result<ddb::Item> item = ParseLine(o, line);
    if (!item.ok()) {
      ++bad;
      ddb::cmd::PrintError(kProgram, item.status(),
                           "line " + std::to_string(reader.line_number()));
      if (stop) break;
      continue;
    }
    ++good;
    out.clear();
    emit(*item, &out);
    if (!out.empty()) {
      out.push_back('\n');
      std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
    }
  }
  std::cout.flush();
  if (bad > 0) {
    std::cerr << kProgram << ": " << good << " items ok, " << bad << " invalid\n";
    return ddb::cmd::kExitError;
  }
  return ddb::cmd::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Check, convert and measure DynamoDB items given as JSON lines on stdin.",
               kProgram);
  app.set_version_flag("--version", "ddb-item 0.1.0");
  app.require_subcommand(1);
  Options o;
  app.add_option("--from", o.from, "Input form: ddb (DynamoDB JSON) or plain")
      ->check(CLI::IsMember({"ddb", "plain"}));
  app.add_option("--on-error", o.on_error,
                 "On an invalid line: stop, or skip it and go on (default: stop for convert "
                 "and size, skip for validate)")
      ->check(CLI::IsMember({"stop", "skip"}));

  CLI::App* convert = app.add_subcommand(
      "convert", "Print each item in canonical form (sorted names, canonical numbers)");
  convert->add_option("--to", o.to, "Output form: ddb (DynamoDB JSON) or plain")
      ->check(CLI::IsMember({"ddb", "plain"}));
  CLI::App* validate = app.add_subcommand(
      "validate", "Report every invalid line on stderr; print a summary line");
  CLI::App* size = app.add_subcommand("size", "Print each item's size as DynamoDB counts it");

  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;

  if (*convert) {
    const bool plain = o.to == "plain";
    return ForEachItem(o, /*stop_by_default=*/true, [&](const ddb::Item& item, std::string* out) {
      if (plain) {
        ddb::AppendPlainJson(item, out);
      } else {
        ddb::AppendDynamoJson(item, out);
      }
    });
  }
  if (*size) {
    return ForEachItem(o, /*stop_by_default=*/true, [](const ddb::Item& item, std::string* out) {
      *out = "{\"size\":" + std::to_string(ddb::ItemSize(item)) + "}";
    });
  }
  if (*validate) {
    size_t count = 0;
    int rc = ForEachItem(o, /*stop_by_default=*/false,
                         [&](const ddb::Item&, std::string*) { ++count; });
    std::cout << "{\"valid\":" << count << ",\"ok\":" << (rc == 0 ? "true" : "false") << "}\n";
    return rc;
  }
  return ddb::cmd::kExitUsage;
}
