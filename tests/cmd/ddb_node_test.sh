#!/usr/bin/env bash
# ddb-node as an operator runs it: --detach returns once serving, the pid file, SIGTERM stops
# it cleanly, start-up errors are one line, and the man page's EXAMPLES run.
# Usage: ddb_node_test.sh PATH/TO/ddb-node
set -u
bin=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'for p in "$tmp"/*.pid; do [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null; done; rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '[[node]]\nid = 1\naddress = "tcp://127.0.0.1:%s"\ndata_dir = "n1"\n' "$port" > "$tmp/c.toml"

"$bin" --cluster "$tmp/c.toml" --id 1 --detach --pid-file "$tmp/n1.pid" --log-file "$tmp/n1.log"
check "detach exit status" 0 "$?"
pid=$(cat "$tmp/n1.pid" 2>/dev/null)
check "pid file names a live process" yes "$(kill -0 "$pid" 2>/dev/null && echo yes || echo no)"

# A second node on the same directory: one line, exit 1.
"$bin" --cluster "$tmp/c.toml" --id 1 --pid-file "$tmp/n1b.pid" 2>"$tmp/err"
check "second node exit status" 1 "$?"
check "second node error" "ddb-node: data directory $tmp/n1 is in use by another ddb-node (pid $pid)" "$(cat "$tmp/err")"

kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM stops the node" no "$(kill -0 "$pid" 2>/dev/null && echo yes || echo no)"
check "pid file removed" no "$([ -f "$tmp/n1.pid" ] && echo yes || echo no)"
check "clean stop logged" 1 "$(grep -c 'node 1 stopped' "$tmp/n1.log")"

"$bin" --cluster "$tmp/c.toml" --id 9 2>"$tmp/err"
check "unknown id exit status" 2 "$?"
"$bin" --cluster "$tmp/missing.toml" --id 1 2>"$tmp/err"
check "missing cluster file" 1 "$?"
check "missing cluster file one line" 1 "$(wc -l < "$tmp/err")"
"$bin" --bogus 2>/dev/null
check "usage exit status" 2 "$?"

# The man page's EXAMPLES, in a scratch directory (with a free port substituted).
man="$(dirname "$0")/../../man/ddb-node.1"
n=0
while IFS= read -r cmdline; do
  n=$((n + 1))
  cmdline=${cmdline//7301/$port}
  (cd "$tmp" && PATH="$(dirname "$bin"):$PATH" bash -o pipefail -c "$cmdline" >/dev/null 2>&1)
  check "man example $n" 0 "$?"
  sleep 0.2
done < <(sed -n '/^\.SH EXAMPLES/,/^\.SH SEE ALSO/p' "$man" | grep '^\$ ' | sed 's/^\$ //; s/\\-/-/g; s/\\e/\\/g')
check "man has examples" yes "$([ "$n" -gt 0 ] && echo yes || echo no)"

if [ "$failures" -gt 0 ]; then echo "$failures checks failed"; exit 1; fi
echo "all checks passed"
