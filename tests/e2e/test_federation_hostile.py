"""Federation: hostile answers from an identity provider are refused, and create nothing.

Every case is a real federated sign-in through the hosted UI (`FederatedBrowser`: app -> Cognate
-> provider -> Cognate's /oauth2/idpresponse) at a pool whose provider "Google" (ProviderType
Google) reaches the in-process Google stand-in the session server is pointed at
(`--social-endpoints`, conftest.py). The stand-in app the provider's client_id names is
registered with `misbehave=` (federation_fixtures.GOOGLE_MISBEHAVIOURS), so only that app's
answers are hostile. A refusal is Cognate's HTML error page, status 400, with no redirect (so no
code reaches the app), saying the provider's answer was refused and why; and the pool has no user.

The key rotation case runs on a server of this module's own, with its own Google stand-in and a
test clock: Cognate refetches a provider's JWKS for an unknown kid at most once a minute, so the
test moves Cognate's clock past that minute instead of sleeping.
"""

import html
import json
import re
import secrets
import types

import jwt
import pytest
import requests

from conftest import start_server
from federation_fixtures import CB, SCOPES, FederatedBrowser, GoogleStandIn
from helpers import attrs, make_client, uniq

PROVIDER = "Google"
GOOGLE_SCOPES = "openid email profile"
MAPPING = {"email": "email", "name": "name", "username": "sub"}
REFUSED = "The identity provider's answer was refused: "
TOKEN_PATH = "/token"


# ---------------------------------------------------------------------------
# Set-up
# ---------------------------------------------------------------------------


class GoogleFederation:
    """A pool whose provider "Google" signs in as one stand-in app (`g_client_id`)."""

    def __init__(self, idp, url, pool_id, google, g_client_id, g_secret, account, client):
        self.idp = idp
        self.url = url
        self.pool_id = pool_id
        self.google = google
        self.g_client_id = g_client_id
        self.g_secret = g_secret
        self.account = account
        self.client = client

    def browser(self):
        return FederatedBrowser(self.url, self.pool_id, self.client)

    def upstream_checks(self):
        return {"authorization_endpoint": self.google.endpoints()["authorization_endpoint"],
                "client_id": self.g_client_id, "scope": GOOGLE_SCOPES, "nonce": True}

    def sign_in(self, browser=None):
        """(browser, Cognate's answer at idpresponse) of one whole sign-in."""
        browser = browser or self.browser()
        return browser, browser.sign_in(PROVIDER, self.upstream_checks())

    def users(self):
        return self.idp.list_users(UserPoolId=self.pool_id)["Users"]

    def token_calls(self):
        return self.google.calls_to(TOKEN_PATH, client_id=self.g_client_id)


def google_account(**claims):
    account = {"sub": str(secrets.randbelow(10**20) + 10**20), "email": f"{uniq('g')}@gmail.test",
               "email_verified": True, "name": "Mallory Google"}
    account.update(claims)
    return account


def federate_google(idp, url, pool_id, google, misbehave=None, account=None, mapping=MAPPING):
    g_client_id = f"{uniq('g')}.apps.googleusercontent.com"
    g_secret = secrets.token_urlsafe(24)
    account = account or google_account()
    google.register(g_client_id, g_secret, account, misbehave=misbehave)
    idp.create_identity_provider(
        UserPoolId=pool_id, ProviderName=PROVIDER, ProviderType="Google",
        ProviderDetails={"client_id": g_client_id, "client_secret": g_secret, "authorize_scopes": GOOGLE_SCOPES},
        AttributeMapping=mapping)
    client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName=uniq("web"), AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"], AllowedOAuthScopes=SCOPES, CallbackURLs=[CB],
        SupportedIdentityProviders=["COGNITO", PROVIDER])["UserPoolClient"]
    return GoogleFederation(idp, url, pool_id, google, g_client_id, g_secret, account, client)


def page_text(response):
    """The visible text of an HTML page, entities decoded, whitespace collapsed."""
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", response.text)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def assert_refused(response, reason):
    """Cognate's 400 error page (HTML, no redirect, no session) saying the provider's answer
    was refused, and `reason` (the text Cognate gives for this refusal)."""
    text = page_text(response)
    seen = (response.status_code, response.headers.get("Location"), response.headers.get("Content-Type"), text[:600])
    assert response.status_code == 400, seen
    assert "Location" not in response.headers, seen
    assert response.headers.get("Content-Type", "").lower().startswith("text/html"), seen
    assert "cognate_session=" not in response.headers.get("Set-Cookie", ""), response.headers
    assert REFUSED in text, seen
    if reason:
        assert reason in text, (reason, seen)


# (misbehave, what Cognate's page says after REFUSED)
HOSTILE = [
    ("foreign-key", "the ID token's signature does not verify with the provider's keys"),
    ("foreign-kid", "the ID token's signature does not verify with the provider's keys"),
    ("alg-none", "the ID token's signature does not verify with the provider's keys"),
    ("hs256-modulus", "the ID token's signature does not verify with the provider's keys"),
    ("hs256-secret", "the ID token's signature does not verify with the provider's keys"),
    ("wrong-iss", "the ID token was issued by another issuer"),
    ("wrong-aud", "the ID token is not meant for this client"),
    ("expired", "the ID token has expired"),
    ("wrong-nonce", "the ID token's nonce does not match this sign-in"),
    ("no-id-token", "no ID token"),
    ("not-json", "the token endpoint answered status 200 without JSON"),
    ("huge", "answered more than 1 MiB"),
    ("userinfo-other-sub", "userInfo describes another user"),
    ("invalid-grant", "the token endpoint answered invalid_grant"),
]


