"""Lambda triggers: PreSignUp, PostConfirmation, Pre/PostAuthentication, PreTokenGeneration (V1, V2),
CustomMessage, custom senders, failures, and ARN-style triggers through the Lambda Invoke API.

Triggers are Python handlers behind trigger_sinks.TriggerSink (see trigger_fixtures.py).
Custom authentication is in test_custom_auth.py, user migration in test_user_migration.py and a
real Node.js Lambda in test_lambda_node.py.
"""

import re
import socket
import urllib.parse

import pytest

from srp_fixtures import SrpSession
from trigger_fixtures import *  # noqa: F401,F403

SES_IDENTITY_ARN = "arn:aws:ses:us-east-1:123456789012:identity/noreply@example.com"
# CustomMessage may set email fields only when the pool sends e-mail "with Amazon SES".
DEVELOPER_EMAIL = {"EmailSendingAccount": "DEVELOPER", "SourceArn": SES_IDENTITY_ARN}


def sign_in(pool, username, password=PASSWORD, metadata=None):
    """USER_PASSWORD_AUTH with optional ClientMetadata; the InitiateAuth response."""
    extra = {"ClientMetadata": metadata} if metadata is not None else {}
    return pool.idp.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": username, "PASSWORD": password}, **extra)


def one_line(mail):
    """A mail's text with its whitespace collapsed."""
    return " ".join(mail.text.split())


def refused(trigger, message):
    return f"{trigger} failed with error {message}."


# --- PreSignUp -------------------------------------------------------------------------------


@pytest.fixture
def company_pool(trigger_sink, make_trigger_pool):
    """A pool whose PreSignUp is the seed example; (pool, its PreSignUp route)."""
    pre = trigger_sink.route("presignup", company_only_pre_sign_up)
    return make_trigger_pool({"PreSignUp": pre.url}), pre


def test_pre_sign_up_auto_confirms_company_addresses(company_pool):
    pool, _ = company_pool
    username, email = uniq("staff"), company_email()
    resp = pool.sign_up(username, attributes={"email": email})
    assert resp["UserConfirmed"] is True
    assert "CodeDeliveryDetails" not in resp

    user = pool.get_user(username)
    assert user["UserStatus"] == "CONFIRMED"
    assert attrs(user)["email_verified"] == "true"
    assert pool.login(username)["AccessToken"]
    assert email_count(email) == 0  # no confirmation code was sent


def test_pre_sign_up_refuses_other_addresses(company_pool):
    pool, pre = company_pool
    username = uniq("outsider")
    with raises("UserLambdaValidationException", message=refused("PreSignUp", COMPANY_ONLY)):
        pool.sign_up(username, attributes={"email": "someone@gmail.com"})
    assert pre.events_for(user_name=username)
    assert_no_user(pool, username)


def test_pre_sign_up_event(company_pool):
    pool, pre = company_pool
    username, email = uniq("staff"), company_email()
    pool.sign_up(username, attributes={"email": email, "given_name": "Ann"},
                 ValidationData=attr_list({"invite": "X-42", "source": "e2e"}),
                 ClientMetadata={"campaign": "spring"})
    (event,) = pre.events_for(user_name=username)
    assert_envelope(event, pool, "PreSignUp_SignUp", username)
    request = event["request"]
    assert request["userAttributes"]["email"] == email
    assert request["userAttributes"]["given_name"] == "Ann"
    assert request["validationData"] == {"invite": "X-42", "source": "e2e"}
    assert request["clientMetadata"] == {"campaign": "spring"}


