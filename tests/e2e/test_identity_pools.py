"""Identity pools (cognito-identity) end to end through boto3: the 23 operations, their errors
and pagination, logins from Cognate user pools, developer identities, identity OpenID tokens
(verified with PyJWT against the JWKS) and role resolution down to usable credentials
(sts get_caller_identity with them).

Helpers: identity_fixtures.py. Clock tests run their own server (--enable-test-clock).
"""

import concurrent.futures
import datetime
import json
import time

import pytest
from botocore.exceptions import ClientError

from helpers import SIGV4_ERRORS, delete_pool_quietly, error_code, http_request, is_recent, uniq
from identity_fixtures import *


def assumed_role_arn(role_arn):
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_arn.rsplit('/', 1)[1]}/CognitoIdentityCredentials"


def caller_arn(url, credentials):
    """The ARN sts get_caller_identity answers for GetCredentialsForIdentity's credentials."""
    assert credentials["AccessKeyId"].startswith("ASIA"), credentials
    assert credentials["SecretKey"] and credentials["SessionToken"], credentials
    assert is_recent(credentials["Expiration"], datetime.timedelta(hours=1, minutes=5)), credentials
    assert credentials["Expiration"] > datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=55)
    return credentials_client("sts", url, credentials).get_caller_identity()["Arn"]


def pool_arn(identity_pool_id):
    return f"arn:aws:cognito-identity:us-east-1:{ACCOUNT}:identitypool/{identity_pool_id}"


def strip(resp):
    resp = dict(resp)
    resp.pop("ResponseMetadata", None)
    return resp


@pytest.fixture
def cid(url):
    return identity_client(url)


@pytest.fixture
def public(url):
    """An unsigned cognito-identity client (as an app without AWS credentials has)."""
    return identity_client(url, unsigned=True)


@pytest.fixture
def pools(url):
    """Identity pools made by the test; deleted afterwards."""
    made = []

    def _make(*user_pools, **kwargs):
        pool = make_identity_pool(url, user_pools, **kwargs)
        made.append(pool["IdentityPoolId"])
        return pool

    yield _make
    for pool_id in made:
        delete_identity_pool_quietly(url, pool_id)


@pytest.fixture
def user_pools(url):
    """make_user_pool(url, ...) for the test; the user pools are deleted afterwards."""
    made = []

    def _make(**kwargs):
        up = make_user_pool(url, **kwargs)
        made.append(up)
        return up

    yield _make
    for up in made:
        delete_pool_quietly(up.idp, up.pool_id)


# ---------------------------------------------------------------------------
# Create / Describe / Update / Delete / List
# ---------------------------------------------------------------------------


def test_create_describe_update_delete_identity_pool(url, cid, pools, user_pools):
    up = user_pools(users=0)
    name = uniq("crud").replace("-", "_")
    created = pools(
        up,
        IdentityPoolName=name,
        allow_unauthenticated=True,
        AllowClassicFlow=True,
        DeveloperProviderName=DEVELOPER_PROVIDER,
        IdentityPoolTags={"team": "e2e"},
    )
    pool_id = created["IdentityPoolId"]
    assert pool_id.startswith("us-east-1:") and len(pool_id) == len("us-east-1:") + 36, created
    expected = {
        "IdentityPoolId": pool_id,
        "IdentityPoolName": name,
        "AllowUnauthenticatedIdentities": True,
        "AllowClassicFlow": True,
        "DeveloperProviderName": DEVELOPER_PROVIDER,
        "CognitoIdentityProviders": [
            {"ProviderName": up.provider, "ClientId": up.client_id, "ServerSideTokenCheck": False}
        ],
        "IdentityPoolTags": {"team": "e2e"},
    }
    for key, value in expected.items():
        assert created[key] == value, (key, created)
    described = strip(cid.describe_identity_pool(IdentityPoolId=pool_id))
    for key, value in expected.items():
        assert described[key] == value, (key, described)

    updated = strip(cid.update_identity_pool(
        IdentityPoolId=pool_id,
        IdentityPoolName=name + "_v2",
        AllowUnauthenticatedIdentities=False,
        DeveloperProviderName=DEVELOPER_PROVIDER,
        CognitoIdentityProviders=[],
    ))
    assert updated["IdentityPoolName"] == name + "_v2"
    assert updated["AllowUnauthenticatedIdentities"] is False
    described = strip(cid.describe_identity_pool(IdentityPoolId=pool_id))
    assert described["IdentityPoolName"] == name + "_v2"
    assert described["AllowUnauthenticatedIdentities"] is False
    assert not described.get("CognitoIdentityProviders"), described

    cid.delete_identity_pool(IdentityPoolId=pool_id)
    expect_error("ResourceNotFoundException", cid.describe_identity_pool, IdentityPoolId=pool_id,
                 message=f"IdentityPool '{pool_id}' not found.")
    expect_error("ResourceNotFoundException", cid.delete_identity_pool, IdentityPoolId=pool_id)
    expect_error("ResourceNotFoundException", cid.update_identity_pool, IdentityPoolId=pool_id,
                 IdentityPoolName=name, AllowUnauthenticatedIdentities=True)


def test_delete_identity_pool_deletes_its_identities(url, cid, public, user_pools):
    up = user_pools(users=1)
    pool_id = make_identity_pool(url, [up], allow_unauthenticated=True)["IdentityPoolId"]
    guest = public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    user = public.get_id(IdentityPoolId=pool_id, Logins=up.users[0].login)["IdentityId"]
    cid.describe_identity(IdentityId=guest)
    cid.delete_identity_pool(IdentityPoolId=pool_id)
    for identity_id in (guest, user):
        expect_error("ResourceNotFoundException", cid.describe_identity, IdentityId=identity_id)
        expect_error("ResourceNotFoundException", public.get_credentials_for_identity, IdentityId=identity_id)
    expect_error("ResourceNotFoundException", public.get_id, IdentityPoolId=pool_id)
    expect_error("ResourceNotFoundException", cid.list_identities, IdentityPoolId=pool_id, MaxResults=10)


def test_identity_pool_errors(url, cid, pools):
    missing = "us-east-1:00000000-0000-4000-8000-000000000000"
    expect_error("ResourceNotFoundException", cid.describe_identity_pool, IdentityPoolId=missing,
                 message=f"IdentityPool '{missing}' not found.")
    # Names are [\w\s+=,.@-]+ (botocore checks only the length).
    expect_error("InvalidParameterException", cid.create_identity_pool,
                 IdentityPoolName="bad/name!", AllowUnauthenticatedIdentities=False)
    # A user-pool provider must name a user pool.
    expect_error("InvalidParameterException", cid.create_identity_pool,
                 IdentityPoolName=uniq("bad").replace("-", "_"), AllowUnauthenticatedIdentities=False,
                 CognitoIdentityProviders=[{"ProviderName": "not a provider", "ClientId": "abc"}])


