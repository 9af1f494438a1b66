"""Cognate's IAM and STS, through boto3 and the AWS CLI.

IAM (query API, service `iam`, admin only): roles, inline role policies, managed policies and
their attachments, pagination, the error codes (NoSuchEntity, EntityAlreadyExists,
MalformedPolicyDocument, DeleteConflict). STS: AssumeRoleWithWebIdentity with identity-pool
OpenID tokens (trust policies, bad tokens, another pool's token, DurationSeconds), AssumeRole by
the administrator (trust, session policy), GetCallerIdentity; the AWS CLI, including botocore's
web-identity credential provider (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN) pointed at
Cognate's STS by AWS_ENDPOINT_URL_STS.
"""

import base64
import json
import os
import subprocess
import sys

import boto3
import botocore
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from helpers import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, PERM_PASSWORD, REGION, delete_pool_quietly, \
    expect_client_error, http_request, make_client, uniq

ACCOUNT = "000000000000"
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def aws_client(service, url, key=ADMIN_ACCESS_KEY_ID, secret=ADMIN_SECRET_ACCESS_KEY, token=None, unsigned=False,
               validate=True):
    cfg = dict(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60,
               parameter_validation=validate)
    if unsigned:
        cfg["signature_version"] = botocore.UNSIGNED
    return boto3.session.Session().client(
        service, endpoint_url=url, region_name=REGION, aws_access_key_id=key, aws_secret_access_key=secret,
        aws_session_token=token, config=Config(**cfg))


def temp(service, url, creds):
    """A client signing with STS's (SecretAccessKey) or Cognito's (SecretKey) temporary credentials."""
    secret = creds.get("SecretAccessKey") or creds["SecretKey"]
    return aws_client(service, url, creds["AccessKeyId"], secret, creds["SessionToken"])


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def web_trust(pool_id, amr="authenticated"):
    return doc({
        "Effect": "Allow", "Principal": {"Federated": COGNITO_IDENTITY},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{COGNITO_IDENTITY}:aud": pool_id},
                      "ForAnyValue:StringLike": {f"{COGNITO_IDENTITY}:amr": amr}},
    })


ROOT_TRUST = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"})
ALLOW_ALL = doc({"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"})
S3_READ = doc({"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})


def authorize(url, creds, action, resource, context=None):
    """CognateAuthz.Authorize (signed by the admin) about `creds` -> the parsed answer."""
    body = {"AccessKeyId": creds["AccessKeyId"], "SessionToken": creds["SessionToken"], "Action": action,
            "Resource": resource}
    if context:
        body["Context"] = context
    payload = json.dumps(body).encode()
    request = AWSRequest(method="POST", url=url.rstrip("/") + "/", data=payload, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "CognateAuthz.Authorize"})
    SigV4Auth(Credentials(ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY), "cognito-identity", REGION).add_auth(request)
    resp = http_request(url, "POST", "/", payload, dict(request.headers.items()))
    assert resp.status == 200, resp
    return resp.json


class Cleanup:
    """Deletes what a test created in IAM, whatever state it was left in."""

    def __init__(self, iam, cid):
        self.iam, self.cid = iam, cid
        self.roles, self.policies, self.pools = [], [], []

    def role(self, name=None, trust=ROOT_TRUST, **kwargs):
        name = name or uniq("role")
        role = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust, **kwargs)["Role"]
        self.roles.append(name)
        return role

    def policy(self, document=S3_READ, **kwargs):
        kwargs.setdefault("PolicyName", uniq("policy"))
        policy = self.iam.create_policy(PolicyDocument=document, **kwargs)["Policy"]
        self.policies.append(policy["Arn"])
        return policy

    def identity_pool(self, **kwargs):
        kwargs.setdefault("IdentityPoolName", uniq("ip").replace("-", "_"))
        kwargs.setdefault("AllowUnauthenticatedIdentities", True)
        kwargs.setdefault("DeveloperProviderName", "login.cognate.e2e")
        pool_id = self.cid.create_identity_pool(**kwargs)["IdentityPoolId"]
        self.pools.append(pool_id)
        return pool_id

    def close(self):
        quiet = self._quiet
        for name in self.roles:
            for arn in quiet(lambda: [p["PolicyArn"] for p in
                                      self.iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]) or []:
                quiet(lambda: self.iam.detach_role_policy(RoleName=name, PolicyArn=arn))
            for policy in quiet(lambda: self.iam.list_role_policies(RoleName=name)["PolicyNames"]) or []:
                quiet(lambda: self.iam.delete_role_policy(RoleName=name, PolicyName=policy))
            quiet(lambda: self.iam.delete_role(RoleName=name))
        for arn in self.policies:
            quiet(lambda: self.iam.delete_policy(PolicyArn=arn))
        for pool_id in self.pools:
            quiet(lambda: self.cid.delete_identity_pool(IdentityPoolId=pool_id))

    @staticmethod
    def _quiet(fn):
        try:
            return fn()
        except Exception:
            return None


