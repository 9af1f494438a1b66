"""Federation: sign-in through upstream identity providers (Cognito's OIDC, Google and Facebook
identity providers), driven end to end.

The upstream OpenID Provider is oidc-provider (`js/upstream-oidc.mjs`, one process per test, its
client's redirect_uri being the test pool's /oauth2/idpresponse); Google and Facebook are the
in-process stand-ins the session server is pointed at (`--social-endpoints`, conftest.py).
`FederatedBrowser` (federation_fixtures.py) is the browser: a `requests` session that follows no
redirect by itself, so every hop (app -> Cognate -> upstream -> Cognate -> app) is checked.
Provider configuration, users and links are managed with boto3; codes are exchanged with authlib.
Every test has its own pool (and upstream), so tests are independent.
"""

import json
import secrets
import urllib.parse

import pytest
from authlib.integrations.base_client.errors import OAuthError

from trigger_fixtures import *  # noqa: F401,F403  (trigger_sink, make_trigger_pool, assert_envelope, ...)
from federation_fixtures import CB, SCOPES, FederatedBrowser, idp_response_url, query_of
from helpers import attrs, expect_client_error, make_client, uniq

UPSTREAM = "Upstream"
UPSTREAM_SCOPES = "openid email profile"
MAPPING = {"email": "email", "name": "name", "username": "sub"}
IDENTIFIER = "upstream.test"


# ---------------------------------------------------------------------------
# Set-up helpers
# ---------------------------------------------------------------------------


class Federation:
    """A pool federated with an upstream-oidc.mjs provider, and an app client that may use it."""

    def __init__(self, idp, url, pool_id, upstream, rp_client_id, rp_secret, client):
        self.idp = idp
        self.url = url
        self.pool_id = pool_id
        self.upstream = upstream
        self.rp_client_id = rp_client_id
        self.rp_secret = rp_secret
        self.client = client

    def browser(self):
        return FederatedBrowser(self.url, self.pool_id, self.client)

    def upstream_checks(self):
        """What Cognate's redirect to the upstream must carry (FederatedBrowser.to_upstream)."""
        return {"authorization_endpoint": self.upstream.meta["authorization_endpoint"],
                "client_id": self.rp_client_id, "scope": UPSTREAM_SCOPES, "nonce": True}

    def sign_in(self, account, deny=False, browser=None):
        """(browser, Cognate's response to idpresponse) of a sign-in through the upstream as `account`."""
        browser = browser or self.browser()
        return browser, browser.sign_in(UPSTREAM, self.upstream_checks(), account=account, deny=deny)

    def tokens(self, account):
        browser, response = self.sign_in(account)
        return browser, browser.tokens(response)

    def users(self):
        return self.idp.list_users(UserPoolId=self.pool_id)["Users"]


def start_rp_upstream(upstream_factory, url, pool_id, method="client_secret_post"):
    """An upstream with one client whose redirect_uri is the pool's idpresponse; (upstream, id, secret)."""
    rp_client_id, rp_secret = uniq("rp"), secrets.token_urlsafe(32)
    upstream = upstream_factory([{"client_id": rp_client_id, "client_secret": rp_secret,
                                  "redirect_uris": [idp_response_url(url, pool_id)],
                                  "token_endpoint_auth_method": method}])
    return upstream, rp_client_id, rp_secret


def oidc_details(upstream, rp_client_id, rp_secret):
    return {"client_id": rp_client_id, "client_secret": rp_secret, "authorize_scopes": UPSTREAM_SCOPES,
            "oidc_issuer": upstream.issuer, "attributes_request_method": "GET"}


def oauth_app_client(idp, pool_id, providers):
    return idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName=uniq("web"), AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"], AllowedOAuthScopes=SCOPES, CallbackURLs=[CB],
        SupportedIdentityProviders=list(providers))["UserPoolClient"]


