"""App clients: Create/Describe/Update/Delete/List and client secret rotation."""

import json

import pytest
from botocore.exceptions import ClientError

from helpers import (
    CLIENT_ID_RE,
    CLIENT_SECRET_RE,
    error_code,
    is_recent,
    missing_pool_id,
    uniq,
)

DEFAULT_FLOWS = {"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}


def client_ids(idp, pool):
    ids = []
    for page in idp.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool):
        ids += [c["ClientId"] for c in page["UserPoolClients"]]
    return ids


def test_create_client_defaults(idp, pool, make_app_client):
    name = uniq("app")
    client = make_app_client(pool, ClientName=name)
    assert CLIENT_ID_RE.match(client["ClientId"]), client["ClientId"]
    assert client["UserPoolId"] == pool
    assert client["ClientName"] == name
    assert "ClientSecret" not in client
    assert set(client["ExplicitAuthFlows"]) == DEFAULT_FLOWS
    assert client["EnableTokenRevocation"] is True
    assert client["RefreshTokenValidity"] == 30
    assert client["AuthSessionValidity"] == 3
    assert "ReadAttributes" not in client  # only populated when set explicitly
    assert is_recent(client["CreationDate"]) and is_recent(client["LastModifiedDate"])

    described = idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    assert described["ClientId"] == client["ClientId"]
    assert set(described["ExplicitAuthFlows"]) == DEFAULT_FLOWS


def test_create_client_with_generated_secret(idp, pool, make_app_client):
    client = make_app_client(pool, GenerateSecret=True)
    assert CLIENT_ID_RE.match(client["ClientId"])
    assert CLIENT_SECRET_RE.match(client["ClientSecret"]), client["ClientSecret"]
    described = idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    assert described["ClientSecret"] == client["ClientSecret"]
    other = make_app_client(pool, GenerateSecret=True)
    assert other["ClientId"] != client["ClientId"]
    assert other["ClientSecret"] != client["ClientSecret"]


def test_token_validity_roundtrip(idp, pool, make_app_client):
    client = make_app_client(
        pool,
        AccessTokenValidity=2,
        IdTokenValidity=90,
        RefreshTokenValidity=10,
        TokenValidityUnits={"AccessToken": "hours", "IdToken": "minutes", "RefreshToken": "days"},
    )
    described = idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    for c in (client, described):
        assert c["AccessTokenValidity"] == 2
        assert c["IdTokenValidity"] == 90
        assert c["RefreshTokenValidity"] == 10
        assert c["TokenValidityUnits"] == {"AccessToken": "hours", "IdToken": "minutes", "RefreshToken": "days"}


def test_token_validity_out_of_range_is_rejected(idp, pool):
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.create_user_pool_client(
            UserPoolId=pool, ClientName=uniq("app"),
            AccessTokenValidity=2, TokenValidityUnits={"AccessToken": "days"},  # max is 1 day
        )
    assert client_ids(idp, pool) == []


def test_explicit_auth_flows_roundtrip(idp, pool, make_app_client):
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    client = make_app_client(pool, ExplicitAuthFlows=flows)
    described = idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    assert set(described["ExplicitAuthFlows"]) == set(flows)


def test_mixing_legacy_and_allow_flows_is_rejected(idp, pool):
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.create_user_pool_client(
            UserPoolId=pool, ClientName=uniq("app"),
            ExplicitAuthFlows=["USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
    assert client_ids(idp, pool) == []


def test_read_and_write_attributes(idp, make_pool, make_app_client):
    pool = make_pool(Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}])["Id"]
    read = ["email", "email_verified", "name", "custom:tier"]
    write = ["email", "name", "custom:tier"]
    client = make_app_client(pool, ReadAttributes=read, WriteAttributes=write)
    described = idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    assert set(described["ReadAttributes"]) == set(read)
    assert set(described["WriteAttributes"]) == set(write)


def test_unknown_read_attribute_is_rejected(idp, pool):
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.create_user_pool_client(UserPoolId=pool, ClientName=uniq("app"), ReadAttributes=["custom:nope"])
    assert client_ids(idp, pool) == []


