// ddb-batch-get: read many items by key, keys as JSON lines on stdin. See man/ddb-batch-get.1.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "cmd/common/client_command.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/json_writer.h"

int main(int argc, char** argv) {
  constexpr const char* kProgram = "ddb-batch-get";
  CLI::App app("Read the items whose keys are given one per line on stdin (BatchGetItem, 100 at a time).", kProgram);
  app.set_version_flag("--version", "ddb-batch-get 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/true);
  std::string table, projection;
  bool consistent = false;
  app.add_option("--table", table, "Table name")->required();
  app.add_option("--projection", projection, "ProjectionExpression: the attributes to print");
  app.add_flag("--consistent", consistent, "Strongly consistent reads");
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  // Read and check every key first.
  ddb::cmd::LineReader reader(std::cin);
  std::string line;
  std::vector<std::string> keys;
  while (reader.Next(&line)) {
    ddb::Result<ddb::Item> key = ddb::cmd::ParseItemText(line, options.plain);
    if (!key.ok()) return ddb::cmd::Fail(kProgram, key.status(), "line " + std::to_string(reader.line_number()));
    keys.push_back(ddb::ToDynamoJson(*key));
  }
  int rc = 0;
  auto session = ddb::cmd::OpenSession(kProgram, options, &rc);
  if (session == nullptr) return rc;
  std::string table_json;
  ddb::json::AppendString(table, &table_json);
  for (size_t begin = 0; begin < keys.size(); begin += 100) {
    std::string pending;
    for (size_t i = begin; i < std::min(keys.size(), begin + 100); ++i) pending += (pending.empty() ? "" : ",") + keys[i];
    std::chrono::milliseconds backoff(25);
    for (bool first = true; !pending.empty(); first = false) {
      if (!first) {  // keys came back unprocessed: give the cluster a moment
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
      }
      std::string spec = "{\"Keys\":[" + pending + "]";
      if (!projection.empty()) ddb::cmd::AddString(&spec, "ProjectionExpression", projection);
      if (consistent) ddb::cmd::AddRaw(&spec, "ConsistentRead", "true");
      ddb::Result<std::string> r = session->Call("BatchGetItem", "{\"RequestItems\":{" + table_json + ":" + spec + "}}}");
      if (!r.ok()) return ddb::cmd::Fail(kProgram, r.status());
      rapidjson::Document doc;
      if (ddb::Status s = ddb::ParseJsonDocument(*r, &doc); !s.ok()) return ddb::cmd::Fail(kProgram, s);
      std::string out;
      for (const auto& v : doc["Responses"][table.c_str()].GetArray()) {
        ddb::Result<ddb::Item> item = ddb::ItemFromDynamoJson(v);
        if (!item.ok()) return ddb::cmd::Fail(kProgram, item.status());
        out += ddb::cmd::FormatItem(*item, options.plain) + "\n";
      }
      std::cout << out << std::flush;
      pending.clear();  // UnprocessedKeys: ask again for those
      auto unprocessed = doc["UnprocessedKeys"].FindMember(table.c_str());
      if (unprocessed != doc["UnprocessedKeys"].MemberEnd()) {
        for (const auto& k : unprocessed->value["Keys"].GetArray()) {
          pending += (pending.empty() ? "" : ",") + ddb::ToDynamoJson(*ddb::ItemFromDynamoJson(k));
        }
      }
    }
  }
  return ddb::cmd::kExitOk;
}
