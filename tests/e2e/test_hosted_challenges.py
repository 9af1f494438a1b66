"""The hosted UI's challenge pages after the password: NEW_PASSWORD_REQUIRED, the TOTP, SMS and
email codes, SELECT_MFA_TYPE and MFA_SETUP (TOTP with its QR code), each ending in an
authorization code that authlib exchanges; CSRF and session expiry on the challenge forms.
Codes come from pyotp on the server's clock and from the SMTP and SMS sinks."""

import base64
import html
import re

import pytest

pyotp = pytest.importorskip("pyotp")
from auth_fixtures import *  # noqa: E402,F401,F403
from hosted_fixtures import HostedBrowser, alert, heading, oauth_client  # noqa: E402
from mfa_fixtures import ENABLED, ON, STEP, Authenticator, enable_totp, mfa_pool  # noqa: E402


def signed_in(browser, response, username):
    token = browser.tokens(response)
    claims = browser.pool.claims(token["id_token"])
    assert claims["cognito:username"] == username, claims
    return token


def sms_user(pool):
    phone = unique_phone()
    username = pool.create_user(attributes={
        "email": unique_email("h"), "email_verified": "true",
        "phone_number": phone, "phone_number_verified": "true"})
    return username, phone


def test_new_password_required(make_clock_pool):
    pool = make_clock_pool()
    client = oauth_client(pool, secret=True)
    username = uniq("temp")
    pool.idp.admin_create_user(UserPoolId=pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD,
                               MessageAction="SUPPRESS",
                               UserAttributes=[{"Name": "email", "Value": unique_email("np")}])
    browser = HostedBrowser(pool, client)
    r = browser.sign_in(username, TEMP_PASSWORD)
    assert r.status_code == 200 and heading(r) == "Change password", r.text
    assert "At least 8 characters" in r.text and "A special character" in r.text
    assert 'autocomplete="new-password"' in r.text and "<script" not in r.text

    r = browser.post({"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"})
    assert alert(r) == "The passwords do not match.", r.text
    r = browser.post({"password": "short", "confirm_password": "short"})
    assert alert(r) == "Password did not conform with policy: Password not long enough", r.text
    r = browser.post({"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    signed_in(browser, r, username)
    assert pool.status(username) == "CONFIRMED"


def test_totp_code_with_a_wrong_code_first(make_clock_pool, clock_server):
    pool = mfa_pool(make_clock_pool, totp=True)
    client = oauth_client(pool)
    username = pool.create_user()
    auth = enable_totp(pool, username, movable=True)
    browser = HostedBrowser(pool, client)
    r = browser.sign_in(username, PASSWORD)
    assert heading(r) == "Multi-factor authentication", r.text
    assert 'autocomplete="one-time-code"' in r.text and 'inputmode="numeric"' in r.text
    # The form may end at the client (the code's redirect); nothing else is loosened.
    csp = r.headers["Content-Security-Policy"]
    assert "form-action 'self' http://localhost:8123;" in csp and "script-src" not in csp, csp
    r = browser.post({"code": auth.wrong_code()})
    assert r.status_code == 200 and alert(r) == "Invalid verification code provided, please try again.", r.text
    r = browser.post({"code": auth.code()})
    signed_in(browser, r, username)


def test_sms_mfa(make_clock_pool):
    pool = mfa_pool(make_clock_pool, totp=False, sms=True)
    client = oauth_client(pool)
    username, phone = sms_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SMSMfaSettings=ON)
    browser = HostedBrowser(pool, client)
    before = sms_count(phone)
    r = browser.sign_in(username, PASSWORD)
    assert heading(r) == "Verification code" and mask_phone(phone) in r.text, r.text
    code = code_from(last_sms(phone, after=before))
    signed_in(browser, browser.post({"code": code}), username)


def test_email_otp(make_clock_pool):
    pool = mfa_pool(make_clock_pool, totp=False, email=True)
    client = oauth_client(pool)
    email = unique_email("otp")
    username = pool.create_user(attributes={"email": email, "email_verified": "true"})
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, EmailMfaSettings=ON)
    browser = HostedBrowser(pool, client)
    before = email_count(email)
    r = browser.sign_in(username, PASSWORD)
    assert heading(r) == "Verification code" and mask_email(email) in r.text, r.text
    code = code_from(last_email(email, after=before))
    wrong = "000000" if code != "000000" else "111111"
    r = browser.post({"code": wrong})
    assert alert(r) == "Invalid verification code provided, please try again.", r.text
    signed_in(browser, browser.post({"code": code}), username)


