"""Password recovery: ForgotPassword, ConfirmForgotPassword, AdminResetUserPassword."""

from auth_fixtures import *  # noqa: F401,F403


def other_code(code):
    return f"{(int(code) + 1) % 1000000:06d}"


def forgot(pool, username, client=None):
    client = client or pool.client
    kwargs = {}
    if client.get("ClientSecret"):
        kwargs["SecretHash"] = pool.hash_for(username, client)
    return pool.idp.forgot_password(ClientId=client["ClientId"], Username=username, **kwargs)


def confirm_forgot(pool, username, code, password=NEW_PASSWORD, client=None):
    client = client or pool.client
    kwargs = {}
    if client.get("ClientSecret"):
        kwargs["SecretHash"] = pool.hash_for(username, client)
    return pool.idp.confirm_forgot_password(ClientId=client["ClientId"], Username=username, ConfirmationCode=code,
                                            Password=password, **kwargs)


def user_with_email(pool):
    email = unique_email("forgot")
    username = pool.create_user(attributes={"email": email, "email_verified": "true"})
    return username, email


def test_forgot_password_by_email(auth_pool):
    username, email = user_with_email(auth_pool)
    resp = forgot(auth_pool, username)
    assert resp["CodeDeliveryDetails"] == {
        "Destination": mask_email(email), "DeliveryMedium": "EMAIL", "AttributeName": "email",
    }
    mail = last_email(email)
    assert mail.sender == EMAIL_FROM
    code = code_from(mail)

    confirm_forgot(auth_pool, username, code)
    assert auth_pool.login(username, NEW_PASSWORD)["AccessToken"]
    with raises("NotAuthorizedException", message="Incorrect username or password."):
        auth_pool.login(username, PASSWORD)
    assert auth_pool.status(username) == "CONFIRMED"


def test_forgot_password_by_sms(make_auth_pool):
    pool = make_auth_pool(
        SmsConfiguration=SMS_CONFIG, AutoVerifiedAttributes=["phone_number"],
        AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_phone_number", "Priority": 1}]},
    )
    phone = unique_phone()
    username = pool.create_user(attributes={"phone_number": phone, "phone_number_verified": "true"})
    resp = forgot(pool, username)
    assert resp["CodeDeliveryDetails"] == {
        "Destination": mask_phone(phone), "DeliveryMedium": "SMS", "AttributeName": "phone_number",
    }
    sms = last_sms(phone)
    assert sms.pool_id == pool.id and sms.username == username
    confirm_forgot(pool, username, code_from(sms))
    assert pool.login(username, NEW_PASSWORD)["AccessToken"]


def test_forgot_password_by_alias(make_auth_pool):
    pool = make_auth_pool(AliasAttributes=["email"])
    username, email = user_with_email(pool)
    forgot(pool, email)
    confirm_forgot(pool, email, code_from(last_email(email)))
    assert pool.login(username, NEW_PASSWORD)["AccessToken"]


def test_wrong_code(auth_pool):
    username, email = user_with_email(auth_pool)
    forgot(auth_pool, username)
    code = code_from(last_email(email))
    with raises("CodeMismatchException"):
        confirm_forgot(auth_pool, username, other_code(code))
    assert auth_pool.login(username, PASSWORD)["AccessToken"]  # unchanged
    confirm_forgot(auth_pool, username, code)
    assert auth_pool.login(username, NEW_PASSWORD)["AccessToken"]


def test_code_works_only_once(auth_pool):
    username, email = user_with_email(auth_pool)
    forgot(auth_pool, username)
    code = code_from(last_email(email))
    confirm_forgot(auth_pool, username, code)
    with raises("CodeMismatchException", "ExpiredCodeException"):
        confirm_forgot(auth_pool, username, code, password=THIRD_PASSWORD)
    assert auth_pool.login(username, NEW_PASSWORD)["AccessToken"]
    with raises("NotAuthorizedException"):
        auth_pool.login(username, THIRD_PASSWORD)


def test_too_many_wrong_codes(auth_pool):
    username, email = user_with_email(auth_pool)
    forgot(auth_pool, username)
    code = code_from(last_email(email))
    for _ in range(20):
        try:
            confirm_forgot(auth_pool, username, other_code(code))
        except auth_pool.idp.exceptions.CodeMismatchException:
            continue
        except Exception as exc:  # noqa: BLE001 - checked below
            assert error_code(exc) in ("LimitExceededException", "TooManyFailedAttemptsException"), exc
            break
        raise AssertionError("a wrong code was accepted")
    else:
        raise AssertionError("20 wrong codes in a row were never limited")
    assert auth_pool.login(username, PASSWORD)["AccessToken"]


