"""The hosted UI in a real browser: headless Chromium (Debian's, through playwright-core) driven by
tests/e2e/js/browser/hosted-ui.mjs, one Node process per test, against a client whose callback and
sign-out URLs are a small HTTP server run by the test on 127.0.0.1.

Proven here: the code flow as a browser runs it (sign-in form filled by its labels, the redirect
to the callback with code and state, the code exchanged over plain HTTP), sign-out ending the
hosted-UI session, the error message for a wrong password, that no other site can frame the
sign-in page, and that the pages have no serious or critical accessibility (axe-core) violations.
Screenshots of every page visited go to tests/e2e/artifacts/<test>/ (ignored by git).
"""

import base64
import hashlib
import html
import http.server
import json
import os
import secrets
import shutil
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

from auth_fixtures import code_from, last_email, unique_email
from helpers import delete_pool_quietly, uniq

HERE = Path(__file__).resolve().parent
JS_DIR = HERE / "js"
SCRIPT = JS_DIR / "browser" / "hosted-ui.mjs"
ARTIFACTS = HERE / "artifacts"
CHROMIUM = os.environ.get("COGNATE_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Browser-Passw0rd!"
SCOPES = ["openid", "email", "profile"]
NODE_TIMEOUT = 120


def browser_missing():
    """Why the browser tests cannot run (matched by conftest's MISSING_DEPENDENCY), or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    for package in ("playwright-core", "axe-core"):
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


class Run:
    def __init__(self, report):
        self.report = report
        self.steps = report["steps"]

    def __getitem__(self, i):
        return self.steps[i]


def run_browser(request, steps, bypass_csp=False, part=None):
    """Runs the steps in one Chromium context; screenshots in artifacts/<test name>[-<part>]/."""
    name = request.node.name.replace("/", "-").replace("[", "-").replace("]", "") + (f"-{part}" if part else "")
    shots = ARTIFACTS / name
    shutil.rmtree(shots, ignore_errors=True)
    args = {"artifacts": str(shots), "bypassCSP": bypass_csp, "steps": steps}
    proc = subprocess.run(["node", str(SCRIPT), json.dumps(args)], cwd=JS_DIR, capture_output=True, text=True,
                          timeout=NODE_TIMEOUT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"hosted-ui.mjs printed no report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    report = json.loads(lines[-1])
    assert report["ok"], f"{report.get('error')}\nsteps: {json.dumps(report['steps'], indent=1)}\n{proc.stderr}"
    return Run(report)


# --- the relying party's side: a callback server on 127.0.0.1 ---------------------------------


class Site:
    """A tiny web site on 127.0.0.1 standing in for the application: /cb and /bye record the
    queries they receive; /frame?src=URL is a page that frames URL; /broken is a page with
    accessibility faults."""

    def __init__(self):
        self.hits = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                parts = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parts.query)
                site.hits.append((parts.path, query))
                if parts.path == "/broken":  # what axe must flag, to show it runs
                    body = '<!doctype html><html><body><img src="x.png"><input type="text"></body></html>'
                elif parts.path == "/frame":
                    src = html.escape(query.get("src", [""])[0], quote=True)
                    body = (f'<!doctype html><html lang="en"><head><title>Framing test</title></head><body>'
                            f'<h1>Another site</h1><iframe title="sign-in" src="{src}" width="600" height="500">'
                            f'</iframe></body></html>')
                else:
                    heading = {"/cb": "Signed in", "/bye": "Signed out"}.get(parts.path, "Not here")
                    body = (f'<!doctype html><html lang="en"><head><title>{heading}</title></head><body>'
                            f'<h1>{heading}</h1></body></html>')
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.cb = f"{self.base}/cb"
        self.bye = f"{self.base}/bye"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def queries(self, path):
        return [q for p, q in self.hits if p == path]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def site():
    s = Site()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def pool(idp):
    pool_id = idp.create_user_pool(PoolName=uniq("browser"))["UserPool"]["Id"]
    yield pool_id
    delete_pool_quietly(idp, pool_id)


@pytest.fixture(scope="module")
def meta(url, pool):
    return requests.get(f"{url}/{pool}/.well-known/openid-configuration", timeout=10).json()


def new_client(idp, pool, site):
    return idp.create_user_pool_client(
        UserPoolId=pool, ClientName=uniq("spa"), AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"], AllowedOAuthScopes=SCOPES, CallbackURLs=[site.cb], LogoutURLs=[site.bye],
        SupportedIdentityProviders=["COGNITO"],
    )["UserPoolClient"]["ClientId"]


def new_user(idp, pool):
    name = uniq("u")
    idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True)
    return name


class Authorization:
    """One authorization request with PKCE S256 and a fresh state."""

    def __init__(self, meta, client_id, site, **extra):
        self.verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()
        self.state = secrets.token_urlsafe(16)
        self.client_id = client_id
        self.redirect_uri = site.cb
        self.url = meta["authorization_endpoint"] + "?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": client_id, "redirect_uri": site.cb, "scope": " ".join(SCOPES),
            "state": self.state, "code_challenge": challenge, "code_challenge_method": "S256", **extra})

    def exchange(self, meta, code):
        r = requests.post(meta["token_endpoint"], data={
            "grant_type": "authorization_code", "client_id": self.client_id, "code": code,
            "redirect_uri": self.redirect_uri, "code_verifier": self.verifier}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# --- sign-in, sign-out -------------------------------------------------------------------------


def test_sign_in_exchange_and_sign_out(chromium, request, idp, pool, meta, site):
    client_id = new_client(idp, pool, site)
    username = new_user(idp, pool)
    first = Authorization(meta, client_id, site)
    second = Authorization(meta, client_id, site)
    third = Authorization(meta, client_id, site)
    logout = meta["end_session_endpoint"] + "?" + urllib.parse.urlencode(
        {"client_id": client_id, "logout_uri": site.bye})
    run = run_browser(request, [
        {"op": "goto", "url": first.url, "name": "login"},
        {"op": "login", "username": username, "password": PASSWORD, "name": "callback"},
        {"op": "goto", "url": second.url, "name": "silent-sign-in"},
        {"op": "goto", "url": logout, "name": "signed-out"},
        {"op": "goto", "url": third.url, "name": "login-again"},
    ])

    login = run[0]
    assert login["status"] == 200 and login["hasLoginForm"], login
    assert login["url"].startswith(f"{meta['issuer']}/login?"), login["url"]
    assert login["title"] == "Sign in" and login["alert"] is None

    # The form posted, and Chromium followed the redirect to the application with code and state.
    callback = run[1]
    assert callback["url"].startswith(site.cb + "?"), callback
    assert callback["heading"] == "Signed in"
    received = site.queries("/cb")[0]
    assert received["state"] == [first.state] and len(received["code"]) == 1, received
    tokens = first.exchange(meta, received["code"][0])
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    claims = jwt_claims(tokens["id_token"])
    assert claims["cognito:username"] == username and claims["aud"] == client_id
    assert claims["iss"] == meta["issuer"] and claims["token_use"] == "id"
    assert set(jwt_claims(tokens["access_token"])["scope"].split()) == set(SCOPES)
    info = requests.get(meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"},
                        timeout=10)
    assert info.status_code == 200 and info.json()["username"] == username

    # The hosted-UI session signs the browser in again without the form.
    silent = run[2]
    assert silent["url"].startswith(site.cb + "?") and not silent["hasLoginForm"], silent
    assert site.queries("/cb")[1]["state"] == [second.state]

    # /logout ends the session and returns to the registered sign-out URL...
    out = run[3]
    assert out["url"] == site.bye and out["heading"] == "Signed out", out
    # ...so the next authorization asks for the password again.
    again = run[4]
    assert again["hasLoginForm"] and again["url"].startswith(f"{meta['issuer']}/login?"), again
    assert len(site.queries("/cb")) == 2
    assert all(Path(step["screenshot"]).is_file() for step in run.steps)

    # With the CSP enforced, the pages' stylesheet applies and nothing on them is refused.
    assert login["styled"] and again["styled"]
    assert not [m for m in run.report["console"] if "Content Security Policy" in m["text"]], run.report["console"]


def test_wrong_password_shows_the_error(chromium, request, idp, pool, meta, site):
    client_id = new_client(idp, pool, site)
    username = new_user(idp, pool)
    auth = Authorization(meta, client_id, site)
    run = run_browser(request, [
        {"op": "goto", "url": auth.url, "name": "login"},
        {"op": "login", "username": username, "password": "Wrong-Passw0rd!", "name": "wrong-password"},
        {"op": "login", "username": username, "password": PASSWORD, "enter": True, "name": "callback"},
    ])
    wrong = run[1]
    assert wrong["hasLoginForm"] and wrong["alert"] == "Incorrect username or password.", wrong
    assert wrong["url"].startswith(f"{meta['issuer']}/login?")
    # The form is filled again with the username, and the second try, submitted from the
    # keyboard (Enter in the password field), goes through.
    right = run[2]
    assert right["url"].startswith(site.cb + "?code="), right
    assert site.queries("/cb")[-1]["state"] == [auth.state]


# --- framing -----------------------------------------------------------------------------------


def test_sign_in_page_cannot_be_framed(chromium, request, idp, pool, meta, site):
    client_id = new_client(idp, pool, site)
    login = f"{meta['issuer']}/login?" + urllib.parse.urlsplit(Authorization(meta, client_id, site).url).query
    direct = requests.get(login, timeout=10)
    assert direct.status_code == 200 and 'id="password"' in direct.text
    framing = f"{site.base}/frame?" + urllib.parse.urlencode({"src": login})
    run = run_browser(request, [{"op": "goto", "url": framing, "name": "framed"}, {"op": "frames"}])
    (frame,) = run[1]["frames"]
    # Chromium refused to render the page in the frame (frame-ancestors 'none', X-Frame-Options:
    # DENY): the frame holds its error page, not the form.
    assert not frame["hasLoginForm"], frame
    assert "Sign in" not in (frame["text"] or ""), frame
    assert frame["url"] != login, frame
    refusals = [m["text"] for m in run.report["console"] if "frame-ancestors" in m["text"]]
    assert refusals, run.report["console"]
    assert run[1]["heading"] == "Another site"


# --- accessibility (axe-core) ------------------------------------------------------------------


def serious(step):
    return [v for v in step["violations"] if v["impact"] in ("serious", "critical")]


def assert_accessible(run, names):
    """Every axe step has no serious or critical violations; the steps before them are the pages."""
    checked = [step for step in run.steps if step["op"] == "axe"]
    assert [step["title"] for step in checked] == names, [step["title"] for step in checked]
    for step in checked:
        assert serious(step) == [], f"{step['url']}:\n{json.dumps(serious(step), indent=1)}"


def test_accessibility_of_sign_in_and_error_pages(chromium, request, idp, pool, meta, site):
    client_id = new_client(idp, pool, site)
    username = new_user(idp, pool)
    auth = Authorization(meta, client_id, site)
    bad_redirect = auth.url.replace(urllib.parse.quote(site.cb, safe=""),
                                    urllib.parse.quote("http://127.0.0.1:1/elsewhere", safe=""))
    assert bad_redirect != auth.url
    run = run_browser(request, [
        {"op": "goto", "url": auth.url, "name": "login"},
        {"op": "axe"},
        {"op": "login", "username": username, "password": "Wrong-Passw0rd!", "name": "login-with-error"},
        {"op": "axe"},
        {"op": "goto", "url": bad_redirect, "name": "error-bad-redirect-uri"},
        {"op": "axe"},
        {"op": "goto", "url": f"{site.base}/broken", "name": "broken"},
        {"op": "axe"},
    ], bypass_csp=True)
    # axe ran for real: it flags the faulty page.
    flagged = {v["id"] for v in serious(run[7])}
    assert {"image-alt", "label", "html-has-lang"} <= flagged, run[7]["violations"]
    run.steps[6:] = []
    assert run[2]["alert"] == "Incorrect username or password."
    assert run[4]["status"] == 400 and run[4]["alert"], run[4]
    assert_accessible(run, ["Sign in", "Sign in", "Error"])


def test_accessibility_of_challenge_pages(chromium, request, idp, pool, meta, site):
    pyotp = pytest.importorskip("pyotp")
    # NEW_PASSWORD_REQUIRED: a user with a temporary password, in the module's pool.
    client_id = new_client(idp, pool, site)
    temp = uniq("temp")
    idp.admin_create_user(UserPoolId=pool, Username=temp, TemporaryPassword="Temp-Passw0rd!",
                          MessageAction="SUPPRESS")

    # MFA_SETUP, SOFTWARE_TOKEN_MFA and SELECT_MFA_TYPE: pools with MFA on and optional.
    required = idp.create_user_pool(PoolName=uniq("browser-mfa-on"))["UserPool"]["Id"]
    # The optional pool remembers devices, so its code page carries the "Remember this device" box.
    optional = idp.create_user_pool(PoolName=uniq("browser-mfa-opt"), DeviceConfiguration={
        "ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True})["UserPool"]["Id"]
    request.addfinalizer(lambda: [delete_pool_quietly(idp, p) for p in (required, optional)])
    idp.set_user_pool_mfa_config(UserPoolId=required, MfaConfiguration="ON",
                                 SoftwareTokenMfaConfiguration={"Enabled": True})
    idp.set_user_pool_mfa_config(
        UserPoolId=optional, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True},
        SmsMfaConfiguration={"SmsAuthenticationMessage": "Your code is {####}", "SmsConfiguration": {
            "SnsCallerArn": "arn:aws:iam::123456789012:role/cognate-e2e-sns", "ExternalId": "cognate-e2e"}})
    setup_meta = requests.get(f"{meta['issuer'].rsplit('/', 1)[0]}/{required}/.well-known/openid-configuration",
                              timeout=10).json()
    mfa_meta = requests.get(f"{meta['issuer'].rsplit('/', 1)[0]}/{optional}/.well-known/openid-configuration",
                            timeout=10).json()
    setup_client = new_client(idp, required, site)
    setup_user = new_user(idp, required)
    mfa_client = idp.create_user_pool_client(
        UserPoolId=optional, ClientName=uniq("spa"), AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"], AllowedOAuthScopes=SCOPES, CallbackURLs=[site.cb],
        SupportedIdentityProviders=["COGNITO"], ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                                                   "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]

    def totp_user(phone=None):
        name = new_user(idp, optional)
        if phone:
            idp.admin_update_user_attributes(UserPoolId=optional, Username=name, UserAttributes=[
                {"Name": "phone_number", "Value": phone}, {"Name": "phone_number_verified", "Value": "true"}])
        access = idp.admin_initiate_auth(
            UserPoolId=optional, ClientId=mfa_client, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]
        secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
        idp.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).now())
        idp.admin_set_user_mfa_preference(
            UserPoolId=optional, Username=name,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": phone is None},
            **({"SMSMfaSettings": {"Enabled": True, "PreferredMfa": False}} if phone else {}))
        return name, pyotp.TOTP(secret)

    totp_name, totp = totp_user()
    choice_name, _ = totp_user(phone="+15555550" + str(secrets.randbelow(900) + 100))
    now = time.time()
    codes = {totp.at(now + offset) for offset in (-30, 0, 30, 60)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in codes)

    run = run_browser(request, [
        # The new-password page, then with the "do not match" error.
        {"op": "goto", "url": Authorization(meta, client_id, site).url},
        {"op": "login", "username": temp, "password": "Temp-Passw0rd!", "name": "new-password"},
        {"op": "axe"},
        {"op": "fill", "fields": [["New password", PASSWORD], ["Confirm new password", PASSWORD + "x"]],
         "button": "Send", "name": "new-password-error"},
        {"op": "axe"},
        # The authenticator set-up page with its QR code, then with a wrong code.
        {"op": "goto", "url": Authorization(setup_meta, setup_client, site).url},
        {"op": "login", "username": setup_user, "password": PASSWORD, "name": "mfa-setup"},
        {"op": "axe"},
        {"op": "fill", "fields": [["Code from the app", wrong]], "button": "Verify and sign in",
         "name": "mfa-setup-error"},
        {"op": "axe"},
        # The TOTP code page, then with a wrong code.
        {"op": "goto", "url": Authorization(mfa_meta, mfa_client, site, prompt="login").url},
        {"op": "login", "username": totp_name, "password": PASSWORD, "name": "mfa-code"},
        {"op": "axe"},
        {"op": "fill", "fields": [["Code", wrong]], "button": "Sign in", "name": "mfa-code-error"},
        {"op": "axe"},
        # The choice between two factors.
        {"op": "goto", "url": Authorization(mfa_meta, mfa_client, site, prompt="login").url},
        {"op": "login", "username": choice_name, "password": PASSWORD, "name": "select-mfa"},
        {"op": "axe"},
    ], bypass_csp=True)
    headings = [step["heading"] for step in run.steps if step["op"] in ("login", "fill")]
    assert headings == ["Change password", "Change password", "Set up an authenticator app",
                        "Set up an authenticator app", "Multi-factor authentication",
                        "Multi-factor authentication", "Choose how to verify it is you"], headings
    assert [bool(step["alert"]) for step in run.steps if step["op"] in ("login", "fill")] == [
        False, True, False, True, False, True, False]
    assert_accessible(run, ["Change password", "Change password", "Set up an authenticator app",
                            "Set up an authenticator app", "Verification code", "Verification code",
                            "Choose a sign-in method"])


def test_accessibility_of_sign_up_and_recovery_pages(chromium, request, auth_server, make_auth_pool, site):
    """Sign-up, confirmation and password recovery, reached by the sign-in page's links, on a
    server whose e-mails go to the SMTP sink."""
    pool = make_auth_pool(client=dict(
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=SCOPES,
        CallbackURLs=[site.cb], SupportedIdentityProviders=["COGNITO"]))
    meta = requests.get(f"{auth_server.url}/{pool.id}/.well-known/openid-configuration", timeout=10).json()
    existing = pool.create_user()
    username, email = uniq("su"), unique_email()
    start = Authorization(meta, pool.client_id, site).url
    run = run_browser(request, [
        {"op": "goto", "url": start, "name": "login"},
        {"op": "click", "link": "Sign up", "name": "sign-up"},
        {"op": "axe"},
        {"op": "fill", "fields": [["Username", username], ["Email", email, False], ["Password", "short"]],
         "button": "Sign up", "name": "sign-up-error"},
        {"op": "axe"},
        {"op": "fill", "fields": [["Password", PASSWORD]], "button": "Sign up", "name": "confirm"},
        {"op": "axe"},
        {"op": "fill", "fields": [["Verification code", "000000"]], "button": "Confirm account",
         "name": "confirm-error"},
        {"op": "axe"},
        {"op": "goto", "url": start, "name": "login-again"},
        {"op": "click", "link": "Forgot your password?", "name": "forgot"},
        {"op": "axe"},
        {"op": "fill", "fields": [["Username", existing]], "button": "Reset my password", "name": "reset"},
        {"op": "axe"},
        {"op": "fill", "fields": [["Code", "000000"], ["New password", PASSWORD + "2"]],
         "button": "Change password", "name": "reset-error"},
        {"op": "axe"},
    ], bypass_csp=True)
    pages = [step for step in run.steps if step["op"] in ("click", "fill")]
    assert [(step["title"], bool(step["alert"])) for step in pages] == [
        ("Sign up", False), ("Sign up", True), ("Confirm your account", False), ("Confirm your account", True),
        ("Forgot your password?", False), ("Reset your password", False), ("Reset your password", True),
    ], [(step["title"], step["alert"]) for step in pages]
    assert_accessible(run, ["Sign up", "Sign up", "Confirm your account", "Confirm your account",
                            "Forgot your password?", "Reset your password", "Reset your password"])

    # The confirmation link (as CONFIRM_WITH_LINK e-mails carry it) ends on the "confirmed" page.
    code = code_from(last_email(email))
    link = f"{auth_server.url}/{pool.id}/confirmUser?" + urllib.parse.urlencode(
        {"client_id": pool.client_id, "user_name": username, "confirmation_code": code})
    done = run_browser(request, [{"op": "goto", "url": link, "name": "confirmed"}, {"op": "axe"}], bypass_csp=True,
                       part="link")
    assert done[0]["status"] == 200 and "confirmed" in done[0]["text"], done[0]
    assert_accessible(done, [done[0]["title"]])
    assert pool.status(username) == "CONFIRMED"


def test_qr_code_and_stylesheet_load_under_the_csp(chromium, request, idp, site):
    """The authenticator set-up page as browsers see it, CSP enforced: the QR code (a data: image)
    decodes and the stylesheet applies."""
    required = idp.create_user_pool(PoolName=uniq("browser-qr"))["UserPool"]["Id"]
    request.addfinalizer(lambda: delete_pool_quietly(idp, required))
    idp.set_user_pool_mfa_config(UserPoolId=required, MfaConfiguration="ON",
                                 SoftwareTokenMfaConfiguration={"Enabled": True})
    issuer_meta = requests.get(f"{idp.meta.endpoint_url}/{required}/.well-known/openid-configuration",
                               timeout=10).json()
    run = run_browser(request, [
        {"op": "goto", "url": Authorization(issuer_meta, new_client(idp, required, site), site).url},
        {"op": "login", "username": new_user(idp, required), "password": PASSWORD, "name": "mfa-setup"},
    ])
    page = run[1]
    assert page["heading"] == "Set up an authenticator app", page
    assert page["images"] == [{"alt": "QR code of your authenticator key", "loaded": True}], page["images"]
    assert page["styled"]
    assert not [m for m in run.report["console"] if "Content Security Policy" in m["text"]], run.report["console"]
