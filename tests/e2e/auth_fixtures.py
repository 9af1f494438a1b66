"""Fixtures and helpers for the sign-up / sign-in / token tests.

Test files use them with `from auth_fixtures import *`.

One session-scoped server (`auth_server`) is started with message delivery pointed at the
sinks of sinks.py and with the test clock enabled; its clock is never moved. Tests that move
the clock use `clock_server`, a separate server per test module, and depend only on relative
time (everything a clock test needs is created after the advances that precede its use).

Contract with the binary (in addition to conftest.py's):
  --smtp-url smtp://127.0.0.1:<port>  --email-from no-reply@cognate.test
  --sms-webhook http://127.0.0.1:<port>/sms  (POST JSON {phoneNumber,message,userPoolId,username,purpose})
  --enable-test-clock: POST {url}/_cognate/test/clock {"advanceSeconds": N} -> {"now": <epoch s>}
  tokens: iss = {url}/{poolId}; JWKS {url}/{poolId}/.well-known/jwks.json;
          OIDC discovery {url}/{poolId}/.well-known/openid-configuration
"""

import base64
import contextlib
import hashlib
import hmac
import json
import random
import types

import jwt
import pytest
from botocore.exceptions import ClientError

from conftest import start_server
from helpers import (
    SNS_ROLE_ARN,
    TEMP_PASSWORD,
    attr_list,
    attrs,
    delete_pool_quietly,
    error_code,
    error_message,
    http_request,
    make_client,
    uniq,
    unique_email,
)
from sinks import SmsSink, SmtpSink, code_from

__all__ = [
    # constants
    "EMAIL_FROM", "PASSWORD", "NEW_PASSWORD", "THIRD_PASSWORD", "TEMP_PASSWORD", "USER_FLOWS",
    "ADMIN_SCOPE", "SMS_CONFIG", "SNS_ROLE_ARN",
    # helpers
    "attr_list", "attrs", "uniq", "unique_email", "unique_phone", "error_code", "error_message",
    "code_from", "last_email", "last_sms", "email_count", "sms_count", "advance",
    "secret_hash", "mask_email", "mask_phone", "raises", "b64url", "b64url_decode", "jwt_parts",
    "AuthServer", "AuthPool",
    # fixtures
    "auth_sinks", "auth_server", "clock_server", "make_auth_pool", "make_clock_pool", "auth_pool",
]

EMAIL_FROM = "no-reply@cognate.test"

# All satisfy Cognito's default password policy (8+ chars, upper, lower, digit, symbol).
PASSWORD = "Corr3ct-Horse!1"
NEW_PASSWORD = "N3w-Batt3ry-Staple!"
THIRD_PASSWORD = "Th1rd-Passw0rd?"

USER_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
              "ALLOW_REFRESH_TOKEN_AUTH"]
ADMIN_SCOPE = "aws.cognito.signin.user.admin"
SMS_CONFIG = {"SnsCallerArn": SNS_ROLE_ARN, "ExternalId": "cognate-e2e"}

_sinks = {}


# ---------------------------------------------------------------------------
# Plain helpers
# ---------------------------------------------------------------------------


def last_email(to, after=0, timeout=5.0):
    """The newest e-mail to `to`, waiting (up to `timeout` s) until more than `after` have arrived."""
    return _sinks["smtp"].last(to, after=after, timeout=timeout)


def last_sms(phone, after=0, timeout=5.0):
    """The newest SMS to `phone`, waiting (up to `timeout` s) until more than `after` have arrived."""
    return _sinks["sms"].last(phone, after=after, timeout=timeout)


def email_count(to):
    return _sinks["smtp"].count(to)


def sms_count(phone):
    return _sinks["sms"].count(phone)


def advance(seconds, server):
    """Move `server`'s (an AuthServer) clock forward; returns its new time (epoch seconds)."""
    return server.advance(seconds)


def unique_phone():
    """A fresh E.164 number (+1555 and 7 random digits), so SMS lookups never see another test's message."""
    return "+1555" + "".join(random.choice("0123456789") for _ in range(7))


def secret_hash(username, client_id, client_secret):
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def mask_email(address):
    """Cognito's CodeDeliveryDetails.Destination for an e-mail: `a***@e***`."""
    local, domain = address.split("@", 1)
    return f"{local[0]}***@{domain[0]}***"