@pytest.fixture
def iam(url):
    return aws_client("iam", url)


@pytest.fixture
def sts(url):
    return aws_client("sts", url)


@pytest.fixture
def cid(url):
    return aws_client("cognito-identity", url)


@pytest.fixture
def made(iam, cid):
    cleanup = Cleanup(iam, cid)
    yield cleanup
    cleanup.close()


def developer_token(cid, pool_id, user=None):
    """(identity id, OpenID token) of an authenticated developer identity of `pool_id`."""
    answer = cid.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={"login.cognate.e2e": user or uniq("dev-user")})
    return answer["IdentityId"], answer["Token"]


def guest_token(url, pool_id):
    unsigned = aws_client("cognito-identity", url, unsigned=True)
    identity_id = unsigned.get_id(IdentityPoolId=pool_id)["IdentityId"]
    return identity_id, unsigned.get_open_id_token(IdentityId=identity_id)["Token"]


def web_identity(url, role_arn, token, **kwargs):
    kwargs.setdefault("RoleSessionName", "web")
    return aws_client("sts", url, unsigned=True, validate=kwargs.pop("validate", True)).assume_role_with_web_identity(
        RoleArn=role_arn, WebIdentityToken=token, **kwargs)


# ---------------------------------------------------------------------------
# IAM: roles
# ---------------------------------------------------------------------------


def test_role_lifecycle(iam, made):
    name = uniq("role")
    trust = web_trust("us-east-1:00000000-0000-0000-0000-000000000000")
    role = made.role(name, trust, Path="/cognate/e2e/", Description="photos")
    assert role["RoleName"] == name and role["Path"] == "/cognate/e2e/"
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/cognate/e2e/{name}"
    assert role["RoleId"].startswith("AROA"), role
    assert role["AssumeRolePolicyDocument"] == json.loads(trust)

    got = iam.get_role(RoleName=name)["Role"]
    assert got["Arn"] == role["Arn"] and got["RoleId"] == role["RoleId"]
    assert got["Description"] == "photos"
    assert got["AssumeRolePolicyDocument"] == json.loads(trust)
    assert got["MaxSessionDuration"] == 3600

    iam.update_assume_role_policy(RoleName=name, PolicyDocument=ROOT_TRUST)
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == json.loads(ROOT_TRUST)

    expect_client_error("EntityAlreadyExists", iam.create_role, RoleName=name, AssumeRolePolicyDocument=ROOT_TRUST)
    iam.delete_role(RoleName=name)
    exc = expect_client_error("NoSuchEntity", iam.get_role, RoleName=name)
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    expect_client_error("NoSuchEntity", iam.delete_role, RoleName=name)
    expect_client_error("NoSuchEntity", iam.update_assume_role_policy, RoleName=name, PolicyDocument=ROOT_TRUST)


def test_role_names_are_validated_and_case_insensitive(url, iam, made):
    loose = aws_client("iam", url, validate=False)
    for bad in ({"RoleName": "bad name!"}, {"RoleName": "r" * 65}, {"RoleName": uniq("r"), "Path": "no-slashes"},
                {"RoleName": uniq("r"), "MaxSessionDuration": 600}):
        exc = expect_client_error("ValidationError", loose.create_role, AssumeRolePolicyDocument=ROOT_TRUST, **bad)
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    name = uniq("CaseRole")
    made.role(name)
    expect_client_error("EntityAlreadyExists", iam.create_role, RoleName=name.lower(),
                        AssumeRolePolicyDocument=ROOT_TRUST)
    assert iam.get_role(RoleName=name.upper())["Role"]["RoleName"] == name


