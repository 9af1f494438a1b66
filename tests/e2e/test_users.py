"""Users through the admin API: create, get (also by alias), update, delete, passwords, status."""

import uuid

import pytest

from sinks import wait_for

from helpers import (
    PERM_PASSWORD,
    TEMP_PASSWORD,
    UUID_RE,
    attr_list,
    attrs,
    error_message,
    is_recent,
    missing_pool_id,
    uniq,
    unique_email,
)


def status_of(idp, pool, username):
    return idp.admin_get_user(UserPoolId=pool, Username=username)["UserStatus"]


def assert_no_user(idp, pool, username):
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_get_user(UserPoolId=pool, Username=username)


@pytest.fixture
def alias_pool(make_pool):
    return make_pool(AliasAttributes=["email"], AutoVerifiedAttributes=["email"])["Id"]


@pytest.fixture
def email_pool(make_pool):
    return make_pool(UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])["Id"]


# --- AdminCreateUser -------------------------------------------------------


def test_create_user_with_temporary_password(idp, pool):
    username = uniq("alice")
    email = unique_email("alice")
    user = idp.admin_create_user(
        UserPoolId=pool, Username=username, TemporaryPassword=TEMP_PASSWORD, MessageAction="SUPPRESS",
        UserAttributes=attr_list({"email": email, "email_verified": "true", "name": "Alice"}),
    )["User"]
    assert user["Username"] == username
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert user["Enabled"] is True
    assert is_recent(user["UserCreateDate"]) and is_recent(user["UserLastModifiedDate"])
    a = attrs(user)
    assert UUID_RE.match(a["sub"]), a
    assert a["email"] == email and a["email_verified"] == "true" and a["name"] == "Alice"

    got = idp.admin_get_user(UserPoolId=pool, Username=username)
    assert got["Username"] == username
    assert got["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert got["Enabled"] is True
    assert attrs(got)["sub"] == a["sub"]
    assert attrs(got)["email"] == email


def test_create_user_with_generated_password(idp, pool):
    username = uniq("gen")
    user = idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")["User"]
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert UUID_RE.match(attrs(user)["sub"])
    assert status_of(idp, pool, username) == "FORCE_CHANGE_PASSWORD"


def test_subs_are_unique(pool, make_user):
    subs = {attrs(make_user(pool))["sub"] for _ in range(3)}
    assert len(subs) == 3


def test_resend_invitation(idp, server, pool, make_user):
    email = unique_email("invitee")
    created = make_user(pool, attributes={"email": email, "email_verified": "true"})  # SUPPRESS
    # Without SMTP the dev messenger writes messages to the server log: SUPPRESS must not have sent one.
    assert email not in server.stderr()
    resent = idp.admin_create_user(
        UserPoolId=pool, Username=created["Username"], MessageAction="RESEND", DesiredDeliveryMediums=["EMAIL"],
    )["User"]
    assert resent["Username"] == created["Username"]
    assert attrs(resent)["sub"] == attrs(created)["sub"]
    assert resent["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    # The log is written asynchronously: wait for the line rather than read it once.
    wait_for(lambda: email in server.stderr(), what="invitation in the server log")
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"] == 1


def test_resend_for_unknown_user(idp, pool):
    username = uniq("ghost")
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="RESEND")
    assert_no_user(idp, pool, username)


def test_duplicate_username(idp, pool, make_user):
    first = make_user(pool, attributes={"name": "first"})
    with pytest.raises(idp.exceptions.UsernameExistsException):
        make_user(pool, username=first["Username"], attributes={"name": "second"})
    assert attrs(idp.admin_get_user(UserPoolId=pool, Username=first["Username"]))["name"] == "first"


def test_temporary_password_must_satisfy_policy(idp, make_pool, make_user):
    pool = make_pool(Policies={"PasswordPolicy": {
        "MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True,
        "RequireNumbers": True, "RequireSymbols": True,
    }})["Id"]
    username = uniq("weak")
    for weak in ("Sh0rt-Pw!", "alllowercase-but-long-1!", "NoDigitsHere-Long!", "NoSymbols1234Long"):
        with pytest.raises(idp.exceptions.InvalidPasswordException):
            make_user(pool, username=username, TemporaryPassword=weak)
    assert_no_user(idp, pool, username)
    assert make_user(pool, username=username, TemporaryPassword="Long-Enough-Passw0rd")["Username"] == username


@pytest.mark.parametrize("name", ["custom:nope", "favourite_colour"])
def test_unknown_attribute_is_rejected(idp, pool, make_user, name):
    username = uniq("attr")
    with pytest.raises(idp.exceptions.InvalidParameterException):
        make_user(pool, username=username, attributes={name: "x"})
    assert_no_user(idp, pool, username)


def test_required_attributes_are_not_enforced_at_admin_create(idp, make_pool, make_user):
    # AdminCreateUser docs: "You can create a user without specifying any attributes other
    # than Username"; the user supplies required ones at the NEW_PASSWORD_REQUIRED challenge.
    pool = make_pool(Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}])["Id"]
    username = uniq("noemail")
    make_user(pool, username=username, attributes={"name": "No Email"})
    user = idp.admin_get_user(UserPoolId=pool, Username=username)
    assert "email" not in {a["Name"] for a in user["UserAttributes"]}


