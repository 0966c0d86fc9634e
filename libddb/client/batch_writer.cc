#include "libddb/client/batch_writer.h"

#include <algorithm>
#include <random>
#include <thread>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "libddb/model/json_writer.h"

namespace ddb::client {

Status WriteBatch(Session& session, const std::string& table, std::vector<std::string> requests,
                  std::chrono::milliseconds patience) {
  std::string table_json;
  json::AppendString(table, &table_json);
  const auto deadline = std::chrono::steady_clock::now() + patience;
  std::chrono::milliseconds backoff(25);
  std::mt19937_64 rng(std::random_device{}());
  while (!requests.empty()) {
    std::string body = "{\"RequestItems\":{" + table_json + ":[";
    for (size_t i = 0; i < requests.size(); ++i) body += (i ? "," : "") + requests[i];
    body += "]}}";
    Result<std::string> r = session.Call("BatchWriteItem", body);
    if (!r.ok()) return r.status();
    rapidjson::Document doc;
    doc.Parse(r->data(), r->size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return Status::Internal("BatchWriteItem: the node's response is not a JSON object");
    }
    std::vector<std::string> left;
    auto unprocessed = doc.FindMember("UnprocessedItems");
    if (unprocessed != doc.MemberEnd() && unprocessed->value.IsObject()) {
      auto list = unprocessed->value.FindMember(table.c_str());
      if (list != unprocessed->value.MemberEnd() && list->value.IsArray()) {
        for (const auto& request : list->value.GetArray()) {
          rapidjson::StringBuffer buffer;
          rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
          request.Accept(writer);
          left.emplace_back(buffer.GetString(), buffer.GetSize());
        }
      }
    }
    requests = std::move(left);
    if (requests.empty()) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(Code::kServiceUnavailable,
                    std::to_string(requests.size()) + " write requests to " + table +
                        " stayed unprocessed for " + std::to_string(patience.count() / 1000) + " s");
    }
    std::uniform_int_distribution<int64_t> jitter(0, backoff.count());
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  return Status::OK();
}

}  // namespace ddb::client
