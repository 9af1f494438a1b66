"""Multi-factor authentication with boto3 (and pycognito's AWSSRP): TOTP software tokens, SMS and
e-mail one-time codes, SELECT_MFA_TYPE, MFA_SETUP, pool modes ON / OPTIONAL / OFF, code expiry and
retries, AdminInitiateAuth and USER_SRP_AUTH sign-ins that end in an MFA challenge.

TOTP codes are computed with pyotp on the server's clock; see mfa_fixtures.py for which 30-second
steps the helpers use. Expiry tests move the clock of this module's clock_server (never sleeping).
"""

import json
import re

import pytest

pyotp = pytest.importorskip("pyotp")

from auth_fixtures import *  # noqa: E402,F401,F403
from helpers import make_client  # noqa: E402
from mfa_fixtures import (  # noqa: E402
    BAD_ENABLE,
    BAD_VERIFY,
    ENABLED,
    EXPIRED,
    ON,
    STEP,
    Authenticator,
    assert_tokens,
    enable_totp,
    ensure_step_margin,
    expect_challenge,
    mfa_pool,
    respond,
    set_mfa,
    verify_token,
)

BASE32_RE = re.compile(r"^[A-Z2-7]+=*$")


def sms_user(pool, verified=True, phone=None):
    """A CONFIRMED user with a (verified) phone number and a verified e-mail; returns (username, phone)."""
    phone = phone or unique_phone()
    username = pool.create_user(attributes={
        "email": unique_email("mfa"), "email_verified": "true",
        "phone_number": phone, "phone_number_verified": "true" if verified else "false",
    })
    return username, phone


def email_user(pool):
    email = unique_email("otp")
    username = pool.create_user(attributes={"email": email, "email_verified": "true"})
    return username, email


def totp_answer(pool, challenge, username, code, **kwargs):
    return respond(pool, challenge, username, "SOFTWARE_TOKEN_MFA", {"SOFTWARE_TOKEN_MFA_CODE": code}, **kwargs)


def sms_answer(pool, challenge, username, code, **kwargs):
    return respond(pool, challenge, username, "SMS_MFA", {"SMS_MFA_CODE": code}, **kwargs)


def email_answer(pool, challenge, username, code, **kwargs):
    return respond(pool, challenge, username, "EMAIL_OTP", {"EMAIL_OTP_CODE": code}, **kwargs)


def sms_challenge(pool, username, phone, admin=False):
    """Sign in (USER_PASSWORD_AUTH or ADMIN_USER_PASSWORD_AUTH) to an SMS_MFA challenge; returns
    (challenge, code from the SMS sink, the Sms)."""
    before = sms_count(phone)
    resp = pool.admin_initiate(username) if admin else pool.initiate(username)
    expect_challenge(resp, "SMS_MFA")
    sms = last_sms(phone, after=before)
    return resp, code_from(sms), sms


def mfa_settings(user):
    return user.get("UserMFASettingList"), user.get("PreferredMfaSetting")


# --- TOTP: associating and verifying a token ------------------------------------------------------


def test_associate_software_token_returns_a_base32_secret(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    access = pool.login(username)["AccessToken"]
    resp = pool.idp.associate_software_token(AccessToken=access)
    secret = resp["SecretCode"]
    assert BASE32_RE.match(secret), secret
    assert len(secret.rstrip("=")) >= 16, secret  # at least 80 bits
    # pyotp accepts it as an authenticator app would.
    assert re.fullmatch(r"\d{6}", pyotp.TOTP(secret).now())
    # Associating again gives a new secret.
    again = pool.idp.associate_software_token(AccessToken=access)["SecretCode"]
    assert again != secret


def test_verify_software_token_with_a_wrong_code(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    access = pool.login(username)["AccessToken"]
    auth = Authenticator(pool.idp.associate_software_token(AccessToken=access)["SecretCode"], pool.env)
    with raises(*BAD_VERIFY):
        pool.idp.verify_software_token(AccessToken=access, UserCode=auth.wrong_code(), FriendlyDeviceName="phone")
    # The right code still works afterwards.
    assert verify_token(pool.idp, auth, access_token=access)["Status"] == "SUCCESS"


def test_enabling_totp_before_verifying_a_token_is_refused(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    access = pool.login(username)["AccessToken"]
    with raises(*BAD_ENABLE):
        pool.idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings=ON)
    # Associated but not verified is not enough either.
    pool.idp.associate_software_token(AccessToken=access)
    with raises(*BAD_ENABLE):
        pool.idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings=ON)
    with raises(*BAD_ENABLE):
        pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username,
                                               SoftwareTokenMfaSettings=ON)
    # No MFA was enabled: the user still signs in with the password alone.
    pool.login(username)
    assert not pool.get_user(username).get("UserMFASettingList")


