"""The same API through the AWS CLI (v1): argument shorthands, output parsing, auto-pagination."""

import json
import uuid

import pytest

from helpers import TEMP_PASSWORD, attrs, delete_pool_quietly, uniq, unique_email


@pytest.fixture
def cli_pool(cli, idp):
    pool_id = cli("create-user-pool", "--pool-name", uniq("cli"))["UserPool"]["Id"]
    yield pool_id
    delete_pool_quietly(idp, pool_id)


def test_create_describe_delete_user_pool(cli, idp):
    name = uniq("cli-full")
    created = cli(
        "create-user-pool", "--pool-name", name,
        "--policies", json.dumps({"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": False}}),
        "--schema", json.dumps([{"Name": "tier", "AttributeDataType": "String", "Mutable": True}]),
        "--alias-attributes", "email",
        "--auto-verified-attributes", "email",
        "--mfa-configuration", "OFF",
        "--deletion-protection", "INACTIVE",
        "--admin-create-user-config", "AllowAdminCreateUserOnly=true",
        "--user-pool-tags", "env=cli,team=identity",
    )["UserPool"]
    pool_id = created["Id"]
    try:
        assert created["Name"] == name
        described = cli("describe-user-pool", "--user-pool-id", pool_id)["UserPool"]
        assert described["Id"] == pool_id and described["Arn"] == created["Arn"]
        assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
        assert described["AliasAttributes"] == ["email"]
        assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
        assert described["UserPoolTags"] == {"env": "cli", "team": "identity"}
        assert "custom:tier" in {a["Name"] for a in described["SchemaAttributes"]}

        assert cli("delete-user-pool", "--user-pool-id", pool_id) is None
        with pytest.raises(cli.Error) as exc:
            cli("describe-user-pool", "--user-pool-id", pool_id)
        assert "ResourceNotFoundException" in exc.value.stderr
        assert f"User pool {pool_id} does not exist." in exc.value.stderr
    finally:
        delete_pool_quietly(idp, pool_id)


def test_delete_protected_user_pool(cli, idp):
    pool_id = cli("create-user-pool", "--pool-name", uniq("cli-protected"),
                  "--deletion-protection", "ACTIVE")["UserPool"]["Id"]
    try:
        with pytest.raises(cli.Error) as exc:
            cli("delete-user-pool", "--user-pool-id", pool_id)
        assert "InvalidParameterException" in exc.value.stderr
        assert cli("describe-user-pool", "--user-pool-id", pool_id)["UserPool"]["DeletionProtection"] == "ACTIVE"
    finally:
        delete_pool_quietly(idp, pool_id)


def test_list_user_pools(cli, make_pool):
    ids = {make_pool()["Id"] for _ in range(5)}

    # --max-results is required and turns auto-pagination off: one page at a time.
    page = cli("list-user-pools", "--max-results", "2")
    assert len(page["UserPools"]) == 2 and page["NextToken"]
    second = cli("list-user-pools", "--max-results", "2", "--next-token", page["NextToken"])
    assert len(second["UserPools"]) >= 1
    assert not {p["Id"] for p in page["UserPools"]} & {p["Id"] for p in second["UserPools"]}

    # Passing MaxResults through --cli-input-json keeps auto-pagination on (2 per request).
    everything = cli("list-user-pools", "--cli-input-json", json.dumps({"MaxResults": 2}))
    seen = [p["Id"] for p in everything["UserPools"]]
    assert "NextToken" not in everything
    assert len(seen) == len(set(seen))
    assert ids <= set(seen)

    capped = cli("list-user-pools", "--cli-input-json", json.dumps({"MaxResults": 2}), "--max-items", "3")
    assert len(capped["UserPools"]) == 3 and capped["NextToken"]


