#include "libddb/expr/placeholders.h"

#include "libddb/expr/evaluator.h"
#include "libddb/expr/parser.h"
#include "libddb/model/base64.h"
#include "libddb/model/dynamo_json.h"

namespace ddb::expr {

namespace {

constexpr size_t kMaxPlaceholderBytes = 255;

bool ValidKey(const std::string& key, char sigil) {
  if (key.size() < 2 || key[0] != sigil) return false;
  for (size_t i = 1; i < key.size(); ++i) {
    char c = key[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

Status CheckKey(const std::string& key, char sigil, std::string_view parameter) {
  if (!ValidKey(key, sigil)) {
    return Status::Validation(std::string(parameter) + " contains invalid key: Syntax error; key: \"" +
                              key + "\"");
  }
  if (key.size() > kMaxPlaceholderBytes) {
    return Status::Validation(std::string(parameter) +
                              " contains invalid key: The expression attribute map contains a key "
                              "that is too long");
  }
  return Status::OK();
}

std::string_view LongTypeName(AttrType t) {
  switch (t) {
    case AttrType::kS: return "STRING";
    case AttrType::kN: return "NUMBER";
    case AttrType::kB: return "BINARY";
    case AttrType::kBool: return "BOOLEAN";
    case AttrType::kNull: return "NULL";
    case AttrType::kL: return "LIST";
    case AttrType::kM: return "MAP";
    case AttrType::kSS: return "STRING_SET";
    case AttrType::kNS: return "NUMBER_SET";
    case AttrType::kBS: return "BINARY_SET";
  }
  return "?";
}

bool IsScalarKeyType(AttrType t) { return t == AttrType::kS || t == AttrType::kN || t == AttrType::kB; }

Status WrongOperandType(ExpressionKind kind, std::string_view function, std::string_view type) {
  return InvalidExpression(kind, "Incorrect operand type for operator or function; operator or "
                                 "function: " + std::string(function) +
                                     ", operand type: " + std::string(type));
}

Status WrongArity(ExpressionKind kind, std::string_view function, size_t n) {
  return InvalidExpression(kind, "Incorrect number of operands for operator or function; "
                                 "operator or function: " + std::string(function) +
                                     ", number of operands: " + std::to_string(n));
}

Status NeedsPath(ExpressionKind kind, std::string_view function) {
  return InvalidExpression(kind, "Operator or function requires a document path; operator or "
                                 "function: " + std::string(function));
}

// The constant type an operand contributes, if it is known before evaluation.
bool ConstantType(const Operand& o, AttrType* type) {
  if (o.kind == OperandKind::kValue) {
    *type = o.value.type();
    return true;
  }
  if (o.kind == OperandKind::kSize) {
    *type = AttrType::kN;
    return true;
  }
  return false;
}

}  // namespace

std::string ValueForMessage(const AttributeValue& v) {
  std::string out = "{" + std::string(AttrTypeName(v.type())) + ":";
  switch (v.type()) {
    case AttrType::kS: out += v.s(); break;
    case AttrType::kN: out += v.n().ToString(); break;
    case AttrType::kB: out += base64::Encode(v.b()); break;
    default: out += ToDynamoJson(v); break;
  }
  return out + "}";
}

Result<Placeholders> Placeholders::Create(const Names* names, const Values* values) {
  Placeholders p;
  if (names != nullptr) {
    if (names->empty()) return Status::Validation("ExpressionAttributeNames must not be empty");
    for (const auto& [key, name] : *names) {
      DDB_RETURN_IF_ERROR(CheckKey(key, '#', "ExpressionAttributeNames"));
      if (name.empty()) {
        return Status::Validation(
            "ExpressionAttributeNames contains invalid value: Empty attribute name for key " + key);
      }
    }
    p.names_ = *names;
    p.has_names_ = true;
  }
  if (values != nullptr) {
    if (values->empty()) return Status::Validation("ExpressionAttributeValues must not be empty");
    for (const auto& [key, value] : *values) {
      DDB_RETURN_IF_ERROR(CheckKey(key, ':', "ExpressionAttributeValues"));
    }
    p.values_ = *values;
    p.has_values_ = true;
  }
  return p;
}

Result<Placeholders> Placeholders::FromJson(const rapidjson::Value* names,
                                            const rapidjson::Value* values) {
  Names n;
  Values v;
  if (names != nullptr) {
    if (!names->IsObject()) return Status::Serialization("Expected map or null");
    for (auto it = names->MemberBegin(); it != names->MemberEnd(); ++it) {
      if (!it->value.IsString()) {
        return Status::Serialization("NUMBER_VALUE can not be converted to a String");
      }
      n[std::string(it->name.GetString(), it->name.GetStringLength())] =
          std::string(it->value.GetString(), it->value.GetStringLength());
    }
  }
  if (values != nullptr) {
    if (!values->IsObject()) return Status::Serialization("Expected map or null");
    for (auto it = values->MemberBegin(); it != values->MemberEnd(); ++it) {
      std::string key(it->name.GetString(), it->name.GetStringLength());
      Result<AttributeValue> value = AttributeValueFromDynamoJson(it->value);
      if (!value.ok()) {
        if (value.status().code() != Code::kValidation) return value.status();
        return Status::Validation("ExpressionAttributeValues contains invalid value: " +
                                  value.status().message() + " for key " + key);
      }
      v[key] = std::move(*value);
    }
  }
  return Create(names != nullptr ? &n : nullptr, values != nullptr ? &v : nullptr);
}

Status Placeholders::ResolvePath(Path* path, ExpressionKind kind) {
  for (PathElement& e : path->elements) {
    if (!e.is_placeholder) continue;
    auto it = names_.find(e.name);
    if (it == names_.end()) {
      return InvalidExpression(kind, "An expression attribute name used in the document path is "
                                     "not defined; attribute name: " + e.name);
    }
    used_names_.insert(e.name);
    e.name = it->second;
    e.is_placeholder = false;
  }
  return Status::OK();
}

Status Placeholders::ResolveOperand(Operand* o, ExpressionKind kind) {
  switch (o->kind) {
    case OperandKind::kPath: return ResolvePath(&o->path, kind);
    case OperandKind::kValue: {
      if (o->placeholder.empty()) return Status::OK();  // a translated legacy value
      auto it = values_.find(o->placeholder);
      if (it == values_.end()) {
        return InvalidExpression(kind, "An expression attribute value used in expression is not "
                                       "defined; attribute value: " + o->placeholder);
      }
      used_values_.insert(o->placeholder);
      o->value = it->second;
      return Status::OK();
    }
    default:
      for (Operand& arg : o->args) DDB_RETURN_IF_ERROR(ResolveOperand(&arg, kind));
      return Status::OK();
  }
}

namespace {

// Checks of one operand tree in a condition: size()'s arity and argument type.
Status CheckConditionOperand(const Operand& o, ExpressionKind kind) {
  if (o.kind != OperandKind::kSize) return Status::OK();
  if (o.args.size() != 1) return WrongArity(kind, "size", o.args.size());
  AttrType t;
  if (ConstantType(o.args[0], &t) &&
      (t == AttrType::kN || t == AttrType::kBool || t == AttrType::kNull)) {
    return WrongOperandType(kind, "size", AttrTypeName(t));
  }
  return Status::OK();
}

std::string_view OperatorName(const Condition& c) {
  switch (c.kind) {
    case ConditionKind::kComparison: return ComparatorText(c.comparator);
    case ConditionKind::kBetween: return "BETWEEN";
    case ConditionKind::kIn: return "IN";
    default: return FunctionName(c.function);
  }
}

}  // namespace

Status Placeholders::ResolveLeaf(Condition* c, ExpressionKind kind) {
  for (Operand& o : c->operands) DDB_RETURN_IF_ERROR(ResolveOperand(&o, kind));
  // Operand counts.
  if (c->kind == ConditionKind::kFunction) {
    size_t want = (c->function == Function::kAttributeExists ||
                   c->function == Function::kAttributeNotExists) ? 1 : 2;
    if (c->operands.size() != want) return WrongArity(kind, FunctionName(c->function), c->operands.size());
    if (want == 1 && !c->operands[0].is_path()) return NeedsPath(kind, FunctionName(c->function));
  }
  for (const Operand& o : c->operands) DDB_RETURN_IF_ERROR(CheckConditionOperand(o, kind));
  // The first operand must differ from the others when it is a path.
  if (c->operands.size() > 1 && c->operands[0].is_path()) {
    for (size_t i = 1; i < c->operands.size(); ++i) {
      if (c->operands[i].is_path() && c->operands[i].path == c->operands[0].path) {
        return InvalidExpression(
            kind, "The first operand must be distinct from the remaining operands for this "
                  "operator or function; operator: " + std::string(OperatorName(*c)) +
                      ", first operand: " + c->operands[0].path.ToMessageString());
      }
    }
  }
  // Types of constants.
  AttrType t;
  switch (c->kind) {
    case ConditionKind::kComparison:
      if (c->comparator == Comparator::kEq || c->comparator == Comparator::kNe) break;
      for (const Operand& o : c->operands) {
        if (ConstantType(o, &t) && !IsScalarKeyType(t)) {
          return WrongOperandType(kind, ComparatorText(c->comparator), AttrTypeName(t));
        }
      }
      break;
    case ConditionKind::kBetween: {
      for (const Operand& o : c->operands) {
        if (ConstantType(o, &t) && !IsScalarKeyType(t)) {
          return WrongOperandType(kind, "BETWEEN", AttrTypeName(t));
        }
      }
      const Operand& lo = c->operands[1];
      const Operand& hi = c->operands[2];
      if (lo.is_value() && hi.is_value()) {
        const std::string bounds = "; lower bound operand: AttributeValue: " +
                                   ValueForMessage(lo.value) +
                                   ", upper bound operand: AttributeValue: " +
                                   ValueForMessage(hi.value);
        if (lo.value.type() != hi.value.type()) {
          return InvalidExpression(
              kind, "The BETWEEN operator requires same data type for lower and upper bounds" + bounds);
        }
        if (OrderScalars(lo.value, hi.value) > 0) {
          return InvalidExpression(kind, "The BETWEEN operator requires upper bound to be greater "
                                         "than or equal to lower bound" + bounds);
        }
      }
      break;
    }
    case ConditionKind::kFunction:
      if (c->function == Function::kBeginsWith) {
        for (const Operand& o : c->operands) {
          if (ConstantType(o, &t) && t != AttrType::kS && t != AttrType::kB) {
            return WrongOperandType(kind, "begins_with", AttrTypeName(t));
          }
        }
      } else if (c->function == Function::kAttributeType) {
        if (!c->operands[0].is_path()) return NeedsPath(kind, "attribute_type");
        const Operand& type = c->operands[1];
        if (ConstantType(type, &t) && t != AttrType::kS) {
          return WrongOperandType(kind, "attribute_type", AttrTypeName(t));
        }
        AttrType parsed;
        if (type.is_value() && !AttrTypeFromName(type.value.s(), &parsed)) {
          return InvalidExpression(kind, "Invalid attribute type name found; type: " +
                                             type.value.s() +
                                             ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
        }
      }
      break;
    default: break;
  }
  return Status::OK();
}

Status Placeholders::ResolveCondition(Condition* c, ExpressionKind kind) {
  switch (c->kind) {
    case ConditionKind::kAnd:
    case ConditionKind::kOr:
    case ConditionKind::kNot:
      for (Condition& child : c->children) DDB_RETURN_IF_ERROR(ResolveCondition(&child, kind));
      return Status::OK();
    default: return ResolveLeaf(c, kind);
  }
}

namespace {

Status CheckUpdateOperand(const Operand& o, ExpressionKind kind) {
  AttrType t;
  switch (o.kind) {
    case OperandKind::kIfNotExists:
      if (o.args.size() != 2) return WrongArity(kind, "if_not_exists", o.args.size());
      if (!o.args[0].is_path()) return NeedsPath(kind, "if_not_exists");
      break;
    case OperandKind::kListAppend:
      if (o.args.size() != 2) return WrongArity(kind, "list_append", o.args.size());
      for (const Operand& a : o.args) {
        if (ConstantType(a, &t) && t != AttrType::kL) {
          return WrongOperandType(kind, "list_append", AttrTypeName(t));
        }
      }
      break;
    case OperandKind::kPlus:
    case OperandKind::kMinus:
      for (const Operand& a : o.args) {
        if (ConstantType(a, &t) && t != AttrType::kN) {
          return WrongOperandType(kind, o.kind == OperandKind::kPlus ? "+" : "-", AttrTypeName(t));
        }
      }
      break;
    default: break;
  }
  for (const Operand& a : o.args) DDB_RETURN_IF_ERROR(CheckUpdateOperand(a, kind));
  return Status::OK();
}

}  // namespace

Status Placeholders::ResolveUpdate(UpdateExpression* update) {
  constexpr ExpressionKind kKind = ExpressionKind::kUpdate;
  for (UpdateAction& a : update->actions) {
    DDB_RETURN_IF_ERROR(ResolvePath(&a.path, kKind));
    if (a.kind == UpdateActionKind::kRemove) continue;
    DDB_RETURN_IF_ERROR(ResolveOperand(&a.value, kKind));
    DDB_RETURN_IF_ERROR(CheckUpdateOperand(a.value, kKind));
    if (a.kind == UpdateActionKind::kAdd || a.kind == UpdateActionKind::kDelete) {
      const AttrType t = a.value.value.type();
      const bool ok = a.kind == UpdateActionKind::kAdd ? (t == AttrType::kN || a.value.value.is_set())
                                                       : a.value.value.is_set();
      if (!ok) {
        return InvalidExpression(kKind, "Incorrect operand type for operator or function; "
                                        "operator: " + std::string(UpdateActionName(a.kind)) +
                                            ", operand type: " + std::string(LongTypeName(t)));
      }
    }
  }
  std::vector<const Path*> paths;
  for (const UpdateAction& a : update->actions) paths.push_back(&a.path);
  return CheckPathsDisjoint(paths, kKind);
}

Status Placeholders::ResolveProjection(ProjectionExpression* projection) {
  for (Path& p : projection->paths) DDB_RETURN_IF_ERROR(ResolvePath(&p, ExpressionKind::kProjection));
  std::vector<const Path*> paths;
  for (const Path& p : projection->paths) paths.push_back(&p);
  return CheckPathsDisjoint(paths, ExpressionKind::kProjection);
}

Status CheckPathsDisjoint(const std::vector<const Path*>& paths, ExpressionKind kind) {
  // 0: the paths are independent; 1: overlap (one is a prefix of the other); 2: conflict.
  auto relation = [](const Path& a, const Path& b) {
    const size_t n = std::min(a.elements.size(), b.elements.size());
    for (size_t i = 0; i < n; ++i) {
      const PathElement& x = a.elements[i];
      const PathElement& y = b.elements[i];
      if (x.is_index != y.is_index) return 2;
      if (x != y) return 0;
    }
    return 1;
  };
  for (int wanted : {1, 2}) {  // any overlap is reported before any conflict
    for (size_t j = 1; j < paths.size(); ++j) {
      for (size_t i = 0; i < j; ++i) {
        if (relation(*paths[i], *paths[j]) != wanted) continue;
        return InvalidExpression(
            kind, std::string("Two document paths ") +
                      (wanted == 1 ? "overlap" : "conflict") +
                      " with each other; must remove or rewrite one of these paths; path one: " +
                      paths[i]->ToMessageString() + ", path two: " + paths[j]->ToMessageString());
      }
    }
  }
  return Status::OK();
}

Status Placeholders::CheckAllUsed() const {
  auto unused = [](const auto& map, const std::set<std::string>& used) {
    std::string keys;
    for (const auto& entry : map) {
      if (used.count(entry.first) != 0) continue;
      if (!keys.empty()) keys += ", ";
      keys += entry.first;
    }
    return keys;
  };
  if (std::string keys = unused(names_, used_names_); !keys.empty()) {
    return Status::Validation("Value provided in ExpressionAttributeNames unused in expressions: "
                              "keys: {" + keys + "}");
  }
  if (std::string keys = unused(values_, used_values_); !keys.empty()) {
    return Status::Validation("Value provided in ExpressionAttributeValues unused in expressions: "
                              "keys: {" + keys + "}");
  }
  return Status::OK();
}

}  // namespace ddb::expr