def test_email_verified_needs_an_email(idp, pool, make_user):
    # AdminCreateUser docs: "You must provide a value for email when you want to set
    # email_verified to true".
    username = uniq("verifiednothing")
    with pytest.raises(idp.exceptions.InvalidParameterException):
        make_user(pool, username=username, attributes={"email_verified": "true"})
    assert_no_user(idp, pool, username)


def test_unknown_pool(idp, make_user):
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        make_user(missing_pool_id())
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.admin_get_user(UserPoolId=missing_pool_id(), Username="nobody")


# --- Username attributes / aliases ------------------------------------------


def test_email_as_username(idp, email_pool, make_user):
    email = unique_email("eve")
    user = make_user(email_pool, username=email, attributes={"email_verified": "true"})
    a = attrs(user)
    assert UUID_RE.match(user["Username"]), user["Username"]
    assert user["Username"] == a["sub"]
    assert a["email"] == email

    by_email = idp.admin_get_user(UserPoolId=email_pool, Username=email)
    assert by_email["Username"] == user["Username"]
    by_id = idp.admin_get_user(UserPoolId=email_pool, Username=user["Username"])
    assert attrs(by_id)["email"] == email

    with pytest.raises(idp.exceptions.UsernameExistsException):
        make_user(email_pool, username=email)
    assert idp.describe_user_pool(UserPoolId=email_pool)["UserPool"]["EstimatedNumberOfUsers"] == 1


def test_email_pool_requires_email_username(idp, email_pool, make_user):
    with pytest.raises(idp.exceptions.InvalidParameterException):
        make_user(email_pool, username=uniq("plain"))
    assert idp.list_users(UserPoolId=email_pool)["Users"] == []


def test_email_or_phone_as_username(idp, make_pool, make_user):
    pool = make_pool(UsernameAttributes=["email", "phone_number"])["Id"]
    email, phone = unique_email("either"), "+1555" + uuid.uuid4().hex[:7].translate(str.maketrans("abcdef", "123456"))
    by_email = make_user(pool, username=email)
    by_phone = make_user(pool, username=phone)
    assert attrs(by_email)["email"] == email and "phone_number" not in attrs(by_email)
    assert attrs(by_phone)["phone_number"] == phone and "email" not in attrs(by_phone)
    for user in (by_email, by_phone):
        assert user["Username"] == attrs(user)["sub"]
    assert idp.admin_get_user(UserPoolId=pool, Username=email)["Username"] == by_email["Username"]
    assert idp.admin_get_user(UserPoolId=pool, Username=phone)["Username"] == by_phone["Username"]

    plain = uniq("plain")
    with pytest.raises(idp.exceptions.InvalidParameterException):
        make_user(pool, username=plain)
    with pytest.raises(idp.exceptions.UsernameExistsException):
        make_user(pool, username=phone)
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"] == 2


def test_case_insensitive_usernames(idp, make_pool, make_user):
    # UsernameConfiguration CaseSensitive=False: "Bob" and "bob" are the same user.
    pool = make_pool(UsernameConfiguration={"CaseSensitive": False})["Id"]
    base = uniq("Bob")
    bob = make_user(pool, username=base, attributes={"name": "first"})
    with pytest.raises(idp.exceptions.UsernameExistsException):
        make_user(pool, username=base.lower(), attributes={"name": "second"})
    for variant in (base.lower(), base.upper()):
        got = idp.admin_get_user(UserPoolId=pool, Username=variant)
        assert attrs(got)["sub"] == attrs(bob)["sub"]
        assert attrs(got)["name"] == "first"
    idp.admin_delete_user(UserPoolId=pool, Username=base.upper())
    assert_no_user(idp, pool, base)


