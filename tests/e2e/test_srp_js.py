"""USER_SRP_AUTH with the real amazon-cognito-identity-js (tests/e2e/js/srp.mjs, Node), written the
way applications use it: CognitoUserPool({UserPoolId, ClientId, endpoint, Storage}) and
cognitoUser.authenticateUser(new AuthenticationDetails(...), {onSuccess, onFailure, ...}).

Pools and users are set up with boto3; every sign-in runs in a fresh Node process.
Devices are in test_devices.py.
"""

import pytest

from auth_fixtures import *  # noqa: F401,F403
from srp_fixtures import requires_js, run_js, sign_in_js, token_claims

pytestmark = requires_js

WRONG = "Incorrect username or password."


def assert_signed_in(pool, result, username):
    """A successful authenticate step for `username` (the internal username) with verifiable tokens."""
    assert result["ok"] and result["callback"] == "onSuccess", result
    session = result["session"]
    assert session["valid"] is True
    id_claims = pool.claims(session["idToken"])
    access_claims = pool.claims(session["accessToken"])
    assert id_claims["cognito:username"] == username
    assert id_claims["token_use"] == "id" and id_claims["aud"] == pool.client_id
    assert access_claims["username"] == username
    assert access_claims["token_use"] == "access" and access_claims["client_id"] == pool.client_id
    assert session["refreshToken"]
    # The library decodes the same payloads.
    assert session["idPayload"] == id_claims
    assert session["accessPayload"] == access_claims
    return id_claims, access_claims


def assert_failed(result, code, message=None):
    assert not result["ok"] and result["callback"] == "onFailure", result
    error = result["error"]
    assert error["code"] == code and error["name"] == code, error
    if message is not None:
        assert error["message"] == message, error


# --- successful sign-in ----------------------------------------------------------------------


def test_sign_in_get_session_and_refresh(auth_pool):
    username = auth_pool.create_user()
    run = run_js(auth_pool.env.url, auth_pool.id, auth_pool.client_id, [
        {"op": "authenticate", "username": username, "password": PASSWORD},
        {"op": "getSession"},
        {"op": "refreshSession"},
        {"op": "getUserAttributes"},
    ])
    signed_in = run.step("authenticate")
    id_claims, _ = assert_signed_in(auth_pool, signed_in, username)
    assert signed_in["username"] == username  # the library switched to USER_ID_FOR_SRP
    assert signed_in["userConfirmationNecessary"] is None

    # The wire exchange: InitiateAuth USER_SRP_AUTH -> PASSWORD_VERIFIER -> tokens.
    (initiate,) = run.calls("InitiateAuth")[:1]
    assert initiate["body"]["AuthFlow"] == "USER_SRP_AUTH"
    assert initiate["status"] == 200
    params = initiate["response"]["ChallengeParameters"]
    assert initiate["response"]["ChallengeName"] == "PASSWORD_VERIFIER"
    assert {"SALT", "SRP_B", "SECRET_BLOCK", "USERNAME", "USER_ID_FOR_SRP"} <= set(params)
    assert run.challenge_names() == ["PASSWORD_VERIFIER"]
    assert not run.calls("ConfirmDevice")

    # getSession on pool.getCurrentUser() finds the cached, valid session in Storage.
    cached = run.step("getSession")
    assert cached["ok"], cached
    assert cached["username"] == username
    assert cached["session"]["idToken"] == signed_in["session"]["idToken"]
    assert cached["session"]["accessToken"] == signed_in["session"]["accessToken"]

    # refreshSession: REFRESH_TOKEN_AUTH with the refresh token; new ID and access tokens.
    refreshed = run.step("refreshSession")
    assert refreshed["ok"], refreshed
    refresh_calls = [r for r in run.calls("InitiateAuth") if r["body"]["AuthFlow"] == "REFRESH_TOKEN_AUTH"]
    assert len(refresh_calls) == 1 and refresh_calls[0]["status"] == 200, str(run)
    assert refresh_calls[0]["body"]["AuthParameters"]["REFRESH_TOKEN"] == signed_in["session"]["refreshToken"]
    new_id = auth_pool.claims(refreshed["session"]["idToken"])
    new_access = auth_pool.claims(refreshed["session"]["accessToken"])
    assert new_id["cognito:username"] == username and new_access["username"] == username
    assert new_id["sub"] == id_claims["sub"]
    assert refreshed["session"]["accessToken"] != signed_in["session"]["accessToken"]
    assert refreshed["session"]["refreshToken"]  # kept (or rotated) by the library

    # An access-token call with the refreshed session.
    attributes = run.step("getUserAttributes")
    assert attributes["ok"], attributes
    assert attributes["attributes"]["sub"] == id_claims["sub"]
    assert attributes["attributes"]["email"] == id_claims["email"]

    # Storage holds what an application finds on its next start.
    prefix = f"CognitoIdentityServiceProvider.{auth_pool.client_id}"
    assert run.storage[f"{prefix}.LastAuthUser"] == username
    assert run.storage[f"{prefix}.{username}.refreshToken"]


