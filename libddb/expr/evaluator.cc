#include "libddb/expr/evaluator.h"

#include <algorithm>
#include <map>

namespace ddb::expr {

namespace {

const AttributeValue* Step(const AttributeValue* v, const PathElement& e) {
  if (e.is_index) {
    if (v->type() != AttrType::kL || e.index >= v->l().size()) return nullptr;
    return &v->l()[e.index];
  }
  if (v->type() != AttrType::kM) return nullptr;
  auto it = v->m().find(e.name);
  return it == v->m().end() ? nullptr : &it->second;
}

// The value of an operand: a pointer into the item, into the operand, or into *scratch for
// computed values (size). Null when there is no value.
const AttributeValue* Value(const Operand& o, const Item& item, AttributeValue* scratch) {
  switch (o.kind) {
    case OperandKind::kPath: return Lookup(item, o.path);
    case OperandKind::kValue: return &o.value;
    case OperandKind::kSize: {
      AttributeValue inner_scratch;
      const AttributeValue* v = Value(o.args[0], item, &inner_scratch);
      if (v == nullptr) return nullptr;
      size_t size;
      switch (v->type()) {
        case AttrType::kS: size = v->s().size(); break;
        case AttrType::kB: size = v->b().size(); break;
        case AttrType::kSS: size = v->ss().size(); break;
        case AttrType::kNS: size = v->ns().size(); break;
        case AttrType::kBS: size = v->bs().size(); break;
        case AttrType::kL: size = v->l().size(); break;
        case AttrType::kM: size = v->m().size(); break;
        default: return nullptr;  // N, BOOL, NULL have no size
      }
      *scratch = AttributeValue::N(Number::FromInt64(static_cast<int64_t>(size)));
      return scratch;
    }
    default: return nullptr;  // update-only operands never reach a condition
  }
}

bool Orderable(const AttributeValue& v) {
  return v.type() == AttrType::kS || v.type() == AttrType::kN || v.type() == AttrType::kB;
}

bool Compare(Comparator cmp, const AttributeValue* a, const AttributeValue* b) {
  if (cmp == Comparator::kNe) return !Compare(Comparator::kEq, a, b);
  if (a == nullptr || b == nullptr || a->type() != b->type()) return false;
  if (cmp == Comparator::kEq) return *a == *b;
  if (!Orderable(*a)) return false;
  int c = OrderScalars(*a, *b);
  switch (cmp) {
    case Comparator::kLt: return c < 0;
    case Comparator::kLe: return c <= 0;
    case Comparator::kGt: return c > 0;
    case Comparator::kGe: return c >= 0;
    default: return false;
  }
}

bool BeginsWith(const AttributeValue* a, const AttributeValue* prefix) {
  if (a == nullptr || prefix == nullptr || a->type() != prefix->type()) return false;
  if (a->type() == AttrType::kS) return a->s().starts_with(prefix->s());
  if (a->type() == AttrType::kB) return a->b().starts_with(prefix->b());
  return false;
}

bool Contains(const AttributeValue* a, const AttributeValue* x) {
  if (a == nullptr || x == nullptr) return false;
  switch (a->type()) {
    case AttrType::kS: return x->type() == AttrType::kS && a->s().find(x->s()) != std::string::npos;
    case AttrType::kB: return x->type() == AttrType::kB && a->b().find(x->b()) != std::string::npos;
    case AttrType::kSS:
      return x->type() == AttrType::kS &&
             std::binary_search(a->ss().begin(), a->ss().end(), x->s());
    case AttrType::kBS:
      return x->type() == AttrType::kB &&
             std::binary_search(a->bs().begin(), a->bs().end(), x->b());
    case AttrType::kNS:
      return x->type() == AttrType::kN &&
             std::binary_search(a->ns().begin(), a->ns().end(), x->n());
    case AttrType::kL:
      for (const AttributeValue& e : a->l()) {
        if (e == *x) return true;
      }
      return false;
    default: return false;
  }
}

// A tree of the projected paths, materialized into values once every path is in.
struct ProjectionNode {
  const AttributeValue* leaf = nullptr;
  std::map<std::string, ProjectionNode, std::less<>> members;
  std::map<uint32_t, ProjectionNode> elements;

