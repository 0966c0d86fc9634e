#!/usr/bin/env bash
# Side-by-side HTTP benchmark: a 3-node ddb cluster behind ddb-gateway vs dynalite (--path,
# LevelDB on disk), same machine, same pre-signed requests, same wrk settings.
#
#   bash bench/gateway/run.sh [--only ddb|dynalite] [--seconds N] [--workloads put,get,query]
#                             [--out DIR] [--keep] [--inspect]
#
# For each target: start it fresh in a temporary directory, then for each workload
# setup.py (tables, data), gen_requests.py (signed now), wrk -t2 -c16 -d${SECONDS}s; get also
# runs at -t1 -c1 (latency of one client). Then stop it. Prints a Markdown table at the end;
# raw wrk output and one JSON line per run are kept in --out (default build/bench-gateway/<time>).
# Answers with a status of 400 or more are counted (wrk's own count); --inspect has replay.lua
# look at every answer (any status but 200, the first error's body), at a cost in the client's
# CPU that the servers share: for finding out what went wrong, not for the figures.
#
# Env: SECONDS (run length per wrk run, default 10), DDB_BIN (default build/bin),
#      DDB_BASE_PORT (17400: node N on +N), GATEWAY_PORT (17480), DYNALITE_PORT (17490),
#      DYNALITE_DIR (build/bench-deps/dynalite), PUT_REQUESTS (default 20000 x SECONDS, at
#      least 50000), READ_REQUESTS (20000), WARMUP (seconds of unrecorded load before the
#      get and query runs, default 3), TMPDIR (where the servers' data goes).
# Every server this script starts is stopped by PID on exit (ddb: `ddb-cluster down` first).

# SECONDS is bash's own clock: read what the caller set before anything else elapses.
env_seconds="$SECONDS"
set -euo pipefail

die() { echo "run.sh: $*" >&2; exit 2; }
log() { echo "run.sh: $*" >&2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py=/usr/bin/python3

duration="$env_seconds"
[[ "$duration" =~ ^[0-9]+$ && "$duration" -gt 0 ]] || duration=10
only=""
workloads="put,get,query"
out=""
keep=0
inspect=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --only) only="${2:-}"; shift 2 ;;
    --only=*) only="${1#--only=}"; shift ;;
    --seconds) duration="${2:-}"; shift 2 ;;
    --seconds=*) duration="${1#--seconds=}"; shift ;;
    --workloads) workloads="${2:-}"; shift 2 ;;
    --workloads=*) workloads="${1#--workloads=}"; shift ;;
    --out) out="${2:-}"; shift 2 ;;
    --out=*) out="${1#--out=}"; shift ;;
    --keep) keep=1; shift ;;
    --inspect) inspect=1; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case "$only" in
  "") targets=(ddb dynalite) ;;
  ddb|dynalite) targets=("$only") ;;
  *) die "--only takes ddb or dynalite" ;;
esac
[[ "$duration" =~ ^[0-9]+$ && "$duration" -ge 1 ]] || die "--seconds must be a positive integer"
# Signatures are taken at generation time and verified within 15 minutes.
[[ "$duration" -le 600 ]] || die "--seconds must be at most 600 (signatures expire after 15 minutes)"
IFS=',' read -r -a wl <<<"$workloads"
for w in "${wl[@]}"; do
  [[ "$w" == put || "$w" == get || "$w" == query ]] || die "unknown workload '$w'"
done

