"""USER_SRP_AUTH with pycognito (PyPI), as Python applications use it:
`pycognito.aws_srp.AWSSRP(...).authenticate_user()` with a boto3 client pointed at Cognate, and the
high-level `pycognito.Cognito(..., boto3_client_kwargs={"endpoint_url": url})`, which also verifies
the tokens against `{endpoint_url}/{pool_id}/.well-known/jwks.json` with issuer
`{endpoint_url}/{pool_id}`.

pycognito's device flow is in test_devices.py.
"""

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from auth_fixtures import *  # noqa: F401,F403
from helpers import make_client

pycognito = pytest.importorskip("pycognito")
from pycognito import Cognito  # noqa: E402
from pycognito.aws_srp import AWSSRP  # noqa: E402
from pycognito.exceptions import ForceChangePasswordException, TokenVerificationException  # noqa: E402

WRONG = "Incorrect username or password."
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60)


def boto(server, unsigned=False):
    return make_client(server.url, unsigned=unsigned)


def cognito(pool, username, **kwargs):
    """pycognito.Cognito for `pool`'s default client, talking to Cognate."""
    return Cognito(
        pool.id, pool.client_id, username=username, client_secret=pool.secret,
        botocore_config=NO_RETRIES, boto3_client_kwargs={"endpoint_url": pool.env.url}, **kwargs,
    )


def assert_tokens(pool, tokens, username):
    assert "ChallengeName" not in tokens or tokens["ChallengeName"] is None, tokens
    result = tokens["AuthenticationResult"]
    assert result["TokenType"] == "Bearer"
    assert result["RefreshToken"]
    assert pool.claims(result["AccessToken"])["username"] == username
    assert pool.claims(result["IdToken"])["cognito:username"] == username
    return result


# --- AWSSRP -------------------------------------------------------------------------------------


@pytest.mark.parametrize("unsigned", [False, True], ids=["signed-client", "unsigned-client"])
def test_awssrp_authenticate_user(auth_pool, auth_server, unsigned):
    username = auth_pool.create_user()
    aws = AWSSRP(username, PASSWORD, auth_pool.id, auth_pool.client_id, client=boto(auth_server, unsigned))
    assert_tokens(auth_pool, aws.authenticate_user(), username)


def test_awssrp_wrong_password(auth_pool, auth_server):
    username = auth_pool.create_user()
    aws = AWSSRP(username, "Wrong-Passw0rd!", auth_pool.id, auth_pool.client_id, client=boto(auth_server))
    with raises("NotAuthorizedException", message=WRONG):
        aws.authenticate_user()


def test_awssrp_unknown_user(auth_pool, auth_server):
    aws = AWSSRP(uniq("ghost"), PASSWORD, auth_pool.id, auth_pool.client_id, client=boto(auth_server))
    with raises("UserNotFoundException", message="User does not exist."):
        aws.authenticate_user()


def test_awssrp_with_a_client_secret(make_auth_pool, auth_server):
    pool = make_auth_pool(secret=True)
    username = pool.create_user()
    aws = AWSSRP(username, PASSWORD, pool.id, pool.client_id, client=boto(auth_server), client_secret=pool.secret)
    assert_tokens(pool, aws.authenticate_user(), username)
    wrong = AWSSRP(username, PASSWORD, pool.id, pool.client_id, client=boto(auth_server),
                   client_secret="x" * len(pool.secret))
    with raises("NotAuthorizedException", message=f"Unable to verify secret hash for client {pool.client_id}"):
        wrong.authenticate_user()


def test_awssrp_email_username_with_a_client_secret(make_auth_pool, auth_server):
    """SECRET_HASH over the email typed at InitiateAuth, over the internal username in the answer."""
    pool = make_auth_pool(secret=True, UsernameAttributes=["email"])
    email = unique_email("py")
    pool.create_user(email, attributes={"email": email, "email_verified": "true"})
    internal = pool.get_user(email)["Username"]
    aws = AWSSRP(email, PASSWORD, pool.id, pool.client_id, client=boto(auth_server), client_secret=pool.secret)
    result = assert_tokens(pool, aws.authenticate_user(), internal)
    assert pool.claims(result["IdToken"])["email"] == email


def test_awssrp_alias_sign_in(make_auth_pool, auth_server):
    pool = make_auth_pool(AliasAttributes=["email"])
    email = unique_email("alias")
    username = pool.create_user(uniq("py"), attributes={"email": email, "email_verified": "true"})
    aws = AWSSRP(email, PASSWORD, pool.id, pool.client_id, client=boto(auth_server))
    assert_tokens(pool, aws.authenticate_user(), username)


def test_awssrp_case_insensitive_pool(make_auth_pool, auth_server):
    pool = make_auth_pool(UsernameConfiguration={"CaseSensitive": False})
    username = uniq("Py")
    pool.create_user(username)
    aws = AWSSRP(username.swapcase(), PASSWORD, pool.id, pool.client_id, client=boto(auth_server))
    stored = pool.get_user(username)["Username"]
    assert_tokens(pool, aws.authenticate_user(), stored)


