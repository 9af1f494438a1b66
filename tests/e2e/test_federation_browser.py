"""Federation in a real browser: the hosted sign-in page's identity-provider buttons and
corporate-ID form, driven in headless Chromium (Debian's, through playwright-core) by
js/browser/federation.mjs, one Node process per browser run.

The upstream is oidc-provider (`js/upstream-oidc.mjs`, one per test, its client's redirect_uri
being the test pool's /oauth2/idpresponse, as in test_federation_oidc.py). The app's callback
(federation_fixtures.CB, http://localhost:8123/cb) has no server: the driver records the URL the
browser was sent to there (its navigation then fails, which is fine). Every test has its own pool
and upstream.

Proven here, with the hosted UI's CSP enforced unless said otherwise:
- the sign-in page of a client listing COGNITO and Upstream shows the "Sign in with Upstream"
  button (to /oauth2/authorize with identity_provider=Upstream and the app's request) and the
  password form; clicking it, signing in at the upstream, ends at the callback with a code that
  exchanges for an ID token of Upstream_<account>;
- for a client listing only Upstream, the button and no password field;
- with IdpIdentifiers, the "Sign in with your corporate ID" email field (idp_identifier), whose
  submission takes the browser to the upstream's sign-in page;
- axe-core finds no violations on the sign-in page with all of these (CSP bypassed to inject it).
Screenshots of every page go to tests/e2e/artifacts/<test>/ (ignored by git).
"""

import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import jwt
import pytest
import requests

from federation_fixtures import CB, idp_response_url
from helpers import uniq

HERE = Path(__file__).resolve().parent
JS_DIR = HERE / "js"
SCRIPT = JS_DIR / "browser" / "federation.mjs"
ARTIFACTS = HERE / "artifacts"
CHROMIUM = os.environ.get("COGNATE_CHROMIUM", "/usr/bin/chromium")
NODE_TIMEOUT = 120

UPSTREAM = "Upstream"
UPSTREAM_SCOPES = "openid email profile"
MAPPING = {"email": "email", "name": "name", "username": "sub"}
IDENTIFIER = "upstream.test"
SCOPES = ["openid", "email", "profile"]


