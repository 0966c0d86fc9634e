#include "libddb/expr/lexer.h"

namespace ddb::expr {

namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWordChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  const size_t n = text.size();
  while (true) {
    while (i < n && IsSpace(text[i])) ++i;
    if (i >= n) break;
    const size_t start = i;
    const char c = text[i];
    TokenKind kind;
    if (IsAlpha(c)) {  // a bare name starts with a letter; "_x" is a syntax error
      while (i < n && IsWordChar(text[i])) ++i;
      kind = TokenKind::kName;
    } else if (IsDigit(c)) {
      while (i < n && IsDigit(text[i])) ++i;
      kind = TokenKind::kNumber;
    } else if ((c == '#' || c == ':') && i + 1 < n && IsWordChar(text[i + 1])) {
      ++i;
      while (i < n && IsWordChar(text[i])) ++i;
      kind = c == '#' ? TokenKind::kNamePlaceholder : TokenKind::kValuePlaceholder;
    } else {
      ++i;
      switch (c) {
        case '(': kind = TokenKind::kLParen; break;
        case ')': kind = TokenKind::kRParen; break;
        case '[': kind = TokenKind::kLBracket; break;
        case ']': kind = TokenKind::kRBracket; break;
        case ',': kind = TokenKind::kComma; break;
        case '.': kind = TokenKind::kDot; break;
        case '+': kind = TokenKind::kPlus; break;
        case '-': kind = TokenKind::kMinus; break;
        case '=': kind = TokenKind::kEq; break;
        case '<':
          if (i < n && text[i] == '>') {
            ++i;
            kind = TokenKind::kNe;
          } else if (i < n && text[i] == '=') {
            ++i;
            kind = TokenKind::kLe;
          } else {
            kind = TokenKind::kLt;
          }
          break;
        case '>':
          if (i < n && text[i] == '=') {
            ++i;
            kind = TokenKind::kGe;
          } else {
            kind = TokenKind::kGt;
          }
          break;
        default:
          // One whole UTF-8 character, so messages never cut one in half.
          while (i < n && (static_cast<unsigned char>(text[i]) & 0xc0) == 0x80) ++i;
          kind = TokenKind::kInvalid;
      }
    }
    tokens.push_back(Token{kind, text.substr(start, i - start), start});
  }
  tokens.push_back(Token{TokenKind::kEnd, "<EOF>", n});
  return tokens;
}

bool IsKeyword(const Token& token, std::string_view keyword) {
  if (token.kind != TokenKind::kName || token.text.size() != keyword.size()) return false;
  for (size_t i = 0; i < keyword.size(); ++i) {
    char c = token.text[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != keyword[i]) return false;
  }
  return true;
}

}  // namespace ddb::expr
