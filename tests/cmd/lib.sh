# Shared helpers of the command tests: check NAME EXPECTED ACTUAL prints ok/FAIL and counts.
failures=0
check() {
  if [ "$2" != "$3" ]; then
    printf 'FAIL %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3"
    failures=$((failures + 1))
  else
    printf 'ok   %s\n' "$1"
  fi
}

# free_base_port N: a port P such that P..P+N are free now (P for the gateway), below the kernel's ephemeral
# range (32768 and up), so that no outgoing connection of another test takes one meanwhile.
free_base_port() {
  python3 - "$1" <<'PY'
import random, socket, sys
n = int(sys.argv[1])
for _ in range(1000):
    base = random.randrange(20000, 32000 - n)
    socks = []
    try:
        for p in range(base, base + n + 1):
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", p)); socks.append(s)
    except OSError:
        continue
    finally:
        for s in socks: s.close()
    if len(socks) == n + 1:
        print(base); break
PY
}