def test_pre_sign_up_on_admin_create_user(company_pool):
    pool, pre = company_pool
    username, email = uniq("invited"), company_email("invited")
    pool.idp.admin_create_user(
        UserPoolId=pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD, MessageAction="SUPPRESS",
        UserAttributes=attr_list({"email": email}), ValidationData=attr_list({"ticket": "T-1"}),
        ClientMetadata={"by": "admin"},
    )
    (event,) = pre.events_for(user_name=username)
    assert_envelope(event, pool, "PreSignUp_AdminCreateUser", username, client_id=CLIENT_ID_NOT_APPLICABLE)
    assert event["request"]["userAttributes"]["email"] == email
    assert event["request"]["validationData"] == {"ticket": "T-1"}
    assert event["request"]["clientMetadata"] == {"by": "admin"}
    # autoConfirmUser does not apply to invited users: they still have to set a password.
    assert pool.status(username) == "FORCE_CHANGE_PASSWORD"


def test_pre_sign_up_can_refuse_admin_create_user(company_pool):
    pool, _ = company_pool
    username = uniq("invited")
    with raises("UserLambdaValidationException", message=refused("PreSignUp", COMPANY_ONLY)):
        pool.idp.admin_create_user(UserPoolId=pool.id, Username=username, MessageAction="SUPPRESS",
                                   UserAttributes=attr_list({"email": "someone@gmail.com"}))
    assert_no_user(pool, username)


# --- PostConfirmation ------------------------------------------------------------------------


@pytest.fixture
def post_confirmation_pool(trigger_sink, make_trigger_pool):
    post = trigger_sink.route("postconfirmation")
    return make_trigger_pool({"PostConfirmation": post.url}), post


def test_post_confirmation_after_confirm_sign_up(post_confirmation_pool):
    pool, post = post_confirmation_pool
    username, email = uniq("conf"), unique_email("conf")
    sub = pool.sign_up(username, attributes={"email": email})["UserSub"]
    assert not post.events_for(user_name=username)

    pool.confirm_sign_up(username, code_from(last_email(email)), ClientMetadata={"step": "confirm"})
    (event,) = post.events_for(user_name=username)
    assert_envelope(event, pool, "PostConfirmation_ConfirmSignUp", username)
    user_attributes = event["request"]["userAttributes"]
    assert user_attributes["cognito:user_status"] == "CONFIRMED"
    assert user_attributes["sub"] == sub
    assert user_attributes["email"] == email
    assert user_attributes["email_verified"] == "true"
    assert event["request"]["clientMetadata"] == {"step": "confirm"}


def test_post_confirmation_after_confirm_forgot_password(post_confirmation_pool):
    pool, post = post_confirmation_pool
    email = unique_email("reset")
    username = pool.create_user(attributes={"email": email, "email_verified": "true"})
    pool.idp.forgot_password(ClientId=pool.client_id, Username=username)
    pool.idp.confirm_forgot_password(ClientId=pool.client_id, Username=username, Password=NEW_PASSWORD,
                                     ConfirmationCode=code_from(last_email(email)),
                                     ClientMetadata={"step": "reset"})
    (event,) = post.events_for(user_name=username, source="PostConfirmation_ConfirmForgotPassword")
    assert_envelope(event, pool, "PostConfirmation_ConfirmForgotPassword", username)
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert event["request"]["userAttributes"]["email"] == email
    assert event["request"]["clientMetadata"] == {"step": "reset"}
    assert pool.login(username, NEW_PASSWORD)["AccessToken"]


def test_auto_confirmed_sign_up_calls_post_confirmation(trigger_sink, make_trigger_pool):
    pre = trigger_sink.route("presignup", company_only_pre_sign_up)
    post = trigger_sink.route("postconfirmation")
    pool = make_trigger_pool({"PreSignUp": pre.url, "PostConfirmation": post.url})
    username, email = uniq("staff"), company_email()
    pool.sign_up(username, attributes={"email": email})
    (event,) = post.events_for(user_name=username)
    assert_envelope(event, pool, "PostConfirmation_ConfirmSignUp", username)
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert event["request"]["userAttributes"]["email_verified"] == "true"


# --- PreAuthentication / PostAuthentication --------------------------------------------------


def no_kiosks(event):
    """PreAuthentication: refuse sign-ins whose ClientMetadata says they come from a kiosk."""
    if (event["request"].get("validationData") or {}).get("device") == "kiosk":
        raise LambdaError("Sign-in from kiosks is not allowed")
    return event


