"""What a new user meets first: the operations of the current model, the binary's own commands
(version, generated and recovered admin credentials, master keys), private data files, and one
log line per request."""

import base64
import os
import re
import stat
import subprocess

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError

from conftest import READY_RE, cognate_binary
from helpers import (
    REGION,
    TARGET_PREFIX,
    base_headers,
    error_code,
    http_request,
    sign_headers,
    stdout_lines,
    to_body,
    uniq,
)

# Operations botocore 1.44.5 added over the previous model and not built yet, with a minimal
# valid input each (POOL is replaced by a real pool id): they are modelled and validated, and
# answer UnsupportedOperationException until their features are built.
NEW_OPERATIONS = {
    "AdminDeleteSoftwareToken": {"UserPoolId": "POOL", "Username": "nobody"},
    "AdminGetUserAuthFactors": {"UserPoolId": "POOL", "Username": "nobody"},
    "CreateUserPoolReplica": {"UserPoolId": "POOL", "RegionName": "eu-west-1"},
    "DeleteUserPoolReplica": {"UserPoolId": "POOL", "RegionName": "eu-west-1"},
    "ListUserPoolReplicas": {"UserPoolId": "POOL"},
    "UpdateUserPoolReplica": {"UserPoolId": "POOL", "RegionName": "eu-west-1", "Status": "INACTIVE"},
}


def _model():
    return botocore.session.get_session().get_service_model("cognito-idp")


def _raw_call(url, operation, body, signed=True):
    payload = to_body(body)
    headers = base_headers(TARGET_PREFIX + operation)
    if signed:
        headers = sign_headers(url, payload, headers)
    resp = http_request(url, body=payload, headers=headers)
    return resp.status, resp.json or {}


def test_the_model_is_botocore_1_44_5_with_141_operations():
    import botocore

    assert botocore.__version__ == "1.44.5"
    assert len(_model().operation_names) == 141


def test_every_operation_of_the_model_is_dispatched(url):
    """No operation of the current model is unknown to Cognate: each is validated (an empty
    body answers a validation error or a domain error) and dispatched."""
    unknown = []
    for name in _model().operation_names:
        status, data = _raw_call(url, name, {})
        assert status < 500, (name, status, data)
        if data.get("__type") == "UnknownOperationException":
            unknown.append(name)
    assert unknown == []


def test_new_operations_answer_unsupported_with_valid_input(url, idp):
    pool = idp.create_user_pool(PoolName=uniq("new-ops"))["UserPool"]["Id"]
    try:
        for name, body in NEW_OPERATIONS.items():
            body = {k: (pool if v == "POOL" else v) for k, v in body.items()}
            status, data = _raw_call(url, name, body)
            assert (status, data.get("__type")) == (400, "UnsupportedOperationException"), (name, data)
            assert name in data.get("message", ""), (name, data)
    finally:
        idp.delete_user_pool(UserPoolId=pool)


def test_new_operations_validate_their_input(url):
    status, data = _raw_call(url, "GetUserPoolSessionConfiguration", {})
    assert (status, data["__type"]) == (400, "InvalidParameterException")
    assert data["message"] == ("1 validation error detected: Value null at 'userPoolId' failed to satisfy "
                               "constraint: Member must not be null")


def test_new_signed_operations_need_sigv4(url):
    status, data = _raw_call(url, "ListUserPoolReplicas", {"UserPoolId": "us-east-1_abcdefghi"}, signed=False)
    assert status == 400 and data["__type"] in ("MissingAuthenticationTokenException", "NotAuthorizedException",
                                                  "UnrecognizedClientException", "IncompleteSignatureException",
                                                  "MissingAuthenticationToken"), data


def test_version():
    out = subprocess.run([cognate_binary(), "--version"], capture_output=True, text=True, check=True).stdout
    assert re.fullmatch(r"cognate \d+\.\d+\.\d+\n", out)


# ---------------------------------------------------------------------------
# Admin credentials: generated once, printed as exports, recoverable by a new secret
# ---------------------------------------------------------------------------


