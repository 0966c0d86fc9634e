// Shared plumbing of the ddb-* commands (DESIGN.md section 9): exit codes, one-line errors on
// stderr, CLI11 parsing that maps usage errors to exit status 2, and JSON-lines input.
//
// Thread-safety: for use from main() only.
#pragma once

#include <cstdio>
#include <istream>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "libddb/core/status.h"

namespace ddb::cmd {

// Exit statuses every command documents in its man page.
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,               // any error not listed below
  kExitUsage = 2,               // bad flags or arguments
  kExitConditionFailed = 3,     // ConditionalCheckFailedException / TransactionCanceled
  kExitNotFound = 4,            // ResourceNotFoundException (missing table)
  kExitThrottled = 5,           // throughput / request limits exceeded
};

// Maps an error to the exit status for it.
int ExitCodeFor(const Status& status);

// Prints "PROGRAM: ErrorName: message" (or "PROGRAM: context: ErrorName: message") on one
// line of stderr. Newlines inside the message are replaced so the error stays one line.
void PrintError(std::string_view program, const Status& status, std::string_view context = "");

// Parses argv. Returns -1 when the command should go on; otherwise the exit status to return
// at once (0 after --help or --version, kExitUsage after a usage error, printed on one line).
int ParseArgs(CLI::App& app, int argc, char** argv);

// Reads JSON lines: one item per line, blank lines skipped, line numbers counted from 1.
class LineReader {
 public:
  explicit LineReader(std::istream& in) : in_(in) {}
  // Next non-blank line into *line; false at end of input.
  bool Next(std::string* line) {
    while (std::getline(in_, *line)) {
      ++line_number_;
      if (!line->empty() && line->back() == '\r') line->pop_back();  // CRLF input
      if (line->find_first_not_of(" \t") != std::string::npos) return true;
    }
    return false;
  }
  size_t line_number() const { return line_number_; }

 private:
  std::istream& in_;
  size_t line_number_ = 0;
};

}  // namespace ddb::cmd
