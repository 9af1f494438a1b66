"""Cognito exactness and operator safety: SigV4 credentials scoped to another region, the
welcome message of migrated users (UserMigration's messageAction / desiredDeliveryMediums),
and the operator's allow-list of trigger URLs (--trigger-allow).

Contract with the binary (in addition to trigger_fixtures'):
  --trigger-allow PATTERN (repeatable), COGNATE_TRIGGER_ALLOW (comma-separated) or
  `trigger_allow = [...]` in the --config file: a pattern is a host name (`*.domain` for its
  subdomains), optionally with `:port`, or an IP range (`10.0.0.0/8`). With a list, a pool whose
  LambdaConfig URL names another host is refused (InvalidParameterException), and a stored one
  fails at call time as an unreachable function (UnexpectedLambdaException) without a request.
"""

import time
import types

import boto3
import pytest
from botocore.config import Config

from conftest import start_server
from helpers import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, SERVICE, delete_pool_quietly
from trigger_fixtures import *  # noqa: F401,F403
from trigger_fixtures import trigger_server_args

# What a message that must not be sent is given to arrive before the test says it did not.
QUIET_PERIOD = 0.5

REFUSED = "Trigger host is not in the server's trigger allow-list"


# ---------------------------------------------------------------------------
# SigV4: the credential scope's region
# ---------------------------------------------------------------------------


