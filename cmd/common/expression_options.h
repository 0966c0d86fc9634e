// The expression options several item commands share: --condition, --names, --values.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cmd/common/client_command.h"

namespace ddb::cmd {

struct ExpressionOptions {
  std::string condition;
  std::string names;
  std::string values;
};

inline void AddExpressionOptions(CLI::App& app, ExpressionOptions* o, bool condition) {
  if (condition) {
    app.add_option("--condition", o->condition, "ConditionExpression the stored item must satisfy");
  }
  app.add_option("--names", o->names, "ExpressionAttributeNames, a JSON object: {\"#n\":\"name\"}");
  app.add_option("--values", o->values,
                 "ExpressionAttributeValues, a JSON object of DynamoDB JSON values: {\":v\":{\"S\":\"x\"}}");
}

// Adds the options given to the request body under construction.
inline Status AddExpressions(const ExpressionOptions& o, std::string* body) {
  if (!o.condition.empty()) AddString(body, "ConditionExpression", o.condition);
  if (!o.names.empty()) {
    DDB_ASSIGN_OR_RETURN(std::string names, JsonObjectArg("--names", o.names));
    AddRaw(body, "ExpressionAttributeNames", names);
  }
  if (!o.values.empty()) {
    DDB_ASSIGN_OR_RETURN(std::string values, JsonObjectArg("--values", o.values));
    AddRaw(body, "ExpressionAttributeValues", values);
  }
  return Status::OK();
}

}  // namespace ddb::cmd
