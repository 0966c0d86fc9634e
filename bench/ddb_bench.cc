// ddb-bench: a load generator over ddb's native protocol, beside raw LevelDB on the same disk
// in the same run. Prints ops/s and p50/p99/p999 per workload and client count.
//
// Usage: build/bench/ddb-bench --cluster FILE [--clients 1,16] [--seconds 5] [--items 20000]
//                              [--workloads put,get,query] [--raw-dir DIR]
//                              [--raw no]  (skip the raw LevelDB runs, e.g. while profiling)
//                              [--driver loop|threads]
// --driver loop (the default) drives every client connection from one thread, as wrk does;
// threads gives each connection a thread and a blocking net::Client (what a command uses).
// The node must be running (ddb-cluster up); the benchmark creates and deletes its tables.
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>

#include <leveldb/db.h>

#include "bench/bench_util.h"
#include "bench/loop_driver.h"
#include "libddb/client/session.h"
#include "libddb/net/client.h"

namespace {

using ddb::bench::Figures;

const std::string kPayload(1000, 'x');

std::string PutBody(const std::string& table, const std::string& pk, int64_t sk) {
  return "{\"TableName\":\"" + table + "\",\"Item\":{\"pk\":{\"S\":\"" + pk + "\"},\"sk\":{\"N\":\"" +
         std::to_string(sk) + "\"},\"payload\":{\"S\":\"" + kPayload + "\"}}}";
}

bool Must(const ddb::Result<std::string>& r, const char* what) {
  if (!r.ok()) std::fprintf(stderr, "ddb-bench: %s: %s\n", what, r.status().ToString().c_str());
  return r.ok();
}

}  // namespace