def test_pre_authentication_can_deny_sign_in(trigger_sink, make_trigger_pool):
    pre = trigger_sink.route("preauth", no_kiosks)
    pool = make_trigger_pool({"PreAuthentication": pre.url})
    username = pool.create_user()
    with raises("UserLambdaValidationException",
                message=refused("PreAuthentication", "Sign-in from kiosks is not allowed")):
        sign_in(pool, username, metadata={"device": "kiosk"})
    assert sign_in(pool, username, metadata={"device": "laptop"})["AuthenticationResult"]["AccessToken"]


def test_pre_authentication_event(trigger_sink, make_trigger_pool):
    pre = trigger_sink.route("preauth", no_kiosks)
    pool = make_trigger_pool({"PreAuthentication": pre.url})
    email = unique_email("preauth")
    username = pool.create_user(attributes={"email": email, "email_verified": "true"})
    sign_in(pool, username, metadata={"device": "laptop"})
    (event,) = pre.events_for(user_name=username)
    assert_envelope(event, pool, "PreAuthentication_Authentication", username)
    request = event["request"]
    assert request["validationData"] == {"device": "laptop"}
    assert request["userAttributes"]["email"] == email
    assert request["userAttributes"]["sub"] == pool.attrs_of(username)["sub"]
    assert request["userAttributes"]["cognito:user_status"] == "CONFIRMED"


def test_post_authentication_after_sign_in(trigger_sink, make_trigger_pool):
    post = trigger_sink.route("postauth")
    pool = make_trigger_pool({"PostAuthentication": post.url})
    email = unique_email("postauth")
    username = pool.create_user(attributes={"email": email, "email_verified": "true"})
    assert pool.login(username)["AccessToken"]
    (event,) = post.events_for(user_name=username)
    assert_envelope(event, pool, "PostAuthentication_Authentication", username)
    assert event["request"]["newDeviceUsed"] is False
    assert event["request"]["userAttributes"]["email"] == email


def test_post_authentication_gets_the_challenge_answers_client_metadata(trigger_sink, make_trigger_pool):
    """ClientMetadata of RespondToAuthChallenge reaches PostAuthentication (here: an SRP sign-in)."""
    post = trigger_sink.route("postauth")
    pool = make_trigger_pool({"PostAuthentication": post.url})
    username = pool.create_user()
    srp = SrpSession(pool.idp, pool.id, pool.client_id)
    challenge = srp.initiate(username)
    session = {"Session": challenge["Session"]} if challenge.get("Session") else {}
    resp = pool.idp.respond_to_auth_challenge(ClientId=pool.client_id, ChallengeName="PASSWORD_VERIFIER",
                                              ChallengeResponses=srp.responses(PASSWORD),
                                              ClientMetadata={"app": "web"}, **session)
    assert resp["AuthenticationResult"]["AccessToken"]
    (event,) = post.events_for(user_name=username)
    assert_envelope(event, pool, "PostAuthentication_Authentication", username)
    assert event["request"]["clientMetadata"] == {"app": "web"}


def test_failing_post_authentication_means_no_tokens(trigger_sink, make_trigger_pool):
    def under_review(event):
        raise LambdaError("Account under review")

    post = trigger_sink.route("postauth", under_review)
    pool = make_trigger_pool({"PostAuthentication": post.url})
    username = pool.create_user()
    with raises("UserLambdaValidationException", message=refused("PostAuthentication", "Account under review")):
        pool.login(username)


# --- PreTokenGeneration ----------------------------------------------------------------------


def pre_token_pool(trigger_sink, make_trigger_pool, handler, version=None):
    """(pool, route) with `handler` as PreTokenGeneration: the legacy key, or PreTokenGenerationConfig."""
    route = trigger_sink.route("pretoken", handler)
    if version is None:
        config = {"PreTokenGeneration": route.url}
    else:
        config = {"PreTokenGenerationConfig": {"LambdaVersion": version, "LambdaArn": route.url}}
    return make_trigger_pool(config), route