def test_case_sensitive_usernames(idp, pool, make_user):
    base = uniq("Bob")
    upper = make_user(pool, username=base)
    lower = make_user(pool, username=base.lower())
    assert attrs(upper)["sub"] != attrs(lower)["sub"]
    assert_no_user(idp, pool, base.upper())


def test_email_usernames_are_case_sensitive_in_case_sensitive_pool(idp, email_pool, make_user):
    # Cognito docs (UsernameConfigurationType.CaseSensitive): CaseSensitive=false "also enables both
    # preferred_username and email alias to be case insensitive"; true (the default) means "Amazon Cognito
    # interprets USERNAME and UserName as distinct users". Case-sensitive pools famously accept
    # Test@Test.com and test@test.com as two accounts (amazon-cognito-identity-js#524).
    local = uuid.uuid4().hex[:10]
    mixed, lower = f"Mixed.{local}@Example.com", f"mixed.{local}@example.com"
    first = make_user(email_pool, username=mixed)
    second = make_user(email_pool, username=lower)
    assert first["Username"] != second["Username"]
    assert idp.admin_get_user(UserPoolId=email_pool, Username=mixed)["Username"] == first["Username"]
    assert idp.admin_get_user(UserPoolId=email_pool, Username=lower)["Username"] == second["Username"]
    assert_no_user(idp, email_pool, mixed.upper())


def test_get_user_by_sub(idp, pool, make_user):
    user = make_user(pool, attributes={"name": "By Sub"})
    sub = attrs(user)["sub"]
    got = idp.admin_get_user(UserPoolId=pool, Username=sub)
    assert got["Username"] == user["Username"]
    idp.admin_update_user_attributes(UserPoolId=pool, Username=sub, UserAttributes=attr_list({"name": "Changed"}))
    assert attrs(idp.admin_get_user(UserPoolId=pool, Username=user["Username"]))["name"] == "Changed"
    idp.admin_delete_user(UserPoolId=pool, Username=sub)
    assert_no_user(idp, pool, user["Username"])


def test_get_user_by_verified_email_alias(idp, alias_pool, make_user):
    verified, unverified = unique_email("v"), unique_email("u")
    bob = make_user(alias_pool, attributes={"email": verified, "email_verified": "true"})["Username"]
    carol = make_user(alias_pool, attributes={"email": unverified, "email_verified": "false"})["Username"]

    assert idp.admin_get_user(UserPoolId=alias_pool, Username=verified)["Username"] == bob
    assert_no_user(idp, alias_pool, unverified)  # unverified emails are not aliases

    idp.admin_update_user_attributes(
        UserPoolId=alias_pool, Username=carol, UserAttributes=attr_list({"email_verified": "true"}))
    assert idp.admin_get_user(UserPoolId=alias_pool, Username=unverified)["Username"] == carol


def test_alias_must_be_unique(idp, alias_pool, make_user):
    email = unique_email("dup")
    owner = make_user(alias_pool, attributes={"email": email, "email_verified": "true"})["Username"]
    other = make_user(alias_pool, attributes={"name": "Other"})["Username"]

    with pytest.raises(idp.exceptions.AliasExistsException):
        idp.admin_update_user_attributes(
            UserPoolId=alias_pool, Username=other,
            UserAttributes=attr_list({"email": email, "email_verified": "true"}),
        )
    assert "email" not in attrs(idp.admin_get_user(UserPoolId=alias_pool, Username=other))

    newcomer = uniq("newcomer")
    with pytest.raises(idp.exceptions.AliasExistsException):
        make_user(alias_pool, username=newcomer, attributes={"email": email, "email_verified": "true"})
    assert_no_user(idp, alias_pool, newcomer)
    assert idp.admin_get_user(UserPoolId=alias_pool, Username=email)["Username"] == owner