  AttributeValue Build() const {
    if (leaf != nullptr) return *leaf;
    if (!elements.empty()) {
      AttributeList list;
      for (const auto& [index, node] : elements) list.push_back(node.Build());
      return AttributeValue::L(std::move(list));
    }
    AttributeMap map;
    for (const auto& [name, node] : members) map.emplace(name, node.Build());
    return AttributeValue::M(std::move(map));
  }
};

}  // namespace

int OrderScalars(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() == AttrType::kN) return a.n().Compare(b.n());
  const std::string& x = a.type() == AttrType::kS ? a.s() : a.b();
  const std::string& y = b.type() == AttrType::kS ? b.s() : b.b();
  int c = x.compare(y);  // char_traits<char>::compare: unsigned bytes
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

const AttributeValue* Lookup(const Item& item, const Path& path) {
  auto it = item.find(path.elements.front().name);
  if (it == item.end()) return nullptr;
  const AttributeValue* v = &it->second;
  for (size_t i = 1; i < path.elements.size() && v != nullptr; ++i) v = Step(v, path.elements[i]);
  return v;
}

bool Evaluate(const Condition& c, const Item& item) {
  AttributeValue s0, s1, s2;
  switch (c.kind) {
    case ConditionKind::kAnd: return Evaluate(c.children[0], item) && Evaluate(c.children[1], item);
    case ConditionKind::kOr: return Evaluate(c.children[0], item) || Evaluate(c.children[1], item);
    case ConditionKind::kNot: return !Evaluate(c.children[0], item);
    case ConditionKind::kComparison: {
      const AttributeValue* a = Value(c.operands[0], item, &s0);
      const AttributeValue* b = Value(c.operands[1], item, &s1);
      // A size() without a value (missing attribute, or a number, boolean or null) makes
      // the comparison false, even <>.
      if ((a == nullptr && c.operands[0].kind == OperandKind::kSize) ||
          (b == nullptr && c.operands[1].kind == OperandKind::kSize)) {
        return false;
      }
      return Compare(c.comparator, a, b);
    }
    case ConditionKind::kBetween: {
      const AttributeValue* x = Value(c.operands[0], item, &s0);
      const AttributeValue* lo = Value(c.operands[1], item, &s1);
      const AttributeValue* hi = Value(c.operands[2], item, &s2);
      return Compare(Comparator::kGe, x, lo) && Compare(Comparator::kLe, x, hi);
    }
    case ConditionKind::kIn: {
      const AttributeValue* x = Value(c.operands[0], item, &s0);
      for (size_t i = 1; i < c.operands.size(); ++i) {
        if (Compare(Comparator::kEq, x, Value(c.operands[i], item, &s1))) return true;
      }
      return false;
    }
    case ConditionKind::kFunction: {
      const AttributeValue* a = Value(c.operands[0], item, &s0);
      switch (c.function) {
        case Function::kAttributeExists: return a != nullptr;
        case Function::kAttributeNotExists: return a == nullptr;
        case Function::kAttributeType: {
          const AttributeValue* t = Value(c.operands[1], item, &s1);
          return a != nullptr && t != nullptr && t->type() == AttrType::kS &&
                 AttrTypeName(a->type()) == t->s();
        }
        case Function::kBeginsWith: return BeginsWith(a, Value(c.operands[1], item, &s1));
        case Function::kContains: return Contains(a, Value(c.operands[1], item, &s1));
      }
      return false;
    }
  }
  return false;
}

Item Project(const Item& item, const std::vector<const Path*>& paths) {
  ProjectionNode root;
  for (const Path* path : paths) {
    const AttributeValue* v = Lookup(item, *path);
    if (v == nullptr) continue;
    ProjectionNode* node = &root.members[path->elements.front().name];
    for (size_t i = 1; i < path->elements.size(); ++i) {
      const PathElement& e = path->elements[i];
      node = e.is_index ? &node->elements[e.index] : &node->members[e.name];
    }
    node->leaf = v;
  }
  Item out;
  for (const auto& [name, node] : root.members) out.emplace(name, node.Build());
  return out;
}

Item Project(const Item& item, const ProjectionExpression& projection) {
  std::vector<const Path*> paths;
  for (const Path& p : projection.paths) paths.push_back(&p);
  return Project(item, paths);
}

}  // namespace ddb::expr
