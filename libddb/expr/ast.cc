#include "libddb/expr/ast.h"

namespace ddb::expr {

std::string_view ExpressionKindName(ExpressionKind kind) {
  switch (kind) {
    case ExpressionKind::kCondition: return "ConditionExpression";
    case ExpressionKind::kFilter: return "FilterExpression";
    case ExpressionKind::kKeyCondition: return "KeyConditionExpression";
    case ExpressionKind::kProjection: return "ProjectionExpression";
    case ExpressionKind::kUpdate: return "UpdateExpression";
  }
  return "Expression";
}

std::string Path::ToMessageString() const {
  std::string out = "[";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out += ", ";
    if (elements[i].is_index) {
      out += "[" + std::to_string(elements[i].index) + "]";
    } else {
      out += elements[i].name;
    }
  }
  out += "]";
  return out;
}

std::string_view ComparatorText(Comparator c) {
  switch (c) {
    case Comparator::kEq: return "=";
    case Comparator::kNe: return "<>";
    case Comparator::kLt: return "<";
    case Comparator::kLe: return "<=";
    case Comparator::kGt: return ">";
    case Comparator::kGe: return ">=";
  }
  return "?";
}

std::string_view FunctionName(Function f) {
  switch (f) {
    case Function::kAttributeExists: return "attribute_exists";
    case Function::kAttributeNotExists: return "attribute_not_exists";
    case Function::kAttributeType: return "attribute_type";
    case Function::kBeginsWith: return "begins_with";
    case Function::kContains: return "contains";
  }
  return "?";
}

std::string_view UpdateActionName(UpdateActionKind kind) {
  switch (kind) {
    case UpdateActionKind::kSet: return "SET";
    case UpdateActionKind::kRemove: return "REMOVE";
    case UpdateActionKind::kAdd: return "ADD";
    case UpdateActionKind::kDelete: return "DELETE";
  }
  return "?";
}

}  // namespace ddb::expr