def regional_client(url, region):
    return boto3.session.Session().client(
        SERVICE, endpoint_url=url, region_name=region, aws_access_key_id=ADMIN_ACCESS_KEY_ID,
        aws_secret_access_key=ADMIN_SECRET_ACCESS_KEY,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


def test_a_signature_for_another_region_is_refused(trigger_server):
    west = regional_client(trigger_server.url, "us-west-2")
    with raises("InvalidSignatureException",
                message="Credential should be scoped to a valid region.") as box:
        west.list_user_pools(MaxResults=1)
    assert box.exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with raises("InvalidSignatureException", startswith="Credential should be scoped to a valid region"):
        west.admin_get_user(UserPoolId="us-east-1_000000000", Username="nobody")


def test_a_signature_for_the_servers_region_is_accepted(trigger_server):
    east = regional_client(trigger_server.url, "us-east-1")
    assert "UserPools" in east.list_user_pools(MaxResults=1)


def test_public_operations_do_not_depend_on_the_callers_region(trigger_server):
    west = regional_client(trigger_server.url, "us-west-2")
    with raises("ResourceNotFoundException"):
        west.initiate_auth(ClientId="0" * 26, AuthFlow="USER_PASSWORD_AUTH",
                           AuthParameters={"USERNAME": "u", "PASSWORD": "p"})


# ---------------------------------------------------------------------------
# UserMigration: the welcome message
# ---------------------------------------------------------------------------


def migrating(users, **answer):
    """A UserMigration handler for `users` ({username: (password, email, phone)}) that adds
    `answer` (messageAction, desiredDeliveryMediums, ...) to its response."""

    def migrate(event):
        password, email, phone = users[event["userName"]]
        if event["triggerSource"] == "UserMigration_Authentication":
            if event["request"]["password"] != password:
                raise LambdaError("Bad password")
            event["response"]["finalUserStatus"] = "CONFIRMED"
        event["response"]["userAttributes"] = {
            "email": email, "email_verified": "true", "phone_number": phone, "phone_number_verified": "true",
        }
        event["response"].update(answer)
        return event

    return migrate


@pytest.fixture
def migration(trigger_sink, make_trigger_pool):
    """new(**answer) -> a pool whose UserMigration answers with `answer`; add() -> a legacy user."""
    users = {}

    def new(lambda_config=None, **answer):
        route = trigger_sink.route("welcome", migrating(users, **answer))
        pool = make_trigger_pool({"UserMigration": route.url, **(lambda_config or {})})
        return types.SimpleNamespace(pool=pool, route=route)

    def add():
        username = uniq("legacy")
        users[username] = (PASSWORD, unique_email("legacy"), unique_phone())
        return (username, *users[username][1:])

    return types.SimpleNamespace(new=new, add=add)


def assert_welcome(text, username):
    """The invitation template, with the username and no password in it."""
    assert username in text, text
    assert PASSWORD not in text, text
    assert "{####}" not in text, text


def test_a_migrated_user_is_welcomed_by_email(migration):
    env = migration.new(desiredDeliveryMediums=["EMAIL"])
    username, email, phone = migration.add()
    assert env.pool.login(username)["AccessToken"]
    mail = last_email(email)
    assert mail.subject == "Your temporary password"
    assert mail.text.strip() == f"Your username is {username} and temporary password is ."
    assert_welcome(mail.text, username)
    time.sleep(QUIET_PERIOD)
    assert sms_count(phone) == 0
    assert email_count(email) == 1


def test_the_welcome_goes_by_sms_by_default(migration):
    env = migration.new()
    username, email, phone = migration.add()
    env.pool.login(username)
    sms = last_sms(phone)
    assert_welcome(sms.text, username)
    assert sms.pool_id == env.pool.id
    time.sleep(QUIET_PERIOD)
    assert email_count(email) == 0


def test_the_welcome_goes_by_the_desired_sms(migration):
    env = migration.new(messageAction="RESEND", desiredDeliveryMediums=["SMS"])
    username, email, phone = migration.add()
    env.pool.login(username)
    assert_welcome(last_sms(phone).text, username)
    time.sleep(QUIET_PERIOD)
    assert email_count(email) == 0
    assert sms_count(phone) == 1


def test_suppress_sends_nothing(migration):
    env = migration.new(messageAction="SUPPRESS", desiredDeliveryMediums=["EMAIL", "SMS"])
    username, email, phone = migration.add()
    env.pool.login(username)
    time.sleep(QUIET_PERIOD)
    assert email_count(email) == 0
    assert sms_count(phone) == 0


def test_forgot_password_migration_welcomes_then_sends_the_code(migration):
    env = migration.new(desiredDeliveryMediums=["EMAIL"])
    username, email, phone = migration.add()
    resp = env.pool.idp.forgot_password(ClientId=env.pool.client_id, Username=username)
    assert_welcome(last_email(email).text, username)
    # The reset code goes where account recovery sends it (the verified phone by default).
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"
    env.pool.idp.confirm_forgot_password(ClientId=env.pool.client_id, Username=username, Password=NEW_PASSWORD,
                                         ConfirmationCode=code_from(last_sms(phone)))
    assert env.pool.login(username, NEW_PASSWORD)["AccessToken"]
    assert email_count(email) == 1


def test_the_welcome_runs_custom_message_as_an_invitation(trigger_sink, migration):
    def custom(event):
        event["response"]["smsMessage"] = (
            f"Welcome {event['request']['usernameParameter']}! {event['request']['codeParameter']}")
        return event

    message = trigger_sink.route("custom-message", custom)
    env = migration.new({"CustomMessage": message.url}, desiredDeliveryMediums=["SMS"])
    username, _, phone = migration.add()
    env.pool.login(username)
    (event,) = message.events
    assert_envelope(event, env.pool, "CustomMessage_AdminCreateUser", username)
    assert event["request"]["usernameParameter"] == "{username}"
    assert last_sms(phone).text == f"Welcome {username}! "


@pytest.mark.parametrize("answer", [
    {"messageAction": "SEND"},
    {"messageAction": "suppress"},
    {"desiredDeliveryMediums": ["EMAIL", "PIGEON"]},
    {"messageAction": "SUPPRESS", "desiredDeliveryMediums": ["email"]},
])
def test_an_invalid_welcome_answer_is_refused(migration, answer):
    env = migration.new(**answer)
    username, email, phone = migration.add()
    with raises("InvalidLambdaResponseException", message="Unrecognizable lambda output"):
        env.pool.initiate(username)
    assert_no_user(env.pool, username)
    assert email_count(email) == 0 and sms_count(phone) == 0


# ---------------------------------------------------------------------------
# The trigger allow-list
# ---------------------------------------------------------------------------


def allow_server(data_dir, auth_sinks, trigger_sink, *extra, env=None):
    srv = start_server(data_dir, extra_env=env, extra_args=[*trigger_server_args(auth_sinks, trigger_sink.url), *extra])
    return AuthServer(srv, auth_sinks.smtp, auth_sinks.sms)


@pytest.fixture(scope="module")
def loopback_only(tmp_path_factory, auth_sinks, trigger_sink):
    """A server whose triggers may only reach 127.0.0.1."""
    env = allow_server(tmp_path_factory.mktemp("cognate-allow"), auth_sinks, trigger_sink,
                       "--trigger-allow", "127.0.0.1/32")
    yield env
    env.server.stop()


@pytest.fixture
def make_loopback_pool(loopback_only):
    make, created = trigger_pool_factory(loopback_only)
    yield make
    for pool_id in created:
        delete_pool_quietly(loopback_only.idp, pool_id)


def test_an_allowed_trigger_url_is_accepted_and_called(trigger_sink, make_loopback_pool):
    route = trigger_sink.route("allowed-presignup")
    pool = make_loopback_pool({"PreSignUp": route.url})
    pool.sign_up(uniq("allowed"), attributes={"email": unique_email()})
    assert route.count == 1


@pytest.mark.parametrize("url, host", [
    ("http://169.254.169.254/latest", "169.254.169.254"),
    ("http://internal.example/", "internal.example"),
    ("http://127.0.0.2:8080/hook", "127.0.0.2"),
])
def test_create_user_pool_refuses_a_host_outside_the_list(loopback_only, url, host):
    with raises("InvalidParameterException",
                message=f"The trigger host {host} (LambdaConfig.PreSignUp) is not in this server's trigger "
                        "allow-list."):
        loopback_only.idp.create_user_pool(PoolName=uniq("refused"), LambdaConfig={"PreSignUp": url})


@pytest.mark.parametrize("url, host", [
    ("http://169.254.169.254/latest", "169.254.169.254"),
    ("http://internal.example/", "internal.example"),
])
def test_update_user_pool_refuses_a_host_outside_the_list(trigger_sink, loopback_only, make_loopback_pool, url,
                                                          host):
    route = trigger_sink.route("kept-presignup")
    pool = make_loopback_pool({"PreSignUp": route.url})
    with raises("InvalidParameterException",
                message=f"The trigger host {host} (LambdaConfig.UserMigration) is not in this server's trigger "
                        "allow-list."):
        loopback_only.idp.update_user_pool(UserPoolId=pool.id, AutoVerifiedAttributes=["email"],
                                           LambdaConfig={"PreSignUp": route.url, "UserMigration": url})
    config = loopback_only.idp.describe_user_pool(UserPoolId=pool.id)["UserPool"]["LambdaConfig"]
    assert config.get("PreSignUp") == route.url and "UserMigration" not in config, config


def test_function_arns_go_to_the_operators_endpoint(trigger_sink, make_loopback_pool):
    function = trigger_sink.function("allowed-arn")
    pool = make_loopback_pool({"PreSignUp": function.arn})
    pool.sign_up(uniq("arn"), attributes={"email": unique_email()})
    assert function.count == 1


def test_a_stored_trigger_outside_a_new_list_fails_without_a_call(tmp_path, auth_sinks, trigger_sink):
    """Pools stored before the list was set are checked when their triggers run."""
    by_ip = trigger_sink.route("stored-presignup")
    by_name = trigger_sink.route("stored-by-name")
    function = trigger_sink.function("stored-arn")
    by_name_url = by_name.url.replace("//127.0.0.1:", "//localhost:")
    open_server = allow_server(tmp_path, auth_sinks, trigger_sink)
    try:
        pools = {}
        for key, target in [("ip", by_ip.url), ("name", by_name_url), ("arn", function.arn)]:
            pools[key] = open_server.new_pool(LambdaConfig={"PreSignUp": target}).id
    finally:
        open_server.server.stop()

    # The same store, restarted with a list (from the config file) that names none of them.
    config = tmp_path / "cognate.toml"
    config.write_text('trigger_allow = ["10.0.0.0/8", "*.example.com"]\n')
    restricted = allow_server(tmp_path, auth_sinks, trigger_sink, "--config", str(config))
    try:
        for key in ("ip", "name"):
            pool = pool_of(restricted, pools[key])
            with raises("UnexpectedLambdaException", message=f"PreSignUp invocation failed due to error {REFUSED}."):
                pool.sign_up(uniq("refused"), attributes={"email": unique_email()})
        pool_of(restricted, pools["arn"]).sign_up(uniq("arn"), attributes={"email": unique_email()})
        assert function.count == 1
    finally:
        restricted.server.stop()
    assert by_ip.count == 0 and by_name.count == 0

    # Restarted with loopback ranges (from the environment): the name resolves into them.
    loopback = allow_server(tmp_path, auth_sinks, trigger_sink, env={"COGNATE_TRIGGER_ALLOW": "127.0.0.0/8,::1/128"})
    try:
        pool_of(loopback, pools["name"]).sign_up(uniq("resolved"), attributes={"email": unique_email()})
        assert by_name.count == 1
        pool_of(loopback, pools["ip"]).sign_up(uniq("ip"), attributes={"email": unique_email()})
        assert by_ip.count == 1
        for pool_id in pools.values():
            delete_pool_quietly(loopback.idp, pool_id)
    finally:
        loopback.server.stop()


def pool_of(env, pool_id):
    """An AuthPool for a stored pool, with a new app client."""
    pool = AuthPool(env, env.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"])
    pool.client = pool.add_client()
    return pool


def test_a_bad_pattern_stops_the_server(tmp_path, auth_sinks, trigger_sink):
    with pytest.raises(Exception) as exc:
        allow_server(tmp_path, auth_sinks, trigger_sink, "--trigger-allow", "10.0.0.0/33")
    assert "trigger allow pattern" in str(exc.value), exc.value
