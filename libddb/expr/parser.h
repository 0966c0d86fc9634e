// Parsing of DynamoDB expressions into the AST of ast.h.
//
// Each function checks, in the order DynamoDB reports them: the expression's size (at most
// 4 KB) and emptiness, syntax ("Syntax error; token: ..., near: ..."), redundant parentheses,
// function names, where functions may appear, reserved words used as bare names, and the
// depth of document paths (at most 32). Placeholders are left unresolved: Placeholders
// (placeholders.h) resolves them and runs the checks that need their values. Every error is a
// ValidationException worded as DynamoDB's, prefixed "Invalid <Kind>Expression: ".
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "libddb/core/result.h"
#include "libddb/expr/ast.h"

namespace ddb::expr {

inline constexpr size_t kMaxExpressionBytes = 4096;
inline constexpr size_t kMaxPathDepth = 32;
inline constexpr size_t kMaxInOperands = 100;

// A condition: ConditionExpression, FilterExpression or KeyConditionExpression (`kind` names
// it in messages; the key-condition rules themselves are in key_condition.h).
Result<Condition> ParseCondition(std::string_view text, ExpressionKind kind);
Result<UpdateExpression> ParseUpdate(std::string_view text);
Result<ProjectionExpression> ParseProjection(std::string_view text);

// "Invalid <kind>: <message>" as a ValidationException.
Status InvalidExpression(ExpressionKind kind, std::string_view message);

}  // namespace ddb::expr
