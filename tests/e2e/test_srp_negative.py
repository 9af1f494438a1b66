"""USER_SRP_AUTH with hand-made client answers (boto3 + the Python SRP math of srp_fixtures.py):
forged, stale, replayed and misdirected PASSWORD_VERIFIER answers and degenerate SRP_A values
must never yield tokens."""

import base64
import datetime
import os

import pytest

from auth_fixtures import *  # noqa: F401,F403
from srp_fixtures import (
    G,
    K,
    N,
    SrpClient,
    SrpSession,
    claim_signature,
    cognito_timestamp,
    compute_x,
    pad_hex,
    password_key,
    srp_pool_name,
    token_claims,
)

WRONG = "Incorrect username or password."


def session(pool, client=None):
    client = client or pool.client
    return SrpSession(pool.idp, pool.id, client["ClientId"], client.get("ClientSecret"))


# --- the Python client math itself (no server) ---------------------------------------


def test_client_math_matches_the_known_answer_vector():
    """cognito-reference 4.5, computed with amazon-cognito-identity-js's AuthenticationHelper."""
    salt = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    assert pad_hex(salt) == "00a1b2c3d4e5f60718293a4b5c6d7e8f90"
    x = compute_x(salt, "AbCdEfGhI", "alice", "Passw0rd!")
    assert f"{x:x}" == "9a3f56c411bef88aa8bab8193756c28959786254d79447050bee0dd4ff0fe507"
    b = 0x0F1E2D3C4B5A69788796A5B4C3D2E1F00112233445566778899AABBCCDDEEFF0
    big_b = (K * pow(G, x, N) + pow(G, b, N)) % N
    client = SrpClient(a=0x1122334455667788990011223344556677889900112233445566778899001122)
    assert client.srp_a.startswith("9f46fa2dd59851ec") and len(client.srp_a) == 768
    key = password_key(client.a, client.big_a, big_b, salt, "AbCdEfGhI", "alice", "Passw0rd!")
    assert key.hex() == "ef9236a0a99fff97f603a9dfac6487b4"
    signature = claim_signature(key, "AbCdEfGhI", "alice", "c2VjcmV0LWJsb2NrLWJ5dGVzLWZyb20tc2VydmVy",
                                "Tue Mar 5 09:04:07 UTC 2024")
    assert signature == "VRRDRD5gf7vCvm6rJhBzSoRZOLNfh/sTUAwgVWdZqLE="


def test_timestamp_format():
    when = datetime.datetime(2024, 3, 5, 9, 4, 7, tzinfo=datetime.timezone.utc)
    assert cognito_timestamp(when) == "Tue Mar 5 09:04:07 UTC 2024"
    when = datetime.datetime(2025, 12, 25, 23, 59, 0, tzinfo=datetime.timezone.utc)
    assert cognito_timestamp(when) == "Thu Dec 25 23:59:00 UTC 2025"


# --- the baseline: hand-made answers are accepted when correct ------------------------


@pytest.mark.parametrize("with_session", [True, False], ids=["with-session", "without-session"])
def test_hand_made_exchange_signs_in(auth_pool, with_session):
    username = auth_pool.create_user()
    srp = session(auth_pool)
    challenge = srp.initiate(username)
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER", challenge
    params = challenge["ChallengeParameters"]
    assert {"SALT", "SRP_B", "SECRET_BLOCK", "USERNAME", "USER_ID_FOR_SRP"} <= set(params), params
    assert params["USERNAME"] == params["USER_ID_FOR_SRP"] == username
    assert int(params["SRP_B"], 16) % N != 0
    assert params["SALT"] == pad_hex(int(params["SALT"], 16)), "SALT must be canonical padHex"
    base64.b64decode(params["SECRET_BLOCK"], validate=True)
    answer = srp.respond(srp.responses(PASSWORD), with_session=with_session)
    assert "ChallengeName" not in answer, answer
    result = answer["AuthenticationResult"]
    assert auth_pool.claims(result["AccessToken"])["username"] == username
    assert auth_pool.claims(result["IdToken"])["cognito:username"] == username


def test_hand_made_exchange_with_a_client_secret(make_auth_pool):
    pool = make_auth_pool(secret=True)
    username = pool.create_user()
    answer = session(pool).sign_in(username, PASSWORD)
    assert auth_pool_claims(pool, answer)["username"] == username


def auth_pool_claims(pool, answer):
    assert "ChallengeName" not in answer, answer
    return pool.claims(answer["AuthenticationResult"]["AccessToken"])


# --- forged and tampered answers ----------------------------------------------------------


def test_forged_signature(auth_pool):
    username = auth_pool.create_user()
    srp = session(auth_pool)
    srp.initiate(username)
    responses = srp.responses(PASSWORD)
    responses["PASSWORD_CLAIM_SIGNATURE"] = base64.b64encode(os.urandom(32)).decode()
    with raises("NotAuthorizedException", message=WRONG):
        srp.respond(responses)


def test_signature_with_the_wrong_password(auth_pool):
    username = auth_pool.create_user()
    srp = session(auth_pool)
    srp.initiate(username)
    with raises("NotAuthorizedException", message=WRONG):
        srp.respond(srp.responses("Wrong-Passw0rd!"))


