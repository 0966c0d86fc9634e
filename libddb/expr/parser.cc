#include "libddb/expr/parser.h"

#include <functional>

#include "libddb/expr/lexer.h"
#include "libddb/expr/reserved_words.h"

namespace ddb::expr {

namespace {

// The concrete syntax tree: what the grammar accepts, before DynamoDB's semantic rules decide
// which function may stand where. Converted into the AST by Builder below.
struct Node {
  enum class Kind { kPath, kValue, kCall, kCompare, kBetween, kIn, kAnd, kOr, kNot, kPlus, kMinus };
  Kind kind = Kind::kPath;
  Path path;                   // kPath
  std::string text;            // kValue: the placeholder; kCall: the function name
  Comparator comparator = Comparator::kEq;
  std::vector<Node> children;  // operands, arguments or sub-conditions
  bool parenthesized = false;
  size_t offset = 0;
};

// Recursive descent over the tokens. A failed alternative reports the furthest token reached,
// as a PEG parser does; that token is the one DynamoDB names in its syntax error.
class Parser {
 public:
  Parser(std::string_view text, ExpressionKind kind)
      : text_(text), kind_(kind), tokens_(Tokenize(text)) {}

  bool ParseConditionRoot(Node* out) { return ParseOr(out) && AtEnd(); }

  bool ParseProjectionRoot(std::vector<Path>* out) {
    do {
      Path path;
      if (!ParsePath(&path)) return false;
      out->push_back(std::move(path));
    } while (Accept(TokenKind::kComma));
    return AtEnd();
  }

  // Clauses in order, each a list of (action kind, path, value node).
  struct RawAction {
    UpdateActionKind kind;
    Path path;
    Node value;
  };
  bool ParseUpdateRoot(std::vector<RawAction>* out) {
    do {
      UpdateActionKind clause;
      if (IsKeyword(Peek(), "SET")) {
        clause = UpdateActionKind::kSet;
      } else if (IsKeyword(Peek(), "REMOVE")) {
        clause = UpdateActionKind::kRemove;
      } else if (IsKeyword(Peek(), "ADD")) {
        clause = UpdateActionKind::kAdd;
      } else if (IsKeyword(Peek(), "DELETE")) {
        clause = UpdateActionKind::kDelete;
      } else {
        return Fail();
      }
      ++pos_;
      do {
        RawAction action{clause, {}, {}};
        if (!ParsePath(&action.path)) return false;
        switch (clause) {
          case UpdateActionKind::kSet:
            if (!Expect(TokenKind::kEq) || !ParseSetValue(&action.value)) return false;
            break;
          case UpdateActionKind::kAdd:
          case UpdateActionKind::kDelete:
            if (Peek().kind != TokenKind::kValuePlaceholder) return Fail();
            action.value = ValueNode(Next());
            break;
          case UpdateActionKind::kRemove: break;
        }
        out->push_back(std::move(action));
      } while (Accept(TokenKind::kComma));
    } while (Peek().kind != TokenKind::kEnd);
    return true;
  }

  bool redundant_parentheses() const { return redundant_parentheses_; }

  Status SyntaxError() const {
    const size_t bad = std::min(furthest_, tokens_.size() - 1);
    const Token& token = tokens_[bad];
    size_t begin = token.offset;
    size_t end = token.offset + (token.kind == TokenKind::kEnd ? 0 : token.text.size());
    if (bad > 0) begin = tokens_[bad - 1].offset;
    if (bad > 0 && token.kind == TokenKind::kEnd) {
      end = tokens_[bad - 1].offset + tokens_[bad - 1].text.size();
    }
    if (bad + 1 < tokens_.size() && tokens_[bad + 1].kind != TokenKind::kEnd) {
      end = tokens_[bad + 1].offset + tokens_[bad + 1].text.size();
    }
    return InvalidExpression(kind_, "Syntax error; token: \"" + std::string(token.text) +
                                        "\", near: \"" +
                                        std::string(text_.substr(begin, end - begin)) + "\"");
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() { return tokens_[pos_++]; }
  bool Fail() {
    furthest_ = std::max(furthest_, pos_);
    return false;
  }
  bool Accept(TokenKind kind) {
    if (Peek().kind != kind) {
      Fail();  // remember how far we got, for the error message
      return false;
    }
    ++pos_;
    return true;
  }
  bool Expect(TokenKind kind) { return Accept(kind) || Fail(); }
  bool AtEnd() { return Peek().kind == TokenKind::kEnd || Fail(); }

  static Node ValueNode(const Token& t) {
    Node n;
    n.kind = Node::Kind::kValue;
    n.text = std::string(t.text);
    n.offset = t.offset;
    return n;
  }

  bool ParsePathName(PathElement* e) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kName) {
      e->is_placeholder = false;
    } else if (t.kind == TokenKind::kNamePlaceholder) {
      e->is_placeholder = true;
    } else {
      return Fail();
    }
    e->name = std::string(t.text);
    ++pos_;
    return true;
  }