def test_malformed_documents_are_refused(iam, made):
    for bad in ["not json", json.dumps({"Version": "2012-10-17"}),
                json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]})]:
        expect_client_error("MalformedPolicyDocument", iam.create_role, RoleName=uniq("bad"),
                            AssumeRolePolicyDocument=bad)
        expect_client_error("MalformedPolicyDocument", iam.create_policy, PolicyName=uniq("bad"), PolicyDocument=bad)
    name = made.role()["RoleName"]
    expect_client_error("MalformedPolicyDocument", iam.put_role_policy, RoleName=name, PolicyName="p",
                        PolicyDocument="{")
    expect_client_error("MalformedPolicyDocument", iam.update_assume_role_policy, RoleName=name, PolicyDocument="{")
    # An identity policy is not a trust policy: no Principal in it, a Principal in a trust policy.
    expect_client_error("MalformedPolicyDocument", iam.put_role_policy, RoleName=name, PolicyName="p",
                        PolicyDocument=ROOT_TRUST)
    expect_client_error("MalformedPolicyDocument", iam.create_role, RoleName=uniq("bad"),
                        AssumeRolePolicyDocument=S3_READ)
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []


def test_delete_role_conflicts_while_policies_remain(iam, made):
    name = made.role()["RoleName"]
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=S3_READ)
    expect_client_error("DeleteConflict", iam.delete_role, RoleName=name)
    iam.delete_role_policy(RoleName=name, PolicyName="inline")
    policy = made.policy()
    iam.attach_role_policy(RoleName=name, PolicyArn=policy["Arn"])
    exc = expect_client_error("DeleteConflict", iam.delete_role, RoleName=name)
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    iam.detach_role_policy(RoleName=name, PolicyArn=policy["Arn"])
    iam.delete_role(RoleName=name)
    expect_client_error("NoSuchEntity", iam.get_role, RoleName=name)


def test_list_roles_pagination_and_path_prefix(iam, made):
    path = f"/{uniq('list')}/"
    names = sorted(made.role(uniq("r"), Path=path)["RoleName"] for _ in range(5))
    made.role(uniq("r"), Path=path + "sub/")
    outside = made.role(uniq("r"))["RoleName"]

    seen, marker, pages = [], None, 0
    while True:
        kwargs = {"PathPrefix": path, "MaxItems": 2}
        if marker:
            kwargs["Marker"] = marker
        page = iam.list_roles(**kwargs)
        pages += 1
        assert len(page["Roles"]) <= 2
        seen += [r["RoleName"] for r in page["Roles"]]
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = page["Marker"]
    assert pages == 3, pages
    assert len(seen) == 6 and len(set(seen)) == 6, seen
    assert set(names) <= set(seen) and outside not in seen
    assert all(r["Path"].startswith(path) for r in iam.list_roles(PathPrefix=path)["Roles"])
    assert len(iam.list_roles(PathPrefix=path + "sub/")["Roles"]) == 1

    everything = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 50})
                  for r in page["Roles"]]
    assert outside in everything and set(seen) <= set(everything)


# ---------------------------------------------------------------------------
# IAM: inline and managed policies
# ---------------------------------------------------------------------------


