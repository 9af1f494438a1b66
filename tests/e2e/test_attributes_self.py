"""Operations authorized by the user's access token: GetUser, ChangePassword, UpdateUserAttributes,
attribute verification, DeleteUserAttributes, DeleteUser, SetUserSettings."""

from auth_fixtures import *  # noqa: F401,F403
from helpers import UUID_RE


def other_code(code):
    return f"{(int(code) + 1) % 1000000:06d}"


def signed_in(pool, attributes=None, username=None):
    """(username, access token) of a new CONFIRMED user."""
    username = pool.create_user(username, attributes=attributes)
    return username, pool.login(username)["AccessToken"]


def schema_pool(make_pool, **kwargs):
    return make_pool(Schema=[
        {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
    ], **kwargs)


# --- GetUser ----------------------------------------------------------------------------------------


def test_get_user(auth_pool):
    email = unique_email("me")
    username, token = signed_in(auth_pool, {"email": email, "email_verified": "true", "given_name": "Me"})
    me = auth_pool.idp.get_user(AccessToken=token)
    assert me["Username"] == username
    a = attrs(me)
    assert UUID_RE.match(a["sub"])
    assert a["sub"] == auth_pool.attrs_of(username)["sub"]
    assert a["email"] == email
    assert a["email_verified"] == "true"
    assert a["given_name"] == "Me"


# --- ChangePassword --------------------------------------------------------------------------------


def test_change_password(auth_pool):
    username, token = signed_in(auth_pool)
    with raises("NotAuthorizedException"):
        auth_pool.idp.change_password(AccessToken=token, PreviousPassword="Wrong-Passw0rd!",
                                      ProposedPassword=NEW_PASSWORD)
    assert auth_pool.login(username, PASSWORD)["AccessToken"]

    auth_pool.idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD)
    assert auth_pool.login(username, NEW_PASSWORD)["AccessToken"]
    with raises("NotAuthorizedException", message="Incorrect username or password."):
        auth_pool.login(username, PASSWORD)


def test_change_password_policy(auth_pool):
    username, token = signed_in(auth_pool)
    with raises("InvalidPasswordException", startswith="Password did not conform with policy"):
        auth_pool.idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword="weak")
    assert auth_pool.login(username, PASSWORD)["AccessToken"]


def test_password_history(make_auth_pool):
    pool = make_auth_pool(Policies={"PasswordPolicy": {
        "MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True,
        "RequireSymbols": True, "PasswordHistorySize": 2,
    }})
    username, token = signed_in(pool)
    pool.idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD)
    with raises("PasswordHistoryPolicyViolationException"):
        pool.idp.change_password(AccessToken=token, PreviousPassword=NEW_PASSWORD, ProposedPassword=PASSWORD)
    assert pool.login(username, NEW_PASSWORD)["AccessToken"]
    pool.idp.change_password(AccessToken=token, PreviousPassword=NEW_PASSWORD, ProposedPassword=THIRD_PASSWORD)
    assert pool.login(username, THIRD_PASSWORD)["AccessToken"]


# --- UpdateUserAttributes and verification ---------------------------------------------------------


def test_update_plain_attributes(make_auth_pool):
    pool = schema_pool(make_auth_pool)
    username, token = signed_in(pool)
    resp = pool.idp.update_user_attributes(
        AccessToken=token, UserAttributes=attr_list({"given_name": "Renamed", "custom:tier": "gold"}))
    assert resp.get("CodeDeliveryDetailsList", []) == []
    a = attrs(pool.idp.get_user(AccessToken=token))
    assert a["given_name"] == "Renamed" and a["custom:tier"] == "gold"
    assert pool.attrs_of(username)["given_name"] == "Renamed"


def test_update_unknown_attribute(auth_pool):
    _, token = signed_in(auth_pool)
    with raises("InvalidParameterException"):
        auth_pool.idp.update_user_attributes(AccessToken=token, UserAttributes=attr_list({"custom:nope": "x"}))


def test_update_attribute_the_client_cannot_write(make_auth_pool):
    pool = make_auth_pool(client={"WriteAttributes": ["given_name"]})
    username, token = signed_in(pool)
    pool.idp.update_user_attributes(AccessToken=token, UserAttributes=attr_list({"given_name": "Ok"}))
    with raises("NotAuthorizedException"):
        pool.idp.update_user_attributes(AccessToken=token, UserAttributes=attr_list({"family_name": "Nope"}))
    assert "family_name" not in pool.attrs_of(username)