# --- TOTP: signing in -------------------------------------------------------------------------------


def test_totp_sign_in(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    auth = enable_totp(pool, username)
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    result = assert_tokens(pool, totp_answer(pool, challenge, username, auth.code()), username)
    # The tokens work like any others.
    assert pool.idp.get_user(AccessToken=result["AccessToken"])["Username"] == username


def test_totp_settings_in_get_user_and_admin_get_user(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    access = pool.login(username)["AccessToken"]
    before = pool.idp.get_user(AccessToken=access)
    assert not before.get("UserMFASettingList") and not before.get("PreferredMfaSetting"), before
    enable_totp(pool, username)
    me = pool.idp.get_user(AccessToken=access)
    assert mfa_settings(me) == (["SOFTWARE_TOKEN_MFA"], "SOFTWARE_TOKEN_MFA"), me
    admin = pool.get_user(username)
    assert mfa_settings(admin) == (["SOFTWARE_TOKEN_MFA"], "SOFTWARE_TOKEN_MFA"), admin


def test_totp_code_is_accepted_only_once(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    auth = enable_totp(pool, username)
    code = auth.code()
    first = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    assert_tokens(pool, totp_answer(pool, first, username, code), username)
    # A new sign-in in the same 30-s step with the same code.
    second = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    with raises("ExpiredCodeException", message="Your software token has already been used once."):
        totp_answer(pool, second, username, code)


def test_totp_wrong_code(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    auth = enable_totp(pool, username)
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    with raises("CodeMismatchException"):
        totp_answer(pool, challenge, username, auth.wrong_code())
    # A fresh sign-in with the right code still works.
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    assert_tokens(pool, totp_answer(pool, challenge, username, auth.code()), username)


def test_totp_code_of_two_steps_ago_is_refused(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    auth = enable_totp(pool, username)
    now = pool.env.now()
    stale = auth.code(-2, now)
    if stale in {auth.code(k, now) for k in (-1, 0, 1)}:
        pytest.skip("the stale code happens to equal a current one")
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    with raises("CodeMismatchException"):
        totp_answer(pool, challenge, username, stale)


def test_totp_time_window_on_the_test_clock(clock_server, make_clock_pool):
    """+-1 step: the previous step's code is accepted, one two steps old is not; each code once.

    Steps are counted on the server's (moved) clock: the token is verified in step T, then the
    clock moves 90 s to step T+3, so the codes tried were never used before."""
    pool = mfa_pool(make_clock_pool)
    username = pool.create_user()
    access = pool.login(username)["AccessToken"]
    auth = Authenticator(pool.idp.associate_software_token(AccessToken=access)["SecretCode"], clock_server,
                         movable=True)
    now = ensure_step_margin(clock_server, movable=True, margin=10)
    assert pool.idp.verify_software_token(AccessToken=access, UserCode=auth.code(0, now),
                                          FriendlyDeviceName="phone")["Status"] == "SUCCESS"
    pool.idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings=ON)

    now = clock_server.advance(3 * STEP)
    two_ago, one_ago, current = auth.code(-2, now), auth.code(-1, now), auth.code(0, now)
    if len({two_ago, one_ago, current}) != 3:
        pytest.skip("codes of neighbouring steps coincide")

    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    with raises("CodeMismatchException"):
        totp_answer(pool, challenge, username, two_ago)
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    assert_tokens(pool, totp_answer(pool, challenge, username, one_ago), username)
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    with raises("ExpiredCodeException"):
        totp_answer(pool, challenge, username, one_ago)
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    assert_tokens(pool, totp_answer(pool, challenge, username, current), username)


def test_totp_with_a_client_secret(make_auth_pool):
    pool = mfa_pool(make_auth_pool, secret=True)
    username = pool.create_user()
    auth = enable_totp(pool, username)
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    code = auth.code()
    # Without SECRET_HASH in the answer the client is not authenticated.
    with raises("NotAuthorizedException"):
        pool.idp.respond_to_auth_challenge(
            ClientId=pool.client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
            ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code})
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    assert_tokens(pool, totp_answer(pool, challenge, username, code), username)


def test_totp_challenge_with_admin_initiate_auth(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    auth = enable_totp(pool, username)
    challenge = expect_challenge(pool.admin_initiate(username), "SOFTWARE_TOKEN_MFA")
    assert_tokens(pool, totp_answer(pool, challenge, username, auth.code(), admin=True), username)


# --- SMS MFA ---------------------------------------------------------------------------------------------


def test_sms_mfa_sign_in(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=False, sms=True)
    username, phone = sms_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SMSMfaSettings=ON)
    assert mfa_settings(pool.get_user(username)) == (["SMS_MFA"], "SMS_MFA")

    challenge, code, sms = sms_challenge(pool, username, phone)
    params = challenge["ChallengeParameters"]
    assert params["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS", params
    assert params["CODE_DELIVERY_DESTINATION"] == mask_phone(phone), params
    assert sms.text == f"Your code is {code}", sms
    assert sms.pool_id == pool.id, sms
    result = assert_tokens(pool, sms_answer(pool, challenge, username, code), username)
    assert pool.idp.get_user(AccessToken=result["AccessToken"])["Username"] == username


def test_sms_mfa_via_set_user_mfa_preference(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=False, sms=True)
    username, phone = sms_user(pool)
    access = pool.login(username)["AccessToken"]
    pool.idp.set_user_mfa_preference(AccessToken=access, SMSMfaSettings=ON)
    assert mfa_settings(pool.idp.get_user(AccessToken=access)) == (["SMS_MFA"], "SMS_MFA")
    challenge, code, _ = sms_challenge(pool, username, phone)
    assert_tokens(pool, sms_answer(pool, challenge, username, code), username)


def test_sms_mfa_needs_a_verified_phone_number(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=False, sms=True)
    unverified, _ = sms_user(pool, verified=False)
    with raises("InvalidParameterException"):
        pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=unverified, SMSMfaSettings=ON)
    no_phone = pool.create_user()
    with raises("InvalidParameterException"):
        pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=no_phone, SMSMfaSettings=ON)
    pool.login(unverified)
    pool.login(no_phone)


def test_wrong_sms_code_then_retry_in_the_same_session(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=False, sms=True)
    username, phone = sms_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SMSMfaSettings=ON)
    challenge, code, _ = sms_challenge(pool, username, phone)
    for delta in (1, 2):  # two wrong answers in the same session, then the right one
        with raises("CodeMismatchException"):
            sms_answer(pool, challenge, username, f"{(int(code) + delta) % 1_000_000:06d}")
    assert_tokens(pool, sms_answer(pool, challenge, username, code), username)


def test_sms_challenge_with_admin_initiate_auth(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=False, sms=True)
    username, phone = sms_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SMSMfaSettings=ON)
    challenge, code, _ = sms_challenge(pool, username, phone, admin=True)
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    assert_tokens(pool, sms_answer(pool, challenge, username, code, admin=True), username)


