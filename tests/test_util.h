// Helpers shared by the test suites.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace ddb::testing {

// The seed for a randomized test: $DDB_TEST_SEED if set (to replay a failure exactly), else a
// fresh one. Tests put it in a SCOPED_TRACE so that every failure prints it.
inline uint64_t TestSeed() {
  if (const char* env = std::getenv("DDB_TEST_SEED"); env != nullptr && *env != '\0') {
    return std::strtoull(env, nullptr, 10);
  }
  return std::random_device{}() * 0x100000000ull + std::random_device{}();
}

inline std::string SeedTrace(uint64_t seed) {
  return "seed " + std::to_string(seed) + " (replay with DDB_TEST_SEED=" + std::to_string(seed) +
         ")";
}

// A fresh, empty directory for the running GoogleTest test: <tmp>/<prefix>_<pid>_<test name>.
inline std::filesystem::path FreshTestDir(const std::string& prefix) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      (prefix + "_" + std::to_string(getpid()) + "_" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace ddb::testing
