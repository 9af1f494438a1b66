"""Amplify v6's `signInWithRedirect` and `signOut` in headless Chromium against Cognate on HTTPS.

The app (tests/e2e/js/amplify-app/app.js) is bundled with esbuild at test time and served from
http://localhost:<port>/ by the test; Cognate serves the pool's custom domain auth.cognate.test
(mapped to 127.0.0.1 in Chromium) with a certificate from a test CA. Proven here: Amplify sends
the browser to the hosted UI's /login on https://auth.cognate.test:<port>, the form signs in,
Amplify exchanges the code at /oauth2/token with a cross-origin fetch (CORS), the app sees the
user and tokens; signOut goes through /logout back to the app, ends the hosted-UI session (the
next sign-in shows the form again) and revokes the refresh token. Screenshots go to
tests/e2e/artifacts/<test>/.
"""

import datetime
import http.server
import ipaddress
import json
import shutil
import subprocess
import threading
from functools import partial

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes

from helpers import delete_pool_quietly, uniq
from test_browser import ARTIFACTS, JS_DIR, browser_missing
from test_tls import Ca, _idp, _key_pem, _name, _write_pair

DOMAIN = "auth.cognate.test"
PASSWORD = "Amplify-Passw0rd!"
SCOPES = ["openid", "email", "profile", "aws.cognito.signin.user.admin"]
APP_DIR = JS_DIR / "amplify-app"


def _issue(ca, key):
    """A server certificate for auth.cognate.test, localhost and 127.0.0.1."""
    now = datetime.datetime.now(datetime.timezone.utc)
    san = x509.SubjectAlternativeName(
        [x509.DNSName(DOMAIN), x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(_name(DOMAIN))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(san, critical=False)
        .sign(ca.key, hashes.SHA256())
    )


class App:
    """Serves the bundled app's directory on 127.0.0.1, reached as http://localhost:<port>/."""

    def __init__(self, directory):
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        handler = partial(Quiet, directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://localhost:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def https_server(server_factory, tmp_path):
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    if not (JS_DIR / "node_modules" / "esbuild").is_dir():
        pytest.skip("esbuild in tests/e2e/js/node_modules is missing (npm ci --prefix tests/e2e/js)")
    tls_dir = tmp_path / "tls"
    tls_dir.mkdir()
    ca = Ca(tls_dir)
    key = ec.generate_private_key(ec.SECP256R1())
    cert_path, key_path = _write_pair(
        tls_dir, _issue(ca, key), _key_pem(key, serialization.PrivateFormat.TraditionalOpenSSL)
    )
    server = server_factory(tmp_path / "data", extra_args=["--tls-cert", str(cert_path), "--tls-key", str(key_path)])
    server.ca = ca
    return server


def test_sign_in_with_redirect_and_sign_out(request, https_server, tmp_path):
    ca_path = str(https_server.ca.path)
    port = https_server.url.rsplit(":", 1)[1]
    domain = f"{DOMAIN}:{port}"
    idp = _idp(https_server.url, https_server.ca.path)
    pool_id = idp.create_user_pool(PoolName=uniq("amplify"))["UserPool"]["Id"]
    out = tmp_path / "app"
    out.mkdir()
    app = App(out)
    try:
        idp.create_user_pool_domain(
            UserPoolId=pool_id, Domain=DOMAIN,
            CustomDomainConfig={"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/cognate-test"},
        )
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="amplify-app", AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["code"], AllowedOAuthScopes=SCOPES, SupportedIdentityProviders=["COGNITO"],
            CallbackURLs=[app.url], LogoutURLs=[app.url],
        )["UserPoolClient"]["ClientId"]
        username = uniq("amp")
        idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"},
                                              {"Name": "email_verified", "Value": "true"}])
        idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)

        config = {"userPoolId": pool_id, "userPoolClientId": client_id, "domain": domain, "appUrl": app.url,
                  # Amplify's signOut revokes the refresh token through the API (RevokeToken).
                  "userPoolEndpoint": f"https://{domain}"}
        subprocess.run(["node", str(APP_DIR / "build.mjs"), str(out), json.dumps(config)], cwd=JS_DIR, check=True,
                       timeout=120)

        shots = ARTIFACTS / request.node.name
        shutil.rmtree(shots, ignore_errors=True)
        args = {"appUrl": app.url, "domain": domain, "username": username, "password": PASSWORD,
                "artifacts": str(shots)}
        proc = subprocess.run(["node", str(APP_DIR / "drive.mjs"), json.dumps(args)], cwd=JS_DIR,
                              capture_output=True, text=True, timeout=180)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        assert lines, f"drive.mjs printed no report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        report = json.loads(lines[-1])
        detail = json.dumps(report, indent=1)
        assert report["ok"], detail
        steps = {s["name"]: s for s in report["steps"]}

        assert steps["app-start"]["state"]["signedIn"] is False, detail
        login = steps["hosted-ui-login"]
        assert login["url"].startswith(f"https://{domain}/login?"), detail
        assert login["hasLoginForm"], detail
        assert steps["returned"]["url"].startswith(f"{app.url}?code="), detail

        signed_in = steps["app-signed-in"]["state"]
        assert signed_in["signedIn"] is True, detail
        assert signed_in["username"] == username and signed_in["idTokenUsername"] == username, detail
        assert set(signed_in["accessTokenScope"].split()) == set(SCOPES), detail

        assert steps["app-signed-out"]["state"]["signedIn"] is False, detail
        # signOut revoked the refresh token through the API (RevokeToken), which ends the access
        # tokens issued with it: userInfo now refuses the one Amplify held.
        info = requests.get(f"{https_server.url}/{pool_id}/oauth2/userInfo", verify=ca_path, timeout=10,
                            headers={"Authorization": f"Bearer {signed_in['accessToken']}"})
        assert info.status_code == 401 and info.json() == {"error": "invalid_token"}, info.text
        again = steps["hosted-ui-login-again"]
        assert again["url"].startswith(f"https://{domain}/login?") and again["hasLoginForm"], detail
    finally:
        app.stop()
        delete_pool_quietly(idp, pool_id)


def test_cors_only_on_the_machine_endpoints(https_server):
    """Preflight and Access-Control-Allow-Origin on token, userInfo and revoke; never credentials;
    nothing on the HTML pages."""
    ca_path = str(https_server.ca.path)
    origin = "http://localhost:1234"
    for path in ("/oauth2/token", "/oauth2/revoke", "/oauth2/userInfo"):
        pre = requests.options(f"{https_server.url}/us-east-1_none{path}", verify=ca_path, timeout=10, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-user-agent"})
        assert pre.status_code == 200, (path, pre.status_code, pre.text)
        assert pre.headers.get("access-control-allow-origin") == "*", (path, pre.headers)
        assert "x-amz-user-agent" in pre.headers.get("access-control-allow-headers", ""), (path, pre.headers)
        assert "access-control-allow-credentials" not in pre.headers, (path, pre.headers)
    post = requests.post(f"{https_server.url}/us-east-1_none/oauth2/token", verify=ca_path, timeout=10,
                         headers={"Origin": origin}, data={"grant_type": "authorization_code"})
    assert post.headers.get("access-control-allow-origin") == "*", post.headers
    assert "access-control-allow-credentials" not in post.headers, post.headers
    page = requests.get(f"{https_server.url}/us-east-1_none/login", verify=ca_path, timeout=10,
                        headers={"Origin": origin})
    assert not any(h.lower().startswith("access-control-") for h in page.headers), page.headers
