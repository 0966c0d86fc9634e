// Scripted golden-file tests of the expression engine (etcd-raft's datadriven style): every
// file in tests/expr/testdata/ is a list of commands, each followed by "----" and the output
// it must produce. The commands are documented in tests/expr/testdata/README.md.
//
// Set DDB_GOLDEN_REWRITE=1 to rewrite the expected outputs from the actual ones (then review
// the diff: the files are the specification).
#include <filesystem>
#include <memory>

#include <gtest/gtest.h>

#include "libddb/expr/evaluator.h"
#include "libddb/expr/key_condition.h"
#include "libddb/expr/legacy.h"
#include "libddb/expr/parser.h"
#include "libddb/expr/placeholders.h"
#include "libddb/expr/printer.h"
#include "libddb/expr/update.h"
#include "libddb/model/dynamo_json.h"
#include "tests/golden.h"

namespace ddb::expr {
namespace {

using Case = ::ddb::testing::GoldenCase;
using ::ddb::testing::TrimGolden;

// The state a file builds up: the current item, names and values.
class Runner {
 public:
  std::string Run(const Case& c) {
    const std::string input = TrimGolden(c.input);
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
  ::ddb::testing::GoldenStats stats = ::ddb::testing::RunGoldenFiles(dir, [] {
    auto runner = std::make_shared<Runner>();
    return [runner](const Case& c) { return runner->Run(c); };
  });
  EXPECT_GT(stats.files, 5u);
  EXPECT_GT(stats.cases, 100u);
}

}  // namespace
}  // namespace ddb::expr
