"""Behaviours and messages that client code matches on, exactly as Cognito has them: Boolean
attribute values in any case, schema constraints on standard attributes, the wording of
AddCustomAttributes / SetUserPoolMfaConfig / unknown-attribute refusals, the TOTP and recovery
exceptions, and the legacy verification-message members of DescribeUserPool.

Every refusal is also checked to have changed nothing. TOTP codes come from pyotp on the server's
clock (see mfa_fixtures.py); the TOTP tests run on this module's clock_server so that the step
used is far from its end.
"""

import pytest

pyotp = pytest.importorskip("pyotp")

from auth_fixtures import *  # noqa: E402,F401,F403
from helpers import all_pool_names  # noqa: E402
from mfa_fixtures import (  # noqa: E402
    ON,
    Authenticator,
    assert_tokens,
    ensure_step_margin,
    expect_challenge,
    mfa_pool,
    respond,
)

INVALID = "InvalidParameterException"
FLAG_SCHEMA = [{"Name": "flag", "AttributeDataType": "Boolean", "Mutable": True}]


def unknown_lines(*names):
    """Cognito's refusal of attributes an update or deletion names but the schema lacks."""
    return "Invalid user attributes: " + "\n".join(f"user.{n}: Attribute does not exist in the schema." for n in names)


def signed_in(pool, attributes=None):
    username = pool.create_user(attributes=attributes)
    return username, pool.login(username)["AccessToken"]


def schema_of(idp, pool_id):
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    return {a["Name"]: a for a in pool["SchemaAttributes"]}


# --- Boolean attribute values ----------------------------------------------------------------------


def test_admin_create_user_takes_booleans_in_any_case(make_auth_pool):
    pool = make_auth_pool(Schema=FLAG_SCHEMA)
    username = pool.create_user(attributes={
        "email": unique_email("bool"), "email_verified": "True",
        "phone_number": unique_phone(), "phone_number_verified": "TRUE",
        "custom:flag": "FaLsE",
    })
    a = pool.attrs_of(username)
    assert (a["email_verified"], a["phone_number_verified"], a["custom:flag"]) == ("true", "true", "false")
    # The canonical value is what tokens carry: a verified email, as a JSON boolean.
    assert pool.claims(pool.login(username)["IdToken"])["email_verified"] is True


def test_sign_up_takes_booleans_in_any_case(make_auth_pool):
    pool = make_auth_pool(Schema=FLAG_SCHEMA)
    username = uniq("signup")
    pool.sign_up(username, attributes={"email": unique_email("su"), "custom:flag": "TRUE"})
    assert pool.attrs_of(username)["custom:flag"] == "true"


def test_attribute_updates_take_booleans_in_any_case(make_auth_pool):
    pool = make_auth_pool(Schema=FLAG_SCHEMA)
    username, token = signed_in(pool, {"email": unique_email("upd"), "email_verified": "false"})
    pool.idp.admin_update_user_attributes(UserPoolId=pool.id, Username=username,
                                          UserAttributes=attr_list({"email_verified": "True"}))
    assert pool.attrs_of(username)["email_verified"] == "true"
    # An administrator vouching for a new address in the same call, in capitals, keeps it verified.
    new_email = unique_email("vouched")
    pool.idp.admin_update_user_attributes(UserPoolId=pool.id, Username=username, UserAttributes=attr_list(
        {"email": new_email, "email_verified": "TRUE"}))
    a = pool.attrs_of(username)
    assert (a["email"], a["email_verified"]) == (new_email, "true")
    pool.idp.update_user_attributes(AccessToken=token, UserAttributes=attr_list({"custom:flag": "TRUE"}))
    assert pool.attrs_of(username)["custom:flag"] == "true"
    pool.idp.update_user_attributes(AccessToken=token, UserAttributes=attr_list({"custom:flag": "False"}))
    assert pool.attrs_of(username)["custom:flag"] == "false"


