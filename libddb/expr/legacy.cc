#include "libddb/expr/legacy.h"

#include <map>

#include "libddb/expr/evaluator.h"
#include "libddb/model/dynamo_json.h"
#include "libddb/model/limits.h"

namespace ddb::expr {

namespace {

constexpr std::string_view kInvalid = "One or more parameter values were invalid: ";

Status Invalid(std::string msg) { return Status::Validation(std::string(kInvalid) + msg); }

std::string_view StringOf(const rapidjson::Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

std::string LowerFirst(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

Operand PathOperand(const std::string& name) {
  Operand o;
  o.kind = OperandKind::kPath;
  PathElement e;
  e.name = name;
  o.path.elements.push_back(std::move(e));
  return o;
}

Operand ValueOperand(AttributeValue v) {
  Operand o;
  o.kind = OperandKind::kValue;
  o.value = std::move(v);
  return o;
}

Condition Leaf(ConditionKind kind, std::vector<Operand> operands) {
  Condition c;
  c.kind = kind;
  c.operands = std::move(operands);
  return c;
}

Condition FunctionCondition(Function f, std::vector<Operand> operands) {
  Condition c = Leaf(ConditionKind::kFunction, std::move(operands));
  c.function = f;
  return c;
}

Condition Combine(ConditionKind kind, Condition a, Condition b) {
  Condition c;
  c.kind = kind;
  c.children.push_back(std::move(a));
  c.children.push_back(std::move(b));
  return c;
}

enum class Op { kEq, kNe, kLe, kLt, kGe, kGt, kNotNull, kNull, kContains, kNotContains, kBeginsWith, kIn, kBetween };

struct OpInfo {
  std::string_view name;
  Op op;
  int min_args, max_args;  // max -1: unbounded
};

constexpr OpInfo kOps[] = {
    {"EQ", Op::kEq, 1, 1},           {"NE", Op::kNe, 1, 1},
    {"LE", Op::kLe, 1, 1},           {"LT", Op::kLt, 1, 1},
    {"GE", Op::kGe, 1, 1},           {"GT", Op::kGt, 1, 1},
    {"NOT_NULL", Op::kNotNull, 0, 0}, {"NULL", Op::kNull, 0, 0},
    {"CONTAINS", Op::kContains, 1, 1}, {"NOT_CONTAINS", Op::kNotContains, 1, 1},
    {"BEGINS_WITH", Op::kBeginsWith, 1, 1}, {"IN", Op::kIn, 1, -1},
    {"BETWEEN", Op::kBetween, 2, 2},
};

Result<const OpInfo*> FindOp(std::string_view name, const std::string& field) {
  for (const OpInfo& info : kOps) {
    if (info.name == name) return &info;
  }
  return ConstraintViolation(name, field,
                             "Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, "
                             "NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]");
}

bool Scalar(AttrType t) { return t == AttrType::kS || t == AttrType::kN || t == AttrType::kB; }

// Checks the argument count and types of one comparison, DynamoDB's way.
Status CheckArgs(const OpInfo& op, const std::vector<AttributeValue>& args) {
  const int n = static_cast<int>(args.size());
  if (n < op.min_args || (op.max_args >= 0 && n > op.max_args)) {
    return Invalid("Invalid number of argument(s) for the " + std::string(op.name) +
                   " ComparisonOperator");
  }
  for (const AttributeValue& v : args) {
    bool ok = true;
    switch (op.op) {
      case Op::kLe: case Op::kLt: case Op::kGe: case Op::kGt: case Op::kIn: case Op::kBetween:
        ok = Scalar(v.type());
        break;
      case Op::kContains: case Op::kNotContains:
        ok = !v.is_set() && v.type() != AttrType::kM && v.type() != AttrType::kL;
        break;
      case Op::kBeginsWith: ok = v.type() == AttrType::kS || v.type() == AttrType::kB; break;
      default: break;
    }
    if (!ok) {
      return Invalid("ComparisonOperator " + std::string(op.name) + " is not valid for " +
                     std::string(AttrTypeName(v.type())) + " AttributeValue type");
    }
  }
  if ((op.op == Op::kIn || op.op == Op::kBetween) && n > 1) {
    for (const AttributeValue& v : args) {
      if (v.type() != args[0].type()) {
        return Invalid("AttributeValues inside AttributeValueList must be of same type");
      }
    }
  }
  if (op.op == Op::kBetween && OrderScalars(args[0], args[1]) > 0) {
    return Status::Validation("The BETWEEN condition was provided a range where the lower bound "
                              "is greater than the upper bound");
  }
  return Status::OK();
}

Condition Translate(const OpInfo& op, const std::string& name, std::vector<AttributeValue> args) {
  auto compare = [&](Comparator cmp) {
    Condition c = Leaf(ConditionKind::kComparison, {PathOperand(name), ValueOperand(args[0])});
    c.comparator = cmp;
    return c;
  };
  switch (op.op) {
    case Op::kEq: return compare(Comparator::kEq);
    case Op::kNe: return compare(Comparator::kNe);
    case Op::kLe: return compare(Comparator::kLe);
    case Op::kLt: return compare(Comparator::kLt);
    case Op::kGe: return compare(Comparator::kGe);
    case Op::kGt: return compare(Comparator::kGt);
    case Op::kNotNull: return FunctionCondition(Function::kAttributeExists, {PathOperand(name)});
    case Op::kNull: return FunctionCondition(Function::kAttributeNotExists, {PathOperand(name)});
    case Op::kContains:
      return FunctionCondition(Function::kContains, {PathOperand(name), ValueOperand(args[0])});
    case Op::kNotContains: {
      // False for a missing attribute, unlike NOT contains(...).
      Condition negated;
      negated.kind = ConditionKind::kNot;
      negated.children.push_back(
          FunctionCondition(Function::kContains, {PathOperand(name), ValueOperand(args[0])}));
      return Combine(ConditionKind::kAnd,
                     FunctionCondition(Function::kAttributeExists, {PathOperand(name)}),
                     std::move(negated));
    }
    case Op::kBeginsWith:
      return FunctionCondition(Function::kBeginsWith, {PathOperand(name), ValueOperand(args[0])});
    case Op::kIn: {
      std::vector<Operand> operands{PathOperand(name)};
      for (AttributeValue& v : args) operands.push_back(ValueOperand(std::move(v)));
      return Leaf(ConditionKind::kIn, std::move(operands));
    }
    case Op::kBetween:
      return Leaf(ConditionKind::kBetween,
                  {PathOperand(name), ValueOperand(args[0]), ValueOperand(args[1])});
  }
  return Condition();
}

Result<std::vector<AttributeValue>> ValueList(const rapidjson::Value& list) {
  if (!list.IsArray()) return Status::Serialization("Expected list or null");
  std::vector<AttributeValue> out;
  for (const auto& v : list.GetArray()) {
    DDB_ASSIGN_OR_RETURN(AttributeValue value, AttributeValueFromDynamoJson(v));
    out.push_back(std::move(value));
  }
  return out;
}

const rapidjson::Value* Member(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it == object.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

// One entry of Expected / QueryFilter / ScanFilter.
Result<Condition> EntryCondition(const std::string& name, const rapidjson::Value& spec,
                                 std::string_view parameter) {
  if (!spec.IsObject()) return Status::Serialization("Expected map or null");
  const bool expected = parameter == "Expected";
  const rapidjson::Value* value = expected ? Member(spec, "Value") : nullptr;
  const rapidjson::Value* exists = expected ? Member(spec, "Exists") : nullptr;
  const rapidjson::Value* op = Member(spec, "ComparisonOperator");
  const rapidjson::Value* list = Member(spec, "AttributeValueList");
  const std::string field = LowerFirst(parameter) + "." + name + ".member.comparisonOperator";
  if (op != nullptr) {
    if (exists != nullptr) {
      return Invalid("Exists and ComparisonOperator cannot be used together for Attribute: " + name);
    }
    if (value != nullptr && list != nullptr) {
      return Invalid("Value and AttributeValueList cannot be used together for Attribute: " + name);
    }
    if (!op->IsString()) return Status::Serialization("Expected null");
    DDB_ASSIGN_OR_RETURN(const OpInfo* info, FindOp(StringOf(*op), field));
    std::vector<AttributeValue> args;
    if (list != nullptr) {
      DDB_ASSIGN_OR_RETURN(args, ValueList(*list));
    } else if (value != nullptr) {
      DDB_ASSIGN_OR_RETURN(AttributeValue v, AttributeValueFromDynamoJson(*value));
      args.push_back(std::move(v));
    }
    DDB_RETURN_IF_ERROR(CheckArgs(*info, args));
    return Translate(*info, name, std::move(args));
  }
  if (!expected) {
    return ConstraintViolation("null", field, "Member must not be null");
  }
  if (list != nullptr) {
    return Invalid("AttributeValueList can only be used with a ComparisonOperator for Attribute: " + name);
  }
  if (exists != nullptr && !exists->IsBool()) return Status::Serialization("Expected null");
  if (exists != nullptr && !exists->GetBool()) {
    if (value != nullptr) return Invalid("Value cannot be used when Exists is false for Attribute: " + name);
    return FunctionCondition(Function::kAttributeNotExists, {PathOperand(name)});
  }
  if (value == nullptr) {
    return Invalid(std::string("Value must be provided when Exists is ") +
                   (exists == nullptr ? "null" : "true") + " for Attribute: " + name);
  }
  DDB_ASSIGN_OR_RETURN(AttributeValue v, AttributeValueFromDynamoJson(*value));
  Condition c = Leaf(ConditionKind::kComparison, {PathOperand(name), ValueOperand(std::move(v))});
  c.comparator = Comparator::kEq;
  return c;
}

}  // namespace

Result<std::optional<Condition>> ConditionsFromJson(const rapidjson::Value& conditions,
                                                    const std::optional<std::string>& conditional_operator,
                                                    std::string_view parameter) {
  if (!conditions.IsObject()) return Status::Serialization("Expected map or null");
  ConditionKind join = ConditionKind::kAnd;
  if (conditional_operator.has_value()) {
    if (*conditional_operator == "OR") {
      join = ConditionKind::kOr;
    } else if (*conditional_operator != "AND") {
      return ConstraintViolation(*conditional_operator, "conditionalOperator",
                                 "Member must satisfy enum value set: [OR, AND]");
    }
    if (conditions.MemberCount() == 0) {
      return Status::Validation("ConditionalOperator cannot be used without Filter or Expected");
    }
  }
  std::optional<Condition> result;
  std::map<std::string, const rapidjson::Value*> entries;  // in name order, deterministically
  for (auto it = conditions.MemberBegin(); it != conditions.MemberEnd(); ++it) {
    entries[std::string(StringOf(it->name))] = &it->value;
  }
  for (const auto& [name, spec] : entries) {
    DDB_ASSIGN_OR_RETURN(Condition c, EntryCondition(name, *spec, parameter));
    result = result.has_value() ? Combine(join, std::move(*result), std::move(c)) : std::move(c);
  }
  return result;
}

Result<KeyCondition> KeyConditionsFromJson(const rapidjson::Value& key_conditions,
                                           const KeySchema& schema) {
  if (!key_conditions.IsObject()) return Status::Serialization("Expected map or null");
  if (key_conditions.MemberCount() == 0 || key_conditions.MemberCount() > 2) {
    return Status::Validation("Conditions can be of length 1 or 2 only");
  }
  std::optional<Condition> all;
  for (auto it = key_conditions.MemberBegin(); it != key_conditions.MemberEnd(); ++it) {
    const std::string name(StringOf(it->name));
    const rapidjson::Value& spec = it->value;
    if (!spec.IsObject()) return Status::Serialization("Expected map or null");
    const rapidjson::Value* op = Member(spec, "ComparisonOperator");
    const std::string field = "keyConditions." + name + ".member.comparisonOperator";
    if (op == nullptr) return ConstraintViolation("null", field, "Member must not be null");
    if (!op->IsString()) return Status::Serialization("Expected null");
    DDB_ASSIGN_OR_RETURN(const OpInfo* info, FindOp(StringOf(*op), field));
    std::vector<AttributeValue> args;
    if (const rapidjson::Value* list = Member(spec, "AttributeValueList"); list != nullptr) {
      DDB_ASSIGN_OR_RETURN(args, ValueList(*list));
    }
    switch (info->op) {
      case Op::kEq: case Op::kLe: case Op::kLt: case Op::kGe: case Op::kGt:
      case Op::kBeginsWith: case Op::kBetween: break;
      default: return Status::Validation("Attempted conditional constraint is not an indexable operation");
    }
    DDB_RETURN_IF_ERROR(CheckArgs(*info, args));
    Condition c = Translate(*info, name, std::move(args));
    all = all.has_value() ? Combine(ConditionKind::kAnd, std::move(*all), std::move(c)) : std::move(c);
  }
  return ExtractKeyCondition(*all, schema);
}

Result<UpdateExpression> AttributeUpdatesFromJson(const rapidjson::Value& attribute_updates) {
  if (!attribute_updates.IsObject()) return Status::Serialization("Expected map or null");
  UpdateExpression update;
  update.from_attribute_updates = true;
  std::map<std::string, const rapidjson::Value*> entries;
  for (auto it = attribute_updates.MemberBegin(); it != attribute_updates.MemberEnd(); ++it) {
    entries[std::string(StringOf(it->name))] = &it->value;
  }
  for (const auto& [name, spec] : entries) {
    if (!spec->IsObject()) return Status::Serialization("Expected map or null");
    std::string action = "PUT";
    if (const rapidjson::Value* a = Member(*spec, "Action"); a != nullptr) {
      if (!a->IsString()) return Status::Serialization("Expected null");
      action = std::string(StringOf(*a));
      if (action != "PUT" && action != "ADD" && action != "DELETE") {
        return ConstraintViolation(action, "attributeUpdates." + name + ".member.action",
                                   "Member must satisfy enum value set: [ADD, PUT, DELETE]");
      }
    }
    UpdateAction out;
    out.path = PathOperand(name).path;
    const rapidjson::Value* value = Member(*spec, "Value");
    if (value == nullptr) {
      if (action != "DELETE") return Invalid("Only DELETE action is allowed when no attribute value is specified");
      out.kind = UpdateActionKind::kRemove;
      update.actions.push_back(std::move(out));
      continue;
    }
    DDB_ASSIGN_OR_RETURN(AttributeValue v, AttributeValueFromDynamoJson(*value));
    const std::string type(AttrTypeName(v.type()));
    if (action == "DELETE") {
      if (!v.is_set()) return Invalid("DELETE action with value is not supported for the type " + type);
      out.kind = UpdateActionKind::kDelete;
    } else if (action == "ADD") {
      if (!v.is_set() && v.type() != AttrType::kN && v.type() != AttrType::kL) {
        return Invalid("ADD action is not supported for the type " + type);
      }
      out.kind = UpdateActionKind::kAdd;
    } else {
      out.kind = UpdateActionKind::kSet;
    }
    out.value = ValueOperand(std::move(v));
    update.actions.push_back(std::move(out));
  }
  return update;
}

Result<ProjectionExpression> AttributesToGetFromJson(const rapidjson::Value& attributes_to_get) {
  if (!attributes_to_get.IsArray()) return Status::Serialization("Expected list or null");
  if (attributes_to_get.Empty()) {
    return ConstraintViolation("[]", "attributesToGet",
                               "Member must have length greater than or equal to 1");
  }
  ProjectionExpression projection;
  std::map<std::string, bool> seen;
  for (const auto& v : attributes_to_get.GetArray()) {
    if (!v.IsString()) return Status::Serialization("NUMBER_VALUE can not be converted to a String");
    std::string name(StringOf(v));
    if (seen[name]) return Invalid("Duplicate value in attribute name: " + name);
    seen[name] = true;
    projection.paths.push_back(PathOperand(name).path);
  }
  return projection;
}

Status CheckNotMixed(const std::vector<std::string>& legacy_parameters,
                     const std::vector<std::string>& expression_parameters) {
  if (legacy_parameters.empty() || expression_parameters.empty()) return Status::OK();
  auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  return Status::Validation(
      "Can not use both expression and non-expression parameters in the same request: "
      "Non-expression parameters: {" + join(legacy_parameters) + "} Expression parameters: {" +
      join(expression_parameters) + "}");
}

}  // namespace ddb::expr
