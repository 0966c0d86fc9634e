// DynamoDB's reserved words: names that cannot appear bare in an expression (use an
// ExpressionAttributeNames placeholder instead).
//
// Thread-safety: pure functions over a constant table.
#pragma once

#include <cstddef>
#include <string_view>

namespace ddb::expr {

// True if `word` is reserved, compared case-insensitively (STATUS, status and Status all are).
bool IsReservedWord(std::string_view word);
size_t ReservedWordCount();

}  // namespace ddb::expr
