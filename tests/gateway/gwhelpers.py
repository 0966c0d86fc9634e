"""Shared helpers for the ddb-gateway test suite (imported by conftest.py and the tests).

Nothing here starts processes: conftest.py owns the cluster. This module holds
  * GatewayInfo: where the gateway is and how to sign for it,
  * table helpers (unique names, create + wait ACTIVE, best-effort delete),
  * raises_ddb(): assert a boto3 ClientError with a given DynamoDB error code,
  * raw_request(): one SigV4-signed (or deliberately mis-signed) HTTP request sent with
    http.client, for the protocol tests that boto3 would hide.
"""

import contextlib
import datetime
import gzip as gzip_module
import http.client
import json
import time
import types
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

DEFAULT_ACCESS_KEY = "AKIDDDBLOCAL00000001"
DEFAULT_SECRET_KEY = "ddb-local-development-secret-do-not-use"
DEFAULT_REGION = "us-east-1"
TARGET_PREFIX = "DynamoDB_20120810."
JSON_CONTENT_TYPE = "application/x-amz-json-1.0"

# The exact "__type" values DynamoDB sends (see the report / README of this suite for sources).
TYPE_VALIDATION = "com.amazon.coral.validate#ValidationException"
TYPE_RESOURCE_NOT_FOUND = "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
TYPE_CONDITIONAL_CHECK_FAILED = "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"


@dataclass
class GatewayInfo:
    endpoint: str  # e.g. http://127.0.0.1:8000
    access_key: str
    secret_key: str
    region: str
    started_here: bool  # True when conftest started a cluster + gateway for this session
    auth_checked: bool  # False when DDB_GATEWAY_NO_AUTH=1 (signatures are not verified)
    reference: Optional[str] = None  # "dynalite" when the endpoint is the dynalite reference
    cluster_dir: Optional[str] = None
    extra: Dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.endpoint).hostname

    @property
    def port(self) -> int:
        parts = urllib.parse.urlsplit(self.endpoint)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def netloc(self) -> str:
        return urllib.parse.urlsplit(self.endpoint).netloc

    def connection(self, timeout: float = 10.0) -> http.client.HTTPConnection:
        if urllib.parse.urlsplit(self.endpoint).scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)


# ---------------------------------------------------------------------------------------------
# Tables


def unique_name(label: str = "t") -> str:
    """A table name no other test (or earlier run) uses: gwtest-<label>-<12 hex>."""
    return f"gwtest-{label}-{uuid.uuid4().hex[:12]}"


def key_schema(hash_key, range_key=None):
    """(KeySchema, AttributeDefinitions) for ('name', 'S') style key tuples."""
    ks = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    ad = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    if range_key is not None:
        ks.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
        ad.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
    return ks, ad


def wait_active(ddb, name: str, timeout: float = 30.0) -> None:
    """boto3's table_exists waiter (DescribeTable until ACTIVE), polling fast."""
    attempts = max(1, int(timeout / 0.2))
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": attempts})


def wait_gone(ddb, name: str, timeout: float = 30.0) -> None:
    attempts = max(1, int(timeout / 0.2))
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": attempts})


def create_table(ddb, name, hash_key=("pk", "S"), range_key=None, billing="PAY_PER_REQUEST", throughput=None,
                 wait=True):
    ks, ad = key_schema(hash_key, range_key)
    kwargs = dict(TableName=name, KeySchema=ks, AttributeDefinitions=ad, BillingMode=billing)
    if throughput is not None:
        kwargs["ProvisionedThroughput"] = {"ReadCapacityUnits": throughput[0], "WriteCapacityUnits": throughput[1]}
    resp = ddb.create_table(**kwargs)
    if wait:
        wait_active(ddb, name)
    return resp


def delete_table_quietly(ddb, name: str) -> None:
    """Delete a table at teardown; a table already gone (or still being created) is not an error."""
    for _ in range(50):
        try:
            ddb.delete_table(TableName=name)
            return
        except ClientError as e:
            code = e.response["Error"]["Code"]
            if code == "ResourceNotFoundException":
                return
            if code == "ResourceInUseException":  # CREATING/UPDATING: try again shortly
                time.sleep(0.2)
                continue
            return
        except Exception:  # connection trouble at teardown must not mask the test's own result
            return


class TableTracker:
    """Creates tables and remembers them so that they are deleted at the end of their scope."""

    def __init__(self, ddb):
        self.ddb = ddb
        self.names = []

    def create(self, label="t", **kwargs) -> str:
        name = unique_name(label)
        self.names.append(name)
        create_table(self.ddb, name, **kwargs)
        return name

    def adopt(self, name: str) -> str:
        self.names.append(name)
        return name

    def cleanup(self) -> None:
        for name in self.names:
            delete_table_quietly(self.ddb, name)
        self.names = []


# Re-sending UnprocessedItems/UnprocessedKeys: the way the SDKs do it, with a growing pause
# (50 ms doubling up to 1 s; 12 rounds wait about 6 s in all), so that a batch that can never
# drain fails the test instead of hanging it.
RETRY_ROUNDS = 12


def backoff(attempt: int) -> float:
    return min(1.0, 0.05 * (2 ** attempt))


def batch_put(ddb, table: str, items) -> None:
    """Write items with BatchWriteItem in chunks of 25, re-sending UnprocessedItems."""
    items = list(items)
    for start in range(0, len(items), 25):
        request = {table: [{"PutRequest": {"Item": it}} for it in items[start:start + 25]]}
        for attempt in range(RETRY_ROUNDS):
            resp = ddb.batch_write_item(RequestItems=request)
            request = resp.get("UnprocessedItems") or {}
            if not request:
                break
            time.sleep(backoff(attempt))
        assert not request, f"BatchWriteItem kept returning UnprocessedItems: {request}"


