// Logging set-up: levels, a log file, and refusal of unknown levels.
#include "libddb/core/logging.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace ddb {
namespace {

TEST(LoggingTest, WritesToFileAtLevel) {
  unsetenv("DDB_LOG_LEVEL");
  std::filesystem::path file = std::filesystem::temp_directory_path() /
                               ("ddb_logging_test_" + std::to_string(getpid()) + ".log");
  std::filesystem::remove(file);
  ASSERT_TRUE(InitLogging({.program = "ddb-test", .level = "info", .file = file.string()}).ok());
  spdlog::debug("hidden line");
  spdlog::info("visible line {}", 42);
  spdlog::default_logger()->flush();
  std::ifstream in(file);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_NE(content.str().find("ddb-test["), std::string::npos) << content.str();
  EXPECT_NE(content.str().find("info: visible line 42"), std::string::npos) << content.str();
  EXPECT_EQ(content.str().find("hidden line"), std::string::npos);
  std::filesystem::remove(file);
  ASSERT_TRUE(InitLogging({}).ok());  // back to stderr
}

TEST(LoggingTest, EnvironmentOverridesAndBadLevels) {
  EXPECT_EQ(InitLogging({.level = "loud"}).message(),
            "unknown log level 'loud' (use trace, debug, info, warn, error, critical or off)");
  setenv("DDB_LOG_LEVEL", "debug", 1);
  ASSERT_TRUE(InitLogging({.level = "error"}).ok());
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);
  unsetenv("DDB_LOG_LEVEL");
  EXPECT_TRUE(InitLogging({.level = "off"}).ok());
  EXPECT_EQ(InitLogging({.file = "/dev/null/x.log"}).code(), Code::kIOError);
  ASSERT_TRUE(InitLogging({}).ok());
}

}  // namespace
}  // namespace ddb