def test_other_boolean_values_are_still_refused(make_auth_pool):
    pool = make_auth_pool(Schema=FLAG_SCHEMA)
    username = pool.create_user(attributes={"email": unique_email("b"), "email_verified": "true",
                                            "custom:flag": "true"})
    before = pool.attrs_of(username)
    for value in ("yes", "1", "truee"):
        with raises(INVALID, message="Attributes did not conform to the schema: custom:flag: "
                                     "Value must be true or false"):
            pool.idp.admin_update_user_attributes(UserPoolId=pool.id, Username=username,
                                                  UserAttributes=attr_list({"custom:flag": value}))
    with raises(INVALID, message="Attributes did not conform to the schema: email_verified: "
                                 "Value must be true or false"):
        pool.idp.admin_create_user(UserPoolId=pool.id, Username=uniq("bad"), MessageAction="SUPPRESS",
                                   UserAttributes=attr_list({"email": unique_email(), "email_verified": "ja"}))
    assert pool.attrs_of(username) == before


# --- Schema constraints on standard attributes -----------------------------------------------------


@pytest.mark.parametrize("attribute, message", [
    ({"Name": "name", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "one"}},
     "Invalid StringAttributeConstraints for schema attribute name"),
    ({"Name": "name", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "-1"}},
     "Invalid StringAttributeConstraints for schema attribute name"),
    ({"Name": "given_name", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "2049"}},
     "user.given_name: String attributes cannot have a length of more than 2048"),
    ({"Name": "family_name", "AttributeDataType": "String",
      "StringAttributeConstraints": {"MinLength": "10", "MaxLength": "5"}},
     "user.family_name: Max length cannot be less than min length."),
    ({"Name": "updated_at", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MaxValue": "soon"}},
     "Invalid NumberAttributeConstraints for schema attribute updated_at"),
    ({"Name": "updated_at", "AttributeDataType": "Number",
      "NumberAttributeConstraints": {"MinValue": "100", "MaxValue": "10"}},
     "user.updated_at: Max value cannot be less than min value."),
    ({"Name": "email", "AttributeDataType": "Number"},
     "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email"),
    ({"Name": "email", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
     "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email"),
    ({"Name": "custom_text", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "4096"}},
     "user.custom:custom_text: String attributes cannot have a length of more than 2048"),
], ids=["not-a-number", "negative", "over-2048", "min-over-max", "number-not-a-number", "min-value-over-max",
        "retyped", "developer-only", "custom-over-2048"])
def test_create_user_pool_refuses_bad_schema(idp, attribute, message):
    name = uniq("schema")
    with raises(INVALID, message=message):
        idp.create_user_pool(PoolName=name, Schema=[attribute])
    assert name not in all_pool_names(idp)


def test_standard_attribute_constraints_are_applied(idp, make_pool, make_user):
    pool = make_pool(Schema=[
        {"Name": "updated_at", "AttributeDataType": "Number",
         "NumberAttributeConstraints": {"MinValue": "1000", "MaxValue": "99999999999"}},
        {"Name": "nickname", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "5"}},
    ])
    schema = schema_of(idp, pool["Id"])
    assert schema["updated_at"]["NumberAttributeConstraints"] == {"MinValue": "1000", "MaxValue": "99999999999"}
    assert schema["nickname"]["StringAttributeConstraints"] == {"MinLength": "0", "MaxLength": "5"}
    user = make_user(pool["Id"], attributes={"updated_at": "1700000000", "nickname": "abc"})
    with raises(INVALID):
        make_user(pool["Id"], attributes={"updated_at": "999"})
    with raises(INVALID):
        idp.admin_update_user_attributes(UserPoolId=pool["Id"], Username=user["Username"],
                                         UserAttributes=attr_list({"nickname": "toolong"}))
    got = attrs(idp.admin_get_user(UserPoolId=pool["Id"], Username=user["Username"]))
    assert (got["updated_at"], got["nickname"]) == ("1700000000", "abc")


# --- AddCustomAttributes ---------------------------------------------------------------------------


def test_add_custom_attributes_with_an_existing_name(idp, make_pool):
    pool = make_pool(Schema=[{"Name": "tier", "AttributeDataType": "String"}])
    before = schema_of(idp, pool["Id"])
    for given in ("tier", "custom:tier"):
        with raises(INVALID, message="custom:tier: Existing attribute already has name custom:tier."):
            idp.add_custom_attributes(UserPoolId=pool["Id"], CustomAttributes=[
                {"Name": "level", "AttributeDataType": "Number"},
                {"Name": given, "AttributeDataType": "String"},
            ])
    # Nothing of the refused request was added, not even the attribute before the duplicate.
    assert schema_of(idp, pool["Id"]) == before


# --- SetUserPoolMfaConfig --------------------------------------------------------------------------


MFA_REFUSED = "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration."


