"""The hosted UI in another language: a server whose `--hosted-ui-templates` directory holds the
example French bundle of docs/locales/fr.json, and every page type walked with `lang=fr` (sign-in,
sign-up, confirmation, forgot and reset password, new password, the TOTP, SMS and email codes,
the factor choice, TOTP setup, the done page and the error page). No English text of en.json may
be left on any of them: not in the page's own words, nor in the domain's messages, the password
rules, the attribute labels or the factor names."""

import html
import json
import pathlib
import re
import shutil
import urllib.parse

import pytest
import requests

pyotp = pytest.importorskip("pyotp")
from auth_fixtures import *  # noqa: E402,F401,F403
from auth_fixtures import _server_args  # noqa: E402
from conftest import start_server  # noqa: E402
from hosted_fixtures import CB, HostedBrowser, alert, heading, oauth_client  # noqa: E402
from mfa_fixtures import ENABLED, ON, Authenticator, enable_totp, mfa_pool  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
ENGLISH = json.loads((ROOT / "crates/web/locales/en.json").read_text())
FRENCH = json.loads((ROOT / "docs/locales/fr.json").read_text())
REQUIRED_NAME = [{"Name": "given_name", "AttributeDataType": "String", "Mutable": True, "Required": True}]


def english_phrases():
    """en.json's English that French must replace: every value (each part around a `{name}`
    placeholder) longer than three characters that the French bundle does not keep as is."""
    phrases = set()
    for key, value in ENGLISH.items():
        if FRENCH.get(key) == value:
            continue
        for part in re.split(r"\{[a-z_]+\}", value):
            if len(part.strip()) > 3:
                phrases.add(part.strip())
    return phrases


PHRASES = english_phrases()


def page_text(page):
    """What a reader meets: the text between tags, and the title, alt, placeholder and aria-label
    texts."""
    attributes = re.findall(r'\s(?:alt|title|placeholder|aria-label)="([^"]*)"', page.text)
    text = re.sub(r"<[^>]+>", " ", page.text)
    return html.unescape(" ".join([text, *attributes]))


def assert_french(page):
    assert '<html lang="fr">' in page.text, page.text
    text = page_text(page)
    left = sorted(p for p in PHRASES if p in text)
    assert not left, f"English left on the page: {left}\n{text}"


@pytest.fixture(scope="module")
def clock_server(tmp_path_factory, auth_sinks):
    """This module's server (make_clock_pool's): the operator's directory holds nothing but the
    example French bundle, copied as an operator would."""
    templates = tmp_path_factory.mktemp("templates")
    (templates / "locales").mkdir()
    shutil.copy(ROOT / "docs/locales/fr.json", templates / "locales" / "fr.json")
    args = [*_server_args(auth_sinks), "--hosted-ui-templates", str(templates)]
    srv = start_server(tmp_path_factory.mktemp("cognate-fr"), extra_args=args)
    yield AuthServer(srv, auth_sinks.smtp, auth_sinks.sms)
    srv.stop()


class FrenchBrowser(HostedBrowser):
    """A HostedBrowser whose authorization request asks for French."""

    def open_login(self):
        target, _ = self.oauth.create_authorization_url(self.meta["authorization_endpoint"],
                                                        code_verifier=self.verifier, lang="fr")
        r = self.get(target)
        assert r.status_code == 302, r.text
        self.page_url = urllib.parse.urljoin(target, r.headers["Location"])
        self.page = self.get(self.page_url)
        assert self.page.status_code == 200, self.page.text
        return self.page

    def follow(self, text):
        """Opens the current page's link whose text is `text`."""
        href = re.search(r'<a[^>]* href="([^"]+)">' + re.escape(html.escape(text, quote=True)) + "</a>",
                         self.page.text)
        assert href, f"no link {text!r} in {self.page.text}"
        self.page_url = urllib.parse.urljoin(self.page_url, html.unescape(href.group(1)))
        self.page = self.get(self.page_url)
        assert self.page.status_code == 200, self.page.text
        return self.page


