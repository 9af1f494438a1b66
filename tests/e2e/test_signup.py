"""Self-service sign-up: SignUp, ConfirmSignUp, ResendConfirmationCode, codes by e-mail and SMS."""

import pytest

from auth_fixtures import *  # noqa: F401,F403
from helpers import UUID_RE


def test_sign_up_sends_an_email_code(auth_pool):
    username, email = uniq("ann"), unique_email("ann")
    resp = auth_pool.sign_up(username, attributes={"email": email, "given_name": "Ann"})
    assert resp["UserConfirmed"] is False
    assert UUID_RE.match(resp["UserSub"]), resp
    assert resp["CodeDeliveryDetails"] == {
        "Destination": mask_email(email), "DeliveryMedium": "EMAIL", "AttributeName": "email",
    }

    user = auth_pool.get_user(username)
    assert user["UserStatus"] == "UNCONFIRMED"
    a = attrs(user)
    assert a["sub"] == resp["UserSub"]
    assert a["email"] == email and a["given_name"] == "Ann"
    assert a.get("email_verified", "false") == "false"

    mail = last_email(email)
    assert mail.sender == EMAIL_FROM
    code = code_from(mail)
    assert len(code) == 6 and code.isdigit()


def test_sign_up_with_custom_verification_template(make_auth_pool):
    pool = make_auth_pool(VerificationMessageTemplate={
        "DefaultEmailOption": "CONFIRM_WITH_CODE",
        "EmailMessage": "Welcome to Cognate! Your code is {####}.",
        "EmailSubject": "Verify your Cognate account",
    })
    email = unique_email("tpl")
    pool.sign_up(uniq("tpl"), attributes={"email": email})
    mail = last_email(email)
    assert mail.subject == "Verify your Cognate account"
    assert "Welcome to Cognate! Your code is" in mail.text
    assert "{####}" not in mail.text
    code_from(mail)


def test_sign_up_sends_an_sms_code(make_auth_pool):
    pool = make_auth_pool(
        AutoVerifiedAttributes=["phone_number"], SmsConfiguration=SMS_CONFIG,
        SmsVerificationMessage="Your Cognate code is {####}",
    )
    username, phone = uniq("sms"), unique_phone()
    resp = pool.sign_up(username, attributes={"phone_number": phone})
    assert resp["UserConfirmed"] is False
    assert resp["CodeDeliveryDetails"] == {
        "Destination": mask_phone(phone), "DeliveryMedium": "SMS", "AttributeName": "phone_number",
    }
    assert resp["CodeDeliveryDetails"]["Destination"].endswith(phone[-4:])

    sms = last_sms(phone)
    assert sms.text.startswith("Your Cognate code is ")
    assert sms.pool_id == pool.id
    assert sms.username == username
    assert isinstance(sms.purpose, str) and sms.purpose
    code = code_from(sms)

    pool.confirm_sign_up(username, code)
    a = pool.attrs_of(username)
    assert pool.status(username) == "CONFIRMED"
    assert a["phone_number_verified"] == "true"


def test_sign_up_without_auto_verification_sends_nothing_to_confirm(make_auth_pool):
    pool = make_auth_pool(AutoVerifiedAttributes=None)
    username = uniq("plain")
    resp = pool.sign_up(username, attributes={"email": unique_email()})
    assert resp["UserConfirmed"] is False
    assert "CodeDeliveryDetails" not in resp
    assert pool.status(username) == "UNCONFIRMED"


def test_confirm_sign_up(auth_pool):
    username, email = uniq("conf"), unique_email("conf")
    auth_pool.sign_up(username, attributes={"email": email})
    auth_pool.confirm_sign_up(username, code_from(last_email(email)))

    assert auth_pool.status(username) == "CONFIRMED"
    assert auth_pool.attrs_of(username)["email_verified"] == "true"
    tokens = auth_pool.login(username)
    assert tokens["AccessToken"]


def test_unconfirmed_user_cannot_sign_in(auth_pool):
    username, email = uniq("unconf"), unique_email()
    auth_pool.sign_up(username, attributes={"email": email})
    with raises("UserNotConfirmedException"):
        auth_pool.login(username)


