#!/usr/bin/env bash
# The table and item commands against a real local cluster, driven as shell scripts drive
# them: outputs, exit statuses, one-line errors, nothing written on bad input, pipes between
# commands, --help, and every EXAMPLES line of their man pages.
# Usage: ddb_commands_test.sh BIN_DIR
set -u
bin=$(realpath "$1")
export PATH="$bin:$PATH"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
tmp=$(mktemp -d)
base=$(free_base_port 3)
export DDB_CLUSTER="$tmp/cluster.toml"
trap 'ddb-cluster down >/dev/null 2>&1; rm -rf "$tmp"' EXIT

check "init" 0 "$(ddb-cluster init --dir "$tmp" --base-port "$base" >/dev/null; echo $?)"
check "up" 4 "$(ddb-cluster up | grep -c '"state":"started"')"
check "status" 3 "$(ddb-cluster status | grep -c '"state":"up","tables":0')"
check "status: the gateway answers" 1 "$(ddb-cluster status | grep -c '"gateway":"http://127.0.0.1:'"$base"'","pid":[0-9]*,"state":"up"')"

check "create-table" 0 "$(ddb-create-table --table music --key artist:S --sort song:S >/dev/null; echo $?)"
check "create-table again" "ddb-create-table: ResourceInUseException: Table already exists: music" \
  "$(ddb-create-table --table music --key artist:S 2>&1 >/dev/null)"
check "create-table bad key" 2 "$(ddb-create-table --table other --key artist:X 2>/dev/null; echo $?)"
check "list-tables" '{"TableName":"music"}' "$(ddb-list-tables)"
printf '%s\n' '{"artist":"Abba","song":"Waterloo","year":1974}' '{"artist":"Abba","song":"SOS","year":1975}' \
  '{"artist":"Nina","song":"Sinnerman","year":1965}' | ddb-put --table music --plain
check "put from stdin" 0 "$?"
# Reads that must see the writes just made are strongly consistent (--consistent), as in
# DynamoDB: an eventually consistent read may go to a replica that has not applied them yet.
check "get" '{"artist":{"S":"Abba"},"song":{"S":"SOS"},"year":{"N":"1975"}}' \
  "$(ddb-get --table music --consistent --key '{"artist":{"S":"Abba"},"song":{"S":"SOS"}}')"
check "get missing" "" "$(ddb-get --table music --plain --key '{"artist":"Abba","song":"nope"}')"
check "query order" '{"song":"SOS"} {"song":"Waterloo"}' \
  "$(ddb-query --table music --consistent --plain --key-condition 'artist = :a' --values '{":a":{"S":"Abba"}}' --projection song | tr '\n' ' ' | sed 's/ $//')"
check "query reverse limit" '{"song":"Waterloo"}' \
  "$(ddb-query --table music --plain --key-condition 'artist = :a' --values '{":a":{"S":"Abba"}}' --projection song --reverse --limit 1)"
check "scan count" '{"Count":3,"ScannedCount":3}' "$(ddb-scan --table music --consistent --count)"
check "update" '{"year":1976}' \
  "$(ddb-update --table music --plain --key '{"artist":"Abba","song":"SOS"}' --update 'SET #y = #y + :one' --names '{"#y":"year"}' --values '{":one":{"N":"1"}}' --return UPDATED_NEW)"

# Exit statuses a script can branch on.
ddb-put --table music --plain --item '{"artist":"Abba","song":"SOS"}' --condition 'attribute_not_exists(song)' 2>"$tmp/err"
check "condition failed: exit 3" 3 "$?"
check "condition failed: one line" "ddb-put: ConditionalCheckFailedException: The conditional request failed" "$(cat "$tmp/err")"
ddb-get --table nosuch --key '{"a":{"S":"b"}}' 2>"$tmp/err"
check "missing table: exit 4" 4 "$?"
check "missing table: message" "ddb-get: ResourceNotFoundException: Requested resource not found: Table: nosuch not found" "$(cat "$tmp/err")"
ddb-put --table music --bogus 2>/dev/null
check "bad flag: exit 2" 2 "$?"

