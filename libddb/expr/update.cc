#include "libddb/expr/update.h"

#include <algorithm>

#include "libddb/expr/evaluator.h"

namespace ddb::expr {

namespace {

Status Missing() {
  return Status::Validation(
      "The provided expression refers to an attribute that does not exist in the item");
}
Status BadPath() {
  return Status::Validation("The document path provided in the update expression is invalid for update");
}
Status BadType() {
  return Status::Validation("An operand in the update expression has an incorrect data type");
}
Status LegacyBadType() { return Status::Validation("Type mismatch for attribute to update"); }

// Computes a SET value against the old item.
Result<AttributeValue> Compute(const Operand& o, const Item& old) {
  switch (o.kind) {
    case OperandKind::kValue: return o.value;
    case OperandKind::kPath: {
      const AttributeValue* v = Lookup(old, o.path);
      if (v == nullptr) return Missing();
      return *v;
    }
    case OperandKind::kIfNotExists: {
      const AttributeValue* v = Lookup(old, o.args[0].path);
      if (v != nullptr) return *v;
      return Compute(o.args[1], old);
    }
    case OperandKind::kListAppend: {
      DDB_ASSIGN_OR_RETURN(AttributeValue a, Compute(o.args[0], old));
      DDB_ASSIGN_OR_RETURN(AttributeValue b, Compute(o.args[1], old));
      if (a.type() != AttrType::kL || b.type() != AttrType::kL) return BadType();
      AttributeList list = std::move(a.mutable_l());
      for (AttributeValue& e : b.mutable_l()) list.push_back(std::move(e));
      return AttributeValue::L(std::move(list));
    }
    case OperandKind::kPlus:
    case OperandKind::kMinus: {
      DDB_ASSIGN_OR_RETURN(AttributeValue a, Compute(o.args[0], old));
      DDB_ASSIGN_OR_RETURN(AttributeValue b, Compute(o.args[1], old));
      if (a.type() != AttrType::kN || b.type() != AttrType::kN) return BadType();
      DDB_ASSIGN_OR_RETURN(Number n, o.kind == OperandKind::kPlus ? a.n().Add(b.n())
                                                                  : a.n().Subtract(b.n()));
      return AttributeValue::N(n);
    }
    case OperandKind::kSize: break;  // not an update operand; the parser refuses it
  }
  return BadType();
}

// The container holding the last element of `path`, or null where the path leads nowhere.
AttributeValue* Parent(Item* item, const Path& path) {
  auto it = item->find(path.elements.front().name);
  if (it == item->end()) return nullptr;
  AttributeValue* v = &it->second;
  for (size_t i = 1; i + 1 < path.elements.size(); ++i) {
    const PathElement& e = path.elements[i];
    if (e.is_index) {
      if (v->type() != AttrType::kL || e.index >= v->l().size()) return nullptr;
      v = &v->mutable_l()[e.index];
    } else {
      if (v->type() != AttrType::kM) return nullptr;
      auto m = v->mutable_m().find(e.name);
      if (m == v->mutable_m().end()) return nullptr;
      v = &m->second;
    }
  }
  return v;
}

Status SetAt(Item* item, const Path& path, AttributeValue value) {
  if (path.elements.size() == 1) {
    (*item)[path.top()] = std::move(value);
    return Status::OK();
  }
  AttributeValue* parent = Parent(item, path);
  const PathElement& last = path.elements.back();
  if (parent == nullptr) return BadPath();
  if (last.is_index) {
    if (parent->type() != AttrType::kL) return BadPath();
    AttributeList& list = parent->mutable_l();
    if (last.index < list.size()) {
      list[last.index] = std::move(value);
    } else {
      list.push_back(std::move(value));  // past the end appends
    }
  } else {
    if (parent->type() != AttrType::kM) return BadPath();
    parent->mutable_m()[last.name] = std::move(value);
  }
  return Status::OK();
}

// REMOVE: a missing last element is a no-op; a missing or mistyped parent is an error unless
// the whole item is missing.
Status RemoveAt(Item* item, const Path& path, bool item_exists) {
  if (path.elements.size() == 1) {
    item->erase(path.top());
    return Status::OK();
  }
  AttributeValue* parent = Parent(item, path);
  const PathElement& last = path.elements.back();
  if (parent == nullptr) return item_exists ? BadPath() : Status::OK();
  if (last.is_index) {
    if (parent->type() != AttrType::kL) return BadPath();
    AttributeList& list = parent->mutable_l();
    if (last.index < list.size()) list.erase(list.begin() + last.index);
  } else {
    if (parent->type() != AttrType::kM) return BadPath();
    parent->mutable_m().erase(last.name);
  }
  return Status::OK();
}

template <typename T>
std::vector<T> Union(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<T> out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

template <typename T>
std::vector<T> Difference(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<T> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// ADD: numbers add, sets union, and (legacy AttributeUpdates only) lists append; a missing
// attribute becomes the operand.
Result<AttributeValue> Add(const AttributeValue* current, const AttributeValue& operand, bool legacy) {
  if (current == nullptr) return operand;
  if (current->type() != operand.type()) return legacy ? LegacyBadType() : BadType();
  switch (operand.type()) {
    case AttrType::kL: {
      if (!legacy) return BadType();
      AttributeList list = current->l();
      list.insert(list.end(), operand.l().begin(), operand.l().end());
      return AttributeValue::L(std::move(list));
    }
    case AttrType::kN: {
      DDB_ASSIGN_OR_RETURN(Number n, current->n().Add(operand.n()));
      return AttributeValue::N(n);
    }
    case AttrType::kSS: return AttributeValue::SS(Union(current->ss(), operand.ss()));
    case AttrType::kNS: return AttributeValue::NS(Union(current->ns(), operand.ns()));
    case AttrType::kBS: return AttributeValue::BS(Union(current->bs(), operand.bs()));
    default: return BadType();
  }
}

// DELETE: the set without the operand's members; nullopt when nothing is left.
Result<std::optional<AttributeValue>> Delete(const AttributeValue& current,
                                             const AttributeValue& operand, bool legacy) {
  if (current.type() != operand.type()) return legacy ? LegacyBadType() : BadType();
  std::optional<AttributeValue> out;
  switch (operand.type()) {
    case AttrType::kSS:
      if (auto left = Difference(current.ss(), operand.ss()); !left.empty()) out = AttributeValue::SS(left);
      break;
    case AttrType::kNS:
      if (auto left = Difference(current.ns(), operand.ns()); !left.empty()) out = AttributeValue::NS(left);
      break;
    case AttrType::kBS:
      if (auto left = Difference(current.bs(), operand.bs()); !left.empty()) out = AttributeValue::BS(left);
      break;
    default: return BadType();
  }
  return out;
}

// Path order for applying: names by bytes, indexes numerically, so that appends to one list
// happen in index order.
bool PathLess(const Path& a, const Path& b) {
  const size_t n = std::min(a.elements.size(), b.elements.size());
  for (size_t i = 0; i < n; ++i) {
    const PathElement& x = a.elements[i];
    const PathElement& y = b.elements[i];
    if (x.is_index != y.is_index) return x.is_index < y.is_index;
    if (x.is_index) {
      if (x.index != y.index) return x.index < y.index;
    } else if (x.name != y.name) {
      return x.name < y.name;
    }
  }
  return a.elements.size() < b.elements.size();
}

}  // namespace

Result<Item> ApplyUpdate(const UpdateExpression& update, const Item& old_item) {
  return ApplyUpdate(update, old_item, !old_item.empty());
}

Result<Item> ApplyUpdate(const UpdateExpression& update, const Item& old_item, bool item_exists) {
  // Read phase: every SET value, and the ADD/DELETE results, from the old item.
  struct Write {
    const UpdateAction* action;
    std::optional<AttributeValue> value;  // nullopt: remove (REMOVE, or DELETE of every member)
  };
  std::vector<Write> writes;
  std::vector<const UpdateAction*> removes;
  for (const UpdateAction& a : update.actions) {
    switch (a.kind) {
      case UpdateActionKind::kSet: {
        DDB_ASSIGN_OR_RETURN(AttributeValue v, Compute(a.value, old_item));
        writes.push_back({&a, std::move(v)});
        break;
      }
      case UpdateActionKind::kAdd: {
        DDB_ASSIGN_OR_RETURN(AttributeValue v, Add(Lookup(old_item, a.path), a.value.value,
                                                   update.from_attribute_updates));
        writes.push_back({&a, std::move(v)});
        break;
      }
      case UpdateActionKind::kDelete: {
        const AttributeValue* current = Lookup(old_item, a.path);
        if (current == nullptr) {
          // A missing attribute is a no-op, but a path through nothing is still invalid.
          if (a.path.elements.size() > 1 && item_exists) {
            Item probe = old_item;
            if (Parent(&probe, a.path) == nullptr) return BadPath();
          }
          break;
        }
        DDB_ASSIGN_OR_RETURN(std::optional<AttributeValue> left, Delete(*current, a.value.value,
                                                                        update.from_attribute_updates));
        writes.push_back({&a, std::move(left)});
        break;
      }
      case UpdateActionKind::kRemove: removes.push_back(&a); break;
    }
  }
  // Write phase.
  std::stable_sort(writes.begin(), writes.end(), [](const Write& x, const Write& y) {
    return PathLess(x.action->path, y.action->path);
  });
  Item item = old_item;
  for (Write& w : writes) {
    if (w.value.has_value()) {
      DDB_RETURN_IF_ERROR(SetAt(&item, w.action->path, std::move(*w.value)));
    } else {
      DDB_RETURN_IF_ERROR(RemoveAt(&item, w.action->path, item_exists));
    }
  }
  // Removes last and from the highest index down, so indexes keep meaning the old list.
  std::stable_sort(removes.begin(), removes.end(), [](const UpdateAction* x, const UpdateAction* y) {
    return PathLess(y->path, x->path);
  });
  for (const UpdateAction* r : removes) DDB_RETURN_IF_ERROR(RemoveAt(&item, r->path, item_exists));
  return item;
}

Status CheckKeyNotUpdated(const UpdateExpression& update, const std::vector<std::string>& key_names) {
  for (const UpdateAction& a : update.actions) {
    for (const std::string& key : key_names) {
      if (a.path.top() == key) {
        return Status::Validation("One or more parameter values were invalid: Cannot update "
                                  "attribute " + key + ". This attribute is part of the key");
      }
    }
  }
  return Status::OK();
}

std::vector<const Path*> UpdatedPaths(const UpdateExpression& update) {
  std::vector<const Path*> paths;
  for (const UpdateAction& a : update.actions) paths.push_back(&a.path);
  return paths;
}

}  // namespace ddb::expr