def test_wrong_code_is_rejected(auth_pool):
    username, email = uniq("wrong"), unique_email()
    auth_pool.sign_up(username, attributes={"email": email})
    code = code_from(last_email(email))
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    with raises("CodeMismatchException"):
        auth_pool.confirm_sign_up(username, wrong)
    assert auth_pool.status(username) == "UNCONFIRMED"
    auth_pool.confirm_sign_up(username, code)
    assert auth_pool.status(username) == "CONFIRMED"


def test_confirming_twice_is_refused(auth_pool):
    username, email = uniq("twice"), unique_email()
    auth_pool.sign_up(username, attributes={"email": email})
    code = code_from(last_email(email))
    auth_pool.confirm_sign_up(username, code)
    with raises("NotAuthorizedException", message="User cannot be confirmed. Current status is CONFIRMED"):
        auth_pool.confirm_sign_up(username, code)


def test_too_many_wrong_codes(auth_pool):
    username, email = uniq("brute"), unique_email()
    auth_pool.sign_up(username, attributes={"email": email})
    code = code_from(last_email(email))
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(20):
        try:
            auth_pool.confirm_sign_up(username, wrong)
        except auth_pool.idp.exceptions.CodeMismatchException:
            continue
        except Exception as exc:  # noqa: BLE001 - checked below
            assert error_code(exc) in ("LimitExceededException", "TooManyFailedAttemptsException"), exc
            break
        raise AssertionError("a wrong code was accepted")
    else:
        raise AssertionError("20 wrong codes in a row were never limited")
    assert auth_pool.status(username) == "UNCONFIRMED"


def test_resend_confirmation_code(auth_pool):
    username, email = uniq("resend"), unique_email("resend")
    auth_pool.sign_up(username, attributes={"email": email})
    last_email(email)
    before = email_count(email)

    resp = auth_pool.idp.resend_confirmation_code(ClientId=auth_pool.client_id, Username=username)
    assert resp["CodeDeliveryDetails"] == {
        "Destination": mask_email(email), "DeliveryMedium": "EMAIL", "AttributeName": "email",
    }
    code = code_from(last_email(email, after=before))
    auth_pool.confirm_sign_up(username, code)
    assert auth_pool.status(username) == "CONFIRMED"


def test_resend_for_unknown_user(auth_pool):
    with raises("UserNotFoundException"):
        auth_pool.idp.resend_confirmation_code(ClientId=auth_pool.client_id, Username=uniq("ghost"))


def test_confirm_unknown_user(auth_pool):
    with raises("UserNotFoundException"):
        auth_pool.confirm_sign_up(uniq("ghost"), "123456")


def test_prevent_user_existence_errors_hides_unknown_users(make_auth_pool):
    pool = make_auth_pool(client={"PreventUserExistenceErrors": "ENABLED"})
    ghost = uniq("ghost")
    resp = pool.idp.resend_confirmation_code(ClientId=pool.client_id, Username=ghost)
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] in ("EMAIL", "SMS"), resp
    with raises("CodeMismatchException", "ExpiredCodeException"):
        pool.confirm_sign_up(ghost, "123456")


@pytest.mark.parametrize("password, reason", [
    ("Ab1!x", "Password not long enough"),
    ("lowercase-only1!", "Password must have uppercase characters"),
    ("UPPERCASE-ONLY1!", "Password must have lowercase characters"),
    ("No-Digits-Here!", "Password must have numeric characters"),
    ("NoSymbols1234", "Password must have symbol characters"),
])
def test_password_policy(auth_pool, password, reason):
    username = uniq("weak")
    with raises("InvalidPasswordException", startswith=f"Password did not conform with policy: {reason}"):
        auth_pool.sign_up(username, password=password, attributes={"email": unique_email()})
    with raises("UserNotFoundException"):
        auth_pool.get_user(username)


def test_custom_password_policy(make_auth_pool):
    pool = make_auth_pool(Policies={"PasswordPolicy": {
        "MinimumLength": 16, "RequireUppercase": False, "RequireLowercase": True,
        "RequireNumbers": False, "RequireSymbols": False,
    }})
    too_short = "Password did not conform with policy: Password not long enough"
    with raises("InvalidPasswordException", startswith=too_short):
        pool.sign_up(uniq("short"), password=PASSWORD, attributes={"email": unique_email()})
    resp = pool.sign_up(uniq("long"), password="correcthorsebatterystaple", attributes={"email": unique_email()})
    assert resp["UserConfirmed"] is False