# --- E-mail OTP ----------------------------------------------------------------------------------------


def test_email_otp_sign_in(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=False, email=True)
    username, email = email_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, EmailMfaSettings=ON)
    assert mfa_settings(pool.get_user(username)) == (["EMAIL_OTP"], "EMAIL_OTP")

    before = email_count(email)
    challenge = expect_challenge(pool.initiate(username), "EMAIL_OTP")
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL", challenge
    mail = last_email(email, after=before)
    assert mail.subject == "Sign-in code", mail
    code = code_from(mail)
    assert f"Your code is {code}" in mail.text, mail
    assert_tokens(pool, email_answer(pool, challenge, username, code), username)


def test_wrong_email_code_then_retry_in_the_same_session(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=False, email=True)
    username, email = email_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, EmailMfaSettings=ON)
    before = email_count(email)
    challenge = expect_challenge(pool.initiate(username), "EMAIL_OTP")
    code = code_from(last_email(email, after=before))
    with raises("CodeMismatchException"):
        email_answer(pool, challenge, username, f"{(int(code) + 1) % 1_000_000:06d}")
    assert_tokens(pool, email_answer(pool, challenge, username, code), username)


# --- Which factors a pool allows -----------------------------------------------------------------------


def test_factor_the_pool_does_not_allow_is_refused(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=True)  # TOTP only
    username, _ = sms_user(pool)
    with raises("InvalidParameterException"):
        pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SMSMfaSettings=ON)
    with raises("InvalidParameterException"):
        pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, EmailMfaSettings=ON)
    access = pool.login(username)["AccessToken"]
    with raises("InvalidParameterException"):
        pool.idp.set_user_mfa_preference(AccessToken=access, SMSMfaSettings=ON)
    assert not pool.get_user(username).get("UserMFASettingList")