def test_model_validation_errors(url, cid, pools):
    pool_id = pools(DeveloperProviderName=DEVELOPER_PROVIDER)["IdentityPoolId"]
    invalid = "InvalidParameterException"
    expect_error(invalid, cid.list_identity_pools, MaxResults=61, message="maxResults")
    expect_error(invalid, cid.list_identities, IdentityPoolId=pool_id, MaxResults=61, message="maxResults")
    expect_error(invalid, cid.lookup_developer_identity, IdentityPoolId=pool_id, DeveloperUserIdentifier="u",
                 MaxResults=61, message="maxResults")
    expect_error(invalid, cid.describe_identity_pool, IdentityPoolId="no-colon", message="identityPoolId")
    expect_error(invalid, cid.describe_identity, IdentityId="no-colon", message="identityId")
    expect_error(invalid, cid.get_open_id_token_for_developer_identity, IdentityPoolId=pool_id,
                 Logins={DEVELOPER_PROVIDER: "u"}, TokenDuration=86401, message="tokenDuration")
    # Mappings need their parts.
    expect_error(invalid, cid.set_identity_pool_roles, IdentityPoolId=pool_id, Roles={},
                 RoleMappings={"graph.facebook.com": {"Type": "Token"}})
    expect_error(invalid, cid.set_identity_pool_roles, IdentityPoolId=pool_id, Roles={},
                 RoleMappings={"graph.facebook.com": {"Type": "Rules", "AmbiguousRoleResolution": "Deny"}})
    # The developer provider name cannot change once set.
    expect_error(invalid, cid.update_identity_pool, IdentityPoolId=pool_id, IdentityPoolName="renamed",
                 AllowUnauthenticatedIdentities=False, DeveloperProviderName="other.provider")
    assert cid.describe_identity_pool(IdentityPoolId=pool_id)["DeveloperProviderName"] == DEVELOPER_PROVIDER


def test_list_identity_pools_paginates_each_pool_once(url, cid, pools):
    mine = {pools()["IdentityPoolId"] for _ in range(5)}
    seen = []
    token = None
    pages = 0
    while True:
        kwargs = {"MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        page = cid.list_identity_pools(**kwargs)
        pages += 1
        assert len(page["IdentityPools"]) <= 2, page
        for p in page["IdentityPools"]:
            assert set(p) == {"IdentityPoolId", "IdentityPoolName"}, p
        seen.extend(p["IdentityPoolId"] for p in page["IdentityPools"])
        token = page.get("NextToken")
        if not token:
            break
        assert pages < 10000
    assert pages >= 3
    for pool_id in mine:
        assert seen.count(pool_id) == 1, (pool_id, seen)
    # botocore's paginator walks the same pages.
    paginated = [p["IdentityPoolId"] for page in cid.get_paginator("list_identity_pools").paginate(
        PaginationConfig={"PageSize": 3}) for p in page["IdentityPools"]]
    assert mine <= set(paginated) and len(paginated) == len(set(paginated))
    expect_error("InvalidParameterException", cid.list_identity_pools, MaxResults=2, NextToken="garbage!")


# ---------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------


def test_tag_untag_list_tags(cid, pools):
    pool_id = pools(IdentityPoolTags={"a": "1"})["IdentityPoolId"]
    arn = pool_arn(pool_id)
    assert cid.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"a": "1"}
    cid.tag_resource(ResourceArn=arn, Tags={"b": "2", "a": "10"})
    assert cid.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"a": "10", "b": "2"}
    assert cid.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolTags"] == {"a": "10", "b": "2"}
    cid.untag_resource(ResourceArn=arn, TagKeys=["a", "never-set"])
    assert cid.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"b": "2"}
    cid.untag_resource(ResourceArn=arn, TagKeys=["b"])
    assert cid.list_tags_for_resource(ResourceArn=arn).get("Tags", {}) == {}

    missing = pool_arn("us-east-1:00000000-0000-4000-8000-000000000000")
    expect_error("ResourceNotFoundException", cid.list_tags_for_resource, ResourceArn=missing)
    expect_error("ResourceNotFoundException", cid.tag_resource, ResourceArn=missing, Tags={"x": "y"})
    expect_error("ResourceNotFoundException", cid.untag_resource, ResourceArn=missing, TagKeys=["x"])
    expect_error("InvalidParameterException", cid.tag_resource,
                 ResourceArn="arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc", Tags={"x": "y"})
    too_many = {f"k{i}": "v" for i in range(51)}
    expect_error("LimitExceededException", cid.tag_resource, ResourceArn=arn, Tags=too_many)


# ---------------------------------------------------------------------------
# Roles and principal tags configuration
# ---------------------------------------------------------------------------


def test_set_get_identity_pool_roles_with_mappings(url, cid, pools, user_pools):
    up = user_pools(users=0)
    up2 = user_pools(users=0)
    pool_id = pools(up, up2)["IdentityPoolId"]
    roles = create_roles(url, pool_id, set_roles=False)
    admin_role = create_role(url, pool_id)
    mappings = {
        mapping_key(up.pool_id, up.client_id): {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"},
        mapping_key(up2.pool_id, up2.client_id): {
            "Type": "Rules",
            "AmbiguousRoleResolution": "Deny",
            "RulesConfiguration": {"Rules": [
                {"Claim": "cognito:groups", "MatchType": "Contains", "Value": "admins", "RoleARN": admin_role},
                {"Claim": "email", "MatchType": "StartsWith", "Value": "ops", "RoleARN": roles["authenticated"]},
            ]},
        },
    }
    cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, RoleMappings=mappings)
    got = strip(cid.get_identity_pool_roles(IdentityPoolId=pool_id))
    assert got == {"IdentityPoolId": pool_id, "Roles": roles, "RoleMappings": mappings}

    # Replaced as a whole.
    cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": admin_role})
    got = strip(cid.get_identity_pool_roles(IdentityPoolId=pool_id))
    assert got["Roles"] == {"authenticated": admin_role}
    assert not got.get("RoleMappings"), got

    exc = expect_error("InvalidParameterException", cid.set_identity_pool_roles, IdentityPoolId=pool_id,
                       Roles={"administrator": admin_role})
    assert "administrator" in exc.response["Error"]["Message"]
    missing = "us-east-1:00000000-0000-4000-8000-000000000000"
    expect_error("ResourceNotFoundException", cid.get_identity_pool_roles, IdentityPoolId=missing)
    expect_error("ResourceNotFoundException", cid.set_identity_pool_roles, IdentityPoolId=missing, Roles=roles)


def test_principal_tag_attribute_map(url, cid, pools, user_pools):
    up = user_pools(users=0)
    pool_id = pools(up)["IdentityPoolId"]
    got = strip(cid.set_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName=up.provider,
                                                    UseDefaults=True))
    assert got["UseDefaults"] is True and got["IdentityProviderName"] == up.provider
    got = strip(cid.get_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName=up.provider))
    assert got["IdentityPoolId"] == pool_id and got["UseDefaults"] is True, got
    assert got["PrincipalTags"] == {"username": "sub", "client": "aud"}, got

    tags = {"dept": "custom:dept", "user": "sub"}
    cid.set_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName=up.provider,
                                        UseDefaults=False, PrincipalTags=tags)
    got = strip(cid.get_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName=up.provider))
    assert got["UseDefaults"] is False and got["PrincipalTags"] == tags, got
    expect_error("ResourceNotFoundException", cid.get_principal_tag_attribute_map,
                 IdentityPoolId="us-east-1:00000000-0000-4000-8000-000000000000",
                 IdentityProviderName=up.provider)
    other = user_pools(users=0)
    expect_error("InvalidParameterException", cid.set_principal_tag_attribute_map, IdentityPoolId=pool_id,
                 IdentityProviderName=other.provider, UseDefaults=True)


