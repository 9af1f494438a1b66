"""User pools: Create/Describe/Update/Delete/List, custom attributes, MFA config, CSV header, tags."""

import datetime
import re

import pytest
from botocore.exceptions import ClientError

from helpers import (
    LAMBDA_ARN,
    POOL_ARN_RE,
    POOL_ID_RE,
    SNS_ROLE_ARN,
    all_pool_names,
    assert_contains,
    error_code,
    error_message,
    is_recent,
    missing_pool_id,
    uniq,
)

STANDARD_ATTRIBUTES = {
    "sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
    "profile", "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo",
    "locale", "phone_number", "phone_number_verified", "address", "updated_at",
}

POOL_ARN_RE_PARTS = re.compile(r"^arn:aws:cognito-idp:([a-z0-9-]+):(\d{12}):userpool/")

DEFAULT_PASSWORD_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}


def full_pool_config():
    return dict(
        PoolName=uniq("full"),
        Policies={"PasswordPolicy": {
            "MinimumLength": 10,
            "RequireUppercase": True,
            "RequireLowercase": True,
            "RequireNumbers": True,
            "RequireSymbols": False,
            "TemporaryPasswordValidityDays": 3,
        }},
        Schema=[
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {"Name": "tier", "AttributeDataType": "String", "Mutable": True,
             "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "32"}},
            {"Name": "level", "AttributeDataType": "Number", "Mutable": True,
             "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "100"}},
            {"Name": "joined", "AttributeDataType": "DateTime", "Mutable": True},
            {"Name": "vip", "AttributeDataType": "Boolean", "Mutable": True},
            {"Name": "origin", "AttributeDataType": "String", "Mutable": False},
        ],
        AliasAttributes=["email", "preferred_username"],
        UsernameConfiguration={"CaseSensitive": False},
        AutoVerifiedAttributes=["email"],
        MfaConfiguration="OPTIONAL",
        LambdaConfig={"PreSignUp": LAMBDA_ARN, "PostConfirmation": LAMBDA_ARN + "-post"},
        EmailConfiguration={
            "EmailSendingAccount": "DEVELOPER",
            "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/noreply@example.com",
            "From": "Cognate <noreply@example.com>",
            "ReplyToEmailAddress": "support@example.com",
        },
        SmsConfiguration={"SnsCallerArn": SNS_ROLE_ARN, "ExternalId": "cognate-ext", "SnsRegion": "us-east-1"},
        VerificationMessageTemplate={
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
            "EmailMessage": "Your verification code is {####}",
            "EmailSubject": "Verify your account",
            "SmsMessage": "Verification code {####}",
        },
        SmsAuthenticationMessage="Your sign-in code is {####}",
        AdminCreateUserConfig={
            "AllowAdminCreateUserOnly": True,
            "InviteMessageTemplate": {
                "EmailMessage": "Hello {username}, your temporary password is {####}",
                "EmailSubject": "Welcome",
                "SMSMessage": "User {username} password {####}",
            },
        },
        AccountRecoverySetting={"RecoveryMechanisms": [
            {"Priority": 1, "Name": "verified_email"},
            {"Priority": 2, "Name": "verified_phone_number"},
        ]},
        DeviceConfiguration={"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True},
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
        DeletionProtection="INACTIVE",
        UserPoolTags={"env": "e2e", "team": "identity"},
    )


def test_create_returns_id_arn_and_dates(make_pool):
    name = uniq("basic")
    pool = make_pool(PoolName=name)
    assert POOL_ID_RE.match(pool["Id"]), pool["Id"]
    match = POOL_ARN_RE.match(pool["Arn"])
    assert match and match.group(1) == pool["Id"], pool["Arn"]
    assert pool["Name"] == name
    assert is_recent(pool["CreationDate"])
    assert is_recent(pool["LastModifiedDate"])


def test_describe_returns_everything_given_at_creation(idp, make_pool):
    config = full_pool_config()
    created = make_pool(**config)
    pool = idp.describe_user_pool(UserPoolId=created["Id"])["UserPool"]

    assert pool["Id"] == created["Id"] and pool["Arn"] == created["Arn"]
    assert pool["Name"] == config["PoolName"]
    assert_contains(pool["Policies"], config["Policies"])
    assert sorted(pool["AliasAttributes"]) == sorted(config["AliasAttributes"])
    assert pool.get("UsernameAttributes", []) == []
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["MfaConfiguration"] == "OPTIONAL"
    for key in ("LambdaConfig", "EmailConfiguration", "SmsConfiguration", "VerificationMessageTemplate",
                "AdminCreateUserConfig", "DeviceConfiguration", "UserAttributeUpdateSettings"):
        assert_contains(pool[key], config[key], key)
    assert pool["SmsAuthenticationMessage"] == config["SmsAuthenticationMessage"]
    mechanisms = sorted(pool["AccountRecoverySetting"]["RecoveryMechanisms"], key=lambda m: m["Priority"])
    assert mechanisms == config["AccountRecoverySetting"]["RecoveryMechanisms"]
    assert pool["DeletionProtection"] == "INACTIVE"
    assert pool["UserPoolTags"] == config["UserPoolTags"]
    assert pool["EstimatedNumberOfUsers"] == 0
    assert is_recent(pool["CreationDate"]) and is_recent(pool["LastModifiedDate"])

    schema = {a["Name"]: a for a in pool["SchemaAttributes"]}
    assert STANDARD_ATTRIBUTES <= set(schema), STANDARD_ATTRIBUTES - set(schema)
    assert schema["sub"]["Required"] is True and schema["sub"]["Mutable"] is False
    assert schema["email"]["Required"] is True
    assert schema["email_verified"]["AttributeDataType"] == "Boolean"
    assert schema["custom:tier"]["AttributeDataType"] == "String"
    assert schema["custom:tier"]["StringAttributeConstraints"] == {"MinLength": "1", "MaxLength": "32"}
    assert schema["custom:level"]["AttributeDataType"] == "Number"
    assert schema["custom:level"]["NumberAttributeConstraints"] == {"MinValue": "0", "MaxValue": "100"}
    assert schema["custom:joined"]["AttributeDataType"] == "DateTime"
    assert schema["custom:vip"]["AttributeDataType"] == "Boolean"
    assert schema["custom:origin"]["Mutable"] is False
    assert "tier" not in schema


def test_default_password_policy_and_mfa(idp, pool):
    described = idp.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert_contains(described["Policies"]["PasswordPolicy"], DEFAULT_PASSWORD_POLICY)
    assert described["MfaConfiguration"] == "OFF"
    assert described["EstimatedNumberOfUsers"] == 0


def test_username_attributes_are_stored(idp, make_pool):
    pool = make_pool(UsernameAttributes=["email", "phone_number"])
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert sorted(described["UsernameAttributes"]) == ["email", "phone_number"]
    assert described.get("AliasAttributes", []) == []


def test_alias_and_username_attributes_are_mutually_exclusive(idp):
    name = uniq("both")
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.create_user_pool(PoolName=name, AliasAttributes=["email"], UsernameAttributes=["email"])
    assert name not in all_pool_names(idp)


def test_estimated_number_of_users_counts_users(idp, pool, make_user):
    users = [make_user(pool) for _ in range(3)]
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"] == 3
    idp.admin_delete_user(UserPoolId=pool, Username=users[0]["Username"])
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"] == 2


def test_update_user_pool(idp, make_pool):
    created = make_pool(Policies={"PasswordPolicy": {"MinimumLength": 12}})
    new_name = uniq("renamed")
    idp.update_user_pool(
        UserPoolId=created["Id"],
        PoolName=new_name,
        Policies={"PasswordPolicy": {"MinimumLength": 9, "RequireSymbols": False}},
        AutoVerifiedAttributes=["email"],
        DeviceConfiguration={"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": True},
        UserPoolTags={"stage": "updated"},
    )
    pool = idp.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    assert pool["Name"] == new_name
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 9
    assert pool["Policies"]["PasswordPolicy"]["RequireSymbols"] is False
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["DeviceConfiguration"]["DeviceOnlyRememberedOnUserPrompt"] is True
    assert pool["UserPoolTags"] == {"stage": "updated"}
    assert pool["CreationDate"] == created["CreationDate"]
    assert pool["LastModifiedDate"] >= created["LastModifiedDate"]


def test_update_user_pool_resets_omitted_settings_to_defaults(idp, make_pool):
    # Documented: "If you don't provide a value for an attribute, Amazon Cognito sets it to its default value."
    # (The well-known trap: an update that omits LambdaConfig detaches every trigger; aws-cli#3302.)
    config = full_pool_config()
    created = make_pool(**config)
    idp.update_user_pool(UserPoolId=created["Id"], AutoVerifiedAttributes=["email"])
    pool = idp.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    assert_contains(pool["Policies"]["PasswordPolicy"], DEFAULT_PASSWORD_POLICY)
    assert pool.get("LambdaConfig", {}) == {}
    assert pool["MfaConfiguration"] == "OFF"
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert "InviteMessageTemplate" not in pool["AdminCreateUserConfig"]
    assert pool["EmailConfiguration"].get("EmailSendingAccount", "COGNITO_DEFAULT") == "COGNITO_DEFAULT"
    assert "SourceArn" not in pool["EmailConfiguration"]
    assert "DeviceConfiguration" not in pool
    assert "SmsConfiguration" not in pool
    assert pool["VerificationMessageTemplate"].get("EmailMessage") != config["VerificationMessageTemplate"]["EmailMessage"]
    assert not pool.get("UserPoolTags")
    assert pool["AutoVerifiedAttributes"] == ["email"]
    # What only CreateUserPool sets is not touched by an update.
    assert sorted(pool["AliasAttributes"]) == sorted(config["AliasAttributes"])
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert {a["Name"] for a in pool["SchemaAttributes"]} >= {"custom:tier", "custom:level", "custom:origin"}
    assert pool["Name"] == config["PoolName"]


def test_delete_user_pool(idp):
    name = uniq("doomed")
    pool_id = idp.create_user_pool(PoolName=name)["UserPool"]["Id"]
    idp.delete_user_pool(UserPoolId=pool_id)
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as exc:
        idp.describe_user_pool(UserPoolId=pool_id)
    assert error_message(exc.value) == f"User pool {pool_id} does not exist."
    assert name not in all_pool_names(idp)


def test_deletion_protection_blocks_delete(idp, make_pool):
    pool = make_pool(DeletionProtection="ACTIVE")
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.delete_user_pool(UserPoolId=pool["Id"])
    assert idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["DeletionProtection"] == "ACTIVE"
    idp.update_user_pool(UserPoolId=pool["Id"], DeletionProtection="INACTIVE")
    idp.delete_user_pool(UserPoolId=pool["Id"])
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool(UserPoolId=pool["Id"])


def test_unknown_pool_is_resource_not_found(idp):
    pool_id = missing_pool_id()
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as exc:
        idp.describe_user_pool(UserPoolId=pool_id)
    assert error_message(exc.value) == f"User pool {pool_id} does not exist."
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"])
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.delete_user_pool(UserPoolId=pool_id)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.get_user_pool_mfa_config(UserPoolId=pool_id)


def test_list_user_pools_paginates(idp, make_pool):
    prefix = uniq("page")
    ids = {make_pool(PoolName=f"{prefix}-{i}")["Id"] for i in range(5)}
    seen = []
    pages = 0
    for page in idp.get_paginator("list_user_pools").paginate(PaginationConfig={"PageSize": 2}):
        pages += 1
        assert len(page["UserPools"]) <= 2
        for item in page["UserPools"]:
            seen.append(item["Id"])
            if item["Id"] in ids:
                assert item["Name"].startswith(prefix)
                assert isinstance(item["CreationDate"], datetime.datetime)
    assert pages >= 3
    assert len(seen) == len(set(seen)), "a pool was returned twice"
    assert ids <= set(seen)


def test_list_user_pools_manual_next_token(idp, make_pool):
    ids = {make_pool()["Id"] for _ in range(3)}
    seen, token = [], None
    while True:
        kwargs = {"MaxResults": 1}
        if token:
            kwargs["NextToken"] = token
        resp = idp.list_user_pools(**kwargs)
        assert len(resp["UserPools"]) <= 1
        seen += [p["Id"] for p in resp["UserPools"]]
        token = resp.get("NextToken")
        if not token:
            break
    assert len(seen) == len(set(seen))
    assert ids <= set(seen)


def test_list_user_pools_max_results_above_60_is_rejected(idp):
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.list_user_pools(MaxResults=61)
    assert len(idp.list_user_pools(MaxResults=60)["UserPools"]) <= 60


def test_add_custom_attributes(idp, make_pool):
    pool = make_pool(Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}])["Id"]
    idp.add_custom_attributes(UserPoolId=pool, CustomAttributes=[
        {"Name": "score", "AttributeDataType": "Number", "Mutable": True,
         "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "10"}},
        {"Name": "beta", "AttributeDataType": "Boolean", "Mutable": True},
    ])
    schema = {a["Name"]: a for a in idp.describe_user_pool(UserPoolId=pool)["UserPool"]["SchemaAttributes"]}
    assert schema["custom:score"]["AttributeDataType"] == "Number"
    assert schema["custom:score"]["NumberAttributeConstraints"] == {"MinValue": "0", "MaxValue": "10"}
    assert schema["custom:beta"]["AttributeDataType"] == "Boolean"

    for duplicate in ("tier", "score"):
        with pytest.raises(idp.exceptions.InvalidParameterException):
            idp.add_custom_attributes(UserPoolId=pool, CustomAttributes=[
                {"Name": duplicate, "AttributeDataType": "String", "Mutable": True}])
    after = {a["Name"]: a for a in idp.describe_user_pool(UserPoolId=pool)["UserPool"]["SchemaAttributes"]}
    assert after == schema  # the rejected calls changed nothing

    # A batch with one bad member adds none of them.
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.add_custom_attributes(UserPoolId=pool, CustomAttributes=[
            {"Name": "fresh", "AttributeDataType": "String", "Mutable": True},
            {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
        ])
    after = {a["Name"] for a in idp.describe_user_pool(UserPoolId=pool)["UserPool"]["SchemaAttributes"]}
    assert after == set(schema)


def test_user_pool_mfa_config_roundtrip(idp, pool):
    assert idp.get_user_pool_mfa_config(UserPoolId=pool)["MfaConfiguration"] == "OFF"

    resp = idp.set_user_pool_mfa_config(
        UserPoolId=pool,
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    assert resp["MfaConfiguration"] == "OPTIONAL"
    assert resp["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    got = idp.get_user_pool_mfa_config(UserPoolId=pool)
    assert got["MfaConfiguration"] == "OPTIONAL"
    assert got["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["MfaConfiguration"] == "OPTIONAL"

    sms = {"SmsAuthenticationMessage": "Your MFA code is {####}",
           "SmsConfiguration": {"SnsCallerArn": SNS_ROLE_ARN, "ExternalId": "mfa-ext"}}
    idp.set_user_pool_mfa_config(
        UserPoolId=pool,
        MfaConfiguration="ON",
        SmsMfaConfiguration=sms,
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    got = idp.get_user_pool_mfa_config(UserPoolId=pool)
    assert got["MfaConfiguration"] == "ON"
    assert_contains(got["SmsMfaConfiguration"], sms)
    assert got["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


# GetCSVHeader of a pool with only the standard attributes (the AWS CLI reference example, verbatim).
DEFAULT_CSV_HEADER = [
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
    "phone_number_verified", "address", "updated_at", "cognito:mfa_enabled", "cognito:username",
]


def test_get_csv_header(idp, pool, make_pool):
    resp = idp.get_csv_header(UserPoolId=pool)
    assert resp["UserPoolId"] == pool
    assert resp["CSVHeader"] == DEFAULT_CSV_HEADER

    custom = make_pool(Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}])["Id"]
    header = idp.get_csv_header(UserPoolId=custom)["CSVHeader"]
    assert "custom:tier" in header
    assert sorted(header) == sorted(DEFAULT_CSV_HEADER + ["custom:tier"])
    assert "sub" not in header and "identities" not in header


def test_tags(idp, make_pool):
    pool = make_pool(UserPoolTags={"env": "e2e"})
    arn = pool["Arn"]
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "e2e"}

    idp.tag_resource(ResourceArn=arn, Tags={"team": "identity", "cost": "42"})
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "e2e", "team": "identity", "cost": "42"}

    idp.untag_resource(ResourceArn=arn, TagKeys=["env", "cost"])
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "identity"}
    assert idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["UserPoolTags"] == {"team": "identity"}


def test_tags_on_unknown_pool(idp, pool):
    arn = idp.describe_user_pool(UserPoolId=pool)["UserPool"]["Arn"]
    missing_arn = arn.rsplit("/", 1)[0] + "/" + missing_pool_id()
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.tag_resource(ResourceArn=missing_arn, Tags={"a": "b"})
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.untag_resource(ResourceArn=missing_arn, TagKeys=["a"])
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.list_tags_for_resource(ResourceArn=missing_arn)
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {}


def test_tag_resource_with_an_arn_of_another_account_or_region(idp, make_pool):
    # An ARN names a resource in one account and region; another account's ARN that happens to end in one of
    # our pool ids is not our pool, and must never tag it.
    pool = make_pool(UserPoolTags={"env": "e2e"})
    region, account = POOL_ARN_RE_PARTS.match(pool["Arn"]).groups()
    other_account = "111111111111" if account != "111111111111" else "222222222222"
    foreign = [
        f"arn:aws:cognito-idp:{region}:{other_account}:userpool/{pool['Id']}",
        f"arn:aws:cognito-idp:eu-west-1:{account}:userpool/{pool['Id']}",
    ]
    for arn in foreign:
        with pytest.raises(ClientError) as exc:
            idp.tag_resource(ResourceArn=arn, Tags={"intruder": "yes"})
        assert error_code(exc.value) in ("ResourceNotFoundException", "AccessDeniedException",
                                         "NotAuthorizedException", "InvalidParameterException"), exc.value.response
    assert idp.list_tags_for_resource(ResourceArn=pool["Arn"])["Tags"] == {"env": "e2e"}


def test_delete_user_pool_takes_everything_with_it(idp, make_pool, make_user):
    doomed, bystander = make_pool()["Id"], make_pool()["Id"]
    for pool in (doomed, bystander):
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName=uniq("app"))["UserPoolClient"]["ClientId"]
        idp.create_group(UserPoolId=pool, GroupName="team")
        make_user(pool, username="same-name")
        idp.admin_add_user_to_group(UserPoolId=pool, Username="same-name", GroupName="team")
        if pool == doomed:
            doomed_client = client
    idp.delete_user_pool(UserPoolId=doomed)

    for call in (
        lambda: idp.describe_user_pool_client(UserPoolId=doomed, ClientId=doomed_client),
        lambda: idp.list_user_pool_clients(UserPoolId=doomed),
        lambda: idp.get_group(UserPoolId=doomed, GroupName="team"),
        lambda: idp.list_groups(UserPoolId=doomed),
        lambda: idp.admin_get_user(UserPoolId=doomed, Username="same-name"),
        lambda: idp.list_users(UserPoolId=doomed),
        lambda: idp.list_users_in_group(UserPoolId=doomed, GroupName="team"),
    ):
        with pytest.raises(idp.exceptions.ResourceNotFoundException):
            call()
    # The other pool, with the same user and group names, is untouched.
    assert [u["Username"] for u in idp.list_users_in_group(UserPoolId=bystander, GroupName="team")["Users"]] \
        == ["same-name"]
    assert len(idp.list_user_pool_clients(UserPoolId=bystander, MaxResults=10)["UserPoolClients"]) == 1
    assert idp.describe_user_pool(UserPoolId=bystander)["UserPool"]["EstimatedNumberOfUsers"] == 1
