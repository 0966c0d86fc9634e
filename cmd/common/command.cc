#include "cmd/common/command.h"

#include <iostream>

namespace ddb::cmd {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Code::kOk: return kExitOk;
    case Code::kConditionalCheckFailed:
    case Code::kTransactionCanceled: return kExitConditionFailed;
    case Code::kResourceNotFound:
    case Code::kTableNotFound: return kExitNotFound;
    case Code::kProvisionedThroughputExceeded:
    case Code::kRequestLimitExceeded:
    case Code::kThrottling: return kExitThrottled;
    default: return kExitError;
  }
}

void PrintError(std::string_view program, const Status& status, std::string_view context) {
  std::string line(program);
  line += ": ";
  if (!context.empty()) {
    line += context;
    line += ": ";
  }
  line += status.ToString();
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

int ParseArgs(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    std::cout << app.version() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {  // CLI11 reports usage errors by throwing
    std::string msg = e.what();
    for (char& c : msg) {
      if (c == '\n') c = ' ';
    }
    std::cerr << app.get_name() << ": usage: " << msg << " (see --help)\n";
    return kExitUsage;
  }
  return -1;
}

}  // namespace ddb::cmd
