// Plumbing shared by the ddb-* commands that talk to a cluster: the session, options every
// such command has (--cluster, --plain), request building, item input and output, and turning
// a node's error into one stderr line and an exit status.
//
// Thread-safety: for use from main() only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <rapidjson/document.h>

#include "cmd/common/command.h"
#include "libddb/client/batch_writer.h"
#include "libddb/client/session.h"
#include "libddb/model/attribute_value.h"

namespace ddb::cmd {

struct ClientOptions {
  std::string cluster;
  bool plain = false;
};

// Adds --cluster (and --plain when `items` is true) to `app`.
void AddClientOptions(CLI::App& app, ClientOptions* options, bool items);

// Opens the session; on failure prints the error and returns its exit status in *exit_code.
std::unique_ptr<client::Session> OpenSession(std::string_view program, const ClientOptions& options,
                                             int* exit_code);

// Parses an item given on the command line or one input line, as DynamoDB JSON or plain JSON.
Result<Item> ParseItemText(std::string_view text, bool plain);

// One item as an output line's text (no newline), DynamoDB JSON or plain JSON.
std::string FormatItem(const Item& item, bool plain);

// Converts the item-valued member `name` of a DynamoDB JSON response (Item, Attributes).
// nullopt when absent.
Result<std::optional<Item>> ResponseItem(const rapidjson::Value& response, const char* name);

// Adds "Member":<raw JSON> to a request body under construction ("{" ... without the "}").
void AddRaw(std::string* body, std::string_view member, std::string_view raw_json);
void AddString(std::string* body, std::string_view member, std::string_view value);

// Reads a JSON object given as an option value (--names, --values), checking that it parses.
Result<std::string> JsonObjectArg(std::string_view option, const std::string& text);

// {"TableName":T,"Key":K for an item operation, still open for more members. The key is
// given as DynamoDB JSON or (plain) plain JSON; a bad one is an error naming --key.
Result<std::string> KeyRequest(const std::string& table, const std::string& key_text, bool plain);

// Sends `body` (closed here) as `operation` and prints the item found under `member` of the
// response (Item, Attributes) as one line, if there is one. Returns the exit status.
int CallAndPrintItem(std::string_view program, const ClientOptions& options,
                     const std::string& operation, std::string body, const char* member);

// Runs a single-table operation ({"TableName":T}) and prints the object found under
// `member` of the response (Table, TableDescription) as one line.
int TableCall(std::string_view program, const ClientOptions& options, const std::string& operation,
              const std::string& table, const char* member);

// Prints the error and returns the exit status for it.
int Fail(std::string_view program, const Status& status, std::string_view context = "");

}  // namespace ddb::cmd