def test_sign_in_after_restart_from_storage(auth_pool, tmp_path):
    """A second process with the persisted Storage: getSession without signing in again."""
    username = auth_pool.create_user()
    storage = tmp_path / "storage.json"
    first = run_js(auth_pool.env.url, auth_pool.id, auth_pool.client_id,
                   [{"op": "authenticate", "username": username, "password": PASSWORD}], storage_file=storage)
    assert_signed_in(auth_pool, first.step("authenticate"), username)
    second = run_js(auth_pool.env.url, auth_pool.id, auth_pool.client_id, [{"op": "getSession"}],
                    storage_file=storage)
    assert second.step("getSession")["ok"], str(second)
    assert second.step("getSession")["session"]["accessToken"] == first.step("authenticate")["session"]["accessToken"]
    assert second.requests == []  # served from Storage


# --- failures -------------------------------------------------------------------------------------


def test_wrong_password(auth_pool):
    username = auth_pool.create_user()
    run, result = sign_in_js(auth_pool, username, "Wrong-Passw0rd!")
    assert_failed(result, "NotAuthorizedException", WRONG)
    assert run.challenge_names() == ["PASSWORD_VERIFIER"]  # refused at the verifier, not before


def test_unknown_user_with_legacy_errors(auth_pool):
    _, result = sign_in_js(auth_pool, uniq("ghost"), PASSWORD)
    assert_failed(result, "UserNotFoundException", "User does not exist.")


def test_unknown_user_with_prevent_user_existence_errors(make_auth_pool):
    pool = make_auth_pool(client={"PreventUserExistenceErrors": "ENABLED"})
    _, result = sign_in_js(pool, uniq("ghost"), PASSWORD)
    assert_failed(result, "NotAuthorizedException", WRONG)


def test_unknown_and_known_users_look_alike_with_prevent_user_existence_errors(make_auth_pool):
    """With ENABLED, an unknown user gets a PASSWORD_VERIFIER challenge like a real one."""
    pool = make_auth_pool(client={"PreventUserExistenceErrors": "ENABLED"})
    known = pool.create_user()
    ghost_run, ghost = sign_in_js(pool, uniq("ghost"), PASSWORD)
    known_run, known_result = sign_in_js(pool, known, "Wrong-Passw0rd!")
    assert_failed(ghost, "NotAuthorizedException", WRONG)
    assert_failed(known_result, "NotAuthorizedException", WRONG)
    ghost_params = ghost_run.calls("InitiateAuth")[0]["response"].get("ChallengeParameters", {})
    known_params = known_run.calls("InitiateAuth")[0]["response"]["ChallengeParameters"]
    assert set(ghost_params) == set(known_params), (ghost_params, known_params)


def test_disabled_user(auth_pool):
    username = auth_pool.create_user()
    auth_pool.idp.admin_disable_user(UserPoolId=auth_pool.id, Username=username)
    _, result = sign_in_js(auth_pool, username, PASSWORD)
    assert_failed(result, "NotAuthorizedException", "User is disabled.")