def test_tampered_secret_block(auth_pool):
    """A SECRET_BLOCK the server did not issue (one byte flipped, signature recomputed over it)."""
    username = auth_pool.create_user()
    srp = session(auth_pool)
    srp.initiate(username)
    block = bytearray(base64.b64decode(srp.params["SECRET_BLOCK"]))
    block[len(block) // 2] ^= 0x01
    srp.challenge["ChallengeParameters"] = dict(srp.params, SECRET_BLOCK=base64.b64encode(bytes(block)).decode())
    with raises("NotAuthorizedException", "InvalidParameterException"):
        srp.respond(srp.responses(PASSWORD))


@pytest.mark.parametrize("minutes", [-10, 10], ids=["10-minutes-ago", "10-minutes-ahead"])
def test_timestamp_outside_the_window(auth_pool, minutes):
    """The signature is right, but over a TIMESTAMP far from the server's clock."""
    username = auth_pool.create_user()
    srp = session(auth_pool)
    srp.initiate(username)
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
    with raises("NotAuthorizedException"):
        srp.respond(srp.responses(PASSWORD, timestamp=cognito_timestamp(when)))


def test_timestamp_within_the_window(auth_pool):
    username = auth_pool.create_user()
    srp = session(auth_pool)
    srp.initiate(username)
    when = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=60)
    assert auth_pool_claims(auth_pool, srp.respond(srp.responses(PASSWORD, timestamp=cognito_timestamp(when))))


def test_replayed_answer(auth_pool):
    username = auth_pool.create_user()
    srp = session(auth_pool)
    srp.initiate(username)
    responses = srp.responses(PASSWORD)
    assert auth_pool_claims(auth_pool, srp.respond(responses))["username"] == username
    with raises("NotAuthorizedException"):
        srp.respond(responses)
    with raises("NotAuthorizedException"):
        srp.respond(responses, with_session=False)


def test_secret_block_of_another_user(auth_pool):
    """User A's exchange, correctly signed for A, presented with user B's USERNAME."""
    alice = auth_pool.create_user(uniq("alice"))
    bob = auth_pool.create_user(uniq("bob"))  # same password as alice
    srp = session(auth_pool)
    srp.initiate(alice)
    with raises("NotAuthorizedException", "InvalidParameterException"):
        srp.respond(srp.responses(PASSWORD, username=bob))
    with raises("NotAuthorizedException", "InvalidParameterException"):
        srp.respond(srp.responses(PASSWORD, username=bob), with_session=False)


def test_secret_block_of_another_client(auth_pool):
    username = auth_pool.create_user()
    other = auth_pool.add_client()
    srp = session(auth_pool)
    srp.initiate(username)
    responses = srp.responses(PASSWORD)
    with raises("NotAuthorizedException", "InvalidParameterException"):
        auth_pool.idp.respond_to_auth_challenge(ClientId=other["ClientId"], ChallengeName="PASSWORD_VERIFIER",
                                                ChallengeResponses=responses)


def test_wrong_secret_hash_in_the_answer(make_auth_pool):
    pool = make_auth_pool(secret=True)
    username = pool.create_user()
    srp = session(pool)
    srp.initiate(username)
    responses = srp.responses(PASSWORD)
    responses["SECRET_HASH"] = secret_hash(username, pool.client_id, "not-the-secret")
    with raises("NotAuthorizedException"):
        srp.respond(responses)


def test_missing_secret_hash(make_auth_pool):
    pool = make_auth_pool(secret=True)
    username = pool.create_user()
    srp = SrpSession(pool.idp, pool.id, pool.client_id)  # no secret: no SECRET_HASH sent
    with raises("NotAuthorizedException",
                message=f"Client {pool.client_id} is configured with secret but SECRET_HASH was not received"):
        srp.initiate(username)


# --- degenerate SRP_A ------------------------------------------------------------------------


@pytest.mark.parametrize("srp_a", [
    pytest.param("0", id="zero"),
    pytest.param("00", id="zero-padded"),
    pytest.param(f"{N:x}", id="N"),
    pytest.param(f"{2 * N:x}", id="2N"),
    pytest.param(f"{5 * N:x}", id="5N"),
    pytest.param("zz", id="not-hex"),
])
def test_degenerate_srp_a_is_refused(auth_pool, srp_a):
    username = auth_pool.create_user()
    with raises("NotAuthorizedException", "InvalidParameterException"):
        auth_pool.idp.initiate_auth(ClientId=auth_pool.client_id, AuthFlow="USER_SRP_AUTH",
                                    AuthParameters={"USERNAME": username, "SRP_A": srp_a})


def test_srp_a_is_required(auth_pool):
    username = auth_pool.create_user()
    with raises("InvalidParameterException"):
        auth_pool.idp.initiate_auth(ClientId=auth_pool.client_id, AuthFlow="USER_SRP_AUTH",
                                    AuthParameters={"USERNAME": username})


# --- client configuration -----------------------------------------------------------------------


def test_client_without_the_srp_flow(make_auth_pool):
    pool = make_auth_pool(client={"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]})
    username = pool.create_user()
    with raises("InvalidParameterException"):
        session(pool).initiate(username)


def test_client_with_default_flows_allows_srp(make_auth_pool):
    """Omitting ExplicitAuthFlows gives ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH, ALLOW_CUSTOM_AUTH."""
    pool = make_auth_pool()
    client = pool.idp.create_user_pool_client(UserPoolId=pool.id, ClientName=uniq("defaults"))["UserPoolClient"]
    username = pool.create_user()
    answer = session(pool, client).sign_in(username, PASSWORD)
    assert token_claims(answer["AuthenticationResult"]["AccessToken"])["username"] == username


def test_pool_name_is_part_of_the_proof(auth_pool):
    """A signature computed with another pool's name (a client bug) is refused."""
    username = auth_pool.create_user()
    srp = session(auth_pool)
    srp.initiate(username)
    srp.pool_id = "us-east-1_" + ("X" * 9 if srp_pool_name(auth_pool.id) != "X" * 9 else "Y" * 9)
    with raises("NotAuthorizedException", message=WRONG):
        srp.respond(srp.responses(PASSWORD))