def mask_phone(phone):
    """Cognito's CodeDeliveryDetails.Destination for a phone number: `+*******1234`."""
    return "+" + "*" * (len(phone) - 5) + phone[-4:]


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token):
    """(header, payload, signature_b64) of a JWS compact token, without verification."""
    header, payload, signature = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload)), signature


class _Raised:
    exc = None

    @property
    def code(self):
        return error_code(self.exc)

    @property
    def message(self):
        return error_message(self.exc)


@contextlib.contextmanager
def raises(*codes, message=None, startswith=None, contains=None):
    """Expect a botocore ClientError whose code is one of `codes` (and optionally a message)."""
    box = _Raised()
    try:
        yield box
    except ClientError as exc:
        box.exc = exc
        code, msg = error_code(exc), error_message(exc)
        assert code in codes, f"expected {' or '.join(codes)}, got {code}: {msg!r}"
        if message is not None:
            assert msg == message, f"{code}: {msg!r} != {message!r}"
        if startswith is not None:
            assert msg.startswith(startswith), f"{code}: {msg!r} does not start with {startswith!r}"
        if contains is not None:
            assert contains in msg, f"{code}: {msg!r} does not contain {contains!r}"
    else:
        raise AssertionError(f"expected {' or '.join(codes)}, the call succeeded")


# ---------------------------------------------------------------------------
# A server with delivery and a test clock
# ---------------------------------------------------------------------------


class AuthServer:
    def __init__(self, server, smtp, sms):
        self.server = server
        self.url = server.url
        self.smtp = smtp
        self.sms = sms
        self.idp = make_client(server.url)

    # --- test clock ---
    def advance(self, seconds):
        resp = http_request(
            self.url, "POST", "/_cognate/test/clock", json.dumps({"advanceSeconds": seconds}).encode(),
            {"Content-Type": "application/json"},
        )
        assert resp.status == 200, resp
        assert isinstance(resp.json, dict) and isinstance(resp.json.get("now"), (int, float)), resp
        return resp.json["now"]

    def now(self):
        return self.advance(0)

    # --- well-known documents ---
    def get(self, path):
        return http_request(self.url, "GET", path, b"", {})

    def issuer(self, pool_id):
        return f"{self.url}/{pool_id}"

    def jwks(self, pool_id):
        resp = self.get(f"/{pool_id}/.well-known/jwks.json")
        assert resp.status == 200, resp
        return resp.json

    def openid_configuration(self, pool_id):
        resp = self.get(f"/{pool_id}/.well-known/openid-configuration")
        assert resp.status == 200, resp
        return resp.json

    def verify(self, token, pool_id):
        """Verify `token`'s RS256 signature against the pool's JWKS; returns (header, claims).

        Time claims are not checked against the local clock (the server's clock may have been
        advanced); tests compare exp/iat to each other and to the server's clock instead.
        """
        header = jwt.get_unverified_header(token)
        assert header.get("alg") == "RS256", header
        keys = {k["kid"]: k for k in self.jwks(pool_id)["keys"]}
        assert header.get("kid") in keys, (header, list(keys))
        key = jwt.PyJWK(keys[header["kid"]]).key
        claims = jwt.decode(
            token, key, algorithms=["RS256"],
            options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False,
                     "verify_iss": False},
        )
        assert claims.get("iss") == self.issuer(pool_id), claims
        return header, claims

    def claims(self, token, pool_id):
        return self.verify(token, pool_id)[1]

    # --- pools ---
    def new_pool(self, client=None, secret=False, **pool_kwargs):
        """A pool (CreateUserPool kwargs; None values are dropped) with one app client.

        Defaults: AutoVerifiedAttributes ["email"], a client with USER_FLOWS and
        PreventUserExistenceErrors LEGACY; `client` adds/overrides CreateUserPoolClient kwargs.
        """
        pool_kwargs.setdefault("PoolName", uniq("auth"))
        pool_kwargs.setdefault("AutoVerifiedAttributes", ["email"])
        pool_kwargs = {k: v for k, v in pool_kwargs.items() if v is not None}
        pool = self.idp.create_user_pool(**pool_kwargs)["UserPool"]
        auth_pool = AuthPool(self, pool)
        auth_pool.client = auth_pool.add_client(secret=secret, **(client or {}))
        return auth_pool