def test_totp_refused_on_a_pool_without_software_tokens(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=False, sms=True)
    username, _ = sms_user(pool)
    access = pool.login(username)["AccessToken"]
    with raises("InvalidParameterException", "EnableSoftwareTokenMFAException"):
        pool.idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings=ON)


# --- SELECT_MFA_TYPE --------------------------------------------------------------------------------------


def select_user(pool):
    """A user with TOTP and SMS MFA both enabled and neither preferred; returns (username, phone, auth)."""
    username, phone = sms_user(pool)
    auth = enable_totp(pool, username, preferred=None)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username,
                                           SMSMfaSettings=ENABLED, SoftwareTokenMfaSettings=ENABLED)
    settings, preferred = mfa_settings(pool.get_user(username))
    assert sorted(settings or []) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"] and not preferred, (settings, preferred)
    return username, phone, auth


def test_select_mfa_type_software_token(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=True, sms=True)
    username, _, auth = select_user(pool)
    select = expect_challenge(pool.initiate(username), "SELECT_MFA_TYPE")
    choices = json.loads(select["ChallengeParameters"]["MFAS_CAN_CHOOSE"])
    assert set(choices) == {"SMS_MFA", "SOFTWARE_TOKEN_MFA"}, choices
    totp = respond(pool, select, username, "SELECT_MFA_TYPE", {"ANSWER": "SOFTWARE_TOKEN_MFA"})
    expect_challenge(totp, "SOFTWARE_TOKEN_MFA")
    assert_tokens(pool, totp_answer(pool, totp, username, auth.code()), username)


def test_select_mfa_type_sms(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=True, sms=True)
    username, phone, _ = select_user(pool)
    select = expect_challenge(pool.initiate(username), "SELECT_MFA_TYPE")
    before = sms_count(phone)
    sms_step = respond(pool, select, username, "SELECT_MFA_TYPE", {"ANSWER": "SMS_MFA"})
    expect_challenge(sms_step, "SMS_MFA")
    assert sms_step["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == mask_phone(phone)
    code = code_from(last_sms(phone, after=before))
    assert_tokens(pool, sms_answer(pool, sms_step, username, code), username)


def test_preferred_factor_skips_the_selection(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=True, sms=True)
    username, phone, _ = select_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SMSMfaSettings=ON)
    assert mfa_settings(pool.get_user(username))[1] == "SMS_MFA"
    challenge, code, _ = sms_challenge(pool, username, phone)
    assert_tokens(pool, sms_answer(pool, challenge, username, code), username)


# --- MFA_SETUP on a pool with MFA ON --------------------------------------------------------------------