def test_sign_in_sign_up_confirm_and_the_unconfirmed_alert(make_clock_pool):
    pool = make_clock_pool(Schema=REQUIRED_NAME)
    client = oauth_client(pool)
    browser = FrenchBrowser(pool, client)
    page = browser.open_login()
    assert_french(page)
    assert heading(page) == FRENCH["sign_in_heading"]
    r = browser.post({"username": uniq("nobody"), "password": PASSWORD})
    assert alert(r) == FRENCH["message_incorrect_credentials"], r.text
    assert_french(r)

    page = browser.follow(FRENCH["sign_up_link"])
    assert_french(page)
    assert f">{FRENCH['attribute_given_name']}</label>" in page.text
    r = browser.post({"username": uniq("fr"), "password": "short", "email": unique_email("fr"),
                      "given_name": "Ada"})
    assert alert(r).startswith("Le mot de passe ne respecte pas les règles"), r.text
    assert_french(r)

    username, email = uniq("fr"), unique_email("fr")
    r = browser.post({"username": username, "password": PASSWORD, "email": email, "given_name": "Ada"})
    assert heading(r) == FRENCH["confirm_heading"] and "par e-mail à" in page_text(r), r.text
    assert_french(r)
    code = code_from(last_email(email))
    wrong = "000000" if code != "000000" else "111111"
    r = browser.post({"user_name": username, "code": wrong}, drop=["resend"])
    assert alert(r) == FRENCH["message_code_mismatch"], r.text
    assert_french(r)

    # Signing in before confirming: the alert is French, and its link to the confirmation
    # page is still offered.
    browser.open_login()
    r = browser.post({"username": username, "password": PASSWORD})
    assert alert(r) == FRENCH["message_user_not_confirmed"], r.text
    assert_french(r)
    page = browser.follow(FRENCH["confirm_account_link"])
    assert_french(page)
    r = browser.post({"user_name": username, "code": code}, drop=["resend"])
    assert heading(r) == FRENCH["confirmed_account_heading"], r.text
    assert_french(r)


def test_forgot_reset_and_done(make_clock_pool):
    pool = make_clock_pool()
    client = oauth_client(pool)
    email = unique_email("fp")
    username = pool.create_user(attributes={"email": email, "email_verified": "true"})
    browser = FrenchBrowser(pool, client)
    browser.open_login()
    page = browser.follow(FRENCH["forgot_password_link"])
    assert heading(page) == FRENCH["forgot_heading"]
    assert_french(page)
    r = browser.post({"username": username})
    assert heading(r) == FRENCH["reset_heading"] and "Au moins 8 caractères" in page_text(r), r.text
    assert_french(r)
    code = code_from(last_email(email))
    r = browser.post({"username": username, "code": code, "password": "weak"})
    assert alert(r).startswith("Le mot de passe ne respecte pas les règles"), r.text
    assert_french(r)
    r = browser.post({"username": username, "code": code, "password": NEW_PASSWORD})
    assert heading(r) == FRENCH["confirmed_password_heading"], r.text
    assert_french(r)


def test_new_password_with_a_required_attribute(make_clock_pool):
    pool = make_clock_pool(Schema=REQUIRED_NAME)
    client = oauth_client(pool)
    username = uniq("np")
    pool.idp.admin_create_user(UserPoolId=pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD,
                               MessageAction="SUPPRESS",
                               UserAttributes=[{"Name": "email", "Value": unique_email("np")}])
    browser = FrenchBrowser(pool, client)
    r = browser.sign_in(username, TEMP_PASSWORD)
    assert heading(r) == FRENCH["new_password_title"], r.text
    assert f">{FRENCH['attribute_given_name']}</label>" in r.text and FRENCH["password_rule_symbol"] in r.text
    assert_french(r)
    r = browser.post({"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x",
                      "userAttributes.given_name": "Ada"})
    assert alert(r) == FRENCH["message_passwords_differ"], r.text
    assert_french(r)


