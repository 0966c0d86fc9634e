// Prints an expression AST back as expression text, fully parenthesized where precedence
// matters, so that Parse(Print(ast)) yields the same AST: the round-trip property the tests
// check on random expressions. Resolved values of translated legacy parameters, which have no
// placeholder, print as their DynamoDB JSON.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "libddb/expr/ast.h"

namespace ddb::expr {

std::string Print(const Path& path);
std::string Print(const Operand& operand);
std::string Print(const Condition& condition);
std::string Print(const UpdateExpression& update);
std::string Print(const ProjectionExpression& projection);

}  // namespace ddb::expr