# ---------------------------------------------------------------------------------------------
# Errors


class _ErrorHolder:
    exc: Optional[ClientError] = None

    @property
    def response(self):
        return self.exc.response

    @property
    def code(self):
        return self.exc.response["Error"]["Code"]

    @property
    def message(self):
        return self.exc.response["Error"].get("Message", "")


@contextlib.contextmanager
def raises_ddb(code: str, status: int = 400, message_contains: Optional[str] = None,
               message_startswith: Optional[str] = None):
    """Expect the block to raise botocore ClientError with Error.Code == code and HTTP status."""
    holder = _ErrorHolder()
    try:
        yield holder
    except ClientError as e:
        holder.exc = e
    else:
        pytest.fail(f"expected {code} (HTTP {status}), but the call succeeded")
    err = holder.exc.response.get("Error", {})
    got_status = holder.exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    assert err.get("Code") == code, (
        f"expected error {code}, got {err.get('Code')!r} (HTTP {got_status}): {err.get('Message')!r}")
    assert got_status == status, f"{code} should come with HTTP {status}, got {got_status}"
    msg = err.get("Message", "")
    if message_contains is not None:
        assert message_contains.lower() in msg.lower(), (
            f"{code} message should contain {message_contains!r}, got {msg!r}")
    if message_startswith is not None:
        assert msg.startswith(message_startswith), (
            f"{code} message should start with {message_startswith!r}, got {msg!r}")


# ---------------------------------------------------------------------------------------------
# Raw HTTP


@dataclass
class RawResponse:
    status: int
    headers: Dict[str, str]  # lower-cased names
    body: bytes

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            raise AssertionError(f"response body is not JSON (HTTP {self.status}): {self.body[:500]!r}")

    def error_type(self) -> str:
        return self.json().get("__type", "")

    def error_suffix(self) -> str:
        return self.error_type().rsplit("#", 1)[-1]

    def describe(self) -> str:
        return f"HTTP {self.status} headers={self.headers} body={self.body[:500]!r}"


@contextlib.contextmanager
def shifted_clock(offset: datetime.timedelta):
    """Make botocore.auth see the wall clock moved by offset (to sign with an old/future X-Amz-Date).

    botocore.auth reads the time through its module-level `datetime` (utcnow() in older
    releases, now(timezone.utc) in newer ones); both are shifted here.
    """
    real = datetime.datetime

    class _Shifted(real):
        @classmethod
        def utcnow(cls):
            return real.utcnow() + offset

        @classmethod
        def now(cls, tz=None):
            return real.now(tz) + offset

    fake = types.SimpleNamespace(**{k: getattr(datetime, k) for k in dir(datetime) if not k.startswith("__")})
    fake.datetime = _Shifted
    saved = botocore.auth.datetime
    botocore.auth.datetime = fake
    try:
        yield
    finally:
        botocore.auth.datetime = saved


def sign(gw: GatewayInfo, body: bytes, headers: Dict[str, str], access_key=None, secret_key=None,
         clock_offset: Optional[datetime.timedelta] = None) -> Dict[str, str]:
    """Headers (with Authorization and X-Amz-Date) for a POST / of body, signed SigV4 for dynamodb."""
    creds = Credentials(access_key or gw.access_key, secret_key or gw.secret_key)
    req = AWSRequest(method="POST", url=gw.endpoint.rstrip("/") + "/", data=body, headers=dict(headers))
    with shifted_clock(clock_offset or datetime.timedelta(0)):
        SigV4Auth(creds, "dynamodb", gw.region).add_auth(req)
    return {k: v for k, v in req.headers.items()}


def raw_request(gw: GatewayInfo, target: Optional[str], payload, *, operation_prefix: str = TARGET_PREFIX,
                sign_request: bool = True, access_key=None, secret_key=None,
                clock_offset: Optional[datetime.timedelta] = None, gzip: bool = False,
                content_type: str = JSON_CONTENT_TYPE, extra_headers: Optional[Dict[str, str]] = None,
                alter_after_signing: Optional[Callable[[bytes], bytes]] = None,
                conn: Optional[http.client.HTTPConnection] = None) -> RawResponse:
    """POST / with X-Amz-Target: <operation_prefix><target> (no target header when target is None).

    payload: dict (JSON-encoded), str or bytes (sent as is). gzip=True compresses the body and sets
    Content-Encoding: gzip; the signature covers the bytes actually sent. alter_after_signing
    rewrites the body after the signature was computed (a tampered request).
    """
    if isinstance(payload, (dict, list)):
        body = json.dumps(payload).encode()
    elif isinstance(payload, str):
        body = payload.encode()
    else:
        body = payload
    headers = {"Content-Type": content_type, "Host": gw.netloc}
    if target is not None:
        headers["X-Amz-Target"] = operation_prefix + target
    if gzip:
        body = gzip_module.compress(body)
        headers["Content-Encoding"] = "gzip"
    if extra_headers:
        headers.update(extra_headers)
    if sign_request:
        headers = sign(gw, body, headers, access_key=access_key, secret_key=secret_key, clock_offset=clock_offset)
    if alter_after_signing is not None:
        body = alter_after_signing(body)
    headers["Content-Length"] = str(len(body))
    own = conn is None
    if own:
        conn = gw.connection()
    try:
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        if own:
            conn.close()


def raw_get(gw: GatewayInfo, path: str = "/", timeout: float = 5.0) -> RawResponse:
    conn = gw.connection(timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": gw.netloc})
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()