# Bad input changes nothing.
printf '%s\n' '{"artist":"Z","song":"1"}' '{"artist":"Z","song":' | ddb-put --table music --plain 2>"$tmp/err"
check "put bad line: exit 1" 1 "$?"
check "put bad line: names the line" 1 "$(grep -c '^ddb-put: line 2: SerializationException' "$tmp/err")"
check "put bad line: nothing written" "" "$(ddb-get --table music --consistent --plain --key '{"artist":"Z","song":"1"}')"
printf '%s\n' '{"artist":"Y","song":"1"}' '{"artist":"Y"}' | ddb-import --table music --format plain >/dev/null 2>"$tmp/err"
check "import bad line: exit 1" 1 "$?"
check "import bad line: message" "ddb-import: line 2: ValidationException: One or more parameter values were invalid: Missing the key song in the item" "$(head -1 "$tmp/err")"
check "import bad line: nothing written" "" "$(ddb-get --table music --consistent --plain --key '{"artist":"Y","song":"1"}')"
check "oversized item" "ddb-put: line 1: ValidationException: Item size has exceeded the maximum allowed size" \
  "$(python3 -c 'print("{\"artist\":\"Big\",\"song\":\"x\",\"b\":\"" + "x"*409600 + "\"}")' | ddb-put --table music --plain 2>&1)"
check "wrong key type" "ddb-put: ValidationException: One or more parameter values were invalid: Type mismatch for key song expected: S actual: N" \
  "$(ddb-put --table music --plain --item '{"artist":"A","song":1}' 2>&1)"
# Malformed arguments to every item command: one line naming the problem, exit 1, no change.
check "get bad key" "ddb-get: SerializationException: --key: Invalid JSON at offset 1: Missing a name for object member." \
  "$(ddb-get --table music --key '{bad' 2>&1)"
check "delete bad key" 1 "$(ddb-delete --table music --key '[]' 2>/dev/null; echo $?)"
check "update bad values" "ddb-update: ValidationException: --values must be a JSON object" \
  "$(ddb-update --table music --plain --key '{"artist":"Abba","song":"SOS"}' --update 'SET a = :v' --values '[1]' 2>&1)"
check "update bad expression" "ddb-update: ValidationException: Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"=\"" \
  "$(ddb-update --table music --plain --key '{"artist":"Abba","song":"SOS"}' --update 'SET a =' 2>&1)"
check "query wrong key type" "ddb-query: ValidationException: One or more parameter values were invalid: Condition parameter type does not match schema type" \
  "$(ddb-query --table music --key-condition 'artist = :a' --values '{":a":{"N":"1"}}' 2>&1)"
check "scan bad filter" 1 "$(ddb-scan --table music --filter 'a <' 2>/dev/null; echo $?)"
check "put bad number" "ddb-put: ValidationException: The parameter cannot be converted to a numeric value: 1x" \
  "$(ddb-put --table music --item '{"artist":{"S":"A"},"song":{"S":"B"},"n":{"N":"1x"}}' 2>&1)"
check "scan count unchanged" '{"Count":3,"ScannedCount":3}' "$(ddb-scan --table music --consistent --count)"

# Repeated keys keep their input order: the last line for a key wins, whatever the batching.
python3 -c '
import json
for i in range(300): print(json.dumps({"artist": "Dup", "song": str(i % 7), "v": i}))' \
  | ddb-import --table music --format plain --concurrency 4 >/dev/null
check "import: last line wins" '{"artist":"Dup","song":"3","v":297}' \
  "$(ddb-get --table music --consistent --plain --key '{"artist":"Dup","song":"3"}')"
for s in 0 1 2 3 4 5 6; do ddb-delete --table music --plain --key "{\"artist\":\"Dup\",\"song\":\"$s\"}"; done

