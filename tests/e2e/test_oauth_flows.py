"""Hosted UI and OAuth 2.0 / OpenID Connect: authlib as the relying party (discovery, PKCE,
client authentication, ID-token validation, userinfo, refresh, revocation), a requests
session as the browser, boto3 for the pool and for GetUser with a hosted-UI access token."""

import html
import re
import urllib.parse

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt as jose_jwt

from helpers import delete_pool_quietly, make_client, uniq

CB = "http://localhost:8123/cb"
BYE = "http://localhost:8123/bye"
SCOPES = ["openid", "email", "profile", "aws.cognito.signin.user.admin"]
PASSWORD = "Hosted-Passw0rd!"


@pytest.fixture(scope="module")
def pool(idp):
    pool_id = idp.create_user_pool(PoolName=uniq("oauth"))["UserPool"]["Id"]
    yield pool_id
    delete_pool_quietly(idp, pool_id)


@pytest.fixture(scope="module")
def meta(url, pool):
    return requests.get(f"{url}/{pool}/.well-known/openid-configuration", timeout=10).json()


def new_client(idp, pool, secret=False, flows=("code", "implicit"), scopes=SCOPES):
    c = idp.create_user_pool_client(
        UserPoolId=pool, ClientName=uniq("web"), GenerateSecret=secret,
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=list(flows), AllowedOAuthScopes=list(scopes),
        CallbackURLs=[CB], LogoutURLs=[BYE], SupportedIdentityProviders=["COGNITO"],
    )["UserPoolClient"]
    return c["ClientId"], c.get("ClientSecret")


def new_user(idp, pool, enabled=True):
    name = uniq("u")
    email = f"{name}@example.com"
    idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True)
    if not enabled:
        idp.admin_disable_user(UserPoolId=pool, Username=name)
    return name, email


class Browser:
    """A browser that follows nothing by itself, so every redirect is inspected."""

    def __init__(self):
        self.s = requests.Session()

    def get(self, target):
        return self.s.get(target, allow_redirects=False, timeout=10)

    def login_page(self, authorize_url):
        r = self.get(authorize_url)
        assert r.status_code == 302, r.text
        login = urllib.parse.urljoin(authorize_url, r.headers["Location"])
        page = self.get(login)
        assert page.status_code == 200, page.text
        return login, page

    def submit(self, login, page, username, password, csrf=None):
        token = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
        action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
        data = {"username": username, "password": password}
        if csrf is not False:
            data["_csrf"] = csrf or token
        return self.s.post(urllib.parse.urljoin(login, action), data=data, allow_redirects=False, timeout=10)

    def sign_in(self, authorize_url, username, password=PASSWORD):
        login, page = self.login_page(authorize_url)
        r = self.submit(login, page, username, password)
        assert r.status_code == 302, r.text
        return r.headers["Location"]


def session(meta, client_id, secret=None, method=None):
    method = method or ("client_secret_basic" if secret else "none")
    return OAuth2Session(client_id, secret, scope=" ".join(SCOPES), redirect_uri=CB,
                         code_challenge_method="S256", token_endpoint_auth_method=method)


def authorize_url(sess, meta, verifier, nonce, **extra):
    target, _state = sess.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier,
                                                   nonce=nonce, **extra)
    return target


def code_of(location):
    assert location.startswith(CB + "?"), location
    return urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)


def validate_id_token(meta, token, client_id, nonce):
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    claims = jose_jwt.decode(token, keys, claims_options={
        "iss": {"essential": True, "value": meta["issuer"]},
        "aud": {"essential": True, "value": client_id},
        "nonce": {"essential": True, "value": nonce},
        "exp": {"essential": True},
    })
    claims.validate()
    return claims


