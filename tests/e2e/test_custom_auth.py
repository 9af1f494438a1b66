"""CUSTOM_AUTH: a three-round custom challenge driven by DefineAuthChallenge, CreateAuthChallenge and
VerifyAuthChallengeResponse triggers (Python handlers behind trigger_sinks.TriggerSink), with and
without SRP first, through InitiateAuth and AdminInitiateAuth."""

import os
import sqlite3
import types

import pytest

from srp_fixtures import SrpClient, cognito_timestamp, srp_pool_name
from trigger_fixtures import *  # noqa: F401,F403

ROUNDS = 3
CUSTOM_FLOWS = ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
WRONG = "Incorrect username or password."


# --- the three triggers ----------------------------------------------------------------------


def custom_rounds(session):
    return sum(1 for entry in session if entry["challengeName"] == "CUSTOM_CHALLENGE")


def define(event):
    """SRP first if the client started with it, then ROUNDS custom challenges; any failure ends it."""
    session, response = event["request"]["session"], event["response"]
    last = session[-1] if session else None
    response["issueTokens"] = False
    response["failAuthentication"] = False
    if last is not None and not last["challengeResult"]:
        response["failAuthentication"] = True
    elif last is not None and last["challengeName"] == "SRP_A":
        response["challengeName"] = "PASSWORD_VERIFIER"
    elif custom_rounds(session) >= ROUNDS:
        response["issueTokens"] = True
    else:
        response["challengeName"] = "CUSTOM_CHALLENGE"
    return event


def create(event):
    n = custom_rounds(event["request"]["session"]) + 1
    event["response"]["publicChallengeParameters"] = {"question": f"round {n}"}
    event["response"]["privateChallengeParameters"] = {"answer": f"answer-{n}"}
    event["response"]["challengeMetadata"] = f"ROUND-{n}"
    return event


def verify(event):
    request = event["request"]
    event["response"]["answerCorrect"] = request["challengeAnswer"] == request["privateChallengeParameters"]["answer"]
    return event


def summary(session):
    """A Define/Create session as (challengeName, challengeResult, challengeMetadata) triples."""
    return [(e["challengeName"], e["challengeResult"], e.get("challengeMetadata")) for e in session]


def rounds_passed(n):
    return [("CUSTOM_CHALLENGE", True, f"ROUND-{i}") for i in range(1, n + 1)]


@pytest.fixture
def custom(trigger_sink, make_trigger_pool):
    """A pool with the three triggers and a client allowing CUSTOM_AUTH; .pool, .define, .create, .verify."""
    routes = types.SimpleNamespace(
        define=trigger_sink.route("define", define),
        create=trigger_sink.route("create", create),
        verify=trigger_sink.route("verify", verify),
    )
    routes.pool = make_trigger_pool(
        {"DefineAuthChallenge": routes.define.url, "CreateAuthChallenge": routes.create.url,
         "VerifyAuthChallengeResponse": routes.verify.url},
        client={"ExplicitAuthFlows": CUSTOM_FLOWS},
    )
    return routes


# --- the client side -------------------------------------------------------------------------


def start(pool, username, client=None, **params):
    client = client or pool.client
    return pool.idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="CUSTOM_AUTH",
                                  AuthParameters={"USERNAME": username, **params})


def answer(pool, challenge, username, text, metadata=None):
    extra = {"ClientMetadata": metadata} if metadata is not None else {}
    return pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="CUSTOM_CHALLENGE", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": username, "ANSWER": text}, **extra)


def assert_question(challenge, n, username):
    assert challenge.get("ChallengeName") == "CUSTOM_CHALLENGE", challenge
    params = challenge["ChallengeParameters"]
    assert params["question"] == f"round {n}", params
    assert params["USERNAME"] == username, params
    assert "answer" not in params  # private parameters stay on the server
    assert challenge["Session"]


def answer_all(pool, challenge, username):
    """Answer rounds 1..ROUNDS correctly, starting from `challenge` (round 1); the final response."""
    for n in range(1, ROUNDS + 1):
        assert_question(challenge, n, username)
        challenge = answer(pool, challenge, username, f"answer-{n}")
    return challenge