# Pipes: export to CSV and back, scan into import copies a table.
ddb-create-table --table music_copy --key artist:S --sort song:S >/dev/null
check "scan | import" '{"imported":3,"invalid":0}' "$(ddb-scan --table music | ddb-import --table music_copy)"
check "copy identical" "$(ddb-export --table music | sort)" "$(ddb-export --table music_copy --consistent | sort)"
ddb-export --table music --format csv --columns artist:S,song:S,year:N > "$tmp/music.csv"
check "csv header" "artist:S,song:S,year:N" "$(head -1 "$tmp/music.csv")"
ddb-create-table --table music_csv --key artist:S --sort song:S >/dev/null
check "csv round trip" '{"imported":3,"invalid":0}' "$(ddb-import --table music_csv --format csv < "$tmp/music.csv")"
check "csv copy identical" "$(ddb-export --table music --format plain | sort)" "$(ddb-export --table music_csv --consistent --format plain | sort)"
check "delete-table" 0 "$(ddb-delete-table --table music_csv >/dev/null; echo $?)"

check "batch-write" '{"written":2}' "$(printf '%s\n' '{"PutRequest":{"Item":{"artist":{"S":"B"},"song":{"S":"1"}}}}' \
  '{"PutRequest":{"Item":{"artist":{"S":"B"},"song":{"S":"2"}}}}' | ddb-batch-write --table music_copy)"
check "batch-get" '{"artist":"B","song":"1"} {"artist":"B","song":"2"}' \
  "$(printf '%s\n' '{"artist":"B","song":"1"}' '{"artist":"B","song":"2"}' '{"artist":"B","song":"3"}' | ddb-batch-get --table music_copy --consistent --plain | sort | tr '\n' ' ' | sed 's/ $//')"
printf '%s\n' '{"PutRequest":{"Item":{"artist":{"S":"C"},"song":{"S":"1"}}}}' '{"Bogus":{}}' | ddb-batch-write --table music_copy >/dev/null 2>"$tmp/err"
check "batch-write bad line" "1 ddb-batch-write: line 2: ValidationException: expected {\"PutRequest\":{\"Item\":...}} or {\"DeleteRequest\":{\"Key\":...}}" "$? $(head -1 "$tmp/err")"
check "batch-write bad line: nothing written" "" "$(ddb-get --table music_copy --consistent --plain --key '{"artist":"C","song":"1"}')"

# Every command has --help.
check "update-table" '"TableStatus":"UPDATING"' "$(ddb-update-table --table music --billing PROVISIONED --rcu 3 --wcu 4 | grep -o '"TableStatus":"UPDATING"')"
check "update-table shows" '"ReadCapacityUnits":3,"WriteCapacityUnits":4' "$(ddb-describe-table --table music | grep -o '"ReadCapacityUnits":3,"WriteCapacityUnits":4')"
check "update-table same throughput" 1 "$(ddb-update-table --table music --rcu 3 --wcu 4 2>/dev/null >/dev/null; echo $?)"
check "update-table nothing" 1 "$(ddb-update-table --table music 2>/dev/null >/dev/null; echo $?)"

for c in ddb-cluster ddb-create-table ddb-describe-table ddb-delete-table ddb-list-tables ddb-update-table ddb-put ddb-get ddb-batch-get ddb-batch-write \
         ddb-delete ddb-update ddb-query ddb-scan ddb-import ddb-export ddb-gateway; do
  "$c" --help >/dev/null
  check "$c --help" 0 "$?"
done

# The man pages' EXAMPLES, in a scratch directory, against this cluster.
for page in "$here"/../../man/ddb-*.1; do
  name=$(basename "$page" .1)
  case $name in ddb-node|ddb-item|ddb-gateway) continue ;; esac  # daemons; ddb-item has its own test
  n=0
  while IFS= read -r cmdline; do
    n=$((n + 1))
    (cd "$tmp" && bash -o pipefail -c "$cmdline" >/dev/null 2>"$tmp/example.err")
    rc=$?
    check "$name example $n" 0 "$rc"
    [ "$rc" -eq 0 ] || { echo "  $cmdline"; cat "$tmp/example.err"; }
  done < <(sed -n '/^\.SH EXAMPLES/,/^\.SH SEE ALSO/p' "$page" | grep '^\$ ' | sed 's/^\$ //; s/\\-/-/g; s/\\e/\\/g')
  check "$name has examples" yes "$([ "$n" -gt 0 ] && echo yes || echo no)"
done

check "down" 4 "$(ddb-cluster down | grep -c '"state":"stopped"')"
if [ "$failures" -gt 0 ]; then echo "$failures checks failed"; exit 1; fi
echo "all checks passed"