def test_create_user_pool_client(cli, idp, cli_pool):
    client = cli(
        "create-user-pool-client", "--user-pool-id", cli_pool, "--client-name", uniq("cli-app"),
        "--generate-secret",
        "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
        "--access-token-validity", "2",
        "--token-validity-units", "AccessToken=hours,IdToken=minutes,RefreshToken=days",
    )["UserPoolClient"]
    assert len(client["ClientId"]) == 26
    assert len(client["ClientSecret"]) == 52
    described = idp.describe_user_pool_client(UserPoolId=cli_pool, ClientId=client["ClientId"])["UserPoolClient"]
    assert described["ClientSecret"] == client["ClientSecret"]
    assert set(described["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert described["AccessTokenValidity"] == 2
    assert described["TokenValidityUnits"]["AccessToken"] == "hours"

    with pytest.raises(cli.Error) as exc:
        cli("create-user-pool-client", "--user-pool-id", cli_pool, "--client-name", uniq("cli-bad"),
            "--explicit-auth-flows", "USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
    assert "InvalidParameterException" in exc.value.stderr


def test_create_group(cli, idp, cli_pool):
    name = uniq("cli-group")
    group = cli("create-group", "--user-pool-id", cli_pool, "--group-name", name,
                "--description", "From the CLI", "--precedence", "4",
                "--role-arn", "arn:aws:iam::123456789012:role/cli-group")["Group"]
    assert (group["GroupName"], group["Precedence"], group["Description"]) == (name, 4, "From the CLI")
    assert group["RoleArn"] == "arn:aws:iam::123456789012:role/cli-group"

    with pytest.raises(cli.Error) as exc:
        cli("create-group", "--user-pool-id", cli_pool, "--group-name", name)
    assert "GroupExistsException" in exc.value.stderr
    assert idp.get_group(UserPoolId=cli_pool, GroupName=name)["Group"]["Description"] == "From the CLI"


def test_admin_create_and_get_user(cli, cli_pool):
    username = uniq("cli-user")
    email = unique_email("cli")
    user = cli(
        "admin-create-user", "--user-pool-id", cli_pool, "--username", username,
        "--user-attributes", f"Name=email,Value={email}", "Name=email_verified,Value=true",
        "Name=name,Value=CLI User",
        "--temporary-password", TEMP_PASSWORD, "--message-action", "SUPPRESS",
    )["User"]
    assert user["Username"] == username
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert user["Enabled"] is True

    got = cli("admin-get-user", "--user-pool-id", cli_pool, "--username", username)
    assert got["Username"] == username
    assert got["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    a = attrs(got)
    assert (a["email"], a["email_verified"], a["name"]) == (email, "true", "CLI User")
    assert str(uuid.UUID(a["sub"])) == a["sub"]

    with pytest.raises(cli.Error) as exc:
        cli("admin-create-user", "--user-pool-id", cli_pool, "--username", username, "--message-action", "SUPPRESS")
    assert "UsernameExistsException" in exc.value.stderr

    with pytest.raises(cli.Error) as exc:
        cli("admin-get-user", "--user-pool-id", cli_pool, "--username", uniq("ghost"))
    assert "UserNotFoundException" in exc.value.stderr
    assert "User does not exist." in exc.value.stderr


def test_list_users_filter(cli, cli_pool, make_user):
    target = unique_email("target")
    wanted = make_user(cli_pool, attributes={"email": target})["Username"]
    make_user(cli_pool, attributes={"email": unique_email("other")})
    result = cli("list-users", "--user-pool-id", cli_pool, "--filter", f'email = "{target}"')
    assert [u["Username"] for u in result["Users"]] == [wanted]

    result = cli("list-users", "--user-pool-id", cli_pool, "--filter", 'email ^= "target."',
                 "--attributes-to-get", "email")
    assert [attrs(u) for u in result["Users"]] == [{"email": target}]

    with pytest.raises(cli.Error) as exc:
        cli("list-users", "--user-pool-id", cli_pool, "--filter", "custom:tier = \"gold\"")
    assert "InvalidParameterException" in exc.value.stderr


def test_list_users_auto_pagination(cli, cli_pool, make_user):
    created = sorted(make_user(cli_pool)["Username"] for _ in range(25))

    everything = cli("list-users", "--user-pool-id", cli_pool, "--page-size", "10")
    names = [u["Username"] for u in everything["Users"]]
    assert "NextToken" not in everything and "PaginationToken" not in everything
    assert len(names) == len(set(names))
    assert sorted(names) == created

    first = cli("list-users", "--user-pool-id", cli_pool, "--page-size", "10", "--max-items", "12")
    assert len(first["Users"]) == 12 and first["NextToken"]
    rest = cli("list-users", "--user-pool-id", cli_pool, "--page-size", "10",
               "--starting-token", first["NextToken"])
    assert sorted(u["Username"] for u in first["Users"] + rest["Users"]) == created
