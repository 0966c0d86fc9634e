#!/usr/bin/python3
"""Checks that gen_requests.py signs requests the way boto3 does and the way a verifier would.

1. boto3 sends a PutItem, at a frozen time, to a capturing HTTP server on 127.0.0.1; the
   request that gen_requests.sign() builds for the same body at the same time must carry the
   same X-Amz-Date and Authorization (signature included).
2. Requests from a generated file of each workload (put, get, query) are parsed back from
   the raw bytes that wrk sends, and their signatures are recomputed from scratch here with
   hashlib/hmac following the SigV4 specification (not botocore): they must match, and the
   signed headers must include host (with its port), x-amz-date, x-amz-target, content-type.

Exit 0 and "check_signing: OK" when all hold. Needs no server of its own beyond the capture
server, which it starts and stops itself.

  /usr/bin/python3 bench/gateway/check_signing.py
"""

import datetime
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import types
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402
import botocore.auth  # noqa: E402
from botocore.config import Config  # noqa: E402

import gen_requests as g  # noqa: E402

FIXED = datetime.datetime(2026, 12, 1, 12, 34, 56)


class _Frozen(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return FIXED

    @classmethod
    def now(cls, tz=None):
        return FIXED.replace(tzinfo=tz) if tz is not None else FIXED


def frozen_time():
    """Patches the clock that botocore's signers read (utcnow(), or now(timezone.utc) in newer
    botocore, or its get_current_datetime helper where it has one), in botocore.auth and,
    where awscrt is installed, botocore.crt.auth."""
    fake = types.SimpleNamespace(datetime=_Frozen, timezone=datetime.timezone, timedelta=datetime.timedelta)
    patches = [mock.patch.object(botocore.auth, "datetime", fake)]
    try:  # boto3 signs with awscrt's SigV4 (a separate C implementation) where awscrt is installed
        import botocore.crt.auth as crt_auth

        patches.append(mock.patch.object(crt_auth, "datetime", fake))
    except ImportError:
        pass
    if hasattr(botocore.auth, "get_current_datetime"):
        patches.append(mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: FIXED))
    return patches


class Capture(http.server.BaseHTTPRequestHandler):
    captured = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Capture.captured.append((dict(self.headers.items()), body))
        out = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def recompute(method, path, headers, body, secret=g.SECRET_KEY):
    """SigV4 from the specification. headers: dict with original names. Returns
    (signature claimed, signature recomputed, signed header names)."""
    lower = {k.lower(): v for k, v in headers.items()}
    auth = lower["authorization"]
    algo, rest = auth.split(" ", 1)
    assert algo == "AWS4-HMAC-SHA256", auth
    fields = dict(p.strip().split("=", 1) for p in rest.split(","))
    cred = fields["Credential"].split("/")
    access_key, date, region, service, term = cred
    assert (access_key, region, service, term) == (g.ACCESS_KEY, g.REGION, g.SERVICE, "aws4_request"), cred
    signed = fields["SignedHeaders"].split(";")
    amz_date = lower["x-amz-date"]
    assert amz_date.startswith(date), (amz_date, date)
    canonical_headers = "".join("%s:%s\n" % (h, " ".join(lower[h].split())) for h in signed)
    canonical = "\n".join(
        [method, path, "", canonical_headers, ";".join(signed), hashlib.sha256(body).hexdigest()]
    )
    scope = "/".join([date, region, service, term])
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode("utf-8"), date), region), service), term)
    sig = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return fields["Signature"], sig, signed


def parse_raw(raw):
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = head.decode("ascii").split("\r\n")
    method, path, version = lines[0].split(" ")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert version == "HTTP/1.1", lines[0]
    assert int(headers["Content-Length"]) == len(body), "Content-Length does not match the body"
    return method, path, headers, body


