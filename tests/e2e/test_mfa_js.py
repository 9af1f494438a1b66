"""Multi-factor sign-in with amazon-cognito-identity-js (Node, js/mfa.mjs): totpRequired -> sendMFACode
(SOFTWARE_TOKEN_MFA), mfaRequired -> sendMFACode (SMS_MFA), selectMFAType -> sendMFASelectionAnswer,
mfaSetup -> associateSoftwareToken/verifySoftwareToken, enabling TOTP from a signed-in session, and a
remembered device that skips MFA on a pool with MFA ON.

The script asks this process for each code in the middle of its sign-in (see mfa.mjs and
mfa_fixtures.run_mfa_js); codes come from the SMS sink or from pyotp on the server's clock.
"""

import json

import pytest

pytest.importorskip("pyotp")

from auth_fixtures import *  # noqa: E402,F401,F403
from mfa_fixtures import (  # noqa: E402
    ON,
    Authenticator,
    answers,
    assert_tokens,
    enable_totp,
    expect_challenge,
    mfa_pool,
    requires_js,
    respond,
    run_mfa_js,
    set_mfa,
)

pytestmark = requires_js

# Remember every device at once, and ask new (not remembered) devices for MFA.
REMEMBER_ALWAYS = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False}


def js(pool, steps, answer=None, storage=None):
    return run_mfa_js(pool.env.url, pool.id, pool.client_id, steps, answer=answer, storage_file=storage)


def authenticate(username, password=PASSWORD, **extra):
    return {"op": "authenticate", "username": username, "password": password, **extra}


def assert_signed_in(pool, result, username):
    assert result["ok"] and result["callback"] == "onSuccess", result
    session = result["session"]
    assert session["valid"] is True
    assert pool.claims(session["idToken"])["cognito:username"] == username
    access = pool.claims(session["accessToken"])
    assert access["username"] == username and access["client_id"] == pool.client_id
    assert session["refreshToken"]
    return access


def sms_user(pool):
    phone = unique_phone()
    username = pool.create_user(attributes={
        "email": unique_email("js"), "email_verified": "true", "phone_number": phone, "phone_number_verified": "true",
    })
    return username, phone


def sms_code_from_sink(phone, before):
    return lambda prompt: {"code": code_from(last_sms(phone, after=before))}


# --- TOTP ---------------------------------------------------------------------------------------------


