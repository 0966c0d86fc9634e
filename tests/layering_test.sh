#!/usr/bin/env bash
# Checks the layering of DESIGN.md section 8 on the sources: a layer includes only itself and
# the layers below it, commands never include storage or raft, and nothing in libddb prints to
# stdout. Prints each violation; exits 1 if there is any.
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2

declare -A allowed=(
  [core]="core"
  [model]="core model"
  [expr]="core model expr"
  [storage]="core model storage"
  [raft]="core raft"
  [proto]="core model proto"
  [net]="core model proto net"
  [cluster]="core model cluster"
  [s3]="core model s3"
  [client]="core model proto net cluster client"
  [http]="core http"
  [gateway]="core model proto net cluster client http gateway"
  [replication]="core model raft storage proto net cluster replication"
  [node]="core model expr raft storage proto net cluster replication node"
)

fail=0
for dir in libddb/*/; do
  layer=$(basename "$dir")
  if [ -z "${allowed[$layer]+x}" ]; then
    echo "layering: libddb/$layer is not a known layer; add it to tests/layering_test.sh"
    fail=1
    continue
  fi
  while IFS=: read -r file line inc; do
    target=$(sed -E 's|.*"libddb/([a-z0-9_]+)/.*|\1|' <<<"$inc")
    case " ${allowed[$layer]} " in
      *" $target "*) ;;
      *) echo "layering: $file:$line: libddb/$layer includes libddb/$target"; fail=1 ;;
    esac
  done < <(grep -nE '^#include "libddb/' -r "$dir" | sed -E 's/^([^:]+):([0-9]+):/\1:\2:/')
done

# Commands and the gateway never link storage or raft.
if grep -nE '^#include "libddb/(storage|raft)/' -r cmd 2>/dev/null; then
  echo "layering: a command includes storage or raft"
  fail=1
fi

# Libraries log; they never print to stdout.
if grep -nE 'std::cout|(^|[^a-z])printf\(|\bputs\(|\bstdout\b' -r libddb | grep -v 'stdout_sinks.h' | grep -v 'prints to stdout'; then
  echo "layering: libddb writes to stdout"
  fail=1
fi

# The Raft core is pure (DESIGN.md section 5): no sockets, threads, clocks, disk or randomness
# other than its own seeded generator.
while IFS= read -r hit; do
  echo "layering: $hit: the Raft core must not use this"
  fail=1
done < <(grep -nE '#include *<(thread|mutex|condition_variable|future|chrono|ctime|random|fstream|filesystem|zmq\.hpp|zmq\.h|leveldb/[a-z_]+\.h|unistd\.h|sys/[a-z_]+\.h)>' -r libddb/raft)

if [ "$fail" -eq 0 ]; then echo "layering: ok"; fi
exit "$fail"
