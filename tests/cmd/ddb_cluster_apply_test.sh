#!/usr/bin/env bash
# ddb-cluster apply (issue #5, item 5): a node added to the cluster file joins the running
# cluster (as a __meta voter, and a home for new tables); a node removed from the file (the
# table's leader) has every replica moved off it, then is stopped; no item is lost and the
# cluster keeps taking writes. A list the cluster file's checks refuse changes nothing.
# Usage: ddb_cluster_apply_test.sh BIN_DIR
set -u
bin=$(realpath "$1")
export PATH="$bin:$PATH"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
tmp=$(mktemp -d)
base=$(free_base_port 5)
export DDB_CLUSTER="$tmp/cluster.toml"
trap 'ddb-cluster down >/dev/null 2>&1; for p in "$tmp"/node*.pid; do [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null; done; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

# members GROUP: each node's view of the group's members ("node:members" per node that has it).
members() {
  ddb-cluster status 2>/dev/null | python3 -c '
import json, sys
out = []
for line in sys.stdin:
    n = json.loads(line)
    for g in n.get("groups", []):
        if g.get("table", "__meta") == sys.argv[1]:
            out.append("%d:%s" % (n["node"], ",".join(map(str, g["members"]))))
print(" ".join(out))' "$1"
}
# The node leading GROUP.
leader_of() {
  ddb-cluster status 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    n = json.loads(line)
    for g in n.get("groups", []):
        if g.get("table", "__meta") == sys.argv[1] and g["role"] == "Leader":
            print(n["node"]); sys.exit(0)' "$1"
}
node_block() {
  printf '[[node]]\nid = %d\naddress = "tcp://127.0.0.1:%d"\ndata_dir = "node%d"\n\n' "$1" $((base + $1)) "$1"
}
# Writes the cluster file with the nodes given.
nodes_file() {
  python3 - "$tmp/cluster.toml" "$(for n in "$@"; do node_block "$n"; done)" <<'PY'
import re, sys
path, blocks = sys.argv[1], sys.argv[2]
s = open(path).read()
s = re.sub(r'\[\[node\]\]\n(?:[a-z_]+ = .*\n)*\n', '', s)
s = s.replace('[gateway]', blocks.strip() + '\n\n[gateway]')
open(path, 'w').write(s)
PY
}

check "init" '"nodes":3' "$(ddb-cluster init --dir "$tmp" --nodes 3 --base-port "$base" | grep -o '"nodes":3')"
check "up" 4 "$(ddb-cluster up | grep -c '"state":"started"')"
if [ "$failures" -gt 0 ]; then tail -n 3 "$tmp"/node*.log; exit 1; fi
ddb-create-table --table songs --key id:N >/dev/null
seq 1 300 | awk '{printf "{\"id\":%d,\"v\":\"x%d\"}\n", $1, $1}' | ddb-import --table songs --format plain >/dev/null
check "import" 0 "$?"

# A cluster file listing fewer nodes than the replication factor is refused before any node
# is told (the nodes check the list again themselves): nothing moves.
nodes_file 1 2
err=$(ddb-cluster apply --no-wait 2>&1 >/dev/null)
check "too few nodes: exit 1" 1 "$?"
check "too few nodes: says why, with the line" yes \
  "$(grep -q 'cluster.toml:[0-9]*: cluster.replication is 3 but only 2 nodes are listed' <<<"$err" && echo yes || echo "no: $err")"
nodes_file 1 2 3
check "too few nodes: nothing moved" "1:1,2,3 2:1,2,3 3:1,2,3" "$(members __meta)"

# Add node 4: it starts as a joining node and becomes a __meta voter.
nodes_file 1 2 3 4
start=$(date +%s%3N)
out=$(ddb-cluster apply)
rc=$?
echo "apply adding node 4 took $(( $(date +%s%3N) - start )) ms"
check "add: exit 0" 0 "$rc"
check "add: node 4 started" 1 "$(grep -c '"node":4,.*"state":"started"' <<<"$out")"
check "add: every node applied" 4 "$(grep -c '"applied":true' <<<"$out")"
check "add: __meta has node 4 everywhere" "1:1,2,3,4 2:1,2,3,4 3:1,2,3,4 4:1,2,3,4" "$(members __meta)"
check "add: the gateway restarted" 1 "$(grep -c '"gateway":.*"state":"restarted"' <<<"$out")"
out=$(ddb-cluster apply)
check "again, unchanged: exit 0" 0 "$?"
check "again, unchanged: nothing started or restarted" 0 "$(grep -c '"started"\|"restarted"\|"removed"' <<<"$out")"
check "add: node 4 lists the tables" songs "$(ddb-list-tables --cluster <(printf '[cluster]\nreplication = 1\n'; node_block 4) | python3 -c 'import json,sys; print(json.load(sys.stdin)["TableName"])')"

