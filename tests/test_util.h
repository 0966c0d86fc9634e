// Helpers shared by the test suites.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

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

}  // namespace ddb::testing