def test_oauth_settings_roundtrip(idp, pool, make_app_client):
    oauth = dict(
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "profile"],
        CallbackURLs=["https://app.example.com/callback", "http://localhost:3000/callback"],
        LogoutURLs=["https://app.example.com/logout"],
        DefaultRedirectURI="https://app.example.com/callback",
        SupportedIdentityProviders=["COGNITO"],
    )
    client = make_app_client(pool, **oauth)
    described = idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    assert described["AllowedOAuthFlowsUserPoolClient"] is True
    assert described["AllowedOAuthFlows"] == ["code"]
    assert set(described["AllowedOAuthScopes"]) == set(oauth["AllowedOAuthScopes"])
    assert set(described["CallbackURLs"]) == set(oauth["CallbackURLs"])
    assert described["LogoutURLs"] == oauth["LogoutURLs"]
    assert described["DefaultRedirectURI"] == oauth["DefaultRedirectURI"]
    assert described["SupportedIdentityProviders"] == ["COGNITO"]


def test_client_credentials_requires_a_secret(idp, pool):
    with pytest.raises(idp.exceptions.InvalidOAuthFlowException):
        idp.create_user_pool_client(
            UserPoolId=pool, ClientName=uniq("m2m"), GenerateSecret=False,
            AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["client_credentials"],
        )
    assert client_ids(idp, pool) == []


def test_prevent_user_existence_errors_and_token_revocation(idp, pool, make_app_client):
    client = make_app_client(pool, PreventUserExistenceErrors="ENABLED", EnableTokenRevocation=False)
    described = idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    assert described["PreventUserExistenceErrors"] == "ENABLED"
    assert described["EnableTokenRevocation"] is False


def test_update_user_pool_client(idp, pool, make_app_client):
    client = make_app_client(pool, GenerateSecret=True)
    new_name = uniq("renamed")
    resp = idp.update_user_pool_client(
        UserPoolId=pool, ClientId=client["ClientId"], ClientName=new_name,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        RefreshTokenValidity=5, PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]
    assert resp["ClientName"] == new_name
    described = idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    assert described["ClientName"] == new_name
    assert set(described["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert described["RefreshTokenValidity"] == 5
    assert described["PreventUserExistenceErrors"] == "ENABLED"
    assert described["ClientSecret"] == client["ClientSecret"]
    assert described["CreationDate"] == client["CreationDate"]
    assert described["LastModifiedDate"] >= client["LastModifiedDate"]


def test_update_user_pool_client_resets_omitted_settings(idp, make_pool, make_app_client):
    # UpdateUserPoolClient docs: "If you don't provide a value for an attribute, Amazon Cognito sets it to its
    # default value." The client id, name (unless given) and secret are not settings and stay.
    pool = make_pool(Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}])["Id"]
    client = make_app_client(
        pool, GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        AccessTokenValidity=2, IdTokenValidity=3, RefreshTokenValidity=10,
        TokenValidityUnits={"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"},
        ReadAttributes=["email", "custom:tier"], WriteAttributes=["email"],
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"],
        CallbackURLs=["https://app.example.com/cb"], SupportedIdentityProviders=["COGNITO"],
        PreventUserExistenceErrors="ENABLED", EnableTokenRevocation=False, AuthSessionValidity=10,
    )
    updated = idp.update_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    described = idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    for c in (updated, described):
        assert c["ClientName"] == client["ClientName"]
        assert c["ClientSecret"] == client["ClientSecret"]
        assert c["CreationDate"] == client["CreationDate"]
        assert c["RefreshTokenValidity"] == 30
        assert "AccessTokenValidity" not in c and "IdTokenValidity" not in c
        assert "ReadAttributes" not in c and "WriteAttributes" not in c
        assert not c.get("AllowedOAuthFlows") and not c.get("AllowedOAuthScopes") and not c.get("CallbackURLs")
        assert c.get("AllowedOAuthFlowsUserPoolClient", False) is False
        assert not c.get("SupportedIdentityProviders")
        assert c.get("PreventUserExistenceErrors", "LEGACY") == "LEGACY"
        assert c["EnableTokenRevocation"] is True
        assert c["AuthSessionValidity"] == 3
        assert set(c.get("ExplicitAuthFlows", DEFAULT_FLOWS)) == DEFAULT_FLOWS


