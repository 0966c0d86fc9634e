#!/usr/bin/python3
"""Writes N pre-signed raw HTTP requests for one benchmark workload, for replay.lua (wrk).

Each request is a complete HTTP/1.1 POST / in DynamoDB's JSON 1.0 protocol, signed with
SigV4 by botocore.auth.SigV4Auth (service dynamodb) at generation time. A SigV4 signature is
accepted for about 15 minutes, so generate right before each run. Replaying an identical
signed request is allowed by DynamoDB and by ddb-gateway, so wrk cycles through the file.

Workloads (tables as made by setup.py):
  put    PutItem into bench_kv of distinct keys k000000, k000001, ... (from --start), each with
         a ~100-byte string attribute v.
  get    GetItem from bench_kv of uniformly random keys among the first --items keys.
  query  Query on bench_sorted: KeyConditionExpression pk = :p, Limit 10, on uniformly random
         partitions among the first --partitions (each holding >= 50 items after setup.py).

File format (binary-safe, read by replay.lua):
  "DDBREQS 1 <count>\n" then <count> records of "<byte length>\n<request bytes>\n".

Usage:
  /usr/bin/python3 bench/gateway/gen_requests.py --workload get --endpoint http://127.0.0.1:8000 \
      -n 20000 -o /tmp/get.reqs
"""

import argparse
import datetime
import json
import multiprocessing
import os
import random
import string
import sys
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "AKIDDDBLOCAL00000001"
SECRET_KEY = "ddb-local-development-secret-do-not-use"
REGION = "us-east-1"
SERVICE = "dynamodb"
CONTENT_TYPE = "application/x-amz-json-1.0"
TARGET_PREFIX = "DynamoDB_20120810."
MAGIC = b"DDBREQS 1 "

KV_TABLE = "bench_kv"
SORTED_TABLE = "bench_sorted"
VALUE_BYTES = 100
_ALPHABET = string.ascii_letters + string.digits


def kv_key(i):
    return "k%06d" % i


def partition_key(p):
    return "p%04d" % p


def value_for(rng):
    return "".join(rng.choices(_ALPHABET, k=VALUE_BYTES))


def host_of(endpoint):
    u = urllib.parse.urlsplit(endpoint)
    if u.scheme != "http" or not u.hostname or u.port is None:
        raise SystemExit("endpoint must look like http://127.0.0.1:PORT, got %r" % endpoint)
    return "%s:%d" % (u.hostname, u.port)


def sign(endpoint, op, body, access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=REGION):
    """Signs one request with botocore's SigV4Auth at the current time; returns the headers
    (list of (name, value), in the order they go on the wire, without Content-Length)."""
    host = host_of(endpoint)
    req = AWSRequest(
        method="POST",
        url=endpoint.rstrip("/") + "/",
        data=body,
        headers={
            "Host": host,
            "Content-Type": CONTENT_TYPE,
            "X-Amz-Target": TARGET_PREFIX + op,
        },
    )
    SigV4Auth(Credentials(access_key, secret_key), SERVICE, region).add_auth(req)
    return [
        ("Host", host),
        ("Content-Type", CONTENT_TYPE),
        ("X-Amz-Target", TARGET_PREFIX + op),
        ("X-Amz-Date", req.headers["X-Amz-Date"]),
        ("Authorization", req.headers["Authorization"]),
    ]


def raw_request(endpoint, op, body, **kw):
    """The complete request as bytes: request line, signed headers, Content-Length, body."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = sign(endpoint, op, body, **kw)
    head = "POST / HTTP/1.1\r\n"
    head += "".join("%s: %s\r\n" % (k, v) for k, v in headers)
    head += "Content-Length: %d\r\n\r\n" % len(body)
    return head.encode("ascii") + body


def body_for(workload, i, rng, args):
    """(operation, JSON body) of request number i. Bodies are serialized as boto3 does
    (json.dumps with default separators)."""
    if workload == "put":
        item = {"pk": {"S": kv_key(args.start + i)}, "v": {"S": value_for(rng)}}
        return "PutItem", json.dumps({"TableName": KV_TABLE, "Item": item})
    if workload == "get":
        body = {"TableName": KV_TABLE, "Key": {"pk": {"S": kv_key(rng.randrange(args.items))}}}
        if args.consistent_read:
            body["ConsistentRead"] = True
        return "GetItem", json.dumps(body)
    if workload == "query":
        body = {
            "TableName": SORTED_TABLE,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": partition_key(rng.randrange(args.partitions))}},
            "Limit": 10,
        }
        if args.consistent_read:
            body["ConsistentRead"] = True
        return "Query", json.dumps(body)
    raise ValueError(workload)


def _chunk(job):
    """Builds requests [lo, hi) in a worker process; returns them concatenated as records."""
    args, lo, hi = job
    rng = random.Random("%s/%d/%d" % (args.workload, args.seed, lo))
    out = []
    for i in range(lo, hi):
        op, body = body_for(args.workload, i, rng, args)
        r = raw_request(args.endpoint, op, body)
        out.append(b"%d\n" % len(r))
        out.append(r)
        out.append(b"\n")
    return b"".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", required=True, choices=["put", "get", "query"])
    ap.add_argument("--endpoint", required=True, help="http://HOST:PORT of the server (its Host header)")
    ap.add_argument("-n", "--count", type=int, required=True, help="number of requests to write")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--start", type=int, default=0, help="put: first key number (default 0)")
    ap.add_argument("--items", type=int, default=10000, help="get: keys k000000.. that exist (default 10000)")
    ap.add_argument("--partitions", type=int, default=200, help="query: partitions p0000.. (default 200)")
    ap.add_argument("--consistent-read", action="store_true", help="get/query: ConsistentRead true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="signing processes")
    args = ap.parse_args()
    if args.count < 1:
        ap.error("--count must be >= 1")
    host_of(args.endpoint)

    started = time.monotonic()
    step = 5000
    jobs = [(args, lo, min(lo + step, args.count)) for lo in range(0, args.count, step)]
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(MAGIC + b"%d\n" % args.count)
        if args.jobs > 1 and len(jobs) > 1:
            with multiprocessing.Pool(args.jobs) as pool:
                for part in pool.imap(_chunk, jobs):
                    f.write(part)
        else:
            for job in jobs:
                f.write(_chunk(job))
    os.replace(tmp, args.output)
    print(
        "gen_requests: %d %s requests for %s -> %s (%.1f MB, %.1f s, signed at %s)"
        % (
            args.count,
            args.workload,
            host_of(args.endpoint),
            args.output,
            os.path.getsize(args.output) / 1e6,
            time.monotonic() - started,
            datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        ),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