def federate(idp, url, pool_id, upstream_factory, mapping=MAPPING):
    """Pool `pool_id` gets the OIDC provider "Upstream" (a fresh upstream-oidc.mjs) and an app
    client supporting COGNITO and Upstream."""
    upstream, rp_client_id, rp_secret = start_rp_upstream(upstream_factory, url, pool_id)
    idp.create_identity_provider(
        UserPoolId=pool_id, ProviderName=UPSTREAM, ProviderType="OIDC",
        ProviderDetails=oidc_details(upstream, rp_client_id, rp_secret),
        AttributeMapping=mapping, IdpIdentifiers=[IDENTIFIER])
    client = oauth_app_client(idp, pool_id, ["COGNITO", UPSTREAM])
    return Federation(idp, url, pool_id, upstream, rp_client_id, rp_secret, client)


@pytest.fixture
def fed(idp, url, make_pool, upstream_factory):
    return federate(idp, url, make_pool()["Id"], upstream_factory)


def identities_of(claims):
    value = claims["identities"]
    assert isinstance(value, list), claims
    return value


def assert_identity(identity, provider, provider_type, user_id, primary=None):
    assert identity["providerName"] == provider, identity
    assert identity["providerType"] == provider_type, identity
    assert identity["userId"] == user_id, identity
    if primary is not None:
        assert identity["primary"] == primary, identity


def assert_no_redirect_upstream(response, upstream):
    """An authorize answer that is an error (a 400 page, or a redirect carrying `error`) and
    never a redirect to the upstream."""
    if response.status_code == 302:
        location = response.headers["Location"]
        assert not location.startswith(upstream.issuer), location
        q = query_of(location)
        assert "error" in q and "code" not in q, location
    else:
        assert response.status_code == 400, (response.status_code, response.text[:500])
        assert "Location" not in response.headers


# ---------------------------------------------------------------------------
# Identity provider configuration
# ---------------------------------------------------------------------------


def test_oidc_provider_configuration(idp, url, make_pool, upstream_factory):
    pool_id = make_pool()["Id"]
    upstream, rp_client_id, rp_secret = start_rp_upstream(upstream_factory, url, pool_id)
    details = oidc_details(upstream, rp_client_id, rp_secret)
    created = idp.create_identity_provider(
        UserPoolId=pool_id, ProviderName=UPSTREAM, ProviderType="OIDC", ProviderDetails=details,
        AttributeMapping=MAPPING, IdpIdentifiers=[IDENTIFIER])["IdentityProvider"]
    assert created["ProviderName"] == UPSTREAM and created["ProviderType"] == "OIDC"
    assert created["UserPoolId"] == pool_id

    described = idp.describe_identity_provider(UserPoolId=pool_id, ProviderName=UPSTREAM)["IdentityProvider"]
    got = described["ProviderDetails"]
    for key in ("client_id", "authorize_scopes", "oidc_issuer", "attributes_request_method"):
        assert got[key] == details[key], (key, got)
    # Discovered from the issuer's openid-configuration, as Cognito adds them.
    meta = upstream.meta
    assert got["authorize_url"] == meta["authorization_endpoint"], got
    assert got["token_url"] == meta["token_endpoint"], got
    assert got["attributes_url"] == meta["userinfo_endpoint"], got
    assert got["jwks_uri"] == meta["jwks_uri"], got
    assert got["attributes_url_add_attributes"] == "false", got
    assert described["AttributeMapping"] == MAPPING
    assert described["IdpIdentifiers"] == [IDENTIFIER]
    assert described["ProviderType"] == "OIDC"
    assert "CreationDate" in described and "LastModifiedDate" in described

    listed = idp.list_identity_providers(UserPoolId=pool_id, MaxResults=60)["Providers"]
    assert [(p["ProviderName"], p["ProviderType"]) for p in listed] == [(UPSTREAM, "OIDC")]

    by_identifier = idp.get_identity_provider_by_identifier(UserPoolId=pool_id, IdpIdentifier=IDENTIFIER)
    assert by_identifier["IdentityProvider"]["ProviderName"] == UPSTREAM

    expect_client_error("DuplicateProviderException", idp.create_identity_provider,
                        UserPoolId=pool_id, ProviderName=UPSTREAM, ProviderType="OIDC", ProviderDetails=details)

    new_mapping = {**MAPPING, "nickname": "name"}
    idp.update_identity_provider(UserPoolId=pool_id, ProviderName=UPSTREAM, AttributeMapping=new_mapping)
    described = idp.describe_identity_provider(UserPoolId=pool_id, ProviderName=UPSTREAM)["IdentityProvider"]
    assert described["AttributeMapping"] == new_mapping
    assert described["ProviderDetails"]["client_id"] == rp_client_id  # untouched by the update

    idp.delete_identity_provider(UserPoolId=pool_id, ProviderName=UPSTREAM)
    expect_client_error("ResourceNotFoundException", idp.describe_identity_provider,
                        UserPoolId=pool_id, ProviderName=UPSTREAM)
    assert idp.list_identity_providers(UserPoolId=pool_id, MaxResults=60)["Providers"] == []