def v1_overrides(claims_to_add=None, claims_to_suppress=None, groups=None):
    """A V1 handler setting claimsOverrideDetails."""

    def handler(event):
        details = {}
        if claims_to_add is not None:
            details["claimsToAddOrOverride"] = claims_to_add
        if claims_to_suppress is not None:
            details["claimsToSuppress"] = claims_to_suppress
        if groups is not None:
            details["groupOverrideDetails"] = {"groupsToOverride": groups}
        event["response"]["claimsOverrideDetails"] = details
        return event

    return handler


def v2_overrides(id_token=None, access_token=None):
    """A V2 handler setting claimsAndScopeOverrideDetails."""

    def handler(event):
        details = {}
        if id_token is not None:
            details["idTokenGeneration"] = id_token
        if access_token is not None:
            details["accessTokenGeneration"] = access_token
        event["response"]["claimsAndScopeOverrideDetails"] = details
        return event

    return handler


def test_pre_token_v1_adds_and_suppresses_id_token_claims(trigger_sink, make_trigger_pool):
    handler = v1_overrides({"department": "engineering", "given_name": "Overridden"}, ["email"])
    pool, _ = pre_token_pool(trigger_sink, make_trigger_pool, handler)
    username = pool.create_user(attributes={"email": unique_email(), "email_verified": "true", "given_name": "Ann"})
    tokens = pool.login(username)
    id_claims = pool.claims(tokens["IdToken"])
    assert id_claims["department"] == "engineering"
    assert id_claims["given_name"] == "Overridden"
    assert "email" not in id_claims
    assert id_claims["cognito:username"] == username
    assert "department" not in pool.claims(tokens["AccessToken"])  # V1 shapes the ID token only


def test_pre_token_v1_event(trigger_sink, make_trigger_pool):
    pool, route = pre_token_pool(trigger_sink, make_trigger_pool, returns)
    email = unique_email("pretoken")
    username = pool.create_user(attributes={"email": email, "email_verified": "true"})
    pool.login(username)
    (event,) = route.events_for(user_name=username)
    assert_envelope(event, pool, "TokenGeneration_Authentication", username)
    assert event["request"]["userAttributes"]["email"] == email
    assert event["request"]["groupConfiguration"]["groupsToOverride"] == []


def test_pre_token_v1_cannot_override_protected_claims(trigger_sink, make_trigger_pool):
    forged = {"sub": "forged-sub", "iss": "https://issuer.example.com", "token_use": "access",
              "aud": "someone-else", "cognito:username": "mallory"}
    pool, _ = pre_token_pool(trigger_sink, make_trigger_pool, v1_overrides(forged))
    username = pool.create_user()
    id_claims = pool.claims(pool.login(username)["IdToken"])  # still verifies, iss included
    assert id_claims["sub"] == pool.attrs_of(username)["sub"]
    assert id_claims["iss"] == pool.issuer
    assert id_claims["token_use"] == "id"
    assert id_claims["aud"] == pool.client_id
    assert id_claims["cognito:username"] == username


def test_pre_token_v1_overrides_groups_in_both_tokens(trigger_sink, make_trigger_pool):
    pool, route = pre_token_pool(trigger_sink, make_trigger_pool, v1_overrides(groups=["admins", "auditors"]),
                                 version="V1_0")
    staff = uniq("staff")
    pool.idp.create_group(UserPoolId=pool.id, GroupName=staff)
    username = pool.create_user()
    pool.idp.admin_add_user_to_group(UserPoolId=pool.id, Username=username, GroupName=staff)

    tokens = pool.login(username)
    (event,) = route.events_for(user_name=username)
    assert event["version"] == "1"
    assert event["request"]["groupConfiguration"]["groupsToOverride"] == [staff]
    assert pool.claims(tokens["IdToken"])["cognito:groups"] == ["admins", "auditors"]
    assert pool.claims(tokens["AccessToken"])["cognito:groups"] == ["admins", "auditors"]