class AuthPool:
    """A user pool and its default app client, with shortcuts for the public API."""

    def __init__(self, env, pool):
        self.env = env
        self.idp = env.idp
        self.pool = pool
        self.id = pool["Id"]
        self.client = None

    @property
    def client_id(self):
        return self.client["ClientId"]

    @property
    def secret(self):
        return self.client.get("ClientSecret")

    @property
    def issuer(self):
        return self.env.issuer(self.id)

    def add_client(self, secret=False, **kwargs):
        kwargs.setdefault("ClientName", uniq("app"))
        kwargs.setdefault("ExplicitAuthFlows", USER_FLOWS)
        kwargs.setdefault("PreventUserExistenceErrors", "LEGACY")
        if secret:
            kwargs["GenerateSecret"] = True
        return self.idp.create_user_pool_client(UserPoolId=self.id, **kwargs)["UserPoolClient"]

    def _client(self, client):
        return self.client if client is None else client

    def hash_for(self, username, client=None):
        client = self._client(client)
        return secret_hash(username, client["ClientId"], client["ClientSecret"])

    def _with_hash(self, params, username, client, key):
        client = self._client(client)
        if client.get("ClientSecret") and key not in params:
            params[key] = secret_hash(username, client["ClientId"], client["ClientSecret"])
        return params

    # --- users ---
    def create_user(self, username=None, password=PASSWORD, attributes=None):
        """A CONFIRMED user (AdminCreateUser SUPPRESS + AdminSetUserPassword permanent); returns the Username
        given (which may be an alias in UsernameAttributes pools).

        Default attributes: a fresh verified email."""
        username = username or uniq("user")
        if attributes is None:
            attributes = {"email": unique_email(), "email_verified": "true"}
        self.idp.admin_create_user(
            UserPoolId=self.id, Username=username, TemporaryPassword=TEMP_PASSWORD, MessageAction="SUPPRESS",
            UserAttributes=attr_list(attributes),
        )
        if password is not None:
            self.idp.admin_set_user_password(UserPoolId=self.id, Username=username, Password=password, Permanent=True)
        return username

    def get_user(self, username):
        return self.idp.admin_get_user(UserPoolId=self.id, Username=username)

    def attrs_of(self, username):
        return attrs(self.get_user(username))

    def status(self, username):
        return self.get_user(username)["UserStatus"]

    # --- public operations ---
    def sign_up(self, username, password=PASSWORD, attributes=None, client=None, **kwargs):
        client = self._client(client)
        kwargs = self._with_hash(dict(kwargs), username, client, "SecretHash")
        return self.idp.sign_up(
            ClientId=client["ClientId"], Username=username, Password=password,
            UserAttributes=attr_list(attributes or {}), **kwargs,
        )

    def confirm_sign_up(self, username, code, client=None, **kwargs):
        client = self._client(client)
        kwargs = self._with_hash(dict(kwargs), username, client, "SecretHash")
        return self.idp.confirm_sign_up(ClientId=client["ClientId"], Username=username, ConfirmationCode=code,
                                        **kwargs)

    def initiate(self, username, password=PASSWORD, client=None, flow="USER_PASSWORD_AUTH", **params):
        client = self._client(client)
        params = {"USERNAME": username, "PASSWORD": password, **params}
        params = self._with_hash(params, username, client, "SECRET_HASH")
        return self.idp.initiate_auth(ClientId=client["ClientId"], AuthFlow=flow, AuthParameters=params)

    def admin_initiate(self, username, password=PASSWORD, client=None, flow="ADMIN_USER_PASSWORD_AUTH", **params):
        client = self._client(client)
        params = {"USERNAME": username, "PASSWORD": password, **params}
        params = self._with_hash(params, username, client, "SECRET_HASH")
        return self.idp.admin_initiate_auth(UserPoolId=self.id, ClientId=client["ClientId"], AuthFlow=flow,
                                            AuthParameters=params)

    def login(self, username, password=PASSWORD, client=None):
        """USER_PASSWORD_AUTH that must succeed without a challenge; returns AuthenticationResult."""
        resp = self.initiate(username, password, client)
        assert "ChallengeName" not in resp, resp
        return resp["AuthenticationResult"]

    def admin_login(self, username, password=PASSWORD, client=None):
        resp = self.admin_initiate(username, password, client)
        assert "ChallengeName" not in resp, resp
        return resp["AuthenticationResult"]

    def refresh(self, refresh_token, username=None, client=None, flow="REFRESH_TOKEN_AUTH", admin=False):
        """Refresh; `username` is needed to compute SECRET_HASH for secret clients."""
        client = self._client(client)
        params = {"REFRESH_TOKEN": refresh_token}
        if client.get("ClientSecret") and username is not None:
            params["SECRET_HASH"] = secret_hash(username, client["ClientId"], client["ClientSecret"])
        if admin:
            resp = self.idp.admin_initiate_auth(UserPoolId=self.id, ClientId=client["ClientId"], AuthFlow=flow,
                                                AuthParameters=params)
        else:
            resp = self.idp.initiate_auth(ClientId=client["ClientId"], AuthFlow=flow, AuthParameters=params)
        assert "ChallengeName" not in resp, resp
        return resp["AuthenticationResult"]

    def claims(self, token):
        return self.env.claims(token, self.id)


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


