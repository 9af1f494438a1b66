"""The hosted UI's account pages: sign-up, confirmation (code form, resent code, and the link
of CONFIRM_WITH_LINK emails), forgot password and the new-password page, each through to
authlib's code exchange; a requests session is the browser, the SMTP sink holds the codes."""

import html
import re
import urllib.parse

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from trigger_fixtures import *  # noqa: F401,F403
from auth_fixtures import NEW_PASSWORD, PASSWORD, code_from, email_count, last_email, uniq, unique_email
from trigger_fixtures import company_email, company_only_pre_sign_up

CB = "http://localhost:8123/cb"
SCOPES = ["openid", "email", "profile"]
SCHEMA = [
    {"Name": "given_name", "AttributeDataType": "String", "Required": True, "Mutable": True},
    {"Name": "team", "AttributeDataType": "String", "Mutable": True},
    {"Name": "internal", "AttributeDataType": "String", "Mutable": True},
]
WRITABLE = ["email", "given_name", "custom:team"]


def oauth_client(**extra):
    """A client that may use the code flow through the hosted UI."""
    return dict(AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=SCOPES,
                CallbackURLs=[CB], SupportedIdentityProviders=["COGNITO"], **extra)


def oauth_pool(make_auth_pool, secret=False, client=None, **pool_kwargs):
    return make_auth_pool(client=oauth_client(**(client or {})), secret=secret, **pool_kwargs)


class Browser:
    """A browser that follows nothing by itself and posts a page's forms as they are."""

    def __init__(self):
        self.s = requests.Session()

    def get(self, target):
        return self.s.get(target, allow_redirects=False, timeout=10)

    def post(self, page_url, page, data, index=0, csrf=True):
        forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page.text, re.S)
        action, body = forms[index]
        fields = {}
        for tag in re.findall(r"<input [^>]*>", body):
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            if name and value:
                fields[html.unescape(name.group(1))] = html.unescape(value.group(1))
        fields.update(data)
        if not csrf:
            fields.pop("_csrf")
        target = urllib.parse.urljoin(page_url, html.unescape(action))
        return self.s.post(target, data=fields, allow_redirects=False, timeout=10)

    def follow(self, page_url, page, text):
        """GETs the link whose text is `text`; returns (url, response)."""
        href = re.search(r'<a[^>]* href="([^"]+)">' + re.escape(text) + "</a>", page.text)
        assert href, f"no link {text!r} in {page.text}"
        target = urllib.parse.urljoin(page_url, html.unescape(href.group(1)))
        return target, self.get(target)


class Flow:
    """One authorization request of a client of `pool`, and the browser running it."""

    def __init__(self, server, pool):
        self.pool = pool
        self.meta = requests.get(f"{server.url}/{pool.id}/.well-known/openid-configuration", timeout=10).json()
        method = "client_secret_basic" if pool.secret else "none"
        self.sess = OAuth2Session(pool.client_id, pool.secret, scope=" ".join(SCOPES), redirect_uri=CB,
                                  code_challenge_method="S256", token_endpoint_auth_method=method)
        self.verifier = generate_token(48)
        target, _ = self.sess.create_authorization_url(self.meta["authorization_endpoint"],
                                                       code_verifier=self.verifier, nonce="n1")
        self.browser = Browser()
        r = self.browser.get(target)
        assert r.status_code == 302, r.text
        self.login_url = urllib.parse.urljoin(target, r.headers["Location"])
        self.query = urllib.parse.urlsplit(self.login_url).query

    def login_page(self):
        page = self.browser.get(self.login_url)
        assert page.status_code == 200, page.text
        return page

    def page(self, link_text):
        """A page reached from the sign-in page's link."""
        url, page = self.browser.follow(self.login_url, self.login_page(), link_text)
        assert page.status_code == 200, page.text
        assert urllib.parse.urlsplit(url).query == self.query, "the authorization request's query is kept"
        return url, page

    def sign_in(self, username, password, login_url=None):
        login_url = login_url or self.login_url
        page = self.browser.get(login_url)
        r = self.browser.post(login_url, page, {"username": username, "password": password})
        assert r.status_code == 302 and r.headers["Location"].startswith(CB + "?"), r.text
        return self.sess.fetch_token(self.meta["token_endpoint"], authorization_response=r.headers["Location"],
                                     code_verifier=self.verifier)


def sign_up(flow, username, email, password=PASSWORD, **attributes):
    url, page = flow.page("Sign up")
    data = {"username": username, "password": password, "email": email, "given_name": "Ada", **attributes}
    return url, flow.browser.post(url, page, data)


