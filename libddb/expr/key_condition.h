// KeyConditionExpression (and legacy KeyConditions): which partition key and which sort-key
// range a Query reads.
//
// DynamoDB's rules: only AND joins conditions; at most two conditions, one per key; the
// partition key takes '=', the sort key one of =, <, <=, >, >=, BETWEEN, begins_with; the key
// may stand on either side of a comparison; values must have the key's type.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "libddb/core/result.h"
#include "libddb/expr/ast.h"

namespace ddb::expr {

struct KeySchema {
  std::string partition_key;
  AttrType partition_type = AttrType::kS;
  std::optional<std::string> sort_key;
  AttrType sort_type = AttrType::kS;
};

enum class SortKeyOp { kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };

struct SortKeyCondition {
  SortKeyOp op = SortKeyOp::kEq;
  AttributeValue value;  // the bound, the prefix, or BETWEEN's lower bound
  AttributeValue upper;  // BETWEEN's upper bound
};

struct KeyCondition {
  AttributeValue partition_value;
  std::optional<SortKeyCondition> sort;
};

// The operator checks that need no placeholder values ("Invalid operator used in
// KeyConditionExpression: OR", "KeyConditionExpressions cannot contain nested operations").
// Run before Placeholders::ResolveCondition, as DynamoDB reports these first.
Status CheckKeyConditionOperators(const Condition& condition);

// REQUIRES: `condition` passed CheckKeyConditionOperators and is resolved.
Result<KeyCondition> ExtractKeyCondition(const Condition& condition, const KeySchema& schema);

// "pk = {S:a} AND sk BETWEEN {N:1} AND {N:5}": for tests and logs.
std::string DescribeKeyCondition(const KeyCondition& kc, const KeySchema& schema);

}  // namespace ddb::expr