def test_unconfirmed_user(auth_pool):
    username = uniq("unconf")
    auth_pool.sign_up(username, attributes={"email": unique_email()})
    _, result = sign_in_js(auth_pool, username, PASSWORD)
    assert_failed(result, "UserNotConfirmedException")


# --- usernames: aliases, email usernames, case --------------------------------------------


def test_sign_in_with_email_in_an_email_username_pool(make_auth_pool):
    pool = make_auth_pool(UsernameAttributes=["email"])
    email = unique_email("js")
    pool.create_user(email, attributes={"email": email, "email_verified": "true"})
    internal = pool.get_user(email)["Username"]
    assert internal != email
    run, result = sign_in_js(pool, email, PASSWORD)
    id_claims, _ = assert_signed_in(pool, result, internal)
    assert id_claims["email"] == email
    assert result["username"] == internal  # USER_ID_FOR_SRP is the internal username
    params = run.calls("InitiateAuth")[0]["response"]["ChallengeParameters"]
    assert params["USER_ID_FOR_SRP"] == internal


def test_sign_in_with_a_verified_email_alias(make_auth_pool):
    pool = make_auth_pool(AliasAttributes=["email"])
    email = unique_email("alias")
    username = pool.create_user(uniq("bob"), attributes={"email": email, "email_verified": "true"})
    _, result = sign_in_js(pool, email, PASSWORD)
    assert_signed_in(pool, result, username)


def test_case_insensitive_pool(make_auth_pool):
    pool = make_auth_pool(UsernameConfiguration={"CaseSensitive": False})
    username = uniq("Ann")
    pool.create_user(username)
    _, result = sign_in_js(pool, username.swapcase(), PASSWORD)
    assert result["ok"], result
    stored = pool.get_user(username)["Username"]
    assert_signed_in(pool, result, stored)
    assert stored.lower() == username.lower()


def test_case_sensitive_pool(make_auth_pool):
    pool = make_auth_pool(UsernameConfiguration={"CaseSensitive": True})
    username = uniq("Ann")
    pool.create_user(username)
    _, result = sign_in_js(pool, username.swapcase(), PASSWORD)
    assert_failed(result, "UserNotFoundException")


# --- client secrets ----------------------------------------------------------------------------


@pytest.mark.skip(reason="amazon-cognito-identity-js does not support app clients with a secret "
                         "(it never sends SECRET_HASH); pycognito covers them in test_srp_pycognito.py")
def test_client_with_a_secret():
    pass


def test_client_with_a_secret_refuses_the_library(make_auth_pool):
    """What an application that points the library at a secret client sees."""
    pool = make_auth_pool(secret=True)
    username = pool.create_user()
    _, result = sign_in_js(pool, username, PASSWORD)
    assert_failed(result, "NotAuthorizedException",
                  f"Client {pool.client_id} is configured with secret but SECRET_HASH was not received")


