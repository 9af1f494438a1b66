"""Identity-pool logins from Login with Amazon (`www.amazon.com`): the access token must be one
Amazon's token-info endpoint says was issued to the configured client, then the profile names
the user. A stand-in for Amazon's API (token info and profile) runs in the test, and the
server under test reaches it through `--social-endpoints` (LoginWithAmazon's userinfo
endpoint)."""

import json
import secrets
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers import uniq
from identity_fixtures import (
    create_roles,
    credentials_client,
    expect_error,
    identity_client,
    make_identity_pool,
    unverified_claims,
)

CLIENT_ID = "amzn1.application-oa2-client.cognate"
OTHER_CLIENT_ID = "amzn1.application-oa2-client.other"


class AmazonStandIn:
    """Token info (`/auth/o2/tokeninfo?access_token=T` → {aud, user_id}) and the profile
    (`/user/profile` with a bearer token → {user_id, name, email}) of tokens it issued."""

    def __init__(self):
        self.tokens = {}  # access token -> (client id, user id)
        self.calls = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                stand_in.calls.append(url.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                auth = self.headers.get("authorization", "")
                token = auth[7:] if auth.lower().startswith("bearer ") else query.get("access_token")
                grant = stand_in.tokens.get(token)
                if grant is None:
                    return self.answer(400, {"error": "invalid_token"})
                client_id, user_id = grant
                if url.path == "/auth/o2/tokeninfo":
                    return self.answer(200, {"aud": client_id, "user_id": user_id, "app_id": "app", "exp": 3600})
                if url.path == "/user/profile":
                    return self.answer(200, {"user_id": user_id, "name": "Ann", "email": "ann@example.com"})
                return self.answer(404, {"error": "not_found"})

            def answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def issue(self, client_id, user_id):
        token = "Atza|" + secrets.token_urlsafe(24)
        self.tokens[token] = (client_id, user_id)
        return token

    def stop(self):
        self.httpd.shutdown()


@pytest.fixture(scope="module")
def amazon():
    stand_in = AmazonStandIn()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="module")
def amazon_url(amazon, tmp_path_factory):
    """A server whose Login with Amazon endpoints are the stand-in."""
    from conftest import start_server

    tmp = tmp_path_factory.mktemp("amazon")
    endpoints = tmp / "social.json"
    endpoints.write_text(json.dumps({"LoginWithAmazon": {"userinfo_endpoint": f"{amazon.url}/user/profile"}}))
    srv = start_server(tmp / "data", extra_env={"COGNATE_SOCIAL_ENDPOINTS": str(endpoints)})
    yield srv.url
    srv.stop()


@pytest.fixture
def pool(amazon_url):
    pool_id = make_identity_pool(amazon_url, SupportedLoginProviders={"www.amazon.com": CLIENT_ID})["IdentityPoolId"]
    create_roles(amazon_url, pool_id)
    yield pool_id
    identity_client(amazon_url).delete_identity_pool(IdentityPoolId=pool_id)


def test_amazon_login_gives_an_identity_and_credentials(amazon_url, amazon, pool):
    public = identity_client(amazon_url, unsigned=True)
    user = uniq("amzn1.account")
    logins = {"www.amazon.com": amazon.issue(CLIENT_ID, user)}
    identity = public.get_id(IdentityPoolId=pool, Logins=logins)["IdentityId"]
    creds = public.get_credentials_for_identity(IdentityId=identity, Logins=logins)
    assert creds["IdentityId"] == identity
    caller = credentials_client("sts", amazon_url, creds["Credentials"]).get_caller_identity()
    assert caller["Arn"].endswith("/CognitoIdentityCredentials")
    # Another token of the same Amazon user is the same identity.
    again = {"www.amazon.com": amazon.issue(CLIENT_ID, user)}
    assert public.get_id(IdentityPoolId=pool, Logins=again)["IdentityId"] == identity
    assert identity_client(amazon_url).describe_identity(IdentityId=identity)["Logins"] == ["www.amazon.com"]
    token = public.get_open_id_token(IdentityId=identity, Logins=again)["Token"]
    amr = unverified_claims(token)["amr"]
    assert amr[:2] == ["authenticated", "www.amazon.com"] and amr[2].endswith(f":{user}"), amr
    assert "/auth/o2/tokeninfo" in amazon.calls and "/user/profile" in amazon.calls


def test_a_token_of_another_client_is_refused(amazon_url, amazon, pool):
    public = identity_client(amazon_url, unsigned=True)
    foreign = {"www.amazon.com": amazon.issue(OTHER_CLIENT_ID, uniq("amzn1.account"))}
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool, Logins=foreign)


@pytest.mark.parametrize("token", ["Atza|unknown-token", "bad token with spaces", "x" * 5000])
def test_unknown_or_malformed_tokens_are_refused(amazon_url, pool, token):
    public = identity_client(amazon_url, unsigned=True)
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool, Logins={"www.amazon.com": token})