# Cheap password hashing for the test servers only (production defaults are 19456 KiB, 2 passes):
# these tests set and check many passwords; hashing strength is not what they test.
FAST_HASHING_ARGS = ["--argon2-memory-kib", "1024", "--argon2-iterations", "1"]


def _server_args(sinks):
    return [
        "--smtp-url", sinks.smtp.url,
        "--email-from", EMAIL_FROM,
        "--sms-webhook", sinks.sms.url,
        *FAST_HASHING_ARGS,
        "--enable-test-clock",
    ]


@pytest.fixture(scope="session")
def auth_sinks():
    smtp = SmtpSink().start()
    sms = SmsSink().start()
    _sinks.update(smtp=smtp, sms=sms)
    yield types.SimpleNamespace(smtp=smtp, sms=sms)
    smtp.stop()
    sms.stop()


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory, auth_sinks):
    """The shared server for sign-up/sign-in tests. Its clock must not be moved."""
    srv = start_server(tmp_path_factory.mktemp("cognate-auth"), extra_args=_server_args(auth_sinks))
    yield AuthServer(srv, auth_sinks.smtp, auth_sinks.sms)
    srv.stop()


@pytest.fixture(scope="module")
def clock_server(tmp_path_factory, auth_sinks):
    """A server of the current test module's own, whose clock its tests may move forward."""
    srv = start_server(tmp_path_factory.mktemp("cognate-clock"), extra_args=_server_args(auth_sinks))
    yield AuthServer(srv, auth_sinks.smtp, auth_sinks.sms)
    srv.stop()


def _pool_factory(env):
    created = []

    def _make(client=None, secret=False, **pool_kwargs):
        pool = env.new_pool(client=client, secret=secret, **pool_kwargs)
        created.append(pool.id)
        return pool

    return _make, created


@pytest.fixture
def make_auth_pool(auth_server):
    """make_auth_pool(client={...}, secret=False, **CreateUserPool kwargs) -> AuthPool on auth_server."""
    make, created = _pool_factory(auth_server)
    yield make
    for pool_id in created:
        delete_pool_quietly(auth_server.idp, pool_id)


@pytest.fixture
def make_clock_pool(clock_server):
    """Like make_auth_pool, on the module's clock_server."""
    make, created = _pool_factory(clock_server)
    yield make
    for pool_id in created:
        delete_pool_quietly(clock_server.idp, pool_id)


@pytest.fixture
def auth_pool(make_auth_pool):
    """A default pool (email auto-verified) with a public client allowing USER_FLOWS."""
    return make_auth_pool()


def _is_fixture(value):
    """pytest's fixture functions (any version's wrapper), which test modules must not import:
    a fixture imported into a module is a second fixture, and a second session server."""
    return type(value).__name__ == "FixtureFunctionDefinition" or hasattr(value, "_pytestfixturefunction")


# `from <this module> import *` brings the helpers, never the fixtures: conftest.py registers
# them once for the whole session (pytest_plugins).
__all__ = [name for name, value in list(globals().items()) if not name.startswith("_") and not _is_fixture(value)]
