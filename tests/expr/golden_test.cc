// Scripted golden-file tests of the expression engine (etcd-raft's datadriven style): every
// file in tests/expr/testdata/ is a list of commands, each followed by "----" and the output
// it must produce. The commands are documented in tests/expr/testdata/README.md.
//
// Set DDB_GOLDEN_REWRITE=1 to rewrite the expected outputs from the actual ones (then review
// the diff: the files are the specification).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "libddb/expr/evaluator.h"
#include "libddb/expr/key_condition.h"
#include "libddb/expr/legacy.h"
#include "libddb/expr/parser.h"
#include "libddb/expr/placeholders.h"
#include "libddb/expr/printer.h"
#include "libddb/expr/update.h"
#include "libddb/model/dynamo_json.h"

namespace ddb::expr {
namespace {

struct Case {
  size_t line = 0;  // of the command
  std::string command;
  std::map<std::string, std::string> args;
  std::string input;
  std::string expected;
};

std::vector<Case> ReadCases(const std::filesystem::path& file, std::vector<std::string>* lines) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) lines->push_back(line);
  std::vector<Case> cases;
  size_t i = 0;
  while (i < lines->size()) {
    const std::string& l = (*lines)[i];
    if (l.empty() || l[0] == '#') {
      ++i;
      continue;
    }
    Case c;
    c.line = i + 1;
    std::istringstream words(l);
    words >> c.command;
    std::string word;
    while (words >> word) {
      size_t eq = word.find('=');
      c.args[word.substr(0, eq)] = eq == std::string::npos ? "" : word.substr(eq + 1);
    }
    ++i;
    while (i < lines->size() && (*lines)[i] != "----") c.input += (*lines)[i++] + "\n";
    ++i;  // ----
    while (i < lines->size() && !(*lines)[i].empty()) c.expected += (*lines)[i++] + "\n";
    cases.push_back(std::move(c));
  }
  return cases;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The state a file builds up: the current item, names and values.
class Runner {
 public:
  std::string Run(const Case& c) {
    const std::string input = Trim(c.input);
    if (c.command == "item") return Show(SetItem(input));
    if (c.command == "names") return Show(SetJson(input, &names_));
    if (c.command == "values") return Show(SetJson(input, &values_));
    if (c.command == "clear") {
      names_.SetNull();
      values_.SetNull();
      return "ok";
    }
    if (c.command == "parse") return Parse(c, input);
    if (c.command == "condition") return Condition(c, input);
    if (c.command == "update") return Update(c, input);
    if (c.command == "projection") return Projection(c, input);
    if (c.command == "key-condition") return KeyConditionCommand(c, input);
    if (c.command == "legacy") return Legacy(c, input);
    return "unknown command " + c.command;
  }

 private:
  static std::string Show(const Status& s) { return s.ok() ? "ok" : "error: " + s.ToString(); }

  Status SetItem(const std::string& json) {
    Result<Item> item = ParseDynamoJsonItem(json);
    if (!item.ok()) return item.status();
    item_ = std::move(*item);
    return Status::OK();
  }

  Status SetJson(const std::string& json, rapidjson::Document* doc) {
    return ParseJsonDocument(json, doc);
  }

  Result<Placeholders> MakePlaceholders() {
    return Placeholders::FromJson(names_.IsNull() ? nullptr : &names_,
                                  values_.IsNull() ? nullptr : &values_);
  }

  static ExpressionKind KindArg(const Case& c, ExpressionKind fallback) {
    auto it = c.args.find("kind");
    if (it == c.args.end()) return fallback;
    if (it->second == "filter") return ExpressionKind::kFilter;
    if (it->second == "key") return ExpressionKind::kKeyCondition;
    if (it->second == "update") return ExpressionKind::kUpdate;
    if (it->second == "projection") return ExpressionKind::kProjection;
    return ExpressionKind::kCondition;
  }