# ---------------------------------------------------------------------------
# Refusals (session server, shared Google stand-in)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("misbehave, reason", HOSTILE, ids=[m for m, _ in HOSTILE])
def test_hostile_provider_answer_is_refused(idp, url, make_pool, social_stand_ins, misbehave, reason):
    fed = federate_google(idp, url, make_pool()["Id"], social_stand_ins.google, misbehave=misbehave)
    browser, response = fed.sign_in()
    assert_refused(response, reason)
    assert fed.users() == []
    # The refusal came after Cognate redeemed the code, once.
    (call,) = fed.token_calls()
    assert call["form"].get("client_secret") == fed.g_secret, call


def test_malformed_email_claim_is_refused(idp, url, make_pool, social_stand_ins):
    """A well-signed answer whose `email` (mapped to the pool's email) is not an email address."""
    account = google_account(email="not-an-email")
    fed = federate_google(idp, url, make_pool()["Id"], social_stand_ins.google, account=account,
                          mapping={"email": "email", "username": "sub"})
    browser, response = fed.sign_in()
    assert_refused(response, None)
    assert fed.users() == []


def test_well_behaved_google_still_signs_in(idp, url, make_pool, social_stand_ins):
    """Control: the same set-up without misbehaviour signs in (so the refusals above are the
    misbehaviours' doing)."""
    fed = federate_google(idp, url, make_pool()["Id"], social_stand_ins.google)
    browser, response = fed.sign_in()
    claims = browser.verify(browser.tokens(response)["id_token"])
    assert claims["cognito:username"] == f"{PROVIDER}_{fed.account['sub']}"
    assert [u["Username"] for u in fed.users()] == [f"{PROVIDER}_{fed.account['sub']}"]


# ---------------------------------------------------------------------------
# Key rotation (this module's server, with a test clock)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rotation_env(tmp_path_factory):
    google = GoogleStandIn().start()
    endpoints = tmp_path_factory.mktemp("social-rotation") / "social-endpoints.json"
    endpoints.write_text(json.dumps({"Google": google.endpoints()}))
    srv = start_server(tmp_path_factory.mktemp("cognate-rotation"),
                       extra_env={"COGNATE_SOCIAL_ENDPOINTS": str(endpoints)}, extra_args=["--enable-test-clock"])
    try:
        yield types.SimpleNamespace(google=google, url=srv.url, idp=make_client(srv.url))
    finally:
        srv.stop()
        google.stop()


def advance_clock(url, seconds):
    r = requests.post(f"{url}/_cognate/test/clock", json={"advanceSeconds": seconds}, timeout=10)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.json()["now"]


def cognate_claims(browser, token):
    """A Cognate token's claims, signature checked (with leeway: the server's clock was moved)."""
    keys = {k["kid"]: k for k in requests.get(browser.meta["jwks_uri"], timeout=10).json()["keys"]}
    key = jwt.PyJWK(keys[jwt.get_unverified_header(token)["kid"]]).key
    return jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False}, leeway=600,
                      issuer=browser.meta["issuer"])


def test_key_rotation_refetches_the_jwks(rotation_env):
    env = rotation_env
    google, idp = env.google, env.idp
    pool_id = idp.create_user_pool(PoolName=uniq("pool"))["UserPool"]["Id"]
    fed = federate_google(idp, env.url, pool_id, google)
    username = f"{PROVIDER}_{fed.account['sub']}"

    browser, response = fed.sign_in()
    first = cognate_claims(browser, browser.tokens(response)["id_token"])
    assert first["cognito:username"] == username
    fetches = len(google.calls_to("/oauth2/v3/certs"))
    assert fetches >= 1

    new_kid = google.rotate_key(fed.g_client_id)
    assert new_kid != google.kid and new_kid in [k["kid"] for k in google.jwks()["keys"]]
    # Past Cognate's once-a-minute limit on refetching a JWKS for an unknown kid.
    advance_clock(env.url, 61)

    browser, response = fed.sign_in()
    assert response.status_code == 302, (response.status_code, page_text(response)[:600])
    second = cognate_claims(browser, browser.tokens(response)["id_token"])
    assert second["cognito:username"] == username and second["sub"] == first["sub"]
    # The ID token Cognate accepted was signed under the new kid, and Cognate fetched the JWKS again.
    issued = [token for client_id, token in google.id_tokens if client_id == fed.g_client_id]
    assert len(issued) == 2, issued
    assert jwt.get_unverified_header(issued[0])["kid"] == google.kid
    assert jwt.get_unverified_header(issued[1])["kid"] == new_kid
    assert len(google.calls_to("/oauth2/v3/certs")) == fetches + 1
    assert [u["Username"] for u in fed.users()] == [username]
    user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    assert user["UserStatus"] == "EXTERNAL_PROVIDER" and attrs(user)["email"] == fed.account["email"]
