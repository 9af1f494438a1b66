"""Regression tests for identity-pool hardening fixes: sessions of deleted roles, context keys the
caller may not set, unsigned headers of a forwarded SignedRequest, classic-flow tokens as logins,
UnlinkIdentity / UnlinkDeveloperIdentity edge cases, reserved developer provider names, control
characters in IAM answers, and an Authorize call that does not sign its X-Amz-Target.
"""

import hashlib
import json

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from helpers import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, REGION, delete_pool_quietly, error_code, \
    http_request, uniq
from identity_fixtures import *  # noqa: F401,F403

AUTHORIZE_TARGET = "CognateAuthz.Authorize"


# ---------------------------------------------------------------------------
# Helpers (small copies of test_identity_credentials.py's)
# ---------------------------------------------------------------------------


def authorize(url, body, key=ADMIN_ACCESS_KEY_ID, secret=ADMIN_SECRET_ACCESS_KEY, token=None, sign_target=True):
    """POST CognateAuthz.Authorize signed (service cognito-identity) -> Resp. With
    `sign_target=False` the X-Amz-Target header is added after signing (not signed)."""
    payload = json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if sign_target:
        headers["X-Amz-Target"] = AUTHORIZE_TARGET
    request = AWSRequest(method="POST", url=url.rstrip("/") + "/", data=payload, headers=headers)
    SigV4Auth(Credentials(key, secret, token), "cognito-identity", REGION).add_auth(request)
    sent = dict(request.headers.items())
    sent["X-Amz-Target"] = AUTHORIZE_TARGET
    return http_request(url, "POST", "/", payload, sent)


def error_type(resp):
    assert resp.status >= 400, resp
    return (resp.json or {}).get("__type", "").split("#")[-1]


def ask(url, creds, action, resource, context=None):
    """Authorize for temporary credentials (AccessKeyId + SessionToken); the parsed answer."""
    body = {"AccessKeyId": creds["AccessKeyId"], "SessionToken": creds["SessionToken"], "Action": action,
            "Resource": resource}
    if context is not None:
        body["Context"] = context
    resp = authorize(url, body)
    assert resp.status == 200, resp
    return resp.json


def allow_policy(resource="*", action="s3:GetObject"):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": action, "Resource": resource}]})


@pytest.fixture
def cleanup(url):
    """Callables run (quietly, in reverse order) at teardown."""
    calls = []
    yield calls.append
    for call in reversed(calls):
        try:
            call()
        except Exception:
            pass


def dev_pool(url, cleanup, **kwargs):
    """An identity pool with the developer provider; deleted at teardown."""
    pool_id = make_identity_pool(url, DeveloperProviderName=DEVELOPER_PROVIDER, **kwargs)["IdentityPoolId"]
    cleanup(lambda: delete_identity_pool_quietly(url, pool_id))
    return pool_id


def role_with_policy(url, cleanup, pool_id, policy, name=None, amr="authenticated"):
    """A role trusting the pool with inline policy `p`; (name, arn). Deleted at teardown."""
    iam = iam_client(url)
    name = name or uniq("hard")
    arn = create_role(url, pool_id, amr, name)
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=policy)
    cleanup(lambda: iam.delete_role(RoleName=name))
    cleanup(lambda: iam.delete_role_policy(RoleName=name, PolicyName="p"))
    return name, arn


def dev_login(url, pool_id, user=None):
    """GetOpenIdTokenForDeveloperIdentity -> (identity id, token, developer user)."""
    user = user or uniq("dev")
    resp = identity_client(url).get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER_PROVIDER: user})
    return resp["IdentityId"], resp["Token"], user


def dev_credentials(url, pool_id):
    """(identity id, credentials) of a fresh developer identity."""
    identity_id, token, _ = dev_login(url, pool_id)
    creds = identity_client(url, unsigned=True).get_credentials_for_identity(
        IdentityId=identity_id, Logins={COGNITO_IDENTITY: token})["Credentials"]
    return identity_id, creds


# ---------------------------------------------------------------------------
# 1. A deleted role's sessions are not revived by a new role of the same name
# ---------------------------------------------------------------------------