def text_of(page):
    return html.unescape(re.sub(r"\s+", " ", page.text))


# --- sign-up, code confirmation, sign-in ---------------------------------------------------------


@pytest.mark.parametrize("secret", [False, True])
def test_sign_up_confirm_and_sign_in(auth_server, make_auth_pool, secret):
    pool = oauth_pool(make_auth_pool, secret=secret, client={"WriteAttributes": WRITABLE}, Schema=SCHEMA)
    flow = Flow(auth_server, pool)
    _, form = flow.page("Sign up")
    assert 'for="username">Username</label>' in form.text
    assert ">Given name</label>" in form.text and "Team" in form.text and "internal" not in form.text.lower()
    assert "At least 8 characters" in form.text and "An uppercase letter" in form.text
    username, email = uniq("su"), unique_email()
    url, page = sign_up(flow, username, email, **{"custom:team": "blue"})
    assert page.status_code == 200, page.text
    masked = f"{email[0]}***@{email.split('@')[1][0]}***"
    assert f"We have sent a code by email to {masked}" in text_of(page)
    assert pool.status(username) == "UNCONFIRMED"
    code = code_from(last_email(email))
    done = flow.browser.post(url, page, {"code": code})
    assert done.status_code == 200 and "Your account has been confirmed" in done.text, done.text
    assert pool.status(username) == "CONFIRMED"
    login_url, _ = flow.browser.follow(url, done, "Sign in")
    assert urllib.parse.urlsplit(login_url).query == flow.query
    token = flow.sign_in(username, PASSWORD, login_url)
    claims = auth_server.claims(token["id_token"], pool.id)
    assert claims["cognito:username"] == username and claims["given_name"] == "Ada"
    assert claims["custom:team"] == "blue" and claims["email_verified"] is True


def test_policy_violation_keeps_the_form(auth_server, make_auth_pool):
    pool = oauth_pool(make_auth_pool, Schema=SCHEMA)
    flow = Flow(auth_server, pool)
    _, page = sign_up(flow, uniq("su"), unique_email(), password="short")
    assert page.status_code == 200
    assert "Password did not conform with policy: Password not long enough" in text_of(page)
    assert 'value="Ada"' in page.text, "what was typed is shown again"
    assert 'name="password"' in page.text and "Corr" not in page.text


def test_existing_username(auth_server, make_auth_pool):
    pool = oauth_pool(make_auth_pool)
    taken = pool.create_user()
    _, page = sign_up(Flow(auth_server, pool), taken, unique_email())
    assert "User already exists" in page.text


def test_email_username_pool(auth_server, make_auth_pool):
    pool = oauth_pool(make_auth_pool, UsernameAttributes=["email"])
    flow = Flow(auth_server, pool)
    _, form = flow.page("Sign up")
    assert 'for="username">Email</label>' in form.text and 'type="email"' in form.text
    email = unique_email()
    url, form = flow.page("Sign up")
    page = flow.browser.post(url, form, {"username": email, "password": PASSWORD})
    assert page.status_code == 200 and "We have sent a code" in page.text, page.text
    done = flow.browser.post(url, page, {"code": code_from(last_email(email))})
    assert "Your account has been confirmed" in done.text, done.text


def test_pre_sign_up_auto_confirm_goes_back_to_sign_in(trigger_server, trigger_sink, make_trigger_pool):
    pre = trigger_sink.route("presignup", company_only_pre_sign_up)
    pool = make_trigger_pool({"PreSignUp": pre.url}, client=oauth_client())
    flow = Flow(trigger_server, pool)
    username = uniq("staff")
    url, page = flow.page("Sign up")
    r = flow.browser.post(url, page, {"username": username, "password": PASSWORD, "email": company_email()})
    assert r.status_code == 302 and urllib.parse.urljoin(url, r.headers["Location"]) == flow.login_url
    (event,) = pre.events_for(user_name=username)
    assert event["callerContext"]["clientId"] == pool.client_id
    assert event["triggerSource"] == "PreSignUp_SignUp"
    token = flow.sign_in(username, PASSWORD)
    assert trigger_server.claims(token["id_token"], pool.id)["cognito:username"] == username
    refused = flow.browser.post(url, page, {"username": uniq("out"), "password": PASSWORD, "email": unique_email()})
    assert refused.status_code == 200 and "PreSignUp failed with error" in text_of(refused)


# --- link-style confirmation ---------------------------------------------------------------------


