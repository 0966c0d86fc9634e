// The expression AST shared by every DynamoDB expression: conditions (ConditionExpression,
// FilterExpression, KeyConditionExpression), projections and updates.
//
// The parser (parser.h) builds it with placeholders (#name, :value) still unresolved, which is
// what the printer (printer.h) prints back; Placeholders (placeholders.h) then resolves them
// against a request's ExpressionAttributeNames/Values in place, after which the evaluator
// (evaluator.h) can run it against items. The legacy parameters (legacy.h) are translated into
// the same, already resolved, AST.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libddb/model/attribute_value.h"

namespace ddb::expr {

// Which expression a piece of text is: the name appears in DynamoDB's error messages
// ("Invalid UpdateExpression: ...").
enum class ExpressionKind {
  kCondition,
  kFilter,
  kKeyCondition,
  kProjection,
  kUpdate,
};
std::string_view ExpressionKindName(ExpressionKind kind);  // "ConditionExpression", ...

// One step of a document path: an attribute (map member) name, or a list index.
struct PathElement {
  bool is_index = false;
  // Before resolution, a placeholder's text ("#n") with is_placeholder set; afterwards always
  // the real attribute name.
  std::string name;
  bool is_placeholder = false;
  uint32_t index = 0;

  friend bool operator==(const PathElement&, const PathElement&) = default;
};

// A document path: a top-level attribute name followed by map members and list indexes,
// as in a.b[2].c. The first element is always a name.
struct Path {
  std::vector<PathElement> elements;

  const std::string& top() const { return elements.front().name; }
  // DynamoDB's rendering in messages: [a, b, [2], c].
  std::string ToMessageString() const;

  friend bool operator==(const Path&, const Path&) = default;
};

// A value-producing operand.
enum class OperandKind {
  kPath,         // the value at `path` in the item
  kValue,        // an expression attribute value (placeholder, resolved to `value`)
  kSize,         // size(args[0])
  kIfNotExists,  // if_not_exists(args[0], args[1]), update only; args[0] is a path
  kListAppend,   // list_append(args[0], args[1]), update only
  kPlus,         // args[0] + args[1], update only
  kMinus,        // args[0] - args[1], update only
};

struct Operand {
  OperandKind kind = OperandKind::kValue;
  Path path;                  // kPath
  std::string placeholder;    // kValue: ":v" (empty for values of translated legacy parameters)
  AttributeValue value;       // kValue, once resolved
  std::vector<Operand> args;  // functions and + / -, see OperandKind
  size_t offset = 0;          // where it starts in the expression text

  bool is_path() const { return kind == OperandKind::kPath; }
  bool is_value() const { return kind == OperandKind::kValue; }
};

enum class Comparator { kEq, kNe, kLt, kLe, kGt, kGe };
std::string_view ComparatorText(Comparator c);  // "=", "<>", ...

enum class Function {
  kAttributeExists,     // (path)
  kAttributeNotExists,  // (path)
  kAttributeType,       // (path, type)
  kBeginsWith,          // (path, prefix)
  kContains,            // (path, operand)
};
std::string_view FunctionName(Function f);  // "attribute_exists", ...

enum class ConditionKind {
  kComparison,  // operands[0] comparator operands[1]
  kBetween,     // operands[0] BETWEEN operands[1] AND operands[2]
  kIn,          // operands[0] IN (operands[1], ...)
  kFunction,    // function(operands...)
  kAnd,         // children[0] AND children[1]
  kOr,          // children[0] OR children[1]
  kNot,         // NOT children[0]
};

struct Condition {
  ConditionKind kind = ConditionKind::kComparison;
  Comparator comparator = Comparator::kEq;
  Function function = Function::kAttributeExists;
  std::vector<Operand> operands;  // functions: their arguments, any number until checked
  std::vector<Condition> children;
};

enum class UpdateActionKind { kSet, kRemove, kAdd, kDelete };
std::string_view UpdateActionName(UpdateActionKind kind);  // "SET", ...

struct UpdateAction {
  UpdateActionKind kind = UpdateActionKind::kSet;
  Path path;
  Operand value;  // SET: the new value; ADD/DELETE: the operand (a value); REMOVE: unused
};

struct UpdateExpression {
  std::vector<UpdateAction> actions;  // in the order written, clause by clause
  // Translated from the legacy AttributeUpdates parameter, whose ADD also appends to lists and
  // whose type errors DynamoDB words differently.
  bool from_attribute_updates = false;
};

struct ProjectionExpression {
  std::vector<Path> paths;
};

}  // namespace ddb::expr