def test_inline_role_policies(iam, made):
    name = made.role()["RoleName"]
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []
    iam.put_role_policy(RoleName=name, PolicyName="b-read", PolicyDocument=S3_READ)
    iam.put_role_policy(RoleName=name, PolicyName="a-all", PolicyDocument=ALLOW_ALL)
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["a-all", "b-read"]
    got = iam.get_role_policy(RoleName=name, PolicyName="b-read")
    assert got["RoleName"] == name and got["PolicyName"] == "b-read"
    assert got["PolicyDocument"] == json.loads(S3_READ)
    iam.put_role_policy(RoleName=name, PolicyName="b-read", PolicyDocument=ALLOW_ALL)  # replaces
    assert iam.get_role_policy(RoleName=name, PolicyName="b-read")["PolicyDocument"] == json.loads(ALLOW_ALL)
    first = iam.list_role_policies(RoleName=name, MaxItems=1)
    assert first["PolicyNames"] == ["a-all"] and first["IsTruncated"] is True
    assert iam.list_role_policies(RoleName=name, Marker=first["Marker"])["PolicyNames"] == ["b-read"]
    iam.delete_role_policy(RoleName=name, PolicyName="b-read")
    expect_client_error("NoSuchEntity", iam.get_role_policy, RoleName=name, PolicyName="b-read")
    expect_client_error("NoSuchEntity", iam.delete_role_policy, RoleName=name, PolicyName="b-read")
    expect_client_error("NoSuchEntity", iam.put_role_policy, RoleName=uniq("missing"), PolicyName="p",
                        PolicyDocument=S3_READ)
    expect_client_error("NoSuchEntity", iam.list_role_policies, RoleName=uniq("missing"))