# Remove the node leading the table (it hands the group over, then steps down).
victim=$(leader_of songs)
keep=$(for n in 1 2 3 4; do [ "$n" != "$victim" ] && echo "$n"; done | xargs)
expect=$(for n in $keep; do printf '%s:%s ' "$n" "${keep// /,}"; done | sed 's/ $//')
echo "removing node $victim, which leads songs; __meta is led by node $(leader_of __meta)"
nodes_file $keep
start=$(date +%s%3N)
out=$(ddb-cluster apply --timeout 120)
rc=$?
echo "apply removing node $victim took $(( $(date +%s%3N) - start )) ms"
check "remove: exit 0" 0 "$rc"
check "remove: node $victim told" 1 "$(grep -c "\"node\":$victim,\"applied\":true" <<<"$out")"
check "remove: node $victim removed and stopped" 1 "$(grep -c "\"node\":$victim,.*\"state\":\"removed\",\"process\":\"stopped\"" <<<"$out")"
check "remove: __meta without node $victim" "$expect" "$(members __meta)"
check "remove: songs without node $victim" "$expect" "$(members songs)"
check "remove: node $victim process gone" no "$(kill -0 "$(cat "$tmp/node$victim.pid" 2>/dev/null)" 2>/dev/null && echo yes || echo no)"
check "remove: every item on node 4" 300 "$(ddb-scan --cluster <(printf '[cluster]\nreplication = 1\n'; node_block 4) --table songs --plain | wc -l)"
check "remove: a write after" 0 "$(ddb-put --table songs --plain --item '{"id":5000}'; echo $?)"
check "remove: strong read of it" '{"id":5000}' "$(ddb-get --table songs --plain --consistent --key '{"id":5000}')"
check "remove: a new table" 0 "$(ddb-create-table --table after --key id:S >/dev/null; echo $?)"

# One apply that adds node 5 and removes the node leading __meta.
meta=$(leader_of __meta)
keep2=$(for n in $keep 5; do [ "$n" != "$meta" ] && echo "$n"; done | xargs)
expect2=$(for n in $keep2; do printf '%s:%s ' "$n" "${keep2// /,}"; done | sed 's/ $//')
echo "adding node 5 and removing node $meta, which leads __meta"
nodes_file $keep2
start=$(date +%s%3N)
out=$(ddb-cluster apply --timeout ${APPLY_TIMEOUT:-120})
rc=$?
echo "apply adding node 5 and removing node $meta took $(( $(date +%s%3N) - start )) ms"
check "swap: exit 0" 0 "$rc"
check "swap: node 5 started" 1 "$(grep -c '"node":5,.*"state":"started"' <<<"$out")"
check "swap: node $meta removed and stopped" 1 "$(grep -c "\"node\":$meta,.*\"state\":\"removed\",\"process\":\"stopped\"" <<<"$out")"
check "swap: __meta" "$expect2" "$(members __meta)"
check "swap: a new __meta leader" yes "$(l=$(leader_of __meta); [ -n "$l" ] && [ "$l" != "$meta" ] && echo yes || echo no)"
check "swap: every item" 300 "$(ddb-scan --table songs --plain --consistent | grep -vc '"id":5000')"
check "swap: tables listed" "after songs" "$(ddb-list-tables | python3 -c 'import json,sys; print(" ".join(json.loads(l)["TableName"] for l in sys.stdin))')"

check "down" 4 "$(ddb-cluster down | grep -c '"state":"stopped"')"
if [ "$failures" -gt 0 ]; then echo "$failures checks failed"; tail -n 5 "$tmp"/node*.log; exit 1; fi
echo "all checks passed"