def test_js_totp_sign_in(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    auth = enable_totp(pool, username)
    run = js(pool, [authenticate(username), {"op": "getUserData"}],
             answers(totpRequired=lambda prompt: {"code": auth.code()}))
    result = run.step("authenticate")
    assert_signed_in(pool, result, username)
    assert [v["callback"] for v in result["via"]] == ["totpRequired"], str(run)
    assert result["via"][0]["challengeName"] == "SOFTWARE_TOKEN_MFA"
    assert run.challenge_names() == ["PASSWORD_VERIFIER", "SOFTWARE_TOKEN_MFA"], str(run)
    answer = run.calls("RespondToAuthChallenge")[1]["body"]
    assert answer["ChallengeResponses"]["SOFTWARE_TOKEN_MFA_CODE"] == run.prompts[0]["reply"]["code"]
    assert answer["Session"] == run.calls("RespondToAuthChallenge")[0]["response"]["Session"]
    data = run.step("getUserData")
    assert data["ok"], str(run)
    assert data["data"]["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert data["data"]["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def test_js_wrong_totp_code(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    auth = enable_totp(pool, username)
    run = js(pool, [authenticate(username)], answers(totpRequired={"code": auth.wrong_code()}))
    result = run.step("authenticate")
    assert not result["ok"] and result["callback"] == "onFailure", str(run)
    assert result["error"]["code"] == "CodeMismatchException", result


def test_js_enable_totp_from_a_signed_in_session(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user()
    secrets = {}

    def setup_code(prompt):
        secrets["auth"] = Authenticator(prompt["secretCode"], pool.env)
        return {"code": secrets["auth"].setup_code()}

    run = js(pool, [
        authenticate(username),
        {"op": "enableTotp", "deviceName": "phone"},
        {"op": "setUserMfaPreference", "sms": None, "totp": ON},
        {"op": "getUserData"},
    ], answers(associateSecretCode=setup_code))
    assert_signed_in(pool, run.step("authenticate"), username)
    enabled = run.step("enableTotp")
    assert enabled["ok"], str(run)
    assert enabled["data"]["Status"] == "SUCCESS"
    assert run.step("setUserMfaPreference")["ok"], str(run)
    data = run.step("getUserData")["data"]
    assert data["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"] and data["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"

    # The token enabled by the library is asked for on the next sign-in (with boto3 here).
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    assert_tokens(pool, respond(pool, challenge, username, "SOFTWARE_TOKEN_MFA",
                                {"SOFTWARE_TOKEN_MFA_CODE": secrets["auth"].code()}), username)


# --- SMS ---------------------------------------------------------------------------------------------------


def test_js_sms_sign_in(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=False, sms=True)
    username, phone = sms_user(pool)
    pool.idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SMSMfaSettings=ON)
    run = js(pool, [authenticate(username)], answers(mfaRequired=sms_code_from_sink(phone, sms_count(phone))))
    result = run.step("authenticate")
    assert_signed_in(pool, result, username)
    (via,) = result["via"]
    assert via["callback"] == "mfaRequired" and via["challengeName"] == "SMS_MFA", str(run)
    assert via["challengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    assert via["challengeParameters"]["CODE_DELIVERY_DESTINATION"] == mask_phone(phone)
    assert run.challenge_names() == ["PASSWORD_VERIFIER", "SMS_MFA"], str(run)
    assert run.calls("RespondToAuthChallenge")[1]["body"]["ChallengeResponses"]["SMS_MFA_CODE"] == via["reply"]["code"]


# --- SELECT_MFA_TYPE and MFA_SETUP --------------------------------------------------------------------------


def test_js_select_mfa_type(make_auth_pool):
    pool = mfa_pool(make_auth_pool, totp=True, sms=True)
    username, phone = sms_user(pool)
    auth = enable_totp(pool, username, preferred=None)
    pool.idp.admin_set_user_mfa_preference(
        UserPoolId=pool.id, Username=username,
        SMSMfaSettings={"Enabled": True, "PreferredMfa": False},
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False})

    # SOFTWARE_TOKEN_MFA
    run = js(pool, [authenticate(username)], answers(
        selectMFAType={"answer": "SOFTWARE_TOKEN_MFA"},
        totpRequired=lambda prompt: {"code": auth.code()},
    ))
    result = run.step("authenticate")
    assert_signed_in(pool, result, username)
    assert [v["callback"] for v in result["via"]] == ["selectMFAType", "totpRequired"], str(run)
    choices = json.loads(result["via"][0]["challengeParameters"]["MFAS_CAN_CHOOSE"])
    assert set(choices) == {"SMS_MFA", "SOFTWARE_TOKEN_MFA"}, choices
    assert run.challenge_names() == ["PASSWORD_VERIFIER", "SELECT_MFA_TYPE", "SOFTWARE_TOKEN_MFA"], str(run)

    # SMS_MFA
    run = js(pool, [authenticate(username)], answers(
        selectMFAType={"answer": "SMS_MFA"},
        mfaRequired=sms_code_from_sink(phone, sms_count(phone)),
    ))
    result = run.step("authenticate")
    assert_signed_in(pool, result, username)
    assert [v["callback"] for v in result["via"]] == ["selectMFAType", "mfaRequired"], str(run)
    assert run.challenge_names() == ["PASSWORD_VERIFIER", "SELECT_MFA_TYPE", "SMS_MFA"], str(run)


def test_js_mfa_setup(make_auth_pool):
    pool = mfa_pool(make_auth_pool, mode="ON", totp=True)
    username = pool.create_user()
    secrets = {}

    def setup_code(prompt):
        secrets["auth"] = Authenticator(prompt["secretCode"], pool.env)
        return {"code": secrets["auth"].setup_code()}

    run = js(pool, [authenticate(username)], answers(associateSecretCode=setup_code))
    result = run.step("authenticate")
    assert_signed_in(pool, result, username)
    assert [v["callback"] for v in result["via"]] == ["mfaSetup", "associateSecretCode"], str(run)
    assert "SOFTWARE_TOKEN_MFA" in json.loads(result["via"][0]["challengeParameters"]["MFAS_CAN_SETUP"])
    assert [r["target"] for r in run.requests] == [
        "InitiateAuth", "RespondToAuthChallenge", "AssociateSoftwareToken", "VerifySoftwareToken",
        "RespondToAuthChallenge"], str(run)
    assert run.challenge_names() == ["PASSWORD_VERIFIER", "MFA_SETUP"]

    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    assert_tokens(pool, respond(pool, challenge, username, "SOFTWARE_TOKEN_MFA",
                                {"SOFTWARE_TOKEN_MFA_CODE": secrets["auth"].code()}), username)


# --- Remembered device -------------------------------------------------------------------------------------


def test_js_remembered_device_skips_mfa(make_auth_pool, tmp_path):
    pool = mfa_pool(make_auth_pool, mode="OPTIONAL", totp=True, DeviceConfiguration=REMEMBER_ALWAYS)
    username = pool.create_user()
    auth = enable_totp(pool, username)
    set_mfa(pool, "ON", totp=True)
    storage = tmp_path / "storage.json"

    # 1. A new device: TOTP, then the library confirms the device (remembered at once).
    first = js(pool, [authenticate(username), {"op": "getDevice"}],
               answers(totpRequired=lambda prompt: {"code": auth.code()}), storage)
    signed_in = first.step("authenticate")
    assert_signed_in(pool, signed_in, username)
    assert [v["callback"] for v in signed_in["via"]] == ["totpRequired"], str(first)
    assert first.challenge_names() == ["PASSWORD_VERIFIER", "SOFTWARE_TOKEN_MFA"], str(first)
    metadata = first.calls("RespondToAuthChallenge")[1]["response"]["AuthenticationResult"]["NewDeviceMetadata"]
    device_key = metadata["DeviceKey"]
    (confirm,) = first.calls("ConfirmDevice")
    assert confirm["status"] == 200 and confirm["body"]["DeviceKey"] == device_key, str(first)
    assert confirm["response"]["UserConfirmationNecessary"] is False
    assert signed_in["deviceKey"] == device_key
    device = first.step("getDevice")
    assert device["ok"], str(first)
    attributes = {a["Name"]: a["Value"] for a in device["data"]["Device"]["DeviceAttributes"]}
    assert attributes["dev:device_remembered_status"] == "remembered"

    # 2. The same (remembered) device: device SRP and tokens, no MFA challenge, no prompt.
    second = js(pool, [authenticate(username)], answers(), storage)
    again = second.step("authenticate")
    access = assert_signed_in(pool, again, username)
    assert again["via"] == [] and second.prompts == [], str(second)
    assert second.challenge_names() == ["PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"], \
        str(second)
    # The library reads the device key from Storage after InitiateAuth and sends it with PASSWORD_VERIFIER.
    assert second.calls("RespondToAuthChallenge")[0]["body"]["ChallengeResponses"]["DEVICE_KEY"] == device_key
    assert access["device_key"] == device_key

    # 3. Another device (empty Storage) is still asked for the token.
    third = js(pool, [authenticate(username)], answers(), tmp_path / "other.json")
    stopped = third.step("authenticate")
    assert stopped["callback"] == "totpRequired", str(third)
    assert third.challenge_names() == ["PASSWORD_VERIFIER"], str(third)