def assert_tokens_for(pool, resp, username):
    assert "ChallengeName" not in resp, resp
    tokens = resp["AuthenticationResult"]
    assert pool.claims(tokens["IdToken"])["cognito:username"] == username
    assert pool.claims(tokens["AccessToken"])["username"] == username
    assert tokens["RefreshToken"]
    return tokens


# --- tests -----------------------------------------------------------------------------------


def test_three_correct_answers_issue_tokens(custom):
    pool = custom.pool
    username = pool.create_user()
    assert_tokens_for(pool, answer_all(pool, start(pool, username), username), username)


def test_define_sees_the_session_grow(custom):
    pool = custom.pool
    username = pool.create_user()
    answer_all(pool, start(pool, username), username)
    sessions = [summary(e["request"]["session"]) for e in custom.define.events_for(user_name=username)]
    assert sessions == [rounds_passed(n) for n in range(ROUNDS + 1)]


def test_trigger_events(custom):
    pool = custom.pool
    username = pool.create_user()
    challenge = start(pool, username)
    answer(pool, challenge, username, "answer-1", metadata={"round": "1"})

    define_events = custom.define.events_for(user_name=username)
    create_events = custom.create.events_for(user_name=username)
    (verify_event,) = custom.verify.events_for(user_name=username)
    for event in define_events:
        assert_envelope(event, pool, "DefineAuthChallenge_Authentication", username)
    for event in create_events:
        assert_envelope(event, pool, "CreateAuthChallenge_Authentication", username)
        assert event["request"]["challengeName"] == "CUSTOM_CHALLENGE"
    assert_envelope(verify_event, pool, "VerifyAuthChallengeResponse_Authentication", username)
    assert verify_event["request"]["challengeAnswer"] == "answer-1"
    assert verify_event["request"]["privateChallengeParameters"] == {"answer": "answer-1"}
    assert "email" in verify_event["request"]["userAttributes"]

    # RespondToAuthChallenge's ClientMetadata reaches the triggers it runs.
    assert verify_event["request"]["clientMetadata"] == {"round": "1"}
    assert define_events[-1]["request"]["clientMetadata"] == {"round": "1"}
    assert create_events[-1]["request"]["clientMetadata"] == {"round": "1"}
    assert summary(create_events[-1]["request"]["session"]) == rounds_passed(1)


def test_wrong_answer_fails_authentication(custom):
    pool = custom.pool
    username = pool.create_user()
    challenge = answer(pool, start(pool, username), username, "answer-1")
    assert_question(challenge, 2, username)
    with raises("NotAuthorizedException", message=WRONG):
        answer(pool, challenge, username, "not-the-answer")
    last = custom.define.events_for(user_name=username)[-1]
    assert summary(last["request"]["session"]) == rounds_passed(1) + [("CUSTOM_CHALLENGE", False, "ROUND-2")]


def test_session_cannot_be_reused(custom):
    pool = custom.pool
    username = pool.create_user()
    first = start(pool, username)
    second = answer(pool, first, username, "answer-1")
    assert_question(second, 2, username)
    with raises("NotAuthorizedException"):
        answer(pool, first, username, "answer-1")


def test_refresh_after_custom_auth(custom):
    pool = custom.pool
    username = pool.create_user()
    tokens = assert_tokens_for(pool, answer_all(pool, start(pool, username), username), username)
    refreshed = pool.refresh(tokens["RefreshToken"])
    assert pool.claims(refreshed["AccessToken"])["username"] == username


def test_admin_custom_auth(custom):
    pool = custom.pool
    username = pool.create_user()
    challenge = pool.idp.admin_initiate_auth(UserPoolId=pool.id, ClientId=pool.client_id, AuthFlow="CUSTOM_AUTH",
                                             AuthParameters={"USERNAME": username})
    for n in range(1, ROUNDS + 1):
        assert_question(challenge, n, username)
        challenge = pool.idp.admin_respond_to_auth_challenge(
            UserPoolId=pool.id, ClientId=pool.client_id, ChallengeName="CUSTOM_CHALLENGE",
            Session=challenge["Session"], ChallengeResponses={"USERNAME": username, "ANSWER": f"answer-{n}"})
    assert_tokens_for(pool, challenge, username)
    for event in custom.define.events_for(user_name=username):
        assert_envelope(event, pool, "DefineAuthChallenge_Authentication", username)