# ---------------------------------------------------------------------------
# GetId
# ---------------------------------------------------------------------------


def test_get_id_is_stable_per_user(url, public, pools, user_pools):
    up = user_pools(users=2)
    pool_id = pools(up)["IdentityPoolId"]
    a, b = up.users
    first = public.get_id(IdentityPoolId=pool_id, Logins=a.login)["IdentityId"]
    assert first.startswith("us-east-1:")
    assert public.get_id(IdentityPoolId=pool_id, Logins=a.login)["IdentityId"] == first
    # A new sign-in (another ID token) is the same user.
    again = sign_in(up.idp, up.client_id, a.username)["IdToken"]
    assert again != a.id_token
    assert public.get_id(IdentityPoolId=pool_id, Logins={up.provider: again})["IdentityId"] == first
    other = public.get_id(IdentityPoolId=pool_id, Logins=b.login)["IdentityId"]
    assert other != first
    # The account id is optional and accepted.
    assert public.get_id(AccountId=ACCOUNT, IdentityPoolId=pool_id, Logins=a.login)["IdentityId"] == first


def test_concurrent_first_get_id_agrees_on_one_identity(url, cid, pools, user_pools):
    """A user's first sign-in from several app instances at once (8 concurrent GetId, three
    users): one identity per user."""
    up = user_pools(users=3)
    pool_id = pools(up)["IdentityPoolId"]
    clients = [identity_client(url, unsigned=True) for _ in range(8)]
    every = set()
    for user in up.users:
        with concurrent.futures.ThreadPoolExecutor(8) as executor:
            ids = set(executor.map(
                lambda c: c.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"], clients))
        assert len(ids) == 1, (user.username, ids)
        every |= ids
    listed = {i["IdentityId"] for i in cid.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]}
    assert listed == every, listed


def test_get_id_guest_only_when_allowed(url, cid, public, pools):
    closed = pools()["IdentityPoolId"]
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=closed,
                 message="Unauthenticated access is not supported for this identity pool.")
    open_ = pools(allow_unauthenticated=True)["IdentityPoolId"]
    one = public.get_id(IdentityPoolId=open_)["IdentityId"]
    two = public.get_id(IdentityPoolId=open_)["IdentityId"]
    assert one != two  # each guest call is a new identity
    described = cid.describe_identity(IdentityId=one)
    assert not described.get("Logins"), described
    # Guests go once the pool stops allowing them.
    cid.update_identity_pool(IdentityPoolId=open_, IdentityPoolName=uniq("closed").replace("-", "_"),
                             AllowUnauthenticatedIdentities=False)
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=open_)
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=one)
    expect_error("ResourceNotFoundException", public.get_id,
                 IdentityPoolId="us-east-1:00000000-0000-4000-8000-000000000000")


def test_get_id_refuses_another_app_clients_token(url, public, pools, user_pools):
    up = user_pools(users=1)
    other_client = up.idp.create_user_pool_client(
        UserPoolId=up.pool_id, ClientName=uniq("other"), ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    token = sign_in(up.idp, other_client, up.users[0].username)["IdToken"]
    pool_id = pools(up)["IdentityPoolId"]
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool_id, Logins={up.provider: token},
                 message="Invalid login token. Incorrect token audience.")


def test_token_of_another_user_pool_refused(url, public, pools, user_pools):
    a = user_pools(users=1)
    b = user_pools(users=1)
    pool_id = pools(b)["IdentityPoolId"]
    # Under its own provider name: not a provider of this identity pool.
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool_id, Logins=a.users[0].login,
                 message="Token is not from a supported provider of this identity pool.")
    # Under B's provider name: the issuer is not B.
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool_id,
                 Logins={b.provider: a.users[0].id_token})
    # Access tokens are not ID tokens.
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool_id,
                 Logins={b.provider: b.users[0].access_token})
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool_id,
                 Logins={b.provider: "not-a-jwt"},
                 message="Invalid login token. Not a valid OpenId Connect identity token.")
    # B's own user works.
    assert public.get_id(IdentityPoolId=pool_id, Logins=b.users[0].login)["IdentityId"]


def test_server_side_token_check_refuses_signed_out_user(url, public, pools, user_pools):
    up = user_pools(users=1)
    pool_id = pools(CognitoIdentityProviders=[provider_entry(up, server_side_token_check=True)])["IdentityPoolId"]
    user = up.users[0]
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
    up.idp.admin_user_global_sign_out(UserPoolId=up.pool_id, Username=user.username)
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool_id, Logins=user.login)
    fresh = sign_in(up.idp, up.client_id, user.username)["IdToken"]
    assert public.get_id(IdentityPoolId=pool_id, Logins={up.provider: fresh})["IdentityId"] == identity_id


def test_forged_social_login_refused(url, public, pools):
    pool_id = pools(SupportedLoginProviders={"accounts.google.com": "client.apps.googleusercontent.com"})["IdentityPoolId"]
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool_id,
                 Logins={"accounts.google.com": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"})


def test_deleted_or_disabled_user_refused(url, public, pools, user_pools):
    up = user_pools(users=2)
    pool_id = pools(up)["IdentityPoolId"]
    disabled, deleted = up.users
    up.idp.admin_disable_user(UserPoolId=up.pool_id, Username=disabled.username)
    up.idp.admin_delete_user(UserPoolId=up.pool_id, Username=deleted.username)
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool_id, Logins=disabled.login)
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool_id, Logins=deleted.login)


def test_amplify_key_alias(url, cid, public, pools, user_pools):
    up = user_pools(users=1)
    pool_id = pools(up)["IdentityPoolId"]
    user = up.users[0]
    by_provider = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
    iss = unverified_claims(user.id_token)["iss"]
    alias = iss.split("://", 1)[1]
    assert alias.endswith("/" + up.pool_id)
    assert public.get_id(IdentityPoolId=pool_id, Logins={alias: user.id_token})["IdentityId"] == by_provider
    roles = create_roles(url, pool_id)
    creds = public.get_credentials_for_identity(IdentityId=by_provider, Logins={alias: user.id_token})
    assert caller_arn(url, creds["Credentials"]) == assumed_role_arn(roles["authenticated"])


def test_expired_tokens_refused(tmp_path, server_factory):
    srv = server_factory(tmp_path / "data", extra_args=["--enable-test-clock"])
    url = srv.url
    cid = identity_client(url)
    public = identity_client(url, unsigned=True)
    up = make_user_pool(url, users=1)
    pool_id = make_identity_pool(url, [up], DeveloperProviderName=DEVELOPER_PROVIDER)["IdentityPoolId"]
    create_roles(url, pool_id)
    user = up.users[0]
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
    dev = cid.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: "u1"},
                                                       TokenDuration=1000)
    advance_clock(url, 1001)
    # The identity token lasted 1000 s.
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=dev["IdentityId"],
                 Logins={COGNITO_IDENTITY: dev["Token"]})
    # The ID token lasts an hour.
    assert public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"] == identity_id
    advance_clock(url, 3600)
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool_id, Logins=user.login,
                 message="Invalid login token. Token expired")
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=identity_id,
                 Logins=user.login, message="Token expired")
    fresh = sign_in(up.idp, up.client_id, user.username)["IdToken"]
    assert public.get_id(IdentityPoolId=pool_id, Logins={up.provider: fresh})["IdentityId"] == identity_id