  bool ParsePath(Path* path) {
    PathElement first;
    if (!ParsePathName(&first)) return false;
    path->elements.push_back(std::move(first));
    for (;;) {
      if (Peek().kind == TokenKind::kDot) {
        ++pos_;
        PathElement e;
        if (!ParsePathName(&e)) return false;
        path->elements.push_back(std::move(e));
      } else if (Peek().kind == TokenKind::kLBracket) {
        ++pos_;
        const Token& number = Peek();
        if (number.kind != TokenKind::kNumber || number.text.size() > 9) return Fail();
        PathElement e;
        e.is_index = true;
        e.index = static_cast<uint32_t>(std::stoul(std::string(number.text)));
        ++pos_;
        if (!Expect(TokenKind::kRBracket)) return false;
        path->elements.push_back(std::move(e));
      } else {
        Fail();  // a path may go on here: an error further on names this token
        return true;
      }
    }
  }

  // A function call `name(args)`, the name token already peeked and followed by '('.
  bool ParseCall(Node* out, const std::function<bool(Node*)>& parse_arg) {
    const Token& name = Next();
    out->kind = Node::Kind::kCall;
    out->text = std::string(name.text);
    out->offset = name.offset;
    ++pos_;  // '('
    do {
      Node arg;
      if (!parse_arg(&arg)) return false;
      out->children.push_back(std::move(arg));
    } while (Accept(TokenKind::kComma));
    return Expect(TokenKind::kRParen);
  }

