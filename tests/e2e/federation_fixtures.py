"""Upstream identity providers for the federation tests, and a browser that signs in through them.

- `Upstream` / `start_upstream(clients)`: an OpenID Provider run by `node js/upstream-oidc.mjs`
  (oidc-provider, OpenID Certified) on http://127.0.0.1:<random port>, with its own RS256 key,
  discovery and JWKS. Every account id exists (sub = id, email `<id>@upstream.test`, verified,
  name settable with `set_name`). Its sign-in is a small interaction page that
  `FederatedBrowser` answers with an account id, or refuses (error=access_denied).
- `GoogleStandIn` and `FacebookStandIn`: in-process stand-ins (http.server in a thread) for the
  social presets. `social_endpoints()` is the JSON Cognate reads from `--social-endpoints FILE`
  (env COGNATE_SOCIAL_ENDPOINTS) at start; conftest.py starts both for the session server.
  Each app (client_id) is registered with the account it signs in as, so tests sharing the
  stand-ins never see each other's users. A Google app may be registered with `misbehave=` (one
  of GOOGLE_MISBEHAVIOURS: a forged or wrong ID token, a broken token or userinfo answer) and
  have its signing key rotated (`rotate_key`); other apps are answered as before.
- `FederatedBrowser`: a `requests` session that follows no redirect by itself. It opens Cognate's
  authorize endpoint with `identity_provider=<ProviderName>` (PKCE S256), checks the redirect to
  the upstream's authorization endpoint, signs in there (or refuses), carries the upstream's
  answer back to Cognate's /oauth2/idpresponse and returns Cognate's redirect to the app's
  callback; `tokens()` exchanges the code with authlib, as HostedBrowser does.

Contract with the binary (in addition to conftest.py's):
  {url}/{poolId}/oauth2/authorize?...&identity_provider=NAME   302 to the provider's authorize_url
  {url}/{poolId}/oauth2/idpresponse                            the redirect_uri sent upstream
  --social-endpoints FILE / COGNATE_SOCIAL_ENDPOINTS           {"Google": {issuer, authorization_endpoint,
      token_endpoint, userinfo_endpoint, jwks_uri}, "Facebook": {authorization_endpoint,
      token_endpoint, userinfo_endpoint}}
"""

import base64
import hashlib
import hmac
import json
import queue
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from helpers import stdout_lines

JS_DIR = Path(__file__).resolve().parent / "js"
UPSTREAM_SCRIPT = JS_DIR / "upstream-oidc.mjs"
UPSTREAM_START_TIMEOUT = 30.0

CB = "http://localhost:8123/cb"
SCOPES = ["openid", "email", "profile", "aws.cognito.signin.user.admin"]


def idp_response_url(server_url, pool_id):
    """The redirect_uri Cognate sends upstream: the pool's /oauth2/idpresponse."""
    return f"{server_url}/{pool_id}/oauth2/idpresponse"


def query_of(location):
    """The query of a URL as a dict of single values (repeated keys fail the test)."""
    parsed = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query, keep_blank_values=True)
    for key, values in parsed.items():
        assert len(values) == 1, f"{key} repeated in {location}"
    return {key: values[0] for key, values in parsed.items()}


def without_query(location):
    parts = urllib.parse.urlsplit(location)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


# ---------------------------------------------------------------------------
# The upstream OpenID Provider (Node, oidc-provider)
# ---------------------------------------------------------------------------