def test_pre_token_on_refresh(trigger_sink, make_trigger_pool):
    def stamp_source(event):
        event["response"]["claimsOverrideDetails"] = {"claimsToAddOrOverride": {"issued_by": event["triggerSource"]}}
        return event

    pool, route = pre_token_pool(trigger_sink, make_trigger_pool, stamp_source)
    username = pool.create_user()
    tokens = pool.login(username)
    assert pool.claims(tokens["IdToken"])["issued_by"] == "TokenGeneration_Authentication"
    refreshed = pool.refresh(tokens["RefreshToken"])
    assert pool.claims(refreshed["IdToken"])["issued_by"] == "TokenGeneration_RefreshTokens"
    assert [e["triggerSource"] for e in route.events_for(user_name=username)] == [
        "TokenGeneration_Authentication", "TokenGeneration_RefreshTokens"]


def test_pre_token_v2_event(trigger_sink, make_trigger_pool):
    pool, route = pre_token_pool(trigger_sink, make_trigger_pool, returns, version="V2_0")
    username = pool.create_user()
    pool.login(username)
    (event,) = route.events_for(user_name=username)
    assert_envelope(event, pool, "TokenGeneration_Authentication", username, version="2")
    assert ADMIN_SCOPE in event["request"]["scopes"]
    assert "groupConfiguration" in event["request"]


def test_pre_token_v2_id_token_claims_take_json_values(trigger_sink, make_trigger_pool):
    handler = v2_overrides(id_token={"claimsToAddOrOverride": {"roles": ["reader", "writer"], "level": 3},
                                     "claimsToSuppress": ["email"]})
    pool, _ = pre_token_pool(trigger_sink, make_trigger_pool, handler, version="V2_0")
    username = pool.create_user()
    tokens = pool.login(username)
    id_claims = pool.claims(tokens["IdToken"])
    assert id_claims["roles"] == ["reader", "writer"]
    assert id_claims["level"] == 3
    assert "email" not in id_claims
    assert "roles" not in pool.claims(tokens["AccessToken"])


def test_pre_token_v2_access_token_claims(trigger_sink, make_trigger_pool):
    handler = v2_overrides(access_token={"claimsToAddOrOverride": {"tenant": "acme", "scratch": "x"},
                                         "claimsToSuppress": ["scratch"]})
    pool, _ = pre_token_pool(trigger_sink, make_trigger_pool, handler, version="V2_0")
    username = pool.create_user()
    tokens = pool.login(username)
    access = pool.claims(tokens["AccessToken"])
    assert access["tenant"] == "acme"
    assert "scratch" not in access  # suppressing wins over adding
    assert access["username"] == username and access["client_id"] == pool.client_id
    assert "tenant" not in pool.claims(tokens["IdToken"])


def test_pre_token_v2_scopes(trigger_sink, make_trigger_pool):
    handler = v2_overrides(access_token={"scopesToAdd": ["reports/read", "reports/write"],
                                         "scopesToSuppress": [ADMIN_SCOPE]})
    pool, _ = pre_token_pool(trigger_sink, make_trigger_pool, handler, version="V2_0")
    username = pool.create_user()
    access = pool.claims(pool.login(username)["AccessToken"])
    assert sorted(access["scope"].split(" ")) == ["reports/read", "reports/write"]


# --- CustomMessage ---------------------------------------------------------------------------


def example_messages(event):
    """CustomMessage: the Example app's wording for sign-up, password reset and invitations."""
    request, response = event["request"], event["response"]
    source = event["triggerSource"]
    if source == "CustomMessage_SignUp":
        response["emailSubject"] = "Welcome to Example"
        response["emailMessage"] = "Welcome! Your code is " + request["codeParameter"]
    elif source == "CustomMessage_ForgotPassword":
        response["emailSubject"] = "Reset your Example password"
        response["emailMessage"] = "Use " + request["codeParameter"] + " to reset your password."
    elif source == "CustomMessage_AdminCreateUser":
        response["emailSubject"] = "Your Example account"
        response["emailMessage"] = (f"Hi {request['usernameParameter']}, "
                                    f"your temporary password is {request['codeParameter']}")
    return event