def test_duplicate_username(auth_pool):
    username = uniq("dup")
    auth_pool.sign_up(username, attributes={"email": unique_email()})
    with raises("UsernameExistsException"):
        auth_pool.sign_up(username, attributes={"email": unique_email()})


def test_email_as_username(make_auth_pool):
    pool = make_auth_pool(UsernameAttributes=["email"])
    with raises("InvalidParameterException"):
        pool.sign_up(uniq("notanemail"), attributes={})

    email = unique_email("mail")
    resp = pool.sign_up(email, attributes={"email": email})
    assert resp["CodeDeliveryDetails"]["Destination"] == mask_email(email)
    user = pool.get_user(email)
    assert user["UserStatus"] == "UNCONFIRMED"
    assert attrs(user)["email"] == email
    assert attrs(user)["sub"] == resp["UserSub"]

    with raises("UsernameExistsException"):
        pool.sign_up(email, password=NEW_PASSWORD, attributes={"email": email})

    pool.confirm_sign_up(email, code_from(last_email(email)))
    assert pool.status(email) == "CONFIRMED"


def test_secret_hash_is_required_for_secret_clients(make_auth_pool):
    pool = make_auth_pool(secret=True)
    client_id = pool.client_id
    username, email = uniq("sec"), unique_email("sec")
    with raises("NotAuthorizedException",
                message=f"Client {client_id} is configured with secret but SECRET_HASH was not received"):
        pool.idp.sign_up(ClientId=client_id, Username=username, Password=PASSWORD,
                         UserAttributes=attr_list({"email": email}))
    with raises("NotAuthorizedException", message=f"Unable to verify secret hash for client {client_id}"):
        pool.idp.sign_up(ClientId=client_id, Username=username, Password=PASSWORD,
                         UserAttributes=attr_list({"email": email}),
                         SecretHash=secret_hash(username + "x", client_id, pool.secret))
    with raises("UserNotFoundException"):
        pool.get_user(username)

    pool.sign_up(username, attributes={"email": email})  # computes the right SecretHash
    code = code_from(last_email(email))
    with raises("NotAuthorizedException"):
        pool.idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)
    pool.confirm_sign_up(username, code)
    assert pool.status(username) == "CONFIRMED"


def test_admin_create_user_only_pools_refuse_sign_up(make_auth_pool):
    pool = make_auth_pool(AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    username = uniq("nope")
    with raises("NotAuthorizedException"):
        pool.sign_up(username, attributes={"email": unique_email()})
    with raises("UserNotFoundException"):
        pool.get_user(username)


def test_unknown_client(auth_pool):
    with raises("ResourceNotFoundException"):
        auth_pool.idp.sign_up(ClientId="0" * 26, Username=uniq("x"), Password=PASSWORD)


def test_unknown_attribute_is_rejected(auth_pool):
    username = uniq("attr")
    with raises("InvalidParameterException"):
        auth_pool.sign_up(username, attributes={"email": unique_email(), "custom:nope": "x"})
    with raises("UserNotFoundException"):
        auth_pool.get_user(username)


# --- with the test clock ---------------------------------------------------------


def test_code_expires_after_24_hours(clock_server, make_clock_pool):
    pool = make_clock_pool()
    username, email = uniq("late"), unique_email("late")
    pool.sign_up(username, attributes={"email": email})
    code = code_from(last_email(email))
    clock_server.advance(24 * 3600 + 1)
    with raises("ExpiredCodeException"):
        pool.confirm_sign_up(username, code)
    assert pool.status(username) == "UNCONFIRMED"

    before = email_count(email)
    pool.idp.resend_confirmation_code(ClientId=pool.client_id, Username=username)
    pool.confirm_sign_up(username, code_from(last_email(email, after=before)))
    assert pool.status(username) == "CONFIRMED"


def test_code_is_still_valid_just_before_24_hours(clock_server, make_clock_pool):
    pool = make_clock_pool()
    username, email = uniq("intime"), unique_email("intime")
    pool.sign_up(username, attributes={"email": email})
    code = code_from(last_email(email))
    clock_server.advance(24 * 3600 - 60)
    pool.confirm_sign_up(username, code)
    assert pool.status(username) == "CONFIRMED"