def test_force_alias_creation_moves_the_alias(idp, alias_pool, make_user):
    email = unique_email("move")
    owner = make_user(alias_pool, attributes={"email": email, "email_verified": "true"})["Username"]
    newcomer = make_user(alias_pool, attributes={"email": email, "email_verified": "true"},
                         ForceAliasCreation=True)["Username"]
    assert idp.admin_get_user(UserPoolId=alias_pool, Username=email)["Username"] == newcomer
    assert attrs(idp.admin_get_user(UserPoolId=alias_pool, Username=owner)).get("email_verified") != "true"


# --- Delete / enable / disable ----------------------------------------------


def test_delete_user(idp, pool, make_user):
    keep, doomed = make_user(pool)["Username"], make_user(pool)["Username"]
    idp.admin_delete_user(UserPoolId=pool, Username=doomed)
    with pytest.raises(idp.exceptions.UserNotFoundException) as exc:
        idp.admin_get_user(UserPoolId=pool, Username=doomed)
    assert error_message(exc.value) == "User does not exist."
    assert [u["Username"] for u in idp.list_users(UserPoolId=pool)["Users"]] == [keep]
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_delete_user(UserPoolId=pool, Username=doomed)


def test_unknown_user_errors(idp, pool):
    missing = uniq("ghost")
    calls = [
        lambda: idp.admin_get_user(UserPoolId=pool, Username=missing),
        lambda: idp.admin_delete_user(UserPoolId=pool, Username=missing),
        lambda: idp.admin_disable_user(UserPoolId=pool, Username=missing),
        lambda: idp.admin_enable_user(UserPoolId=pool, Username=missing),
        lambda: idp.admin_update_user_attributes(
            UserPoolId=pool, Username=missing, UserAttributes=attr_list({"name": "x"})),
        lambda: idp.admin_delete_user_attributes(UserPoolId=pool, Username=missing, UserAttributeNames=["name"]),
        lambda: idp.admin_set_user_password(UserPoolId=pool, Username=missing, Password=PERM_PASSWORD),
        lambda: idp.admin_reset_user_password(UserPoolId=pool, Username=missing),
        lambda: idp.admin_confirm_sign_up(UserPoolId=pool, Username=missing),
    ]
    for call in calls:
        with pytest.raises(idp.exceptions.UserNotFoundException) as exc:
            call()
        assert error_message(exc.value) == "User does not exist."
    assert_no_user(idp, pool, missing)


def test_disable_and_enable(idp, pool, make_user):
    username = make_user(pool, attributes={"name": "Toggle"})["Username"]
    before = idp.admin_get_user(UserPoolId=pool, Username=username)
    idp.admin_disable_user(UserPoolId=pool, Username=username)
    disabled = idp.admin_get_user(UserPoolId=pool, Username=username)
    assert disabled["Enabled"] is False
    assert disabled["UserStatus"] == before["UserStatus"] and disabled["UserAttributes"] == before["UserAttributes"]
    idp.admin_disable_user(UserPoolId=pool, Username=username)  # idempotent
    idp.admin_enable_user(UserPoolId=pool, Username=username)
    enabled = idp.admin_get_user(UserPoolId=pool, Username=username)
    assert enabled["Enabled"] is True
    assert enabled["UserStatus"] == before["UserStatus"] and enabled["UserAttributes"] == before["UserAttributes"]


# --- Attributes ---------------------------------------------------------------


