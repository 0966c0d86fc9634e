"""Fixtures for the ddb-gateway suite.

Run:  /usr/bin/python3 -m pytest tests/gateway            (from the repository root)

Two modes:
  * default: start a real cluster for the session. $DDB_BIN (default <repo>/build/bin) must hold
    ddb-cluster, ddb-node and ddb-gateway. Free ports are picked in 20000-32000, then
        ddb-cluster init --dir TMP --base-port B --gateway-listen 127.0.0.1:G
        ddb-cluster --cluster TMP/cluster.toml up
    and `down` (plus a kill of any live pid in TMP/*.pid) at the end. DDB_GATEWAY_KEEP=1 keeps TMP.
  * DDB_GATEWAY_ENDPOINT=http://host:port: use that endpoint, start nothing. With
    DDB_GATEWAY_NO_AUTH=1 as well, tests marked `sigcheck` (signature verification) are skipped.

Credentials: DDB_GATEWAY_ACCESS_KEY / DDB_GATEWAY_SECRET_KEY / DDB_GATEWAY_REGION, defaulting to
the local cluster's development key (AKIDDDBLOCAL00000001, us-east-1).

Reference mode: when the external endpoint is the dynalite emulator (detected, or forced with
DDB_GATEWAY_REFERENCE=dynalite / =none), tests marked `dynalite_xfail(reason)` are expected to
fail: they check documented DynamoDB behaviour that dynalite does not implement (or gateway-only
behaviour, such as answering UnknownOperationException for operations dynalite does implement).
"""

import glob
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import boto3
import pytest
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gwhelpers  # noqa: E402
from gwhelpers import GatewayInfo, TableTracker  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PORT_LOW, PORT_HIGH = 20000, 32000
STARTUP_TIMEOUT = 60.0


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def external_endpoint():
    return os.environ.get("DDB_GATEWAY_ENDPOINT", "").strip() or None


def auth_checked() -> bool:
    return not (external_endpoint() and _env_flag("DDB_GATEWAY_NO_AUTH"))


# ---------------------------------------------------------------------------------------------
# pytest hooks


def pytest_configure(config):
    config.addinivalue_line("markers", "sigcheck: needs a gateway that verifies SigV4 signatures "
                                       "(skipped with DDB_GATEWAY_ENDPOINT + DDB_GATEWAY_NO_AUTH=1)")
    config.addinivalue_line("markers", "dynalite_xfail(reason): documented DynamoDB (or gateway-only) behaviour "
                                       "that the dynalite reference does not have; xfail against dynalite only")


def pytest_collection_modifyitems(config, items):
    if auth_checked():
        return
    skip = pytest.mark.skip(reason="DDB_GATEWAY_NO_AUTH=1: the endpoint does not verify signatures")
    for item in items:
        if "sigcheck" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _dynalite_xfail(request):
    marker = request.node.get_closest_marker("dynalite_xfail")
    if marker is not None:
        gw = request.getfixturevalue("gateway")
        if gw.reference == "dynalite":
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "differs in dynalite")
            request.applymarker(pytest.mark.xfail(reason=f"dynalite: {reason}", strict=False))


# ---------------------------------------------------------------------------------------------
# Starting a cluster


def _port_free(port: int) -> bool:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def pick_ports():
    """(B, G): B..B+4 free (nodes listen on B+1..B+3) and a distinct free gateway port G."""
    rng = random.Random()
    for _ in range(500):
        base = rng.randrange(PORT_LOW, PORT_HIGH - 10)
        if not all(_port_free(p) for p in range(base, base + 5)):
            continue
        for gport in range(base + 5, base + 10):
            if _port_free(gport):
                return base, gport
    raise RuntimeError(f"no free port range found in {PORT_LOW}-{PORT_HIGH}")


def _tail(path: str, n: int = 40) -> str:
    try:
        with open(path, "r", errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return f"(cannot read: {e})"


def _logs(cluster_dir: str) -> str:
    out = []
    for path in sorted(glob.glob(os.path.join(cluster_dir, "*.log"))):
        out.append(f"--- {path} (last lines) ---\n{_tail(path)}")
    return "\n".join(out) or f"(no *.log files in {cluster_dir})"


def _run(cmd, timeout):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)


