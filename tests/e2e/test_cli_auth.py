"""The AWS CLI on the public sign-up / sign-in operations (with admin credentials in the environment,
as users typically have; the operations themselves are unsigned)."""

import json

import pytest

from auth_fixtures import *  # noqa: F401,F403
from conftest import CliError, run_cli
from helpers import UUID_RE


@pytest.fixture
def cli(auth_server):
    def _cli(*args):
        return run_cli(auth_server.url, *args)

    return _cli


def test_sign_up_confirm_and_sign_in(cli, auth_pool):
    username, email = uniq("cli"), unique_email("cli")
    out = cli("sign-up", "--client-id", auth_pool.client_id, "--username", username, "--password", PASSWORD,
              "--user-attributes", f"Name=email,Value={email}", "Name=given_name,Value=Cli")
    assert out["UserConfirmed"] is False
    assert UUID_RE.match(out["UserSub"])
    assert out["CodeDeliveryDetails"] == {
        "Destination": mask_email(email), "DeliveryMedium": "EMAIL", "AttributeName": "email",
    }

    code = code_from(last_email(email))
    cli("confirm-sign-up", "--client-id", auth_pool.client_id, "--username", username, "--confirmation-code", code)
    assert auth_pool.status(username) == "CONFIRMED"

    out = cli("initiate-auth", "--client-id", auth_pool.client_id, "--auth-flow", "USER_PASSWORD_AUTH",
              "--auth-parameters", f"USERNAME={username},PASSWORD={PASSWORD}")
    result = out["AuthenticationResult"]
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600
    assert auth_pool.claims(result["IdToken"])["cognito:username"] == username

    me = cli("get-user", "--access-token", result["AccessToken"])
    assert me["Username"] == username
    assert attrs(me)["email"] == email and attrs(me)["email_verified"] == "true"

    refreshed = cli("initiate-auth", "--client-id", auth_pool.client_id, "--auth-flow", "REFRESH_TOKEN_AUTH",
                    "--auth-parameters", json.dumps({"REFRESH_TOKEN": result["RefreshToken"]}))["AuthenticationResult"]
    assert "RefreshToken" not in refreshed
    assert auth_pool.claims(refreshed["AccessToken"])["username"] == username


def test_sign_up_with_a_secret_hash(cli, make_auth_pool):
    pool = make_auth_pool(secret=True)
    username, email = uniq("clisec"), unique_email("clisec")
    out = cli("sign-up", "--client-id", pool.client_id, "--username", username, "--password", PASSWORD,
              "--secret-hash", pool.hash_for(username), "--user-attributes", f"Name=email,Value={email}")
    assert out["UserConfirmed"] is False
    cli("confirm-sign-up", "--client-id", pool.client_id, "--username", username,
        "--secret-hash", pool.hash_for(username), "--confirmation-code", code_from(last_email(email)))
    out = cli("initiate-auth", "--client-id", pool.client_id, "--auth-flow", "USER_PASSWORD_AUTH",
              "--auth-parameters",
              json.dumps({"USERNAME": username, "PASSWORD": PASSWORD, "SECRET_HASH": pool.hash_for(username)}))
    assert out["AuthenticationResult"]["AccessToken"]


def test_wrong_password(cli, auth_pool):
    username = auth_pool.create_user()
    with pytest.raises(CliError) as info:
        cli("initiate-auth", "--client-id", auth_pool.client_id, "--auth-flow", "USER_PASSWORD_AUTH",
            "--auth-parameters", f"USERNAME={username},PASSWORD=Wrong-Passw0rd!")
    assert "NotAuthorizedException" in info.value.stderr
    assert "Incorrect username or password." in info.value.stderr


def test_wrong_confirmation_code(cli, auth_pool):
    username, email = uniq("clicode"), unique_email("clicode")
    cli("sign-up", "--client-id", auth_pool.client_id, "--username", username, "--password", PASSWORD,
        "--user-attributes", f"Name=email,Value={email}")
    code = code_from(last_email(email))
    with pytest.raises(CliError) as info:
        cli("confirm-sign-up", "--client-id", auth_pool.client_id, "--username", username,
            "--confirmation-code", f"{(int(code) + 1) % 1000000:06d}")
    assert "CodeMismatchException" in info.value.stderr
    assert auth_pool.status(username) == "UNCONFIRMED"


def test_admin_initiate_auth(cli, auth_pool):
    username = auth_pool.create_user()
    out = cli("admin-initiate-auth", "--user-pool-id", auth_pool.id, "--client-id", auth_pool.client_id,
              "--auth-flow", "ADMIN_USER_PASSWORD_AUTH",
              "--auth-parameters", f"USERNAME={username},PASSWORD={PASSWORD}")
    assert auth_pool.claims(out["AuthenticationResult"]["AccessToken"])["username"] == username


def test_new_password_challenge(cli, auth_pool):
    username = uniq("clinew")
    auth_pool.idp.admin_create_user(UserPoolId=auth_pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD,
                                    MessageAction="SUPPRESS")
    out = cli("initiate-auth", "--client-id", auth_pool.client_id, "--auth-flow", "USER_PASSWORD_AUTH",
              "--auth-parameters", f"USERNAME={username},PASSWORD={TEMP_PASSWORD}")
    assert out["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    answer = cli("respond-to-auth-challenge", "--client-id", auth_pool.client_id,
                 "--challenge-name", "NEW_PASSWORD_REQUIRED", "--session", out["Session"],
                 "--challenge-responses", f"USERNAME={username},NEW_PASSWORD={NEW_PASSWORD}")
    assert answer["AuthenticationResult"]["AccessToken"]
    assert auth_pool.status(username) == "CONFIRMED"


def test_forgot_password(cli, auth_pool):
    email = unique_email("cliforgot")
    username = auth_pool.create_user(attributes={"email": email, "email_verified": "true"})
    out = cli("forgot-password", "--client-id", auth_pool.client_id, "--username", username)
    assert out["CodeDeliveryDetails"]["Destination"] == mask_email(email)
    cli("confirm-forgot-password", "--client-id", auth_pool.client_id, "--username", username,
        "--confirmation-code", code_from(last_email(email)), "--password", NEW_PASSWORD)
    assert auth_pool.login(username, NEW_PASSWORD)["AccessToken"]


def test_change_password_and_global_sign_out(cli, auth_pool):
    username = auth_pool.create_user()
    token = auth_pool.login(username)["AccessToken"]
    cli("change-password", "--access-token", token, "--previous-password", PASSWORD,
        "--proposed-password", NEW_PASSWORD)
    assert auth_pool.login(username, NEW_PASSWORD)["AccessToken"]
    cli("global-sign-out", "--access-token", token)
    with pytest.raises(CliError) as info:
        cli("get-user", "--access-token", token)
    assert "NotAuthorizedException" in info.value.stderr
    assert "Access Token has been revoked" in info.value.stderr