  std::string Parse(const Case& c, const std::string& input) {
    ExpressionKind kind = KindArg(c, ExpressionKind::kCondition);
    if (kind == ExpressionKind::kUpdate) {
      Result<UpdateExpression> u = ParseUpdate(input);
      return u.ok() ? Print(*u) : "error: " + u.status().ToString();
    }
    if (kind == ExpressionKind::kProjection) {
      Result<ProjectionExpression> p = ParseProjection(input);
      return p.ok() ? Print(*p) : "error: " + p.status().ToString();
    }
    Result<expr::Condition> cond = ParseCondition(input, kind);
    return cond.ok() ? Print(*cond) : "error: " + cond.status().ToString();
  }

  std::string Condition(const Case& c, const std::string& input) {
    ExpressionKind kind = KindArg(c, ExpressionKind::kCondition);
    Result<expr::Condition> cond = ParseCondition(input, kind);
    if (!cond.ok()) return "error: " + cond.status().ToString();
    Result<Placeholders> p = MakePlaceholders();
    if (!p.ok()) return "error: " + p.status().ToString();
    Status s = p->ResolveCondition(&*cond, kind);
    if (s.ok() && c.args.count("strict") != 0) s = p->CheckAllUsed();
    if (!s.ok()) return "error: " + s.ToString();
    return Evaluate(*cond, item_) ? "true" : "false";
  }

  std::string Update(const Case& c, const std::string& input) {
    Result<UpdateExpression> u = ParseUpdate(input);
    if (!u.ok()) return "error: " + u.status().ToString();
    Result<Placeholders> p = MakePlaceholders();
    if (!p.ok()) return "error: " + p.status().ToString();
    Status s = p->ResolveUpdate(&*u);
    if (s.ok() && c.args.count("strict") != 0) s = p->CheckAllUsed();
    if (s.ok() && c.args.count("keys") != 0) s = CheckKeyNotUpdated(*u, {c.args.at("keys")});
    if (!s.ok()) return "error: " + s.ToString();
    return ApplyAndShow(*u);
  }

  std::string ApplyAndShow(const UpdateExpression& u) {
    Result<Item> updated = ApplyUpdate(u, item_);
    if (!updated.ok()) return "error: " + updated.status().ToString();
    std::vector<const Path*> paths = UpdatedPaths(u);
    std::string out = ToDynamoJson(*updated);
    out += "\nupdated_old: " + ToDynamoJson(Project(item_, paths));
    out += "\nupdated_new: " + ToDynamoJson(Project(*updated, paths));
    item_ = std::move(*updated);
    return out;
  }

  std::string Projection(const Case& c, const std::string& input) {
    Result<ProjectionExpression> proj = ParseProjection(input);
    if (!proj.ok()) return "error: " + proj.status().ToString();
    Result<Placeholders> p = MakePlaceholders();
    if (!p.ok()) return "error: " + p.status().ToString();
    Status s = p->ResolveProjection(&*proj);
    if (s.ok() && c.args.count("strict") != 0) s = p->CheckAllUsed();
    if (!s.ok()) return "error: " + s.ToString();
    return ToDynamoJson(Project(item_, *proj));
  }

  static void ParseKeyArg(const std::string& arg, std::string* name, AttrType* type) {
    size_t colon = arg.find(':');
    *name = arg.substr(0, colon);
    EXPECT_TRUE(colon != std::string::npos && AttrTypeFromName(arg.substr(colon + 1), type)) << arg;
  }

  // pk=NAME:TYPE [sk=NAME:TYPE]
  static KeySchema SchemaArgs(const Case& c) {
    KeySchema schema;
    ParseKeyArg(c.args.at("pk"), &schema.partition_key, &schema.partition_type);
    if (c.args.count("sk") != 0) {
      std::string name;
      ParseKeyArg(c.args.at("sk"), &name, &schema.sort_type);
      schema.sort_key = name;
    }
    return schema;
  }