# ---------------------------------------------------------------------------
# DescribeIdentity / ListIdentities / DeleteIdentities
# ---------------------------------------------------------------------------


def test_describe_identity(url, cid, public, pools, user_pools):
    up = user_pools(users=1)
    pool_id = pools(up)["IdentityPoolId"]
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=up.users[0].login)["IdentityId"]
    d = cid.describe_identity(IdentityId=identity_id)
    assert d["IdentityId"] == identity_id
    assert d["Logins"] == [up.provider], d
    assert is_recent(d["CreationDate"]) and is_recent(d["LastModifiedDate"]), d
    missing = "us-east-1:00000000-0000-4000-8000-000000000000"
    expect_error("ResourceNotFoundException", cid.describe_identity, IdentityId=missing,
                 message=f"Identity '{missing}' not found.")


def test_list_identities_paginates(url, cid, public, pools, user_pools):
    up = user_pools(users=2)
    pool_id = pools(up, allow_unauthenticated=True)["IdentityPoolId"]
    mine = {public.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(3)}
    mine |= {public.get_id(IdentityPoolId=pool_id, Logins=u.login)["IdentityId"] for u in up.users}
    assert len(mine) == 5
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"IdentityPoolId": pool_id, "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        page = cid.list_identities(**kwargs)
        pages += 1
        assert page["IdentityPoolId"] == pool_id
        assert len(page["Identities"]) <= 2
        seen.extend(i["IdentityId"] for i in page["Identities"])
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3 and sorted(seen) == sorted(mine), (pages, seen)
    by_id = {i["IdentityId"]: i for i in cid.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]}
    assert set(by_id) == mine
    logged_in = [i for i in by_id.values() if i.get("Logins")]
    assert len(logged_in) == 2 and all(i["Logins"] == [up.provider] for i in logged_in)
    expect_error("ResourceNotFoundException", cid.list_identities,
                 IdentityPoolId="us-east-1:00000000-0000-4000-8000-000000000000", MaxResults=5)


def test_unlink_identity_last_login_disables(url, cid, public, pools, user_pools):
    up = user_pools(users=2)
    pool_id = pools(up)["IdentityPoolId"]
    create_roles(url, pool_id)
    gone, kept = up.users
    gone_id = public.get_id(IdentityPoolId=pool_id, Logins=gone.login)["IdentityId"]
    kept_id = public.get_id(IdentityPoolId=pool_id, Logins=kept.login)["IdentityId"]
    # Unsigned, proved by the identity's own login.
    public.unlink_identity(IdentityId=gone_id, Logins=gone.login, LoginsToRemove=[up.provider])
    d = cid.describe_identity(IdentityId=gone_id)
    assert not d.get("Logins"), d
    visible = {i["IdentityId"] for i in cid.list_identities(IdentityPoolId=pool_id, MaxResults=60,
                                                             HideDisabled=True)["Identities"]}
    assert visible == {kept_id}
    every = {i["IdentityId"] for i in cid.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]}
    assert every == {gone_id, kept_id}
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=gone_id,
                 message=f"Access to Identity '{gone_id}' is forbidden.")
    # The login is free again: it gets a new identity.
    again = public.get_id(IdentityPoolId=pool_id, Logins=gone.login)["IdentityId"]
    assert again not in (gone_id, kept_id)
    # Unlinking needs the identity's own login.
    expect_error("NotAuthorizedException", public.unlink_identity, IdentityId=kept_id, Logins=gone.login,
                 LoginsToRemove=[up.provider])


def test_delete_identities(url, cid, public, pools, user_pools):
    up = user_pools(users=1)
    pool_id = pools(up, allow_unauthenticated=True)["IdentityPoolId"]
    guest = public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    user_id = public.get_id(IdentityPoolId=pool_id, Logins=up.users[0].login)["IdentityId"]
    keep = public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    resp = cid.delete_identities(IdentityIdsToDelete=[guest, user_id])
    assert resp.get("UnprocessedIdentityIds", []) == []
    for identity_id in (guest, user_id):
        expect_error("ResourceNotFoundException", cid.describe_identity, IdentityId=identity_id)
    left = {i["IdentityId"] for i in cid.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]}
    assert left == {keep}
    # The user's login is free: a new identity.
    assert public.get_id(IdentityPoolId=pool_id, Logins=up.users[0].login)["IdentityId"] != user_id


# ---------------------------------------------------------------------------
# GetOpenIdToken
# ---------------------------------------------------------------------------


def test_get_open_id_token_authenticated(url, public, pools, user_pools):
    up = user_pools(users=1)
    pool_id = pools(up)["IdentityPoolId"]
    user = up.users[0]
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
    resp = public.get_open_id_token(IdentityId=identity_id, Logins=user.login)
    assert resp["IdentityId"] == identity_id
    claims = verify_identity_token(url, resp["Token"], pool_id)
    assert claims["iss"] == f"{url}/identity"
    assert claims["aud"] == pool_id
    assert claims["sub"] == identity_id
    assert claims["amr"] == ["authenticated", up.provider, f"{up.provider}:CognitoSignIn:{user.sub}"], claims
    assert claims["exp"] - claims["iat"] == 600, claims
    assert abs(claims["iat"] - time.time()) < 300
    # Without logins, an authenticated identity is refused.
    expect_error("NotAuthorizedException", public.get_open_id_token, IdentityId=identity_id,
                 message="Logins don't match. Please include at least one valid login for this identity or identity pool.")
    discovery = json.loads(http_request(url, "GET", "/identity/.well-known/openid-configuration").text)
    assert discovery["issuer"] == f"{url}/identity"
    assert discovery["jwks_uri"] == f"{url}/identity/.well-known/jwks_uri"


def test_get_open_id_token_guest_and_classic_flow(url, cid, public, pools):
    pool_id = pools(allow_unauthenticated=True)["IdentityPoolId"]
    guest = public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    claims = verify_identity_token(url, public.get_open_id_token(IdentityId=guest)["Token"], pool_id)
    assert claims["sub"] == guest and claims["amr"] == ["unauthenticated"], claims
    closed = pools(allow_unauthenticated=True, AllowClassicFlow=False)["IdentityPoolId"]
    guest = public.get_id(IdentityPoolId=closed)["IdentityId"]
    expect_error("InvalidParameterException", public.get_open_id_token, IdentityId=guest,
                 message="Basic (classic) flow is not enabled, please use enhanced flow.")
    expect_error("ResourceNotFoundException", public.get_open_id_token,
                 IdentityId="us-east-1:00000000-0000-4000-8000-000000000000")