def read_file(path):
    with open(path, "rb") as f:
        data = f.read()
    nl = data.index(b"\n")
    assert data[: len(g.MAGIC)] == g.MAGIC, data[:20]
    count = int(data[len(g.MAGIC) : nl])
    out, pos = [], nl + 1
    for _ in range(count):
        e = data.index(b"\n", pos)
        n = int(data[pos:e])
        out.append(data[e + 1 : e + 1 + n])
        assert data[e + 1 + n : e + 2 + n] == b"\n"
        pos = e + 2 + n
    assert pos == len(data), "trailing bytes"
    return out


def check_against_boto3():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    port = server.server_address[1]
    endpoint = "http://127.0.0.1:%d" % port
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        ddb = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=g.REGION,
            aws_access_key_id=g.ACCESS_KEY,
            aws_secret_access_key=g.SECRET_KEY,
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=5),
        )
        patches = frozen_time()
        for p in patches:
            p.start()
        try:
            item = {"pk": {"S": "k000007"}, "v": {"S": "x" * 100}}
            ddb.put_item(TableName=g.KV_TABLE, Item=item)
            boto_headers, boto_body = Capture.captured[-1]
            ours = dict(g.sign(endpoint, "PutItem", boto_body))
        finally:
            for p in patches:
                p.stop()
    finally:
        server.shutdown()
        server.server_close()
    bh = {k.lower(): v for k, v in boto_headers.items()}
    print("boto3 sent:  X-Amz-Date %s\n             Authorization %s" % (bh["x-amz-date"], bh["authorization"]))
    print("gen_requests:X-Amz-Date %s\n             Authorization %s" % (ours["X-Amz-Date"], ours["Authorization"]))
    assert bh["x-amz-date"] == FIXED.strftime("%Y%m%dT%H%M%SZ"), "the clock was not frozen"
    assert ours["X-Amz-Date"] == bh["x-amz-date"]
    assert ours["Authorization"] == bh["authorization"], "signature differs from boto3's"
    for k, ours_k in (("host", "Host"), ("content-type", "Content-Type"), ("x-amz-target", "X-Amz-Target")):
        assert bh[k] == ours[ours_k], (k, bh[k], ours[ours_k])
    # gen_requests serializes bodies as boto3 does: byte for byte the same.
    assert boto_body == json.dumps({"TableName": g.KV_TABLE, "Item": item}).encode(), boto_body
    claimed, mine, _ = recompute("POST", "/", boto_headers, boto_body)
    assert claimed == mine, "independent SigV4 disagrees with boto3"
    print("1. same signature as boto3 (its v4 signer: %s.%s) for the same body and time; "
          "independent SigV4 agrees" % (botocore.auth.AUTH_TYPE_MAPS["v4"].__module__,
                                       botocore.auth.AUTH_TYPE_MAPS["v4"].__name__))


def check_generated_files():
    here = os.path.dirname(os.path.abspath(__file__))
    endpoint = "http://127.0.0.1:18999"
    with tempfile.TemporaryDirectory() as d:
        for w in ("put", "get", "query"):
            path = os.path.join(d, w + ".reqs")
            subprocess.run(
                [sys.executable, os.path.join(here, "gen_requests.py"), "--workload", w, "--endpoint", endpoint,
                 "-n", "300", "-o", path, "--jobs", "1"],
                check=True, timeout=120,
            )
            reqs = read_file(path)
            assert len(reqs) == 300
            for raw in reqs:
                method, path_, headers, body = parse_raw(raw)
                assert (method, path_) == ("POST", "/")
                assert headers["Host"] == "127.0.0.1:18999", headers["Host"]
                claimed, mine, signed = recompute(method, path_, headers, body)
                assert claimed == mine, "bad signature in %s request" % w
                for h in ("content-type", "host", "x-amz-date", "x-amz-target"):
                    assert h in signed, (h, signed)
            # The check can fail: one changed body byte gives another signature.
            method, path_, headers, body = parse_raw(reqs[0])
            claimed, mine, _ = recompute(method, path_, headers, body[:-2] + b"x" + body[-1:])
            assert claimed != mine
            print("2. %s: 300 requests from the file, every signature recomputed and equal" % w)


def main():
    check_against_boto3()
    check_generated_files()
    print("check_signing: OK")


if __name__ == "__main__":
    main()
