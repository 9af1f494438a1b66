"""CUSTOM_AUTH with amazon-cognito-identity-js (js/srp.mjs): `initiateAuth` with the
customChallenge callback answering through `sendCustomChallengeAnswer`, and `authenticateUser`
with the CUSTOM_AUTH flow type, which the library starts with SRP (CHALLENGE_NAME=SRP_A)."""

from srp_fixtures import run_js
# srp_custom and the fixture it builds on: the triggers with a client that also allows SRP,
# which the library's CUSTOM_AUTH flow starts with.
from test_custom_auth import ROUNDS, custom, srp_custom, summary  # noqa: F401 (fixtures)
from trigger_fixtures import *  # noqa: F401,F403

ANSWERS = [f"answer-{n}" for n in range(1, ROUNDS + 1)]


def js(pool, step):
    run = run_js(pool.env.url, pool.id, pool.client_id, [step])
    return run, run.steps[0]


def test_initiate_auth_answers_three_custom_challenges(srp_custom):
    pool = srp_custom.pool
    username = pool.create_user()
    run, step = js(pool, {"op": "initiateAuth", "username": username, "answers": ANSWERS})
    assert step["ok"], run
    assert [v["challengeParameters"]["question"] for v in step["via"]] == ["round 1", "round 2", "round 3"]
    assert pool.claims(step["session"]["idToken"])["cognito:username"] == username
    assert run.challenge_names() == ["CUSTOM_CHALLENGE"] * ROUNDS


def test_initiate_auth_with_a_wrong_answer_fails(srp_custom):
    pool = srp_custom.pool
    username = pool.create_user()
    run, step = js(pool, {"op": "initiateAuth", "username": username, "answers": ["answer-1", "nope"]})
    assert not step["ok"] and step["callback"] == "onFailure", run
    assert step["error"]["code"] == "NotAuthorizedException", step


def test_authenticate_user_with_custom_flow_runs_srp_first(srp_custom):
    pool = srp_custom.pool
    username = pool.create_user()
    run, step = js(pool, {"op": "authenticate", "username": username, "password": PASSWORD,
                          "flow": "CUSTOM_AUTH", "answers": ANSWERS})
    assert step["ok"], run
    (initiate,) = run.calls("InitiateAuth")
    assert initiate["body"]["AuthFlow"] == "CUSTOM_AUTH"
    assert initiate["body"]["AuthParameters"]["CHALLENGE_NAME"] == "SRP_A"
    assert run.challenge_names() == ["PASSWORD_VERIFIER"] + ["CUSTOM_CHALLENGE"] * ROUNDS
    first = summary(srp_custom.define.events_for(user_name=username)[1]["request"]["session"])
    assert first == [("SRP_A", True, None), ("PASSWORD_VERIFIER", True, None)]


def test_authenticate_user_with_custom_flow_and_a_wrong_password(srp_custom):
    pool = srp_custom.pool
    username = pool.create_user()
    run, step = js(pool, {"op": "authenticate", "username": username, "password": NEW_PASSWORD,
                          "flow": "CUSTOM_AUTH", "answers": ANSWERS})
    assert not step["ok"] and step["error"]["code"] == "NotAuthorizedException", run
    assert not srp_custom.create.events_for(user_name=username)
