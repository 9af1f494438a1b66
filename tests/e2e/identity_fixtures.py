"""Plain helpers for the identity-pool tests (cognito-identity, IAM, STS).

Test files use them with `from identity_fixtures import *`. No fixtures: every helper takes the
server's `url` (or a client) and creates uniquely named resources, so tests stay independent.

Contract with the binary (in addition to conftest.py's):
  cognito-identity JSON 1.1 on POST / (service `cognito-identity`), IAM and STS query APIs on
  POST / (services `iam`, `sts`), account 000000000000.
  identity OpenID tokens: RS512, iss = {url}/identity, JWKS at {url}/identity/.well-known/jwks_uri.
"""

import json
import types

import boto3
import botocore
import jwt
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers import (
    ADMIN_ACCESS_KEY_ID,
    ADMIN_SECRET_ACCESS_KEY,
    REGION,
    TEMP_PASSWORD,
    error_code,
    error_message,
    http_request,
    make_client,
    uniq,
)

__all__ = [
    "ACCOUNT", "USER_PASSWORD", "COGNITO_IDENTITY", "DEVELOPER_PROVIDER",
    "aws_client", "identity_client", "iam_client", "sts_client", "credentials_client",
    "provider_name", "mapping_key", "provider_entry",
    "make_user_pool", "add_user", "sign_in", "make_identity_pool", "delete_identity_pool_quietly",
    "cognito_trust_policy", "create_role", "create_roles",
    "identity_jwks", "verify_identity_token", "unverified_claims", "advance_clock",
    "expect_error",
]

ACCOUNT = "000000000000"
USER_PASSWORD = "Ident1ty-Passw0rd!"
# The login key of a Cognito identity OpenID token (from GetOpenIdTokenForDeveloperIdentity).
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
DEVELOPER_PROVIDER = "login.cognate.e2e"

_CONFIG = dict(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60)


# ---------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------


def aws_client(service, url, key=ADMIN_ACCESS_KEY_ID, secret=ADMIN_SECRET_ACCESS_KEY, token=None, unsigned=False):
    """A boto3 client for `service` against `url` that never retries."""
    cfg = dict(_CONFIG)
    if unsigned:
        cfg["signature_version"] = botocore.UNSIGNED
    return boto3.session.Session().client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(**cfg),
    )


def identity_client(url, **kwargs):
    """cognito-identity, signed by the admin credentials unless `unsigned=True` (boto3 sends
    GetId, GetCredentialsForIdentity, GetOpenIdToken and UnlinkIdentity unsigned anyway)."""
    return aws_client("cognito-identity", url, **kwargs)


def iam_client(url):
    return aws_client("iam", url)


def sts_client(url, **kwargs):
    return aws_client("sts", url, **kwargs)


def credentials_client(service, url, credentials):
    """A client signed with GetCredentialsForIdentity's `Credentials`."""
    return aws_client(service, url, key=credentials["AccessKeyId"], secret=credentials["SecretKey"],
                      token=credentials["SessionToken"])


# ---------------------------------------------------------------------------
# User pools, users, ID tokens
# ---------------------------------------------------------------------------


def provider_name(user_pool_id):
    """The identity pools' provider name (and Logins key) of a user pool."""
    return f"cognito-idp.{REGION}.amazonaws.com/{user_pool_id}"


def mapping_key(user_pool_id, client_id):
    """The RoleMappings key of a user pool's app client."""
    return f"{provider_name(user_pool_id)}:{client_id}"


def provider_entry(up, server_side_token_check=False):
    """A CognitoIdentityProviders entry for `up` (make_user_pool's result)."""
    return {"ProviderName": up.provider, "ClientId": up.client_id, "ServerSideTokenCheck": server_side_token_check}


def sign_in(idp, client_id, username, password=USER_PASSWORD):
    """USER_PASSWORD_AUTH -> AuthenticationResult (IdToken, AccessToken, RefreshToken)."""
    return idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]


def add_user(idp, up, username=None, groups=(), attributes=None):
    """A confirmed user of `up` (permanent password), in `groups`, signed in; appended to
    up.users and returned as a namespace (username, sub, id_token, access_token, login)."""
    username = username or uniq("user")
    user = idp.admin_create_user(
        UserPoolId=up.pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        TemporaryPassword=TEMP_PASSWORD,
        UserAttributes=[{"Name": k, "Value": v} for k, v in (attributes or {}).items()],
    )["User"]
    idp.admin_set_user_password(UserPoolId=up.pool_id, Username=username, Password=USER_PASSWORD, Permanent=True)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=up.pool_id, Username=username, GroupName=group)
    tokens = sign_in(idp, up.client_id, username)
    sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    u = types.SimpleNamespace(
        username=username,
        sub=sub,
        id_token=tokens["IdToken"],
        access_token=tokens["AccessToken"],
        login={up.provider: tokens["IdToken"]},
    )
    up.users.append(u)
    return u