def browser_missing():
    """Why the browser cannot run (matched by conftest's MISSING_DEPENDENCY), or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    for package in ("playwright-core", "axe-core", "oidc-provider"):
        if not (JS_DIR / "node_modules" / package).is_dir():
            return f"{package} in tests/e2e/js/node_modules is missing (npm ci --prefix tests/e2e/js)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"chromium is not installed ({CHROMIUM}; apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def chromium():
    reason = browser_missing()
    if reason:
        pytest.skip(reason)


def run_browser(request, steps, bypass_csp=False, part=None):
    """Runs the steps in one Chromium context; the report ({steps, callbacks, console}).
    Screenshots in artifacts/<test name>[-<part>]/."""
    name = request.node.name.replace("/", "-").replace("[", "-").replace("]", "") + (f"-{part}" if part else "")
    shots = ARTIFACTS / name
    shutil.rmtree(shots, ignore_errors=True)
    args = {"artifacts": str(shots), "bypassCSP": bypass_csp, "callback": CB, "steps": steps}
    proc = subprocess.run(["node", str(SCRIPT), json.dumps(args)], cwd=JS_DIR, capture_output=True, text=True,
                          timeout=NODE_TIMEOUT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"federation.mjs printed no report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    report = json.loads(lines[-1])
    refused = [m["text"] for m in report["console"] if "Content Security Policy" in m["text"]]
    assert report["ok"], (f"{report.get('error')}\nrefused by the CSP: {json.dumps(refused, indent=1)}\nsteps: {json.dumps(report['steps'], indent=1)}\n"
                          f"failed requests: {json.dumps(report['failed'], indent=1)}\n"
                          f"console: {json.dumps(report['console'], indent=1)}\n{proc.stderr}")
    return report


# --- set-up ------------------------------------------------------------------------------------


class Federation:
    """A pool with the OIDC provider "Upstream" (a fresh upstream-oidc.mjs)."""

    def __init__(self, idp, url, pool_id, upstream):
        self.idp = idp
        self.url = url
        self.pool_id = pool_id
        self.upstream = upstream
        self.meta = requests.get(f"{url}/{pool_id}/.well-known/openid-configuration", timeout=10).json()

    @property
    def login_page(self):
        return f"{self.url}/{self.pool_id}/login?"

    @property
    def interaction_page(self):
        """Where the upstream asks the browser to sign in: /interaction/<uid>."""
        return f"{self.upstream.issuer}/interaction/"

    def client(self, providers):
        """A public app client with the code flow to CB, listing `providers`; its id."""
        return self.idp.create_user_pool_client(
            UserPoolId=self.pool_id, ClientName=uniq("web"), AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["code"], AllowedOAuthScopes=SCOPES, CallbackURLs=[CB],
            SupportedIdentityProviders=list(providers))["UserPoolClient"]["ClientId"]


def federate(idp, url, make_pool, upstream_factory, identifiers=None):  # noqa: F811
    pool_id = make_pool()["Id"]
    rp_client_id, rp_secret = uniq("rp"), secrets.token_urlsafe(32)
    upstream = upstream_factory([{"client_id": rp_client_id, "client_secret": rp_secret,
                                  "redirect_uris": [idp_response_url(url, pool_id)]}])
    extra = {"IdpIdentifiers": list(identifiers)} if identifiers else {}
    idp.create_identity_provider(
        UserPoolId=pool_id, ProviderName=UPSTREAM, ProviderType="OIDC",
        ProviderDetails={"client_id": rp_client_id, "client_secret": rp_secret, "authorize_scopes": UPSTREAM_SCOPES,
                         "oidc_issuer": upstream.issuer, "attributes_request_method": "GET"},
        AttributeMapping=MAPPING, **extra)
    return Federation(idp, url, pool_id, upstream)


class Authorization:
    """One authorization request of a public client, no identity_provider: PKCE S256, a fresh
    state and nonce."""

    def __init__(self, fed, client_id):
        self.fed = fed
        self.client_id = client_id
        self.verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()
        self.state = secrets.token_urlsafe(16)
        self.nonce = secrets.token_urlsafe(16)
        self.params = {"response_type": "code", "client_id": client_id, "redirect_uri": CB, "scope": " ".join(SCOPES),
                       "state": self.state, "nonce": self.nonce, "code_challenge": challenge,
                       "code_challenge_method": "S256"}
        self.url = fed.meta["authorization_endpoint"] + "?" + urllib.parse.urlencode(self.params)

    def code_from(self, callback_url):
        """The code of the callback URL, its state checked."""
        assert callback_url.startswith(CB + "?"), callback_url
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback_url).query))
        assert q.get("state") == self.state and "error" not in q, q
        return q["code"]

    def id_token_claims(self, code):
        """Exchanges the code; the ID token's claims, its signature, issuer, audience and nonce checked."""
        meta = self.fed.meta
        r = requests.post(meta["token_endpoint"], data={
            "grant_type": "authorization_code", "client_id": self.client_id, "code": code, "redirect_uri": CB,
            "code_verifier": self.verifier}, timeout=10)
        assert r.status_code == 200, r.text
        token = r.json()["id_token"]
        keys = {k["kid"]: k for k in requests.get(meta["jwks_uri"], timeout=10).json()["keys"]}
        key = jwt.PyJWK(keys[jwt.get_unverified_header(token)["kid"]]).key
        claims = jwt.decode(token, key, algorithms=["RS256"], audience=self.client_id, issuer=meta["issuer"])
        assert claims["token_use"] == "id" and claims.get("nonce") == self.nonce, claims
        return claims


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True))


def assert_upstream_button(fed, page, auth):
    """The page's only IdP button is "Sign in with Upstream", to Cognate's authorize endpoint with
    identity_provider=Upstream and the app's own request."""
    (button,) = page["idpButtons"]
    assert button["text"] == f"Sign in with {UPSTREAM}", button
    assert button["href"].startswith(fed.meta["authorization_endpoint"] + "?"), button
    q = query_of(button["href"])
    assert q.pop("identity_provider") == UPSTREAM, q
    assert q == auth.params, q


def password_form(page):
    return [f for f in page["forms"] if any(i["type"] == "password" for i in f["inputs"])]


# --- the tests ---------------------------------------------------------------------------------


def test_button_signs_in_through_the_upstream(chromium, request, idp, url, make_pool, upstream_factory):  # noqa: F811
    fed = federate(idp, url, make_pool, upstream_factory)
    auth = Authorization(fed, fed.client(["COGNITO", UPSTREAM]))
    account = uniq("acct")
    report = run_browser(request, [
        {"op": "goto", "url": auth.url, "until": fed.login_page, "name": "login"},
        {"op": "click", "selector": "a.idpButton-customizable", "until": fed.interaction_page, "name": "upstream"},
        {"op": "upstream", "account": account, "until": CB + "?", "name": "callback"},
    ])
    login, upstream, callback = report["steps"]

    # The sign-in page offers the button and the password form.
    assert login["status"] == 200 and login["title"] == "Sign in", login
    assert_upstream_button(fed, login, auth)
    (form,) = password_form(login)
    assert form["method"] == "post" and form["action"].startswith(fed.login_page), form
    assert {i["name"] for i in form["inputs"]} >= {"username", "password"}, form
    assert login["passwordFields"] == 1

    # The button went to the upstream, which asked who signs in.
    assert upstream["url"].startswith(fed.interaction_page), upstream
    assert upstream["title"] == "Upstream sign-in", upstream

    # Signed in there, the browser came back through Cognate to the app with a code.
    (received,) = report["callbacks"]
    assert received.startswith(CB + "?"), callback
    claims = auth.id_token_claims(auth.code_from(received))
    assert claims["cognito:username"] == f"{UPSTREAM}_{account}", claims
    assert claims["email"] == f"{account}@upstream.test", claims
    assert not [m for m in report["console"] if "Content Security Policy" in m["text"]], report["console"]


