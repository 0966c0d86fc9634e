// ddb-batch-write: apply write requests given as JSON lines on stdin (BatchWriteItem, 25 at a
// time). See man/ddb-batch-write.1.
#include <iostream>

#include "cmd/common/client_command.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/json_writer.h"
#include "libddb/model/limits.h"

int main(int argc, char** argv) {
  constexpr const char* kProgram = "ddb-batch-write";
  CLI::App app("Apply write requests ({\"PutRequest\":{\"Item\":...}} or {\"DeleteRequest\":{\"Key\":...}}), one per line of stdin.", kProgram);
  app.set_version_flag("--version", "ddb-batch-write 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/false);
  std::string table;
  app.add_option("--table", table, "Table name")->required();
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;
  // Check every request before sending any.
  ddb::cmd::LineReader reader(std::cin);
  std::string line;
  std::vector<std::string> requests;
  while (reader.Next(&line)) {
    const std::string where = "line " + std::to_string(reader.line_number());
    rapidjson::Document doc;
    ddb::Status s = ddb::ParseJsonDocument(line, &doc);
    if (s.ok() && (!doc.IsObject() || doc.MemberCount() != 1 ||
                   (!doc.HasMember("PutRequest") && !doc.HasMember("DeleteRequest")))) {
      s = ddb::Status::Validation("expected {\"PutRequest\":{\"Item\":...}} or {\"DeleteRequest\":{\"Key\":...}}");
    }
    if (s.ok()) {
      const bool put = doc.HasMember("PutRequest");
      const rapidjson::Value& body = put ? doc["PutRequest"] : doc["DeleteRequest"];
      const char* member = put ? "Item" : "Key";
      if (!body.IsObject() || !body.HasMember(member)) {
        s = ddb::Status::Validation(std::string("missing ") + member);
      } else {
        ddb::Result<ddb::Item> item = ddb::ItemFromDynamoJson(body[member]);
        s = item.ok() ? (put ? ddb::ValidateItem(*item) : ddb::Status::OK()) : item.status();
        if (s.ok()) {
          requests.push_back(std::string("{\"") + (put ? "PutRequest" : "DeleteRequest") + "\":{\"" + member +
                             "\":" + ddb::ToDynamoJson(*item) + "}}");
        }
      }
    }
    if (!s.ok()) {
      ddb::cmd::Fail(kProgram, s, where);
      std::cerr << kProgram << ": nothing written\n";
      return ddb::cmd::kExitError;
    }
  }
  int rc = 0;
  auto session = ddb::cmd::OpenSession(kProgram, options, &rc);
  if (session == nullptr) return rc;
  size_t written = 0;
  for (size_t begin = 0; begin < requests.size(); begin += 25) {
    const size_t end = std::min(requests.size(), begin + 25);
    ddb::Status s = ddb::client::WriteBatch(
        *session, table, std::vector<std::string>(requests.begin() + static_cast<std::ptrdiff_t>(begin),
                                                  requests.begin() + static_cast<std::ptrdiff_t>(end)));
    if (!s.ok()) return ddb::cmd::Fail(kProgram, s, "after " + std::to_string(written) + " requests");
    written += end - begin;
  }
  std::cout << "{\"written\":" << written << "}\n";
  return ddb::cmd::kExitOk;
}
