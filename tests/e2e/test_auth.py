"""Sign-in: InitiateAuth / AdminInitiateAuth with passwords, user states, aliases, secret hashes,
the NEW_PASSWORD_REQUIRED challenge, invitations and lockout."""

import json

import pytest
from botocore.exceptions import ClientError

from auth_fixtures import *  # noqa: F401,F403
from helpers import SIGV4_ERRORS, make_client


def assert_tokens(result, expires_in=3600):
    assert result["AccessToken"].count(".") == 2
    assert result["IdToken"].count(".") == 2
    assert result["RefreshToken"]
    assert result["ExpiresIn"] == expires_in
    assert result["TokenType"] == "Bearer"


# --- USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH --------------------------------


def test_user_password_auth(auth_pool):
    username = auth_pool.create_user()
    resp = auth_pool.initiate(username)
    assert "ChallengeName" not in resp
    assert_tokens(resp["AuthenticationResult"])
    claims = auth_pool.claims(resp["AuthenticationResult"]["AccessToken"])
    assert claims["username"] == username


def test_user_password_auth_requires_the_flow(make_auth_pool):
    pool = make_auth_pool(client={"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]})
    username = pool.create_user()
    with raises("InvalidParameterException", contains="USER_PASSWORD_AUTH flow not enabled for this client"):
        pool.initiate(username)


def test_admin_user_password_auth(auth_pool):
    username = auth_pool.create_user()
    resp = auth_pool.admin_initiate(username)
    assert "ChallengeName" not in resp
    assert_tokens(resp["AuthenticationResult"])


def test_admin_user_password_auth_requires_the_flow(make_auth_pool):
    pool = make_auth_pool(client={"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]})
    username = pool.create_user()
    with raises("InvalidParameterException"):
        pool.admin_initiate(username)


def test_legacy_admin_no_srp_auth(make_auth_pool):
    pool = make_auth_pool(client={"ExplicitAuthFlows": ["ADMIN_NO_SRP_AUTH"]})
    username = pool.create_user()
    resp = pool.admin_initiate(username, flow="ADMIN_NO_SRP_AUTH")
    assert_tokens(resp["AuthenticationResult"])
    # The new-style flow name works on a client configured with the legacy flag, and vice versa.
    assert_tokens(pool.admin_initiate(username, flow="ADMIN_USER_PASSWORD_AUTH")["AuthenticationResult"])
    modern = pool.add_client(ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    assert_tokens(pool.admin_initiate(username, client=modern, flow="ADMIN_NO_SRP_AUTH")["AuthenticationResult"])


def test_admin_initiate_auth_requires_sigv4(auth_pool, auth_server):
    username = auth_pool.create_user()
    unsigned = make_client(auth_server.url, unsigned=True)
    with pytest.raises(ClientError) as info:
        unsigned.admin_initiate_auth(
            UserPoolId=auth_pool.id, ClientId=auth_pool.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )
    assert error_code(info.value) in SIGV4_ERRORS, info.value.response


def test_wrong_password(auth_pool):
    username = auth_pool.create_user()
    with raises("NotAuthorizedException", message="Incorrect username or password."):
        auth_pool.login(username, "Wrong-Passw0rd!")
    with raises("NotAuthorizedException", message="Incorrect username or password."):
        auth_pool.admin_login(username, "Wrong-Passw0rd!")


def test_unknown_user_with_legacy_errors(auth_pool):
    with raises("UserNotFoundException", message="User does not exist."):
        auth_pool.login(uniq("ghost"))
    with raises("UserNotFoundException", message="User does not exist."):
        auth_pool.admin_login(uniq("ghost"))


def test_unknown_user_with_prevent_user_existence_errors(make_auth_pool):
    pool = make_auth_pool(client={"PreventUserExistenceErrors": "ENABLED"})
    with raises("NotAuthorizedException", message="Incorrect username or password."):
        pool.login(uniq("ghost"))
    with raises("NotAuthorizedException", message="Incorrect username or password."):
        pool.admin_login(uniq("ghost"))


def test_unconfirmed_user(auth_pool):
    username = uniq("unconf")
    auth_pool.sign_up(username, attributes={"email": unique_email()})
    with raises("UserNotConfirmedException"):
        auth_pool.login(username)


def test_disabled_user(auth_pool):
    username = auth_pool.create_user()
    auth_pool.idp.admin_disable_user(UserPoolId=auth_pool.id, Username=username)
    with raises("NotAuthorizedException", message="User is disabled."):
        auth_pool.login(username)
    auth_pool.idp.admin_enable_user(UserPoolId=auth_pool.id, Username=username)
    assert auth_pool.login(username)["AccessToken"]


def test_reset_required_user(auth_pool):
    email = unique_email("reset")
    username = auth_pool.create_user(attributes={"email": email, "email_verified": "true"})
    auth_pool.idp.admin_reset_user_password(UserPoolId=auth_pool.id, Username=username)
    assert auth_pool.status(username) == "RESET_REQUIRED"
    with raises("PasswordResetRequiredException"):
        auth_pool.login(username)


def test_empty_or_missing_parameters(auth_pool):
    username = auth_pool.create_user()
    with raises("InvalidParameterException"):
        auth_pool.idp.initiate_auth(ClientId=auth_pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": username})


def test_unknown_client(auth_pool):
    username = auth_pool.create_user()
    with raises("ResourceNotFoundException"):
        auth_pool.idp.initiate_auth(ClientId="0" * 26, AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})


def test_self_signed_up_user_signs_in(auth_pool):
    username, email = uniq("self"), unique_email()
    auth_pool.sign_up(username, attributes={"email": email})
    auth_pool.confirm_sign_up(username, code_from(last_email(email)))
    assert_tokens(auth_pool.login(username))


# --- Aliases, email usernames, case sensitivity -------------------------------------


def test_sign_in_with_verified_email_alias(make_auth_pool):
    pool = make_auth_pool(AliasAttributes=["email"])
    email = unique_email("alias")
    username = pool.create_user(uniq("bob"), attributes={"email": email, "email_verified": "true"})
    result = pool.login(email)
    assert pool.claims(result["IdToken"])["cognito:username"] == username
    assert pool.claims(result["AccessToken"])["username"] == username


def test_unverified_email_is_not_an_alias(make_auth_pool):
    pool = make_auth_pool(AliasAttributes=["email"])
    email = unique_email("unverified")
    pool.create_user(uniq("carl"), attributes={"email": email, "email_verified": "false"})
    with raises("UserNotFoundException", "NotAuthorizedException"):
        pool.login(email)


def test_sign_in_with_email_in_an_email_username_pool(make_auth_pool):
    pool = make_auth_pool(UsernameAttributes=["email"])
    email = unique_email("dora")
    pool.create_user(email, attributes={"email": email, "email_verified": "true"})
    result = pool.login(email)
    claims = pool.claims(result["IdToken"])
    assert claims["email"] == email
    assert claims["cognito:username"] == pool.get_user(email)["Username"]


def test_case_insensitive_usernames(make_auth_pool):
    pool = make_auth_pool(UsernameConfiguration={"CaseSensitive": False})
    username = uniq("ann")
    pool.create_user(username)
    result = pool.login(username.upper())
    assert pool.claims(result["AccessToken"])["username"] == username


def test_case_sensitive_usernames(make_auth_pool):
    pool = make_auth_pool(UsernameConfiguration={"CaseSensitive": True})
    username = uniq("ann")
    pool.create_user(username)
    with raises("UserNotFoundException"):
        pool.login(username.upper())
    assert pool.login(username)["AccessToken"]


# --- Secret hash ---------------------------------------------------------------------


def test_secret_hash(make_auth_pool):
    pool = make_auth_pool(secret=True)
    username = pool.create_user()
    cid = pool.client_id
    with raises("NotAuthorizedException",
                message=f"Client {cid} is configured with secret but SECRET_HASH was not received"):
        pool.idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    with raises("NotAuthorizedException", message=f"Unable to verify secret hash for client {cid}"):
        pool.initiate(username, SECRET_HASH=secret_hash(username, cid, "not-the-secret"))
    with raises("NotAuthorizedException", message=f"Unable to verify secret hash for client {cid}"):
        pool.admin_initiate(username, SECRET_HASH=secret_hash(username, cid, "not-the-secret"))
    assert_tokens(pool.initiate(username)["AuthenticationResult"])
    assert_tokens(pool.admin_initiate(username)["AuthenticationResult"])


def test_secret_hash_over_the_alias_typed(make_auth_pool):
    pool = make_auth_pool(secret=True, AliasAttributes=["email"])
    email = unique_email("hash")
    username = pool.create_user(uniq("hash"), attributes={"email": email, "email_verified": "true"})
    result = pool.initiate(email)["AuthenticationResult"]  # SECRET_HASH over the email typed
    assert pool.claims(result["IdToken"])["cognito:username"] == username


# --- NEW_PASSWORD_REQUIRED -----------------------------------------------------------


def new_password_pool(make_auth_pool, **kwargs):
    return make_auth_pool(Schema=[
        {"Name": "given_name", "AttributeDataType": "String", "Required": True, "Mutable": True},
    ], **kwargs)


def create_invited(pool, attributes):
    username = uniq("invited")
    pool.idp.admin_create_user(UserPoolId=pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD,
                               MessageAction="SUPPRESS", UserAttributes=attr_list(attributes))
    return username


def test_new_password_required_challenge(make_auth_pool):
    pool = new_password_pool(make_auth_pool)
    email = unique_email("np")
    username = create_invited(pool, {"email": email, "email_verified": "true", "given_name": "Nina"})
    resp = pool.initiate(username, TEMP_PASSWORD)
    assert resp["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert "AuthenticationResult" not in resp
    assert len(resp["Session"]) >= 20
    params = resp["ChallengeParameters"]
    user_attributes = json.loads(params["userAttributes"])
    assert user_attributes["email"] == email
    assert user_attributes["given_name"] == "Nina"
    assert json.loads(params["requiredAttributes"]) == []

    answer = pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=resp["Session"],
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD},
    )
    assert "ChallengeName" not in answer
    assert_tokens(answer["AuthenticationResult"])
    assert pool.status(username) == "CONFIRMED"
    assert pool.login(username, NEW_PASSWORD)["AccessToken"]
    with raises("NotAuthorizedException", message="Incorrect username or password."):
        pool.login(username, TEMP_PASSWORD)


def test_new_password_required_asks_for_missing_required_attributes(make_auth_pool):
    pool = new_password_pool(make_auth_pool)
    # AdminCreateUser docs: required attributes may be left for the user to supply at this challenge.
    username = create_invited(pool, {"email": unique_email(), "email_verified": "true"})
    resp = pool.initiate(username, TEMP_PASSWORD)
    assert resp["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert json.loads(resp["ChallengeParameters"]["requiredAttributes"]) == ["userAttributes.given_name"]
    assert "given_name" not in json.loads(resp["ChallengeParameters"]["userAttributes"])

    with raises("InvalidParameterException"):
        pool.idp.respond_to_auth_challenge(
            ClientId=pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=resp["Session"],
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD},
        )
    resp = pool.initiate(username, TEMP_PASSWORD)
    answer = pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=resp["Session"],
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD, "userAttributes.given_name": "Ann"},
    )
    assert_tokens(answer["AuthenticationResult"])
    assert pool.status(username) == "CONFIRMED"
    assert pool.attrs_of(username)["given_name"] == "Ann"
    assert pool.claims(answer["AuthenticationResult"]["IdToken"])["given_name"] == "Ann"


def test_new_password_session_cannot_be_reused(auth_pool):
    username = create_invited(auth_pool, {"email": unique_email()})
    session = auth_pool.initiate(username, TEMP_PASSWORD)["Session"]
    responses = {"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD}
    auth_pool.idp.respond_to_auth_challenge(ClientId=auth_pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
                                            Session=session, ChallengeResponses=responses)
    with raises("NotAuthorizedException", message="Invalid session for the user."):
        auth_pool.idp.respond_to_auth_challenge(
            ClientId=auth_pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": THIRD_PASSWORD},
        )
    assert auth_pool.login(username, NEW_PASSWORD)["AccessToken"]


def test_forged_session_is_refused(auth_pool):
    username = create_invited(auth_pool, {"email": unique_email()})
    session = auth_pool.initiate(username, TEMP_PASSWORD)["Session"]
    forged = session[:-8] + ("A" * 8 if not session.endswith("A" * 8) else "B" * 8)
    with raises("NotAuthorizedException"):
        auth_pool.idp.respond_to_auth_challenge(
            ClientId=auth_pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=forged,
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD},
        )
    assert auth_pool.status(username) == "FORCE_CHANGE_PASSWORD"


def test_session_is_bound_to_its_user(auth_pool):
    first = create_invited(auth_pool, {"email": unique_email()})
    second = create_invited(auth_pool, {"email": unique_email()})
    session = auth_pool.initiate(first, TEMP_PASSWORD)["Session"]
    with raises("NotAuthorizedException", "InvalidParameterException"):
        auth_pool.idp.respond_to_auth_challenge(
            ClientId=auth_pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
            ChallengeResponses={"USERNAME": second, "NEW_PASSWORD": NEW_PASSWORD},
        )
    assert auth_pool.status(second) == "FORCE_CHANGE_PASSWORD"


def test_new_password_must_satisfy_the_policy(auth_pool):
    username = create_invited(auth_pool, {"email": unique_email()})
    session = auth_pool.initiate(username, TEMP_PASSWORD)["Session"]
    with raises("InvalidPasswordException", startswith="Password did not conform with policy"):
        auth_pool.idp.respond_to_auth_challenge(
            ClientId=auth_pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": "short"},
        )
    assert auth_pool.status(username) == "FORCE_CHANGE_PASSWORD"


def test_admin_respond_to_auth_challenge(auth_pool):
    username = create_invited(auth_pool, {"email": unique_email()})
    resp = auth_pool.admin_initiate(username, TEMP_PASSWORD)
    assert resp["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert len(resp["Session"]) >= 20
    answer = auth_pool.idp.admin_respond_to_auth_challenge(
        UserPoolId=auth_pool.id, ClientId=auth_pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=resp["Session"], ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD},
    )
    assert_tokens(answer["AuthenticationResult"])
    assert auth_pool.status(username) == "CONFIRMED"
    assert auth_pool.admin_login(username, NEW_PASSWORD)["AccessToken"]


def test_new_password_challenge_with_secret_client(make_auth_pool):
    pool = make_auth_pool(secret=True)
    username = create_invited(pool, {"email": unique_email()})
    resp = pool.initiate(username, TEMP_PASSWORD)
    assert resp["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    answer = pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=resp["Session"],
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD,
                            "SECRET_HASH": pool.hash_for(username)},
    )
    assert_tokens(answer["AuthenticationResult"])


# --- Invitations ---------------------------------------------------------------------


def test_invitation_email(auth_pool):
    username, email = uniq("inv"), unique_email("inv")
    auth_pool.idp.admin_create_user(
        UserPoolId=auth_pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD,
        DesiredDeliveryMediums=["EMAIL"], UserAttributes=attr_list({"email": email}),
    )
    mail = last_email(email)
    assert mail.sender == EMAIL_FROM
    assert username in mail.text
    assert TEMP_PASSWORD in mail.text
    resp = auth_pool.initiate(username, TEMP_PASSWORD)
    assert resp["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_invitation_email_template(make_auth_pool):
    pool = make_auth_pool(AdminCreateUserConfig={"InviteMessageTemplate": {
        "EmailSubject": "Welcome to Cognate",
        "EmailMessage": "Hello {username}, your temporary password is {####} - enjoy.",
        "SMSMessage": "Hi {username}, password {####}",
    }})
    username, email = uniq("tmpl"), unique_email("tmpl")
    pool.idp.admin_create_user(
        UserPoolId=pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD,
        DesiredDeliveryMediums=["EMAIL"], UserAttributes=attr_list({"email": email}),
    )
    mail = last_email(email)
    assert mail.subject == "Welcome to Cognate"
    assert f"Hello {username}, your temporary password is {TEMP_PASSWORD} - enjoy." in mail.text


def test_invitation_sms(make_auth_pool):
    pool = make_auth_pool(SmsConfiguration=SMS_CONFIG, AutoVerifiedAttributes=["phone_number"])
    username, phone = uniq("smsinv"), unique_phone()
    pool.idp.admin_create_user(
        UserPoolId=pool.id, Username=username, TemporaryPassword=TEMP_PASSWORD,
        DesiredDeliveryMediums=["SMS"], UserAttributes=attr_list({"phone_number": phone}),
    )
    sms = last_sms(phone)
    assert username in sms.text and TEMP_PASSWORD in sms.text
    assert sms.pool_id == pool.id and sms.username == username
    assert isinstance(sms.purpose, str) and sms.purpose


# --- With the test clock -------------------------------------------------------------


def test_challenge_session_expires_after_3_minutes(clock_server, make_clock_pool):
    pool = make_clock_pool()
    username = create_invited(pool, {"email": unique_email()})
    session = pool.initiate(username, TEMP_PASSWORD)["Session"]
    clock_server.advance(181)
    with raises("NotAuthorizedException", message="Invalid session for the user, session is expired."):
        pool.idp.respond_to_auth_challenge(
            ClientId=pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD},
        )
    assert pool.status(username) == "FORCE_CHANGE_PASSWORD"
    # A fresh sign-in gets a fresh session.
    session = pool.initiate(username, TEMP_PASSWORD)["Session"]
    answer = pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD},
    )
    assert_tokens(answer["AuthenticationResult"])