def test_private_challenge_parameters_are_sealed_at_rest(custom):
    """The outstanding challenge's private parameters (here the expected answer) are stored
    in the challenge session only sealed under the master key."""
    if os.environ.get("COGNATE_E2E_DATABASE_URL"):
        pytest.skip("reads the embedded SQLite database")
    pool = custom.pool
    username = pool.create_user()
    assert_question(start(pool, username), 1, username)
    db = sqlite3.connect(f"file:{pool.env.server.data_dir}/cognate.db?mode=ro", uri=True)
    try:
        rows = [row[0] for row in db.execute("SELECT data FROM auth_sessions")]
    finally:
        db.close()
    assert any("CUSTOM_CHALLENGE" in data for data in rows), rows
    assert not any("answer-1" in data for data in rows)


def test_custom_auth_needs_the_triggers(make_trigger_pool):
    pool = make_trigger_pool(client={"ExplicitAuthFlows": CUSTOM_FLOWS})
    username = pool.create_user()
    with raises("InvalidUserPoolConfigurationException"):
        start(pool, username)


def test_custom_auth_must_be_enabled_for_the_client(custom):
    pool = custom.pool
    username = pool.create_user()
    other = pool.add_client(ExplicitAuthFlows=USER_FLOWS)
    with raises("InvalidParameterException"):
        start(pool, username, client=other)
    assert not custom.define.events_for(user_name=username)


# --- SRP first -------------------------------------------------------------------------------


@pytest.fixture
def srp_custom(custom):
    """`custom` with a client that also allows USER_SRP_AUTH (as its default client)."""
    custom.pool.client = custom.pool.add_client(ExplicitAuthFlows=CUSTOM_FLOWS + ["ALLOW_USER_SRP_AUTH"])
    return custom


def srp_start(pool, username, srp):
    return start(pool, username, CHALLENGE_NAME="SRP_A", SRP_A=srp.srp_a)


def password_verifier(pool, challenge, srp, password=PASSWORD):
    """RespondToAuthChallenge PASSWORD_VERIFIER with a proof of `password`."""
    assert challenge.get("ChallengeName") == "PASSWORD_VERIFIER", challenge
    params = challenge["ChallengeParameters"]
    assert {"SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP"} <= set(params), params
    timestamp = cognito_timestamp()
    signature = srp.signature(params, srp_pool_name(pool.id), params["USER_ID_FOR_SRP"], password, timestamp)
    session = {"Session": challenge["Session"]} if challenge.get("Session") else {}
    return pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="PASSWORD_VERIFIER", **session,
        ChallengeResponses={
            "USERNAME": params.get("USERNAME", params["USER_ID_FOR_SRP"]),
            "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": timestamp,
        })


def test_srp_first_then_custom_challenges(srp_custom):
    pool = srp_custom.pool
    username = pool.create_user()
    srp = SrpClient()
    challenge = password_verifier(pool, srp_start(pool, username, srp), srp)
    assert_tokens_for(pool, answer_all(pool, challenge, username), username)

    sessions = [summary(e["request"]["session"]) for e in srp_custom.define.events_for(user_name=username)]
    srp_done = [("SRP_A", True, None), ("PASSWORD_VERIFIER", True, None)]
    assert sessions[0] == srp_done[:1]
    assert sessions[1:] == [srp_done + rounds_passed(n) for n in range(ROUNDS + 1)]


def test_srp_first_with_a_wrong_password(srp_custom):
    pool = srp_custom.pool
    username = pool.create_user()
    srp = SrpClient()
    challenge = srp_start(pool, username, srp)
    with raises("NotAuthorizedException", message=WRONG):
        password_verifier(pool, challenge, srp, password=NEW_PASSWORD)
    assert not srp_custom.create.events_for(user_name=username)