@pytest.fixture
def message_pool(trigger_sink, make_trigger_pool):
    route = trigger_sink.route("custommessage", example_messages)
    return make_trigger_pool({"CustomMessage": route.url}, EmailConfiguration=DEVELOPER_EMAIL), route


def test_custom_message_on_sign_up(message_pool):
    pool, route = message_pool
    username, email = uniq("welcome"), unique_email("welcome")
    pool.sign_up(username, attributes={"email": email})
    mail = last_email(email)
    assert mail.subject == "Welcome to Example"
    match = re.fullmatch(r"Welcome! Your code is (\d{6})", one_line(mail))
    assert match, mail
    pool.confirm_sign_up(username, match.group(1))
    assert pool.status(username) == "CONFIRMED"

    (event,) = route.events_for(user_name=username)
    assert_envelope(event, pool, "CustomMessage_SignUp", username)
    assert event["request"]["codeParameter"] == "{####}"
    assert event["request"].get("usernameParameter") is None
    assert event["request"]["userAttributes"]["email"] == email


def test_custom_message_left_empty_keeps_the_pool_template(message_pool):
    pool, route = message_pool
    username, email = uniq("resend"), unique_email("resend")
    pool.sign_up(username, attributes={"email": email})
    last_email(email)
    pool.idp.resend_confirmation_code(ClientId=pool.client_id, Username=username)
    mail = last_email(email, after=1)
    assert mail.subject != "Welcome to Example"
    pool.confirm_sign_up(username, code_from(mail))
    assert [e["triggerSource"] for e in route.events_for(user_name=username)] == [
        "CustomMessage_SignUp", "CustomMessage_ResendCode"]


def test_custom_message_on_forgot_password(message_pool):
    pool, route = message_pool
    email = unique_email("reset")
    username = pool.create_user(attributes={"email": email, "email_verified": "true"})
    pool.idp.forgot_password(ClientId=pool.client_id, Username=username)
    mail = last_email(email)
    assert mail.subject == "Reset your Example password"
    match = re.fullmatch(r"Use (\d{6}) to reset your password\.", one_line(mail))
    assert match, mail
    pool.idp.confirm_forgot_password(ClientId=pool.client_id, Username=username, ConfirmationCode=match.group(1),
                                     Password=NEW_PASSWORD)
    assert pool.login(username, NEW_PASSWORD)["AccessToken"]
    (event,) = route.events_for(user_name=username, source="CustomMessage_ForgotPassword")
    assert_envelope(event, pool, "CustomMessage_ForgotPassword", username)
    assert event["request"]["codeParameter"] == "{####}"


def test_custom_message_on_admin_create_user(message_pool):
    pool, route = message_pool
    username, email = uniq("invited"), unique_email("invited")
    pool.idp.admin_create_user(UserPoolId=pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD,
                               DesiredDeliveryMediums=["EMAIL"],
                               UserAttributes=attr_list({"email": email, "email_verified": "true"}))
    mail = last_email(email)
    assert mail.subject == "Your Example account"
    assert one_line(mail) == f"Hi {username}, your temporary password is {TEMP_PASSWORD}"
    assert pool.initiate(username, TEMP_PASSWORD)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    (event,) = route.events_for(user_name=username)
    assert_envelope(event, pool, "CustomMessage_AdminCreateUser", username, client_id=CLIENT_ID_NOT_APPLICABLE)
    assert event["request"]["usernameParameter"] == "{username}"
    assert event["request"]["codeParameter"] == "{####}"


# --- Custom senders --------------------------------------------------------------------------


def sender_config(target):
    return {"LambdaVersion": "V1_0", "LambdaArn": target}