def test_oidc_provider_invalid_input(idp, make_pool):
    pool_id = make_pool()["Id"]
    # No test may make Cognate reach past this machine: a loopback issuer nothing listens on.
    base = {"client_id": "rp", "client_secret": "s3cret", "authorize_scopes": UPSTREAM_SCOPES,
            "oidc_issuer": "http://127.0.0.1:9", "attributes_request_method": "GET"}
    without_client_id = {k: v for k, v in base.items() if k != "client_id"}
    expect_client_error("InvalidParameterException", idp.create_identity_provider, UserPoolId=pool_id,
                        ProviderName=UPSTREAM, ProviderType="OIDC", ProviderDetails=without_client_id)
    # Plain http is for loopback issuers only (refused before any request: `.invalid` never resolves).
    expect_client_error("InvalidParameterException", idp.create_identity_provider, UserPoolId=pool_id,
                        ProviderName=UPSTREAM, ProviderType="OIDC",
                        ProviderDetails={**base, "oidc_issuer": "http://idp.example.invalid"})
    assert idp.list_identity_providers(UserPoolId=pool_id, MaxResults=60)["Providers"] == []


def test_app_client_may_only_name_existing_providers(idp, make_pool):
    pool_id = make_pool()["Id"]
    expect_client_error("InvalidParameterException", idp.create_user_pool_client,
                        UserPoolId=pool_id, ClientName=uniq("web"), AllowedOAuthFlowsUserPoolClient=True,
                        AllowedOAuthFlows=["code"], AllowedOAuthScopes=SCOPES, CallbackURLs=[CB],
                        SupportedIdentityProviders=["COGNITO", "NoSuchProvider"])


# ---------------------------------------------------------------------------
# Sign-in through the upstream
# ---------------------------------------------------------------------------


