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
