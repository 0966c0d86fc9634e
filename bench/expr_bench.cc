// Expression engine throughput: parse + resolve + evaluate a typical filter, and parse +
// resolve + apply a typical update, on a ~1 KB item. Figures go to docs/benchmarks.md.
// Run: build/bench/expr_bench
#include <benchmark/benchmark.h>

#include "libddb/expr/evaluator.h"
#include "libddb/expr/parser.h"
#include "libddb/expr/placeholders.h"
#include "libddb/expr/update.h"
#include "libddb/model/dynamo_json.h"

namespace {

const char* kItem =
    R"({"pk":{"S":"customer#000123"},"sk":{"S":"order#2026-11-22#8842"},"status":{"S":"SHIPPED"},)"
    R"("total":{"N":"1234.56"},"quantity":{"N":"7"},"tags":{"SS":["express","fragile","priority"]},)"
    R"("address":{"M":{"city":{"S":"Cupertino"},"zip":{"S":"95014"}}},)"
    R"("lines":{"L":[{"M":{"sku":{"S":"SKU-1"},"qty":{"N":"1"}}},{"M":{"sku":{"S":"SKU-2"},"qty":{"N":"2"}}}]}})";

// #st = :shipped AND #total BETWEEN :lo AND :hi AND contains(tags, :tag) AND
// begins_with(address.zip, :zip) AND attribute_not_exists(cancelled)
const char* kFilter =
    "#st = :shipped AND #total BETWEEN :lo AND :hi AND contains(tags, :tag) AND "
    "begins_with(address.zip, :zip) AND attribute_not_exists(cancelled)";
const char* kFilterValues =
    R"({":shipped":{"S":"SHIPPED"},":lo":{"N":"100"},":hi":{"N":"5000"},":tag":{"S":"express"},)"
    R"(":zip":{"S":"950"}})";

const char* kUpdate =
    "SET #st = :delivered, quantity = quantity + :one, #lines[1].qty = :three, "
    "history = list_append(if_not_exists(history, :empty), :event) REMOVE address.zip "
    "ADD tags :gift";
const char* kUpdateValues =
    R"({":delivered":{"S":"DELIVERED"},":one":{"N":"1"},":three":{"N":"3"},":empty":{"L":[]},)"
    R"(":event":{"L":[{"S":"delivered"}]},":gift":{"SS":["gift"]}})";

const char* kNames = R"({"#st":"status","#total":"total","#lines":"lines"})";

void BM_FilterParseEvaluate(benchmark::State& state) {
  const ddb::Item item = *ddb::ParseDynamoJsonItem(kItem);
  rapidjson::Document names, values;
  (void)ddb::ParseJsonDocument(kNames, &names);
  (void)ddb::ParseJsonDocument(kFilterValues, &values);
  for (auto _ : state) {
    auto p = ddb::expr::Placeholders::FromJson(&names, &values);
    auto c = ddb::expr::ParseCondition(kFilter, ddb::expr::ExpressionKind::kFilter);
    bool ok = p->ResolveCondition(&*c, ddb::expr::ExpressionKind::kFilter).ok();
    benchmark::DoNotOptimize(ok && ddb::expr::Evaluate(*c, item));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FilterParseEvaluate);

// A Scan evaluates one parsed filter against many items: the per-item cost.
void BM_FilterEvaluateOnly(benchmark::State& state) {
  const ddb::Item item = *ddb::ParseDynamoJsonItem(kItem);
  rapidjson::Document names, values;
  (void)ddb::ParseJsonDocument(kNames, &names);
  (void)ddb::ParseJsonDocument(kFilterValues, &values);
  auto p = ddb::expr::Placeholders::FromJson(&names, &values);
  auto c = ddb::expr::ParseCondition(kFilter, ddb::expr::ExpressionKind::kFilter);
  (void)p->ResolveCondition(&*c, ddb::expr::ExpressionKind::kFilter);
  for (auto _ : state) benchmark::DoNotOptimize(ddb::expr::Evaluate(*c, item));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FilterEvaluateOnly);

void BM_UpdateParseApply(benchmark::State& state) {
  const ddb::Item item = *ddb::ParseDynamoJsonItem(kItem);
  rapidjson::Document names, values;
  (void)ddb::ParseJsonDocument(kNames, &names);
  (void)ddb::ParseJsonDocument(kUpdateValues, &values);
  for (auto _ : state) {
    auto p = ddb::expr::Placeholders::FromJson(&names, &values);
    auto u = ddb::expr::ParseUpdate(kUpdate);
    bool ok = p->ResolveUpdate(&*u).ok();
    auto updated = ddb::expr::ApplyUpdate(*u, item);
    benchmark::DoNotOptimize(ok && updated.ok());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UpdateParseApply);

}  // namespace

BENCHMARK_MAIN();