def test_challenge_session_within_validity(clock_server, make_clock_pool):
    pool = make_clock_pool()
    username = create_invited(pool, {"email": unique_email()})
    session = pool.initiate(username, TEMP_PASSWORD)["Session"]
    clock_server.advance(170)
    answer = pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD},
    )
    assert_tokens(answer["AuthenticationResult"])


def test_temporary_password_expires(clock_server, make_clock_pool):
    pool = make_clock_pool(Policies={"PasswordPolicy": {
        "MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True,
        "RequireSymbols": True, "TemporaryPasswordValidityDays": 1,
    }})
    username = create_invited(pool, {"email": unique_email()})
    assert pool.initiate(username, TEMP_PASSWORD)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    clock_server.advance(24 * 3600 + 1)
    with raises("NotAuthorizedException"):
        pool.initiate(username, TEMP_PASSWORD)


def test_lockout_after_five_wrong_passwords(clock_server, make_clock_pool):
    pool = make_clock_pool()
    username = pool.create_user()
    for _ in range(5):
        with raises("NotAuthorizedException", message="Incorrect username or password."):
            pool.login(username, "Wrong-Passw0rd!")
    with raises("NotAuthorizedException", message="Password attempts exceeded"):
        pool.login(username, PASSWORD)

    clock_server.advance(901)  # past any temporary lockout (Cognito's lockouts are at most 15 minutes)
    assert pool.login(username, PASSWORD)["AccessToken"]

    # The success reset the counter: four more failures do not lock the user out.
    for _ in range(4):
        with raises("NotAuthorizedException", message="Incorrect username or password."):
            pool.login(username, "Wrong-Passw0rd!")
    assert pool.login(username, PASSWORD)["AccessToken"]


def test_lockout_is_per_user(clock_server, make_clock_pool):
    pool = make_clock_pool()
    victim, bystander = pool.create_user(), pool.create_user()
    for _ in range(5):
        with raises("NotAuthorizedException"):
            pool.login(victim, "Wrong-Passw0rd!")
    with raises("NotAuthorizedException", message="Password attempts exceeded"):
        pool.login(victim, PASSWORD)
    assert pool.login(bystander, PASSWORD)["AccessToken"]