def test_totp_code_and_its_alert(make_clock_pool):
    pool = mfa_pool(make_clock_pool, totp=True)
    client = oauth_client(pool)
    username = pool.create_user()
    auth = enable_totp(pool, username, movable=True)
    browser = FrenchBrowser(pool, client)
    r = browser.sign_in(username, PASSWORD)
    assert heading(r) == FRENCH["totp_heading"], r.text
    assert_french(r)
    r = browser.post({"code": auth.wrong_code()})
    assert alert(r) == FRENCH["message_code_mismatch"], r.text
    assert_french(r)


def test_factor_choice_then_sms_code(make_clock_pool):
    pool = mfa_pool(make_clock_pool, totp=True, sms=True)
    client = oauth_client(pool)
    phone = unique_phone()
    username = pool.create_user(attributes={
        "email": unique_email("sel"), "email_verified": "true",
        "phone_number": phone, "phone_number_verified": "true"})
    enable_totp(pool, username, preferred=None, movable=True)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username,
                                           SMSMfaSettings=ENABLED, SoftwareTokenMfaSettings=ENABLED)
    browser = FrenchBrowser(pool, client)
    r = browser.sign_in(username, PASSWORD)
    assert heading(r) == FRENCH["select_mfa_heading"], r.text
    assert FRENCH["select_mfa_totp"] in page_text(r) and f">{FRENCH['select_mfa_sms']}</label>" in r.text
    assert_french(r)
    r = browser.post({"answer": "SMS_MFA"})
    assert heading(r) == FRENCH["code_heading"] and mask_phone(phone) in r.text, r.text
    assert "par SMS" in page_text(r)
    assert_french(r)


def test_email_code(make_clock_pool):
    pool = mfa_pool(make_clock_pool, totp=False, email=True)
    client = oauth_client(pool)
    email = unique_email("otp")
    username = pool.create_user(attributes={"email": email, "email_verified": "true"})
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, EmailMfaSettings=ON)
    browser = FrenchBrowser(pool, client)
    r = browser.sign_in(username, PASSWORD)
    assert heading(r) == FRENCH["code_heading"] and "par e-mail" in page_text(r), r.text
    assert_french(r)


def test_totp_setup(make_clock_pool, clock_server):
    pool = mfa_pool(make_clock_pool, mode="ON", totp=True)
    client = oauth_client(pool)
    username = pool.create_user()
    browser = FrenchBrowser(pool, client)
    r = browser.sign_in(username, PASSWORD)
    assert heading(r) == FRENCH["mfa_setup_heading"], r.text
    assert f'alt="{html.escape(FRENCH["mfa_setup_qr_alt"])}"' in r.text
    assert_french(r)
    secret = re.search(r'id="secret">([A-Z2-7]+)<', r.text).group(1)
    r = browser.post({"code": Authenticator(secret, clock_server, movable=True).wrong_code()})
    assert r.status_code == 200 and alert(r), r.text
    assert_french(r)


def test_error_pages(make_clock_pool):
    pool = make_clock_pool()
    client = oauth_client(pool)
    url = f"{pool.env.url}/{pool.id}"
    # A request without redirect_uri: the domain's message, in French.
    r = requests.get(f"{url}/login?" + urllib.parse.urlencode({"client_id": client["ClientId"], "lang": "fr"}),
                     timeout=10)
    assert r.status_code == 400 and heading(r) == FRENCH["error_heading"], r.text
    assert FRENCH["message_redirect_uri_missing"] in page_text(r)
    assert_french(r)
    # A sign-in form without its CSRF token: the web layer's own message.
    browser = FrenchBrowser(pool, client)
    browser.open_login()
    r = browser.post({"username": "ada", "password": PASSWORD}, drop=["_csrf"])
    assert r.status_code == 403 and FRENCH["error_sign_in_form_expired"] in page_text(r), r.text
    assert_french(r)
    # An unknown client, with the request's redirect URI.
    query = {"client_id": "nosuchclient", "redirect_uri": CB, "response_type": "code", "lang": "fr"}
    r = requests.get(f"{url}/signup?" + urllib.parse.urlencode(query), timeout=10)
    assert r.status_code == 400 and FRENCH["message_client_not_found"] in page_text(r), r.text
    assert_french(r)
