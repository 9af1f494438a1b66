"""Cognate's OpenID provider under openid-client (Node, v6), a relying party certified for the
Basic RP profile, run by tests/e2e/js/oidc-client.mjs in one Node process per test.

Proven here: discovery from the pool's issuer; the authorization code flow with PKCE S256, state
and nonce (the library validates the ID token: signature by the JWKS, iss, aud, exp, iat, nonce);
userinfo with the subject checked against the ID token; refresh; revocation of the refresh
token, after which it no longer refreshes; each for a public client and for confidential clients
authenticating with client_secret_basic and client_secret_post; and client_credentials for a
resource server's scope. Pools, clients and users are set up with boto3.
"""

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from helpers import delete_pool_quietly, uniq

JS_DIR = Path(__file__).resolve().parent / "js"
SCRIPT = JS_DIR / "oidc-client.mjs"
CB = "http://localhost:8123/cb"
SCOPES = ["openid", "email", "profile", "aws.cognito.signin.user.admin"]
PASSWORD = "Oidc-Client-Passw0rd!"
RESOURCE = "https://api.example"


@pytest.fixture(scope="module")
def oidc_js():
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not (JS_DIR / "node_modules" / "openid-client").is_dir():
        pytest.skip("openid-client in tests/e2e/js/node_modules is missing (npm ci --prefix tests/e2e/js)")


def run_oidc(**args):
    proc = subprocess.run(["node", str(SCRIPT), json.dumps(args)], cwd=JS_DIR, capture_output=True, text=True,
                          timeout=120)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"oidc-client.mjs printed no report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return json.loads(lines[-1])


@pytest.fixture(scope="module")
def pool(idp):
    pool_id = idp.create_user_pool(PoolName=uniq("oidc"))["UserPool"]["Id"]
    yield pool_id
    delete_pool_quietly(idp, pool_id)


@pytest.fixture(scope="module")
def issuer(url, pool):
    return requests.get(f"{url}/{pool}/.well-known/openid-configuration", timeout=10).json()["issuer"]


def new_user(idp, pool):
    name = uniq("u")
    idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True)
    return name


def claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def token_requests(report):
    return [r for r in report["requests"] if r["url"] == report["metadata"]["token_endpoint"]]


@pytest.mark.parametrize("auth", ["none", "basic", "post"])
def test_code_flow(oidc_js, idp, url, pool, issuer, auth):
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName=uniq("rp"), GenerateSecret=auth != "none",
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=SCOPES,
        CallbackURLs=[CB], SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]
    username = new_user(idp, pool)
    report = run_oidc(issuer=issuer, clientId=client["ClientId"], clientSecret=client.get("ClientSecret"),
                      auth=auth, flow="code", redirectUri=CB, scope=" ".join(SCOPES), username=username,
                      password=PASSWORD)
    assert report["ok"], json.dumps(report, indent=1)

    meta = report["metadata"]
    assert meta["issuer"] == issuer == f"{url}/{pool}"
    # Like Cognito's, the metadata does not list code_challenge_methods_supported, so the library
    # cannot tell that PKCE is supported (supportsPKCE() is false); it sends PKCE anyway and the
    # code exchange proves the S256 check.
    assert report["loginUrl"].startswith(f"{issuer}/login?")

    # The ID token passed the library's validation; these are the claims it returned.
    claims = report["claims"]
    assert claims["iss"] == issuer and claims["aud"] == client["ClientId"]
    assert claims["nonce"] == report["nonce"] and claims["cognito:username"] == username
    assert report["tokens"]["token_type"].lower() == "bearer" and report["expiresIn"] > 3000
    assert set(claims_of(report["tokens"]["access_token"])["scope"].split()) == set(SCOPES)

    info = report["userinfo"]
    assert info["sub"] == claims["sub"] and info["username"] == username
    assert info["email"] == f"{username}@example.com"

    refreshed = report["refreshed"]
    assert refreshed["access_token"] and refreshed["access_token"] != report["tokens"]["access_token"]
    assert report["refreshedClaims"]["sub"] == claims["sub"]

    assert report["revoked"] is True
    after = report["afterRevocation"]
    assert after.get("error") == "invalid_grant", after

    # The library authenticated the client the way it was told to, at every token request.
    sent = token_requests(report) + [r for r in report["requests"] if r["url"] == meta["revocation_endpoint"]]
    assert len(sent) == 4, report["requests"]
    for r in sent:
        if auth == "basic":
            assert r["basic"] and "client_secret" not in r["bodyKeys"], r
        elif auth == "post":
            assert not r["basic"] and "client_secret" in r["bodyKeys"], r
        else:
            assert not r["basic"] and "client_secret" not in r["bodyKeys"] and "client_id" in r["bodyKeys"], r


@pytest.mark.parametrize("auth", ["basic", "post"])
def test_client_credentials_for_a_resource_server_scope(oidc_js, idp, pool, issuer, auth):
    identifier = f"{RESOURCE}/{uniq('rs')}" if auth == "post" else RESOURCE
    try:
        idp.create_resource_server(UserPoolId=pool, Identifier=identifier, Name=uniq("api"),
                                   Scopes=[{"ScopeName": "read", "ScopeDescription": "read the API"}])
    except idp.exceptions.InvalidParameterException:
        pass  # the module's pool already has it
    scope = f"{identifier}/read"
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName=uniq("m2m"), GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=[scope])["UserPoolClient"]
    report = run_oidc(issuer=issuer, clientId=client["ClientId"], clientSecret=client["ClientSecret"], auth=auth,
                      flow="client_credentials", scope=scope)
    assert report["ok"], json.dumps(report, indent=1)
    tokens = report["tokens"]
    assert tokens["token_type"].lower() == "bearer" and "id_token" not in tokens and "refresh_token" not in tokens
    access = claims_of(tokens["access_token"])
    assert access["scope"] == scope and access["client_id"] == client["ClientId"]
    assert access["token_use"] == "access" and "username" not in access
    (sent,) = token_requests(report)
    assert sent["basic"] is (auth == "basic") and sent["status"] == 200