@pytest.fixture
def schema_pool(make_pool):
    return make_pool(Schema=[
        {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
        {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
        {"Name": "level", "AttributeDataType": "Number", "Mutable": True},
        {"Name": "origin", "AttributeDataType": "String", "Mutable": False},
    ])["Id"]


def test_update_user_attributes(idp, schema_pool, make_user):
    username = make_user(schema_pool, attributes={"email": unique_email(), "custom:tier": "silver"})["Username"]
    before = idp.admin_get_user(UserPoolId=schema_pool, Username=username)
    idp.admin_update_user_attributes(
        UserPoolId=schema_pool, Username=username,
        UserAttributes=attr_list({"name": "Renamed", "custom:tier": "gold", "custom:level": "7"}),
    )
    after = idp.admin_get_user(UserPoolId=schema_pool, Username=username)
    a = attrs(after)
    assert (a["name"], a["custom:tier"], a["custom:level"]) == ("Renamed", "gold", "7")
    assert a["sub"] == attrs(before)["sub"]
    assert after["UserLastModifiedDate"] >= before["UserLastModifiedDate"]


def test_update_with_blank_value_deletes_attribute(idp, schema_pool, make_user):
    # AdminUpdateUserAttributes docs: "To delete an attribute from your user, submit the attribute in your
    # API request with a blank value."
    username = make_user(
        schema_pool, attributes={"email": unique_email(), "name": "Doomed", "custom:tier": "gold"})["Username"]
    idp.admin_update_user_attributes(
        UserPoolId=schema_pool, Username=username, UserAttributes=attr_list({"name": "", "custom:tier": ""}))
    a = attrs(idp.admin_get_user(UserPoolId=schema_pool, Username=username))
    assert "name" not in a and "custom:tier" not in a, a


def test_email_update_waits_for_verification_when_the_pool_requires_it(idp, make_pool, make_user):
    # AdminUpdateUserAttributes docs: "If your user pool requires verification before Amazon Cognito updates an
    # attribute value that you specify in this request, Amazon Cognito doesn't immediately update the value of
    # that attribute. [...] Your user can sign in and receive messages with the original attribute value until
    # they verify the new value. To skip the verification message and update the value [...] include the
    # email_verified [...] attribute, with a value of true."
    pool = make_pool(
        AliasAttributes=["email"], AutoVerifiedAttributes=["email"],
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    )["Id"]
    old, new, newer = unique_email("old"), unique_email("new"), unique_email("newer")
    username = make_user(pool, attributes={"email": old, "email_verified": "true"})["Username"]

    idp.admin_update_user_attributes(UserPoolId=pool, Username=username, UserAttributes=attr_list({"email": new}))
    a = attrs(idp.admin_get_user(UserPoolId=pool, Username=username))
    assert (a["email"], a["email_verified"]) == (old, "true"), a
    assert idp.admin_get_user(UserPoolId=pool, Username=old)["Username"] == username  # still signs in with it

    idp.admin_update_user_attributes(
        UserPoolId=pool, Username=username, UserAttributes=attr_list({"email": newer, "email_verified": "true"}))
    a = attrs(idp.admin_get_user(UserPoolId=pool, Username=username))
    assert (a["email"], a["email_verified"]) == (newer, "true"), a


def test_changed_email_is_unverified_and_stops_being_an_alias(idp, alias_pool, make_user):
    old, new = unique_email("old"), unique_email("new")
    username = make_user(alias_pool, attributes={"email": old, "email_verified": "true"})["Username"]
    idp.admin_update_user_attributes(UserPoolId=alias_pool, Username=username, UserAttributes=attr_list({"email": new}))
    a = attrs(idp.admin_get_user(UserPoolId=alias_pool, Username=username))
    assert (a["email"], a["email_verified"]) == (new, "false")
    assert_no_user(idp, alias_pool, old)
    assert_no_user(idp, alias_pool, new)  # unverified: not an alias yet


def test_immutable_custom_attribute_cannot_change(idp, schema_pool, make_user):
    username = make_user(schema_pool, attributes={"email": unique_email(), "custom:origin": "web"})["Username"]
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.admin_update_user_attributes(
            UserPoolId=schema_pool, Username=username, UserAttributes=attr_list({"custom:origin": "mobile"}))
    assert attrs(idp.admin_get_user(UserPoolId=schema_pool, Username=username))["custom:origin"] == "web"


def test_update_with_unknown_attribute_is_rejected(idp, schema_pool, make_user):
    username = make_user(schema_pool, attributes={"email": unique_email(), "name": "Same"})["Username"]
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.admin_update_user_attributes(
            UserPoolId=schema_pool, Username=username,
            UserAttributes=attr_list({"name": "Changed", "custom:nope": "x"}),
        )
    assert attrs(idp.admin_get_user(UserPoolId=schema_pool, Username=username))["name"] == "Same"


def test_delete_user_attributes(idp, schema_pool, make_user):
    email = unique_email()
    username = make_user(
        schema_pool, attributes={"email": email, "name": "Temp Name", "custom:tier": "gold"})["Username"]
    idp.admin_delete_user_attributes(
        UserPoolId=schema_pool, Username=username, UserAttributeNames=["name", "custom:tier"])
    a = attrs(idp.admin_get_user(UserPoolId=schema_pool, Username=username))
    assert "name" not in a and "custom:tier" not in a
    assert a["email"] == email

    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.admin_delete_user_attributes(UserPoolId=schema_pool, Username=username, UserAttributeNames=["email"])
    assert attrs(idp.admin_get_user(UserPoolId=schema_pool, Username=username))["email"] == email


def test_deleting_the_email_removes_the_alias(idp, alias_pool, make_user):
    email = unique_email("gone")
    username = make_user(alias_pool, attributes={"email": email, "email_verified": "true", "name": "N"})["Username"]
    idp.admin_delete_user_attributes(UserPoolId=alias_pool, Username=username, UserAttributeNames=["email"])
    assert_no_user(idp, alias_pool, email)
    a = attrs(idp.admin_get_user(UserPoolId=alias_pool, Username=username))
    assert "email" not in a and a["name"] == "N"
    # The address is free again for someone else.
    other = make_user(alias_pool, attributes={"email": email, "email_verified": "true"})["Username"]
    assert idp.admin_get_user(UserPoolId=alias_pool, Username=email)["Username"] == other


def test_delete_unknown_attribute_is_rejected_atomically(idp, schema_pool, make_user):
    username = make_user(schema_pool, attributes={"email": unique_email(), "name": "Kept"})["Username"]
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.admin_delete_user_attributes(
            UserPoolId=schema_pool, Username=username, UserAttributeNames=["name", "custom:nope"])
    assert attrs(idp.admin_get_user(UserPoolId=schema_pool, Username=username))["name"] == "Kept"


def test_email_delivery_without_an_email_is_rejected(idp, pool):
    # AdminCreateUser docs (UserAttributes): "You must provide a value for email [...] if you set EMAIL in the
    # DesiredDeliveryMediums parameter." Cognito answers InvalidParameterException "No email provided but
    # desired delivery medium was Email" (seen in rahulpsd18/cognito-backup-restore#25).
    username = uniq("nomail")
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.admin_create_user(UserPoolId=pool, Username=username, TemporaryPassword=TEMP_PASSWORD,
                              DesiredDeliveryMediums=["EMAIL"], UserAttributes=attr_list({"name": "No Mail"}))
    assert_no_user(idp, pool, username)


# --- Passwords and status -----------------------------------------------------


def test_set_user_password(idp, pool, make_user):
    username = make_user(pool)["Username"]
    idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PERM_PASSWORD, Permanent=True)
    assert status_of(idp, pool, username) == "CONFIRMED"
    idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=TEMP_PASSWORD, Permanent=False)
    assert status_of(idp, pool, username) == "FORCE_CHANGE_PASSWORD"