# Paths the caller gave relative to its own directory, resolved before we cd.
ddb_bin="${DDB_BIN:-build/bin}"
if [[ "$ddb_bin" != /* ]]; then
  if [[ -d "$ddb_bin" ]]; then ddb_bin="$(cd "$ddb_bin" && pwd)"; else ddb_bin="$root/$ddb_bin"; fi
fi
dynalite_dir="${DYNALITE_DIR:-$root/build/bench-deps/dynalite}"
[[ "$dynalite_dir" == /* ]] || dynalite_dir="$PWD/$dynalite_dir"
[[ -z "$out" ]] && out="$root/build/bench-gateway/$(date -u +%Y%m%dT%H%M%SZ)"
[[ "$out" == /* ]] || out="$PWD/$out"
cd "$root"

ddb_base_port="${DDB_BASE_PORT:-17400}"
gateway_port="${GATEWAY_PORT:-17480}"
dynalite_port="${DYNALITE_PORT:-17490}"
put_requests="${PUT_REQUESTS:-$((duration * 20000 > 50000 ? duration * 20000 : 50000))}"
read_requests="${READ_REQUESTS:-20000}"
warmup="${WARMUP:-3}"
[[ "$warmup" =~ ^[0-9]+$ ]] || die "WARMUP must be a number of seconds"

command -v wrk >/dev/null || die "wrk not found (apt-get install -y wrk)"
$py -c 'import boto3, botocore' 2>/dev/null ||
  die "$py lacks boto3/botocore (apt-get install -y python3-boto3 python3-botocore)"
if [[ " ${targets[*]} " == *" ddb "* ]]; then
  [[ -x "$ddb_bin/ddb-cluster" ]] ||
    die "no $ddb_bin/ddb-cluster (build first, set DDB_BIN, or run with --only dynalite)"
fi
if [[ " ${targets[*]} " == *" dynalite "* ]]; then
  command -v node >/dev/null || die "node not found (apt-get install -y nodejs npm)"
  bash "$here/install-dynalite.sh" "$dynalite_dir"
fi

port_free() {
  $py - "$1" <<'EOF'
import socket, sys
# SO_REUSEADDR, as the servers bind: a port whose only sockets are in TIME_WAIT (the previous
# run's connections) is free for them; one with a listener is not.
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

# Waits (at most $2 seconds) until something answers HTTP on 127.0.0.1:$1.
wait_http() {
  local port="$1" limit="$2" pid="${3:-}" t0=$SECONDS code
  while ((SECONDS - t0 < limit)); do
    code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' -X POST "http://127.0.0.1:$port/" \
      -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
      -d '{}' 2>/dev/null || true)"
    [[ "$code" =~ ^[1-5][0-9][0-9]$ ]] && return 0
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.2
  done
  return 1
}

mkdir -p "$out"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ddb-gateway-bench.XXXXXX")"
pids=()          # every server process this script started (or that `ddb-cluster up` reported)
cluster_file=""  # set while a ddb cluster may be up

stop_pid() {
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "PID $pid ignored SIGTERM for 10 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  if [[ -n "$cluster_file" ]]; then
    timeout 60 "$ddb_bin/ddb-cluster" --cluster "$cluster_file" down >"$out/ddb-down.log" 2>&1 || true
    cluster_file=""
  fi
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  pids=()
  if ((keep)); then log "kept the servers' data in $tmp"; else rm -rf "$tmp"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Adds the PIDs that a ddb-cluster command printed ("pid":N) and those in pid files under the
# cluster directory (ddb-node and ddb-gateway run detached), when they are ddb processes.
collect_ddb_pids() {
  local pid
  for pid in $(grep -o '"pid":[0-9]*' "$1" | cut -d: -f2) \
             $(find "$tmp/ddb" -name '*.pid' -exec cat {} + 2>/dev/null | tr -cs '0-9' ' '); do
    [[ "$pid" -gt 1 ]] 2>/dev/null || continue
    [[ " ${pids[*]} " == *" $pid "* ]] && continue
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'ddb' || continue
    pids+=("$pid")
  done
}

start_ddb() {
  local p
  for p in "$((ddb_base_port + 1))" "$((ddb_base_port + 2))" "$((ddb_base_port + 3))" "$gateway_port"; do
    port_free "$p" || die "port $p is in use (set DDB_BASE_PORT / GATEWAY_PORT)"
  done
  mkdir -p "$tmp/ddb"
  "$ddb_bin/ddb-cluster" init --dir "$tmp/ddb" --base-port "$ddb_base_port" \
    --gateway-listen "127.0.0.1:$gateway_port" >"$out/ddb-init.log" 2>&1 ||
    { cat "$out/ddb-init.log" >&2; die "ddb-cluster init failed"; }
  cluster_file="$tmp/ddb/cluster.toml"
  local rc=0
  timeout 120 "$ddb_bin/ddb-cluster" --cluster "$cluster_file" up >"$out/ddb-up.log" 2>&1 || rc=$?
  collect_ddb_pids "$out/ddb-up.log"
  ((rc == 0)) || { cat "$out/ddb-up.log" >&2; die "ddb-cluster up failed ($rc)"; }
  wait_http "$gateway_port" 60 || { cat "$out/ddb-up.log" >&2; die "the gateway does not answer on :$gateway_port"; }
  collect_ddb_pids "$out/ddb-up.log"
  log "ddb: 3 nodes + gateway up (PIDs ${pids[*]}), gateway http://127.0.0.1:$gateway_port"
}

stop_ddb() {
  [[ -n "$cluster_file" ]] || return 0
  timeout 60 "$ddb_bin/ddb-cluster" --cluster "$cluster_file" down >"$out/ddb-down.log" 2>&1 || true
  cluster_file=""
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  pids=()
}

dynalite_pid=""
start_dynalite() {
  port_free "$dynalite_port" || die "port $dynalite_port is in use (set DYNALITE_PORT)"
  mkdir -p "$tmp/dynalite"
  node "$dynalite_dir/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$dynalite_port" \
    --path "$tmp/dynalite/data" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 \
    >"$out/dynalite.log" 2>&1 &
  dynalite_pid=$!
  pids+=("$dynalite_pid")
  wait_http "$dynalite_port" 30 "$dynalite_pid" || { cat "$out/dynalite.log" >&2; die "dynalite did not start"; }
  log "dynalite: up (PID $dynalite_pid), http://127.0.0.1:$dynalite_port, data in $tmp/dynalite/data"
}

stop_dynalite() {
  [[ -n "$dynalite_pid" ]] || return 0
  stop_pid "$dynalite_pid"
  local keep_pids=() pid
  for pid in "${pids[@]}"; do [[ "$pid" == "$dynalite_pid" ]] || keep_pids+=("$pid"); done
  pids=("${keep_pids[@]+"${keep_pids[@]}"}")
  dynalite_pid=""
}

results="$out/results.jsonl"
: >"$results"

# run_wrk TARGET ENDPOINT WORKLOAD LABEL THREADS CONNECTIONS FILE
run_wrk() {
  local target="$1" endpoint="$2" workload="$3" label="$4" t="$5" c="$6" file="$7"
  local logf="$out/$target-$label.wrk.txt"
  log "$target $label: wrk -t$t -c$c -d${duration}s"
  if ! REPLAY_INSPECT="$inspect" timeout "$((duration + 120))" wrk -t"$t" -c"$c" -d"${duration}s" \
      --timeout 10s -s "$here/replay.lua" "$endpoint/" -- "$file" "target=$target" \
      "workload=$workload" "run=$label" "threads=$t" "connections=$c" >"$logf" 2>&1; then
    cat "$logf" >&2
    die "wrk failed for $target $label"
  fi
  local line
  line="$(grep '^{' "$logf" | tail -1)"
  [[ -n "$line" ]] || { cat "$logf" >&2; die "no result line from wrk for $target $label"; }
  echo "$line" >>"$results"
  echo "$line" >&2
}

bench_target() {
  local target="$1" endpoint="$2" w n file
  for w in "${wl[@]}"; do
    log "$target $w: setup"
    timeout 900 $py "$here/setup.py" --endpoint "$endpoint" --workload "$w" 2>&1 |
      sed "s/^/  /" >&2 || die "setup failed for $target $w"
    if [[ "$w" == put ]]; then n="$put_requests"; else n="$read_requests"; fi
    file="$tmp/$target-$w.reqs"
    timeout 600 $py "$here/gen_requests.py" --workload "$w" --endpoint "$endpoint" -n "$n" -o "$file" ||
      die "gen_requests failed for $target $w"
    if [[ "$w" != put && "$warmup" -gt 0 ]]; then
      # Unrecorded: lets the store settle after the bulk load (LevelDB compactions) and warms
      # caches and connections. Not for put, whose keys must stay unwritten.
      log "$target $w: warm-up, ${warmup}s (not recorded)"
      timeout "$((warmup + 60))" wrk -t2 -c16 -d"${warmup}s" -s "$here/replay.lua" "$endpoint/" -- "$file" \
        threads=2 >"$out/$target-$w.warmup.txt" 2>&1 || die "wrk warm-up failed for $target $w"
    fi
    run_wrk "$target" "$endpoint" "$w" "$w" 2 16 "$file"
    if [[ "$w" == get ]]; then
      run_wrk "$target" "$endpoint" "$w" "get-c1" 1 1 "$file"
    fi
    rm -f "$file"
  done
}

log "results in $out; ${duration}s per run; targets: ${targets[*]}; workloads: ${wl[*]}"
for target in "${targets[@]}"; do
  case "$target" in
    ddb)
      start_ddb
      bench_target ddb "http://127.0.0.1:$gateway_port"
      stop_ddb
      ;;
    dynalite)
      start_dynalite
      bench_target dynalite "http://127.0.0.1:$dynalite_port"
      stop_dynalite
      ;;
  esac
done

dynalite_version="$(node -e 'process.stdout.write(require(process.argv[1]).version)' \
  "$dynalite_dir/node_modules/dynalite/package.json" 2>/dev/null || echo '?')"
$py "$here/report.py" "$results" --seconds "$duration" --dynalite-version "$dynalite_version" | tee "$out/table.md"