@pytest.mark.parametrize("mode", ["ON", "OPTIONAL"])
def test_mfa_required_or_optional_needs_a_factor(idp, pool, mode):
    with raises(INVALID, message=MFA_REFUSED):
        idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration=mode)
    with raises(INVALID, message=MFA_REFUSED):
        idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration=mode,
                                     SoftwareTokenMfaConfiguration={"Enabled": False})
    assert idp.get_user_pool_mfa_config(UserPoolId=pool)["MfaConfiguration"] == "OFF"
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["MfaConfiguration"] == "OFF"


# --- Unknown attributes in updates and deletions ---------------------------------------------------


def test_updates_name_every_unknown_attribute(auth_pool):
    username, token = signed_in(auth_pool, {"email": unique_email("u"), "email_verified": "true",
                                            "given_name": "Ann"})
    before = auth_pool.attrs_of(username)
    update = attr_list({"given_name": "Bea", "custom:nope": "1", "shoe_size": "42"})
    expected = unknown_lines("custom:nope", "shoe_size")
    with raises(INVALID, message=expected):
        auth_pool.idp.admin_update_user_attributes(UserPoolId=auth_pool.id, Username=username,
                                                   UserAttributes=update)
    with raises(INVALID, message=expected):
        auth_pool.idp.update_user_attributes(AccessToken=token, UserAttributes=update)
    # A blank value (a deletion by update) is checked the same way.
    with raises(INVALID, message=unknown_lines("custom:gone")):
        auth_pool.idp.admin_update_user_attributes(UserPoolId=auth_pool.id, Username=username,
                                                   UserAttributes=attr_list({"custom:gone": ""}))
    assert auth_pool.attrs_of(username) == before


def test_deletions_name_every_unknown_attribute(auth_pool):
    username, token = signed_in(auth_pool, {"email": unique_email("d"), "email_verified": "true",
                                            "given_name": "Ann"})
    before = auth_pool.attrs_of(username)
    names = ["given_name", "custom:nope", "shoe_size"]
    expected = unknown_lines("custom:nope", "shoe_size")
    with raises(INVALID, message=expected):
        auth_pool.idp.admin_delete_user_attributes(UserPoolId=auth_pool.id, Username=username,
                                                   UserAttributeNames=names)
    with raises(INVALID, message=expected):
        auth_pool.idp.delete_user_attributes(AccessToken=token, UserAttributeNames=names)
    assert auth_pool.attrs_of(username) == before


# --- TOTP ------------------------------------------------------------------------------------------


TOTP_DISABLED = "Software Token MFA has not been enabled by the userPool."
TOTP_REUSED = "Your software token has already been used once."


def test_associate_software_token_without_totp_in_the_pool(make_auth_pool):
    plain = make_auth_pool()
    sms_only = mfa_pool(make_auth_pool, mode="OPTIONAL", totp=False, sms=True)
    for pool in (plain, sms_only):
        username, token = signed_in(pool)
        with raises("SoftwareTokenMFANotFoundException", message=TOTP_DISABLED):
            pool.idp.associate_software_token(AccessToken=token)
        # Nothing was set up: the user cannot turn TOTP on.
        with raises(INVALID):
            pool.idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings=ON)
        assert not pool.get_user(username).get("UserMFASettingList")


