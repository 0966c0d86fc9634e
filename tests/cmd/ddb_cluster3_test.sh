#!/usr/bin/env bash
# A 3-node cluster of real ddb-node processes: tables are replicated on all three, every node
# answers every request (forwarding writes and strong reads to the leader), a kill -9 of a
# table's leader loses no acknowledged write and a new leader takes over, the restarted node
# catches up, and all replicas end identical.
# Usage: ddb_cluster3_test.sh BIN_DIR
set -u
bin=$(realpath "$1")
export PATH="$bin:$PATH"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
tmp=$(mktemp -d)
base=$(free_base_port 3)
export DDB_CLUSTER="$tmp/cluster.toml"
trap 'ddb-cluster down >/dev/null 2>&1; rm -rf "$tmp"' EXIT

now_ms() { date +%s%3N; }
# A cluster file naming only node N: commands then talk to that node alone.
only() {
  printf '[cluster]\nreplication = 1\n[[node]]\nid = %d\naddress = "tcp://127.0.0.1:%d"\ndata_dir = "node%d"\n' \
    "$1" $((base + $1)) "$1" > "$tmp/only$1.toml"
  echo "$tmp/only$1.toml"
}
# The node leading table $1's group, from ddb-cluster status.
leader_of() {
  ddb-cluster status 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    n = json.loads(line)
    for g in n.get("groups", []):
        if g.get("table") == sys.argv[1] and g["role"] == "Leader":
            print(n["node"]); sys.exit(0)' "$1"
}
# Waits until every node's (eventually consistent) scan of table $1 is the same; prints it.
converged() {
  for _ in $(seq 100); do
    a=$(ddb-scan --cluster "$(only 1)" --table "$1" --plain | sort)
    b=$(ddb-scan --cluster "$(only 2)" --table "$1" --plain | sort)
    c=$(ddb-scan --cluster "$(only 3)" --table "$1" --plain | sort)
    if [ "$a" = "$b" ] && [ "$b" = "$c" ]; then echo "$a" | sha256sum | cut -c1-16; return; fi
    sleep 0.1
  done
  echo "replicas differ"
}

check "init 3 nodes" '"nodes":3' "$(ddb-cluster init --dir "$tmp" --nodes 3 --base-port "$base" | grep -o '"nodes":3')"
check "up" 4 "$(ddb-cluster up | grep -c '"state":"started"')"
if [ "$failures" -gt 0 ]; then tail -n 3 "$tmp"/node*.log; exit 1; fi  # nothing else can pass
check "create-table" 0 "$(ddb-create-table --table songs --key id:N >/dev/null; echo $?)"
check "every node lists it" "songs songs songs" \
  "$(for n in 1 2 3; do ddb-list-tables --cluster "$(only $n)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["TableName"])'; done | xargs)"
seq 1 300 | awk '{printf "{\"id\":%d,\"v\":\"x%d\"}\n", $1, $1}' | ddb-import --table songs --format plain >/dev/null
check "import" 0 "$?"
check "status shows a leader" yes "$([ -n "$(leader_of songs)" ] && echo yes || echo no)"

# Every node takes writes and strong reads (forwarding them to the leader).
for n in 1 2 3; do
  ddb-put --cluster "$(only $n)" --table songs --plain --item "{\"id\":$((1000 + n)),\"via\":$n}"
  check "put via node $n" 0 "$?"
  check "strong read via node $n" "{\"id\":$((1000 + n)),\"via\":$n}" \
    "$(ddb-get --cluster "$(only $((n % 3 + 1)))" --table songs --plain --consistent --key "{\"id\":$((1000 + n))}")"
done
check "conditional put via a follower fails with exit 3" 3 \
  "$(ddb-put --cluster "$(only 1)" --table songs --plain --item '{"id":1001}' --condition 'attribute_not_exists(id)' 2>/dev/null; echo $?)"

# kill -9 the table's leader under a write load; every acknowledged write survives.
leader=$(leader_of songs)
survivor=$((leader % 3 + 1))
(for i in $(seq 2000 2399); do
   ddb-put --cluster "$(only $survivor)" --table songs --plain --item "{\"id\":$i}" 2>/dev/null && echo "$i"
 done > "$tmp/acked") &
writer=$!
sleep 0.5
kill -9 "$(cat "$tmp/node$leader.pid")"
killed_at=$(now_ms)
until ddb-put --cluster "$(only $survivor)" --table songs --plain --item '{"id":5000}' 2>/dev/null; do
  [ $(( $(now_ms) - killed_at )) -gt 10000 ] && break
done
failover=$(( $(now_ms) - killed_at ))
echo "failover: a write succeeded ${failover} ms after the leader was killed"
check "a new leader within 10 s" yes "$([ "$failover" -lt 10000 ] && echo yes || echo no)"
wait "$writer"
check "a new leader" yes "$(l=$(leader_of songs); [ -n "$l" ] && [ "$l" != "$leader" ] && echo yes || echo no)"
lost=0
while read -r i; do
  got=$(ddb-get --cluster "$(only $survivor)" --table songs --plain --consistent --key "{\"id\":$i}")
  [ "$got" = "{\"id\":$i}" ] || lost=$((lost + 1))
done < "$tmp/acked"
echo "acknowledged during the kill: $(wc -l < "$tmp/acked")"
check "no acknowledged write lost" 0 "$lost"

# The killed node comes back and catches up; all three replicas end identical.
check "restart" 1 "$(ddb-cluster up | grep -c '"state":"started"')"
sum=$(converged songs)
check "replicas identical after the restart" yes "$([ "$sum" != "replicas differ" ] && echo yes || echo no)"
# Every acknowledged write is there; a write whose answer was lost in the kill may be too.
count=$(ddb-scan --cluster "$(only "$leader")" --table songs --plain | wc -l)
check "item count on the restarted node" yes \
  "$([ "$count" -ge $(( 300 + 3 + $(wc -l < "$tmp/acked") + 1 )) ] && [ "$count" -le $(( 300 + 3 + 400 + 1 )) ] && echo yes || echo "no ($count)")"

# Table changes reach every node.
check "delete-table via a node" 0 "$(ddb-delete-table --cluster "$(only 2)" --table songs >/dev/null; echo $?)"
gone=no
for _ in $(seq 50); do
  [ -z "$(for n in 1 2 3; do ddb-list-tables --cluster "$(only $n)"; done)" ] && { gone=yes; break; }
  sleep 0.1
done
check "every node dropped it" yes "$gone"

check "down" 4 "$(ddb-cluster down | grep -c '"state":"stopped"')"
if [ "$failures" -gt 0 ]; then echo "$failures checks failed"; exit 1; fi
echo "all checks passed"
