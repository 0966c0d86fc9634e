// Scan: every item of the table, or of one segment of it (parallel scans).
#include "libddb/core/coding.h"
#include "libddb/expr/legacy.h"
#include "libddb/model/limits.h"
#include "libddb/node/handlers.h"
#include "libddb/node/read_common.h"

namespace ddb::node {

Result<std::string> Scan(Node& node, const Request& request, Reply*) {
  DDB_ASSIGN_OR_RETURN(std::string table_name, request.TableName());
  if (request.Member("IndexName") != nullptr) {
    return Status::Validation("ddb does not support secondary indexes yet: IndexName is not accepted");
  }
  {
    std::vector<std::string> legacy, expression;
    for (const char* p : {"AttributesToGet", "ScanFilter", "ConditionalOperator"}) {
      if (request.Member(p) != nullptr) legacy.push_back(p);
    }
    for (const char* p : {"ProjectionExpression", "FilterExpression"}) {
      if (request.Member(p) != nullptr) expression.push_back(p);
    }
    DDB_RETURN_IF_ERROR(expr::CheckNotMixed(legacy, expression));
  }
  DDB_ASSIGN_OR_RETURN(expr::Placeholders placeholders,
                       ReadPlaceholders(request, {"FilterExpression", "ProjectionExpression"},
                                        "FilterExpression is null"));
  DDB_ASSIGN_OR_RETURN(ReadParams params, ReadReadParams(request, &placeholders, "ScanFilter"));

  // Segment / TotalSegments: segment i of n covers hash values [i * 2^64 / n, (i+1) * 2^64 / n),
  // and item keys start with their partition key's hash, big-endian.
  const rapidjson::Value* segment = request.Member("Segment");
  const rapidjson::Value* total = request.Member("TotalSegments");
  std::string start, end;
  if (segment != nullptr || total != nullptr) {
    if (total == nullptr) {
      return Status::Validation("The TotalSegments parameter is required but was not present in the "
                                "request when parameter Segment is present");
    }
    if (segment == nullptr) {
      return Status::Validation("The Segment parameter is required but was not present in the "
                                "request when parameter TotalSegments is present");
    }
    if (!segment->IsInt64() || !total->IsInt64()) {
      return Status::Serialization("Value can not be converted to an Integer");
    }
    const int64_t s = segment->GetInt64(), n = total->GetInt64();
    if (n < 1 || n > 1000000) {
      return ConstraintViolation(std::to_string(n), "totalSegments",
                                 n < 1 ? "Member must have value greater than or equal to 1"
                                       : "Member must have value less than or equal to 1000000");
    }
    if (s < 0) {
      return ConstraintViolation(std::to_string(s), "segment", "Member must have value greater than or equal to 0");
    }
    if (s >= n) {
      return Status::Validation("The Segment parameter is zero-based and must be less than parameter "
                                "TotalSegments: Segment: " + std::to_string(s) +
                                " is out of bounds for TotalSegments: " + std::to_string(n));
    }
    auto boundary = [n](int64_t i) {
      return static_cast<uint64_t>((static_cast<Uint128>(i) << 64) / static_cast<Uint128>(n));
    };
    PutFixed64BE(&start, boundary(s));
    if (s + 1 < n) PutFixed64BE(&end, boundary(s + 1));
  }
  DDB_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, node.FindTableForRead(table_name, params.consistent));
  if (params.exclusive_start_key.has_value()) {
    DDB_ASSIGN_OR_RETURN(std::string after, StartKey(table->info, *params.exclusive_start_key));
    start = std::max(start, after + std::string(1, '\0'));
  }
  auto it = table->store->NewIterator(start, end);
  return RunRead(*table, params, it.get());
}

}  // namespace ddb::node