def test_principal_tags_in_open_id_token(url, cid, public, pools, user_pools):
    up = user_pools(users=1)
    pool_id = pools(up)["IdentityPoolId"]
    cid.set_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName=up.provider, UseDefaults=True)
    user = up.users[0]
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
    claims = verify_identity_token(url, public.get_open_id_token(IdentityId=identity_id, Logins=user.login)["Token"],
                                   pool_id)
    tags = claims["https://aws.amazon.com/tags"]["principal_tags"]
    assert tags == {"username": [user.sub], "client": [up.client_id]}, claims


# ---------------------------------------------------------------------------
# Developer identities
# ---------------------------------------------------------------------------


def test_developer_identity_token_and_credentials(url, cid, public, pools):
    pool_id = pools(DeveloperProviderName=DEVELOPER_PROVIDER)["IdentityPoolId"]
    roles = create_roles(url, pool_id)
    user = uniq("dev-user")
    resp = cid.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: user}, TokenDuration=1200,
        PrincipalTags={"department": "research"},
    )
    identity_id = resp["IdentityId"]
    claims = verify_identity_token(url, resp["Token"], pool_id)
    assert claims["sub"] == identity_id
    assert claims["exp"] - claims["iat"] == 1200, claims
    assert claims["amr"] == ["authenticated", DEVELOPER_PROVIDER, f"{DEVELOPER_PROVIDER}:{pool_id}:{user}"], claims
    assert claims["https://aws.amazon.com/tags"]["principal_tags"] == {"department": ["research"]}, claims
    # The same developer user is the same identity; the default duration is 15 min.
    again = cid.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: user})
    assert again["IdentityId"] == identity_id
    c2 = verify_identity_token(url, again["Token"], pool_id)
    assert c2["exp"] - c2["iat"] == 900
    d = cid.describe_identity(IdentityId=identity_id)
    assert d["Logins"] == [DEVELOPER_PROVIDER], d
    # The identity token is the login of GetCredentialsForIdentity.
    creds = public.get_credentials_for_identity(IdentityId=identity_id, Logins={COGNITO_IDENTITY: resp["Token"]})
    assert creds["IdentityId"] == identity_id
    assert caller_arn(url, creds["Credentials"]) == assumed_role_arn(roles["authenticated"])
    # ...and of GetId.
    assert public.get_id(IdentityPoolId=pool_id, Logins={COGNITO_IDENTITY: resp["Token"]})["IdentityId"] == identity_id
    # A tampered token, or one for another identity, is refused.
    head, body, sig = resp["Token"].split(".")
    forged = f"{head}.{body}.{sig[:-4]}{'AAAA' if sig[-4:] != 'AAAA' else 'BBBB'}"
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=identity_id,
                 Logins={COGNITO_IDENTITY: forged})
    other = cid.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id,
                                                         Logins={DEVELOPER_PROVIDER: uniq("other")})
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=identity_id,
                 Logins={COGNITO_IDENTITY: other["Token"]})


def test_cognito_identity_token_must_be_the_only_login(url, cid, public, pools, user_pools):
    """identity_context.md: `cognito-identity.amazonaws.com` ... (must be the only login)."""
    up = user_pools(users=1)
    pool_id = pools(up, DeveloperProviderName=DEVELOPER_PROVIDER)["IdentityPoolId"]
    create_roles(url, pool_id)
    resp = cid.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id,
                                                        Logins={DEVELOPER_PROVIDER: uniq("dev")})
    identity_id = resp["IdentityId"]
    extra = {COGNITO_IDENTITY: resp["Token"], **up.users[0].login}
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=identity_id,
                 Logins=extra)
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool_id, Logins=extra)
    expect_error("NotAuthorizedException", public.get_open_id_token, IdentityId=identity_id, Logins=extra)
    # The user pool login was not linked on the way.
    assert cid.describe_identity(IdentityId=identity_id)["Logins"] == [DEVELOPER_PROVIDER]


def test_principal_tags_need_tag_session_in_trust(url, cid, public, pools):
    """With principal tags, the role's trust policy must also allow sts:TagSession."""
    pool_id = pools(DeveloperProviderName=DEVELOPER_PROVIDER)["IdentityPoolId"]
    trust = cognito_trust_policy(pool_id)
    trust["Statement"][0]["Action"] = "sts:AssumeRoleWithWebIdentity"
    role = create_role(url, pool_id, trust=trust)
    cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": role})
    plain = cid.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: uniq("u")})
    creds = public.get_credentials_for_identity(IdentityId=plain["IdentityId"], Logins={COGNITO_IDENTITY: plain["Token"]})
    assert caller_arn(url, creds["Credentials"]) == assumed_role_arn(role)
    tagged = cid.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: uniq("u")},
                                                          PrincipalTags={"dept": "x"})
    expect_error("InvalidIdentityPoolConfigurationException", public.get_credentials_for_identity,
                 IdentityId=tagged["IdentityId"], Logins={COGNITO_IDENTITY: tagged["Token"]})


def test_developer_identity_errors(url, cid, public, pools):
    # A provider name the pool does not have is not a supported provider (Cognito's answer).
    no_dev = pools()["IdentityPoolId"]
    expect_error("NotAuthorizedException", cid.get_open_id_token_for_developer_identity,
                 IdentityPoolId=no_dev, Logins={DEVELOPER_PROVIDER: "u"},
                 message="Token is not from a supported provider of this identity pool.")
    pool_id = pools(DeveloperProviderName=DEVELOPER_PROVIDER)["IdentityPoolId"]
    expect_error("NotAuthorizedException", cid.get_open_id_token_for_developer_identity,
                 IdentityPoolId=pool_id, Logins={"other.developer": "u"})
    expect_error("InvalidParameterException", cid.get_open_id_token_for_developer_identity,
                 IdentityPoolId=pool_id, Logins={})
    # Only IAM-signed callers speak for the developer provider.
    code = error_code_of(public.get_open_id_token_for_developer_identity,
                         IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: "u"})
    assert code in SIGV4_ERRORS, code
    # A developer login is not accepted by the public operations.
    expect_error("NotAuthorizedException", public.get_id, IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: "u"})
    expect_error("ResourceNotFoundException", cid.get_open_id_token_for_developer_identity,
                 IdentityPoolId="us-east-1:00000000-0000-4000-8000-000000000000", Logins={DEVELOPER_PROVIDER: "u"})


def error_code_of(fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as exc:
        return error_code(exc)
    raise AssertionError("the call succeeded")


def test_lookup_developer_identity(url, cid, pools):
    pool_id = pools(DeveloperProviderName=DEVELOPER_PROVIDER)["IdentityPoolId"]
    user = uniq("dev")
    identity_id = cid.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: user})["IdentityId"]
    by_user = cid.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier=user, MaxResults=10)
    assert by_user["IdentityId"] == identity_id and by_user["DeveloperUserIdentifierList"] == [user]
    by_id = cid.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=identity_id, MaxResults=10)
    assert by_id["IdentityId"] == identity_id and by_id["DeveloperUserIdentifierList"] == [user]
    one = cid.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=identity_id, MaxResults=1)
    assert one["DeveloperUserIdentifierList"] == [user] and not one.get("NextToken"), one
    expect_error("ResourceNotFoundException", cid.lookup_developer_identity, IdentityPoolId=pool_id,
                 DeveloperUserIdentifier=uniq("nobody"), MaxResults=10)
    no_dev = pools()["IdentityPoolId"]
    expect_error("InvalidParameterException", cid.lookup_developer_identity, IdentityPoolId=no_dev,
                 DeveloperUserIdentifier=user, MaxResults=10)
    # An identity of another pool is not found in this one.
    other = pools(DeveloperProviderName=DEVELOPER_PROVIDER)["IdentityPoolId"]
    expect_error("ResourceNotFoundException", cid.lookup_developer_identity, IdentityPoolId=other,
                 IdentityId=identity_id, MaxResults=10)
    expect_error("ResourceNotFoundException", cid.lookup_developer_identity, IdentityPoolId=other,
                 DeveloperUserIdentifier=user, MaxResults=10)
    expect_error("InvalidParameterException", cid.lookup_developer_identity, IdentityPoolId=pool_id, MaxResults=10)


