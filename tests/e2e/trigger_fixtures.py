"""Fixtures and helpers for the Lambda-trigger tests (test_triggers.py, test_custom_auth.py,
test_user_migration.py, test_lambda_node.py).

Test files use them with `from trigger_fixtures import *` (which also brings auth_fixtures').

`trigger_server` is a server of the session wired to the SMTP/SMS sinks of auth_fixtures and
to `trigger_sink` (trigger_sinks.py), which serves URL-style triggers and, as the
`--lambda-endpoint`, the Lambda Invoke API for ARN-style ones. `short_timeout_server` is the
same with a 500 ms trigger budget, for the time-out test only (so a loaded machine cannot make
the other tests' triggers time out).

Contract with the binary (in addition to conftest.py's and auth_fixtures'):
  --lambda-endpoint URL            non-URL LambdaConfig values (ARNs, names) are invoked with
                                   POST {URL}/2015-03-31/functions/{FunctionName}/invocations
  --lambda-access-key-id ID / --lambda-secret-access-key SECRET   SigV4 (service lambda) for those
  --trigger-timeout-ms N           a trigger not answering in N ms fails the call
  --custom-sender-key BASE64       32-byte AES-256-GCM key; custom senders' request.code is
                                   base64(12-byte nonce || ciphertext || 16-byte tag), no AAD
"""

import base64
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import auth_fixtures
from auth_fixtures import *  # noqa: F401,F403
from auth_fixtures import EMAIL_FROM, FAST_HASHING_ARGS, AuthServer, _pool_factory
from conftest import start_server
from helpers import REGION, delete_pool_quietly, error_code
from trigger_sinks import Block, LambdaError, Raw, TriggerSink, returns, sigv4_problem

__all__ = list(auth_fixtures.__all__) + [
    # constants
    "LAMBDA_ACCESS_KEY_ID", "LAMBDA_SECRET_ACCESS_KEY", "CUSTOM_SENDER_KEY", "KMS_KEY_ARN",
    "CLIENT_ID_NOT_APPLICABLE", "APPROVED_DOMAIN", "COMPANY_ONLY",
    # helpers
    "Block", "LambdaError", "Raw", "returns", "sigv4_problem", "trigger_server_args", "decrypt_code",
    "company_only_pre_sign_up", "company_email", "assert_envelope", "assert_no_user",
    # fixtures
    "trigger_sink", "trigger_server", "short_timeout_server", "make_trigger_pool",
    "make_short_timeout_pool", "release", "trigger_pool_factory",
]

LAMBDA_ACCESS_KEY_ID = "AKIALAMBDAE2ETEST001"
LAMBDA_SECRET_ACCESS_KEY = "lambdaE2eSecretKey/0123456789abcdefABCDEF"[:40]
TRIGGER_TIMEOUT_MS = 5000  # Cognito's budget
SHORT_TRIGGER_TIMEOUT_MS = 500
CUSTOM_SENDER_KEY = os.urandom(32)
KMS_KEY_ARN = "arn:aws:kms:us-east-1:000000000000:key/test"
CLIENT_ID_NOT_APPLICABLE = "CLIENT_ID_NOT_APPLICABLE"

APPROVED_DOMAIN = "approvedcompany.com"
COMPANY_ONLY = "We only allow company email addresses"


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def trigger_server_args(sinks, lambda_endpoint, timeout_ms=TRIGGER_TIMEOUT_MS, sign=True):
    """`cognate serve` arguments: auth_fixtures' delivery sinks plus the trigger settings.

    `sign=False` leaves out the Lambda credentials (Invoke requests go unsigned)."""
    args = [
        "--smtp-url", sinks.smtp.url,
        "--email-from", EMAIL_FROM,
        "--sms-webhook", sinks.sms.url,
        *FAST_HASHING_ARGS,
        "--lambda-endpoint", lambda_endpoint,
        "--trigger-timeout-ms", str(timeout_ms),
        "--custom-sender-key", base64.b64encode(CUSTOM_SENDER_KEY).decode(),
    ]
    if sign:
        args += ["--lambda-access-key-id", LAMBDA_ACCESS_KEY_ID,
                 "--lambda-secret-access-key", LAMBDA_SECRET_ACCESS_KEY]
    return args


def decrypt_code(text):
    """The plain code of a custom sender event's `request.code`."""
    raw = base64.b64decode(text)
    assert len(raw) > 12 + 16, f"request.code is too short to be nonce + ciphertext + tag: {text!r}"
    return AESGCM(CUSTOM_SENDER_KEY).decrypt(raw[:12], raw[12:], None).decode()