def test_awssrp_force_change_password(auth_pool, auth_server):
    username = uniq("invited")
    auth_pool.idp.admin_create_user(UserPoolId=auth_pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD,
                                    MessageAction="SUPPRESS",
                                    UserAttributes=attr_list({"email": unique_email(), "email_verified": "true"}))
    aws = AWSSRP(username, TEMP_PASSWORD, auth_pool.id, auth_pool.client_id, client=boto(auth_server))
    with pytest.raises(ForceChangePasswordException):
        aws.authenticate_user()
    # set_new_password_challenge re-sends the PASSWORD_CLAIM_* keys beside NEW_PASSWORD.
    aws = AWSSRP(username, TEMP_PASSWORD, auth_pool.id, auth_pool.client_id, client=boto(auth_server))
    assert_tokens(auth_pool, aws.set_new_password_challenge(NEW_PASSWORD), username)
    assert auth_pool.status(username) == "CONFIRMED"
    aws = AWSSRP(username, NEW_PASSWORD, auth_pool.id, auth_pool.client_id, client=boto(auth_server))
    assert_tokens(auth_pool, aws.authenticate_user(), username)


# --- pycognito.Cognito ---------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [False, True], ids=["public-client", "secret-client"])
def test_cognito_authenticate_verify_refresh_and_logout(make_auth_pool, secret):
    pool = make_auth_pool(secret=secret)
    username = pool.create_user()
    user = cognito(pool, username)
    assert user.user_pool_url == f"{pool.env.url}/{pool.id}" == pool.issuer

    user.authenticate(password=PASSWORD)  # SRP, then verify_token() on both tokens (JWKS over HTTP)
    assert user.access_claims["username"] == username
    assert user.id_claims["cognito:username"] == username
    assert user.id_claims["aud"] == pool.client_id
    assert user.token_type == "Bearer"
    user.verify_tokens()
    assert user.check_token(renew=False) is False  # not expired

    profile = user.get_user()
    assert profile.sub == user.id_claims["sub"]
    assert profile.email == pool.attrs_of(username)["email"]

    old_access = user.access_token
    user.renew_access_token()  # REFRESH_TOKEN_AUTH (+ SECRET_HASH) and verification again
    assert user.access_token != old_access
    assert user.access_claims["username"] == username
    assert user.refresh_token

    refresh_token = user.refresh_token
    user.logout()  # GlobalSignOut
    user.refresh_token = refresh_token
    with raises("NotAuthorizedException"):
        user.renew_access_token()


def test_cognito_email_username_refresh_with_a_secret(make_auth_pool):
    """pycognito hashes the email it was given for REFRESH_TOKEN_AUTH too."""
    pool = make_auth_pool(secret=True, UsernameAttributes=["email"])
    email = unique_email("pyref")
    pool.create_user(email, attributes={"email": email, "email_verified": "true"})
    user = cognito(pool, email)
    user.authenticate(password=PASSWORD)
    assert user.id_claims["email"] == email
    user.renew_access_token()
    assert user.id_claims["email"] == email


def test_cognito_wrong_password(auth_pool):
    username = auth_pool.create_user()
    user = cognito(auth_pool, username)
    with raises("NotAuthorizedException", message=WRONG):
        user.authenticate(password="Wrong-Passw0rd!")
    assert user.access_token is None


def test_cognito_new_password_challenge(make_auth_pool):
    pool = make_auth_pool(secret=True)
    username = uniq("invited")
    pool.idp.admin_create_user(UserPoolId=pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD,
                               MessageAction="SUPPRESS",
                               UserAttributes=attr_list({"email": unique_email(), "email_verified": "true"}))
    user = cognito(pool, username)
    with pytest.raises(ForceChangePasswordException):
        user.authenticate(password=TEMP_PASSWORD)
    user.new_password_challenge(TEMP_PASSWORD, NEW_PASSWORD)
    assert user.access_claims["username"] == username
    assert pool.status(username) == "CONFIRMED"
    again = cognito(pool, username)
    again.authenticate(password=NEW_PASSWORD)
    assert again.id_claims["cognito:username"] == username


def test_cognito_refuses_tokens_of_another_pool(make_auth_pool):
    """Tokens of pool A do not verify as pool B's: each pool signs with its own keys (pycognito
    fails with IndexError on an unknown `kid`) and verify_token checks the issuer."""
    first = make_auth_pool()
    second = make_auth_pool()
    username = first.create_user()
    user = cognito(first, username)
    user.authenticate(password=PASSWORD)
    other = cognito(second, username, id_token=user.id_token, access_token=user.access_token)
    with pytest.raises((TokenVerificationException, IndexError)):
        other.verify_tokens()
    # Same keys, other issuer: the JWKS of pool A with pool B's issuer.
    other.pool_jwk = user.get_keys()
    with pytest.raises(TokenVerificationException, match="Invalid issuer"):
        other.verify_tokens()


def test_cognito_change_password_then_srp(auth_pool):
    username = auth_pool.create_user()
    user = cognito(auth_pool, username)
    user.authenticate(password=PASSWORD)
    user.change_password(PASSWORD, NEW_PASSWORD)
    with raises("NotAuthorizedException", message=WRONG):
        cognito(auth_pool, username).authenticate(password=PASSWORD)
    fresh = cognito(auth_pool, username)
    fresh.authenticate(password=NEW_PASSWORD)
    assert fresh.access_claims["username"] == username


def test_cognito_client_error_shape(auth_pool):
    """pycognito surfaces botocore ClientErrors unchanged: code and message as Cognito's."""
    user = cognito(auth_pool, uniq("ghost"))
    with pytest.raises(ClientError) as info:
        user.authenticate(password=PASSWORD)
    assert error_code(info.value) == "UserNotFoundException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
