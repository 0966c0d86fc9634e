// A request's ExpressionAttributeNames and ExpressionAttributeValues, and the resolution of an
// expression's placeholders against them.
//
// Resolution walks each condition left to right and runs DynamoDB's checks on every part in
// its order: undefined placeholders, operand counts, operands that must differ, operand types
// of constants; update and projection paths are then checked for overlaps and conflicts.
// Which placeholders were used is remembered across all the expressions of one request, so
// CheckAllUsed() can report the unused ones once every expression is resolved.
//
// Thread-safety: one object per request, used by one thread.
#pragma once

#include <map>
#include <set>
#include <string>

#include <rapidjson/document.h>

#include "libddb/core/result.h"
#include "libddb/expr/ast.h"

namespace ddb::expr {

class Placeholders {
 public:
  using Names = std::map<std::string, std::string>;
  using Values = std::map<std::string, AttributeValue>;

  // No names and no values (a request without either parameter).
  Placeholders() = default;

  // Validates the parameters as DynamoDB does: a given map is not empty, keys are
  // #[A-Za-z0-9_]+ / :[A-Za-z0-9_]+ of at most 255 bytes, names are not empty. Null means the
  // parameter is absent.
  static Result<Placeholders> Create(const Names* names, const Values* values);

  // Reads the request members "ExpressionAttributeNames" / "ExpressionAttributeValues" (either
  // may be null), with DynamoDB's wording for bad entries ("ExpressionAttributeValues contains
  // invalid value: ... for key :v").
  static Result<Placeholders> FromJson(const rapidjson::Value* names,
                                       const rapidjson::Value* values);

  bool has_names() const { return has_names_; }
  bool has_values() const { return has_values_; }

  Status ResolveCondition(Condition* condition, ExpressionKind kind);
  Status ResolveUpdate(UpdateExpression* update);
  Status ResolveProjection(ProjectionExpression* projection);

  // "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}", then
  // the same for values. Call after every expression of the request is resolved.
  Status CheckAllUsed() const;

 private:
  Status ResolvePath(Path* path, ExpressionKind kind);
  Status ResolveOperand(Operand* operand, ExpressionKind kind);
  Status ResolveLeaf(Condition* c, ExpressionKind kind);

  Names names_;
  Values values_;
  bool has_names_ = false;
  bool has_values_ = false;
  std::set<std::string> used_names_;
  std::set<std::string> used_values_;
};

// DynamoDB's overlap and conflict rule for a list of document paths (update targets or
// projections): "Two document paths overlap with each other; ..." when one is a prefix of the
// other, "... conflict ..." when one treats a parent as a map and the other as a list.
Status CheckPathsDisjoint(const std::vector<const Path*>& paths, ExpressionKind kind);

// "{N:1}", "{S:a}": how DynamoDB shows a constant in messages.
std::string ValueForMessage(const AttributeValue& v);

}  // namespace ddb::expr