def test_confirmation_link(auth_server, make_auth_pool):
    pool = oauth_pool(make_auth_pool, VerificationMessageTemplate={"DefaultEmailOption": "CONFIRM_WITH_LINK"})
    username, email = uniq("ln"), unique_email()
    _, page = sign_up(Flow(auth_server, pool), username, email)
    assert page.status_code == 200, page.text
    mail = last_email(email)
    body = mail.message.get_body(preferencelist=("html", "plain")).get_content()
    link = html.unescape(re.search(r'href="([^"]+)"', body).group(1))
    assert link.startswith(f"{auth_server.url}/{pool.id}/confirmUser?client_id={pool.client_id}&user_name=")
    r = requests.get(link, allow_redirects=False, timeout=10)
    assert r.status_code == 200 and "Location" not in r.headers
    assert "Your account has been confirmed" in r.text
    assert pool.status(username) == "CONFIRMED"
    assert pool.attrs_of(username)["email_verified"] == "true"
    again = requests.get(link, allow_redirects=False, timeout=10)
    assert again.status_code == 200 and "Location" not in again.headers
    assert "already been confirmed" in again.text


def custom_link_message(event):
    """CustomMessage: a welcome email around the link parameter (no code placeholder)."""
    event["response"]["emailMessage"] = "Welcome aboard! " + event["request"]["linkParameter"]
    event["response"]["emailSubject"] = "Welcome"
    return event


def test_custom_message_carries_the_link(trigger_server, trigger_sink, make_trigger_pool):
    custom = trigger_sink.route("custommessage", custom_link_message)
    pool = make_trigger_pool({"CustomMessage": custom.url}, client=oauth_client(),
                             VerificationMessageTemplate={"DefaultEmailOption": "CONFIRM_WITH_LINK"})
    username, email = uniq("cm"), unique_email()
    _, page = sign_up(Flow(trigger_server, pool), username, email)
    assert page.status_code == 200, page.text
    mail = last_email(email)
    body = mail.message.get_body(preferencelist=("html", "plain")).get_content()
    assert mail.subject == "Welcome" and body.startswith("Welcome aboard! <a href=")
    link = html.unescape(re.search(r'href="([^"]+)">Click Here</a>', body).group(1))
    assert "Your account has been confirmed" in requests.get(link, allow_redirects=False, timeout=10).text
    assert pool.status(username) == "CONFIRMED"


def test_confirmation_link_with_a_wrong_code_or_client(auth_server, make_auth_pool):
    pool = oauth_pool(make_auth_pool)
    username, email = uniq("ln"), unique_email()
    pool.sign_up(username, attributes={"email": email})
    base = f"{auth_server.url}/{pool.id}/confirmUser"
    q = urllib.parse.urlencode({"client_id": pool.client_id, "user_name": username, "confirmation_code": "000000"})
    r = requests.get(f"{base}?{q}", allow_redirects=False, timeout=10)
    assert "Invalid verification code" in r.text and "Location" not in r.headers
    assert pool.status(username) == "UNCONFIRMED"
    q = urllib.parse.urlencode({"client_id": "nope", "user_name": username, "confirmation_code": "000000"})
    r = requests.get(f"{base}?{q}", allow_redirects=False, timeout=10)
    assert r.status_code == 400 and "Location" not in r.headers


def test_resend_code(auth_server, make_auth_pool):
    pool = oauth_pool(make_auth_pool)
    flow = Flow(auth_server, pool)
    username, email = uniq("rs"), unique_email()
    url, page = sign_up(flow, username, email)
    first = code_from(last_email(email))
    resent = flow.browser.post(url, page, {}, index=1)
    assert resent.status_code == 200 and "We have sent a code" in resent.text, resent.text
    second = code_from(last_email(email, after=1))
    assert email_count(email) == 2
    done = flow.browser.post(url, resent, {"code": second if second != first else first})
    assert "Your account has been confirmed" in done.text, done.text