def _kill_leftovers(cluster_dir: str) -> None:
    """Safety net: SIGTERM, then SIGKILL, each live ddb-* process named in cluster_dir/*.pid."""
    pids = []
    for path in glob.glob(os.path.join(cluster_dir, "*.pid")):
        try:
            with open(path) as f:
                pid = int(f.read().strip() or "0")
        except (OSError, ValueError):
            continue
        if pid <= 1:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ")
        except OSError:
            continue  # not running
        if b"ddb-" not in cmdline:
            continue  # a recycled pid: not ours
        pids.append(pid)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.time() + 5
    for pid in pids:
        while time.time() < deadline and os.path.exists(f"/proc/{pid}"):
            time.sleep(0.05)
        if os.path.exists(f"/proc/{pid}"):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _wait_healthy(gw: GatewayInfo, cluster_dir: str) -> None:
    """GET / must answer 200, then a signed ListTables must succeed (the cluster has a catalog)."""
    deadline = time.time() + STARTUP_TIMEOUT
    last = "no answer yet"
    while time.time() < deadline:
        try:
            r = gwhelpers.raw_get(gw, timeout=2)
            if r.status == 200:
                break
            last = r.describe()
        except OSError as e:
            last = repr(e)
        time.sleep(0.1)
    else:
        raise RuntimeError(f"the gateway at {gw.endpoint} did not answer GET / with 200 within "
                           f"{STARTUP_TIMEOUT:.0f}s (last: {last})\n{_logs(cluster_dir)}")
    while time.time() < deadline:
        try:
            r = gwhelpers.raw_request(gw, "ListTables", {})
            if r.status == 200:
                return
            last = r.describe()
        except OSError as e:
            last = repr(e)
        time.sleep(0.2)
    raise RuntimeError(f"the gateway at {gw.endpoint} answers GET / but ListTables never succeeded within "
                       f"{STARTUP_TIMEOUT:.0f}s (last: {last})\n{_logs(cluster_dir)}")


def _detect_reference(gw: GatewayInfo):
    forced = os.environ.get("DDB_GATEWAY_REFERENCE", "").strip().lower()
    if forced:
        return None if forced == "none" else forced
    try:
        r = gwhelpers.raw_get(gw, timeout=5)
    except OSError:
        return None
    # dynalite: Node's http server (Keep-Alive: timeout=5, no Server header) and its fixed health body.
    if (r.headers.get("keep-alive") == "timeout=5" and "server" not in r.headers
            and r.body == b"healthy: dynamodb.us-east-1.amazonaws.com "):
        return "dynalite"
    return None


