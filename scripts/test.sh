#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test with ctest (unit,
# property, command and integration tests), then the gateway's boto3 and aws CLI suite with
# pytest against a real 3-node cluster and gateway; each ends with its runner's summary.
# Usage: scripts/test.sh [extra ctest arguments, e.g. -R Number] (with arguments, only ctest runs)
# Replay a failed randomized test with the seed it printed: DDB_TEST_SEED=<seed> scripts/test.sh
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh || exit 1
BUILD_DIR=$(cd "${BUILD_DIR:-build}" && pwd)
status=0
(cd "$BUILD_DIR" && ctest --output-on-failure -j"$(nproc)" --timeout 600 "$@") || status=1
if [ $# -eq 0 ]; then
  # Debian's python3 (with python3-boto3 and python3-pytest), whatever python3 PATH prefers.
  DDB_BIN="$BUILD_DIR/bin" PYTHONDONTWRITEBYTECODE=1 \
    /usr/bin/python3 -m pytest -p no:cacheprovider -q -rf tests/gateway || status=1
fi
exit $status