# --- forgot password -----------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [False, True])
def test_forgot_password(auth_server, make_auth_pool, secret):
    pool = oauth_pool(make_auth_pool, secret=secret)
    email = unique_email()
    username = pool.create_user(attributes={"email": email, "email_verified": "true"})
    flow = Flow(auth_server, pool)
    url, page = flow.page("Forgot your password?")
    reset = flow.browser.post(url, page, {"username": username})
    assert reset.status_code == 200 and "Reset your password" in reset.text, reset.text
    assert "At least 8 characters" in reset.text
    code = code_from(last_email(email))
    weak = flow.browser.post(url, reset, {"code": code, "password": "weak"})
    assert "Password did not conform with policy" in text_of(weak)
    done = flow.browser.post(url, weak, {"code": code, "password": NEW_PASSWORD})
    assert done.status_code == 200 and "Your password has been changed" in done.text, done.text
    login_url, _ = flow.browser.follow(url, done, "Sign in")
    token = flow.sign_in(username, NEW_PASSWORD, login_url)
    assert auth_server.claims(token["id_token"], pool.id)["cognito:username"] == username


def test_forgot_password_hides_who_exists(auth_server, make_auth_pool):
    pool = oauth_pool(make_auth_pool, client={"PreventUserExistenceErrors": "ENABLED"})
    known = pool.create_user()
    flow = Flow(auth_server, pool)
    url, page = flow.page("Forgot your password?")
    answers = []
    for name in (known, uniq("ghost")):
        r = flow.browser.post(url, page, {"username": name})
        assert r.status_code == 200
        answers.append(r.text.replace(name, "NAME"))
    assert answers[0] == answers[1]
    ghost = flow.browser.post(url, page, {"username": uniq("ghost")})
    reset = flow.browser.post(url, ghost, {"code": "123456", "password": NEW_PASSWORD})
    assert "Invalid verification code" in reset.text


# --- the pages' defences -------------------------------------------------------------------------


def test_forms_without_csrf_are_refused(auth_server, make_auth_pool):
    pool = oauth_pool(make_auth_pool)
    flow = Flow(auth_server, pool)
    url, page = flow.page("Sign up")
    username = uniq("cs")
    r = flow.browser.post(url, page, {"username": username, "password": PASSWORD, "email": unique_email()},
                          csrf=False)
    assert r.status_code == 403
    with pytest.raises(pool.idp.exceptions.UserNotFoundException):
        pool.get_user(username)
    url, page = flow.page("Forgot your password?")
    assert flow.browser.post(url, page, {"username": "x"}, csrf=False).status_code == 403


def test_markup_is_escaped(auth_server, make_auth_pool):
    pool = oauth_pool(make_auth_pool)
    flow = Flow(auth_server, pool)
    evil = '<b id="x">bold</b>'
    _, page = sign_up(flow, evil, unique_email(), password="short")
    assert evil not in page.text and "&lt;b" in page.text
    confirm = flow.browser.get(f"{auth_server.url}/{pool.id}/confirmUser?{flow.query}&"
                               + urllib.parse.urlencode({"user_name": evil}))
    assert confirm.status_code == 200 and evil not in confirm.text and "&lt;b" in confirm.text


@pytest.mark.parametrize("path", ["signup", "confirmUser", "forgotPassword", "confirmForgotPassword"])
def test_unregistered_redirect_uri_gets_the_error_page(auth_server, make_auth_pool, path):
    pool = oauth_pool(make_auth_pool)
    q = urllib.parse.urlencode({"client_id": pool.client_id, "response_type": "code",
                                "redirect_uri": "https://evil.example/cb"})
    r = requests.get(f"{auth_server.url}/{pool.id}/{path}?{q}", allow_redirects=False, timeout=10)
    assert r.status_code == 400 and "Location" not in r.headers
    assert "redirect_uri does not match" in r.text and "evil.example" not in r.text


def test_admin_only_pool_has_no_sign_up_form(auth_server, make_auth_pool):
    pool = oauth_pool(make_auth_pool, AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    flow = Flow(auth_server, pool)
    _, page = flow.browser.follow(flow.login_url, flow.login_page(), "Sign up")
    assert page.status_code == 400 and "SignUp is not permitted for this user pool" in page.text
    assert "<form" not in page.text


def test_unconfirmed_sign_in_links_to_the_confirmation_page(auth_server, make_auth_pool):
    pool = oauth_pool(make_auth_pool)
    flow = Flow(auth_server, pool)
    username, email = uniq("uc"), unique_email()
    sign_up(flow, username, email)
    code = code_from(last_email(email))
    page = flow.login_page()
    refused = flow.browser.post(flow.login_url, page, {"username": username, "password": PASSWORD})
    assert "User is not confirmed." in refused.text
    url, confirm = flow.browser.follow(flow.login_url, refused, "Confirm your account")
    assert f'value="{username}"' in confirm.text
    done = flow.browser.post(url, confirm, {"code": code})
    assert "Your account has been confirmed" in done.text
    flow.sign_in(username, PASSWORD)