def test_client_without_the_srp_flow(make_auth_pool):
    pool = make_auth_pool(client={"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]})
    username = pool.create_user()
    _, result = sign_in_js(pool, username, PASSWORD)
    assert_failed(result, "InvalidParameterException")


# --- NEW_PASSWORD_REQUIRED ------------------------------------------------------------------------


def test_admin_created_user_completes_new_password(auth_pool):
    email = unique_email("invited")
    username = uniq("invited")
    auth_pool.idp.admin_create_user(
        UserPoolId=auth_pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD, MessageAction="SUPPRESS",
        UserAttributes=attr_list({"email": email, "email_verified": "true"}),
    )
    assert auth_pool.status(username) == "FORCE_CHANGE_PASSWORD"

    # Without an answer the application just sees the callback.
    _, pending = sign_in_js(auth_pool, username, TEMP_PASSWORD)
    assert pending["callback"] == "newPasswordRequired", pending
    assert pending["userAttributes"]["email"] == email
    assert pending["requiredAttributes"] == []

    # newPasswordRequired -> completeNewPasswordChallenge(newPassword, {}, this) -> onSuccess.
    run, result = sign_in_js(auth_pool, username, TEMP_PASSWORD, newPassword=NEW_PASSWORD)
    assert [v["callback"] for v in result["via"]] == ["newPasswordRequired"]
    assert_signed_in(auth_pool, result, username)
    assert run.challenge_names() == ["PASSWORD_VERIFIER", "NEW_PASSWORD_REQUIRED"]
    assert auth_pool.status(username) == "CONFIRMED"

    _, again = sign_in_js(auth_pool, username, NEW_PASSWORD)
    assert_signed_in(auth_pool, again, username)
    assert again["via"] == []
    _, stale = sign_in_js(auth_pool, username, TEMP_PASSWORD)
    assert_failed(stale, "NotAuthorizedException", WRONG)


def test_new_password_required_with_a_missing_required_attribute(make_auth_pool):
    pool = make_auth_pool(Schema=[
        {"Name": "given_name", "AttributeDataType": "String", "Required": True, "Mutable": True},
    ])
    username = uniq("invited")
    pool.idp.admin_create_user(UserPoolId=pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD,
                               MessageAction="SUPPRESS",
                               UserAttributes=attr_list({"email": unique_email(), "email_verified": "true"}))
    _, result = sign_in_js(pool, username, TEMP_PASSWORD, newPassword=NEW_PASSWORD,
                           requiredAttributes={"given_name": "Gina"})
    assert result["via"][0]["requiredAttributes"] == ["given_name"]
    id_claims, _ = assert_signed_in(pool, result, username)
    assert id_claims["given_name"] == "Gina"


# --- every way of setting a password feeds SRP ----------------------------------------------


def change_password(pool, username, old, new):
    token = pool.login(username, old)["AccessToken"]
    pool.idp.change_password(AccessToken=token, PreviousPassword=old, ProposedPassword=new)


def forgot_password(pool, username, email, new):
    pool.idp.forgot_password(ClientId=pool.client_id, Username=username)
    code = code_from(last_email(email))
    pool.idp.confirm_forgot_password(ClientId=pool.client_id, Username=username, ConfirmationCode=code, Password=new)


@pytest.mark.parametrize("how", ["sign-up", "admin-set-password", "change-password", "forgot-password"])
def test_every_password_change_is_usable_with_srp(auth_pool, how):
    email = unique_email(how)
    username = uniq(how)
    if how == "sign-up":
        auth_pool.sign_up(username, NEW_PASSWORD, attributes={"email": email})
        auth_pool.confirm_sign_up(username, code_from(last_email(email)))
    else:
        auth_pool.create_user(username, attributes={"email": email, "email_verified": "true"})
        if how == "admin-set-password":
            auth_pool.idp.admin_set_user_password(UserPoolId=auth_pool.id, Username=username, Password=NEW_PASSWORD,
                                                  Permanent=True)
        elif how == "change-password":
            change_password(auth_pool, username, PASSWORD, NEW_PASSWORD)
        else:
            forgot_password(auth_pool, username, email, NEW_PASSWORD)
    _, result = sign_in_js(auth_pool, username, NEW_PASSWORD)
    assert_signed_in(auth_pool, result, username)
    if how != "sign-up":
        _, old = sign_in_js(auth_pool, username, PASSWORD)
        assert_failed(old, "NotAuthorizedException", WRONG)


def test_refresh_token_of_the_library_works_with_boto3(auth_pool):
    """Tokens from SRP are ordinary: REFRESH_TOKEN_AUTH with boto3 and GetUser accept them."""
    username = auth_pool.create_user()
    _, result = sign_in_js(auth_pool, username, PASSWORD)
    assert_signed_in(auth_pool, result, username)
    refreshed = auth_pool.refresh(result["session"]["refreshToken"])
    assert token_claims(refreshed["AccessToken"])["username"] == username
    me = auth_pool.idp.get_user(AccessToken=result["session"]["accessToken"])
    assert me["Username"] == username