int main(int argc, char** argv) {
  std::string cluster, clients_arg = "1,16", workloads_arg = "put,get,query", raw_dir;
  double seconds = 5;
  int64_t items = 20000;
  bool with_raw = true;
  std::string driver = "loop";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--cluster") cluster = argv[i + 1];
    if (flag == "--clients") clients_arg = argv[i + 1];
    if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
    if (flag == "--items") items = std::stoll(argv[i + 1]);
    if (flag == "--workloads") workloads_arg = argv[i + 1];
    if (flag == "--raw-dir") raw_dir = argv[i + 1];
    if (flag == "--raw") with_raw = std::string(argv[i + 1]) != "no";
    if (flag == "--driver") driver = argv[i + 1];
  }
  if (driver != "loop" && driver != "threads") {
    std::fprintf(stderr, "ddb-bench: --driver takes loop or threads, not '%s'\n", driver.c_str());
    return 2;
  }
  auto session = ddb::client::Session::Open(cluster);
  if (!session.ok()) {
    std::fprintf(stderr, "ddb-bench: %s\n", session.status().ToString().c_str());
    return 1;
  }
  const std::string address = (*session)->config().nodes.front().address;
  if (raw_dir.empty()) raw_dir = (*session)->config().nodes.front().data_dir + "/../bench-raw-leveldb";
  const std::string table = "ddb_bench";
  auto setup = [&] {
    (void)(*session)->Call("DeleteTable", "{\"TableName\":\"" + table + "\"}");
    return Must((*session)->Call("CreateTable", "{\"TableName\":\"" + table +
        "\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}],"
        "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
        "\"BillingMode\":\"PAY_PER_REQUEST\"}"), "CreateTable");
  };
  using ClientPtr = std::unique_ptr<ddb::net::Client>;
  // Clients talk to the table's leader (found after each setup through ddb.NodeStatus), as a
  // client that knows the leader would; requests to another node would be forwarded there.
  std::string target = address;
  auto find_leader = [&] {
    target = address;
    for (const auto& n : (*session)->config().nodes) {
      auto c = ddb::net::Client::Connect(n.address);
      if (!c.ok()) continue;
      auto st = (*c)->Call("ddb.NodeStatus", "{}");
      if (!st.ok()) continue;
      size_t at = st->find("\"table\":\"" + table + "\",\"role\":\"Leader\"");
      if (at != std::string::npos) target = n.address;
    }
  };
  auto connect = [&](int) { return *ddb::net::Client::Connect(target); };
  auto setup_and_find_leader = [&] {
    if (!setup()) return false;
    find_leader();
    std::printf("  (table leader at %s, %zu node(s))\n", target.c_str(), (*session)->config().nodes.size());
    return true;
  };
  // Runs `clients` connections to the table's leader, each with one request in flight: all
  // from one thread (--driver loop, as wrk does), or one thread and Client each (threads).
  auto drive = [&](int clients, const ddb::bench::NextRequest& next) {
    if (driver == "loop") return ddb::bench::RunLoop(target, clients, seconds, next);
    return ddb::bench::Run<ClientPtr>(clients, seconds, connect, [&](ClientPtr& cl, int t, int64_t i) {
      std::string op, body;
      next(t, i, &op, &body);
      return cl->Call(op, body).ok();
    });
  };

  for (const std::string& workload : ddb::bench::SplitCommas(workloads_arg)) {
    for (const std::string& c : ddb::bench::SplitCommas(clients_arg)) {
      const int clients = std::stoi(c);
      if (workload == "put") {
        // Raw LevelDB: synced puts of the same size at the same concurrency.
        std::filesystem::remove_all(raw_dir);
        leveldb::Options o;
        o.create_if_missing = true;
        leveldb::DB* db = nullptr;
        if (!leveldb::DB::Open(o, raw_dir, &db).ok()) return 1;
        leveldb::WriteOptions wo;
        wo.sync = true;
        const std::string value(1050, 'x');
        Figures raw;
        if (with_raw) {
          raw = ddb::bench::Run<int>(clients, seconds, [](int) { return 0; }, [&](int&, int t, int64_t i) {
            return db->Put(wo, "user#" + std::to_string(t) + "#" + std::to_string(i), value).ok();
          });
        }
        delete db;
        std::filesystem::remove_all(raw_dir);
        if (with_raw) ddb::bench::Print("raw leveldb sync put (1 KB)", clients, raw);
        if (!setup_and_find_leader()) return 1;
        Figures f = drive(clients, [&](int conn, int64_t i, std::string* op, std::string* body) {
          *op = "PutItem";
          *body = PutBody(table, "user#" + std::to_string(conn), i);
        });
        ddb::bench::Print("ddb PutItem (1 KB, synced)", clients, f);
        if (with_raw) std::printf("  ratio ddb/raw: %.2f\n", f.ops_per_sec / raw.ops_per_sec);
      } else if (workload == "get") {
        if (!setup_and_find_leader()) return 1;
        for (int64_t i = 0; i < items; ++i) {  // preload: 1 item per partition key
          if (!Must((*session)->Call("PutItem", PutBody(table, "k" + std::to_string(i), 0)), "preload")) return 1;
        }
        // Raw LevelDB: random gets of the same number of 1 KB values.
        std::filesystem::remove_all(raw_dir);
        leveldb::Options o;
        o.create_if_missing = true;
        leveldb::DB* db = nullptr;
        if (!leveldb::DB::Open(o, raw_dir, &db).ok()) return 1;
        for (int64_t i = 0; i < items; ++i) (void)db->Put(leveldb::WriteOptions(), "k" + std::to_string(i), std::string(1050, 'x'));
        Figures raw = ddb::bench::Run<std::mt19937_64>(clients, seconds, [&](int t) { return std::mt19937_64(t); },
            [&](std::mt19937_64& rng, int, int64_t) {
              std::string v;
              return db->Get(leveldb::ReadOptions(), "k" + std::to_string(rng() % items), &v).ok();
            });
        delete db;
        std::filesystem::remove_all(raw_dir);
        ddb::bench::Print("raw leveldb random get", clients, raw);
        std::vector<std::mt19937_64> rngs;
        for (int t = 0; t < clients; ++t) rngs.emplace_back(t);
        Figures f = drive(clients, [&](int conn, int64_t, std::string* op, std::string* body) {
          *op = "GetItem";
          *body = "{\"TableName\":\"" + table + "\",\"Key\":{\"pk\":{\"S\":\"k" +
                  std::to_string(rngs[static_cast<size_t>(conn)]() % items) + "\"},\"sk\":{\"N\":\"0\"}}}";
        });
        ddb::bench::Print("ddb GetItem (random key)", clients, f);
      } else if (workload == "query") {
        if (!setup_and_find_leader()) return 1;
        const int64_t partitions = std::max<int64_t>(1, items / 100);
        for (int64_t p = 0; p < partitions; ++p) {  // 100 sort keys per partition key
          for (int64_t s = 0; s < 100; ++s) {
            if (!Must((*session)->Call("PutItem", PutBody(table, "p" + std::to_string(p), s)), "preload")) return 1;
          }
        }
        std::vector<std::mt19937_64> rngs;
        for (int t = 0; t < clients; ++t) rngs.emplace_back(t);
        Figures f = drive(clients, [&](int conn, int64_t, std::string* op, std::string* body) {
          std::mt19937_64& rng = rngs[static_cast<size_t>(conn)];
          *op = "Query";
          *body = "{\"TableName\":\"" + table +
                  "\",\"KeyConditionExpression\":\"pk = :p AND sk >= :s\",\"Limit\":10,\"ExpressionAttributeValues\":"
                  "{\":p\":{\"S\":\"p" + std::to_string(rng() % partitions) + "\"},\":s\":{\"N\":\"" +
                  std::to_string(rng() % 90) + "\"}}}";
        });
        ddb::bench::Print("ddb Query (Limit 10, 1 KB items)", clients, f);
      }
    }
  }
  (void)(*session)->Call("DeleteTable", "{\"TableName\":\"" + table + "\"}");
  return 0;
}
