"""The README's client snippets, run as written against a real server.

- the AWS CLI tour: `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` instead of `--endpoint-url`, the
  confirmation code read from the server's log on stderr, `admin-confirm-sign-up` as the shortcut;
- boto3 with `endpoint_url=` and with the environment variable;
- amazon-cognito-identity-js: `new CognitoUserPool({UserPoolId, ClientId, endpoint})` (js/srp.mjs);
- Amplify v6 in Node: `Amplify.configure({Auth: {Cognito: {userPoolId, userPoolClientId,
  userPoolEndpoint}}})`, signIn, fetchAuthSession, getCurrentUser (js/amplify.mjs);
- aws-jwt-verify's generic `JwtVerifier` with Cognate's issuer `{public-url}/{userPoolId}`
  (js/jwt-verify.mjs).

The Node tests fail, never skip, without `node` or `tests/e2e/js/node_modules`: the test script
installs them (`npm ci --prefix tests/e2e/js`).
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from helpers import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, PERM_PASSWORD, REGION, TEMP_PASSWORD, \
    attr_list, delete_pool_quietly, http_request, uniq

JS_DIR = Path(__file__).resolve().parent / "js"
NODE_TIMEOUT = 120
README_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
ENDPOINT_VAR = "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def run_node(script, args, package):
    """`node js/<script> '<json>'`; the last stdout line parsed. Fails (not skips) when Node.js or
    the npm package the script needs is missing."""
    assert shutil.which("node"), "node is not installed (Node.js 20+ is needed for the README client tests)"
    assert (JS_DIR / "node_modules" / package).is_dir(), (
        f"tests/e2e/js/node_modules/{package} is missing: run `npm ci --prefix tests/e2e/js`")
    proc = subprocess.run(["node", str(JS_DIR / script), json.dumps(args)], cwd=JS_DIR, capture_output=True,
                          text=True, timeout=NODE_TIMEOUT)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert proc.returncode == 0 and lines, (
        f"{script} exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def steps_by_op(report):
    return {step["op"]: step for step in report["steps"]}


def readme_env(url):
    """The environment the README's tour exports (and nothing else from AWS_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": ADMIN_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": ADMIN_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": REGION,
        ENDPOINT_VAR: url,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PAGER": "",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",
    })
    return env