def upstream_js_problem():
    """Why upstream-oidc.mjs cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (JS_DIR / "node_modules" / "oidc-provider").is_dir():
        return "oidc-provider in tests/e2e/js/node_modules is missing (npm ci --prefix tests/e2e/js)"
    return None


class Upstream:
    """A running upstream-oidc.mjs: .issuer, .meta (its discovery), .set_name(), .log(), .stop()."""

    def __init__(self, proc, issuer, stderr_path):
        self.proc = proc
        self.issuer = issuer
        self.stderr_path = stderr_path
        self._meta = None

    @property
    def meta(self):
        if self._meta is None:
            r = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10)
            assert r.status_code == 200, r.text
            self._meta = r.json()
        return self._meta

    def set_name(self, account, name):
        """What the `name` claim of `account` says from now on (ID token and userinfo)."""
        r = requests.post(f"{self.issuer}/control/name", json={"account": account, "name": name}, timeout=10)
        assert r.status_code == 200, r.text

    def log(self):
        """How the relying party called the token and userinfo endpoints:
        [{"endpoint", "method", "auth", "client_id", "status"}]."""
        r = requests.get(f"{self.issuer}/control/log", timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def stderr(self):
        try:
            return Path(self.stderr_path).read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdin:
            self.proc.stdin.close()
        return self.proc.returncode


def start_upstream(clients, names=None, timeout=UPSTREAM_START_TIMEOUT):
    """Start upstream-oidc.mjs with `clients` ([{client_id, client_secret, redirect_uris,
    token_endpoint_auth_method?}]) and wait for its ready line. Skips the test when Node or the
    package is missing (conftest.py turns that into a failure)."""
    problem = upstream_js_problem()
    if problem:
        pytest.skip(problem)
    config = {"clients": list(clients), "names": dict(names or {})}
    stderr_file = tempfile.NamedTemporaryFile(prefix="upstream-oidc-", suffix=".stderr", delete=False)
    proc = subprocess.Popen(
        ["node", str(UPSTREAM_SCRIPT), json.dumps(config)],
        cwd=JS_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr_file,
        text=True, bufsize=1, start_new_session=True,
    )
    stderr_file.close()
    upstream = Upstream(proc, None, stderr_file.name)
    lines = stdout_lines(proc)
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            upstream.stop()
            raise AssertionError(f"upstream-oidc.mjs did not get ready in {timeout}s:\n{upstream.stderr()}")
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            continue
        if line is None:
            proc.wait(5)
            raise AssertionError(f"upstream-oidc.mjs exited with {proc.returncode}:\n{upstream.stderr()}")
        if line.startswith("upstream ready "):
            upstream.issuer = line.split()[-1]
            return upstream


@pytest.fixture
def upstream_factory():
    """upstream_factory(clients, names=None) -> Upstream; every one is stopped at teardown."""
    started = []

    def _start(clients, names=None):
        upstream = start_upstream(clients, names)
        started.append(upstream)
        return upstream

    yield _start
    for upstream in started:
        upstream.stop()


# ---------------------------------------------------------------------------
# Social stand-ins (in process)
# ---------------------------------------------------------------------------


class _StandIn:
    """A small HTTP server on 127.0.0.1 in a thread. Apps are registered with
    `register(client_id, client_secret, account)`; `calls` records every request as a dict
    {method, path, query, form, headers, client_id} (client_id: the one sent, or the app a
    bearer access token was issued to)."""

    def __init__(self):
        self.apps = {}
        self.codes = {}
        self.tokens = {}
        self.calls = []
        self.lock = threading.Lock()
        self.httpd = None
        self.url = None

    def start(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
                form = {}
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    body = self.rfile.read(length).decode()
                    form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                grant = stand_in._bearer(query, headers)
                client_id = query.get("client_id") or form.get("client_id") or (grant or {}).get("client_id")
                with stand_in.lock:
                    stand_in.calls.append({"method": self.command, "path": parts.path, "query": query, "form": form,
                                           "headers": headers, "client_id": client_id})
                status, reply_headers, body = stand_in.route(self.command, parts.path, query, form, headers)
                if isinstance(body, (dict, list)):
                    body = json.dumps(body).encode()
                    reply_headers = {"Content-Type": "application/json", **reply_headers}
                elif isinstance(body, str):
                    body = body.encode()
                try:
                    self.send_response(status)
                    for key, value in reply_headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body or b"")))
                    self.end_headers()
                    self.wfile.write(body or b"")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (an oversized answer, say)

            do_GET = _handle
            do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()

    def register(self, client_id, client_secret, account, misbehave=None):
        """`account` is what this app's users sign in as (a dict of the provider's claims).
        `misbehave` (GoogleStandIn only; see GOOGLE_MISBEHAVIOURS) makes the stand-in answer
        this app's sign-ins in one hostile way; None (the default) answers correctly."""
        if misbehave is not None and misbehave not in getattr(self, "MISBEHAVIOURS", {}):
            raise ValueError(f"{type(self).__name__} cannot misbehave as {misbehave!r}")
        with self.lock:
            self.apps[client_id] = {"secret": client_secret, "account": dict(account), "misbehave": misbehave}

    def calls_to(self, path, client_id=None):
        with self.lock:
            calls = list(self.calls)
        return [c for c in calls if c["path"] == path and (client_id is None or c["client_id"] == client_id)]

    def _authorize(self, query, extra=None):
        """Redirects straight back to redirect_uri with a fresh code for the app's account."""
        app = self.apps.get(query.get("client_id"))
        redirect_uri = query.get("redirect_uri")
        if app is None or not redirect_uri or query.get("response_type") != "code":
            return 400, {}, {"error": "invalid_request", "error_description": "unknown client or bad request"}
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {"client_id": query["client_id"], "redirect_uri": redirect_uri,
                                "nonce": query.get("nonce"), "account": app["account"], **(extra or {})}
        answer = {"code": code}
        if "state" in query:
            answer["state"] = query["state"]
        sep = "&" if "?" in redirect_uri else "?"
        return 302, {"Location": redirect_uri + sep + urllib.parse.urlencode(answer)}, b""

    def _redeem(self, client_id, client_secret, code, redirect_uri):
        """(grant, None) or (None, error reply)."""
        app = self.apps.get(client_id)
        if app is None or not secrets.compare_digest(str(client_secret or ""), app["secret"]):
            return None, (401, {}, {"error": "invalid_client"})
        with self.lock:
            grant = self.codes.pop(code, None)
        if grant is None or grant["client_id"] != client_id or grant["redirect_uri"] != redirect_uri:
            return None, (400, {}, {"error": "invalid_grant"})
        return grant, None

    def _bearer(self, query, headers):
        header = headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else query.get("access_token")
        with self.lock:
            return self.tokens.get(token)


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned_jwt(header, claims):
    return _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())


