"""Smoke test with the aws CLI (v2, Debian package awscli) against the endpoint under test.

The CLI is found as $DDB_AWS_CLI, else /usr/bin/aws, else `aws` on PATH; the test is skipped when
none runs. It gets its credentials from the environment only (config files are pointed away).
"""

import json
import os
import shutil
import subprocess

import pytest

from gwhelpers import delete_table_quietly, unique_name, wait_active, wait_gone


def _find_aws():
    for candidate in (os.environ.get("DDB_AWS_CLI"), "/usr/bin/aws", shutil.which("aws")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def aws(gateway, tmp_path_factory):
    exe = _find_aws()
    if exe is None:
        pytest.skip("the aws CLI is not installed (apt-get install awscli)")
    home = tmp_path_factory.mktemp("awshome")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update({
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": gateway.access_key,
        "AWS_SECRET_ACCESS_KEY": gateway.secret_key,
        "AWS_DEFAULT_REGION": gateway.region,
        "AWS_REGION": gateway.region,
        "AWS_CONFIG_FILE": str(home / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
        "AWS_PAGER": "",
        "AWS_DEFAULT_OUTPUT": "json",
        "AWS_MAX_ATTEMPTS": "2",
        "AWS_RETRY_MODE": "standard",
    })
    try:
        version = subprocess.run([exe, "--version"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"{exe} does not run: {e}")
    if version.returncode != 0:
        pytest.skip(f"{exe} --version failed: {version.stdout.strip()}")

    def command(args):
        return [exe, "--endpoint-url", gateway.endpoint, "--cli-connect-timeout", "10", "--cli-read-timeout", "10",
                "--output", "json", *args]

    def check(args, proc):
        assert proc.returncode == 0, (
            f"`aws {' '.join(args)}` exited {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
        return json.loads(proc.stdout) if proc.stdout.strip() else {}

    def run(*args):
        """Run one aws command; returns the CompletedProcess."""
        return subprocess.run(command(args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=60)

    def run_json(*args):
        return check(args, run(*args))

    def parallel(*commands):
        """Run independent aws commands at once (each CLI start costs ~1 s); returns their JSON outputs."""
        procs = [(args, subprocess.Popen(command(args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True)) for args in commands]
        results = []
        for args, p in procs:
            out, err = p.communicate(timeout=60)
            results.append(check(args, subprocess.CompletedProcess(p.args, p.returncode, out, err)))
        return results

    run.json = run_json
    run.parallel = parallel
    return run


def test_aws_cli_smoke(aws, ddb):
    """list-tables, create-table, put-item, get-item, query, scan, delete-table, and a service error."""
    name = unique_name("cli")
    try:
        created = aws.json("dynamodb", "create-table", "--table-name", name,
                           "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                           "AttributeName=sk,AttributeType=N",
                           "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
                           "--billing-mode", "PAY_PER_REQUEST")
        assert created["TableDescription"]["TableName"] == name, created
        wait_active(ddb, name)  # the CLI's own waiter polls every 20 s; boto3's is configured to poll fast

        item = lambda sk: {"pk": {"S": "cli"}, "sk": {"N": str(sk)}, "v": {"S": f"value {sk}"}}  # noqa: E731
        listed, _, _ = aws.parallel(
            ["dynamodb", "list-tables"],
            ["dynamodb", "put-item", "--table-name", name, "--item", json.dumps(item(1))],
            ["dynamodb", "put-item", "--table-name", name, "--item", json.dumps(item(2))])
        assert name in listed["TableNames"], f"list-tables should include {name}: {listed}"

        got, q, s = aws.parallel(
            ["dynamodb", "get-item", "--table-name", name, "--consistent-read",
             "--key", json.dumps({"pk": {"S": "cli"}, "sk": {"N": "2"}})],
            ["dynamodb", "query", "--table-name", name, "--key-condition-expression", "pk = :p AND sk >= :s",
             "--expression-attribute-values", json.dumps({":p": {"S": "cli"}, ":s": {"N": "1"}}),
             "--no-scan-index-forward", "--consistent-read"],
            ["dynamodb", "scan", "--table-name", name, "--consistent-read", "--filter-expression", "v <> :v",
             "--expression-attribute-values", json.dumps({":v": {"S": "value 1"}})])
        assert got.get("Item") == item(2), f"get-item: {got}"
        assert q["Items"] == [item(2), item(1)] and q["Count"] == 2, f"query (descending): {q}"
        assert s["Items"] == [item(2)] and s["Count"] == 1 and s["ScannedCount"] == 2, f"scan with a filter: {s}"

        deleted = aws.json("dynamodb", "delete-table", "--table-name", name)
        assert deleted["TableDescription"]["TableName"] == name
        wait_gone(ddb, name)
        proc = aws("dynamodb", "describe-table", "--table-name", name)
        assert proc.returncode == 254, f"aws exits 254 on a service error, got {proc.returncode}: {proc.stderr}"
        assert "ResourceNotFoundException" in proc.stderr, f"stderr names the error: {proc.stderr}"
    finally:
        delete_table_quietly(ddb, name)
