#include "libddb/core/logging.h"

#include <cstdlib>
#include <memory>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace ddb {

Status InitLogging(const LogOptions& options) {
  std::string level_name = options.level;
  if (const char* env = std::getenv("DDB_LOG_LEVEL"); env != nullptr && *env != '\0') {
    level_name = env;
  }
  spdlog::level::level_enum level = spdlog::level::from_str(level_name);
  // from_str answers "off" for anything it does not know; only accept that when asked for.
  if (level == spdlog::level::off && level_name != "off") {
    return Status::Validation("unknown log level '" + level_name +
                              "' (use trace, debug, info, warn, error, critical or off)");
  }
  std::shared_ptr<spdlog::logger> logger;
  if (options.file.empty()) {
    logger = std::make_shared<spdlog::logger>(
        options.program, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  } else {
    try {  // spdlog reports an unopenable file by throwing; keep that inside this function.
      logger = std::make_shared<spdlog::logger>(
          options.program,
          std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file, /*truncate=*/false));
    } catch (const spdlog::spdlog_ex& e) {
      return Status::IOError("cannot open log file " + options.file + ": " + e.what());
    }
  }
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %n[%P] %l: %v", spdlog::pattern_time_type::utc);
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  // Lower levels reach the file within a second, so a process killed with -9 leaves its
  // last steps in its log.
  spdlog::flush_every(std::chrono::seconds(1));
  return Status::OK();
}

}  // namespace ddb