def full_flow(idp, pool, meta, secret=False, method=None, username=None):
    client_id, client_secret = new_client(idp, pool, secret=secret)
    username = username or new_user(idp, pool)[0]
    sess = session(meta, client_id, client_secret, method)
    verifier, nonce = generate_token(48), generate_token(16)
    browser = Browser()
    location = browser.sign_in(authorize_url(sess, meta, verifier, nonce), username)
    token = sess.fetch_token(meta["token_endpoint"], authorization_response=location, code_verifier=verifier)
    return sess, token, client_id, nonce, browser, username


# --- the code flow end to end ----------------------------------------------------------------


@pytest.mark.parametrize("secret,method", [(False, None), (True, "client_secret_basic"),
                                          (True, "client_secret_post")])
def test_code_flow_with_authlib(idp, url, pool, meta, secret, method):
    sess, token, client_id, nonce, _, username = full_flow(idp, pool, meta, secret, method)
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    claims = validate_id_token(meta, token["id_token"], client_id, nonce)
    assert claims["cognito:username"] == username and claims["token_use"] == "id"
    access = jose_jwt.decode(token["access_token"], JsonWebKey.import_key_set(
        requests.get(meta["jwks_uri"], timeout=10).json()))
    assert set(access["scope"].split()) == set(SCOPES)
    assert access["auth_time"] == claims["auth_time"]
    info = sess.get(meta["userinfo_endpoint"], timeout=10).json()
    assert info["username"] == username and info["email"].startswith(username)
    assert info["sub"] == claims["sub"]
    user = make_client(url, unsigned=True).get_user(AccessToken=token["access_token"])
    assert user["Username"] == username
    refreshed = sess.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"]
    again = jose_jwt.decode(refreshed["access_token"], JsonWebKey.import_key_set(
        requests.get(meta["jwks_uri"], timeout=10).json()))
    assert set(again["scope"].split()) == set(SCOPES)
    r = sess.revoke_token(meta["revocation_endpoint"], token["refresh_token"], token_type_hint="refresh_token")
    assert r.status_code == 200
    with pytest.raises(OAuthError) as e:
        sess.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert e.value.error == "invalid_grant"


def test_token_response_headers_and_scope_without_admin(idp, url, pool, meta):
    client_id, _ = new_client(idp, pool)
    username, _ = new_user(idp, pool)
    sess = OAuth2Session(client_id, None, scope="openid email", redirect_uri=CB, code_challenge_method="S256",
                         token_endpoint_auth_method="none")
    verifier = generate_token(48)
    location = Browser().sign_in(authorize_url(sess, meta, verifier, "n1"), username)
    code = code_of(location)["code"][0]
    r = requests.post(meta["token_endpoint"], data={"grant_type": "authorization_code", "code": code,
                      "redirect_uri": CB, "client_id": client_id, "code_verifier": verifier}, timeout=10)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.json()
    public = make_client(url, unsigned=True)
    with pytest.raises(public.exceptions.NotAuthorizedException):
        public.get_user(AccessToken=body["access_token"])
    info = requests.get(meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200 and "email" in info.json()


def test_userinfo_refuses_api_tokens(idp, url, pool, meta):
    client_id = idp.create_user_pool_client(UserPoolId=pool, ClientName=uniq("api"),
                                            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
                                            )["UserPoolClient"]["ClientId"]
    username, _ = new_user(idp, pool)
    auth = make_client(url, unsigned=True).initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})["AuthenticationResult"]
    r = requests.get(meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {auth['AccessToken']}"})
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]


