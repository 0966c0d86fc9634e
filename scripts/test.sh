#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every test with ctest
# (unit, property, command and, as they land, integration tests), ending with ctest's summary.
# Usage: scripts/test.sh [extra ctest arguments, e.g. -R Number]
# Replay a failed randomized test with the seed it printed: DDB_TEST_SEED=<seed> scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" --timeout 600 "$@"