def _hs256_jwt(header, claims, secret):
    signing_input = _unsigned_jwt(header, claims)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64url(signature)


# The hostile answers GoogleStandIn can give one app (register(..., misbehave=KEY)).
GOOGLE_MISBEHAVIOURS = {
    "foreign-key": "the ID token is signed RS256 by a key the JWKS does not hold (under the published kid)",
    "foreign-kid": "the ID token is signed RS256 by a key the JWKS does not hold (under its own, unpublished kid)",
    "alg-none": "the ID token is unsigned (alg none, empty signature)",
    "hs256-modulus": "the ID token is HS256 with the published RSA key's modulus bytes as the secret",
    "hs256-secret": "the ID token is HS256 with the app's client secret as the secret",
    "wrong-iss": "the ID token's iss is another issuer",
    "wrong-aud": "the ID token's aud (and azp) is another app",
    "expired": "the ID token expired an hour ago",
    "wrong-nonce": "the ID token's nonce is not the one the relying party sent",
    "no-id-token": "the token response has no id_token",
    "not-json": "the token endpoint answers 200 with an HTML page",
    "huge": "the token endpoint answers a valid token response padded to 2 MiB",
    "userinfo-other-sub": "userinfo describes another sub than the ID token",
    "invalid-grant": 'the token endpoint answers 400 {"error": "invalid_grant"}',
}


