#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, starts a local cluster under
# ./.ddb/ (three nodes and the gateway), creates a table, imports sample data through a pipe,
# queries it, and reads an item back through the gateway with the aws CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
export PATH="$PWD/build/bin:$PATH"
unset DDB_CLUSTER  # the embedded default: ./.ddb/cluster.toml

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "ddb-cluster up"
ddb-cluster up

step "ddb-create-table --table music --key artist:S --sort song:S"
ddb-delete-table --table music >/dev/null 2>&1 || true  # a re-run starts fresh
ddb-create-table --table music --key artist:S --sort song:S | cut -c1-120

step "printf '...' | ddb-import --table music --format plain"
printf '%s\n' \
  '{"artist":"Abba","song":"Waterloo","year":1974,"price":1.99}' \
  '{"artist":"Abba","song":"Dancing Queen","year":1976,"price":1.99}' \
  '{"artist":"Abba","song":"SOS","year":1975,"price":0.99}' \
  '{"artist":"Nina Simone","song":"Feeling Good","year":1965,"price":1.29}' \
  '{"artist":"Queen","song":"Bohemian Rhapsody","year":1975,"price":12345678901234567890.12}' \
  | ddb-import --table music --format plain

step "ddb-query --table music --key-condition 'artist = :a' --values '{\":a\":{\"S\":\"Abba\"}}' --plain"
ddb-query --table music --key-condition 'artist = :a' --values '{":a":{"S":"Abba"}}' --plain

step "ddb-scan --table music --filter '#y = :y' --names '{\"#y\":\"year\"}' --values '{\":y\":{\"N\":\"1975\"}}' --plain"
ddb-scan --table music --filter '#y = :y' --names '{"#y":"year"}' --values '{":y":{"N":"1975"}}' --plain

step "ddb-update --table music --key '{\"artist\":\"Abba\",\"song\":\"SOS\"}' --plain --update 'ADD plays :one' --values '{\":one\":{\"N\":\"1\"}}' --return ALL_NEW"
ddb-update --table music --key '{"artist":"Abba","song":"SOS"}' --plain --update 'ADD plays :one' \
  --values '{":one":{"N":"1"}}' --return ALL_NEW

# The same cluster through DynamoDB's HTTP API, as the aws CLI and every SDK see it.
export AWS_ACCESS_KEY_ID=AKIDDDBLOCAL00000001 AWS_SECRET_ACCESS_KEY=ddb-local-development-secret-do-not-use
export AWS_DEFAULT_REGION=us-east-1
step "aws dynamodb --endpoint-url http://127.0.0.1:8000 get-item --table-name music --key '{\"artist\":{\"S\":\"Abba\"},\"song\":{\"S\":\"SOS\"}}'"
/usr/bin/aws dynamodb --endpoint-url http://127.0.0.1:8000 get-item --table-name music \
  --key '{"artist":{"S":"Abba"},"song":{"S":"SOS"}}' --output json

printf '\nThe cluster keeps running (ddb-cluster status; stop it with ddb-cluster down).\n'