  // Operand := path | :value | name(args) | '(' Operand ')'
  bool ParseOperand(Node* out) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kLParen) {
      ++pos_;
      Node inner;
      if (!ParseOperand(&inner) || !Expect(TokenKind::kRParen)) return false;
      if (inner.parenthesized) redundant_parentheses_ = true;
      inner.parenthesized = true;
      *out = std::move(inner);
      return true;
    }
    if (t.kind == TokenKind::kValuePlaceholder) {
      *out = ValueNode(Next());
      return true;
    }
    if (t.kind == TokenKind::kName && Peek(1).kind == TokenKind::kLParen) {
      return ParseCall(out, [this](Node* arg) { return ParseOperand(arg); });
    }
    out->kind = Node::Kind::kPath;
    out->offset = t.offset;
    return ParsePath(&out->path);
  }

  // SET value := SetOperand (('+' | '-') SetOperand)?
  bool ParseSetValue(Node* out) {
    Node lhs;
    if (!ParseSetOperand(&lhs)) return false;
    if (Peek().kind == TokenKind::kPlus || Peek().kind == TokenKind::kMinus) {
      const Token& op = Next();
      Node rhs;
      if (!ParseSetOperand(&rhs)) return false;
      out->kind = op.kind == TokenKind::kPlus ? Node::Kind::kPlus : Node::Kind::kMinus;
      out->offset = lhs.offset;
      out->children.push_back(std::move(lhs));
      out->children.push_back(std::move(rhs));
      return true;
    }
    Fail();  // '+' or '-' could have come here
    *out = std::move(lhs);
    return true;
  }

  // SetOperand := path | :value | name(SetOperand, ...)   (no parentheses, no literals)
  bool ParseSetOperand(Node* out) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kValuePlaceholder) {
      *out = ValueNode(Next());
      return true;
    }
    if (t.kind == TokenKind::kName && Peek(1).kind == TokenKind::kLParen) {
      return ParseCall(out, [this](Node* arg) { return ParseSetOperand(arg); });
    }
    out->kind = Node::Kind::kPath;
    out->offset = t.offset;
    return ParsePath(&out->path);
  }

  // Or := And (OR And)*
  bool ParseOr(Node* out) {
    if (!ParseAnd(out)) return false;
    while (IsKeyword(Peek(), "OR") || Fail()) {
      ++pos_;
      Node rhs;
      if (!ParseAnd(&rhs)) return false;
      *out = Binary(Node::Kind::kOr, std::move(*out), std::move(rhs));
    }
    return true;
  }

  // And := Not (AND Not)*
  bool ParseAnd(Node* out) {
    if (!ParseNot(out)) return false;
    while (IsKeyword(Peek(), "AND") || Fail()) {
      ++pos_;
      Node rhs;
      if (!ParseNot(&rhs)) return false;
      *out = Binary(Node::Kind::kAnd, std::move(*out), std::move(rhs));
    }
    return true;
  }

  static Node Binary(Node::Kind kind, Node lhs, Node rhs) {
    Node n;
    n.kind = kind;
    n.offset = lhs.offset;
    n.children.push_back(std::move(lhs));
    n.children.push_back(std::move(rhs));
    return n;
  }

  // Not := NOT Not | Primary
  bool ParseNot(Node* out) {
    if (IsKeyword(Peek(), "NOT")) {
      const size_t offset = Next().offset;
      Node inner;
      if (!ParseNot(&inner)) return false;
      out->kind = Node::Kind::kNot;
      out->offset = offset;
      out->children.push_back(std::move(inner));
      return true;
    }
    return ParsePrimary(out);
  }

  // Primary := '(' Or ')' | Comparison. A '(' may also open a parenthesized operand, so the
  // condition reading is tried first and the parser backtracks if it fails.
  bool ParsePrimary(Node* out) {
    if (Peek().kind == TokenKind::kLParen) {
      const size_t saved = pos_;
      const bool saved_redundant = redundant_parentheses_;
      ++pos_;
      Node inner;
      if (ParseOr(&inner) && Accept(TokenKind::kRParen)) {
        if (inner.parenthesized) redundant_parentheses_ = true;
        inner.parenthesized = true;
        *out = std::move(inner);
        return true;
      }
      pos_ = saved;
      redundant_parentheses_ = saved_redundant;
    }
    return ParseComparison(out);
  }

  // Comparison := Operand comparator Operand | Operand BETWEEN Operand AND Operand
  //             | Operand IN '(' Operand (',' Operand)* ')' | Call
  bool ParseComparison(Node* out) {
    Node lhs;
    if (!ParseOperand(&lhs)) return false;
    const Token& t = Peek();
    Comparator cmp;
    bool is_comparator = true;
    switch (t.kind) {
      case TokenKind::kEq: cmp = Comparator::kEq; break;
      case TokenKind::kNe: cmp = Comparator::kNe; break;
      case TokenKind::kLt: cmp = Comparator::kLt; break;
      case TokenKind::kLe: cmp = Comparator::kLe; break;
      case TokenKind::kGt: cmp = Comparator::kGt; break;
      case TokenKind::kGe: cmp = Comparator::kGe; break;
      default: is_comparator = false; cmp = Comparator::kEq;
    }
    out->offset = lhs.offset;
    if (is_comparator) {
      ++pos_;
      Node rhs;
      if (!ParseOperand(&rhs)) return false;
      out->kind = Node::Kind::kCompare;
      out->comparator = cmp;
      out->children.push_back(std::move(lhs));
      out->children.push_back(std::move(rhs));
      return true;
    }
    if (IsKeyword(t, "BETWEEN")) {
      ++pos_;
      Node lo, hi;
      if (!ParseOperand(&lo)) return false;
      if (!IsKeyword(Peek(), "AND")) return Fail();
      ++pos_;
      if (!ParseOperand(&hi)) return false;
      out->kind = Node::Kind::kBetween;
      out->children.push_back(std::move(lhs));
      out->children.push_back(std::move(lo));
      out->children.push_back(std::move(hi));
      return true;
    }
    if (IsKeyword(t, "IN")) {
      ++pos_;
      if (!Expect(TokenKind::kLParen)) return false;
      out->kind = Node::Kind::kIn;
      out->children.push_back(std::move(lhs));
      do {
        Node e;
        if (!ParseOperand(&e)) return false;
        out->children.push_back(std::move(e));
      } while (Accept(TokenKind::kComma));
      return Expect(TokenKind::kRParen);
    }
    if (lhs.kind == Node::Kind::kCall && !lhs.parenthesized) {
      *out = std::move(lhs);  // a function used as a condition
      return true;
    }
    return Fail();
  }

  std::string_view text_;
  ExpressionKind kind_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  size_t furthest_ = 0;
  bool redundant_parentheses_ = false;
};

// Converts the syntax tree to the AST, applying DynamoDB's rules on functions in its order:
// unknown function names first (anywhere in the expression), then functions in a place they
// may not stand, then reserved words and path depth.
class Builder {
 public:
  explicit Builder(ExpressionKind kind) : kind_(kind) {}