def company_email(prefix="staff"):
    return f"{uniq(prefix)}@{APPROVED_DOMAIN}"


def company_only_pre_sign_up(event):
    """The seed example: auto-confirm (and verify) company addresses, refuse everyone else."""
    email = event["request"]["userAttributes"].get("email", "")
    if not email.endswith("@" + APPROVED_DOMAIN):
        raise LambdaError(COMPANY_ONLY)
    event["response"]["autoConfirmUser"] = True
    event["response"]["autoVerifyEmail"] = True
    return event


def assert_envelope(event, pool, source, user_name=None, client_id=None, version="1"):
    """The common fields of a trigger event (Cognito's envelope)."""
    assert isinstance(event, dict), event
    assert event["version"] == version, event
    assert event["triggerSource"] == source, event
    assert event["region"] == REGION, event
    assert event["userPoolId"] == pool.id, event
    if user_name is not None:
        assert event["userName"] == user_name, event
    caller = event["callerContext"]
    assert isinstance(caller.get("awsSdkVersion"), str), event
    assert caller["clientId"] == (pool.client_id if client_id is None else client_id), event
    assert isinstance(event["request"], dict), event
    assert isinstance(event["response"], dict), event


def assert_no_user(pool, username):
    """A refused write left nothing behind."""
    try:
        pool.get_user(username)
    except Exception as exc:  # noqa: BLE001 - checked below
        assert error_code(exc) == "UserNotFoundException", exc
    else:
        raise AssertionError(f"user {username} exists")


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def trigger_sink():
    sink = TriggerSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def trigger_server(tmp_path_factory, auth_sinks, trigger_sink):
    """The shared server for trigger tests; its --lambda-endpoint is `trigger_sink`."""
    srv = start_server(tmp_path_factory.mktemp("cognate-triggers"),
                       extra_args=trigger_server_args(auth_sinks, trigger_sink.url))
    yield AuthServer(srv, auth_sinks.smtp, auth_sinks.sms)
    srv.stop()


@pytest.fixture(scope="module")
def short_timeout_server(tmp_path_factory, auth_sinks, trigger_sink):
    """Like trigger_server, with --trigger-timeout-ms 500."""
    srv = start_server(tmp_path_factory.mktemp("cognate-trigger-timeout"),
                       extra_args=trigger_server_args(auth_sinks, trigger_sink.url, SHORT_TRIGGER_TIMEOUT_MS))
    yield AuthServer(srv, auth_sinks.smtp, auth_sinks.sms)
    srv.stop()


def trigger_pool_factory(env):
    """(make, created): make(lambda_config=None, client=None, secret=False, **CreateUserPool kwargs) -> AuthPool
    on `env` (an AuthServer); the caller deletes the pools in `created`."""
    make, created = _pool_factory(env)

    def _make(lambda_config=None, client=None, secret=False, **pool_kwargs):
        if lambda_config is not None:
            pool_kwargs["LambdaConfig"] = lambda_config
        return make(client=client, secret=secret, **pool_kwargs)

    return _make, created


@pytest.fixture
def make_trigger_pool(trigger_server):
    """make_trigger_pool(lambda_config={...}, client={...}, secret=False, **CreateUserPool kwargs) -> AuthPool.

    Defaults as AuthServer.new_pool (email auto-verified, a public client with USER_FLOWS)."""
    make, created = trigger_pool_factory(trigger_server)
    yield make
    for pool_id in created:
        delete_pool_quietly(trigger_server.idp, pool_id)


@pytest.fixture
def make_short_timeout_pool(short_timeout_server):
    make, created = trigger_pool_factory(short_timeout_server)
    yield make
    for pool_id in created:
        delete_pool_quietly(short_timeout_server.idp, pool_id)


@pytest.fixture
def release(trigger_sink):
    """A threading.Event that `Block(release)` handler results wait on; set at teardown."""
    event = trigger_sink.release_event()
    yield event
    event.set()


def _is_fixture(value):
    """pytest's fixture functions (any version's wrapper), which test modules must not import:
    a fixture imported into a module is a second fixture, and a second session server."""
    return type(value).__name__ == "FixtureFunctionDefinition" or hasattr(value, "_pytestfixturefunction")


# `from <this module> import *` brings the helpers, never the fixtures: conftest.py registers
# them once for the whole session (pytest_plugins).
__all__ = [name for name, value in list(globals().items()) if not name.startswith("_") and not _is_fixture(value)]