def test_sign_in_through_upstream(fed):
    account = uniq("acct")
    fed.upstream.set_name(account, "Ada Upstream")
    browser, token = fed.tokens(account)
    username = f"{UPSTREAM}_{account}"

    id_claims = browser.verify(token["id_token"])
    assert id_claims["token_use"] == "id"
    assert id_claims["cognito:username"] == username
    assert id_claims["email"] == f"{account}@upstream.test"
    assert id_claims["name"] == "Ada Upstream"
    (identity,) = identities_of(id_claims)
    assert_identity(identity, UPSTREAM, "OIDC", account, primary="true")

    access = browser.verify(token["access_token"])
    assert access["token_use"] == "access" and access["username"] == username
    assert access["sub"] == id_claims["sub"]

    user = fed.idp.admin_get_user(UserPoolId=fed.pool_id, Username=username)
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"
    user_attrs = attrs(user)
    assert user_attrs["sub"] == id_claims["sub"]
    assert user_attrs["email"] == f"{account}@upstream.test"
    assert user_attrs["name"] == "Ada Upstream"
    stored = json.loads(user_attrs["identities"])
    assert isinstance(stored, list) and len(stored) == 1, stored
    assert_identity(stored[0], UPSTREAM, "OIDC", account)

    # Cognate redeemed the upstream's code with the RP's secret and (GET) asked userinfo.
    log = fed.upstream.log()
    token_calls = [e for e in log if e["endpoint"] == "token"]
    assert len(token_calls) == 1, log
    assert token_calls[0]["auth"] in ("client_secret_basic", "client_secret_post"), log
    assert token_calls[0]["client_id"] == fed.rp_client_id and token_calls[0]["status"] == 200, log
    userinfo_calls = [e for e in log if e["endpoint"] == "userinfo"]
    assert [(e["method"], e["auth"], e["status"]) for e in userinfo_calls] == [("GET", "bearer", 200)], log

    got = make_client(fed.url, unsigned=True).get_user(AccessToken=token["access_token"])
    assert got["Username"] == username
    assert attrs(got["UserAttributes"])["email"] == f"{account}@upstream.test"

    refreshed = browser.refresh(token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"]
    assert browser.verify(refreshed["id_token"], nonce=False)["cognito:username"] == username

    assert browser.revoke(token["refresh_token"]).status_code == 200
    with pytest.raises(OAuthError) as err:
        browser.refresh(token["refresh_token"])
    assert err.value.error == "invalid_grant"


def test_idp_identifier_chooses_the_provider(fed):
    """Cognito's other way to name the provider: `idp_identifier`, one of its IdpIdentifiers."""
    account = uniq("acct")
    browser = fed.browser()
    response = browser.sign_in(None, fed.upstream_checks(), account=account, idp_identifier=IDENTIFIER)
    claims = browser.verify(browser.tokens(response)["id_token"])
    assert claims["cognito:username"] == f"{UPSTREAM}_{account}"


def test_second_sign_in_reuses_the_user_and_updates_mapped_attributes(fed):
    account = uniq("acct")
    fed.upstream.set_name(account, "First Name")
    browser, first = fed.tokens(account)
    first_claims = browser.verify(first["id_token"])
    assert first_claims["name"] == "First Name"

    fed.upstream.set_name(account, "Second Name")
    browser, second = fed.tokens(account)  # a new browser: the upstream signs in again
    second_claims = browser.verify(second["id_token"])
    assert second_claims["sub"] == first_claims["sub"]
    assert second_claims["cognito:username"] == f"{UPSTREAM}_{account}"
    assert second_claims["name"] == "Second Name"

    users = fed.users()
    assert [u["Username"] for u in users] == [f"{UPSTREAM}_{account}"]
    assert attrs(users[0])["name"] == "Second Name"


def test_refusal_at_upstream_reaches_the_app_as_access_denied(fed):
    browser, response = fed.sign_in(uniq("acct"), deny=True)
    q = browser.callback_query(response)  # a redirect to the callback with the app's state
    assert q["error"] == "access_denied", q
    assert "code" not in q, q
    assert fed.users() == []
    assert [e for e in fed.upstream.log() if e["endpoint"] == "token"] == []


def test_tampered_or_unknown_state_at_idpresponse_is_refused(fed):
    account = uniq("acct")
    browser = fed.browser()
    location = browser.to_upstream(UPSTREAM, **fed.upstream_checks())
    back = browser.upstream_sign_in(location, account=account)
    q = query_of(back)
    state = q["state"]
    middle = len(state) // 2  # a middle character carries whole bits in any encoding
    flipped = state[:middle] + ("x" if state[middle] != "x" else "y") + state[middle + 1:]
    for bad_state in (flipped, secrets.token_urlsafe(32)):
        target = idp_response_url(fed.url, fed.pool_id) + "?" + urllib.parse.urlencode(
            {"code": q["code"], "state": bad_state})
        r = browser.back_to_cognate(target)
        assert r.status_code == 400, (r.status_code, r.headers.get("Location"), r.text[:500])
        assert "code=" not in r.headers.get("Location", "")
    # Without a code at all, too.
    r = browser.back_to_cognate(idp_response_url(fed.url, fed.pool_id) + "?" + urllib.parse.urlencode(
        {"state": flipped}))
    assert r.status_code == 400, (r.status_code, r.text[:500])
    assert fed.users() == []


def test_identity_provider_the_client_does_not_list_is_refused(idp, fed):
    # A second provider exists in the pool, but the app client only lists COGNITO and Upstream.
    other_client_id, other_secret = uniq("rp"), secrets.token_urlsafe(32)
    idp.create_identity_provider(
        UserPoolId=fed.pool_id, ProviderName="Other", ProviderType="OIDC",
        ProviderDetails=oidc_details(fed.upstream, other_client_id, other_secret), AttributeMapping=MAPPING)
    for provider in ("Other", "NoSuchProvider"):
        browser = fed.browser()
        assert_no_redirect_upstream(browser.start(provider), fed.upstream)
    assert fed.users() == []


# ---------------------------------------------------------------------------
# Social providers (stand-ins)
# ---------------------------------------------------------------------------


def social_client(idp, pool_id, provider):
    return oauth_app_client(idp, pool_id, ["COGNITO", provider])


def test_google_sign_in(idp, url, make_pool, social_stand_ins):
    google = social_stand_ins.google
    pool_id = make_pool()["Id"]
    g_client_id, g_secret = f"{uniq('g')}.apps.googleusercontent.com", secrets.token_urlsafe(24)
    sub = str(secrets.randbelow(10**20) + 10**20)
    email = f"{uniq('g')}@gmail.test"
    google.register(g_client_id, g_secret, {"sub": sub, "email": email, "email_verified": True,
                                            "name": "Grace Google"})
    idp.create_identity_provider(
        UserPoolId=pool_id, ProviderName="Google", ProviderType="Google",
        ProviderDetails={"client_id": g_client_id, "client_secret": g_secret,
                         "authorize_scopes": "openid email profile"},
        AttributeMapping={"email": "email", "name": "name", "username": "sub"})
    browser = FederatedBrowser(url, pool_id, social_client(idp, pool_id, "Google"))
    response = browser.sign_in("Google", {
        "authorization_endpoint": google.endpoints()["authorization_endpoint"], "client_id": g_client_id,
        "scope": "openid email profile", "nonce": False})
    token = browser.tokens(response)
    claims = browser.verify(token["id_token"])
    assert claims["cognito:username"] == f"Google_{sub}"
    assert claims["email"] == email and claims["name"] == "Grace Google"
    (identity,) = identities_of(claims)
    assert_identity(identity, "Google", "Google", sub, primary="true")
    # The code was redeemed with client_secret_post (the stand-in refuses anything else).
    (call,) = google.calls_to("/token", client_id=g_client_id)
    assert call["form"].get("client_secret") == g_secret
    user = idp.admin_get_user(UserPoolId=pool_id, Username=f"Google_{sub}")
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"
    assert attrs(user)["email"] == email


def test_facebook_sign_in(idp, url, make_pool, social_stand_ins):
    facebook = social_stand_ins.facebook
    pool_id = make_pool()["Id"]
    fb_client_id, fb_secret = str(secrets.randbelow(10**15) + 10**15), secrets.token_hex(16)
    fb_id = str(secrets.randbelow(10**16) + 10**16)
    email = f"{uniq('fb')}@facebook.test"
    facebook.register(fb_client_id, fb_secret, {"id": fb_id, "name": "Fred Facebook", "email": email})
    idp.create_identity_provider(
        UserPoolId=pool_id, ProviderName="Facebook", ProviderType="Facebook",
        ProviderDetails={"client_id": fb_client_id, "client_secret": fb_secret,
                         "authorize_scopes": "public_profile,email", "api_version": "v17.0"},
        AttributeMapping={"email": "email"})
    browser = FederatedBrowser(url, pool_id, social_client(idp, pool_id, "Facebook"))
    response = browser.sign_in("Facebook", {
        "authorization_endpoint": facebook.endpoints()["authorization_endpoint"], "client_id": fb_client_id,
        "scope": "public_profile,email", "nonce": False})
    token = browser.tokens(response)
    claims = browser.verify(token["id_token"])
    assert claims["cognito:username"] == f"Facebook_{fb_id}"
    assert claims["email"] == email
    (identity,) = identities_of(claims)
    assert_identity(identity, "Facebook", "Facebook", fb_id, primary="true")
    # The Graph API answers only the fields asked for: email proves Cognate asked for it.
    me_calls = facebook.calls_to("/me", client_id=fb_client_id)
    assert me_calls and all("email" in c["query"].get("fields", "").split(",") for c in me_calls), me_calls
    user = idp.admin_get_user(UserPoolId=pool_id, Username=f"Facebook_{fb_id}")
    assert user["UserStatus"] == "EXTERNAL_PROVIDER"
    assert attrs(user)["email"] == email


# ---------------------------------------------------------------------------
# Linking a federated identity to a native user
# ---------------------------------------------------------------------------


def test_linked_identity_signs_in_as_the_native_user_until_unlinked(fed):
    idp, pool_id = fed.idp, fed.pool_id
    account = uniq("acct")
    idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    source = {"ProviderName": UPSTREAM, "ProviderAttributeName": "Cognito_Subject",
              "ProviderAttributeValue": account}
    idp.admin_link_provider_for_user(
        UserPoolId=pool_id, DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": "alice"},
        SourceUser=source)

    browser, token = fed.tokens(account)
    claims = browser.verify(token["id_token"])
    assert claims["cognito:username"] == "alice"
    linked = [i for i in identities_of(claims) if i["providerName"] == UPSTREAM]
    assert len(linked) == 1, claims
    assert_identity(linked[0], UPSTREAM, "OIDC", account)
    assert [u["Username"] for u in fed.users()] == ["alice"]  # no Upstream_<sub> user was made
    alice_identities = json.loads(attrs(idp.admin_get_user(UserPoolId=pool_id, Username="alice"))["identities"])
    assert [(i["providerName"], i["userId"]) for i in alice_identities] == [(UPSTREAM, account)]

    idp.admin_disable_provider_for_user(UserPoolId=pool_id, User=source)
    alice = attrs(idp.admin_get_user(UserPoolId=pool_id, Username="alice"))
    assert account not in alice.get("identities", "[]"), alice

    browser, token = fed.tokens(account)
    claims = browser.verify(token["id_token"])
    assert claims["cognito:username"] == f"{UPSTREAM}_{account}"
    assert sorted(u["Username"] for u in fed.users()) == sorted(["alice", f"{UPSTREAM}_{account}"])


# ---------------------------------------------------------------------------
# Triggers
# ---------------------------------------------------------------------------


def test_first_federated_sign_in_runs_pre_sign_up_and_post_confirmation_once(
        trigger_sink, make_trigger_pool, upstream_factory):
    pre = trigger_sink.route("fed-presignup")
    post = trigger_sink.route("fed-postconfirm")
    pool = make_trigger_pool({"PreSignUp": pre.url, "PostConfirmation": post.url})
    fed = federate(pool.idp, pool.env.url, pool.id, upstream_factory)
    account = uniq("acct")
    username = f"{UPSTREAM}_{account}"

    browser, token = fed.tokens(account)
    assert browser.verify(token["id_token"])["cognito:username"] == username
    browser, token = fed.tokens(account)  # the second sign-in signs nobody up
    assert browser.verify(token["id_token"])["cognito:username"] == username

    (event,) = pre.events_for(user_name=username)
    assert_envelope(event, pool, "PreSignUp_ExternalProvider", username, client_id=fed.client["ClientId"])
    assert event["request"]["userAttributes"]["email"] == f"{account}@upstream.test"
    (event,) = post.events_for(user_name=username)
    assert_envelope(event, pool, "PostConfirmation_ConfirmSignUp", username, client_id=fed.client["ClientId"])
    assert event["request"]["userAttributes"]["email"] == f"{account}@upstream.test"