  Status CheckFunctionNames(const Node& n) const {
    if (n.kind == Node::Kind::kCall && !KnownFunction(n.text)) {
      return InvalidExpression(kind_, "Invalid function name; function: " + n.text);
    }
    for (const Node& c : n.children) DDB_RETURN_IF_ERROR(CheckFunctionNames(c));
    return Status::OK();
  }

  Result<Condition> ToCondition(const Node& n) const {
    Condition c;
    switch (n.kind) {
      case Node::Kind::kAnd:
      case Node::Kind::kOr:
      case Node::Kind::kNot:
        c.kind = n.kind == Node::Kind::kAnd  ? ConditionKind::kAnd
                 : n.kind == Node::Kind::kOr ? ConditionKind::kOr
                                             : ConditionKind::kNot;
        for (const Node& child : n.children) {
          DDB_ASSIGN_OR_RETURN(Condition sub, ToCondition(child));
          c.children.push_back(std::move(sub));
        }
        return c;
      case Node::Kind::kCompare:
      case Node::Kind::kBetween:
      case Node::Kind::kIn:
        c.kind = n.kind == Node::Kind::kCompare   ? ConditionKind::kComparison
                 : n.kind == Node::Kind::kBetween ? ConditionKind::kBetween
                                                  : ConditionKind::kIn;
        c.comparator = n.comparator;
        if (c.kind == ConditionKind::kIn && n.children.size() - 1 > kMaxInOperands) {
          return InvalidExpression(kind_,
                                   "The IN operator is provided with too many operands; number "
                                   "of operands: " + std::to_string(n.children.size() - 1));
        }
        break;
      case Node::Kind::kCall: {
        Function f;
        if (!ConditionFunction(n.text, &f)) return Misplaced(n.text);
        c.kind = ConditionKind::kFunction;
        c.function = f;
        break;
      }
      default: return Status::Internal("condition expected");  // the grammar prevents this
    }
    for (const Node& child : n.children) {
      DDB_ASSIGN_OR_RETURN(Operand o, ToOperand(child));
      c.operands.push_back(std::move(o));
    }
    return c;
  }

  Result<Operand> ToOperand(const Node& n) const {
    Operand o;
    o.offset = n.offset;
    switch (n.kind) {
      case Node::Kind::kPath:
        o.kind = OperandKind::kPath;
        DDB_RETURN_IF_ERROR(CheckPath(n.path));
        o.path = n.path;
        return o;
      case Node::Kind::kValue:
        o.kind = OperandKind::kValue;
        o.placeholder = n.text;
        return o;
      case Node::Kind::kPlus:
      case Node::Kind::kMinus:
        o.kind = n.kind == Node::Kind::kPlus ? OperandKind::kPlus : OperandKind::kMinus;
        break;
      case Node::Kind::kCall:
        if (kind_ == ExpressionKind::kUpdate) {
          if (n.text == "if_not_exists") {
            o.kind = OperandKind::kIfNotExists;
          } else if (n.text == "list_append") {
            o.kind = OperandKind::kListAppend;
          } else {
            return InvalidExpression(
                kind_, "The function is not allowed in an update expression; function: " + n.text);
          }
        } else if (n.text == "size") {
          o.kind = OperandKind::kSize;
        } else if (n.text == "if_not_exists" || n.text == "list_append") {
          return InvalidExpression(
              kind_, "The function is not allowed in a condition expression; function: " + n.text);
        } else {
          return Misplaced(n.text);
        }
        break;
      default:
        return Misplaced("");  // a condition where an operand belongs: the grammar prevents it
    }
    for (const Node& child : n.children) {
      if (o.kind == OperandKind::kListAppend && child.kind == Node::Kind::kCall &&
          child.text == "list_append") {
        return Misplaced("list_append");
      }
      if (o.kind == OperandKind::kSize && child.kind == Node::Kind::kCall && child.text != "size") {
        return Misplaced(child.text);
      }
      DDB_ASSIGN_OR_RETURN(Operand arg, ToOperand(child));
      o.args.push_back(std::move(arg));
    }
    return o;
  }

  Status CheckPath(const Path& path) const {
    for (const PathElement& e : path.elements) {
      if (!e.is_index && !e.is_placeholder && IsReservedWord(e.name)) {
        return InvalidExpression(kind_,
                                 "Attribute name is a reserved keyword; reserved keyword: " + e.name);
      }
    }
    if (path.elements.size() > kMaxPathDepth) {
      return InvalidExpression(kind_,
                               "The document path has too many nesting levels; nesting levels: " +
                                   std::to_string(path.elements.size()));
    }
    return Status::OK();
  }

