#!/usr/bin/env bash
# Drives ddb-item as a shell script would: outputs, exit statuses, error lines with line
# numbers, and the man page's EXAMPLES. Usage: ddb_item_test.sh PATH/TO/ddb-item
set -u
bin=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# convert: canonical DynamoDB JSON, blank lines skipped, CRLF accepted.
out=$(printf '{"z":{"N":"1.50"},"a":{"SS":["b","a"]}}\r\n\n{"pk":{"S":"x"}}\n' | "$bin" convert)
check "convert canonical" '{"a":{"SS":["a","b"]},"z":{"N":"1.5"}}
{"pk":{"S":"x"}}' "$out"

# plain in, DynamoDB JSON out, and back.
out=$(echo '{"pk":"a","n":12345678901234567890123456789012345678,"l":[1,true,null]}' | "$bin" --from plain convert)
check "plain to ddb" '{"l":{"L":[{"N":"1"},{"BOOL":true},{"NULL":true}]},"n":{"N":"12345678901234567890123456789012345678"},"pk":{"S":"a"}}' "$out"
out=$(echo "$out" | "$bin" convert --to plain)
check "ddb to plain" '{"l":[1,true,null],"n":12345678901234567890123456789012345678,"pk":"a"}' "$out"

# size
out=$(echo '{"shirt-color":{"S":"R"},"shirt-size":{"S":"M"}}' | "$bin" size)
check "size" '{"size":23}' "$out"

# A bad line stops convert: earlier lines are printed, the error names the line, exit 1.
printf '{"a":{"S":"1"}}\n{"a":{"N":"x"}}\n{"a":{"S":"3"}}\n' | "$bin" convert >"$tmp/out" 2>"$tmp/err"
rc=$?
check "stop exit status" 1 "$rc"
check "stop output" '{"a":{"S":"1"}}' "$(cat "$tmp/out")"
check "stop error line" 'ddb-item: line 2: ValidationException: The parameter cannot be converted to a numeric value: x
ddb-item: 1 items ok, 1 invalid' "$(cat "$tmp/err")"

# --on-error skip goes on.
printf '{"a":{"S":"1"}}\nnot json\n{"a":{"S":"3"}}\n' | "$bin" --on-error skip convert >"$tmp/out" 2>"$tmp/err"
check "skip exit status" 1 "$?"
check "skip output" '{"a":{"S":"1"}}
{"a":{"S":"3"}}' "$(cat "$tmp/out")"
check "skip error" 'ddb-item: line 2: SerializationException: Invalid JSON at offset 1: Invalid value.' "$(head -1 "$tmp/err")"

# validate reports every bad line and a summary.
printf '{"a":{"S":"1"}}\n{"a":{}}\n{"b":{"NS":["1","1.0"]}}\n' | "$bin" validate >"$tmp/out" 2>"$tmp/err"
check "validate exit status" 1 "$?"
check "validate summary" '{"valid":1,"ok":false}' "$(cat "$tmp/out")"
check "validate errors" 2 "$(grep -c '^ddb-item: line [23]: ValidationException' "$tmp/err")"
echo '{"a":{"S":"1"}}' | "$bin" validate >"$tmp/out" 2>"$tmp/err"
check "validate ok" '0 {"valid":1,"ok":true}' "$? $(cat "$tmp/out")"

# An oversized item is refused.
python3 -c 'import json; print(json.dumps({"a": {"S": "x" * 409600}}))' | "$bin" validate >/dev/null 2>"$tmp/err"
check "oversized item" 'ddb-item: line 1: ValidationException: Item size has exceeded the maximum allowed size' "$(head -1 "$tmp/err")"

# Usage errors exit 2 with one line on stderr; --help exits 0.
"$bin" --from xml convert </dev/null >/dev/null 2>"$tmp/err"
check "usage exit status" 2 "$?"
check "usage one line" 1 "$(wc -l <"$tmp/err")"
"$bin" --help >/dev/null
check "help exit status" 0 "$?"

# Every EXAMPLES command in the man page runs and exits 0.
man="$(dirname "$0")/../../man/ddb-item.1"
if [ -f "$man" ]; then
  n=0
  while IFS= read -r cmdline; do
    n=$((n + 1))
    (cd "$tmp" && PATH="$(dirname "$bin"):$PATH" bash -o pipefail -c "$cmdline" >/dev/null 2>&1)
    check "man example $n: $cmdline" 0 "$?"
  done < <(sed -n '/^\.SH EXAMPLES/,/^\.SH SEE ALSO/p' "$man" | grep '^\$ ' | sed 's/^\$ //; s/\\-/-/g; s/\\e/\\/g')
  check "man has examples" 1 "$([ "$n" -gt 0 ] && echo 1 || echo 0)"
else
  check "man page exists" yes no
fi

if [ "$failures" -gt 0 ]; then echo "$failures checks failed"; exit 1; fi
echo "all checks passed"