  std::string KeyConditionCommand(const Case& c, const std::string& input) {
    const KeySchema schema = SchemaArgs(c);
    Result<expr::Condition> cond = ParseCondition(input, ExpressionKind::kKeyCondition);
    if (!cond.ok()) return "error: " + cond.status().ToString();
    Status s = CheckKeyConditionOperators(*cond);
    if (!s.ok()) return "error: " + s.ToString();
    Result<Placeholders> p = MakePlaceholders();
    if (!p.ok()) return "error: " + p.status().ToString();
    s = p->ResolveCondition(&*cond, ExpressionKind::kKeyCondition);
    if (s.ok() && c.args.count("strict") != 0) s = p->CheckAllUsed();
    if (!s.ok()) return "error: " + s.ToString();
    Result<KeyCondition> kc = ExtractKeyCondition(*cond, schema);
    return kc.ok() ? DescribeKeyCondition(*kc, schema) : "error: " + kc.status().ToString();
  }

  // legacy param=Expected|QueryFilter|ScanFilter|KeyConditions|AttributeUpdates|AttributesToGet
  //        [op=AND|OR]: input is the parameter's JSON.
  std::string Legacy(const Case& c, const std::string& input) {
    rapidjson::Document doc;
    Status s = ParseJsonDocument(input, &doc);
    if (!s.ok()) return "error: " + s.ToString();
    const std::string param = c.args.at("param");
    std::optional<std::string> op;
    if (c.args.count("op") != 0) op = c.args.at("op");
    if (param == "AttributeUpdates") {
      Result<UpdateExpression> u = AttributeUpdatesFromJson(doc);
      if (!u.ok()) return "error: " + u.status().ToString();
      return Print(*u) + "\n" + ApplyAndShow(*u);
    }
    if (param == "AttributesToGet") {
      Result<ProjectionExpression> proj = AttributesToGetFromJson(doc);
      if (!proj.ok()) return "error: " + proj.status().ToString();
      return Print(*proj) + "\n" + ToDynamoJson(Project(item_, *proj));
    }
    if (param == "KeyConditions") {
      const KeySchema schema = SchemaArgs(c);
      Result<KeyCondition> kc = KeyConditionsFromJson(doc, schema);
      return kc.ok() ? DescribeKeyCondition(*kc, schema) : "error: " + kc.status().ToString();
    }
    Result<std::optional<expr::Condition>> cond = ConditionsFromJson(doc, op, param);
    if (!cond.ok()) return "error: " + cond.status().ToString();
    if (!cond->has_value()) return "no condition";
    return Print(**cond) + "\n" + (Evaluate(**cond, item_) ? "true" : "false");
  }

  Item item_;
  rapidjson::Document names_;
  rapidjson::Document values_;
};

TEST(ExpressionGoldenTest, AllFiles) {
  const std::filesystem::path dir = std::filesystem::path(DDB_SOURCE_DIR) / "tests/expr/testdata";
  const bool rewrite = std::getenv("DDB_GOLDEN_REWRITE") != nullptr;
  size_t files = 0, cases_run = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt") continue;
    ++files;
    std::vector<std::string> lines;
    std::vector<Case> cases = ReadCases(entry.path(), &lines);
    Runner runner;
    std::vector<std::string> actual_outputs;
    for (const Case& c : cases) {
      std::string actual = Trim(runner.Run(c));
      actual_outputs.push_back(actual);
      ++cases_run;
      if (!rewrite) {
        EXPECT_EQ(actual, Trim(c.expected))
            << entry.path().filename().string() << ":" << c.line << ": " << c.command << "\n"
            << c.input;
      }
    }
    if (rewrite) {
      std::ofstream out(entry.path());
      size_t next = 0;
      for (size_t k = 0; k < cases.size(); ++k) {
        const Case& c = cases[k];
        for (; next + 1 < c.line; ++next) out << lines[next] << "\n";  // comments, blanks
        out << lines[next++] << "\n";                                    // the command
        while (next < lines.size() && lines[next] != "----") out << lines[next++] << "\n";
        out << "----\n" << actual_outputs[k] << "\n";
        ++next;
        while (next < lines.size() && !lines[next].empty()) ++next;  // the old output
      }
      for (; next < lines.size(); ++next) out << lines[next] << "\n";
    }
  }
  EXPECT_GT(files, 5u);
  EXPECT_GT(cases_run, 100u);
}

}  // namespace
}  // namespace ddb::expr