def test_select_mfa_type(make_clock_pool):
    pool = mfa_pool(make_clock_pool, totp=True, sms=True)
    client = oauth_client(pool)
    username, phone = sms_user(pool)
    enable_totp(pool, username, preferred=None, movable=True)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username,
                                           SMSMfaSettings=ENABLED, SoftwareTokenMfaSettings=ENABLED)
    browser = HostedBrowser(pool, client)
    r = browser.sign_in(username, PASSWORD)
    assert heading(r) == "Choose how to verify it is you", r.text
    choices = set(re.findall(r'name="answer" type="radio" value="([A-Z_]+)"', r.text))
    assert choices == {"SMS_MFA", "SOFTWARE_TOKEN_MFA"}, r.text
    before = sms_count(phone)
    r = browser.post({"answer": "SMS_MFA"})
    assert heading(r) == "Verification code" and mask_phone(phone) in r.text, r.text
    signed_in(browser, browser.post({"code": code_from(last_sms(phone, after=before))}), username)


def test_mfa_setup_with_qr_code(make_clock_pool, clock_server):
    pool = mfa_pool(make_clock_pool, mode="ON", totp=True)
    client = oauth_client(pool)
    username = pool.create_user()
    browser = HostedBrowser(pool, client)
    r = browser.sign_in(username, PASSWORD)
    assert heading(r) == "Set up an authenticator app", r.text
    secret = re.search(r'id="secret">([A-Z2-7]+)<', r.text).group(1)
    page = html.unescape(r.text)
    qr = re.search(r'<img class="qr" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page).group(1)
    svg = base64.b64decode(qr).decode()
    assert "<svg" in svg and "<script" not in svg and "style=" not in svg, svg[:200]
    assert 'alt="QR code' in page
    auth = Authenticator(secret, clock_server, movable=True)
    r = browser.post({"code": auth.wrong_code()})
    assert r.status_code == 200 and alert(r), r.text
    signed_in(browser, browser.post({"code": auth.code()}), username)

    clock_server.advance(STEP)  # each TOTP step is accepted once
    later = HostedBrowser(pool, client)
    r = later.sign_in(username, PASSWORD)
    assert heading(r) == "Multi-factor authentication", r.text
    signed_in(later, later.post({"code": auth.code()}), username)


def test_challenge_form_without_csrf_is_refused(make_clock_pool):
    pool = mfa_pool(make_clock_pool, totp=True)
    client = oauth_client(pool)
    username = pool.create_user()
    auth = enable_totp(pool, username, movable=True)
    browser = HostedBrowser(pool, client)
    browser.sign_in(username, PASSWORD)
    r = browser.post({"code": auth.code()}, drop=("_csrf",))
    assert r.status_code == 403, r.text
    r = browser.s.post(browser.page_url, data={"_csrf": "x", "_state": "forged", "code": "123456"},
                       allow_redirects=False, timeout=10)
    assert r.status_code == 403, r.text


def test_expired_challenge_returns_to_login(make_clock_pool, clock_server):
    pool = mfa_pool(make_clock_pool, totp=True)
    client = oauth_client(pool)
    username = pool.create_user()
    auth = enable_totp(pool, username, movable=True)
    browser = HostedBrowser(pool, client)
    r = browser.sign_in(username, PASSWORD)
    assert heading(r) == "Multi-factor authentication", r.text
    clock_server.advance(181)
    r = browser.post({"code": auth.code()})
    assert r.status_code == 200 and heading(r) == "Sign in", r.text
    assert alert(r) == "Your sign-in session has expired. Please sign in again.", r.text
    # The sign-in page that comes back still works.
    clock_server.advance(STEP)
    r = browser.post({"username": username, "password": PASSWORD})
    assert heading(r) == "Multi-factor authentication", r.text
    signed_in(browser, browser.post({"code": auth.code()}), username)


def test_new_password_asks_for_missing_required_attributes(make_clock_pool):
    pool = make_clock_pool(Schema=[{"Name": "given_name", "AttributeDataType": "String", "Mutable": True,
                                    "Required": True}])
    client = oauth_client(pool)
    username = uniq("req")
    pool.idp.admin_create_user(UserPoolId=pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD,
                               MessageAction="SUPPRESS",
                               UserAttributes=[{"Name": "email", "Value": unique_email("ra")}])
    browser = HostedBrowser(pool, client)
    r = browser.sign_in(username, TEMP_PASSWORD)
    assert heading(r) == "Change password", r.text
    assert re.search(r'<label[^>]* for="attr-1">Given name</label>\s*<input[^>]* id="attr-1" name="userAttributes.given_name"',
                     r.text), r.text
    r = browser.post({"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
                      "userAttributes.given_name": "<b>Ada</b>"})
    signed_in(browser, r, username)
    assert pool.attrs_of(username)["given_name"] == "<b>Ada</b>"


def test_three_wrong_codes_end_the_challenge(make_clock_pool):
    pool = mfa_pool(make_clock_pool, totp=True)
    client = oauth_client(pool)
    username = pool.create_user()
    auth = enable_totp(pool, username, movable=True)
    browser = HostedBrowser(pool, client)
    browser.sign_in(username, PASSWORD)
    for _ in range(3):
        r = browser.post({"code": auth.wrong_code()})
        assert alert(r) == "Invalid verification code provided, please try again.", r.text
    r = browser.post({"code": auth.code()})
    assert heading(r) == "Sign in" and "expired" in alert(r), r.text