def make_user_pool(url, users=1, groups=None, user_groups=None):
    """A user pool, an app client allowing USER_PASSWORD_AUTH and `users` confirmed, signed-in
    users. `groups` = {name: {"RoleArn":..., "Precedence":...}} created first; `user_groups` =
    list (one per user) of the groups each user joins. Returns a namespace with pool_id,
    client_id, provider (the Logins key), issuer, users (see add_user) and idp (the client).
    """
    idp = make_client(url)
    pool_id = idp.create_user_pool(PoolName=uniq("idpool-users"))["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=uniq("client"),
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    for name, spec in (groups or {}).items():
        idp.create_group(UserPoolId=pool_id, GroupName=name, **spec)
    up = types.SimpleNamespace(
        idp=idp,
        pool_id=pool_id,
        client_id=client_id,
        provider=provider_name(pool_id),
        issuer=f"{url}/{pool_id}",
        users=[],
    )
    user_groups = list(user_groups or [])
    for i in range(users):
        add_user(idp, up, groups=user_groups[i] if i < len(user_groups) else ())
    return up


# ---------------------------------------------------------------------------
# Identity pools
# ---------------------------------------------------------------------------


def make_identity_pool(url, user_pools=(), allow_unauthenticated=False, **kwargs):
    """CreateIdentityPool wired to `user_pools` (make_user_pool results) -> the response dict
    (without ResponseMetadata). Extra kwargs go to CreateIdentityPool."""
    cid = identity_client(url)
    kwargs.setdefault("IdentityPoolName", uniq("idpool").replace("-", "_"))
    if user_pools:
        kwargs.setdefault("CognitoIdentityProviders", [provider_entry(up) for up in user_pools])
    pool = cid.create_identity_pool(AllowUnauthenticatedIdentities=allow_unauthenticated, **kwargs)
    pool.pop("ResponseMetadata", None)
    return pool


def delete_identity_pool_quietly(url, identity_pool_id):
    try:
        identity_client(url).delete_identity_pool(IdentityPoolId=identity_pool_id)
    except Exception:
        pass


# ---------------------------------------------------------------------------
# IAM roles
# ---------------------------------------------------------------------------


def cognito_trust_policy(identity_pool_id, amr="authenticated"):
    """The trust policy the Cognito console writes for an identity pool's role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool_id},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
                },
            }
        ],
    }


def create_role(url, identity_pool_id, amr="authenticated", name=None, trust=None):
    """An IAM role trusting `identity_pool_id`'s identities with `amr`; returns its ARN."""
    name = name or uniq("idrole")
    trust = trust or cognito_trust_policy(identity_pool_id, amr)
    role = iam_client(url).create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/{name}", role
    return role["Arn"]


def create_roles(url, identity_pool_id, set_roles=True):
    """An authenticated and an unauthenticated role for the pool, set as its roles unless
    `set_roles` is false; returns {"authenticated": arn, "unauthenticated": arn}."""
    roles = {
        "authenticated": create_role(url, identity_pool_id, "authenticated", uniq("auth")),
        "unauthenticated": create_role(url, identity_pool_id, "unauthenticated", uniq("unauth")),
    }
    if set_roles:
        identity_client(url).set_identity_pool_roles(IdentityPoolId=identity_pool_id, Roles=roles)
    return roles


# ---------------------------------------------------------------------------
# Identity OpenID tokens
# ---------------------------------------------------------------------------


def identity_jwks(url):
    resp = http_request(url, "GET", "/identity/.well-known/jwks_uri")
    assert resp.status == 200, resp
    return resp.json


def verify_identity_token(url, token, audience, **options):
    """Verify an identity OpenID token (RS512) against the server's JWKS: signature, iss, aud,
    exp. Returns its claims."""
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS512", header
    keys = [k for k in identity_jwks(url)["keys"] if k.get("kid") == header.get("kid")]
    assert len(keys) == 1, (header, identity_jwks(url))
    key = jwt.PyJWK(keys[0], algorithm="RS512")
    return jwt.decode(
        token,
        key=key.key,
        algorithms=["RS512"],
        audience=audience,
        issuer=f"{url}/identity",
        options={"require": ["exp", "iat", "iss", "aud", "sub"], **options},
    )


def unverified_claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def advance_clock(url, seconds):
    """Move a `--enable-test-clock` server's clock forward."""
    resp = http_request(url, "POST", "/_cognate/test/clock", json.dumps({"advanceSeconds": seconds}).encode(),
                        {"Content-Type": "application/json"})
    assert resp.status == 200, resp
    return resp.json


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def expect_error(code, fn, *args, message=None, **kwargs):
    """Call fn, expect a ClientError `code` (and `message` as a substring of its message)."""
    try:
        fn(*args, **kwargs)
    except ClientError as exc:
        assert error_code(exc) == code, exc.response
        if message is not None:
            assert message in error_message(exc), exc.response
        return exc
    raise AssertionError(f"expected {code}, the call succeeded")