def _clean_env():
    """The environment without any preset Cognate or AWS settings: a new user's shell."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("COGNATE_", "AWS_"))}


def _serve(data_dir, stderr_path):
    err = open(stderr_path, "w")
    proc = subprocess.Popen(
        [cognate_binary(), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, env=_clean_env(), text=True, bufsize=1,
        start_new_session=True,
    )
    err.close()
    lines = stdout_lines(proc)
    line = lines.get(timeout=30)
    assert line is not None, open(stderr_path).read()
    match = READY_RE.match(line.strip())
    assert match, line
    return proc, match.group(1)


def _stop(proc):
    proc.terminate()
    proc.wait(15)


def _exports(text):
    return dict(re.findall(r"^export (AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)=(\S+)$", text, re.M))


def _list_pools(url, key, secret):
    client = boto3.client("cognito-idp", endpoint_url=url, region_name=REGION, aws_access_key_id=key,
                          aws_secret_access_key=secret)
    return client.list_user_pools(MaxResults=1)


def _cognate(*args):
    return subprocess.run([cognate_binary(), *args], capture_output=True, text=True, env=_clean_env(), timeout=60)


def test_generated_admin_credentials_are_paste_ready_and_recoverable(tmp_path):
    data = tmp_path / "data"
    proc, url = _serve(data, tmp_path / "first.stderr")
    try:
        printed = _exports((tmp_path / "first.stderr").read_text())
        assert set(printed) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
        assert _list_pools(url, printed["AWS_ACCESS_KEY_ID"], printed["AWS_SECRET_ACCESS_KEY"])
    finally:
        _stop(proc)

    shown = _cognate("admin-credentials", "--data-dir", str(data))
    assert shown.returncode == 0, shown.stderr
    assert _exports(shown.stdout) == {"AWS_ACCESS_KEY_ID": printed["AWS_ACCESS_KEY_ID"]}
    assert printed["AWS_SECRET_ACCESS_KEY"] not in shown.stdout + shown.stderr

    reset = _cognate("admin-credentials", "--data-dir", str(data), "--reset-secret")
    assert reset.returncode == 0, reset.stderr
    renewed = _exports(reset.stdout)
    assert renewed["AWS_ACCESS_KEY_ID"] == printed["AWS_ACCESS_KEY_ID"]
    assert renewed["AWS_SECRET_ACCESS_KEY"] != printed["AWS_SECRET_ACCESS_KEY"]

    proc, url = _serve(data, tmp_path / "second.stderr")
    try:
        assert "AWS_SECRET_ACCESS_KEY" not in (tmp_path / "second.stderr").read_text()
        assert _list_pools(url, renewed["AWS_ACCESS_KEY_ID"], renewed["AWS_SECRET_ACCESS_KEY"])
        with pytest.raises(ClientError) as e:
            _list_pools(url, printed["AWS_ACCESS_KEY_ID"], printed["AWS_SECRET_ACCESS_KEY"])
        assert error_code(e.value) in ("InvalidSignatureException", "UnrecognizedClientException",
                                       "NotAuthorizedException")
    finally:
        _stop(proc)


def test_admin_credentials_before_first_start_says_what_to_do(tmp_path):
    shown = _cognate("admin-credentials", "--data-dir", str(tmp_path / "data"))
    assert shown.returncode != 0
    assert "cognate serve" in shown.stderr


def test_data_files_are_private(tmp_path):
    data = tmp_path / "data"
    proc, url = _serve(data, tmp_path / "serve.stderr")
    try:
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        files = sorted(p.name for p in data.iterdir())
        assert "cognate.db" in files and "master.key" in files
        for path in data.iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        _stop(proc)


def test_generate_master_key(tmp_path):
    printed = _cognate("keys", "generate-master")
    assert printed.returncode == 0
    assert len(base64.b64decode(printed.stdout.strip(), validate=True)) == 32
    assert _cognate("keys", "generate-master").stdout != printed.stdout

    path = tmp_path / "master.key"
    written = _cognate("keys", "generate-master", "--out", str(path))
    assert written.returncode == 0, written.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(path.read_text().strip(), validate=True)) == 32
    before = path.read_text()
    again = _cognate("keys", "generate-master", "--out", str(path))
    assert again.returncode != 0 and path.read_text() == before


# ---------------------------------------------------------------------------
# One log line per request
# ---------------------------------------------------------------------------


def test_every_request_leaves_one_log_line_without_secrets(server, url, idp):
    pool = idp.create_user_pool(PoolName=uniq("log"))["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="c",
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    client_id = client["UserPoolClient"]["ClientId"]
    password = "Secret-" + uniq("pw")
    try:
        with pytest.raises(ClientError) as e:
            idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "nobody", "PASSWORD": password})
        request_id = e.value.response["ResponseMetadata"]["RequestId"]
        code = error_code(e.value)
        log = server.stderr()
        lines = [line for line in log.splitlines() if f"request_id={request_id}" in line and "request " in line]
        assert len(lines) == 1, lines
        line = lines[0]
        assert "INFO" in line and "operation=InitiateAuth" in line and f"error_type={code}" in line
        assert "status=400" in line and re.search(r"latency_ms=\d+(\.\d+)?", line)
        assert password not in log
        assert 'Some("' not in log

        idp.describe_user_pool(UserPoolId=pool)
        assert re.search(r"request ok .*operation=DescribeUserPool .*status=200", server.stderr())
    finally:
        idp.delete_user_pool(UserPoolId=pool)
