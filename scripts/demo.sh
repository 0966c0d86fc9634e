#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and shows ddb at work.
# (Until the node and cluster land, the demo shows the data model: DynamoDB's validation,
# exact numbers, canonical form and item sizes, through the ddb-item command.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
export PATH="$PWD/build/bin:$PATH"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "echo '{\"id\":\"u1\",\"balance\":12345678901234567890.12,\"tags\":[\"a\",1e2]}' | ddb-item --from plain convert"
echo '{"id":"u1","balance":12345678901234567890.12,"tags":["a",1e2]}' | ddb-item --from plain convert

step "echo '{\"n\":{\"N\":\"001.50e2\"},\"s\":{\"SS\":[\"b\",\"a\"]}}' | ddb-item convert"
echo '{"n":{"N":"001.50e2"},"s":{"SS":["b","a"]}}' | ddb-item convert

step "echo '{\"shirt-color\":{\"S\":\"R\"},\"shirt-size\":{\"S\":\"M\"}}' | ddb-item size"
echo '{"shirt-color":{"S":"R"},"shirt-size":{"S":"M"}}' | ddb-item size

step "printf '{\"a\":{\"N\":\"1e126\"}}\\n{\"b\":{\"SS\":[\"x\",\"x\"]}}\\n{\"ok\":{\"S\":\"\"}}\\n' | ddb-item validate"
printf '{"a":{"N":"1e126"}}\n{"b":{"SS":["x","x"]}}\n{"ok":{"S":""}}\n' | ddb-item validate || true