def test_implicit_flow(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    username, _ = new_user(idp, pool)
    q = urllib.parse.urlencode({"response_type": "token", "client_id": client_id, "redirect_uri": CB,
                                "scope": "openid email", "state": "s1", "nonce": "n1"})
    location = Browser().sign_in(f"{meta['authorization_endpoint']}?{q}", username)
    assert location.startswith(CB + "#")
    frag = urllib.parse.parse_qs(urllib.parse.urlsplit(location).fragment)
    assert frag["token_type"] == ["Bearer"] and frag["state"] == ["s1"] and "refresh_token" not in frag
    validate_id_token(meta, frag["id_token"][0], client_id, "n1")


# --- sessions ----------------------------------------------------------------------------------


def test_silent_sign_in_and_logout(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    username, _ = new_user(idp, pool)
    sess = session(meta, client_id)
    browser = Browser()
    browser.sign_in(authorize_url(sess, meta, generate_token(48), "n"), username)
    again = browser.get(authorize_url(sess, meta, generate_token(48), "n"))
    assert again.status_code == 302 and again.headers["Location"].startswith(CB + "?code=")
    forced = browser.get(authorize_url(sess, meta, generate_token(48), "n", prompt="login"))
    assert "/login?" in forced.headers["Location"]
    out = browser.get(f"{meta['end_session_endpoint']}?" + urllib.parse.urlencode(
        {"client_id": client_id, "logout_uri": BYE}))
    assert out.status_code == 302 and out.headers["Location"] == BYE
    after = browser.get(authorize_url(sess, meta, generate_token(48), "n"))
    assert "/login?" in after.headers["Location"]


def test_logout_never_redirects_elsewhere(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    for bad in ["http://evil.example/bye", BYE + "/", "http://localhost:8124/bye"]:
        r = Browser().get(f"{meta['end_session_endpoint']}?" + urllib.parse.urlencode(
            {"client_id": client_id, "logout_uri": bad}))
        assert r.status_code == 400 and "Location" not in r.headers


def test_prompt_none_without_session(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    r = Browser().get(authorize_url(session(meta, client_id), meta, generate_token(48), "n", prompt="none"))
    q = code_of(r.headers["Location"])
    assert q["error"] == ["login_required"] and "state" in q


# --- sign-in page ------------------------------------------------------------------------------


def test_wrong_password_and_unknown_user(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    username, _ = new_user(idp, pool)
    browser = Browser()
    login, page = browser.login_page(authorize_url(session(meta, client_id), meta, generate_token(48), "n"))
    for name, password in [(username, "wrong-Passw0rd!"), ("nobody-" + uniq(), PASSWORD)]:
        r = browser.submit(login, page, name, password)
        assert r.status_code == 200 and "Incorrect username or password." in r.text


def test_disabled_user(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    username, _ = new_user(idp, pool, enabled=False)
    browser = Browser()
    login, page = browser.login_page(authorize_url(session(meta, client_id), meta, generate_token(48), "n"))
    r = browser.submit(login, page, username, PASSWORD)
    assert r.status_code == 200 and "User is disabled." in r.text and "Location" not in r.headers


def test_new_password_required_is_not_silently_passed(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    name = uniq("fc")
    idp.admin_create_user(UserPoolId=pool, Username=name, TemporaryPassword=PASSWORD, MessageAction="SUPPRESS")
    browser = Browser()
    login, page = browser.login_page(authorize_url(session(meta, client_id), meta, generate_token(48), "n"))
    r = browser.submit(login, page, name, PASSWORD)
    # The new-password page (test_hosted_challenges.py follows it to the end), not a code.
    assert r.status_code == 200 and "<h1>Change password</h1>" in r.text and "Location" not in r.headers


def test_csrf(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    username, _ = new_user(idp, pool)
    target = authorize_url(session(meta, client_id), meta, generate_token(48), "n")
    a, b = Browser(), Browser()
    login, page_a = a.login_page(target)
    _, page_b = b.login_page(target)
    token_b = re.search(r'name="_csrf" value="([^"]+)"', page_b.text).group(1)
    assert a.submit(login, page_a, username, PASSWORD, csrf=False).status_code == 403
    assert a.submit(login, page_a, username, PASSWORD, csrf=token_b).status_code == 403
    assert a.submit(login, page_a, username, PASSWORD).status_code == 302


def test_reflected_values_are_escaped(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    markup = '"><script>alert(1)</script>'
    q = urllib.parse.urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": CB,
                                "state": markup, "login_hint": markup, "lang": markup})
    browser = Browser()
    login, page = browser.login_page(f"{meta['authorization_endpoint']}?{q}")
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    r = browser.submit(login, page, "<b>x</b>", "wrong")
    assert "<b>x</b>" not in r.text and "&lt;b&gt;x&lt;" in r.text
    bad = browser.get(f"{meta['authorization_endpoint']}?" + urllib.parse.urlencode(
        {"response_type": "code", "client_id": "<i>x</i>", "redirect_uri": CB}))
    assert bad.status_code == 400 and "<i>" not in bad.text


# --- redirect URIs, flows, scopes --------------------------------------------------------------


@pytest.mark.parametrize("uri", [
    "http://localhost:8124/cb", "http://localhost:8123/cb/extra", "http://localhost:8123/cb/",
    "http://localhost:8123@evil.example/cb", "http://localhost:8123/%63b", "http://localhost:8123/cb#frag",
    "http://LOCALHOST:8123/cb", "https://localhost:8123/cb",
])
def test_look_alike_redirect_uris_never_redirect(idp, pool, meta, uri):
    client_id, _ = new_client(idp, pool)
    q = urllib.parse.urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": uri,
                                "scope": "nonsense"})
    r = Browser().get(f"{meta['authorization_endpoint']}?{q}")
    assert r.status_code == 400 and "Location" not in r.headers
    assert "evil.example" not in r.text and "href=" not in r.text.replace('rel="stylesheet" href=', "")


def test_disallowed_flow_and_unknown_scope(idp, pool, meta):
    client_id, _ = new_client(idp, pool, flows=("code",))
    base = {"client_id": client_id, "redirect_uri": CB, "state": "st"}
    r = Browser().get(f"{meta['authorization_endpoint']}?" + urllib.parse.urlencode({**base, "response_type": "token"}))
    # An implicit request hears back in the fragment, as its tokens would have.
    location = r.headers["Location"]
    assert location.startswith(CB + "#")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(location).fragment)["error"] == ["unauthorized_client"]
    r = Browser().get(f"{meta['authorization_endpoint']}?" + urllib.parse.urlencode(
        {**base, "response_type": "code", "scope": "openid phone"}))
    q = code_of(r.headers["Location"])
    assert q["error"] == ["invalid_scope"] and q["state"] == ["st"]
    r = Browser().get(f"{meta['authorization_endpoint']}?" + urllib.parse.urlencode(
        {**base, "response_type": "code", "code_challenge": "x" * 43, "code_challenge_method": "plain"}))
    assert code_of(r.headers["Location"])["error"] == ["invalid_request"]


# --- the token endpoint's refusals ---------------------------------------------------------------


def signed_in_code(idp, pool, meta, client_id, verifier=None):
    username, _ = new_user(idp, pool)
    sess = session(meta, client_id)
    location = Browser().sign_in(authorize_url(sess, meta, verifier or generate_token(48), "n"), username)
    return code_of(location)["code"][0]


def redeem(meta, client_id, code, verifier, auth=None, **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CB, "client_id": client_id,
            "code_verifier": verifier, **extra}
    if verifier is None:
        del data["code_verifier"]
    return requests.post(meta["token_endpoint"], data=data, auth=auth, timeout=10)


def test_code_reuse_revokes_the_first_tokens(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    verifier = generate_token(48)
    code = signed_in_code(idp, pool, meta, client_id, verifier)
    first = redeem(meta, client_id, code, verifier)
    assert first.status_code == 200
    second = redeem(meta, client_id, code, verifier)
    assert second.status_code == 400 and second.json() == {"error": "invalid_grant"}
    r = requests.post(meta["token_endpoint"], data={"grant_type": "refresh_token", "client_id": client_id,
                      "refresh_token": first.json()["refresh_token"]}, timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_a_code_presented_twice_at_once_leaves_no_live_tokens(idp, pool, meta):
    """Two exchanges of one code racing: at most one is answered with tokens, and those are
    revoked, whichever order the two writes land in."""
    from concurrent.futures import ThreadPoolExecutor
    client_id, _ = new_client(idp, pool)
    for _ in range(3):
        verifier = generate_token(48)
        code = signed_in_code(idp, pool, meta, client_id, verifier)
        with ThreadPoolExecutor(2) as ex:
            answers = list(ex.map(lambda _: redeem(meta, client_id, code, verifier), range(2)))
        assert sorted(r.status_code for r in answers) in ([200, 400], [400, 400]), [r.text for r in answers]
        for r in answers:
            if r.status_code == 400:
                assert r.json() == {"error": "invalid_grant"}
                continue
            refreshed = requests.post(meta["token_endpoint"], data={
                "grant_type": "refresh_token", "client_id": client_id,
                "refresh_token": r.json()["refresh_token"]}, timeout=10)
            assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


def test_a_refused_exchange_spends_the_code(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    verifier = generate_token(48)
    code = signed_in_code(idp, pool, meta, client_id, verifier)
    assert redeem(meta, client_id, code, "wrong-" + "v" * 43).status_code == 400
    r = redeem(meta, client_id, code, verifier)
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant"}


@pytest.mark.parametrize("verifier", ["wrong-" + "v" * 43, None])
def test_pkce_refusals(idp, pool, meta, verifier):
    client_id, _ = new_client(idp, pool)
    code = signed_in_code(idp, pool, meta, client_id)
    r = redeem(meta, client_id, code, verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_code_from_another_client(idp, pool, meta):
    one, _ = new_client(idp, pool)
    other, _ = new_client(idp, pool)
    verifier = generate_token(48)
    code = signed_in_code(idp, pool, meta, one, verifier)
    r = redeem(meta, other, code, verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_wrong_client_secret(idp, pool, meta):
    client_id, secret = new_client(idp, pool, secret=True)
    r = redeem(meta, client_id, "whatever", "v" * 43, auth=(client_id, secret + "x"))
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    r = redeem(meta, client_id, "whatever", "v" * 43, client_secret="nope")
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_unsupported_grant_and_missing_fields(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    r = requests.post(meta["token_endpoint"], data={"grant_type": "password", "client_id": client_id})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = requests.post(meta["token_endpoint"], data={"client_id": client_id})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


# --- headers -------------------------------------------------------------------------------------


def test_security_headers_on_every_page(idp, pool, meta):
    client_id, _ = new_client(idp, pool)
    target = authorize_url(session(meta, client_id), meta, generate_token(48), "n")
    browser = Browser()
    login, page = browser.login_page(target)
    pages = [page, browser.get(meta["authorization_endpoint"]), browser.get(meta["end_session_endpoint"]),
             browser.submit(login, page, "x", "y", csrf=False), browser.get(target)]
    for r in pages:
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "script-src" not in csp
        assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["Cache-Control"] == "no-store"
    assert "<script" not in page.text and "style=" not in page.text
    assert re.search(r'<label[^>]* for="username">', page.text) and re.search(r'<label[^>]* for="password">', page.text)
    css = browser.get(f"{meta['issuer']}/static/cognate.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")


def test_client_credentials(idp, pool, meta):
    rs = uniq("rs")
    idp.create_resource_server(UserPoolId=pool, Identifier=rs, Name=rs,
                               Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}])
    c = idp.create_user_pool_client(UserPoolId=pool, ClientName=uniq("m2m"), GenerateSecret=True,
                                    AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["client_credentials"],
                                    AllowedOAuthScopes=[f"{rs}/read"])["UserPoolClient"]
    sess = OAuth2Session(c["ClientId"], c["ClientSecret"], scope=f"{rs}/read",
                         token_endpoint_auth_method="client_secret_basic")
    token = sess.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
    assert token["token_type"] == "Bearer" and "refresh_token" not in token and "id_token" not in token
    code_client, secret = new_client(idp, pool, secret=True)
    r = requests.post(meta["token_endpoint"], data={"grant_type": "client_credentials"},
                      auth=(code_client, secret), timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "unauthorized_client"
