#!/usr/bin/python3
"""Creates the gateway benchmark's tables through boto3 and loads the data its reads need.

  bench_kv      hash key pk (S). get: --items items k000000.. with a ~100-byte attribute v.
  bench_sorted  hash key pk (S), range key sk (N). query: --partitions partitions p0000..,
                --per-partition items each (sk 0..), each with a ~100-byte attribute v.

Tables are created when missing (PAY_PER_REQUEST) and waited for until ACTIVE. Items are
written with BatchWriteItem (25 a call), re-sending UnprocessedItems with a growing pause.
Writing is idempotent (same keys, same values), so running it twice is harmless.

Usage:
  /usr/bin/python3 bench/gateway/setup.py --endpoint http://127.0.0.1:8000 --workload get
  (--workload put: bench_kv only, no items; query: bench_sorted with its items; all: both)
"""

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

import gen_requests as g  # noqa: E402

TIMEOUT_S = 300


def client(endpoint):
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=g.REGION,
        aws_access_key_id=g.ACCESS_KEY,
        aws_secret_access_key=g.SECRET_KEY,
        config=Config(retries={"max_attempts": 10, "mode": "standard"}, connect_timeout=5, read_timeout=60),
    )


def ensure_table(ddb, name, with_range):
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    if with_range:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attrs.append({"AttributeName": "sk", "AttributeType": "N"})
    try:
        ddb.create_table(
            TableName=name, KeySchema=keys, AttributeDefinitions=attrs, BillingMode="PAY_PER_REQUEST"
        )
        print("setup: created %s" % name, file=sys.stderr)
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceInUseException":
            raise
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            status = ddb.describe_table(TableName=name)["Table"]["TableStatus"]
        except ClientError as e:
            if e.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            status = "(not found yet)"
        if status == "ACTIVE":
            return
        if time.monotonic() > deadline:
            raise SystemExit("setup: table %s still %s after %d s" % (name, status, TIMEOUT_S))
        time.sleep(0.2)


def batch_write(ddb, table, items):
    """Writes items 25 at a time; re-sends UnprocessedItems until none are left."""
    deadline = time.monotonic() + TIMEOUT_S
    written = 0
    for at in range(0, len(items), 25):
        pending = {table: [{"PutRequest": {"Item": it}} for it in items[at : at + 25]]}
        pause = 0.05
        while pending:
            if time.monotonic() > deadline:
                raise SystemExit("setup: loading %s took more than %d s" % (table, TIMEOUT_S))
            out = ddb.batch_write_item(RequestItems=pending)
            pending = {k: v for k, v in (out.get("UnprocessedItems") or {}).items() if v}
            if pending:
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
        written += len(items[at : at + 25])
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--workload", required=True, choices=["put", "get", "query", "all"])
    ap.add_argument("--items", type=int, default=10000)
    ap.add_argument("--partitions", type=int, default=200)
    ap.add_argument("--per-partition", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    g.host_of(args.endpoint)
    ddb = client(args.endpoint)
    rng = random.Random(args.seed)
    started = time.monotonic()

    if args.workload in ("put", "get", "all"):
        ensure_table(ddb, g.KV_TABLE, with_range=False)
    if args.workload in ("get", "all"):
        items = [{"pk": {"S": g.kv_key(i)}, "v": {"S": g.value_for(rng)}} for i in range(args.items)]
        n = batch_write(ddb, g.KV_TABLE, items)
        print("setup: %d items in %s" % (n, g.KV_TABLE), file=sys.stderr)
    if args.workload in ("query", "all"):
        ensure_table(ddb, g.SORTED_TABLE, with_range=True)
        items = [
            {"pk": {"S": g.partition_key(p)}, "sk": {"N": str(s)}, "v": {"S": g.value_for(rng)}}
            for p in range(args.partitions)
            for s in range(args.per_partition)
        ]
        n = batch_write(ddb, g.SORTED_TABLE, items)
        # One check that a partition holds what the query workload expects.
        got = ddb.query(
            TableName=g.SORTED_TABLE,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": g.partition_key(args.partitions - 1)}},
            Select="COUNT",
            ConsistentRead=True,
        )["Count"]
        if got < args.per_partition:
            raise SystemExit("setup: partition %s holds %d items, expected %d"
                             % (g.partition_key(args.partitions - 1), got, args.per_partition))
        print("setup: %d items in %s (%d partitions x %d)"
              % (n, g.SORTED_TABLE, args.partitions, args.per_partition), file=sys.stderr)
    print("setup: %s done in %.1f s" % (args.workload, time.monotonic() - started), file=sys.stderr)


if __name__ == "__main__":
    main()