def test_merge_developer_identities_and_lookup_pagination(url, cid, pools):
    """Cognito: "Cognito supports the association of multiple developer user identifiers with an
    identity ID" (LookupDeveloperIdentity); MergeDeveloperIdentities merges two developer users'
    identities into the destination's, which then lists both identifiers."""
    pool_id = pools(DeveloperProviderName=DEVELOPER_PROVIDER)["IdentityPoolId"]
    users = sorted(uniq(f"dev{i}") for i in range(3))
    ids = [cid.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: u})
           ["IdentityId"] for u in users]
    assert len(set(ids)) == 3
    for source in users[1:]:
        merged = cid.merge_developer_identities(SourceUserIdentifier=source, DestinationUserIdentifier=users[0],
                                                DeveloperProviderName=DEVELOPER_PROVIDER, IdentityPoolId=pool_id)
        assert merged["IdentityId"] == ids[0]
    for u in users:
        assert cid.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier=u,
                                             MaxResults=10)["IdentityId"] == ids[0]
    seen, token = [], None
    while True:
        kwargs = {"IdentityPoolId": pool_id, "IdentityId": ids[0], "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        page = cid.lookup_developer_identity(**kwargs)
        assert len(page["DeveloperUserIdentifierList"]) <= 2
        seen.extend(page["DeveloperUserIdentifierList"])
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == users
    expect_error("ResourceNotFoundException", cid.merge_developer_identities, SourceUserIdentifier=uniq("none"),
                 DestinationUserIdentifier=users[0], DeveloperProviderName=DEVELOPER_PROVIDER, IdentityPoolId=pool_id)


def test_merge_developer_identities_single(url, cid, pools):
    pool_id = pools(DeveloperProviderName=DEVELOPER_PROVIDER)["IdentityPoolId"]
    src, dst = uniq("src"), uniq("dst")
    src_id = cid.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: src})["IdentityId"]
    dst_id = cid.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: dst})["IdentityId"]
    resp = cid.merge_developer_identities(SourceUserIdentifier=src, DestinationUserIdentifier=dst,
                                          DeveloperProviderName=DEVELOPER_PROVIDER, IdentityPoolId=pool_id)
    assert resp["IdentityId"] == dst_id
    again = cid.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: src})
    assert again["IdentityId"] == dst_id
    assert src_id != dst_id
    expect_error("InvalidParameterException", cid.merge_developer_identities, SourceUserIdentifier=src,
                 DestinationUserIdentifier=dst, DeveloperProviderName="other.provider", IdentityPoolId=pool_id)


def test_unlink_developer_identity(url, cid, pools):
    pool_id = pools(DeveloperProviderName=DEVELOPER_PROVIDER)["IdentityPoolId"]
    user = uniq("dev")
    identity_id = cid.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: user})["IdentityId"]
    cid.unlink_developer_identity(IdentityId=identity_id, IdentityPoolId=pool_id,
                                  DeveloperProviderName=DEVELOPER_PROVIDER, DeveloperUserIdentifier=user)
    expect_error("ResourceNotFoundException", cid.lookup_developer_identity, IdentityPoolId=pool_id,
                 DeveloperUserIdentifier=user, MaxResults=10)
    hidden = {i["IdentityId"] for i in cid.list_identities(IdentityPoolId=pool_id, MaxResults=60,
                                                            HideDisabled=True)["Identities"]}
    assert identity_id not in hidden
    # Unlinked twice: nothing to unlink.
    expect_error("ResourceNotFoundException", cid.unlink_developer_identity, IdentityId=identity_id,
                 IdentityPoolId=pool_id, DeveloperProviderName=DEVELOPER_PROVIDER, DeveloperUserIdentifier=user)
    # The developer user gets a new identity.
    new_id = cid.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id,
                                                          Logins={DEVELOPER_PROVIDER: user})["IdentityId"]
    assert new_id != identity_id


def test_developer_token_links_user_pool_login(url, cid, public, pools, user_pools):
    """GetOpenIdTokenForDeveloperIdentity with IdentityId links the developer login to an
    identity that signed in with a user pool."""
    up = user_pools(users=1)
    pool_id = pools(up, DeveloperProviderName=DEVELOPER_PROVIDER)["IdentityPoolId"]
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=up.users[0].login)["IdentityId"]
    dev_user = uniq("dev")
    resp = cid.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, IdentityId=identity_id,
                                                        Logins={DEVELOPER_PROVIDER: dev_user})
    assert resp["IdentityId"] == identity_id
    assert sorted(cid.describe_identity(IdentityId=identity_id)["Logins"]) == sorted([up.provider, DEVELOPER_PROVIDER])
    assert cid.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier=dev_user,
                                         MaxResults=5)["IdentityId"] == identity_id


# ---------------------------------------------------------------------------
# GetCredentialsForIdentity and role resolution
# ---------------------------------------------------------------------------


def test_credentials_authenticated_and_guest(url, cid, public, pools, user_pools):
    up = user_pools(users=1)
    pool_id = pools(up, allow_unauthenticated=True)["IdentityPoolId"]
    roles = create_roles(url, pool_id)
    user = up.users[0]
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
    creds = public.get_credentials_for_identity(IdentityId=identity_id, Logins=user.login)
    assert creds["IdentityId"] == identity_id
    assert caller_arn(url, creds["Credentials"]) == assumed_role_arn(roles["authenticated"])
    ident = credentials_client("sts", url, creds["Credentials"]).get_caller_identity()
    assert ident["Account"] == ACCOUNT and ident["UserId"].endswith(":CognitoIdentityCredentials")
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=identity_id,
                 message="Logins don't match")

    guest = public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    creds = public.get_credentials_for_identity(IdentityId=guest)
    assert caller_arn(url, creds["Credentials"]) == assumed_role_arn(roles["unauthenticated"])
    expect_error("ResourceNotFoundException", public.get_credentials_for_identity,
                 IdentityId="us-east-1:00000000-0000-4000-8000-000000000000")