def test_session_of_deleted_role_not_revived_by_same_name(url, cleanup):
    pool_id = dev_pool(url, cleanup)
    iam = iam_client(url)
    name, arn = role_with_policy(url, cleanup, pool_id, allow_policy())
    identity_client(url).set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": arn})
    _, old = dev_credentials(url, pool_id)
    assert ask(url, old, "s3:GetObject", "arn:aws:s3:::b/x")["Decision"] == "Allow"

    iam.delete_role_policy(RoleName=name, PolicyName="p")
    iam.delete_role(RoleName=name)
    assert create_role(url, pool_id, name=name) == arn
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=allow_policy())

    stale = ask(url, old, "s3:GetObject", "arn:aws:s3:::b/x")
    assert stale["Decision"] == "Deny", stale
    # Fresh credentials for the new role work.
    _, fresh = dev_credentials(url, pool_id)
    assert ask(url, fresh, "s3:GetObject", "arn:aws:s3:::b/x")["Decision"] == "Allow"


# ---------------------------------------------------------------------------
# 2. The caller's Context cannot set principal keys
# ---------------------------------------------------------------------------


def test_context_cannot_set_principal_keys(url, cleanup):
    pool_id = dev_pool(url, cleanup)
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Team", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"},
        {"Sid": "Own", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}/*"},
    ]})
    _, arn = role_with_policy(url, cleanup, pool_id, policy)
    identity_client(url).set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": arn})
    identity_id, creds = dev_credentials(url, pool_id)
    other_id, _ = dev_credentials(url, pool_id)

    forged_tag = ask(url, creds, "s3:GetObject", "arn:aws:s3:::b/admin/x", {"aws:PrincipalTag/team": "admin"})
    assert forged_tag["Decision"] == "Deny", forged_tag
    assert ask(url, creds, "s3:GetObject", "arn:aws:s3:::b/admin/x",
               {"aws:PrincipalTag/team": ["admin"]})["Decision"] == "Deny"

    forged_sub = {f"{COGNITO_IDENTITY}:sub": other_id}
    assert ask(url, creds, "s3:GetObject", f"arn:aws:s3:::b/{identity_id}/x", forged_sub)["Decision"] == "Allow"
    stolen = ask(url, creds, "s3:GetObject", f"arn:aws:s3:::b/{other_id}/x", forged_sub)
    assert stolen["Decision"] == "Deny", stolen


# ---------------------------------------------------------------------------
# 3. A forwarded SignedRequest's unsigned x-amz-content-sha256 is not trusted
# ---------------------------------------------------------------------------


def test_signed_request_unsigned_content_sha256_not_trusted(url, cleanup):
    pool_id = dev_pool(url, cleanup)
    _, arn = role_with_policy(url, cleanup, pool_id, allow_policy("arn:aws:s3:::b/*", "s3:PutObject"))
    identity_client(url).set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": arn})
    _, alice = dev_credentials(url, pool_id)

    s3_url = "https://s3.amazonaws.com/b/photo.jpg"
    body = b"the signed bytes"
    request = AWSRequest(method="PUT", url=s3_url, data=body, headers={"Content-Type": "image/jpeg"})
    # Plain SigV4 (not S3's signer): the body hash is in the canonical request, no header.
    SigV4Auth(Credentials(alice["AccessKeyId"], alice["SecretKey"], alice["SessionToken"]), "s3",
              REGION).add_auth(request)
    headers = dict(request.headers.items())
    assert not any(k.lower() == "x-amz-content-sha256" for k in headers), headers
    assert "x-amz-content-sha256" not in headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]

    def put(extra_headers, payload_hash=None):
        signed = {"Method": "PUT", "Url": s3_url, "Headers": {**headers, **extra_headers}}
        if payload_hash is not None:
            signed["PayloadHash"] = payload_hash
        return authorize(url, {"SignedRequest": signed, "Action": "s3:PutObject",
                               "Resource": "arn:aws:s3:::b/photo.jpg"})

    other_hash = hashlib.sha256(b"other bytes").hexdigest()
    signed_hash = hashlib.sha256(body).hexdigest()
    resp = put({"x-amz-content-sha256": other_hash})
    assert error_type(resp) == "InvalidSignatureException", resp
    # Not even when the unsigned header names the signed body's hash: the service must say
    # which body it received.
    resp = put({"x-amz-content-sha256": signed_hash})
    assert error_type(resp) == "InvalidSignatureException", resp
    resp = put({"x-amz-content-sha256": other_hash}, payload_hash=signed_hash)
    assert resp.status == 200 and resp.json["Decision"] == "Allow", resp


# ---------------------------------------------------------------------------
# 4. Classic-flow tokens are not cognito-identity.amazonaws.com logins
# ---------------------------------------------------------------------------


def test_classic_token_is_not_a_cognito_identity_login(url, cleanup):
    up = make_user_pool(url, users=1)
    cleanup(lambda: delete_pool_quietly(up.idp, up.pool_id))
    pool_id = dev_pool(url, cleanup, user_pools=[up])
    create_roles(url, pool_id)
    public = identity_client(url, unsigned=True)
    user = up.users[0]
    user_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
    classic = public.get_open_id_token(IdentityId=user_id, Logins=user.login)["Token"]
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=user_id,
                 Logins={COGNITO_IDENTITY: classic})
    # The developer flow's token still works.
    dev_id, dev_token, _ = dev_login(url, pool_id)
    ok = public.get_credentials_for_identity(IdentityId=dev_id, Logins={COGNITO_IDENTITY: dev_token})
    assert ok["IdentityId"] == dev_id and ok["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_developer_token_cannot_be_traded_for_a_classic_token(url, cleanup):
    """GetOpenIdToken refuses the developer token as a login: trading it for a classic-flow
    token (10 min, whatever the developer's TokenDuration) would stretch its life without end."""
    pool_id = dev_pool(url, cleanup)
    create_roles(url, pool_id)
    public = identity_client(url, unsigned=True)
    identity_id, dev_token, _ = dev_login(url, pool_id)
    expect_error("NotAuthorizedException", public.get_open_id_token, IdentityId=identity_id,
                 Logins={COGNITO_IDENTITY: dev_token})
    ok = public.get_credentials_for_identity(IdentityId=identity_id, Logins={COGNITO_IDENTITY: dev_token})
    assert ok["IdentityId"] == identity_id


# ---------------------------------------------------------------------------
# 5. UnlinkIdentity edge cases
# ---------------------------------------------------------------------------


def test_unlink_identity_with_empty_logins_on_guest(url, cleanup):
    pool_id = make_identity_pool(url, allow_unauthenticated=True)["IdentityPoolId"]
    cleanup(lambda: delete_identity_pool_quietly(url, pool_id))
    create_roles(url, pool_id)
    public = identity_client(url, unsigned=True)
    guest = public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    expect_error("NotAuthorizedException", public.unlink_identity, IdentityId=guest, Logins={},
                 LoginsToRemove=[])
    expect_error("NotAuthorizedException", public.unlink_identity, IdentityId=guest, Logins={},
                 LoginsToRemove=["accounts.google.com"])
    # Not disabled.
    assert public.get_credentials_for_identity(IdentityId=guest)["IdentityId"] == guest
    visible = {i["IdentityId"] for i in identity_client(url).list_identities(
        IdentityPoolId=pool_id, MaxResults=60, HideDisabled=True)["Identities"]}
    assert guest in visible


def test_unlink_identity_of_provider_not_held_changes_nothing(url, cleanup):
    up = make_user_pool(url, users=1)
    cleanup(lambda: delete_pool_quietly(up.idp, up.pool_id))
    pool_id = make_identity_pool(url, [up])["IdentityPoolId"]
    cleanup(lambda: delete_identity_pool_quietly(url, pool_id))
    create_roles(url, pool_id)
    cid, public = identity_client(url), identity_client(url, unsigned=True)
    user = up.users[0]
    identity_id = public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"]
    try:
        public.unlink_identity(IdentityId=identity_id, Logins=user.login, LoginsToRemove=["accounts.google.com"])
    except Exception as exc:  # refusing is fine too; it must not change the identity
        assert getattr(exc, "response", None), exc
    assert cid.describe_identity(IdentityId=identity_id)["Logins"] == [up.provider]
    creds = public.get_credentials_for_identity(IdentityId=identity_id, Logins=user.login)
    assert creds["IdentityId"] == identity_id
    assert public.get_id(IdentityPoolId=pool_id, Logins=user.login)["IdentityId"] == identity_id


# ---------------------------------------------------------------------------
# 6. A developer identity disabled by UnlinkDeveloperIdentity
# ---------------------------------------------------------------------------


def test_unlinked_developer_identity_old_token_refused(url, cleanup):
    pool_id = dev_pool(url, cleanup)
    create_roles(url, pool_id)
    cid, public = identity_client(url), identity_client(url, unsigned=True)
    identity_id, token, user = dev_login(url, pool_id)
    assert public.get_credentials_for_identity(IdentityId=identity_id, Logins={COGNITO_IDENTITY: token})
    cid.unlink_developer_identity(IdentityId=identity_id, IdentityPoolId=pool_id,
                                  DeveloperProviderName=DEVELOPER_PROVIDER, DeveloperUserIdentifier=user)
    expect_error("NotAuthorizedException", public.get_credentials_for_identity, IdentityId=identity_id,
                 Logins={COGNITO_IDENTITY: token}, message=f"Access to Identity '{identity_id}' is forbidden.")


# ---------------------------------------------------------------------------
# 7. DeveloperProviderName may not be a supported login provider
# ---------------------------------------------------------------------------


def test_developer_provider_name_cannot_be_a_login_provider(url):
    cid = identity_client(url)
    for dev, supported in (
        ("accounts.google.com", {"accounts.google.com": "client.apps.googleusercontent.com"}),
        ("graph.facebook.com", {"graph.facebook.com": "1234567890"}),
        ("accounts.google.com", None),
    ):
        kwargs = {"SupportedLoginProviders": supported} if supported else {}
        try:
            pool = cid.create_identity_pool(IdentityPoolName=uniq("hard").replace("-", "_"),
                                            AllowUnauthenticatedIdentities=False, DeveloperProviderName=dev,
                                            **kwargs)
        except Exception as exc:
            assert error_code(exc) == "InvalidParameterException", (dev, supported, exc)
            continue
        delete_identity_pool_quietly(url, pool["IdentityPoolId"])
        raise AssertionError(f"DeveloperProviderName {dev!r} with {supported} was accepted")


# ---------------------------------------------------------------------------
# 8. IAM answers with control characters still parse
# ---------------------------------------------------------------------------


def test_list_roles_with_control_character_in_description(url, cleanup):
    iam = iam_client(url)
    name = uniq("ctl")
    iam.create_role(RoleName=name, Description="a\u0001b", Path="/ctl/",
                    AssumeRolePolicyDocument=json.dumps(cognito_trust_policy("us-east-1:x")))
    cleanup(lambda: iam.delete_role(RoleName=name))
    roles = iam.list_roles(PathPrefix="/ctl/")["Roles"]  # botocore parses the XML
    mine = [r for r in roles if r["RoleName"] == name]
    assert len(mine) == 1, roles
    desc = mine[0]["Description"]
    assert "\u0001" not in desc and desc.startswith("a") and desc.endswith("b") and len(desc) >= 3, desc
    assert iam.get_role(RoleName=name)["Role"]["Description"] == desc


# ---------------------------------------------------------------------------
# 9. Authorize must sign X-Amz-Target
# ---------------------------------------------------------------------------


def test_authorize_unsigned_target_refused(url):
    body = {"AccessKeyId": "ASIAXXXXXXXXXXXXXXXX", "SessionToken": "x", "Action": "s3:GetObject", "Resource": "*"}
    resp = authorize(url, body, sign_target=False)
    assert error_type(resp) == "InvalidSignatureException", resp
    # Signed, the same call gets past the signature (and fails on the bogus session token).
    resp = authorize(url, body)
    assert resp.status == 200 or error_type(resp) != "InvalidSignatureException", resp
