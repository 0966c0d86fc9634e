// The Raft core's scripted golden-file tests: every file in tests/raft/testdata/ drives a few
// replicas command by command (see testdata/README.md) and records every Ready and message.
// Each file checks one rule of the Raft paper or one feature; a bug found by the simulator gets
// a file here that replays it.
#include <filesystem>
#include <memory>

#include <gtest/gtest.h>

#include "tests/golden.h"
#include "tests/raft/interaction_env.h"

namespace ddb::raft {
namespace {

TEST(RaftInteractionTest, AllFiles) {
  const std::filesystem::path dir = std::filesystem::path(DDB_SOURCE_DIR) / "tests/raft/testdata";
  testing::GoldenStats stats = testing::RunGoldenFiles(dir, [] {
    auto env = std::make_shared<InteractionEnv>();
    return [env](const testing::GoldenCase& c) { return env->Run(c); };
  });
  EXPECT_GE(stats.files, 8u);
}

}  // namespace
}  // namespace ddb::raft