class GoogleStandIn(_StandIn):
    """Google-like OpenID Provider: /o/oauth2/v2/auth redirects straight back with a code;
    /token takes client_secret_post only and returns an RS256 ID token (iss = this base URL,
    aud = client_id, nonce echoed) signed by /oauth2/v3/certs; /v1/userinfo answers the bearer.
    Account claims: sub, email, email_verified, name.

    Per app: `register(..., misbehave=KEY)` (GOOGLE_MISBEHAVIOURS) makes its answers hostile;
    `rotate_key(client_id)` gives the app a new signing key under a new kid, published in the
    JWKS from then on (the previous keys stay published)."""

    MISBEHAVIOURS = GOOGLE_MISBEHAVIOURS
    HUGE_BYTES = 2 * 1024 * 1024

    def __init__(self):
        super().__init__()
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.rotated = {}  # kid -> private key of keys rotate_key() made (published)
        self.rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # never published
        self.id_tokens = []  # (client_id, ID token) of every token answer, in order

    def endpoints(self):
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/o/oauth2/v2/auth",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/v1/userinfo",
            "jwks_uri": f"{self.url}/oauth2/v3/certs",
        }

    @staticmethod
    def _jwk(private_key, kid):
        key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
        key.update(kid=kid, alg="RS256", use="sig")
        return key

    def jwks(self):
        with self.lock:
            rotated = list(self.rotated.items())
        return {"keys": [self._jwk(self.key, self.kid)] + [self._jwk(key, kid) for kid, key in rotated]}

    def rotate_key(self, client_id):
        """The app's ID tokens are signed from now on by a new key with a new kid, which the
        JWKS publishes from now on; returns the new kid."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        kid = secrets.token_hex(8)
        with self.lock:
            self.rotated[kid] = key
            self.apps[client_id]["signing"] = (kid, key)
        return kid

    def _misbehaviour(self, client_id):
        return (self.apps.get(client_id) or {}).get("misbehave")

    def id_token(self, grant):
        app = self.apps.get(grant["client_id"]) or {}
        misbehave = app.get("misbehave")
        now = int(time.time())
        claims = {"iss": self.url, "aud": grant["client_id"], "azp": grant["client_id"], "iat": now,
                  "exp": now + 3600, **grant["account"]}
        if grant.get("nonce"):
            claims["nonce"] = grant["nonce"]
        kid, key = app.get("signing") or (self.kid, self.key)
        if misbehave == "wrong-iss":
            claims["iss"] = "https://issuer.invalid"
        elif misbehave == "wrong-aud":
            claims["aud"] = claims["azp"] = "someone-else.apps.googleusercontent.com"
        elif misbehave == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif misbehave == "wrong-nonce":
            claims["nonce"] = secrets.token_hex(16)
        elif misbehave == "foreign-key":
            key = self.rogue
        elif misbehave == "foreign-kid":
            kid, key = "rogue-" + secrets.token_hex(8), self.rogue
        elif misbehave == "alg-none":
            return _unsigned_jwt({"alg": "none", "kid": kid, "typ": "JWT"}, claims) + "."
        elif misbehave == "hs256-modulus":
            n = key.public_key().public_numbers().n
            return _hs256_jwt({"alg": "HS256", "kid": kid, "typ": "JWT"}, claims,
                              n.to_bytes((n.bit_length() + 7) // 8, "big"))
        elif misbehave == "hs256-secret":
            return _hs256_jwt({"alg": "HS256", "kid": kid, "typ": "JWT"}, claims, app["secret"].encode())
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    def route(self, method, path, query, form, headers):
        if path == "/.well-known/openid-configuration":
            return 200, {}, {**self.endpoints(), "response_types_supported": ["code"],
                             "subject_types_supported": ["public"],
                             "id_token_signing_alg_values_supported": ["RS256"],
                             "token_endpoint_auth_methods_supported": ["client_secret_post"]}
        if path == "/oauth2/v3/certs":
            return 200, {}, self.jwks()
        if path == "/o/oauth2/v2/auth" and method == "GET":
            return self._authorize(query)
        if path == "/token" and method == "POST":
            if "authorization" in headers:
                return 401, {}, {"error": "invalid_client", "error_description": "use client_secret_post"}
            if form.get("grant_type") != "authorization_code":
                return 400, {}, {"error": "unsupported_grant_type"}
            grant, error = self._redeem(form.get("client_id"), form.get("client_secret"), form.get("code"),
                                        form.get("redirect_uri"))
            if error:
                return error
            misbehave = self._misbehaviour(grant["client_id"])
            if misbehave == "invalid-grant":
                return 400, {"Cache-Control": "no-store"}, {"error": "invalid_grant", "error_description": "Bad Request"}
            if misbehave == "not-json":
                return 200, {"Content-Type": "text/html; charset=utf-8"}, "<html><body><h1>Welcome!</h1></body></html>"
            access = secrets.token_urlsafe(24)
            with self.lock:
                self.tokens[access] = grant
            answer = {
                "access_token": access, "token_type": "Bearer", "expires_in": 3599,
                "scope": "openid https://www.googleapis.com/auth/userinfo.email "
                         "https://www.googleapis.com/auth/userinfo.profile",
                "id_token": self.id_token(grant)}
            with self.lock:
                self.id_tokens.append((grant["client_id"], answer["id_token"]))
            if misbehave == "no-id-token":
                del answer["id_token"]
            if misbehave == "huge":
                answer["padding"] = "x" * self.HUGE_BYTES
            return 200, {"Cache-Control": "no-store"}, answer
        if path == "/v1/userinfo":
            grant = self._bearer(query, headers)
            if grant is None:
                return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, {"error": "invalid_token"}
            info = dict(grant["account"])
            if self._misbehaviour(grant["client_id"]) == "userinfo-other-sub":
                info["sub"] = str(secrets.randbelow(10**20) + 10**20)
            return 200, {}, info
        return 404, {}, {"error": "not_found", "path": path}


class FacebookStandIn(_StandIn):
    """Facebook-like OAuth 2.0 provider: /dialog/oauth redirects straight back with a code;
    /oauth/access_token (GET query or POST form, client_id + client_secret) returns
    {access_token, token_type, expires_in}; /me?fields=a,b&access_token=T (or a bearer header)
    returns `id` plus the requested fields the account has, like the Graph API (no `fields`:
    id and name only); /app?access_token=T names the app the token was issued to. Account
    fields: id, name, email."""

    def endpoints(self):
        return {
            "authorization_endpoint": f"{self.url}/dialog/oauth",
            "token_endpoint": f"{self.url}/oauth/access_token",
            "userinfo_endpoint": f"{self.url}/me",
        }

    def route(self, method, path, query, form, headers):
        if path == "/dialog/oauth" and method == "GET":
            return self._authorize(query)
        if path == "/oauth/access_token":
            params = {**query, **form}
            client_id, client_secret = params.get("client_id"), params.get("client_secret")
            header = headers.get("authorization", "")
            if header.lower().startswith("basic "):
                client_id, _, client_secret = base64.b64decode(header[6:]).decode().partition(":")
                client_id, client_secret = urllib.parse.unquote(client_id), urllib.parse.unquote(client_secret)
            grant, error = self._redeem(client_id, client_secret, params.get("code"), params.get("redirect_uri"))
            if error:
                status, extra, _ = error
                return status, extra, {"error": {"message": "Invalid verification code format.",
                                                 "type": "OAuthException", "code": 100}}
            access = secrets.token_urlsafe(24)
            with self.lock:
                self.tokens[access] = grant
            return 200, {}, {"access_token": access, "token_type": "bearer", "expires_in": 5183944}
        if path == "/app" and method == "GET":
            # The app an access token was issued to, as the Graph API's /app answers.
            grant = self._bearer(query, headers)
            if grant is None:
                return 400, {}, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                           "code": 190}}
            return 200, {}, {"id": grant["client_id"], "name": f"app {grant['client_id']}"}
        if path == "/me" and method == "GET":
            grant = self._bearer(query, headers)
            if grant is None:
                return 400, {}, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                           "code": 190}}
            account = grant["account"]
            fields = [f for f in query.get("fields", "id,name").split(",") if f]
            answer = {"id": account["id"]}
            answer.update({f: account[f] for f in fields if f in account})
            return 200, {}, answer
        return 404, {}, {"error": {"message": f"Unknown path {path}", "type": "GraphMethodException"}}


class SocialStandIns:
    """Both social stand-ins; `write_endpoints(path)` writes Cognate's --social-endpoints file."""

    def __init__(self):
        self.google = GoogleStandIn()
        self.facebook = FacebookStandIn()

    def start(self):
        self.google.start()
        self.facebook.start()
        return self

    def stop(self):
        self.google.stop()
        self.facebook.stop()

    def endpoints(self):
        return {"Google": self.google.endpoints(), "Facebook": self.facebook.endpoints()}

    def write_endpoints(self, path):
        Path(path).write_text(json.dumps(self.endpoints(), indent=2))
        return str(path)