def test_custom_email_sender_gets_the_encrypted_code(trigger_sink, make_trigger_pool):
    sender = trigger_sink.route("emailsender")
    pool = make_trigger_pool({"CustomEmailSender": sender_config(sender.url), "KMSKeyID": KMS_KEY_ARN})
    username, email = uniq("sender"), unique_email("sender")
    resp = pool.sign_up(username, attributes={"email": email})
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"

    (event,) = sender.wait(user_name=username)  # senders are invoked asynchronously
    assert_envelope(event, pool, "CustomEmailSender_SignUp", username)
    assert event["request"]["type"] == "customEmailSenderRequestV1"
    assert event["request"]["userAttributes"]["email"] == email
    code = decrypt_code(event["request"]["code"])
    assert re.fullmatch(r"\d{6}", code), code
    pool.confirm_sign_up(username, code)
    assert pool.status(username) == "CONFIRMED"
    assert email_count(email) == 0


def test_custom_sms_sender_gets_the_encrypted_code(trigger_sink, make_trigger_pool):
    sender = trigger_sink.route("smssender")
    pool = make_trigger_pool({"CustomSMSSender": sender_config(sender.url), "KMSKeyID": KMS_KEY_ARN},
                             AutoVerifiedAttributes=["phone_number"], SmsConfiguration=SMS_CONFIG)
    username, phone = uniq("sender"), unique_phone()
    pool.sign_up(username, attributes={"phone_number": phone})

    (event,) = sender.wait(user_name=username)
    assert_envelope(event, pool, "CustomSMSSender_SignUp", username)
    assert event["request"]["type"] == "customSMSSenderRequestV1"
    assert event["request"]["userAttributes"]["phone_number"] == phone
    code = decrypt_code(event["request"]["code"])
    assert re.fullmatch(r"\d{6}", code), code
    pool.confirm_sign_up(username, code)
    assert pool.attrs_of(username)["phone_number_verified"] == "true"
    assert sms_count(phone) == 0


def test_custom_email_sender_function_is_invoked_asynchronously(trigger_sink, make_trigger_pool):
    sender = trigger_sink.function("email-sender")
    pool = make_trigger_pool({"CustomEmailSender": sender_config(sender.arn), "KMSKeyID": KMS_KEY_ARN})
    username, email = uniq("sender"), unique_email("sender")
    pool.sign_up(username, attributes={"email": email})
    sender.wait(user_name=username)
    (call,) = sender.calls
    assert call.invocation_type == "Event"
    assert call.event["triggerSource"] == "CustomEmailSender_SignUp"
    assert email_count(email) == 0


# --- Failures --------------------------------------------------------------------------------