def test_mfa_setup_on_a_pool_with_mfa_on(make_auth_pool):
    pool = mfa_pool(make_auth_pool, mode="ON", totp=True)
    username = pool.create_user()
    setup = expect_challenge(pool.initiate(username), "MFA_SETUP")
    can_setup = json.loads(setup["ChallengeParameters"]["MFAS_CAN_SETUP"])
    assert "SOFTWARE_TOKEN_MFA" in can_setup, can_setup

    associated = pool.idp.associate_software_token(Session=setup["Session"])
    assert BASE32_RE.match(associated["SecretCode"]), associated
    assert associated.get("Session"), associated
    auth = Authenticator(associated["SecretCode"], pool.env)
    verified = verify_token(pool.idp, auth, session=associated["Session"])
    assert verified["Status"] == "SUCCESS", verified
    assert verified.get("Session"), verified

    done = pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="MFA_SETUP", Session=verified["Session"],
        ChallengeResponses={"USERNAME": username})
    assert_tokens(pool, done, username)
    # (Not asserted: UserMFASettingList after MFA_SETUP. Cognito leaves it empty until
    # SetUserMFAPreference is called - confirmed as expected in aws/aws-sdk#693.)

    # From now on the user is asked for the token.
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    assert_tokens(pool, totp_answer(pool, challenge, username, auth.code()), username)


def test_mfa_setup_is_needed_before_tokens(make_auth_pool):
    """On an ON pool, MFA_SETUP cannot be answered without a verified token."""
    pool = mfa_pool(make_auth_pool, mode="ON", totp=True)
    username = pool.create_user()
    setup = expect_challenge(pool.initiate(username), "MFA_SETUP")
    with raises("InvalidParameterException", "NotAuthorizedException", "CodeMismatchException",
                "EnableSoftwareTokenMFAException"):
        pool.idp.respond_to_auth_challenge(
            ClientId=pool.client_id, ChallengeName="MFA_SETUP", Session=setup["Session"],
            ChallengeResponses={"USERNAME": username})


def test_admin_initiate_auth_gets_mfa_setup(make_auth_pool):
    pool = mfa_pool(make_auth_pool, mode="ON", totp=True)
    username = pool.create_user()
    setup = expect_challenge(pool.admin_initiate(username), "MFA_SETUP")
    assert "SOFTWARE_TOKEN_MFA" in json.loads(setup["ChallengeParameters"]["MFAS_CAN_SETUP"])


# --- Pool modes ----------------------------------------------------------------------------------------


def test_optional_pool_user_without_mfa_signs_in_directly(make_auth_pool):
    pool = mfa_pool(make_auth_pool, mode="OPTIONAL", totp=True, sms=True)
    username, _ = sms_user(pool)
    assert_tokens(pool, pool.initiate(username), username)
    assert_tokens(pool, pool.admin_initiate(username), username)


def test_off_pool_ignores_enabled_mfa(make_auth_pool):
    pool = mfa_pool(make_auth_pool, mode="OPTIONAL", totp=True, sms=True)
    totp_username = pool.create_user()
    enable_totp(pool, totp_username)
    sms_username, _ = sms_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=sms_username, SMSMfaSettings=ON)
    expect_challenge(pool.initiate(totp_username), "SOFTWARE_TOKEN_MFA")

    set_mfa(pool, "OFF")
    assert pool.idp.get_user_pool_mfa_config(UserPoolId=pool.id)["MfaConfiguration"] == "OFF"
    assert_tokens(pool, pool.initiate(totp_username), totp_username)
    assert_tokens(pool, pool.initiate(sms_username), sms_username)
    assert_tokens(pool, pool.admin_initiate(sms_username), sms_username)


def test_on_pool_asks_enrolled_users_for_their_factor(make_auth_pool):
    pool = mfa_pool(make_auth_pool, mode="OPTIONAL", totp=True)
    username = pool.create_user()
    auth = enable_totp(pool, username)
    set_mfa(pool, "ON", totp=True)
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    assert_tokens(pool, totp_answer(pool, challenge, username, auth.code()), username)


