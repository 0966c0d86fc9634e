// Runs a Query or Scan page after page (following LastEvaluatedKey) and prints the items as
// JSON lines as they arrive, in constant memory; or adds up Count with --count.
#pragma once

#include <iostream>
#include <string>

#include "cmd/common/client_command.h"
#include "libddb/model/dynamo_json.h"

namespace ddb::cmd {

struct PagedReadOptions {
  int64_t max_items = 0;  // 0: all
  bool count_only = false;
  bool plain = false;
};

// `body` is the request without its closing "}". Returns the exit status.
inline int RunPagedRead(std::string_view program, client::Session& session, const std::string& op,
                        const std::string& body, const PagedReadOptions& o) {
  std::string start;
  int64_t printed = 0, count = 0, scanned = 0;
  for (;;) {
    std::string request = body;
    if (o.count_only) AddString(&request, "Select", "COUNT");
    if (!start.empty()) AddRaw(&request, "ExclusiveStartKey", start);
    request += "}";
    Result<std::string> r = session.Call(op, request);
    if (!r.ok()) return Fail(program, r.status());
    rapidjson::Document doc;
    if (Status s = ParseJsonDocument(*r, &doc); !s.ok()) return Fail(program, s);
    count += doc["Count"].GetInt64();
    scanned += doc["ScannedCount"].GetInt64();
    if (!o.count_only) {
      std::string out;
      for (const auto& v : doc["Items"].GetArray()) {
        Result<Item> item = ItemFromDynamoJson(v);
        if (!item.ok()) return Fail(program, item.status());
        out += FormatItem(*item, o.plain);
        out += '\n';
        if (o.max_items > 0 && ++printed == o.max_items) break;
      }
      std::cout << out << std::flush;
      if (o.max_items > 0 && printed >= o.max_items) break;
    }
    auto last = doc.FindMember("LastEvaluatedKey");
    if (last == doc.MemberEnd()) break;
    Result<Item> key = ItemFromDynamoJson(last->value);
    if (!key.ok()) return Fail(program, key.status());
    start = ToDynamoJson(*key);
  }
  if (o.count_only) std::cout << "{\"Count\":" << count << ",\"ScannedCount\":" << scanned << "}\n";
  return kExitOk;
}

}  // namespace ddb::cmd