@pytest.fixture(scope="session")
def gateway():
    """GatewayInfo of the endpoint under test; starts (and stops) a cluster unless one is given."""
    access_key = os.environ.get("DDB_GATEWAY_ACCESS_KEY", gwhelpers.DEFAULT_ACCESS_KEY)
    secret_key = os.environ.get("DDB_GATEWAY_SECRET_KEY", gwhelpers.DEFAULT_SECRET_KEY)
    region = os.environ.get("DDB_GATEWAY_REGION", gwhelpers.DEFAULT_REGION)

    endpoint = external_endpoint()
    if endpoint:
        gw = GatewayInfo(endpoint=endpoint.rstrip("/"), access_key=access_key, secret_key=secret_key,
                         region=region, started_here=False, auth_checked=auth_checked())
        gw.reference = _detect_reference(gw)
        yield gw
        return

    bin_dir = os.environ.get("DDB_BIN") or os.path.join(REPO_ROOT, "build", "bin")
    cluster_bin = os.path.join(bin_dir, "ddb-cluster")
    missing = [b for b in ("ddb-cluster", "ddb-node", "ddb-gateway") if not os.access(os.path.join(bin_dir, b), os.X_OK)]
    if missing:
        pytest.fail(f"cannot start a cluster: {', '.join(missing)} not found (or not executable) in {bin_dir}; "
                    f"build first, set DDB_BIN, or point DDB_GATEWAY_ENDPOINT at a running gateway", pytrace=False)

    cluster_dir = tempfile.mkdtemp(prefix="ddb-gateway-test-")
    cluster_file = os.path.join(cluster_dir, "cluster.toml")
    base, gport = pick_ports()
    gw = GatewayInfo(endpoint=f"http://127.0.0.1:{gport}", access_key=access_key, secret_key=secret_key,
                     region=region, started_here=True, auth_checked=True, cluster_dir=cluster_dir)
    try:
        init = _run([cluster_bin, "init", "--dir", cluster_dir, "--base-port", str(base),
                     "--gateway-listen", f"127.0.0.1:{gport}"], timeout=30)
        if init.returncode != 0:
            pytest.fail(f"ddb-cluster init failed (exit {init.returncode}):\n{init.stdout}{init.stderr}", pytrace=False)
        up = _run([cluster_bin, "--cluster", cluster_file, "up"], timeout=STARTUP_TIMEOUT)
        if up.returncode != 0:
            pytest.fail(f"ddb-cluster up failed (exit {up.returncode}):\n{up.stdout}{up.stderr}\n{_logs(cluster_dir)}",
                        pytrace=False)
        try:
            _wait_healthy(gw, cluster_dir)
        except RuntimeError as e:
            pytest.fail(str(e), pytrace=False)
        yield gw
    finally:
        try:
            down = _run([cluster_bin, "--cluster", cluster_file, "down"], timeout=60)
            if down.returncode != 0:
                sys.stderr.write(f"ddb-cluster down exited {down.returncode}:\n{down.stdout}{down.stderr}\n")
        except Exception as e:  # the safety net below still runs
            sys.stderr.write(f"ddb-cluster down failed: {e!r}\n")
        _kill_leftovers(cluster_dir)
        if _env_flag("DDB_GATEWAY_KEEP"):
            sys.stderr.write(f"keeping the cluster directory {cluster_dir}\n")
        else:
            shutil.rmtree(cluster_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Clients and tables


def make_client(gw: GatewayInfo, access_key=None, secret_key=None, max_attempts: int = 2):
    session = boto3.session.Session(aws_access_key_id=access_key or gw.access_key,
                                    aws_secret_access_key=secret_key or gw.secret_key,
                                    region_name=gw.region)
    cfg = Config(connect_timeout=10, read_timeout=10,
                 retries={"max_attempts": max_attempts, "mode": "standard"})
    return session.client("dynamodb", endpoint_url=gw.endpoint, config=cfg)


@pytest.fixture(scope="session")
def ddb(gateway):
    """A boto3 DynamoDB client for the endpoint under test (retries only transient errors, once)."""
    return make_client(gateway)


@pytest.fixture(scope="session")
def endpoint_url(gateway):
    return gateway.endpoint


@pytest.fixture(scope="session")
def credentials(gateway):
    return {"aws_access_key_id": gateway.access_key, "aws_secret_access_key": gateway.secret_key,
            "region_name": gateway.region}


@pytest.fixture(scope="session")
def client_factory(gateway):
    """make(access_key=None, secret_key=None) -> another boto3 client (e.g. with wrong credentials)."""
    def make(access_key=None, secret_key=None):
        return make_client(gateway, access_key=access_key, secret_key=secret_key, max_attempts=1)
    return make


@pytest.fixture
def tables(ddb):
    """Per-test TableTracker: tables.create(label, hash_key=..., range_key=...) -> name (ACTIVE)."""
    tracker = TableTracker(ddb)
    yield tracker
    tracker.cleanup()


@pytest.fixture(scope="module")
def module_tables(ddb):
    """Per-module TableTracker for tables shared by the tests of one file."""
    tracker = TableTracker(ddb)
    yield tracker
    tracker.cleanup()