def test_rejected_client_update_changes_nothing(idp, pool, make_app_client):
    client = make_app_client(pool, RefreshTokenValidity=10, PreventUserExistenceErrors="ENABLED")
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.update_user_pool_client(
            UserPoolId=pool, ClientId=client["ClientId"], ClientName=uniq("renamed"), RefreshTokenValidity=5,
            ExplicitAuthFlows=["USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
    described = idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
    for key in ("ClientName", "RefreshTokenValidity", "PreventUserExistenceErrors", "ExplicitAuthFlows",
                "LastModifiedDate"):
        assert described[key] == client[key], key


def test_delete_user_pool_client(idp, pool, make_app_client):
    keep = make_app_client(pool)
    doomed = make_app_client(pool)
    idp.delete_user_pool_client(UserPoolId=pool, ClientId=doomed["ClientId"])
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool_client(UserPoolId=pool, ClientId=doomed["ClientId"])
    assert client_ids(idp, pool) == [keep["ClientId"]]


def test_unknown_client_and_pool(idp, pool):
    missing = "a" * 26
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool_client(UserPoolId=pool, ClientId=missing)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.update_user_pool_client(UserPoolId=pool, ClientId=missing, ClientName="x")
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.delete_user_pool_client(UserPoolId=pool, ClientId=missing)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.create_user_pool_client(UserPoolId=missing_pool_id(), ClientName=uniq("app"))


def test_client_of_another_pool_is_not_found(idp, make_pool, make_app_client):
    pool_a, pool_b = make_pool()["Id"], make_pool()["Id"]
    client = make_app_client(pool_a)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool_client(UserPoolId=pool_b, ClientId=client["ClientId"])


def test_list_user_pool_clients_paginates(idp, pool, make_app_client):
    created = {make_app_client(pool)["ClientId"] for _ in range(5)}
    seen, pages = [], 0
    for page in idp.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=pool, PaginationConfig={"PageSize": 2}
    ):
        pages += 1
        assert len(page["UserPoolClients"]) <= 2
        for item in page["UserPoolClients"]:
            assert item["UserPoolId"] == pool
            assert item["ClientName"]
            seen.append(item["ClientId"])
    assert pages >= 3
    assert sorted(seen) == sorted(created)


def test_client_secret_rotation(idp, pool, make_app_client):
    client = make_app_client(pool, GenerateSecret=True)
    key = dict(UserPoolId=pool, ClientId=client["ClientId"])

    listed = idp.list_user_pool_client_secrets(**key)["ClientSecrets"]
    assert len(listed) == 1
    assert client["ClientSecret"] not in json.dumps(listed, default=str)  # values are never listed
    original_id = listed[0]["ClientSecretId"]

    added = idp.add_user_pool_client_secret(**key)["ClientSecretDescriptor"]
    assert added["ClientSecretId"] and added["ClientSecretId"] != original_id
    assert CLIENT_SECRET_RE.match(added["ClientSecretValue"])
    assert added["ClientSecretValue"] != client["ClientSecret"]
    assert is_recent(added["ClientSecretCreateDate"])
    listed = idp.list_user_pool_client_secrets(**key)["ClientSecrets"]
    assert {s["ClientSecretId"] for s in listed} == {original_id, added["ClientSecretId"]}
    assert added["ClientSecretValue"] not in json.dumps(listed, default=str)

    # At most two secrets per client.
    with pytest.raises(ClientError) as exc:
        idp.add_user_pool_client_secret(**key)
    assert error_code(exc.value) in ("LimitExceededException", "InvalidParameterException")
    assert len(idp.list_user_pool_client_secrets(**key)["ClientSecrets"]) == 2

    idp.delete_user_pool_client_secret(ClientSecretId=original_id, **key)
    listed = idp.list_user_pool_client_secrets(**key)["ClientSecrets"]
    assert [s["ClientSecretId"] for s in listed] == [added["ClientSecretId"]]

    # The last remaining secret cannot be deleted.
    with pytest.raises(ClientError):
        idp.delete_user_pool_client_secret(ClientSecretId=added["ClientSecretId"], **key)
    assert [s["ClientSecretId"] for s in idp.list_user_pool_client_secrets(**key)["ClientSecrets"]] \
        == [added["ClientSecretId"]]
    # Deleting an unknown or already deleted secret id is an error and changes nothing.
    with pytest.raises(ClientError):
        idp.delete_user_pool_client_secret(ClientSecretId=original_id, **key)
    assert [s["ClientSecretId"] for s in idp.list_user_pool_client_secrets(**key)["ClientSecrets"]] \
        == [added["ClientSecretId"]]


def test_custom_client_secret_value_is_not_echoed(idp, pool, make_app_client):
    client = make_app_client(pool, GenerateSecret=True)
    key = dict(UserPoolId=pool, ClientId=client["ClientId"])
    custom = "CustomSecret" + uniq("v").replace("-", "") + "0123456789"
    added = idp.add_user_pool_client_secret(ClientSecret=custom, **key)["ClientSecretDescriptor"]
    assert added["ClientSecretId"]
    assert "ClientSecretValue" not in added
    assert len(idp.list_user_pool_client_secrets(**key)["ClientSecrets"]) == 2
