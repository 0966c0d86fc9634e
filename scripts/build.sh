#!/usr/bin/env bash
# Installs what is missing, then configures and builds ddb (Release by default) into build/.
# Usage: scripts/build.sh [extra cmake arguments]
# Environment: BUILD_DIR (default build), BUILD_TYPE (default Release).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Release}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "$@" >/dev/null
fi
# Two parallel jobs on the 2-core machines CI uses; more where there are more cores.
cmake --build "$BUILD_DIR" -- -j"$(nproc)"
