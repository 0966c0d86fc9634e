// The legacy (pre-expression) request parameters, translated into the expression AST so that
// old clients run through the same evaluator: Expected, QueryFilter, ScanFilter and
// ConditionalOperator become a Condition; KeyConditions a KeyCondition; AttributeUpdates an
// UpdateExpression; AttributesToGet a ProjectionExpression. Each input is the parameter's JSON
// as sent on the wire, validated with DynamoDB's messages.
//
// Semantics kept from the legacy API: NE and NULL hold for a missing attribute; NOT_CONTAINS
// does not; IN compares for equality (never set membership); AttributeUpdates' ADD appends to
// lists.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "libddb/core/result.h"
#include "libddb/expr/ast.h"
#include "libddb/expr/key_condition.h"

namespace ddb::expr {

// Expected, QueryFilter or ScanFilter (`parameter` names which, for messages) combined with
// ConditionalOperator (AND when absent). nullopt when the map is empty: no condition.
Result<std::optional<Condition>> ConditionsFromJson(const rapidjson::Value& conditions,
                                                    const std::optional<std::string>& conditional_operator,
                                                    std::string_view parameter);

Result<KeyCondition> KeyConditionsFromJson(const rapidjson::Value& key_conditions,
                                           const KeySchema& schema);

Result<UpdateExpression> AttributeUpdatesFromJson(const rapidjson::Value& attribute_updates);

Result<ProjectionExpression> AttributesToGetFromJson(const rapidjson::Value& attributes_to_get);

// "Can not use both expression and non-expression parameters in the same request:
// Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"
// when both lists (the parameters present in a request) are non-empty.
Status CheckNotMixed(const std::vector<std::string>& legacy_parameters,
                     const std::vector<std::string>& expression_parameters);

}  // namespace ddb::expr