# ---------------------------------------------------------------------------
# The browser
# ---------------------------------------------------------------------------


class FederatedBrowser:
    """One browser for sign-ins through `identity_provider=` at one pool, as one app client
    (`client`: the CreateUserPoolClient answer; public clients use PKCE S256 only, confidential
    ones authenticate with client_secret_basic). Follows no redirect by itself."""

    def __init__(self, server_url, pool_id, client, callback=CB, scopes=SCOPES):
        from authlib.integrations.requests_client import OAuth2Session

        self.url = server_url
        self.pool_id = pool_id
        self.client = client
        self.callback = callback
        self.s = requests.Session()
        r = requests.get(f"{server_url}/{pool_id}/.well-known/openid-configuration", timeout=10)
        assert r.status_code == 200, r.text
        self.meta = r.json()
        secret = client.get("ClientSecret")
        self.oauth = OAuth2Session(client["ClientId"], secret, scope=" ".join(scopes), redirect_uri=callback,
                                   code_challenge_method="S256",
                                   token_endpoint_auth_method="client_secret_basic" if secret else "none")
        self.verifier = None
        self.nonce = None
        self.state = None
        self.upstream_request = None  # the query Cognate sent upstream (last sign-in)

    @property
    def idp_response(self):
        return idp_response_url(self.url, self.pool_id)

    def get(self, target, **kwargs):
        return self.s.get(target, allow_redirects=False, timeout=10, **kwargs)

    def authorize_url(self, provider, **extra):
        """Cognate's authorize URL for `provider` (a fresh verifier, nonce and state)."""
        from authlib.common.security import generate_token

        self.verifier = generate_token(48)
        self.nonce = generate_token(16)
        self.state = generate_token(20)
        params = {"nonce": self.nonce, "state": self.state}
        if provider is not None:
            params["identity_provider"] = provider
        params.update(extra)
        target, _ = self.oauth.create_authorization_url(f"{self.url}/{self.pool_id}/oauth2/authorize",
                                                        code_verifier=self.verifier, **params)
        return target

    def start(self, provider, **extra):
        """GET Cognate's authorize URL; the (unfollowed) response."""
        return self.get(self.authorize_url(provider, **extra))

    def to_upstream(self, provider, authorization_endpoint, client_id, scope, nonce=True, **extra):
        """Opens authorize and checks Cognate's redirect to the upstream's `authorization_endpoint`
        (client_id, redirect_uri = the pool's idpresponse, response_type=code, state, `scope`,
        and a nonce when `nonce`); returns the upstream URL."""
        r = self.start(provider, **extra)
        assert r.status_code == 302, (r.status_code, r.text[:500])
        location = r.headers["Location"]
        assert without_query(location) == authorization_endpoint, location
        q = query_of(location)
        assert q.get("client_id") == client_id, q
        assert q.get("redirect_uri") == self.idp_response, q
        assert q.get("response_type") == "code", q
        assert q.get("state"), q
        assert q.get("scope") == scope, q
        if nonce:
            assert q.get("nonce"), q
        assert "code_challenge" not in q, q  # Cognito's upstream request does not use PKCE
        self.upstream_request = q
        return location

    def upstream_sign_in(self, location, account=None, deny=False, limit=10):
        """Drives the upstream from `location` until it redirects to Cognate's idpresponse;
        on an upstream-oidc.mjs sign-in page, answers with `account` (or refuses when `deny`).
        Returns the idpresponse URL the upstream sent the browser to."""
        for _ in range(limit):
            if location.startswith(self.idp_response + "?"):
                return location
            r = self.get(location)
            if r.status_code in (301, 302, 303, 307):
                location = urllib.parse.urljoin(location, r.headers["Location"])
                continue
            assert r.status_code == 200 and "/interaction/" in location, (location, r.status_code, r.text[:500])
            fields = {"decision": "deny"} if deny else {"account": account, "decision": "allow"}
            r = self.s.post(location, data=fields, allow_redirects=False, timeout=10)
            assert r.status_code == 303, (r.status_code, r.text[:500])
            location = urllib.parse.urljoin(location, r.headers["Location"])
        raise AssertionError(f"the upstream never redirected back to {self.idp_response}; last: {location}")

    def back_to_cognate(self, location):
        """GET Cognate's idpresponse URL; the (unfollowed) response."""
        return self.get(location)

    def sign_in(self, provider, upstream, account=None, deny=False, **extra):
        """The whole round trip; `upstream` is a dict of to_upstream's checks
        (authorization_endpoint, client_id, scope, nonce). Returns Cognate's last response,
        normally a 302 to the callback."""
        location = self.to_upstream(provider, **upstream, **extra)
        back = self.upstream_sign_in(location, account=account, deny=deny)
        q = query_of(back)
        assert q.get("state") == self.upstream_request["state"], (q, self.upstream_request)
        return self.back_to_cognate(back)

    def callback_query(self, response):
        """The callback's query of Cognate's 302 `response` (with the app's state checked)."""
        assert response.status_code == 302, (response.status_code, response.text[:500])
        location = response.headers["Location"]
        assert location.startswith(self.callback + "?"), location
        q = query_of(location)
        assert q.get("state") == self.state, (q, self.state)
        return q

    def tokens(self, response):
        """authlib's code exchange for the code Cognate's 302 `response` carries."""
        q = self.callback_query(response)
        assert "code" in q and "error" not in q, q
        return self.oauth.fetch_token(self.meta["token_endpoint"], authorization_response=response.headers["Location"],
                                      code_verifier=self.verifier)

    def refresh(self, refresh_token):
        return self.oauth.refresh_token(self.meta["token_endpoint"], refresh_token=refresh_token)

    def revoke(self, refresh_token):
        return self.oauth.revoke_token(self.meta["revocation_endpoint"], refresh_token,
                                       token_type_hint="refresh_token")

    def verify(self, token, nonce=True):
        """The claims of a Cognate token, its RS256 signature checked against the pool's JWKS
        (and, for ID tokens of this sign-in, aud and nonce)."""
        header = jwt.get_unverified_header(token)
        keys = {k["kid"]: k for k in requests.get(self.meta["jwks_uri"], timeout=10).json()["keys"]}
        assert header.get("kid") in keys, header
        claims = jwt.decode(token, jwt.PyJWK(keys[header["kid"]]).key, algorithms=["RS256"],
                            options={"verify_aud": False}, issuer=self.meta["issuer"])
        if claims.get("token_use") == "id":
            assert claims["aud"] == self.client["ClientId"], claims
            if nonce:
                assert claims.get("nonce") == self.nonce, claims
        return claims


def _is_fixture(value):
    """pytest's fixture functions (any version's wrapper), which test modules must not import:
    a fixture imported into a module is a second fixture, and a second session server."""
    return type(value).__name__ == "FixtureFunctionDefinition" or hasattr(value, "_pytestfixturefunction")


# `from <this module> import *` brings the helpers, never the fixtures: conftest.py registers
# them once for the whole session (pytest_plugins).
__all__ = [name for name, value in list(globals().items()) if not name.startswith("_") and not _is_fixture(value)]