def test_disabling_the_factor_turns_mfa_off_for_the_user(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=False, sms=True)
    username, _ = sms_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SMSMfaSettings=ON)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username,
                                           SMSMfaSettings={"Enabled": False, "PreferredMfa": False})
    assert not pool.get_user(username).get("UserMFASettingList")
    assert_tokens(pool, pool.initiate(username), username)


# --- USER_SRP_AUTH (pycognito's AWSSRP) -------------------------------------------------------------------


def test_srp_sign_in_ends_in_a_software_token_challenge(make_auth_pool, auth_server):
    aws_srp = pytest.importorskip("pycognito.aws_srp")
    exceptions = pytest.importorskip("pycognito.exceptions")
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    auth = enable_totp(pool, username)
    srp = aws_srp.AWSSRP(username, PASSWORD, pool.id, pool.client_id, client=make_client(auth_server.url))
    with pytest.raises(exceptions.SoftwareTokenMFAChallengeException) as caught:
        srp.authenticate_user()
    tokens = caught.value.get_tokens()
    assert tokens["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and tokens["Session"], tokens
    assert_tokens(pool, totp_answer(pool, tokens, username, auth.code()), username)


def test_srp_sign_in_ends_in_an_sms_challenge(make_auth_pool, auth_server):
    aws_srp = pytest.importorskip("pycognito.aws_srp")
    exceptions = pytest.importorskip("pycognito.exceptions")
    pool = mfa_pool(make_auth_pool, totp=False, sms=True)
    username, phone = sms_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SMSMfaSettings=ON)
    before = sms_count(phone)
    srp = aws_srp.AWSSRP(username, PASSWORD, pool.id, pool.client_id, client=make_client(auth_server.url))
    with pytest.raises(exceptions.SMSMFAChallengeException) as caught:
        srp.authenticate_user()
    tokens = caught.value.get_tokens()
    assert tokens["ChallengeName"] == "SMS_MFA" and tokens["Session"], tokens
    assert tokens["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == mask_phone(phone)
    code = code_from(last_sms(phone, after=before))
    assert_tokens(pool, sms_answer(pool, tokens, username, code), username)


# --- Expiry (clock_server) ------------------------------------------------------------------------------


def test_sms_code_expires_after_3_minutes(clock_server, make_clock_pool):
    pool = mfa_pool(make_clock_pool, totp=False, sms=True)
    username, phone = sms_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SMSMfaSettings=ON)
    challenge, code, _ = sms_challenge(pool, username, phone)
    clock_server.advance(181)
    with raises(*EXPIRED):
        sms_answer(pool, challenge, username, code)
    # A new sign-in sends a new code that works.
    challenge, code, _ = sms_challenge(pool, username, phone)
    assert_tokens(pool, sms_answer(pool, challenge, username, code), username)


def test_sms_code_within_3_minutes(clock_server, make_clock_pool):
    pool = mfa_pool(make_clock_pool, totp=False, sms=True)
    username, phone = sms_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SMSMfaSettings=ON)
    challenge, code, _ = sms_challenge(pool, username, phone)
    clock_server.advance(170)
    assert_tokens(pool, sms_answer(pool, challenge, username, code), username)


def test_email_code_expires_after_3_minutes(clock_server, make_clock_pool):
    pool = mfa_pool(make_clock_pool, totp=False, email=True)
    username, email = email_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, EmailMfaSettings=ON)
    before = email_count(email)
    challenge = expect_challenge(pool.initiate(username), "EMAIL_OTP")
    code = code_from(last_email(email, after=before))
    clock_server.advance(181)
    with raises(*EXPIRED):
        email_answer(pool, challenge, username, code)


def test_software_token_session_expires_after_3_minutes(clock_server, make_clock_pool):
    pool = mfa_pool(make_clock_pool)
    username = pool.create_user()
    auth = enable_totp(pool, username, movable=True)
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    now = clock_server.advance(181)
    with raises(*EXPIRED):
        totp_answer(pool, challenge, username, auth.code(0, now))