def test_guest_identity_becomes_authenticated(url, cid, public, pools, user_pools):
    up = user_pools(users=2)
    pool_id = pools(up, allow_unauthenticated=True)["IdentityPoolId"]
    roles = create_roles(url, pool_id)
    a, b = up.users
    guest = public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    creds = public.get_credentials_for_identity(IdentityId=guest, Logins=a.login)
    assert creds["IdentityId"] == guest
    assert caller_arn(url, creds["Credentials"]) == assumed_role_arn(roles["authenticated"])
    assert cid.describe_identity(IdentityId=guest)["Logins"] == [up.provider]
    assert public.get_id(IdentityPoolId=pool_id, Logins=a.login)["IdentityId"] == guest
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=guest,
                 message="Logins don't match")
    # Another user's login on this identity is refused.
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=guest, Logins=b.login)


def test_rules_mapping_picks_role_by_group(url, cid, public, pools, user_pools):
    up = user_pools(users=0, groups={"admins": {}, "readers": {}})
    admin, reader, nobody = (add_user(up.idp, up, groups=g) for g in (["admins"], ["readers"], []))
    pool_id = pools(up)["IdentityPoolId"]
    roles = create_roles(url, pool_id)
    admin_role, reader_role = create_role(url, pool_id), create_role(url, pool_id)
    key = mapping_key(up.pool_id, up.client_id)

    def set_mapping(ambiguous):
        cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, RoleMappings={key: {
            "Type": "Rules",
            "AmbiguousRoleResolution": ambiguous,
            "RulesConfiguration": {"Rules": [
                {"Claim": "cognito:groups", "MatchType": "Contains", "Value": "admins", "RoleARN": admin_role},
                {"Claim": "cognito:groups", "MatchType": "Equals", "Value": "readers", "RoleARN": reader_role},
            ]},
        }})

    def arn_for(user):
        identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
        creds = public.get_credentials_for_identity(IdentityId=identity_id, Logins=user.login)
        return caller_arn(url, creds["Credentials"])

    set_mapping("Deny")
    assert arn_for(admin) == assumed_role_arn(admin_role)
    assert arn_for(reader) == assumed_role_arn(reader_role)
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=nobody.login)["IdentityId"]
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=identity_id,
                 Logins=nobody.login)
    set_mapping("AuthenticatedRole")
    assert arn_for(nobody) == assumed_role_arn(roles["authenticated"])
    assert arn_for(admin) == assumed_role_arn(admin_role)


def test_ambiguous_role_mapping_denied_message(url, cid, public, pools, user_pools):
    """Cognito answers an ambiguous mapping with AmbiguousRoleResolution Deny with
    NotAuthorizedException "The ambiguous role mapping rules for: <provider> denied this request."
    (as seen from Amazon Cognito, e.g. aws-amplify/amplify-js#3621)."""
    up = user_pools(users=1)
    pool_id = pools(up)["IdentityPoolId"]
    create_roles(url, pool_id)
    cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={}, RoleMappings={
        mapping_key(up.pool_id, up.client_id): {"Type": "Token", "AmbiguousRoleResolution": "Deny"}})
    user = up.users[0]
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
    exc = expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=identity_id,
                       Logins=user.login)
    message = exc.response["Error"]["Message"]
    assert message.startswith(f"The ambiguous role mapping rules for: {up.provider}"), message
    assert message.endswith("denied this request."), message


def test_rules_mapping_match_types_first_match_wins(url, cid, public, pools, user_pools):
    up = user_pools(users=0)
    ops = add_user(up.idp, up, attributes={"email": "ops.lead@example.com"})
    exact = add_user(up.idp, up, attributes={"email": "exact@example.com"})
    other = add_user(up.idp, up, attributes={"email": "someone@example.com"})
    pool_id = pools(up)["IdentityPoolId"]
    roles = create_roles(url, pool_id)
    r_ops, r_exact, r_rest = (create_role(url, pool_id) for _ in range(3))
    cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, RoleMappings={
        mapping_key(up.pool_id, up.client_id): {
            "Type": "Rules",
            "AmbiguousRoleResolution": "Deny",
            "RulesConfiguration": {"Rules": [
                {"Claim": "email", "MatchType": "StartsWith", "Value": "ops.", "RoleARN": r_ops},
                {"Claim": "email", "MatchType": "Equals", "Value": "exact@example.com", "RoleARN": r_exact},
                # Matches every user above too: the first matching rule wins.
                {"Claim": "email", "MatchType": "NotEqual", "Value": "nobody@example.com", "RoleARN": r_rest},
            ]},
        }})
    for user, role in ((ops, r_ops), (exact, r_exact), (other, r_rest)):
        identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
        creds = public.get_credentials_for_identity(IdentityId=identity_id, Logins=user.login)
        assert caller_arn(url, creds["Credentials"]) == assumed_role_arn(role), user.username


def test_token_mapping_uses_groups_role_and_precedence(url, cid, public, pools, user_pools):
    up = user_pools(users=0)
    pool_id = pools(up)["IdentityPoolId"]
    roles = create_roles(url, pool_id)
    high, low = create_role(url, pool_id), create_role(url, pool_id)
    up.idp.create_group(UserPoolId=up.pool_id, GroupName="high", RoleArn=high, Precedence=1)
    up.idp.create_group(UserPoolId=up.pool_id, GroupName="low", RoleArn=low, Precedence=5)
    both = add_user(up.idp, up, groups=["low", "high"])
    only_low = add_user(up.idp, up, groups=["low"])
    none = add_user(up.idp, up)
    claims = unverified_claims(both.id_token)
    assert claims["cognito:preferred_role"] == high and sorted(claims["cognito:roles"]) == sorted([high, low])
    key = mapping_key(up.pool_id, up.client_id)
    cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, RoleMappings={
        key: {"Type": "Token", "AmbiguousRoleResolution": "Deny"}})

    def creds(user, **kwargs):
        identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
        return public.get_credentials_for_identity(IdentityId=identity_id, Logins=user.login, **kwargs)

    assert caller_arn(url, creds(both)["Credentials"]) == assumed_role_arn(high)
    assert caller_arn(url, creds(only_low)["Credentials"]) == assumed_role_arn(low)
    # CustomRoleArn: any of the token's cognito:roles; another role is refused.
    assert caller_arn(url, creds(both, CustomRoleArn=low)["Credentials"]) == assumed_role_arn(low)
    exc = expect_error_any(lambda: creds(only_low, CustomRoleArn=high))
    assert error_code(exc) == "NotAuthorizedException", exc.response
    # No group role: ambiguous, denied.
    exc = expect_error_any(lambda: creds(none))
    assert error_code(exc) == "NotAuthorizedException", exc.response
    cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, RoleMappings={
        key: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}})
    assert caller_arn(url, creds(none)["Credentials"]) == assumed_role_arn(roles["authenticated"])


def expect_error_any(fn):
    try:
        fn()
    except ClientError as exc:
        return exc
    raise AssertionError("expected an error, the call succeeded")


def test_no_role_is_invalid_configuration(url, cid, public, pools, user_pools):
    up = user_pools(users=1)
    pool_id = pools(up, allow_unauthenticated=True)["IdentityPoolId"]
    user = up.users[0]
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
    message = "Invalid identity pool configuration. Check assigned IAM roles for this pool."
    expect_error("InvalidIdentityPoolConfigurationException", public.get_credentials_for_identity,
                 IdentityId=identity_id, Logins=user.login, message=message)
    guest = public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    expect_error("InvalidIdentityPoolConfigurationException", public.get_credentials_for_identity,
                 IdentityId=guest, message=message)
    # A role that does not exist in IAM.
    cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
        "authenticated": f"arn:aws:iam::{ACCOUNT}:role/{uniq('missing')}"})
    expect_error("InvalidIdentityPoolConfigurationException", public.get_credentials_for_identity,
                 IdentityId=identity_id, Logins=user.login, message=message)


