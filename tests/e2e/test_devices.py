"""Device tracking with real clients: amazon-cognito-identity-js (NewDeviceMetadata -> ConfirmDevice,
setDeviceStatusRemembered, getDevice/listDevices, DEVICE_SRP_AUTH -> DEVICE_PASSWORD_VERIFIER on
the next sign-in from persisted Storage, forgetDevice), pycognito's device helpers, and hand-made
DEVICE_PASSWORD_VERIFIER answers.
"""

import base64
import os
import re
import types

import pytest

from auth_fixtures import *  # noqa: F401,F403
from helpers import is_recent, make_client
from srp_fixtures import (
    SrpClient,
    SrpSession,
    claim_signature,
    cognito_timestamp,
    device_verifier_config,
    password_key,
    requires_js,
    run_js,
    token_claims,
)

DEVICE_KEY_RE = re.compile(r"^us-east-1_[0-9a-f-]{36}$")
PROMPT = {"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": True}
ALWAYS = {"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False}


def device_attrs(device):
    return {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}


def device_pool(make_auth_pool, config=PROMPT, **kwargs):
    return make_auth_pool(DeviceConfiguration=config, **kwargs)


def js(pool, steps, storage):
    return run_js(pool.env.url, pool.id, pool.client_id, steps, storage_file=storage)


def authenticate(username, password=PASSWORD):
    return {"op": "authenticate", "username": username, "password": password}


def storage_prefix(pool, username):
    return f"CognitoIdentityServiceProvider.{pool.client_id}.{username}"


# --- amazon-cognito-identity-js ---------------------------------------------------------------


@requires_js
def test_js_remembered_device_lifecycle(make_auth_pool, tmp_path):
    pool = device_pool(make_auth_pool)
    username = pool.create_user()
    storage = tmp_path / "storage.json"
    prefix = storage_prefix(pool, username)

    # 1. First sign-in: NewDeviceMetadata -> the library confirms the device by itself.
    first = js(pool, [
        authenticate(username),
        {"op": "setDeviceStatusRemembered"},
        {"op": "getDevice"},
        {"op": "listDevices", "limit": 10},
    ], storage)
    signed_in = first.step("authenticate")
    assert signed_in["ok"] and signed_in["callback"] == "onSuccess", str(first)
    assert signed_in["userConfirmationNecessary"] is True
    verifier_answer = first.calls("RespondToAuthChallenge")[0]["response"]
    metadata = verifier_answer["AuthenticationResult"]["NewDeviceMetadata"]
    device_key, group_key = metadata["DeviceKey"], metadata["DeviceGroupKey"]
    assert DEVICE_KEY_RE.match(device_key), device_key
    assert group_key
    assert signed_in["deviceKey"] == device_key and signed_in["deviceGroupKey"] == group_key

    (confirm,) = first.calls("ConfirmDevice")
    assert confirm["status"] == 200, str(first)
    assert confirm["body"]["DeviceKey"] == device_key
    assert confirm["body"]["DeviceName"] == "nodejs"
    assert confirm["response"]["UserConfirmationNecessary"] is True
    assert first.storage[f"{prefix}.deviceKey"] == device_key
    assert first.storage[f"{prefix}.deviceGroupKey"] == group_key
    assert first.storage[f"{prefix}.randomPasswordKey"]

    assert first.step("setDeviceStatusRemembered")["ok"], str(first)
    got = first.step("getDevice")
    assert got["ok"], str(first)
    device = got["data"]["Device"]
    assert device["DeviceKey"] == device_key
    attributes = device_attrs(device)
    assert attributes["dev:device_remembered_status"] == "remembered"
    assert attributes["device_name"] == "nodejs"
    assert attributes.get("device_status", "valid") == "valid"
    listed = first.step("listDevices")
    assert listed["ok"], str(first)
    assert [d["DeviceKey"] for d in listed["data"]["Devices"]] == [device_key]

    # 2. A new process with the persisted Storage: the library answers DEVICE_SRP_AUTH.
    second = js(pool, [authenticate(username), {"op": "getDevice"}, {"op": "forgetDevice"}], storage)
    again = second.step("authenticate")
    assert again["ok"] and again["callback"] == "onSuccess", str(second)
    assert second.challenge_names() == ["PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"]
    responds = second.calls("RespondToAuthChallenge")
    assert responds[0]["body"]["ChallengeResponses"]["DEVICE_KEY"] == device_key
    assert responds[0]["response"]["ChallengeName"] == "DEVICE_SRP_AUTH"
    device_challenge = responds[1]["response"]
    assert device_challenge["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    assert {"SALT", "SRP_B", "SECRET_BLOCK"} <= set(device_challenge["ChallengeParameters"])
    # (DEVICE_KEY among them: test_device_password_verifier_parameters)
    final = responds[2]["response"]["AuthenticationResult"]
    assert "NewDeviceMetadata" not in final
    assert not second.calls("ConfirmDevice")
    access = pool.claims(again["session"]["accessToken"])
    assert access["device_key"] == device_key
    assert access["username"] == username
    assert pool.claims(again["session"]["idToken"])["cognito:username"] == username
    assert second.step("getDevice")["ok"], str(second)
    last_auth = second.step("getDevice")["data"]["Device"].get("DeviceLastAuthenticatedDate")
    assert last_auth is None or last_auth > 1_000_000_000  # epoch seconds

    # forgetDevice: ForgetDevice on the server, and the library drops it from Storage.
    forgot = second.step("forgetDevice")
    assert forgot["ok"], str(second)
    assert forgot["deviceKey"] == device_key
    assert f"{prefix}.deviceKey" not in second.storage

    # 3. The next sign-in is a new device again.
    third = js(pool, [authenticate(username), {"op": "listDevices", "limit": 10}], storage)
    fresh = third.step("authenticate")
    assert fresh["ok"] and fresh["callback"] == "onSuccess", str(third)
    assert third.challenge_names() == ["PASSWORD_VERIFIER"]
    assert "DEVICE_KEY" not in third.calls("RespondToAuthChallenge")[0]["body"]["ChallengeResponses"]
    new_key = fresh["deviceKey"]
    assert new_key and new_key != device_key
    assert len(third.calls("ConfirmDevice")) == 1
    assert [d["DeviceKey"] for d in third.step("listDevices")["data"]["Devices"]] == [new_key]


@requires_js
def test_js_device_remembered_without_prompt(make_auth_pool, tmp_path):
    """DeviceOnlyRememberedOnUserPrompt false: ConfirmDevice answers UserConfirmationNecessary false and
    the device is remembered at once."""
    pool = device_pool(make_auth_pool, ALWAYS)
    username = pool.create_user()
    storage = tmp_path / "storage.json"
    first = js(pool, [authenticate(username), {"op": "getDevice"}], storage)
    signed_in = first.step("authenticate")
    assert signed_in["ok"], str(first)
    assert signed_in["userConfirmationNecessary"] is None  # onSuccess(session) without the flag
    assert first.calls("ConfirmDevice")[0]["response"]["UserConfirmationNecessary"] is False
    assert device_attrs(first.step("getDevice")["data"]["Device"])["dev:device_remembered_status"] == "remembered"

    second = js(pool, [authenticate(username)], storage)
    again = second.step("authenticate")
    assert again["ok"], str(second)
    assert second.challenge_names() == ["PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"]
    assert pool.claims(again["session"]["accessToken"])["device_key"] == signed_in["deviceKey"]


@requires_js
def test_js_device_forgotten_on_the_server(make_auth_pool, tmp_path):
    """A DEVICE_KEY the server no longer knows: ResourceNotFoundException mentioning the device, on
    which the library clears the key and re-sends the same PASSWORD_VERIFIER answer without it."""
    pool = device_pool(make_auth_pool)
    username = pool.create_user()
    storage = tmp_path / "storage.json"
    first = js(pool, [authenticate(username), {"op": "setDeviceStatusRemembered"}], storage)
    assert first.step("setDeviceStatusRemembered")["ok"], str(first)
    old_key = first.step("authenticate")["deviceKey"]
    pool.idp.admin_forget_device(UserPoolId=pool.id, Username=username, DeviceKey=old_key)

    second = js(pool, [authenticate(username)], storage)
    again = second.step("authenticate")
    assert again["ok"] and again["callback"] == "onSuccess", str(second)
    refused, retried = second.calls("RespondToAuthChallenge")[:2]
    assert refused["response"]["__type"].split("#")[-1] == "ResourceNotFoundException", str(second)
    assert "device" in refused["response"]["message"].lower()
    assert retried["body"]["ChallengeResponses"].get("DEVICE_KEY") is None
    assert retried["status"] == 200, str(second)
    assert again["deviceKey"] and again["deviceKey"] != old_key
    assert len(second.calls("ConfirmDevice")) == 1


@requires_js
def test_js_no_device_tracking_without_device_configuration(auth_pool, tmp_path):
    username = auth_pool.create_user()
    run = js(auth_pool, [authenticate(username)], tmp_path / "storage.json")
    assert run.step("authenticate")["ok"], str(run)
    assert "NewDeviceMetadata" not in run.calls("RespondToAuthChallenge")[0]["response"]["AuthenticationResult"]
    assert not run.calls("ConfirmDevice")
    assert run.step("authenticate")["deviceKey"] is None


# --- admin view of a device confirmed by the library ---------------------------------------------


@requires_js
def test_admin_device_operations(make_auth_pool, tmp_path):
    pool = device_pool(make_auth_pool)
    username = pool.create_user()
    run = js(pool, [authenticate(username)], tmp_path / "storage.json")
    assert run.step("authenticate")["ok"], str(run)
    device_key = run.step("authenticate")["deviceKey"]

    listed = pool.idp.admin_list_devices(UserPoolId=pool.id, Username=username)["Devices"]
    assert [d["DeviceKey"] for d in listed] == [device_key]
    device = pool.idp.admin_get_device(UserPoolId=pool.id, Username=username, DeviceKey=device_key)["Device"]
    assert device_attrs(device)["dev:device_remembered_status"] == "not_remembered"
    assert is_recent(device["DeviceCreateDate"])
    pool.idp.admin_update_device_status(UserPoolId=pool.id, Username=username, DeviceKey=device_key,
                                        DeviceRememberedStatus="remembered")
    device = pool.idp.admin_get_device(UserPoolId=pool.id, Username=username, DeviceKey=device_key)["Device"]
    assert device_attrs(device)["dev:device_remembered_status"] == "remembered"
    pool.idp.admin_forget_device(UserPoolId=pool.id, Username=username, DeviceKey=device_key)
    assert pool.idp.admin_list_devices(UserPoolId=pool.id, Username=username)["Devices"] == []
    with raises("ResourceNotFoundException"):
        pool.idp.admin_get_device(UserPoolId=pool.id, Username=username, DeviceKey=device_key)


# --- pycognito ----------------------------------------------------------------------------------


@pytest.fixture
def pycognito_to_cognate(monkeypatch, auth_server):
    """pycognito's device helpers POST with `requests` to the hard-coded AWS endpoint; send them to
    Cognate instead (unchanged otherwise: Bearer Authorization header, AccessToken in the body)."""
    aws_srp = pytest.importorskip("pycognito.aws_srp")
    real_post = aws_srp.requests.post
    seen = []

    def post(url, *args, **kwargs):
        assert url.startswith("https://cognito-idp.us-east-1.amazonaws.com"), url
        seen.append(kwargs.get("headers", {}).get("X-Amz-Target"))
        return real_post(auth_server.url + "/", *args, **kwargs)

    monkeypatch.setattr(aws_srp, "requests", types.SimpleNamespace(post=post))
    return seen


def test_pycognito_device_flow(make_auth_pool, auth_server, pycognito_to_cognate):
    from pycognito.aws_srp import AWSSRP

    pool = device_pool(make_auth_pool)
    username = pool.create_user()
    boto = make_client(auth_server.url)

    aws = AWSSRP(username, PASSWORD, pool.id, pool.client_id, client=boto)
    tokens = aws.authenticate_user()
    metadata = tokens["AuthenticationResult"]["NewDeviceMetadata"]
    response, device_password = aws.confirm_device(tokens, device_name="pycognito-e2e")
    assert response.status_code == 200, response.text
    assert response.json()["UserConfirmationNecessary"] is True
    access_token = tokens["AuthenticationResult"]["AccessToken"]
    status = aws.update_device_status(True, access_token, metadata["DeviceKey"])
    assert "200" in status, status
    device = boto.get_device(AccessToken=access_token, DeviceKey=metadata["DeviceKey"])["Device"]
    assert device_attrs(device)["device_name"] == "pycognito-e2e"
    assert device_attrs(device)["dev:device_remembered_status"] == "remembered"

    # DEVICE_SRP_AUTH -> DEVICE_PASSWORD_VERIFIER, answered without a Session (pycognito never sends one).
    with_device = AWSSRP(username, PASSWORD, pool.id, pool.client_id, client=boto,
                         device_key=metadata["DeviceKey"], device_group_key=metadata["DeviceGroupKey"],
                         device_password=device_password)
    tokens = with_device.authenticate_user()
    result = tokens["AuthenticationResult"]
    assert "NewDeviceMetadata" not in result
    assert pool.claims(result["AccessToken"])["device_key"] == metadata["DeviceKey"]

    # A wrong device password fails the device verifier.
    wrong = AWSSRP(username, PASSWORD, pool.id, pool.client_id, client=boto, device_key=metadata["DeviceKey"],
                   device_group_key=metadata["DeviceGroupKey"],
                   device_password=base64.b64encode(os.urandom(40)).decode())
    with raises("NotAuthorizedException"):
        wrong.authenticate_user()

    forgot = aws.forget_device(result["AccessToken"], metadata["DeviceKey"])
    assert "200" in forgot, forgot
    assert pycognito_to_cognate == ["AWSCognitoIdentityProviderService.ConfirmDevice",
                                    "AWSCognitoIdentityProviderService.UpdateDeviceStatus",
                                    "AWSCognitoIdentityProviderService.ForgetDevice"]
    with raises("ResourceNotFoundException"):
        AWSSRP(username, PASSWORD, pool.id, pool.client_id, client=boto,
                              device_key=metadata["DeviceKey"], device_group_key=metadata["DeviceGroupKey"],
                              device_password=device_password).authenticate_user()
    fresh = AWSSRP(username, PASSWORD, pool.id, pool.client_id, client=boto).authenticate_user()
    assert fresh["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"] != metadata["DeviceKey"]


# --- hand-made device answers ---------------------------------------------------------------------


def confirmed_device(pool, username, remembered=True):
    """Sign in with SRP, confirm the new device as a client does; (device_key, group_key, password)."""
    answer = SrpSession(pool.idp, pool.id, pool.client_id).sign_in(username, PASSWORD)
    result = answer["AuthenticationResult"]
    metadata = result["NewDeviceMetadata"]
    device_password, config = device_verifier_config(metadata["DeviceGroupKey"], metadata["DeviceKey"])
    pool.idp.confirm_device(AccessToken=result["AccessToken"], DeviceKey=metadata["DeviceKey"],
                            DeviceSecretVerifierConfig=config, DeviceName="python-e2e")
    if remembered:
        pool.idp.update_device_status(AccessToken=result["AccessToken"], DeviceKey=metadata["DeviceKey"],
                                      DeviceRememberedStatus="remembered")
    return metadata["DeviceKey"], metadata["DeviceGroupKey"], device_password


def device_challenge(pool, username, device_key):
    """USER_SRP_AUTH with DEVICE_KEY up to DEVICE_PASSWORD_VERIFIER; returns (client, challenge)."""
    srp = SrpSession(pool.idp, pool.id, pool.client_id)
    srp.initiate(username, DEVICE_KEY=device_key)
    answer = srp.respond(srp.responses(PASSWORD, DEVICE_KEY=device_key))
    assert answer["ChallengeName"] == "DEVICE_SRP_AUTH", answer
    client = SrpClient()
    kwargs = {"Session": answer["Session"]} if answer.get("Session") else {}
    challenge = pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="DEVICE_SRP_AUTH",
        ChallengeResponses={"USERNAME": username, "DEVICE_KEY": device_key, "SRP_A": client.srp_a}, **kwargs,
    )
    assert challenge["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER", challenge
    return client, challenge


def device_answer(pool, username, client, challenge, group_key, device_key, device_password, timestamp=None,
                  signature=None):
    params = challenge["ChallengeParameters"]
    timestamp = timestamp or cognito_timestamp()
    if signature is None:
        key = password_key(client.a, client.big_a, int(params["SRP_B"], 16), params["SALT"], group_key, device_key,
                           device_password)
        signature = claim_signature(key, group_key, device_key, params["SECRET_BLOCK"], timestamp)
    kwargs = {"Session": challenge["Session"]} if challenge.get("Session") else {}
    return pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="DEVICE_PASSWORD_VERIFIER",
        ChallengeResponses={
            "USERNAME": username,  # as amazon-cognito-identity-js sends it
            "DEVICE_KEY": device_key,
            "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": timestamp,
        },
        **kwargs,
    )


def test_hand_made_device_verifier(make_auth_pool):
    pool = device_pool(make_auth_pool)
    username = pool.create_user()
    device_key, group_key, device_password = confirmed_device(pool, username)
    client, challenge = device_challenge(pool, username, device_key)
    answer = device_answer(pool, username, client, challenge, group_key, device_key, device_password)
    assert "ChallengeName" not in answer, answer
    assert token_claims(answer["AuthenticationResult"]["AccessToken"])["device_key"] == device_key


def test_device_password_verifier_parameters(make_auth_pool):
    """cognito-reference 3.3: DEVICE_PASSWORD_VERIFIER carries SRP_B, SALT, SECRET_BLOCK, USERNAME, DEVICE_KEY."""
    pool = device_pool(make_auth_pool)
    username = pool.create_user()
    device_key, _, _ = confirmed_device(pool, username)
    _, challenge = device_challenge(pool, username, device_key)
    params = challenge["ChallengeParameters"]
    assert {"SALT", "SRP_B", "SECRET_BLOCK", "USERNAME", "DEVICE_KEY"} <= set(params), params
    assert params["DEVICE_KEY"] == device_key
    assert params["USERNAME"] == username


def test_forged_device_signature(make_auth_pool):
    pool = device_pool(make_auth_pool)
    username = pool.create_user()
    device_key, group_key, device_password = confirmed_device(pool, username)
    client, challenge = device_challenge(pool, username, device_key)
    with raises("NotAuthorizedException"):
        device_answer(pool, username, client, challenge, group_key, device_key, device_password,
                      signature=base64.b64encode(os.urandom(32)).decode())


def test_wrong_device_password(make_auth_pool):
    pool = device_pool(make_auth_pool)
    username = pool.create_user()
    device_key, group_key, _ = confirmed_device(pool, username)
    client, challenge = device_challenge(pool, username, device_key)
    with raises("NotAuthorizedException"):
        device_answer(pool, username, client, challenge, group_key, device_key,
                      base64.b64encode(os.urandom(40)).decode())


def test_replayed_device_answer(make_auth_pool):
    pool = device_pool(make_auth_pool)
    username = pool.create_user()
    device_key, group_key, device_password = confirmed_device(pool, username)
    client, challenge = device_challenge(pool, username, device_key)
    timestamp = cognito_timestamp()
    answer = device_answer(pool, username, client, challenge, group_key, device_key, device_password,
                           timestamp=timestamp)
    assert "AuthenticationResult" in answer
    with raises("NotAuthorizedException"):
        device_answer(pool, username, client, challenge, group_key, device_key, device_password, timestamp=timestamp)


def test_device_of_another_user(make_auth_pool):
    """Bob cannot present Alice's device key."""
    pool = device_pool(make_auth_pool)
    alice = pool.create_user(uniq("alice"))
    bob = pool.create_user(uniq("bob"))
    device_key, _, _ = confirmed_device(pool, alice)
    srp = SrpSession(pool.idp, pool.id, pool.client_id)
    srp.initiate(bob, DEVICE_KEY=device_key)
    with raises("ResourceNotFoundException", "NotAuthorizedException"):
        srp.respond(srp.responses(PASSWORD, DEVICE_KEY=device_key))
