// Data-model throughput: DynamoDB JSON parse+validate, binary encode/decode and key encoding
// of a ~1 KB nested item. Prints items/s; figures are recorded in docs/benchmarks.md.
// Run: build/bench/model_bench
#include <benchmark/benchmark.h>

#include "libddb/model/dynamo_json.h"
#include "libddb/model/item_codec.h"
#include "libddb/model/item_size.h"
#include "libddb/model/key_codec.h"
#include "libddb/model/limits.h"
#include "libddb/model/plain_json.h"

namespace {

// A typical ~1 KB item: keys, scalars of every type, a nested map, a list and sets.
std::string SampleItemJson() {
  std::string json =
      R"({"pk":{"S":"customer#000123"},"sk":{"S":"order#2026-11-22T10:15:00Z#8842"},)"
      R"("status":{"S":"SHIPPED"},"total":{"N":"1234.56"},"quantity":{"N":"7"},)"
      R"("gift":{"BOOL":false},"coupon":{"NULL":true},"signature":{"B":"c2lnbmF0dXJlLWJ5dGVz"},)"
      R"("tags":{"SS":["express","fragile","priority","international"]},)"
      R"("scores":{"NS":["1.5","2.25","3","42","-7.125"]},)"
      R"("address":{"M":{"street":{"S":"1 Infinite Loop, Building 4, Floor 2"},)"
      R"("city":{"S":"Cupertino"},"zip":{"S":"95014"},"geo":{"M":{"lat":{"N":"37.33182"},)"
      R"("lon":{"N":"-122.03118"}}}}},"lines":{"L":[)";
  for (int i = 0; i < 6; ++i) {
    if (i > 0) json += ",";
    json += R"({"M":{"sku":{"S":"SKU-)" + std::to_string(10000 + i) +
            R"("},"name":{"S":"Widget model )" + std::to_string(i) +
            R"( with a longer description"},"price":{"N":"19.99"},"qty":{"N":")" +
            std::to_string(i + 1) + R"("}}})";
  }
  json += "]}}";
  return json;
}

void BM_DynamoJsonParseValidate(benchmark::State& state) {
  const std::string json = SampleItemJson();
  for (auto _ : state) {
    ddb::Result<ddb::Item> item = ddb::ParseDynamoJsonItem(json);
    benchmark::DoNotOptimize(ddb::ValidateItem(*item).ok());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(json.size()));
  state.counters["json_bytes"] = static_cast<double>(json.size());
  state.counters["item_size"] =
      static_cast<double>(ddb::ItemSize(*ddb::ParseDynamoJsonItem(json)));
}
BENCHMARK(BM_DynamoJsonParseValidate);

void BM_DynamoJsonWrite(benchmark::State& state) {
  const ddb::Item item = *ddb::ParseDynamoJsonItem(SampleItemJson());
  std::string out;
  for (auto _ : state) {
    out.clear();
    ddb::AppendDynamoJson(item, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DynamoJsonWrite);

void BM_PlainJsonParse(benchmark::State& state) {
  const std::string plain = ddb::ToPlainJson(*ddb::ParseDynamoJsonItem(SampleItemJson()));
  for (auto _ : state) benchmark::DoNotOptimize(ddb::ParsePlainJsonItem(plain).ok());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PlainJsonParse);

void BM_BinaryEncode(benchmark::State& state) {
  const ddb::Item item = *ddb::ParseDynamoJsonItem(SampleItemJson());
  std::string out;
  for (auto _ : state) {
    out.clear();
    ddb::EncodeItem(item, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["encoded_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_BinaryEncode);

void BM_BinaryDecode(benchmark::State& state) {
  const std::string encoded = ddb::EncodeItem(*ddb::ParseDynamoJsonItem(SampleItemJson()));
  for (auto _ : state) benchmark::DoNotOptimize(ddb::DecodeItem(encoded).ok());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BinaryDecode);

void BM_ItemKeyEncode(benchmark::State& state) {
  const ddb::AttributeValue pk = ddb::AttributeValue::S("customer#000123");
  const ddb::AttributeValue sk = ddb::AttributeValue::N(*ddb::Number::Parse("20261122101500.8842"));
  for (auto _ : state) benchmark::DoNotOptimize(ddb::EncodeItemKey(pk, &sk));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ItemKeyEncode);

void BM_NumberParse(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ddb::Number::Parse("-12345.678901234e-3").ok());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NumberParse);

}  // namespace

BENCHMARK_MAIN();
