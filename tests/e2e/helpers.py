"""Plain helpers shared by the Cognate end-to-end tests (fixtures live in conftest.py)."""

import datetime
import http.client
import json
import queue
import re
import threading
import urllib.parse
import uuid
from unittest import mock

import boto3
import botocore
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REGION = "us-east-1"
SERVICE = "cognito-idp"
ADMIN_ACCESS_KEY_ID = "AKIACOGNATETEST00001"
ADMIN_SECRET_ACCESS_KEY = "cognateE2eSecretKey/0123456789abcdefABCD"  # 40 chars
assert len(ADMIN_SECRET_ACCESS_KEY) == 40

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"

# Passwords that satisfy Cognito's default policy (8+ chars, upper, lower, digit, symbol).
TEMP_PASSWORD = "Temp-Passw0rd!"
PERM_PASSWORD = "Perm-Passw0rd!2"

POOL_ID_RE = re.compile(r"^us-east-1_[0-9A-Za-z]{9}$")
POOL_ARN_RE = re.compile(r"^arn:aws:cognito-idp:us-east-1:\d{12}:userpool/(us-east-1_[0-9A-Za-z]{9})$")
CLIENT_ID_RE = re.compile(r"^[a-z0-9]{26}$")
CLIENT_SECRET_RE = re.compile(r"^[a-z0-9]{52}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Error codes that mean "the request was rejected by SigV4 authentication".
SIGV4_ERRORS = {
    "MissingAuthenticationTokenException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "AccessDeniedException",
}

# Cognate answers every error with this status (see the test suite brief).
ERROR_STATUS = 400

ROLE_ARN = "arn:aws:iam::123456789012:role/cognate-e2e"
SNS_ROLE_ARN = "arn:aws:iam::123456789012:role/cognate-e2e-sns"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:cognate-e2e"


def uniq(prefix="t"):
    """A name that no other test (or earlier run against the same data dir) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def missing_pool_id():
    """A well-formed user pool id that does not exist."""
    return "us-east-1_" + uuid.uuid4().hex[:9]


def unique_email(prefix="user"):
    return f"{prefix}.{uuid.uuid4().hex[:12]}@example.com"


def attr_list(mapping):
    return [{"Name": k, "Value": v} for k, v in mapping.items()]


def attrs(obj):
    """Attributes of a user (AdminGetUser / ListUsers / AdminCreateUser shapes) as a dict."""
    if isinstance(obj, dict):
        obj = obj.get("UserAttributes", obj.get("Attributes", []))
    return {a["Name"]: a.get("Value") for a in obj}


def error_code(exc):
    return exc.response["Error"]["Code"]


def error_message(exc):
    return exc.response["Error"].get("Message", "")


def make_client(url, key=ADMIN_ACCESS_KEY_ID, secret=ADMIN_SECRET_ACCESS_KEY, unsigned=False, **config):
    """A boto3 cognito-idp client against `url` that never retries."""
    cfg = dict(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=32,
    )
    cfg.update(config)
    if unsigned:
        cfg["signature_version"] = botocore.UNSIGNED
    return boto3.session.Session().client(
        SERVICE,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(**cfg),
    )


def delete_pool_quietly(idp, pool_id):
    try:
        idp.delete_user_pool(UserPoolId=pool_id)
    except ClientError as exc:
        if error_code(exc) == "InvalidParameterException":  # deletion protection left on
            try:
                idp.update_user_pool(UserPoolId=pool_id, DeletionProtection="INACTIVE")
                idp.delete_user_pool(UserPoolId=pool_id)
            except Exception:
                pass
    except Exception:
        pass


def all_pool_names(idp):
    names = set()
    for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60):
        names.update(p["Name"] for p in page["UserPools"])
    return names


# ---------------------------------------------------------------------------
# Raw HTTP access (wire-level tests)
# ---------------------------------------------------------------------------


class Resp(tuple):
    """(status, headers, parsed_json); also exposes .status/.headers/.json/.text."""

    def __new__(cls, status, headers, parsed, text):
        self = super().__new__(cls, (status, headers, parsed))
        self.text = text
        return self

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    json = property(lambda self: self[2])

    def __repr__(self):
        return f"Resp(status={self.status}, body={self.text[:500]!r})"


def to_body(body):
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def base_headers(target):
    headers = {"Content-Type": JSON_CONTENT_TYPE}
    if target is not None:
        if "." not in target:
            target = TARGET_PREFIX + target
        headers["X-Amz-Target"] = target
    return headers


def sign_headers(url, body, headers, key=ADMIN_ACCESS_KEY_ID, secret=ADMIN_SECRET_ACCESS_KEY, now=None):
    """Return `headers` plus SigV4 headers (X-Amz-Date, Authorization) for POST / with `body`.

    `now` (naive UTC datetime) freezes the signing clock, e.g. to produce a stale signature.
    """
    request = AWSRequest(method="POST", url=url.rstrip("/") + "/", data=body, headers=dict(headers))
    signer = SigV4Auth(Credentials(key, secret), SERVICE, REGION)
    if now is None:
        signer.add_auth(request)
    else:
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
            signer.add_auth(request)
    return dict(request.headers.items())


def utc_now_naive():
    return botocore.auth.get_current_datetime()


def http_request(url, method="POST", path="/", body=b"", headers=None):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        hdrs = {"Host": parts.netloc}
        hdrs.update(headers or {})
        conn.request(method, path, body=body or None, headers=hdrs)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        return Resp(resp.status, resp.headers, parsed, text)
    finally:
        conn.close()


def short_type(type_):
    """`com.amazon.coral.service#SerializationException` -> `SerializationException`."""
    return type_.split("#")[-1]


def assert_aws_error(resp, code=None, status=ERROR_STATUS):
    """Check the common shape of a JSON 1.1 error response and return its message."""
    assert resp.status == status, resp
    body = resp.json
    assert isinstance(body, dict), resp
    assert "__type" in body and "message" in body, resp
    type_ = short_type(body["__type"])
    if code is not None:
        assert type_ == code, resp
    error_type_header = resp.headers.get("x-amzn-ErrorType")
    assert error_type_header and error_type_header.startswith(type_), (error_type_header, resp)
    assert resp.headers.get("x-amzn-RequestId"), resp
    return body["message"]


def expect_client_error(code, fn, *args, **kwargs):
    """Call fn, expect a botocore ClientError with the given code, return it."""
    try:
        fn(*args, **kwargs)
    except ClientError as exc:
        assert error_code(exc) == code, exc.response
        return exc
    raise AssertionError(f"expected {code}, call succeeded")


def assert_contains(actual, expected, path="$"):
    """Assert `expected` is a sub-structure of `actual`: dict keys recursively, lists item by item."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{path}.{key} missing from {actual!r}"
            assert_contains(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {actual!r} != {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_contains(a, e, f"{path}[{i}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def is_recent(dt, within=datetime.timedelta(days=1)):
    """A botocore-parsed timestamp close to now (catches seconds-vs-milliseconds mistakes)."""
    assert isinstance(dt, datetime.datetime), dt
    return abs(datetime.datetime.now(datetime.timezone.utc) - dt) < within


def stdout_lines(proc):
    """A queue of `proc`'s stdout lines, then None at end of file, filled by a daemon thread
    that keeps draining the pipe for the life of the process."""
    lines = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines
