// ddb-import: load items from standard input into a table. See man/ddb-import.1.
//
// Two passes: the input is read, checked and spooled to a temporary file first, so that with
// --on-error=stop (the default) a single bad line means nothing is written; then the spool is
// written in BatchWriteItem batches of 25 by --concurrency workers, each key always by the same
// worker so that repeated keys keep their input order.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "cmd/common/client_command.h"
#include "cmd/common/csv.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/key_codec.h"
#include "libddb/model/json_writer.h"
#include "libddb/model/limits.h"

namespace {

constexpr const char* kProgram = "ddb-import";
constexpr size_t kBatch = 25;

// One item on its way to a writer: its DynamoDB JSON and its key.
struct Pending {
  std::string json;
  std::string key;
};

// A bounded queue of items between the reader and one writer.
class ItemQueue {
 public:
  void Push(Pending item) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return queue_.size() < 256 || stop_; });
    queue_.push_back(std::move(item));
    not_empty_.notify_one();
  }
  // False once the queue is closed and empty, or stopped.
  bool Pop(Pending* item) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return !queue_.empty() || closed_ || stop_; });
    if (queue_.empty() || stop_) return false;
    *item = std::move(queue_.front());
    queue_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Pending> queue_;  // GUARDED_BY(mu_)
  bool closed_ = false, stop_ = false;  // GUARDED_BY(mu_)
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Load items from standard input (JSON lines or CSV) into a table.", kProgram);
  app.set_version_flag("--version", "ddb-import 0.1.0");
  ddb::cmd::ClientOptions options;
  ddb::cmd::AddClientOptions(app, &options, /*items=*/false);
  std::string table, format = "ddb", on_error = "stop";
  int concurrency = 4;
  app.add_option("--table", table, "Table name")->required();
  app.add_option("--format", format, "ddb (DynamoDB JSON lines, default), plain (JSON lines) or csv")
      ->check(CLI::IsMember({"ddb", "plain", "csv"}));
  app.add_option("--on-error", on_error, "stop (default: a bad line means nothing is written) or skip it")
      ->check(CLI::IsMember({"stop", "skip"}));
  app.add_option("--concurrency", concurrency, "Parallel batch writers (default 4)")->check(CLI::Range(1, 64));
  if (int rc = ddb::cmd::ParseArgs(app, argc, argv); rc >= 0) return rc;

  int rc = 0;
  auto session = ddb::cmd::OpenSession(kProgram, options, &rc);
  if (session == nullptr) return rc;
  // The key schema, to keep one key out of two requests of one batch (and to fail early on a
  // missing table, before reading any input).
  std::string describe = "{";
  ddb::cmd::AddString(&describe, "TableName", table);
  ddb::Result<std::string> described = session->Call("DescribeTable", describe + "}");
  if (!described.ok()) return ddb::cmd::Fail(kProgram, described.status());
  rapidjson::Document schema;
  (void)ddb::ParseJsonDocument(*described, &schema);
  std::vector<std::string> key_names;
  std::vector<ddb::AttrType> key_types;
  for (const auto& k : schema["Table"]["KeySchema"].GetArray()) {
    key_names.emplace_back(k["AttributeName"].GetString());
    for (const auto& d : schema["Table"]["AttributeDefinitions"].GetArray()) {
      ddb::AttrType t = ddb::AttrType::kS;
      if (key_names.back() == d["AttributeName"].GetString()) {
        ddb::AttrTypeFromName(d["AttributeType"].GetString(), &t);
        key_types.push_back(t);
      }
    }
  }

  // Pass 1: check every line, spool the good ones.
  std::FILE* spool = std::tmpfile();
  if (spool == nullptr) return ddb::cmd::Fail(kProgram, ddb::Status::IOError("cannot create a temporary file"));
  ddb::cmd::LineReader reader(std::cin);
  std::string line;
  std::vector<ddb::cmd::CsvColumn> columns;
  size_t good = 0, bad = 0;
  if (format == "csv") {
    if (!reader.Next(&line)) return ddb::cmd::Fail(kProgram, ddb::Status::Validation("no CSV header line"));
    ddb::Result<std::vector<ddb::cmd::CsvColumn>> header = ddb::cmd::ParseCsvHeader(line);
    if (!header.ok()) return ddb::cmd::Fail(kProgram, header.status(), "line 1");
    columns = std::move(*header);
  }
  while (reader.Next(&line)) {
    ddb::Result<ddb::Item> item = format == "csv" ? ddb::cmd::CsvRecordToItem(columns, line)
                                                  : ddb::cmd::ParseItemText(line, format == "plain");
    ddb::Status s = item.ok() ? ddb::ValidateItem(*item) : item.status();
    // The key checks the node would make, so that a bad line is found before anything is
    // written and named by its line number.
    for (size_t k = 0; s.ok() && k < key_names.size(); ++k) {
      auto it = item->find(key_names[k]);
      if (it == item->end()) {
        s = ddb::Status::Validation("One or more parameter values were invalid: Missing the key " +
                                    key_names[k] + " in the item");
      } else if (it->second.type() != key_types[k]) {
        s = ddb::Status::Validation("One or more parameter values were invalid: Type mismatch for key " +
                                    key_names[k] + " expected: " + std::string(ddb::AttrTypeName(key_types[k])) +
                                    " actual: " + std::string(ddb::AttrTypeName(it->second.type())));
      } else {
        s = ddb::ValidateKeyValue(key_names[k], it->second, /*partition_key=*/k == 0);
      }
    }
    if (!s.ok()) {
      ++bad;
      ddb::cmd::PrintError(kProgram, s, "line " + std::to_string(reader.line_number()));
      if (on_error == "stop") {
        std::cerr << kProgram << ": nothing imported (use --on-error skip to import the valid lines)\n";
        return ddb::cmd::kExitError;
      }
      continue;
    }
    std::string json = ddb::ToDynamoJson(*item) + "\n";
    if (std::fwrite(json.data(), 1, json.size(), spool) != json.size()) {
      return ddb::cmd::Fail(kProgram, ddb::Status::IOError("cannot write the temporary spool file (disk full?)"));
    }
    ++good;
  }
  if (std::fflush(spool) != 0 || std::ferror(spool)) {
    return ddb::cmd::Fail(kProgram, ddb::Status::IOError("cannot write the temporary spool file (disk full?)"));
  }
  std::rewind(spool);

  // Pass 2: each item goes to the writer its key hashes to, so that the writes of one key
  // happen in input order (the last line for a key wins, as with sequential puts); each writer
  // sends batches of up to 25 distinct keys.
  std::vector<ItemQueue> queues(static_cast<size_t>(concurrency));
  std::atomic<size_t> imported{0};
  std::atomic<bool> failed{false};
  ddb::Status first_error;
  std::mutex error_mu;
  auto fail_all = [&](const ddb::Status& s) {
    std::lock_guard<std::mutex> lock(error_mu);
    if (!failed.exchange(true)) first_error = s;
    for (ItemQueue& q : queues) q.Stop();
  };
  const bool progress = isatty(STDERR_FILENO) != 0;
  std::vector<std::thread> workers;
  for (int w = 0; w < concurrency; ++w) {
    workers.emplace_back([&, w] {
      ddb::Result<std::unique_ptr<ddb::client::Session>> s = ddb::client::Session::Open(options.cluster);
      if (!s.ok()) return fail_all(s.status());
      std::vector<std::string> batch;
      std::set<std::string> keys;
      auto send = [&]() -> bool {
        if (keys.empty()) return true;
        const size_t n = keys.size();
        ddb::Status st = ddb::client::WriteBatch(**s, table, std::move(batch));
        batch.clear();
        keys.clear();
        if (!st.ok()) {
          fail_all(st);
          return false;
        }
        size_t total = imported += n;
        if (progress && total % 1000 < n) std::cerr << "\r" << kProgram << ": " << total << " items" << std::flush;
        return true;
      };
      Pending item;
      while (queues[static_cast<size_t>(w)].Pop(&item)) {
        if (keys.count(item.key) != 0 && !send()) return;  // a batch may not hold one key twice
        batch.push_back("{\"PutRequest\":{\"Item\":" + item.json + "}}");
        keys.insert(std::move(item.key));
        if (keys.size() == kBatch && !send()) return;
      }
      if (!failed) send();
    });
  }
  char* buf = nullptr;
  size_t cap = 0;
  ssize_t len;
  while (!failed && (len = getline(&buf, &cap, spool)) > 0) {
    std::string json(buf, static_cast<size_t>(len));
    if (!json.empty() && json.back() == '\n') json.pop_back();
    ddb::Result<ddb::Item> item = ddb::ParseDynamoJsonItem(json);
    if (!item.ok()) {
      fail_all(item.status().WithContext("reading the spool file"));
      break;
    }
    std::string key;
    for (const std::string& k : key_names) key += ddb::ToDynamoJson((*item)[k]);
    const size_t w = std::hash<std::string>{}(key) % queues.size();
    queues[w].Push({std::move(json), std::move(key)});
  }
  std::free(buf);
  for (ItemQueue& q : queues) q.Close();
  for (auto& w : workers) w.join();
  std::fclose(spool);
  if (progress) std::cerr << "\r";
  std::cout << "{\"imported\":" << imported.load() << ",\"invalid\":" << bad << "}\n";
  if (failed) {
    return ddb::cmd::Fail(kProgram, first_error, "after " + std::to_string(imported.load()) +
                                                     " items (importing again is safe)");
  }
  return bad > 0 ? ddb::cmd::kExitError : ddb::cmd::kExitOk;
}
