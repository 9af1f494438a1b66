"""UserMigration: users unknown to the pool are imported from a legacy directory (a Python handler
behind trigger_sinks.TriggerSink) when they sign in with a password or ask to reset it."""

import types

import pytest

from helpers import UUID_RE
from trigger_fixtures import *  # noqa: F401,F403

LEGACY_REALM = {"legacy_realm": "old-db"}


def legacy_directory(users):
    """A UserMigration handler backed by `users`: {username: (password, email)}."""

    def migrate(event):
        entry = users.get(event["userName"])
        if entry is None:
            raise LambdaError("User does not exist")
        password, email = entry
        response = event["response"]
        if event["triggerSource"] == "UserMigration_Authentication":
            if event["request"]["password"] != password:
                raise LambdaError("Bad password")
            response["userAttributes"] = {"email": email, "email_verified": "true"}
            response["finalUserStatus"] = "CONFIRMED"
            response["messageAction"] = "SUPPRESS"
        elif event["triggerSource"] == "UserMigration_ForgotPassword":
            # A verified e-mail so that the reset code can be sent.
            response["userAttributes"] = {"email": email, "email_verified": "true"}
            response["messageAction"] = "SUPPRESS"
        return event

    return migrate


@pytest.fixture
def legacy(trigger_sink, make_trigger_pool):
    """A pool migrating users from `.users` ({username: (password, email)}); .pool, .route, .add()."""
    users = {}
    route = trigger_sink.route("migration", legacy_directory(users))
    pool = make_trigger_pool({"UserMigration": route.url})

    def add(password=PASSWORD):
        username, email = uniq("legacy"), unique_email("legacy")
        users[username] = (password, email)
        return username, email

    return types.SimpleNamespace(pool=pool, route=route, users=users, add=add)


def sign_in(pool, username, password=PASSWORD, metadata=None):
    extra = {"ClientMetadata": metadata} if metadata is not None else {}
    return pool.idp.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": username, "PASSWORD": password}, **extra)


def tokens_of(resp):
    assert "ChallengeName" not in resp, resp
    return resp["AuthenticationResult"]


def test_sign_in_migrates_an_unknown_user(legacy):
    pool = legacy.pool
    username, email = legacy.add()
    tokens = tokens_of(sign_in(pool, username))
    assert pool.claims(tokens["IdToken"])["cognito:username"] == username
    assert pool.claims(tokens["IdToken"])["email"] == email

    user = pool.get_user(username)
    assert user["UserStatus"] == "CONFIRMED"
    a = attrs(user)
    assert a["email"] == email
    assert a["email_verified"] == "true"
    assert UUID_RE.match(a["sub"]), a


def test_migration_event(legacy):
    pool = legacy.pool
    username, _ = legacy.add()
    sign_in(pool, username, metadata=LEGACY_REALM)
    (event,) = legacy.route.events_for(user_name=username)
    assert_envelope(event, pool, "UserMigration_Authentication", username)
    assert event["request"]["password"] == PASSWORD
    assert event["request"]["validationData"] == LEGACY_REALM


def test_migrated_user_signs_in_without_the_trigger(legacy):
    pool = legacy.pool
    username, _ = legacy.add()
    tokens_of(sign_in(pool, username))
    calls = legacy.route.count
    assert tokens_of(sign_in(pool, username))["AccessToken"]
    with raises("NotAuthorizedException", message="Incorrect username or password."):
        sign_in(pool, username, NEW_PASSWORD)
    assert legacy.route.count == calls


def test_wrong_password_is_refused_by_the_trigger(legacy):
    pool = legacy.pool
    username, _ = legacy.add()
    with raises("UserLambdaValidationException", message="UserMigration failed with error Bad password."):
        sign_in(pool, username, NEW_PASSWORD)
    assert_no_user(pool, username)


def test_migrated_password_skips_the_password_policy(legacy):
    pool = legacy.pool
    username, _ = legacy.add(password="weakpass")  # fails the default policy (no upper case, digit, symbol)
    assert tokens_of(sign_in(pool, username, "weakpass"))["AccessToken"]
    assert tokens_of(sign_in(pool, username, "weakpass"))["AccessToken"]


def test_admin_sign_in_migrates_an_unknown_user(legacy):
    pool = legacy.pool
    username, _ = legacy.add()
    tokens_of(pool.admin_initiate(username))
    (event,) = legacy.route.events_for(user_name=username)
    assert_envelope(event, pool, "UserMigration_Authentication", username)
    assert pool.status(username) == "CONFIRMED"


def test_forgot_password_migrates_the_user(legacy):
    pool = legacy.pool
    username, email = legacy.add()
    resp = pool.idp.forgot_password(ClientId=pool.client_id, Username=username)
    assert resp["CodeDeliveryDetails"] == {
        "Destination": mask_email(email), "DeliveryMedium": "EMAIL", "AttributeName": "email",
    }
    (event,) = legacy.route.events_for(user_name=username)
    assert_envelope(event, pool, "UserMigration_ForgotPassword", username)
    assert event["request"].get("password") is None
    assert pool.status(username) == "RESET_REQUIRED"

    pool.idp.confirm_forgot_password(ClientId=pool.client_id, Username=username, Password=NEW_PASSWORD,
                                     ConfirmationCode=code_from(last_email(email)))
    assert pool.status(username) == "CONFIRMED"
    assert tokens_of(sign_in(pool, username, NEW_PASSWORD))["AccessToken"]