def test_set_user_password_policy_violation(idp, pool, make_user):
    username = make_user(pool)["Username"]
    idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PERM_PASSWORD, Permanent=True)
    with pytest.raises(idp.exceptions.InvalidPasswordException):
        idp.admin_set_user_password(UserPoolId=pool, Username=username, Password="weakpassword", Permanent=False)
    assert status_of(idp, pool, username) == "CONFIRMED"


def test_reset_user_password(idp, make_pool, make_user):
    pool = make_pool(AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]})["Id"]
    username = make_user(pool, attributes={"email": unique_email(), "email_verified": "true"})["Username"]
    idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PERM_PASSWORD, Permanent=True)
    idp.admin_reset_user_password(UserPoolId=pool, Username=username)
    assert status_of(idp, pool, username) == "RESET_REQUIRED"


def test_reset_user_password_needs_a_verified_contact(idp, pool, make_user):
    username = make_user(pool, attributes={"email": unique_email(), "email_verified": "false"})["Username"]
    idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PERM_PASSWORD, Permanent=True)
    with pytest.raises(idp.exceptions.InvalidParameterException) as exc:
        idp.admin_reset_user_password(UserPoolId=pool, Username=username)
    assert "no registered/verified email or phone_number" in error_message(exc.value)
    assert status_of(idp, pool, username) == "CONFIRMED"


def test_confirm_sign_up_of_confirmed_user(idp, pool, make_user):
    username = make_user(pool)["Username"]
    idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PERM_PASSWORD, Permanent=True)
    with pytest.raises(idp.exceptions.NotAuthorizedException) as exc:
        idp.admin_confirm_sign_up(UserPoolId=pool, Username=username)
    assert error_message(exc.value) == "User cannot be confirmed. Current status is CONFIRMED"
    assert status_of(idp, pool, username) == "CONFIRMED"