def test_changing_email_sends_a_code(auth_pool):
    old_email, new_email = unique_email("old"), unique_email("new")
    username, token = signed_in(auth_pool, {"email": old_email, "email_verified": "true"})
    resp = auth_pool.idp.update_user_attributes(AccessToken=token, UserAttributes=attr_list({"email": new_email}))
    assert resp["CodeDeliveryDetailsList"] == [
        {"Destination": mask_email(new_email), "DeliveryMedium": "EMAIL", "AttributeName": "email"},
    ]
    a = attrs(auth_pool.idp.get_user(AccessToken=token))
    assert a["email"] == new_email
    assert a["email_verified"] == "false"

    code = code_from(last_email(new_email))
    with raises("CodeMismatchException"):
        auth_pool.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=other_code(code))
    auth_pool.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    a = auth_pool.attrs_of(username)
    assert a["email"] == new_email and a["email_verified"] == "true"


def test_email_change_waits_for_verification_when_required(make_auth_pool):
    pool = make_auth_pool(
        AliasAttributes=["email"],
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    )
    old_email, new_email = unique_email("keep"), unique_email("pending")
    username, token = signed_in(pool, {"email": old_email, "email_verified": "true"})
    resp = pool.idp.update_user_attributes(AccessToken=token, UserAttributes=attr_list({"email": new_email}))
    assert resp["CodeDeliveryDetailsList"][0]["Destination"] == mask_email(new_email)

    a = attrs(pool.idp.get_user(AccessToken=token))
    assert a["email"] == old_email and a["email_verified"] == "true"
    assert pool.login(old_email)["AccessToken"]  # the old address still signs in

    pool.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code_from(last_email(new_email)))
    a = pool.attrs_of(username)
    assert a["email"] == new_email and a["email_verified"] == "true"
    assert pool.login(new_email)["AccessToken"]


def test_verify_email_on_request(auth_pool):
    email = unique_email("later")
    username, token = signed_in(auth_pool, {"email": email, "email_verified": "false"})
    resp = auth_pool.idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert resp["CodeDeliveryDetails"] == {
        "Destination": mask_email(email), "DeliveryMedium": "EMAIL", "AttributeName": "email",
    }
    code = code_from(last_email(email))
    with raises("CodeMismatchException"):
        auth_pool.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=other_code(code))
    assert auth_pool.attrs_of(username)["email_verified"] == "false"
    auth_pool.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    assert auth_pool.attrs_of(username)["email_verified"] == "true"


def test_verify_phone_on_request(make_auth_pool):
    pool = make_auth_pool(SmsConfiguration=SMS_CONFIG)
    phone = unique_phone()
    username, token = signed_in(pool, {"phone_number": phone, "phone_number_verified": "false"})
    resp = pool.idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="phone_number")
    assert resp["CodeDeliveryDetails"] == {
        "Destination": mask_phone(phone), "DeliveryMedium": "SMS", "AttributeName": "phone_number",
    }
    sms = last_sms(phone)
    assert sms.pool_id == pool.id and sms.username == username
    pool.idp.verify_user_attribute(AccessToken=token, AttributeName="phone_number", Code=code_from(sms))
    assert pool.attrs_of(username)["phone_number_verified"] == "true"


# --- DeleteUserAttributes / DeleteUser -------------------------------------------------------------


def test_delete_user_attributes(make_auth_pool):
    pool = schema_pool(make_auth_pool)
    email = unique_email("del")
    username, token = signed_in(pool, {"email": email, "given_name": "Gone", "custom:tier": "gold"})
    pool.idp.delete_user_attributes(AccessToken=token, UserAttributeNames=["given_name", "custom:tier"])
    a = attrs(pool.idp.get_user(AccessToken=token))
    assert "given_name" not in a and "custom:tier" not in a
    assert a["email"] == email
    assert "given_name" not in pool.attrs_of(username)


def test_delete_user(auth_pool):
    username, token = signed_in(auth_pool)
    auth_pool.idp.delete_user(AccessToken=token)
    with raises("UserNotFoundException"):
        auth_pool.get_user(username)
    with raises("UserNotFoundException"):
        auth_pool.login(username)
    with raises("NotAuthorizedException", "UserNotFoundException"):
        auth_pool.idp.get_user(AccessToken=token)


# --- Legacy MFA settings ---------------------------------------------------------------------------


MFA_OPTIONS = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]


def mfa_pool(make_pool):
    return make_pool(SmsConfiguration=SMS_CONFIG, MfaConfiguration="OPTIONAL")


def test_set_user_settings(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username, token = signed_in(pool, {"phone_number": unique_phone(), "phone_number_verified": "true"})
    pool.idp.set_user_settings(AccessToken=token, MFAOptions=MFA_OPTIONS)
    assert pool.get_user(username)["MFAOptions"] == MFA_OPTIONS


def test_admin_set_user_settings(make_auth_pool):
    pool = mfa_pool(make_auth_pool)
    username = pool.create_user(attributes={"phone_number": unique_phone(), "phone_number_verified": "true"})
    pool.idp.admin_set_user_settings(UserPoolId=pool.id, Username=username, MFAOptions=MFA_OPTIONS)
    assert pool.get_user(username)["MFAOptions"] == MFA_OPTIONS