def aws(env, *args):
    """`aws cognito-idp <args>` (the AWS CLI v1 of requirements.txt) with no --endpoint-url."""
    cmd = [sys.executable, "-m", "awscli", "cognito-idp", *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, f"aws {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}"
    return proc.stdout.strip()


def jwt_payload(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class Pool:
    """A pool with a README-style public app client and one confirmed user, made with boto3."""

    def __init__(self, idp, url):
        self.idp = idp
        self.url = url
        self.id = idp.create_user_pool(PoolName=uniq("readme"))["UserPool"]["Id"]
        self.client_id = idp.create_user_pool_client(
            UserPoolId=self.id, ClientName="web", ExplicitAuthFlows=README_FLOWS)["UserPoolClient"]["ClientId"]
        self.username = uniq("ann")
        self.email = f"{self.username}@example.com"
        idp.admin_create_user(UserPoolId=self.id, Username=self.username, TemporaryPassword=TEMP_PASSWORD,
                              MessageAction="SUPPRESS",
                              UserAttributes=attr_list({"email": self.email, "email_verified": "true"}))
        idp.admin_set_user_password(UserPoolId=self.id, Username=self.username, Password=PERM_PASSWORD,
                                    Permanent=True)

    @property
    def issuer(self):
        return f"{self.url}/{self.id}"

    def tokens(self):
        result = self.idp.initiate_auth(ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                        AuthParameters={"USERNAME": self.username, "PASSWORD": PERM_PASSWORD})
        return result["AuthenticationResult"]


@pytest.fixture
def make_readme_pool(idp, url):
    made = []

    def _make():
        made.append(Pool(idp, url))
        return made[-1]

    yield _make
    for pool in made:
        delete_pool_quietly(idp, pool.id)


@pytest.fixture
def readme_pool(make_readme_pool):
    return make_readme_pool()


# ---------------------------------------------------------------------------
# The AWS CLI tour and boto3
# ---------------------------------------------------------------------------


def test_cli_tour_with_endpoint_variable_and_code_from_the_log(server, url, idp):
    env = readme_env(url)
    pool = aws(env, "create-user-pool", "--pool-name", "demo", "--username-attributes", "email",
               "--auto-verified-attributes", "email", "--query", "UserPool.Id", "--output", "text")
    try:
        client = aws(env, "create-user-pool-client", "--user-pool-id", pool, "--client-name", "web",
                     "--explicit-auth-flows", *README_FLOWS, "--query", "UserPoolClient.ClientId", "--output", "text")
        aws(env, "sign-up", "--client-id", client, "--username", "ann@example.com", "--password", "Corr3ct-horse!",
            "--user-attributes", "Name=given_name,Value=Ann")

        # Without --smtp-url the e-mail is one line of the server's log on stderr, as the README shows.
        lines = [line for line in server.stderr().splitlines()
                 if f"pool={pool}" in line and "to=ann@example.com" in line]
        assert len(lines) == 1, server.stderr()[-3000:]
        assert "(no SMTP server configured)" in lines[0], lines[0]
        code = re.search(r"Your verification code is (\d{6})", lines[0]).group(1)

        aws(env, "confirm-sign-up", "--client-id", client, "--username", "ann@example.com",
            "--confirmation-code", code)
        token_type = aws(env, "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH",
                         "--auth-parameters", "USERNAME=ann@example.com,PASSWORD=Corr3ct-horse!",
                         "--query", "AuthenticationResult.TokenType", "--output", "text")
        assert token_type == "Bearer"
        found = json.loads(aws(env, "list-users", "--user-pool-id", pool, "--filter", 'email ^= "ann"',
                               "--query", "Users[].Attributes[?Name==`email`].Value[]", "--output", "json"))
        assert found == ["ann@example.com"]

        # The shortcut: a second user confirmed by the administrator instead of by code.
        aws(env, "sign-up", "--client-id", client, "--username", "bob@example.com", "--password", "Corr3ct-horse!")
        aws(env, "admin-confirm-sign-up", "--user-pool-id", pool, "--username", "bob@example.com")
        status = aws(env, "admin-get-user", "--user-pool-id", pool, "--username", "bob@example.com",
                     "--query", "UserStatus", "--output", "text")
        assert status == "CONFIRMED"
    finally:
        delete_pool_quietly(idp, pool)


def test_boto3_with_endpoint_url_and_with_the_environment_variable(url, readme_pool, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ADMIN_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ADMIN_SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.delenv(ENDPOINT_VAR, raising=False)

    by_argument = boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1")
    pool = by_argument.describe_user_pool(UserPoolId=readme_pool.id)["UserPool"]
    assert pool["Id"] == readme_pool.id

    monkeypatch.setenv(ENDPOINT_VAR, url)
    by_environment = boto3.client("cognito-idp", region_name="us-east-1")
    assert by_environment.meta.endpoint_url == url
    user = by_environment.admin_get_user(UserPoolId=readme_pool.id, Username=readme_pool.username)
    assert user["UserStatus"] == "CONFIRMED"


def test_discovery_document_names_the_issuer_and_jwks(url, readme_pool):
    resp = http_request(url, "GET", f"/{readme_pool.id}/.well-known/openid-configuration", b"", {})
    assert resp.status == 200, resp
    assert resp.json["issuer"] == f"{url}/{readme_pool.id}"
    assert resp.json["jwks_uri"] == f"{url}/{readme_pool.id}/.well-known/jwks.json"
    assert jwt_payload(readme_pool.tokens()["IdToken"])["iss"] == resp.json["issuer"]


# ---------------------------------------------------------------------------
# amazon-cognito-identity-js and Amplify v6
# ---------------------------------------------------------------------------


def test_amazon_cognito_identity_js_with_endpoint(url, readme_pool):
    report = run_node("srp.mjs", {
        "endpoint": url + "/", "userPoolId": readme_pool.id, "clientId": readme_pool.client_id,
        "steps": [{"op": "authenticate", "username": readme_pool.username, "password": PERM_PASSWORD}],
    }, "amazon-cognito-identity-js")
    signed_in = steps_by_op(report)["authenticate"]
    assert signed_in["ok"] and signed_in["callback"] == "onSuccess", report
    assert signed_in["session"]["idPayload"]["email"] == readme_pool.email
    assert all(r["url"] == url + "/" for r in report["requests"]), report["requests"]


def test_amplify_v6_sign_in_session_and_current_user(url, readme_pool, idp):
    report = run_node("amplify.mjs", {
        "endpoint": url, "userPoolId": readme_pool.id, "clientId": readme_pool.client_id,
        "steps": [
            {"op": "signIn", "username": readme_pool.username, "password": PERM_PASSWORD},
            {"op": "fetchAuthSession"},
            {"op": "getCurrentUser"},
            {"op": "fetchUserAttributes"},
            {"op": "signOut", "global": True},
        ],
    }, "aws-amplify")
    steps = steps_by_op(report)
    assert [s["op"] for s in report["steps"]] == ["signIn", "fetchAuthSession", "getCurrentUser",
                                                   "fetchUserAttributes", "signOut"], report
    assert all(s["ok"] for s in report["steps"]), report["steps"]
    assert steps["signIn"]["isSignedIn"] is True
    assert steps["signIn"]["nextStep"] == {"signInStep": "DONE"}

    session = steps["fetchAuthSession"]
    id_claims, access_claims = session["idToken"]["payload"], session["accessToken"]["payload"]
    assert id_claims["token_use"] == "id" and id_claims["aud"] == readme_pool.client_id
    assert id_claims["iss"] == readme_pool.issuer and id_claims["email"] == readme_pool.email
    assert access_claims["token_use"] == "access" and access_claims["username"] == readme_pool.username
    assert session["userSub"] == id_claims["sub"]

    user = steps["getCurrentUser"]["user"]
    assert user["username"] == readme_pool.username and user["userId"] == id_claims["sub"]
    assert user["signInDetails"]["authFlowType"] == "USER_SRP_AUTH"  # Amplify's default: real SRP
    assert steps["fetchUserAttributes"]["attributes"]["email"] == readme_pool.email

    # Every call went to userPoolEndpoint, and the sign-in was SRP.
    assert all(r["url"].startswith(url) for r in report["requests"]), report["requests"]
    targets = [r["target"] for r in report["requests"]]
    assert targets[:2] == ["InitiateAuth", "RespondToAuthChallenge"], targets
    assert report["requests"][0]["body"]["AuthFlow"] == "USER_SRP_AUTH"
    assert "GlobalSignOut" in targets

    # The global sign-out revoked the tokens Amplify held.
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.get_user(AccessToken=session["accessToken"]["jwt"])


def test_amplify_v6_wrong_password(url, readme_pool):
    report = run_node("amplify.mjs", {
        "endpoint": url, "userPoolId": readme_pool.id, "clientId": readme_pool.client_id,
        "steps": [{"op": "signIn", "username": readme_pool.username, "password": "Wrong-Passw0rd!"}],
    }, "aws-amplify")
    failed = steps_by_op(report)["signIn"]
    assert not failed["ok"], report
    assert failed["error"]["name"] == "NotAuthorizedException"
    assert failed["error"]["message"] == "Incorrect username or password."


# ---------------------------------------------------------------------------
# aws-jwt-verify
# ---------------------------------------------------------------------------


def test_aws_jwt_verify_accepts_cognate_tokens_and_rejects_others(url, make_readme_pool):
    pool, other = make_readme_pool(), make_readme_pool()
    tokens, foreign = pool.tokens(), other.tokens()
    id_token, access_token = tokens["IdToken"], tokens["AccessToken"]
    header, payload, signature = access_token.split(".")
    claims = jwt_payload(access_token)
    claims["username"] = "mallory"
    forged = ".".join([header, base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="),
                       signature])

    def check(name, token, token_use, client_id=pool.client_id, issuer=pool.issuer):
        return {"name": name, "issuer": issuer, "tokenUse": token_use, "clientId": client_id, "token": token}

    report = run_node("jwt-verify.mjs", {"checks": [
        check("id", id_token, "id"),
        check("access", access_token, "access"),
        check("id as access", id_token, "access"),
        check("access as id", access_token, "id"),
        check("other client", access_token, "access", client_id=other.client_id),
        check("other pool", foreign["AccessToken"], "access"),
        check("other pool, its own issuer", foreign["AccessToken"], "access", client_id=other.client_id,
              issuer=other.issuer),
        check("forged", forged, "access"),
    ]}, "aws-jwt-verify")
    results = {r["name"]: r for r in report["results"]}

    assert results["id"]["ok"], results["id"]
    assert results["id"]["payload"]["aud"] == pool.client_id
    assert results["id"]["payload"]["email"] == pool.email
    assert results["access"]["ok"], results["access"]
    assert results["access"]["payload"]["client_id"] == pool.client_id
    assert results["access"]["payload"]["username"] == pool.username
    assert results["other pool, its own issuer"]["ok"], results["other pool, its own issuer"]

    expected_failures = {
        "id as access": ("CognitoJwtInvalidTokenUseError", "Token use not allowed: id. Expected: access"),
        "access as id": ("CognitoJwtInvalidTokenUseError", "Token use not allowed: access. Expected: id"),
        "other client": ("CognitoJwtInvalidClientIdError", "Client ID not allowed"),
        "other pool": ("KidNotFoundInJwksError", ""),  # its key is not in this pool's JWKS
        "forged": ("JwtInvalidSignatureError", "Invalid signature"),
    }
    failures = {name: (results[name]["error"] or {}) for name in expected_failures}
    got = {name: (error.get("name"), error.get("message", "")) for name, error in failures.items()}
    for name, (error, message) in expected_failures.items():
        assert not results[name]["ok"], results[name]
        assert got[name][0] == error and got[name][1].startswith(message), got
