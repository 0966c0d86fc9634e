// Tokenizer for DynamoDB expressions.
//
// Thread-safety: a Lexer is used by one parser at a time.
#pragma once

#include <string_view>
#include <vector>

namespace ddb::expr {

enum class TokenKind {
  kName,              // identifier: a letter, then letters, digits, '_'
  kNamePlaceholder,   // #name
  kValuePlaceholder,  // :value
  kNumber,            // digits (list indexes)
  kLParen, kRParen, kLBracket, kRBracket, kComma, kDot, kPlus, kMinus,
  kEq, kNe, kLt, kLe, kGt, kGe,
  kInvalid,           // a character that starts no token
  kEnd,               // end of input
};

struct Token {
  TokenKind kind;
  std::string_view text;  // the token's characters in the expression ("<EOF>" for kEnd)
  size_t offset;          // byte offset in the expression
};

// Splits `text` into tokens, ending with one kEnd token. Never fails: an unknown character
// becomes a kInvalid token for the parser to report.
std::vector<Token> Tokenize(std::string_view text);

// Case-insensitive match of a kName token against a keyword (AND, SET, ...).
bool IsKeyword(const Token& token, std::string_view keyword);

}  // namespace ddb::expr