def test_client_without_cognito_gets_no_password_form(chromium, request, idp, url, make_pool,
                                                       upstream_factory):  # noqa: F811
    fed = federate(idp, url, make_pool, upstream_factory)
    auth = Authorization(fed, fed.client([UPSTREAM]))
    report = run_browser(request, [{"op": "goto", "url": auth.url, "until": fed.login_page, "name": "login"}])
    (login,) = report["steps"]
    assert login["status"] == 200 and login["title"] == "Sign in", login
    assert_upstream_button(fed, login, auth)
    assert login["passwordFields"] == 0, login
    assert password_form(login) == [], login["forms"]
    assert not any(i["name"] == "username" for f in login["forms"] for i in f["inputs"]), login["forms"]
    assert report["callbacks"] == []


def test_corporate_email_leads_to_the_upstream(chromium, request, idp, url, make_pool, upstream_factory):  # noqa: F811
    fed = federate(idp, url, make_pool, upstream_factory, identifiers=[IDENTIFIER])
    auth = Authorization(fed, fed.client(["COGNITO", UPSTREAM]))
    account = uniq("acct")
    report = run_browser(request, [
        {"op": "goto", "url": auth.url, "until": fed.login_page, "name": "login"},
        {"op": "fill", "selector": "input[name=idp_identifier]", "value": f"alice@{IDENTIFIER}", "button": "Continue",
         "until": fed.interaction_page, "name": "upstream"},
        {"op": "upstream", "account": account, "until": CB + "?", "name": "callback"},
    ])
    login, upstream, _ = report["steps"]

    assert "Sign in with your corporate ID" in login["subheadings"], login
    (corporate,) = [f for f in login["forms"] if any(i["name"] == "idp_identifier" for i in f["inputs"])]
    (field,) = [i for i in corporate["inputs"] if i["name"] == "idp_identifier"]
    assert field["type"] == "email" and field["label"] == "Email address" and field["required"], field
    assert corporate["method"] == "get", corporate
    assert corporate["action"] == fed.meta["authorization_endpoint"], corporate
    assert_upstream_button(fed, login, auth)  # the button and the password form are still there
    assert len(password_form(login)) == 1

    # The email's domain chose the upstream: the browser is on its sign-in page...
    assert upstream["url"].startswith(fed.interaction_page), upstream
    assert upstream["title"] == "Upstream sign-in", upstream
    # ...and the form carried the app's request, so the sign-in ends at the app with its state.
    (received,) = report["callbacks"]
    claims = auth.id_token_claims(auth.code_from(received))
    assert claims["cognito:username"] == f"{UPSTREAM}_{account}", claims


def test_sign_in_page_with_providers_is_accessible(chromium, request, idp, url, make_pool,
                                                    upstream_factory):  # noqa: F811
    fed = federate(idp, url, make_pool, upstream_factory, identifiers=[IDENTIFIER])
    only_upstream = Authorization(fed, fed.client([UPSTREAM]))
    everything = Authorization(fed, fed.client(["COGNITO", UPSTREAM]))
    report = run_browser(request, [
        {"op": "goto", "url": everything.url, "until": fed.login_page, "name": "login-all"},
        {"op": "axe"},
        {"op": "goto", "url": only_upstream.url, "until": fed.login_page, "name": "login-upstream-only"},
        {"op": "axe"},
    ], bypass_csp=True)
    pages, checks = report["steps"][0::2], report["steps"][1::2]
    # The pages are the ones meant: button, corporate form and password form; then no password form.
    assert [len(p["idpButtons"]) for p in pages] == [1, 1], pages
    assert [p["passwordFields"] for p in pages] == [1, 0], pages
    assert all("Sign in with your corporate ID" in p["subheadings"] for p in pages), pages
    for check in checks:
        assert check["violations"] == [], f"{check['url']}:\n{json.dumps(check['violations'], indent=1)}"