def test_a_totp_code_is_used_once(clock_server, make_clock_pool):
    pool = mfa_pool(make_clock_pool)
    username, token = signed_in(pool)
    auth = Authenticator(pool.idp.associate_software_token(AccessToken=token)["SecretCode"], clock_server,
                         movable=True)
    now = ensure_step_margin(clock_server, movable=True, margin=20)
    code = auth.code(0, now)
    assert pool.idp.verify_software_token(AccessToken=token, UserCode=code,
                                          FriendlyDeviceName="phone")["Status"] == "SUCCESS"
    # VerifySoftwareToken again with the code it just accepted.
    with raises("ExpiredCodeException", message=TOTP_REUSED):
        pool.idp.verify_software_token(AccessToken=token, UserCode=code, FriendlyDeviceName="other")
    pool.idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings=ON)

    # The same code as the answer to a SOFTWARE_TOKEN_MFA challenge.
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    with raises("ExpiredCodeException", message=TOTP_REUSED):
        respond(pool, challenge, username, "SOFTWARE_TOKEN_MFA", {"SOFTWARE_TOKEN_MFA_CODE": code})
    # The refusal spent nothing: the same challenge takes the next step's code.
    later = auth.code(1, now)
    assert later != code
    result = respond(pool, challenge, username, "SOFTWARE_TOKEN_MFA", {"SOFTWARE_TOKEN_MFA_CODE": later})
    assert_tokens(pool, result, username)
    # And that code, once accepted, is refused to the next sign-in.
    challenge = expect_challenge(pool.initiate(username), "SOFTWARE_TOKEN_MFA")
    with raises("ExpiredCodeException", message=TOTP_REUSED):
        respond(pool, challenge, username, "SOFTWARE_TOKEN_MFA", {"SOFTWARE_TOKEN_MFA_CODE": later})
    settings = pool.get_user(username)
    assert settings["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]


# --- ConfirmForgotPassword -------------------------------------------------------------------------


def test_confirm_forgot_password_without_a_code_outstanding(auth_pool):
    username = auth_pool.create_user(attributes={"email": unique_email("nocode"), "email_verified": "true"})
    with raises("ExpiredCodeException", message="Invalid code provided, please request a code again."):
        auth_pool.idp.confirm_forgot_password(ClientId=auth_pool.client_id, Username=username,
                                              ConfirmationCode="123456", Password=NEW_PASSWORD)
    assert auth_pool.login(username, PASSWORD)["AccessToken"]
    with raises("NotAuthorizedException"):
        auth_pool.login(username, NEW_PASSWORD)


# --- Verification messages in DescribeUserPool -----------------------------------------------------


EMAIL_MESSAGE = "Your code for Cognate is {####}"
EMAIL_SUBJECT = "Your Cognate code"
SMS_MESSAGE = "Cognate code {####}"


def messages_of(idp, pool_id):
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    template = pool["VerificationMessageTemplate"]
    legacy = (pool.get("EmailVerificationMessage"), pool.get("EmailVerificationSubject"),
              pool.get("SmsVerificationMessage"))
    return legacy, (template.get("EmailMessage"), template.get("EmailSubject"), template.get("SmsMessage")), template


def test_template_shows_in_the_legacy_members(idp, make_pool):
    pool = make_pool(VerificationMessageTemplate={
        "EmailMessage": EMAIL_MESSAGE, "EmailSubject": EMAIL_SUBJECT, "SmsMessage": SMS_MESSAGE})
    legacy, template, _ = messages_of(idp, pool["Id"])
    assert legacy == template == (EMAIL_MESSAGE, EMAIL_SUBJECT, SMS_MESSAGE)


def test_legacy_members_show_in_the_template(idp, make_pool):
    pool = make_pool(EmailVerificationMessage=EMAIL_MESSAGE, EmailVerificationSubject=EMAIL_SUBJECT,
                     SmsVerificationMessage=SMS_MESSAGE)
    legacy, template, full = messages_of(idp, pool["Id"])
    assert legacy == template == (EMAIL_MESSAGE, EMAIL_SUBJECT, SMS_MESSAGE)
    assert full["DefaultEmailOption"] == "CONFIRM_WITH_CODE"


def test_update_user_pool_keeps_both_forms_in_step(idp, make_pool):
    pool = make_pool(EmailVerificationMessage=EMAIL_MESSAGE, EmailVerificationSubject=EMAIL_SUBJECT,
                     SmsVerificationMessage=SMS_MESSAGE)
    new = ("New code: {####}", "New subject", "New SMS {####}")
    idp.update_user_pool(UserPoolId=pool["Id"], VerificationMessageTemplate={
        "EmailMessage": new[0], "EmailSubject": new[1], "SmsMessage": new[2]})
    legacy, template, _ = messages_of(idp, pool["Id"])
    assert legacy == template == new
    idp.update_user_pool(UserPoolId=pool["Id"], EmailVerificationMessage=EMAIL_MESSAGE,
                         EmailVerificationSubject=EMAIL_SUBJECT, SmsVerificationMessage=SMS_MESSAGE)
    legacy, template, _ = messages_of(idp, pool["Id"])
    assert legacy == template == (EMAIL_MESSAGE, EMAIL_SUBJECT, SMS_MESSAGE)


def test_defaults_show_alike_in_both_forms(idp, make_pool):
    pool = make_pool()
    legacy, template, full = messages_of(idp, pool["Id"])
    assert legacy == template
    assert full["DefaultEmailOption"] == "CONFIRM_WITH_CODE"