def test_new_password_must_satisfy_the_policy(auth_pool):
    username, email = user_with_email(auth_pool)
    forgot(auth_pool, username)
    code = code_from(last_email(email))
    with raises("InvalidPasswordException", startswith="Password did not conform with policy"):
        confirm_forgot(auth_pool, username, code, password="weak")
    assert auth_pool.login(username, PASSWORD)["AccessToken"]


def test_a_newer_code_supersedes(auth_pool):
    username, email = user_with_email(auth_pool)
    forgot(auth_pool, username)
    last_email(email)
    before = email_count(email)
    forgot(auth_pool, username)
    code = code_from(last_email(email, after=before))
    confirm_forgot(auth_pool, username, code)
    assert auth_pool.login(username, NEW_PASSWORD)["AccessToken"]


def test_unknown_user_with_legacy_errors(auth_pool):
    with raises("UserNotFoundException"):
        forgot(auth_pool, uniq("ghost"))


def test_unknown_user_with_prevent_user_existence_errors(make_auth_pool):
    pool = make_auth_pool(client={"PreventUserExistenceErrors": "ENABLED"})
    ghost = uniq("ghost")
    resp = forgot(pool, ghost)
    details = resp["CodeDeliveryDetails"]
    assert details["DeliveryMedium"] in ("EMAIL", "SMS"), details
    assert details["Destination"]
    with raises("CodeMismatchException", "ExpiredCodeException"):
        confirm_forgot(pool, ghost, "123456")


def test_user_without_a_verified_contact(make_auth_pool):
    pool = make_auth_pool()
    username = pool.create_user(attributes={"email": unique_email(), "email_verified": "false"})
    # ForgotPassword docs: "If neither a verified phone number nor a verified email exists, this API
    # returns InvalidParameterException."
    with raises("InvalidParameterException"):
        forgot(pool, username)


def test_secret_client_needs_secret_hash(make_auth_pool):
    pool = make_auth_pool(secret=True)
    username, email = user_with_email(pool)
    with raises("NotAuthorizedException"):
        pool.idp.forgot_password(ClientId=pool.client_id, Username=username)
    forgot(pool, username)
    code = code_from(last_email(email))
    with raises("NotAuthorizedException"):
        pool.idp.confirm_forgot_password(ClientId=pool.client_id, Username=username, ConfirmationCode=code,
                                         Password=NEW_PASSWORD)
    confirm_forgot(pool, username, code)
    assert pool.login(username, NEW_PASSWORD)["AccessToken"]


def test_reset_required_user_completes_forgot_password(auth_pool):
    username, email = user_with_email(auth_pool)
    auth_pool.idp.admin_reset_user_password(UserPoolId=auth_pool.id, Username=username)
    assert auth_pool.status(username) == "RESET_REQUIRED"
    last_email(email)  # AdminResetUserPassword's own code
    with raises("PasswordResetRequiredException"):
        auth_pool.login(username)

    before = email_count(email)
    forgot(auth_pool, username)
    confirm_forgot(auth_pool, username, code_from(last_email(email, after=before)))
    assert auth_pool.status(username) == "CONFIRMED"
    assert auth_pool.login(username, NEW_PASSWORD)["AccessToken"]


def test_admin_reset_code_confirms_forgot_password(auth_pool):
    username, email = user_with_email(auth_pool)
    auth_pool.idp.admin_reset_user_password(UserPoolId=auth_pool.id, Username=username)
    confirm_forgot(auth_pool, username, code_from(last_email(email)))
    assert auth_pool.status(username) == "CONFIRMED"
    assert auth_pool.login(username, NEW_PASSWORD)["AccessToken"]


# --- With the test clock ---------------------------------------------------------------------


def test_code_expires_after_an_hour(clock_server, make_clock_pool):
    pool = make_clock_pool()
    username, email = user_with_email(pool)
    forgot(pool, username)
    code = code_from(last_email(email))
    clock_server.advance(3601)
    with raises("ExpiredCodeException"):
        confirm_forgot(pool, username, code)
    assert pool.login(username, PASSWORD)["AccessToken"]


def test_code_is_valid_within_the_hour(clock_server, make_clock_pool):
    pool = make_clock_pool()
    username, email = user_with_email(pool)
    forgot(pool, username)
    code = code_from(last_email(email))
    clock_server.advance(3500)
    confirm_forgot(pool, username, code)
    assert pool.login(username, NEW_PASSWORD)["AccessToken"]
