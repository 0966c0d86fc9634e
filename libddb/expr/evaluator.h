// Evaluation of resolved conditions and projections against items.
//
// Semantics are DynamoDB's: a comparison between values of different types is false (and <>
// true); a missing attribute makes every comparison false except <>, which is true; ordering
// applies to S (bytes), N (numerically) and B (unsigned bytes) only; size() of a number,
// boolean or null is no value, so comparisons with it are false.
//
// Thread-safety: pure functions.
#pragma once

#include <vector>

#include "libddb/core/result.h"
#include "libddb/expr/ast.h"

namespace ddb::expr {

// The value at `path` in `item`, or null if any step is missing or of the wrong type.
const AttributeValue* Lookup(const Item& item, const Path& path);

// Three-way comparison of two values of one orderable type (S, N or B): DynamoDB's order,
// S and B by unsigned bytes, N numerically. REQUIRES: same type, one of S, N, B.
int OrderScalars(const AttributeValue& a, const AttributeValue& b);

// REQUIRES: `condition` resolved (Placeholders::ResolveCondition).
bool Evaluate(const Condition& condition, const Item& item);

// The item reduced to `paths`, keeping the nesting (a.b -> {"a":{"b":...}}) and compacting
// list elements in index order (l[2], l[0] -> {"l":[l0, l2]}). Missing paths are left out.
// REQUIRES: the paths do not overlap (CheckPathsDisjoint).
Item Project(const Item& item, const std::vector<const Path*>& paths);
Item Project(const Item& item, const ProjectionExpression& projection);

}  // namespace ddb::expr