def closed_port_url(path="/presignup"):
    """A URL nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def test_trigger_timeout(trigger_sink, make_short_timeout_pool, release):
    """The server runs with --trigger-timeout-ms 500; the handler never answers (until teardown)."""
    pre = trigger_sink.route("presignup", lambda event: Block(release))
    pool = make_short_timeout_pool({"PreSignUp": pre.url})
    username = uniq("slow")
    with raises("UnexpectedLambdaException", startswith="PreSignUp invocation failed due to error ",
                contains="Socket timeout while invoking Lambda function"):
        pool.sign_up(username, attributes={"email": company_email()})
    assert pre.events_for(user_name=username)
    assert_no_user(pool, username)


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"done"'], ids=["not-json", "array", "string"])
def test_malformed_trigger_answer(trigger_sink, make_trigger_pool, body):
    pre = trigger_sink.route("presignup", lambda event: Raw(body))
    pool = make_trigger_pool({"PreSignUp": pre.url})
    username = uniq("garbled")
    with raises("InvalidLambdaResponseException", message="Unrecognizable lambda output"):
        pool.sign_up(username, attributes={"email": company_email()})
    assert_no_user(pool, username)


def test_unreachable_trigger(make_trigger_pool):
    pool = make_trigger_pool({"PreSignUp": closed_port_url()})
    username = uniq("unreachable")
    with raises("UnexpectedLambdaException", startswith="PreSignUp invocation failed due to error "):
        pool.sign_up(username, attributes={"email": company_email()})
    assert_no_user(pool, username)


def test_trigger_answering_an_http_error(trigger_sink, make_trigger_pool):
    pre = trigger_sink.route("presignup", lambda event: Raw(b"upstream exploded", status=502,
                                                           content_type="text/plain"))
    pool = make_trigger_pool({"PreSignUp": pre.url})
    username = uniq("broken")
    with raises("UnexpectedLambdaException", startswith="PreSignUp invocation failed due to error "):
        pool.sign_up(username, attributes={"email": company_email()})
    assert_no_user(pool, username)


# --- ARN-style triggers: the Lambda Invoke API -----------------------------------------------


@pytest.fixture
def arn_pool(trigger_sink, make_trigger_pool):
    """The seed PreSignUp as a Lambda function named by ARN; (pool, its Route)."""
    function = trigger_sink.function("presignup-example", company_only_pre_sign_up)
    return make_trigger_pool({"PreSignUp": function.arn}), function


def invoke_path(arn, encoded):
    return f"/2015-03-31/functions/{urllib.parse.quote(arn, safe='') if encoded else arn}/invocations"


def test_arn_trigger_is_invoked_through_the_lambda_api(arn_pool):
    pool, function = arn_pool
    username, email = uniq("staff"), company_email()
    assert pool.sign_up(username, attributes={"email": email})["UserConfirmed"] is True
    assert pool.status(username) == "CONFIRMED"

    (call,) = function.calls
    assert call.method == "POST"
    assert call.path.replace("%3a", "%3A") in (invoke_path(function.arn, True), invoke_path(function.arn, False))
    assert call.invocation_type == "RequestResponse"
    assert_envelope(call.event, pool, "PreSignUp_SignUp", username)


def test_arn_trigger_invocations_are_signed(arn_pool):
    pool, function = arn_pool
    pool.sign_up(uniq("staff"), attributes={"email": company_email()})
    (call,) = function.calls
    authorization = call.headers.get("Authorization") or ""
    assert authorization.startswith(f"AWS4-HMAC-SHA256 Credential={LAMBDA_ACCESS_KEY_ID}/"), authorization
    assert "/us-east-1/lambda/aws4_request" in authorization, authorization
    problem = sigv4_problem(call, LAMBDA_ACCESS_KEY_ID, LAMBDA_SECRET_ACCESS_KEY)
    assert problem is None, problem


def test_throttled_invocations_are_retried(trigger_sink, make_trigger_pool):
    answers = iter([Raw(b'{"message": "Rate Exceeded."}', status=429)])

    def throttled_once(event):
        return next(answers, None) or company_only_pre_sign_up(event)

    function = trigger_sink.function("presignup-throttled", throttled_once)
    pool = make_trigger_pool({"PreSignUp": function.arn})
    username = uniq("staff")
    assert pool.sign_up(username, attributes={"email": company_email()})["UserConfirmed"] is True
    assert function.count == 2


def test_a_function_throttled_every_time_fails_the_call(trigger_sink, make_trigger_pool):
    function = trigger_sink.function("presignup-throttled-always", lambda event: Raw(b"{}", status=429))
    pool = make_trigger_pool({"PreSignUp": function.arn})
    username = uniq("staff")
    with raises("UnexpectedLambdaException", startswith="PreSignUp invocation failed due to error"):
        pool.sign_up(username, attributes={"email": company_email()})
    assert function.count == 3
    with raises("UserNotFoundException"):
        pool.get_user(username)


def test_arn_trigger_function_error(arn_pool):
    pool, function = arn_pool
    username = uniq("outsider")
    with raises("UserLambdaValidationException", message=refused("PreSignUp", COMPANY_ONLY)):
        pool.sign_up(username, attributes={"email": "someone@gmail.com"})
    (call,) = function.calls
    assert call.answer_headers.get("X-Amz-Function-Error") == "Unhandled"
    assert_no_user(pool, username)