def test_trust_policy_of_another_pool_is_invalid_configuration(url, cid, public, pools, user_pools):
    up = user_pools(users=1)
    pool_id = pools(up, allow_unauthenticated=True)["IdentityPoolId"]
    other = pools()["IdentityPoolId"]
    # Roles trusting the other pool only.
    roles = {"authenticated": create_role(url, other, "authenticated"),
             "unauthenticated": create_role(url, other, "unauthenticated")}
    cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles)
    user = up.users[0]
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
    expect_error("InvalidIdentityPoolConfigurationException", public.get_credentials_for_identity,
                 IdentityId=identity_id, Logins=user.login)
    guest = public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    expect_error("InvalidIdentityPoolConfigurationException", public.get_credentials_for_identity, IdentityId=guest)
    # A guest may not take the authenticated role (amr "authenticated" in its trust).
    swapped = {"authenticated": create_role(url, pool_id, "authenticated"),
               "unauthenticated": create_role(url, pool_id, "authenticated")}
    cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=swapped)
    expect_error("InvalidIdentityPoolConfigurationException", public.get_credentials_for_identity, IdentityId=guest)
    creds = public.get_credentials_for_identity(IdentityId=identity_id, Logins=user.login)
    assert caller_arn(url, creds["Credentials"]) == assumed_role_arn(swapped["authenticated"])


def test_get_id_merges_identities_of_two_user_pools(url, cid, public, pools, user_pools):
    a = user_pools(users=1)
    b = user_pools(users=1)
    pool_id = pools(a, b)["IdentityPoolId"]
    roles = create_roles(url, pool_id)
    ua, ub = a.users[0], b.users[0]
    id_a = public.get_id(IdentityPoolId=pool_id, Logins=ua.login)["IdentityId"]
    id_b = public.get_id(IdentityPoolId=pool_id, Logins=ub.login)["IdentityId"]
    assert id_a != id_b
    merged = public.get_id(IdentityPoolId=pool_id, Logins={**ua.login, **ub.login})["IdentityId"]
    assert merged in (id_a, id_b)
    gone = id_b if merged == id_a else id_a
    assert public.get_id(IdentityPoolId=pool_id, Logins=ua.login)["IdentityId"] == merged
    assert public.get_id(IdentityPoolId=pool_id, Logins=ub.login)["IdentityId"] == merged
    assert sorted(cid.describe_identity(IdentityId=merged)["Logins"]) == sorted([a.provider, b.provider])
    listed = {i["IdentityId"] for i in cid.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]}
    assert listed == {merged}, (listed, gone)
    # Either login alone now opens the merged identity.
    creds = public.get_credentials_for_identity(IdentityId=merged, Logins=ub.login)
    assert caller_arn(url, creds["Credentials"]) == assumed_role_arn(roles["authenticated"])


def test_second_login_of_same_provider_conflicts(url, cid, public, pools, user_pools):
    a = user_pools(users=2)
    b = user_pools(users=1)
    pool_id = pools(a, b)["IdentityPoolId"]
    a1, a2 = a.users
    b1 = b.users[0]
    merged = public.get_id(IdentityPoolId=pool_id, Logins={**a1.login, **b1.login})["IdentityId"]
    assert cid.describe_identity(IdentityId=merged)["Logins"] and len(cid.describe_identity(IdentityId=merged)["Logins"]) == 2
    # a2 would be a second login of provider A on the identity that b1 is linked to.
    expect_error("ResourceConflictException", public.get_id, IdentityPoolId=pool_id, Logins={**a2.login, **b1.login})
    # a2 on its own identity, then merged with b1's: both have a login of A.
    id_a2 = public.get_id(IdentityPoolId=pool_id, Logins=a2.login)["IdentityId"]
    assert id_a2 != merged
    expect_error("ResourceConflictException", public.get_id, IdentityPoolId=pool_id, Logins={**a2.login, **b1.login})
    assert public.get_id(IdentityPoolId=pool_id, Logins=a1.login)["IdentityId"] == merged
    assert public.get_id(IdentityPoolId=pool_id, Logins=a2.login)["IdentityId"] == id_a2


# ---------------------------------------------------------------------------
# SigV4
# ---------------------------------------------------------------------------


def test_admin_operations_need_sigv4(url, cid, public, pools):
    pool_id = pools(allow_unauthenticated=True)["IdentityPoolId"]
    identity_id = public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    name = uniq("unsigned").replace("-", "_")
    calls = [
        (public.create_identity_pool, dict(IdentityPoolName=name, AllowUnauthenticatedIdentities=True)),
        (public.describe_identity_pool, dict(IdentityPoolId=pool_id)),
        (public.list_identity_pools, dict(MaxResults=5)),
        (public.delete_identity_pool, dict(IdentityPoolId=pool_id)),
        (public.describe_identity, dict(IdentityId=identity_id)),
        (public.list_identities, dict(IdentityPoolId=pool_id, MaxResults=5)),
        (public.delete_identities, dict(IdentityIdsToDelete=[identity_id])),
        (public.get_identity_pool_roles, dict(IdentityPoolId=pool_id)),
        (public.set_identity_pool_roles, dict(IdentityPoolId=pool_id, Roles={})),
        (public.list_tags_for_resource, dict(ResourceArn=pool_arn(pool_id))),
    ]
    for fn, kwargs in calls:
        code = error_code_of(fn, **kwargs)
        assert code in SIGV4_ERRORS, (fn.__name__, code)
    # A wrong secret is refused too.
    bad = aws_client("cognito-identity", url, secret="x" * 40)
    assert error_code_of(bad.describe_identity_pool, IdentityPoolId=pool_id) in SIGV4_ERRORS
    # Nothing happened.
    cid.describe_identity_pool(IdentityPoolId=pool_id)
    cid.describe_identity(IdentityId=identity_id)
    assert name not in {p["IdentityPoolName"] for page in cid.get_paginator("list_identity_pools").paginate(
        PaginationConfig={"PageSize": 60}) for p in page["IdentityPools"]}


def test_public_operations_work_unsigned(url, cid, public, pools, user_pools):
    up = user_pools(users=1)
    pool_id = pools(up, allow_unauthenticated=True)["IdentityPoolId"]
    roles = create_roles(url, pool_id)
    user = up.users[0]
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
    public.get_open_id_token(IdentityId=identity_id, Logins=user.login)
    creds = public.get_credentials_for_identity(IdentityId=identity_id, Logins=user.login)
    assert caller_arn(url, creds["Credentials"]) == assumed_role_arn(roles["authenticated"])
    public.unlink_identity(IdentityId=identity_id, Logins=user.login, LoginsToRemove=[up.provider])
    # Signed callers may use them as well.
    guest = cid.get_id(IdentityPoolId=pool_id)["IdentityId"]
    assert cid.get_credentials_for_identity(IdentityId=guest)["IdentityId"] == guest
