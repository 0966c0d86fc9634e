// Applying a resolved UpdateExpression to an item.
//
// DynamoDB's semantics: every value is read from the old item before anything is written;
// SET on a list index past the end appends (several appends go in index order); REMOVE of
// list elements uses the original indexes and shifts the rest down; ADD adds numbers and
// unions sets, creating the attribute when missing; DELETE removes set members and the
// attribute with its last member. Applying is pure: the old item is not modified, so a
// caller may retry it against a newer item.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "libddb/core/result.h"
#include "libddb/expr/ast.h"

namespace ddb::expr {

// Returns the updated item. Errors are DynamoDB's ValidationExceptions: "The provided
// expression refers to an attribute that does not exist in the item", "The document path
// provided in the update expression is invalid for update", "An operand in the update
// expression has an incorrect data type", and the Number errors of arithmetic.
// REQUIRES: `update` resolved (Placeholders::ResolveUpdate).
// `item_exists` says whether the item is stored (by default: whether old_item has
// attributes); a REMOVE through a missing path is quietly nothing on an item that does not
// exist, and an error on one that does.
Result<Item> ApplyUpdate(const UpdateExpression& update, const Item& old_item);
Result<Item> ApplyUpdate(const UpdateExpression& update, const Item& old_item, bool item_exists);

// "One or more parameter values were invalid: Cannot update attribute pk. This attribute is
// part of the key" if any action's path starts at one of `key_names`.
Status CheckKeyNotUpdated(const UpdateExpression& update, const std::vector<std::string>& key_names);

// Every action's path, for ReturnValues UPDATED_OLD / UPDATED_NEW (project the old or the new
// item on them: nested updates return only the updated sub-paths, as DynamoDB does).
std::vector<const Path*> UpdatedPaths(const UpdateExpression& update);

}  // namespace ddb::expr