 private:
  static bool KnownFunction(const std::string& name) {
    Function f;
    return ConditionFunction(name, &f) || name == "size" || name == "if_not_exists" ||
           name == "list_append";
  }

  static bool ConditionFunction(const std::string& name, Function* f) {
    static constexpr Function kAll[] = {Function::kAttributeExists, Function::kAttributeNotExists,
                                        Function::kAttributeType, Function::kBeginsWith,
                                        Function::kContains};
    for (Function candidate : kAll) {
      if (FunctionName(candidate) == name) {  // function names are case-sensitive
        *f = candidate;
        return true;
      }
    }
    return false;
  }

  Status Misplaced(const std::string& function) const {
    return InvalidExpression(
        kind_, "The function is not allowed to be used this way in an expression; function: " +
                   function);
  }

  ExpressionKind kind_;
};

Status CheckText(std::string_view text, ExpressionKind kind) {
  if (text.size() > kMaxExpressionBytes) {
    return InvalidExpression(kind,
                             "Expression size has exceeded the maximum allowed size; expression "
                             "size: " + std::to_string(text.size()));
  }
  if (text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos) {
    return InvalidExpression(kind, "The expression can not be empty;");
  }
  return Status::OK();
}

Status RedundantParentheses(ExpressionKind kind) {
  return InvalidExpression(kind, "The expression has redundant parentheses;");
}

}  // namespace

Status InvalidExpression(ExpressionKind kind, std::string_view message) {
  std::string msg = "Invalid ";
  msg += ExpressionKindName(kind);
  msg += ": ";
  msg += message;
  return Status::Validation(std::move(msg));
}

Result<Condition> ParseCondition(std::string_view text, ExpressionKind kind) {
  DDB_RETURN_IF_ERROR(CheckText(text, kind));
  Parser parser(text, kind);
  Node root;
  if (!parser.ParseConditionRoot(&root)) return parser.SyntaxError();
  if (parser.redundant_parentheses()) return RedundantParentheses(kind);
  Builder builder(kind);
  DDB_RETURN_IF_ERROR(builder.CheckFunctionNames(root));
  return builder.ToCondition(root);
}

Result<UpdateExpression> ParseUpdate(std::string_view text) {
  constexpr ExpressionKind kKind = ExpressionKind::kUpdate;
  DDB_RETURN_IF_ERROR(CheckText(text, kKind));
  Parser parser(text, kKind);
  std::vector<Parser::RawAction> raw;
  if (!parser.ParseUpdateRoot(&raw)) return parser.SyntaxError();
  // Each clause at most once, even when the repeats are apart.
  bool seen[4] = {false, false, false, false};
  UpdateActionKind previous = raw.front().kind;
  for (size_t i = 0; i < raw.size(); ++i) {
    const UpdateActionKind k = raw[i].kind;
    const bool new_clause = i == 0 || k != previous;
    if (new_clause && seen[static_cast<int>(k)]) {
      return InvalidExpression(kKind, "The \"" + std::string(UpdateActionName(k)) +
                                          "\" section can only be used once in an update "
                                          "expression;");
    }
    seen[static_cast<int>(k)] = true;
    previous = k;
  }
  Builder builder(kKind);
  for (const Parser::RawAction& a : raw) DDB_RETURN_IF_ERROR(builder.CheckFunctionNames(a.value));
  UpdateExpression update;
  for (Parser::RawAction& a : raw) {
    UpdateAction action;
    action.kind = a.kind;
    DDB_RETURN_IF_ERROR(builder.CheckPath(a.path));
    action.path = std::move(a.path);
    if (a.kind != UpdateActionKind::kRemove) {
      DDB_ASSIGN_OR_RETURN(action.value, builder.ToOperand(a.value));
    }
    update.actions.push_back(std::move(action));
  }
  return update;
}

Result<ProjectionExpression> ParseProjection(std::string_view text) {
  constexpr ExpressionKind kKind = ExpressionKind::kProjection;
  DDB_RETURN_IF_ERROR(CheckText(text, kKind));
  Parser parser(text, kKind);
  ProjectionExpression projection;
  if (!parser.ParseProjectionRoot(&projection.paths)) return parser.SyntaxError();
  Builder builder(kKind);
  for (const Path& p : projection.paths) DDB_RETURN_IF_ERROR(builder.CheckPath(p));
  return projection;
}

}  // namespace ddb::expr
