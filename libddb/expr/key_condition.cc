#include "libddb/expr/key_condition.h"

#include "libddb/expr/placeholders.h"

namespace ddb::expr {

namespace {

Status Invalid(std::string msg) { return Status::Validation(std::move(msg)); }

Status NotSupported() { return Invalid("Query key condition not supported"); }

void Flatten(const Condition& c, std::vector<const Condition*>* out) {
  if (c.kind == ConditionKind::kAnd) {
    Flatten(c.children[0], out);
    Flatten(c.children[1], out);
  } else {
    out->push_back(&c);
  }
}

bool HasSize(const Operand& o) {
  if (o.kind == OperandKind::kSize) return true;
  for (const Operand& a : o.args) {
    if (HasSize(a)) return true;
  }
  return false;
}

// Flips a comparison whose key stands on the right (:v < sk  ==  sk > :v).
SortKeyOp Flip(SortKeyOp op) {
  switch (op) {
    case SortKeyOp::kLt: return SortKeyOp::kGt;
    case SortKeyOp::kLe: return SortKeyOp::kGe;
    case SortKeyOp::kGt: return SortKeyOp::kLt;
    case SortKeyOp::kGe: return SortKeyOp::kLe;
    default: return op;
  }
}

const char* OpText(SortKeyOp op) {
  switch (op) {
    case SortKeyOp::kEq: return "=";
    case SortKeyOp::kLt: return "<";
    case SortKeyOp::kLe: return "<=";
    case SortKeyOp::kGt: return ">";
    case SortKeyOp::kGe: return ">=";
    case SortKeyOp::kBetween: return "BETWEEN";
    case SortKeyOp::kBeginsWith: return "begins_with";
  }
  return "?";
}

}  // namespace

Status CheckKeyConditionOperators(const Condition& c) {
  switch (c.kind) {
    case ConditionKind::kAnd:
      DDB_RETURN_IF_ERROR(CheckKeyConditionOperators(c.children[0]));
      return CheckKeyConditionOperators(c.children[1]);
    case ConditionKind::kOr: return Invalid("Invalid operator used in KeyConditionExpression: OR");
    case ConditionKind::kNot: return Invalid("Invalid operator used in KeyConditionExpression: NOT");
    case ConditionKind::kIn: return Invalid("Invalid operator used in KeyConditionExpression: IN");
    case ConditionKind::kComparison:
      if (c.comparator == Comparator::kNe) {
        return Invalid("Invalid operator used in KeyConditionExpression: <>");
      }
      break;
    case ConditionKind::kFunction:
      if (c.function != Function::kBeginsWith) {
        return Invalid("Invalid operator used in KeyConditionExpression: " +
                       std::string(FunctionName(c.function)));
      }
      break;
    case ConditionKind::kBetween: break;
  }
  for (const Operand& o : c.operands) {
    if (HasSize(o)) return Invalid("KeyConditionExpressions cannot contain nested operations");
  }
  return Status::OK();
}

Result<KeyCondition> ExtractKeyCondition(const Condition& condition, const KeySchema& schema) {
  std::vector<const Condition*> leaves;
  Flatten(condition, &leaves);
  if (leaves.size() > 2) return Invalid("Conditions can be of length 1 or 2 only");

  struct Leaf {
    std::string name;
    SortKeyOp op;
    const AttributeValue* value;
    const AttributeValue* upper;
  };
  std::vector<Leaf> parsed;
  for (const Condition* c : leaves) {
    Leaf leaf{"", SortKeyOp::kEq, nullptr, nullptr};
    const Operand* key = nullptr;
    if (c->kind == ConditionKind::kComparison) {
      const Operand& a = c->operands[0];
      const Operand& b = c->operands[1];
      if (a.is_path() && b.is_path()) {
        return Invalid("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
      }
      if (!a.is_path() && !b.is_path()) {
        return Invalid("Invalid condition in KeyConditionExpression: No key attribute specified");
      }
      static constexpr SortKeyOp kOps[] = {SortKeyOp::kEq, SortKeyOp::kEq, SortKeyOp::kLt,
                                           SortKeyOp::kLe, SortKeyOp::kGt, SortKeyOp::kGe};
      leaf.op = kOps[static_cast<int>(c->comparator)];
      if (a.is_path()) {
        key = &a;
        leaf.value = &b.value;
      } else {
        key = &b;
        leaf.value = &a.value;
        leaf.op = Flip(leaf.op);
      }
    } else {
      // BETWEEN and begins_with: the key first, values after.
      const char* what = c->kind == ConditionKind::kBetween ? "BETWEEN" : "begins_with";
      if (!c->operands[0].is_path()) {
        bool any_path = false;
        for (const Operand& o : c->operands) any_path |= o.is_path();
        if (!any_path) {
          return Invalid("Invalid condition in KeyConditionExpression: No key attribute specified");
        }
        return Invalid(std::string("Invalid condition in KeyConditionExpression: ") + what +
                       " operator must have the key attribute as its first operand");
      }
      for (size_t i = 1; i < c->operands.size(); ++i) {
        if (c->operands[i].is_path()) {
          return Invalid("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
        }
      }
      key = &c->operands[0];
      leaf.op = c->kind == ConditionKind::kBetween ? SortKeyOp::kBetween : SortKeyOp::kBeginsWith;
      leaf.value = &c->operands[1].value;
      if (c->kind == ConditionKind::kBetween) leaf.upper = &c->operands[2].value;
    }
    if (key->path.elements.size() != 1) {
      return Invalid("KeyConditionExpressions cannot have conditions on nested attributes");
    }
    leaf.name = key->path.top();
    parsed.push_back(std::move(leaf));
  }
  if (parsed.size() == 2 && parsed[0].name == parsed[1].name) {
    return Invalid("KeyConditionExpressions must only contain one condition per key");
  }

  const Leaf* partition = nullptr;
  const Leaf* sort = nullptr;
  bool other = false;
  for (const Leaf& leaf : parsed) {
    if (leaf.name == schema.partition_key) {
      partition = &leaf;
    } else if (schema.sort_key.has_value() && leaf.name == *schema.sort_key) {
      sort = &leaf;
    } else {
      other = true;
    }
  }
  if (partition == nullptr) {
    return Invalid("Query condition missed key schema element: " + schema.partition_key);
  }
  if (other || partition->op != SortKeyOp::kEq) return NotSupported();
  const Status type_mismatch = Invalid(
      "One or more parameter values were invalid: Condition parameter type does not match schema type");
  if (partition->value->type() != schema.partition_type) return type_mismatch;
  KeyCondition out;
  out.partition_value = *partition->value;
  if (sort != nullptr) {
    if (sort->value->type() != schema.sort_type ||
        (sort->upper != nullptr && sort->upper->type() != schema.sort_type)) {
      return type_mismatch;
    }
    if (sort->op == SortKeyOp::kBeginsWith && schema.sort_type == AttrType::kN) {
      return Invalid("Invalid KeyConditionExpression: Incorrect operand type for operator or "
                     "function; operator or function: begins_with, operand type: N");
    }
    SortKeyCondition sk;
    sk.op = sort->op;
    sk.value = *sort->value;
    if (sort->upper != nullptr) sk.upper = *sort->upper;
    out.sort = std::move(sk);
  }
  return out;
}

std::string DescribeKeyCondition(const KeyCondition& kc, const KeySchema& schema) {
  std::string out = schema.partition_key + " = " + ValueForMessage(kc.partition_value);
  if (kc.sort.has_value()) {
    const SortKeyCondition& s = *kc.sort;
    out += " AND " + schema.sort_key.value_or("?") + " " + OpText(s.op) + " " +
           ValueForMessage(s.value);
    if (s.op == SortKeyOp::kBetween) out += " AND " + ValueForMessage(s.upper);
  }
  return out;
}

}  // namespace ddb::expr
