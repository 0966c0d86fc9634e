#!/usr/bin/env bash
# Installs dynalite (DynamoDB on LevelDB, in Node.js) with npm into a directory, for the
# side-by-side gateway benchmark. Idempotent: prints nothing and does nothing when the wanted
# version is already there.
#
#   bench/gateway/install-dynalite.sh [DIR]      (default build/bench-deps/dynalite)
#
# Then: node DIR/node_modules/dynalite/cli.js --port P --path DATA_DIR \
#         --createTableMs 0 --deleteTableMs 0 --updateTableMs 0
# Env: DYNALITE_VERSION (default 4.0.0).
set -euo pipefail

dir="${1:-build/bench-deps/dynalite}"
version="${DYNALITE_VERSION:-4.0.0}"
pkg="$dir/node_modules/dynalite/package.json"

installed_version() {
  [[ -f "$pkg" ]] || return 1
  node -e 'process.stdout.write(require(process.argv[1]).version)' "$(cd "$(dirname "$pkg")" && pwd)/package.json"
}

if [[ "$(installed_version 2>/dev/null || true)" == "$version" ]]; then
  exit 0
fi

command -v npm >/dev/null || { echo "install-dynalite: npm not found (apt-get install -y npm)" >&2; exit 1; }
mkdir -p "$dir"
# A package.json of its own so npm does not walk up into another project.
[[ -f "$dir/package.json" ]] || echo '{"name":"ddb-bench-deps","private":true}' >"$dir/package.json"
echo "install-dynalite: installing dynalite@$version into $dir" >&2
log="$(mktemp)"
if ! (cd "$dir" && timeout 600 npm install --no-audit --no-fund --loglevel=error "dynalite@$version") >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "install-dynalite: npm install failed" >&2
  exit 1
fi
rm -f "$log"
got="$(installed_version || true)"
[[ "$got" == "$version" ]] || { echo "install-dynalite: expected $version, found '${got}'" >&2; exit 1; }
