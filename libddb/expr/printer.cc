#include "libddb/expr/printer.h"

#include "libddb/model/dynamo_json.h"

namespace ddb::expr {

std::string Print(const Path& path) {
  std::string out;
  for (size_t i = 0; i < path.elements.size(); ++i) {
    const PathElement& e = path.elements[i];
    if (e.is_index) {
      out += "[" + std::to_string(e.index) + "]";
    } else {
      if (i > 0) out += ".";
      out += e.name;
    }
  }
  return out;
}

namespace {

std::string PrintArgs(const std::vector<Operand>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ", ";
    out += Print(args[i]);
  }
  return out;
}

}  // namespace

std::string Print(const Operand& operand) {
  switch (operand.kind) {
    case OperandKind::kPath: return Print(operand.path);
    case OperandKind::kValue:
      return operand.placeholder.empty() ? ToDynamoJson(operand.value) : operand.placeholder;
    case OperandKind::kSize: return "size(" + PrintArgs(operand.args) + ")";
    case OperandKind::kIfNotExists: return "if_not_exists(" + PrintArgs(operand.args) + ")";
    case OperandKind::kListAppend: return "list_append(" + PrintArgs(operand.args) + ")";
    case OperandKind::kPlus: return Print(operand.args[0]) + " + " + Print(operand.args[1]);
    case OperandKind::kMinus: return Print(operand.args[0]) + " - " + Print(operand.args[1]);
  }
  return "?";
}

std::string Print(const Condition& c) {
  switch (c.kind) {
    case ConditionKind::kComparison:
      return Print(c.operands[0]) + " " + std::string(ComparatorText(c.comparator)) + " " +
             Print(c.operands[1]);
    case ConditionKind::kBetween:
      return Print(c.operands[0]) + " BETWEEN " + Print(c.operands[1]) + " AND " +
             Print(c.operands[2]);
    case ConditionKind::kIn: {
      std::string out = Print(c.operands[0]) + " IN (";
      for (size_t i = 1; i < c.operands.size(); ++i) {
        if (i > 1) out += ", ";
        out += Print(c.operands[i]);
      }
      return out + ")";
    }
    case ConditionKind::kFunction:
      return std::string(FunctionName(c.function)) + "(" + PrintArgs(c.operands) + ")";
    case ConditionKind::kAnd:
      return "(" + Print(c.children[0]) + " AND " + Print(c.children[1]) + ")";
    case ConditionKind::kOr:
      return "(" + Print(c.children[0]) + " OR " + Print(c.children[1]) + ")";
    case ConditionKind::kNot: return "NOT " + Print(c.children[0]);  // binaries bring parentheses
  }
  return "?";
}

std::string Print(const UpdateExpression& update) {
  std::string out;
  UpdateActionKind current = UpdateActionKind::kSet;
  bool first = true;
  for (const UpdateAction& a : update.actions) {
    if (first || a.kind != current) {
      if (!first) out += " ";
      out += UpdateActionName(a.kind);
      out += " ";
      current = a.kind;
    } else {
      out += ", ";
    }
    first = false;
    out += Print(a.path);
    switch (a.kind) {
      case UpdateActionKind::kSet: out += " = " + Print(a.value); break;
      case UpdateActionKind::kAdd:
      case UpdateActionKind::kDelete: out += " " + Print(a.value); break;
      case UpdateActionKind::kRemove: break;
    }
  }
  return out;
}

std::string Print(const ProjectionExpression& projection) {
  std::string out;
  for (size_t i = 0; i < projection.paths.size(); ++i) {
    if (i > 0) out += ", ";
    out += Print(projection.paths[i]);
  }
  return out;
}

}  // namespace ddb::expr