def test_managed_policy_lifecycle(iam, made):
    path = f"/{uniq('mp')}/"
    policy = made.policy(S3_READ, Path=path, Description="read objects")
    arn = policy["Arn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:policy{path}{policy['PolicyName']}"
    assert policy["DefaultVersionId"] == "v1" and policy["AttachmentCount"] == 0
    assert policy["PolicyId"].startswith("ANPA"), policy
    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert got["PolicyName"] == policy["PolicyName"] and got["Path"] == path and got["IsAttachable"] is True
    assert got["Description"] == "read objects"
    version = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert version["VersionId"] == "v1" and version["IsDefaultVersion"] is True
    assert version["Document"] == json.loads(S3_READ)
    expect_client_error("NoSuchEntity", iam.get_policy_version, PolicyArn=arn, VersionId="v2")
    expect_client_error("EntityAlreadyExists", iam.create_policy, PolicyName=policy["PolicyName"],
                        PolicyDocument=S3_READ, Path=path)

    role = made.role()["RoleName"]
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)  # idempotent
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert attached == [{"PolicyName": policy["PolicyName"], "PolicyArn": arn}]
    exc = expect_client_error("DeleteConflict", iam.delete_policy, PolicyArn=arn)
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    expect_client_error("NoSuchEntity", iam.detach_role_policy, RoleName=role, PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    expect_client_error("NoSuchEntity", iam.get_policy, PolicyArn=arn)
    expect_client_error("NoSuchEntity", iam.delete_policy, PolicyArn=arn)
    expect_client_error("NoSuchEntity", iam.attach_role_policy, RoleName=role, PolicyArn=arn)
    expect_client_error("NoSuchEntity", iam.attach_role_policy, RoleName=uniq("missing"),
                        PolicyArn=made.policy()["Arn"])


def test_list_policies_scope_only_attached_and_path(iam, made):
    path = f"/{uniq('lp')}/"
    policies = [made.policy(Path=path) for _ in range(3)]
    role = made.role()["RoleName"]
    iam.attach_role_policy(RoleName=role, PolicyArn=policies[1]["Arn"])

    local = {p["Arn"] for p in iam.list_policies(Scope="Local", PathPrefix=path)["Policies"]}
    assert local == {p["Arn"] for p in policies}
    attached = iam.list_policies(Scope="Local", PathPrefix=path, OnlyAttached=True)["Policies"]
    assert [p["Arn"] for p in attached] == [policies[1]["Arn"]]
    assert attached[0]["AttachmentCount"] == 1
    # Cognate has no AWS-managed policies.
    assert iam.list_policies(Scope="AWS", PathPrefix=path)["Policies"] == []

    seen, marker = [], None
    while True:
        page = iam.list_policies(Scope="Local", PathPrefix=path, MaxItems=2, **({"Marker": marker} if marker else {}))
        seen += [p["Arn"] for p in page["Policies"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert sorted(seen) == sorted(p["Arn"] for p in policies) and len(seen) == 3

    attached_page = iam.list_attached_role_policies(RoleName=role, MaxItems=1)
    assert [p["PolicyArn"] for p in attached_page["AttachedPolicies"]] == [policies[1]["Arn"]]
    assert attached_page["IsTruncated"] is False
    expect_client_error("NoSuchEntity", iam.list_attached_role_policies, RoleName=uniq("missing"))


def test_iam_refuses_temporary_credentials_and_unsigned_calls(url, made, sts):
    role = made.role()
    made.iam.put_role_policy(RoleName=role["RoleName"], PolicyName="all", PolicyDocument=ALLOW_ALL)
    creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="admin-ish")["Credentials"]
    # Even a role allowed "*" may not administer Cognate's IAM.
    iam_temp = temp("iam", url, creds)
    exc = expect_client_error("AccessDenied", iam_temp.list_roles)
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    expect_client_error("AccessDenied", iam_temp.create_role, RoleName=uniq("r"), AssumeRolePolicyDocument=ROOT_TRUST)
    with pytest.raises(ClientError):
        aws_client("iam", url, unsigned=True).list_roles()
    expect_client_error("InvalidClientTokenId", aws_client("iam", url, key="AKIAUNKNOWNKEY000000").list_roles)
    expect_client_error("SignatureDoesNotMatch", aws_client("iam", url, secret="z" * 40).list_roles)


# ---------------------------------------------------------------------------
# STS: AssumeRoleWithWebIdentity
# ---------------------------------------------------------------------------


def test_assume_role_with_web_identity(url, cid, made):
    pool_id = made.identity_pool()
    role = made.role(trust=web_trust(pool_id))
    made.iam.put_role_policy(RoleName=role["RoleName"], PolicyName="read", PolicyDocument=S3_READ)
    identity_id, token = developer_token(cid, pool_id)
    answer = web_identity(url, role["Arn"], token, RoleSessionName="photos-app")
    creds = answer["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role['RoleName']}/photos-app"
    assert answer["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:photos-app"
    assert answer["SubjectFromWebIdentityToken"] == identity_id
    assert answer["Audience"] == pool_id
    assert answer["Provider"] == COGNITO_IDENTITY, answer
    caller = temp("sts", url, creds).get_caller_identity()
    assert caller["Arn"] == answer["AssumedRoleUser"]["Arn"] and caller["Account"] == ACCOUNT
    assert caller["UserId"] == f"{role['RoleId']}:photos-app"
    decided = authorize(url, creds, "s3:GetObject", "arn:aws:s3:::b/k")
    assert decided["Decision"] == "Allow"
    assert authorize(url, creds, "s3:PutObject", "arn:aws:s3:::b/k")["Decision"] == "Deny"


def test_web_identity_refused_by_trust(url, cid, made):
    pool_id = made.identity_pool()
    _, token = developer_token(cid, pool_id)
    # The trust admits guests only; the token is an authenticated identity's.
    guests_only = made.role(trust=web_trust(pool_id, "unauthenticated"))
    exc = expect_client_error("AccessDenied", web_identity, url, guests_only["Arn"], token)
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # A role trusting the account, not web identities.
    expect_client_error("AccessDenied", web_identity, url, made.role()["Arn"], token)
    # A role that does not exist.
    expect_client_error("AccessDenied", web_identity, url, f"arn:aws:iam::{ACCOUNT}:role/{uniq('none')}", token)
    # A guest of the same pool is admitted by the guest role, not by the authenticated one.
    _, guest = guest_token(url, pool_id)
    assert web_identity(url, guests_only["Arn"], guest)["Credentials"]["AccessKeyId"].startswith("ASIA")
    authenticated_only = made.role(trust=web_trust(pool_id))
    expect_client_error("AccessDenied", web_identity, url, authenticated_only["Arn"], guest)


def test_web_identity_token_of_another_pool_is_refused_by_aud(url, cid, made):
    pool_id, other_pool = made.identity_pool(), made.identity_pool()
    role = made.role(trust=web_trust(pool_id))
    _, mine = developer_token(cid, pool_id)
    _, foreign = developer_token(cid, other_pool)
    assert web_identity(url, role["Arn"], mine)["Audience"] == pool_id
    expect_client_error("AccessDenied", web_identity, url, role["Arn"], foreign)


def test_web_identity_garbage_and_forged_tokens(url, cid, made):
    pool_id = made.identity_pool()
    role = made.role(trust=web_trust(pool_id))
    _, token = developer_token(cid, pool_id)
    for bad in ["garbage", "a.b.c", token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")]:
        exc = expect_client_error("InvalidIdentityToken", web_identity, url, role["Arn"], bad)
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # The token's claims changed under its signature (another pool as audience).
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["aud"] = "us-east-1:00000000-0000-0000-0000-000000000000"
    forged = ".".join([header, base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="),
                       signature])
    expect_client_error("InvalidIdentityToken", web_identity, url, role["Arn"], forged)


def test_web_identity_refuses_a_user_pool_id_token(url, made):
    """Only identity-pool OpenID tokens: a Cognate user pool's ID token (signed by Cognate, another
    issuer) is not one."""
    idp = make_client(url)
    pool_id = idp.create_user_pool(PoolName=uniq("sts-pool"))["UserPool"]["Id"]
    try:
        client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c",
                                                ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                                                   "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool_id, Username="carol", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username="carol", Password=PERM_PASSWORD, Permanent=True)
        id_token = idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                           AuthParameters={"USERNAME": "carol", "PASSWORD": PERM_PASSWORD},
                                           )["AuthenticationResult"]["IdToken"]
        role = made.role(trust=doc({"Effect": "Allow", "Principal": {"Federated": COGNITO_IDENTITY},
                                    "Action": "sts:AssumeRoleWithWebIdentity"}))
        expect_client_error("InvalidIdentityToken", web_identity, url, role["Arn"], id_token)
    finally:
        delete_pool_quietly(idp, pool_id)


def test_web_identity_duration_bounds(url, cid, made):
    pool_id = made.identity_pool()
    role = made.role(trust=web_trust(pool_id), MaxSessionDuration=7200)
    _, token = developer_token(cid, pool_id)
    short = web_identity(url, role["Arn"], token, DurationSeconds=900)["Credentials"]
    long = web_identity(url, role["Arn"], token, DurationSeconds=7200)["Credentials"]
    delta = (long["Expiration"] - short["Expiration"]).total_seconds()
    assert 6290 <= delta <= 6310, delta
    for bad in (899, 7201, 43201):
        exc = expect_client_error("ValidationError", web_identity, url, role["Arn"], token, DurationSeconds=bad,
                                  validate=False)
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_web_identity_expired_token(cid, server_factory, tmp_path):
    """An identity token past its exp: STS's ExpiredTokenException (the AssumeRoleWithWebIdentity
    error for "The web identity token that was passed is expired")."""
    srv = server_factory(tmp_path / "clock", extra_args=["--enable-test-clock"])
    made = Cleanup(aws_client("iam", srv.url), aws_client("cognito-identity", srv.url))
    pool_id = made.identity_pool()
    role = made.role(trust=web_trust(pool_id))
    _, token = developer_token(made.cid, pool_id)  # TokenDuration 900 s by default
    longer = made.cid.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={"login.cognate.e2e": uniq("dev-user")}, TokenDuration=1200)["Token"]
    assert web_identity(srv.url, role["Arn"], token)["Credentials"]["AccessKeyId"].startswith("ASIA")
    clock = http_request(srv.url, "POST", "/_cognate/test/clock", json.dumps({"advanceSeconds": 901}).encode(),
                         {"Content-Type": "application/json"})
    assert clock.status == 200, clock
    # TokenDuration 1200 s: still valid.
    assert web_identity(srv.url, role["Arn"], longer)["Credentials"]["AccessKeyId"].startswith("ASIA")
    exc = expect_client_error("ExpiredTokenException", web_identity, srv.url, role["Arn"], token)
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_web_identity_bad_session_name(url, cid, made):
    pool_id = made.identity_pool()
    role = made.role(trust=web_trust(pool_id))
    _, token = developer_token(cid, pool_id)
    expect_client_error("ValidationError", web_identity, url, role["Arn"], token, RoleSessionName="no spaces",
                        validate=False)


# ---------------------------------------------------------------------------
# STS: AssumeRole, GetCallerIdentity
# ---------------------------------------------------------------------------


def test_get_caller_identity_of_the_admin(sts):
    caller = sts.get_caller_identity()
    assert caller["Account"] == ACCOUNT
    assert caller["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    # STS's UserId is the aws:userid of the caller; for the account's root user that is the
    # account id (IAM User Guide, reference_policies_variables.html#principaltable).
    assert caller["UserId"] == ACCOUNT


def test_assume_role_by_admin_with_and_without_session_policy(url, sts, made):
    role = made.role()
    made.iam.put_role_policy(RoleName=role["RoleName"], PolicyName="s3", PolicyDocument=doc(
        {"Sid": "S3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    full = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="full", DurationSeconds=900)
    assert full["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role['RoleName']}/full"
    assert full["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:full"
    creds = full["Credentials"]
    assert temp("sts", url, creds).get_caller_identity()["Arn"] == full["AssumedRoleUser"]["Arn"]
    assert authorize(url, creds, "s3:PutObject", "arn:aws:s3:::b/k")["Decision"] == "Allow"

    narrowed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="narrow", Policy=doc(
        {"Sid": "OnlyRead", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}))["Credentials"]
    read = authorize(url, narrowed, "s3:GetObject", "arn:aws:s3:::b/k")
    assert read["Decision"] == "Allow", read
    assert {m["Policy"] for m in read["MatchedStatements"]} == {"inline:s3", "session"}, read
    assert authorize(url, narrowed, "s3:PutObject", "arn:aws:s3:::b/k")["Decision"] == "Deny"
    assert authorize(url, narrowed, "s3:GetObject", "arn:aws:s3:::other/k")["Decision"] == "Deny"
    # A session policy cannot grant more than the role.
    wide = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="wide", Policy=ALLOW_ALL)["Credentials"]
    assert authorize(url, wide, "polly:SynthesizeSpeech", "*")["Decision"] == "Deny"
    expect_client_error("MalformedPolicyDocument", sts.assume_role, RoleArn=role["Arn"], RoleSessionName="xx",
                        Policy="{not json")


def test_assume_role_refused_by_trust(url, sts, cid, made):
    pool_id = made.identity_pool()
    web_only = made.role(trust=web_trust(pool_id))
    exc = expect_client_error("AccessDenied", sts.assume_role, RoleArn=web_only["Arn"], RoleSessionName="xx")
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    other_account = made.role(trust=doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                         "Action": "sts:AssumeRole"}))
    expect_client_error("AccessDenied", sts.assume_role, RoleArn=other_account["Arn"], RoleSessionName="xx")
    expect_client_error("AccessDenied", sts.assume_role, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{uniq('none')}",
                        RoleSessionName="xx")


def test_assume_role_with_temporary_credentials_needs_sts_assume_role(url, sts, made):
    target = made.role(MaxSessionDuration=7200)
    first = made.role()
    creds = sts.assume_role(RoleArn=first["Arn"], RoleSessionName="first")["Credentials"]
    expect_client_error("AccessDenied", temp("sts", url, creds).assume_role, RoleArn=target["Arn"],
                        RoleSessionName="chained")
    made.iam.put_role_policy(RoleName=first["RoleName"], PolicyName="chain", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": target["Arn"]}))
    chained = temp("sts", url, creds).assume_role(RoleArn=target["Arn"], RoleSessionName="chained")
    assert chained["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{target['RoleName']}/chained"
    # Role chaining: at most one hour, whatever the role's MaxSessionDuration (IAM User Guide,
    # id_roles_terms-and-concepts "role chaining"); the administrator may ask for two.
    assert sts.assume_role(RoleArn=target["Arn"], RoleSessionName="direct", DurationSeconds=7200)["Credentials"]
    expect_client_error("ValidationError", sts.assume_role, RoleArn=target["Arn"], RoleSessionName="too-long",
                        DurationSeconds=7201)
    expect_client_error("ValidationError", temp("sts", url, creds).assume_role, RoleArn=target["Arn"],
                        RoleSessionName="chained-long", DurationSeconds=7200)


# ---------------------------------------------------------------------------
# The AWS CLI
# ---------------------------------------------------------------------------


def cli_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_PAGER="",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_RETRY_MODE="standard",
        AWS_MAX_ATTEMPTS="1",
    )
    env.update(extra)
    return env


def admin_env(**extra):
    return cli_env(AWS_ACCESS_KEY_ID=ADMIN_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=ADMIN_SECRET_ACCESS_KEY, **extra)


def aws(env, *args, check=True):
    proc = subprocess.run([sys.executable, "-m", "awscli", *map(str, args), "--output", "json"],
                          capture_output=True, text=True, env=env, timeout=120)
    if check:
        assert proc.returncode == 0, f"aws {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}"
        return json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc


def test_cli_iam_roles_and_policies(url, made):
    env = admin_env()
    name = uniq("cli-role")
    made.roles.append(name)
    role = aws(env, "iam", "create-role", "--role-name", name, "--assume-role-policy-document", ROOT_TRUST,
               "--endpoint-url", url)["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/{name}"
    aws(env, "iam", "put-role-policy", "--role-name", name, "--policy-name", "read", "--policy-document", S3_READ,
        "--endpoint-url", url)
    assert aws(env, "iam", "list-role-policies", "--role-name", name, "--endpoint-url", url)["PolicyNames"] == ["read"]
    assert aws(env, "iam", "get-role", "--role-name", name, "--endpoint-url", url)["Role"]["RoleId"] == role["RoleId"]
    dup = aws(env, "iam", "create-role", "--role-name", name, "--assume-role-policy-document", ROOT_TRUST,
              "--endpoint-url", url, check=False)
    assert dup.returncode != 0 and "EntityAlreadyExists" in dup.stderr, dup.stderr
    gone = aws(env, "iam", "get-role", "--role-name", uniq("none"), "--endpoint-url", url, check=False)
    assert gone.returncode != 0 and "NoSuchEntity" in gone.stderr, gone.stderr


def test_cli_get_caller_identity_admin_and_temporary(url, made):
    env = admin_env(AWS_ENDPOINT_URL_STS=url)
    caller = aws(env, "sts", "get-caller-identity")
    assert caller["Account"] == ACCOUNT and caller["Arn"] == f"arn:aws:iam::{ACCOUNT}:root", caller

    role = made.role()
    assumed = aws(env, "sts", "assume-role", "--role-arn", role["Arn"], "--role-session-name", "cli-session")
    creds = assumed["Credentials"]
    temp_env = cli_env(AWS_ACCESS_KEY_ID=creds["AccessKeyId"], AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
                       AWS_SESSION_TOKEN=creds["SessionToken"], AWS_ENDPOINT_URL_STS=url)
    caller = aws(temp_env, "sts", "get-caller-identity")
    assert caller["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role['RoleName']}/cli-session"
    assert caller["UserId"] == f"{role['RoleId']}:cli-session"

    # The --endpoint-url form works too, and a tampered token is refused.
    tampered = dict(temp_env, AWS_SESSION_TOKEN=creds["SessionToken"][:-2] + "xx")
    refused = aws(tampered, "sts", "get-caller-identity", check=False)
    assert refused.returncode != 0 and "InvalidClientTokenId" in refused.stderr, refused.stderr


def test_cli_web_identity_credential_provider(url, cid, made, tmp_path):
    """botocore's AssumeRoleWithWebIdentity provider, pointed at Cognate's STS, with an identity
    token from GetOpenIdToken in AWS_WEB_IDENTITY_TOKEN_FILE."""
    pool_id = made.identity_pool()
    role = made.role(trust=web_trust(pool_id, "unauthenticated"))
    identity_id, token = guest_token(url, pool_id)
    token_file = tmp_path / "token"
    token_file.write_text(token)
    env = cli_env(AWS_ENDPOINT_URL_STS=url, AWS_WEB_IDENTITY_TOKEN_FILE=str(token_file), AWS_ROLE_ARN=role["Arn"],
                  AWS_ROLE_SESSION_NAME="from-token-file")
    caller = aws(env, "sts", "get-caller-identity")
    assert caller["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role['RoleName']}/from-token-file", caller
    assert caller["Account"] == ACCOUNT

    # The provider's refusal: a role whose trust refuses the guest.
    other = made.role(trust=web_trust(pool_id, "authenticated"))
    refused = aws(dict(env, AWS_ROLE_ARN=other["Arn"]), "sts", "get-caller-identity", check=False)
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr, refused.stderr
