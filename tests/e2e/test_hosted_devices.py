"""Remembered browsers in the hosted UI, Cognate's extension (Cognito's own hosted UI remembers no
devices): the MFA page's "Remember this device" box creates a device listed like an API device,
whose key and secret the browser keeps in a sealed cookie; a later sign-in from that browser skips
MFA exactly where a remembered device may replace MFA (ChallengeRequiredOnNewDevice), until the
device is forgotten or no longer remembered. TOTP codes come from pyotp on the server's clock."""

import re

import pytest

pyotp = pytest.importorskip("pyotp")
from auth_fixtures import *  # noqa: E402,F401,F403
from hosted_fixtures import CB, HostedBrowser, heading, oauth_client  # noqa: E402
from mfa_fixtures import STEP, enable_totp, mfa_pool, set_mfa  # noqa: E402

REMEMBER_ALWAYS = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False}
REMEMBER_ON_PROMPT = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}
NO_MFA_SKIP = {"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False}
MFA_HEADING = "Multi-factor authentication"
DEVICE_COOKIE = "cognate_device"
BOX_RE = re.compile(r'<input id="remember_device" name="remember_device" type="checkbox" value="on"( checked)?>')


def totp_pool(make_clock_pool, config):
    """A pool requiring TOTP MFA with this DeviceConfiguration, an OAuth client, and a user with a
    token (set up while MFA was still optional)."""
    pool = mfa_pool(make_clock_pool, totp=True, DeviceConfiguration=config)
    client = oauth_client(pool)
    username = pool.create_user()
    auth = enable_totp(pool, username, movable=True)
    set_mfa(pool, "ON", totp=True)
    return pool, client, username, auth


def box(page):
    """None without the box, else whether it is ticked."""
    match = BOX_RE.search(page.text)
    return None if match is None else bool(match.group(1))


def set_cookies(response):
    return response.raw.headers.getlist("Set-Cookie")


def device_cookie(browser):
    return next((c for c in browser.s.cookies if c.name == DEVICE_COOKIE), None)


def same_browser(browser):
    """The next sign-in in the same browser: its cookies without the hosted-UI session (which
    would sign in silently), so the password and the device are asked for again."""
    later = HostedBrowser(browser.pool, browser.client)
    later.s = browser.s
    for c in [c for c in later.s.cookies if c.name == "cognate_session"]:
        later.s.cookies.clear(c.domain, c.path, c.name)
    return later


def mfa_sign_in(browser, clock_server, username, auth, remember):
    """Password, then the TOTP page (a fresh step each time: a code is accepted once)."""
    clock_server.advance(STEP)
    r = browser.sign_in(username, PASSWORD)
    assert r.status_code == 200 and heading(r) == MFA_HEADING, r.text
    fields = {"code": auth.code()}
    if remember:
        fields["remember_device"] = "on"
    return browser.post(fields)


def signed_in_without_mfa(browser, username):
    r = browser.sign_in(username, PASSWORD)
    assert r.status_code == 302 and r.headers["Location"].startswith(CB + "?code="), r.text
    claims = browser.pool.claims(browser.tokens(r)["id_token"])
    assert claims["cognito:username"] == username, claims


def asked_for_mfa(browser, username):
    r = browser.sign_in(username, PASSWORD)
    assert r.status_code == 200 and heading(r) == MFA_HEADING, r.text


def devices(pool, username):
    return pool.idp.admin_list_devices(UserPoolId=pool.id, Username=username)["Devices"]


def attrs(device):
    return {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}


def test_remembered_browser_skips_mfa(make_clock_pool, clock_server):
    pool, client, username, auth = totp_pool(make_clock_pool, REMEMBER_ALWAYS)
    browser = HostedBrowser(pool, client)
    clock_server.advance(STEP)
    r = browser.sign_in(username, PASSWORD)
    assert box(r) is True, r.text  # ticked: the pool remembers devices without asking
    r = browser.post({"code": auth.code(), "remember_device": "on"})
    assert r.status_code == 302, r.text
    (cookie,) = [c for c in set_cookies(r) if c.startswith(DEVICE_COOKIE + "=")]
    flags = [f.strip().lower() for f in cookie.split(";")[1:]]
    assert "httponly" in flags and "samesite=lax" in flags and f"path=/{pool.id}".lower() in flags, cookie
    assert "max-age=2592000" in flags, cookie  # the client's refresh-token validity (30 days)
    access = browser.tokens(r)["access_token"]

    (device,) = devices(pool, username)
    assert re.fullmatch(r"us-east-1_[0-9a-f-]{36}", device["DeviceKey"]), device
    assert attrs(device)["dev:device_remembered_status"] == "remembered"
    assert attrs(device)["device_name"].startswith("python-requests/"), device
    assert pool.idp.list_devices(AccessToken=access)["Devices"][0]["DeviceKey"] == device["DeviceKey"]

    clock_server.advance(120)
    signed_in_without_mfa(same_browser(browser), username)
    (again,) = devices(pool, username)
    assert again["DeviceLastAuthenticatedDate"] > device["DeviceLastAuthenticatedDate"], again

    # Another browser, without the cookie, still answers MFA.
    asked_for_mfa(HostedBrowser(pool, client), username)


def test_forgotten_or_unremembered_device_asks_for_mfa_again(make_clock_pool, clock_server):
    pool, client, username, auth = totp_pool(make_clock_pool, REMEMBER_ALWAYS)
    browser = HostedBrowser(pool, client)
    assert mfa_sign_in(browser, clock_server, username, auth, remember=True).status_code == 302
    (device,) = devices(pool, username)
    key = device["DeviceKey"]

    pool.idp.admin_update_device_status(UserPoolId=pool.id, Username=username, DeviceKey=key,
                                        DeviceRememberedStatus="not_remembered")
    asked_for_mfa(same_browser(browser), username)
    pool.idp.admin_update_device_status(UserPoolId=pool.id, Username=username, DeviceKey=key,
                                        DeviceRememberedStatus="remembered")
    signed_in_without_mfa(same_browser(browser), username)

    pool.idp.admin_forget_device(UserPoolId=pool.id, Username=username, DeviceKey=key)
    assert devices(pool, username) == []
    assert device_cookie(browser) is not None
    asked_for_mfa(same_browser(browser), username)


def test_unticked_box_remembers_nothing(make_clock_pool, clock_server):
    pool, client, username, auth = totp_pool(make_clock_pool, REMEMBER_ON_PROMPT)
    browser = HostedBrowser(pool, client)
    clock_server.advance(STEP)
    r = browser.sign_in(username, PASSWORD)
    assert box(r) is False, r.text  # offered, not ticked: the pool remembers only on the user's word
    r = browser.post({"code": auth.code()})
    assert r.status_code == 302 and not any(c.startswith(DEVICE_COOKIE) for c in set_cookies(r)), r.headers
    assert devices(pool, username) == []
    asked_for_mfa(same_browser(browser), username)

    # Ticked, the prompt pool remembers the browser too.
    assert mfa_sign_in(same_browser(browser), clock_server, username, auth, remember=True).status_code == 302
    (device,) = devices(pool, username)
    assert attrs(device)["dev:device_remembered_status"] == "remembered"
    signed_in_without_mfa(same_browser(browser), username)


def test_no_box_where_a_device_cannot_replace_mfa(make_clock_pool, clock_server):
    for config in (NO_MFA_SKIP, None):
        pool, client, username, auth = totp_pool(make_clock_pool, config)
        browser = HostedBrowser(pool, client)
        clock_server.advance(STEP)
        r = browser.sign_in(username, PASSWORD)
        assert heading(r) == MFA_HEADING and box(r) is None, r.text
        # A forged tick changes nothing.
        r = browser.post({"code": auth.code(), "remember_device": "on"})
        assert r.status_code == 302 and device_cookie(browser) is None, r.text
        assert devices(pool, username) == []


def test_cookie_of_another_user_is_ignored(make_clock_pool, clock_server):
    pool, client, username, auth = totp_pool(make_clock_pool, REMEMBER_ALWAYS)
    other = pool.create_user()
    set_mfa(pool, "OPTIONAL", totp=True)
    enable_totp(pool, other, movable=True)
    set_mfa(pool, "ON", totp=True)
    browser = HostedBrowser(pool, client)
    assert mfa_sign_in(browser, clock_server, username, auth, remember=True).status_code == 302

    # The other user, in the browser remembered for the first one: MFA as usual.
    asked_for_mfa(same_browser(browser), other)
    assert devices(pool, other) == []
    # The first user's device is untouched, and still skips MFA for them.
    signed_in_without_mfa(same_browser(browser), username)


def test_cookie_of_another_pool_is_ignored(make_clock_pool, clock_server):
    pool, client, username, auth = totp_pool(make_clock_pool, REMEMBER_ALWAYS)
    browser = HostedBrowser(pool, client)
    assert mfa_sign_in(browser, clock_server, username, auth, remember=True).status_code == 302
    value = device_cookie(browser).value

    second, second_client, second_user, _ = totp_pool(make_clock_pool, REMEMBER_ALWAYS)
    elsewhere = HostedBrowser(second, second_client)
    elsewhere.s.cookies.set(DEVICE_COOKIE, value, path=f"/{second.id}")
    asked_for_mfa(elsewhere, second_user)
    # A cookie this server did not seal is ignored too.
    forged = HostedBrowser(pool, client)
    forged.s.cookies.set(DEVICE_COOKIE, "forged", path=f"/{pool.id}")
    asked_for_mfa(forged, username)
