"""Identity-pool credentials put to work: the per-user-folder photo-sharing policy of Cognito's
documentation decided by Cognate's authorization API (`CognateAuthz.Authorize`).

A user pool with alice and bob, an identity pool trusting it, an authenticated role whose policy
gives each identity its own folder of `my-bucket` (`${cognito-identity.amazonaws.com:sub}`), a guest
role allowing `s3:*` and `polly:*` (the guest scope-down session policy takes s3 away). The
credentials GetCredentialsForIdentity hands out are checked through Authorize, both as
AccessKeyId + SessionToken and as a SignedRequest (an S3 GET signed by botocore with the
temporary credentials): the signature, the session token, expiry (test clock), credentials of
another Cognate server, callers of Authorize without `cognate:Authorize`, principal tags.

Also Amplify v6 in Node (`js/identity.mjs`): signIn + fetchAuthSession against the identity pool,
and a guest fetchAuthSession.
"""

import datetime
import hashlib
import json
import shutil
import subprocess
import urllib.parse
from pathlib import Path
from unittest import mock

import boto3
import botocore
import botocore.auth
import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from helpers import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, PERM_PASSWORD, REGION, delete_pool_quietly, \
    expect_client_error, http_request, make_client, uniq

JS_DIR = Path(__file__).resolve().parent / "js"
NODE_TIMEOUT = 120
AUTHORIZE_TARGET = "CognateAuthz.Authorize"
BUCKET = "my-bucket"
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


# ---------------------------------------------------------------------------
# Clients and raw calls
# ---------------------------------------------------------------------------


def aws_client(service, url, key=ADMIN_ACCESS_KEY_ID, secret=ADMIN_SECRET_ACCESS_KEY, token=None, unsigned=False):
    cfg = dict(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60)
    if unsigned:
        cfg["signature_version"] = botocore.UNSIGNED
    return boto3.session.Session().client(
        service, endpoint_url=url, region_name=REGION, aws_access_key_id=key, aws_secret_access_key=secret,
        aws_session_token=token, config=Config(**cfg))


def temp_client(service, url, creds):
    """A client signing with GetCredentialsForIdentity's credentials."""
    return aws_client(service, url, creds["AccessKeyId"], creds["SecretKey"], creds["SessionToken"])


def authorize(url, body, key=ADMIN_ACCESS_KEY_ID, secret=ADMIN_SECRET_ACCESS_KEY, token=None, now=None):
    """POST CognateAuthz.Authorize signed (service cognito-identity) -> Resp."""
    payload = json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": AUTHORIZE_TARGET}
    request = AWSRequest(method="POST", url=url.rstrip("/") + "/", data=payload, headers=headers)
    signer = SigV4Auth(Credentials(key, secret, token), "cognito-identity", REGION)
    if now is None:
        signer.add_auth(request)
    else:
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
            signer.add_auth(request)
    return http_request(url, "POST", "/", payload, dict(request.headers.items()))


def error_type(resp):
    assert resp.status >= 400, resp
    return (resp.json or {}).get("__type", "").split("#")[-1]


def ask(url, creds, action, resource, context=None, **kwargs):
    """Authorize for temporary credentials (AccessKeyId + SessionToken); the parsed answer."""
    body = {"AccessKeyId": creds["AccessKeyId"], "SessionToken": creds["SessionToken"], "Action": action,
            "Resource": resource}
    if context is not None:
        body["Context"] = context
    resp = authorize(url, body, **kwargs)
    assert resp.status == 200, resp
    return resp.json


def s3_get_signed(creds, key, now=None, host="s3.amazonaws.com"):
    """An S3 GET of my-bucket/<key> (path style) signed by botocore's S3 signer with `creds`:
    (url, headers) as S3 would receive them."""
    url = f"https://{host}/{BUCKET}/{urllib.parse.quote(key, safe='/~')}"
    request = AWSRequest(method="GET", url=url, headers={})
    signer = S3SigV4Auth(Credentials(creds["AccessKeyId"], creds["SecretKey"], creds["SessionToken"]), "s3", REGION)
    if now is None:
        signer.add_auth(request)
    else:
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
            signer.add_auth(request)
    headers = dict(request.headers.items())
    headers.setdefault("host", host)
    return url, headers


def signed_request_body(url, headers, action, resource, context=None):
    body = {"SignedRequest": {"Method": "GET", "Url": url, "Headers": headers,
                              "PayloadHash": headers.get("X-Amz-Content-SHA256", EMPTY_SHA256)},
            "Action": action, "Resource": resource}
    if context is not None:
        body["Context"] = context
    return body


def advance(server_url, seconds):
    resp = http_request(server_url, "POST", "/_cognate/test/clock", json.dumps({"advanceSeconds": seconds}).encode(),
                        {"Content-Type": "application/json"})
    assert resp.status == 200, resp
    return resp.json["now"]


# ---------------------------------------------------------------------------
# The photo-sharing application
# ---------------------------------------------------------------------------


def trust_policy(pool_id, amr):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": COGNITO_IDENTITY},
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        "Condition": {
            "StringEquals": {f"{COGNITO_IDENTITY}:aud": pool_id},
            "ForAnyValue:StringLike": {f"{COGNITO_IDENTITY}:amr": amr},
        },
    }]})


PHOTO_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {
        "Sid": "ListYourObjects",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": [f"arn:aws:s3:::{BUCKET}"],
        "Condition": {"StringLike": {"s3:prefix": ["${cognito-identity.amazonaws.com:sub}/*"]}},
    },
    {
        "Sid": "ReadWriteYourObjects",
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": [f"arn:aws:s3:::{BUCKET}/${{cognito-identity.amazonaws.com:sub}}/*"],
    },
]})

GUEST_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "GuestEverything", "Effect": "Allow", "Action": ["s3:*", "polly:*"], "Resource": "*"},
]})


class PhotoApp:
    """A user pool (alice, bob), an identity pool trusting it, the authenticated and guest roles."""

    def __init__(self, url, principal_tags=False):
        self.url = url
        self.idp = make_client(url)
        self.iam = aws_client("iam", url)
        self.cid = aws_client("cognito-identity", url)
        self.cid_unsigned = aws_client("cognito-identity", url, unsigned=True)
        self.pool_id = self.idp.create_user_pool(PoolName=uniq("photos"))["UserPool"]["Id"]
        self.client_id = self.idp.create_user_pool_client(
            UserPoolId=self.pool_id, ClientName=uniq("photos"),
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                               "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        self.provider = f"cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"
        self.usernames = {}
        for name in ("alice", "bob"):
            username = uniq(name)
            self.idp.admin_create_user(UserPoolId=self.pool_id, Username=username, MessageAction="SUPPRESS")
            self.idp.admin_set_user_password(UserPoolId=self.pool_id, Username=username, Password=PERM_PASSWORD,
                                             Permanent=True)
            self.usernames[name] = username
        self.identity_pool_id = self.cid.create_identity_pool(
            IdentityPoolName=uniq("photos").replace("-", "_"),
            AllowUnauthenticatedIdentities=True,
            CognitoIdentityProviders=[{"ProviderName": self.provider, "ClientId": self.client_id}],
        )["IdentityPoolId"]
        self.auth_role_name = uniq("photos-auth")
        self.auth_role_arn = self.iam.create_role(
            RoleName=self.auth_role_name,
            AssumeRolePolicyDocument=trust_policy(self.identity_pool_id, "authenticated"))["Role"]["Arn"]
        self.iam.put_role_policy(RoleName=self.auth_role_name, PolicyName="photos", PolicyDocument=PHOTO_POLICY)
        self.guest_role_name = uniq("photos-guest")
        self.guest_role_arn = self.iam.create_role(
            RoleName=self.guest_role_name,
            AssumeRolePolicyDocument=trust_policy(self.identity_pool_id, "unauthenticated"))["Role"]["Arn"]
        self.iam.put_role_policy(RoleName=self.guest_role_name, PolicyName="guest", PolicyDocument=GUEST_POLICY)
        self.cid.set_identity_pool_roles(
            IdentityPoolId=self.identity_pool_id,
            Roles={"authenticated": self.auth_role_arn, "unauthenticated": self.guest_role_arn})
        if principal_tags:
            self.cid.set_principal_tag_attribute_map(
                IdentityPoolId=self.identity_pool_id, IdentityProviderName=self.provider, UseDefaults=True)

    def id_token(self, name):
        return self.idp.admin_initiate_auth(
            UserPoolId=self.pool_id, ClientId=self.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": self.usernames[name], "PASSWORD": PERM_PASSWORD},
        )["AuthenticationResult"]["IdToken"]

    def sign_in(self, name):
        """(identity id, credentials) of a user."""
        logins = {self.provider: self.id_token(name)}
        identity_id = self.cid_unsigned.get_id(IdentityPoolId=self.identity_pool_id, Logins=logins)["IdentityId"]
        answer = self.cid_unsigned.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
        assert answer["IdentityId"] == identity_id
        return identity_id, answer["Credentials"]

    def guest(self):
        identity_id = self.cid_unsigned.get_id(IdentityPoolId=self.identity_pool_id)["IdentityId"]
        answer = self.cid_unsigned.get_credentials_for_identity(IdentityId=identity_id)
        return identity_id, answer["Credentials"]

    def cleanup(self):
        for call in (
            lambda: self.cid.delete_identity_pool(IdentityPoolId=self.identity_pool_id),
            lambda: self.iam.delete_role_policy(RoleName=self.auth_role_name, PolicyName="photos"),
            lambda: self.iam.delete_role_policy(RoleName=self.guest_role_name, PolicyName="guest"),
            lambda: self.iam.delete_role(RoleName=self.auth_role_name),
            lambda: self.iam.delete_role(RoleName=self.guest_role_name),
        ):
            try:
                call()
            except Exception:
                pass
        delete_pool_quietly(self.idp, self.pool_id)


@pytest.fixture(scope="module")
def app(url):
    photo = PhotoApp(url)
    photo.alice_id, photo.alice = photo.sign_in("alice")
    photo.bob_id, photo.bob = photo.sign_in("bob")
    photo.guest_id, photo.guest_creds = photo.guest()
    yield photo
    photo.cleanup()


def obj(identity_id, name="photo.jpg"):
    return f"arn:aws:s3:::{BUCKET}/{identity_id}/{name}"


# ---------------------------------------------------------------------------
# The per-user folder
# ---------------------------------------------------------------------------


def test_credentials_are_temporary_keys_for_the_authenticated_role(url, app):
    assert app.alice["AccessKeyId"].startswith("ASIA")
    assert app.alice["SecretKey"] and app.alice["SessionToken"]
    assert app.alice_id != app.bob_id and app.alice_id.startswith(f"{REGION}:")
    ttl = app.alice["Expiration"] - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(minutes=55) < ttl <= datetime.timedelta(minutes=61), ttl
    caller = temp_client("sts", url, app.alice).get_caller_identity()
    assert caller["Account"] == "000000000000"
    assert caller["Arn"].startswith(f"arn:aws:sts::000000000000:assumed-role/{app.auth_role_name}/"), caller
    role_id = app.iam.get_role(RoleName=app.auth_role_name)["Role"]["RoleId"]
    assert caller["UserId"].startswith(role_id + ":"), caller


def test_alice_may_put_in_her_folder_only(url, app):
    mine = ask(url, app.alice, "s3:PutObject", obj(app.alice_id))
    assert mine["Decision"] == "Allow", mine
    assert mine["Principal"].startswith(f"arn:aws:sts::000000000000:assumed-role/{app.auth_role_name}/"), mine
    assert ask(url, app.alice, "s3:GetObject", obj(app.alice_id, "deep/er/x.png"))["Decision"] == "Allow"
    assert ask(url, app.alice, "s3:PutObject", obj(app.bob_id))["Decision"] == "Deny"
    assert ask(url, app.bob, "s3:PutObject", obj(app.bob_id))["Decision"] == "Allow"
    assert ask(url, app.bob, "s3:GetObject", obj(app.alice_id))["Decision"] == "Deny"
    # Not an action of the policy, not the bucket of the policy.
    assert ask(url, app.alice, "s3:DeleteObject", obj(app.alice_id))["Decision"] == "Deny"
    assert ask(url, app.alice, "s3:PutObject", f"arn:aws:s3:::other-bucket/{app.alice_id}/x")["Decision"] == "Deny"


def test_list_bucket_needs_her_own_prefix(url, app):
    bucket = f"arn:aws:s3:::{BUCKET}"
    own = ask(url, app.alice, "s3:ListBucket", bucket, {"s3:prefix": f"{app.alice_id}/"})
    assert own["Decision"] == "Allow", own
    assert ask(url, app.alice, "s3:ListBucket", bucket, {"s3:prefix": [f"{app.alice_id}/2026/"]})["Decision"] == "Allow"
    assert ask(url, app.alice, "s3:ListBucket", bucket, {"s3:prefix": f"{app.bob_id}/"})["Decision"] == "Deny"
    assert ask(url, app.alice, "s3:ListBucket", bucket, {"s3:prefix": ""})["Decision"] == "Deny"
    assert ask(url, app.alice, "s3:ListBucket", bucket)["Decision"] == "Deny"  # no prefix at all


def test_guest_session_policy_scopes_down_the_guest_role(url, app):
    assert ask(url, app.guest_creds, "s3:GetObject", obj(app.guest_id))["Decision"] == "Deny"
    assert ask(url, app.guest_creds, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}")["Decision"] == "Deny"
    speech = ask(url, app.guest_creds, "polly:SynthesizeSpeech", "*")
    assert speech["Decision"] == "Allow", speech
    assert speech["Principal"].startswith(f"arn:aws:sts::000000000000:assumed-role/{app.guest_role_name}/")
    policies = {m["Policy"] for m in speech["MatchedStatements"]}
    assert {"inline:guest", "guest-session-policy"} <= policies, speech


def test_matched_statements_name_policy_and_sid(url, app):
    put = ask(url, app.alice, "s3:PutObject", obj(app.alice_id))
    assert put["MatchedStatements"] == [{"Policy": "inline:photos", "Sid": "ReadWriteYourObjects", "Effect": "Allow"}]
    listing = ask(url, app.alice, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", {"s3:prefix": f"{app.alice_id}/a"})
    assert listing["MatchedStatements"] == [{"Policy": "inline:photos", "Sid": "ListYourObjects", "Effect": "Allow"}]
    denied = ask(url, app.alice, "s3:PutObject", obj(app.bob_id))
    assert denied["MatchedStatements"] == [], denied


def test_session_keys_cannot_be_overridden_by_the_context(url, app):
    # alice claims to be bob through the context: the session's own keys win.
    forged = ask(url, app.alice, "s3:PutObject", obj(app.bob_id), {f"{COGNITO_IDENTITY}:sub": app.bob_id})
    assert forged["Decision"] == "Deny", forged


def test_explicit_deny_in_an_attached_policy_wins(url, app):
    iam = app.iam
    role = uniq("photos-deny")
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy(app.identity_pool_id,
                                                                               "authenticated"))["Role"]["Arn"]
    # (A `*` inside an ARN segment does not cross the identity id's colon, as IAM documents; the
    # variable puts the colon in the pattern.)
    no_raw = {"Sid": "NoRaw", "Effect": "Deny", "Action": "s3:PutObject",
              "Resource": f"arn:aws:s3:::{BUCKET}/${{cognito-identity.amazonaws.com:sub}}/*.raw"}
    policy_arn = iam.create_policy(PolicyName=uniq("no-raw"), PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [no_raw]}))["Policy"]["Arn"]
    try:
        iam.put_role_policy(RoleName=role, PolicyName="photos", PolicyDocument=PHOTO_POLICY)
        iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
        token = app.id_token("alice")
        identity_id = app.cid_unsigned.get_id(IdentityPoolId=app.identity_pool_id,
                                              Logins={app.provider: token})["IdentityId"]
        # This role is not the pool's: the identity assumes it through STS with its OpenID token.
        open_id = app.cid_unsigned.get_open_id_token(IdentityId=identity_id, Logins={app.provider: token})["Token"]
        creds = aws_client("sts", url, unsigned=True).assume_role_with_web_identity(
            RoleArn=arn, RoleSessionName="alice", WebIdentityToken=open_id)["Credentials"]
        creds = {"AccessKeyId": creds["AccessKeyId"], "SessionToken": creds["SessionToken"]}
        ok = ask(url, creds, "s3:PutObject", obj(identity_id))
        assert ok["Decision"] == "Allow", ok
        raw = ask(url, creds, "s3:PutObject", obj(identity_id, "img.raw"))
        assert raw["Decision"] == "Deny", raw
        assert {"Policy": policy_arn, "Sid": "NoRaw", "Effect": "Deny"} in raw["MatchedStatements"], raw
    finally:
        for call in (lambda: iam.detach_role_policy(RoleName=role, PolicyArn=policy_arn),
                     lambda: iam.delete_policy(PolicyArn=policy_arn),
                     lambda: iam.delete_role_policy(RoleName=role, PolicyName="photos"),
                     lambda: iam.delete_role(RoleName=role)):
            try:
                call()
            except Exception:
                pass


# ---------------------------------------------------------------------------
# SignedRequest: the request S3 would receive
# ---------------------------------------------------------------------------


def test_signed_request_for_her_folder(url, app):
    key = f"{app.alice_id}/photo.jpg"
    s3_url, headers = s3_get_signed(app.alice, key)
    resp = authorize(url, signed_request_body(s3_url, headers, "s3:GetObject", obj(app.alice_id)))
    assert resp.status == 200, resp
    assert resp.json["Decision"] == "Allow", resp
    assert resp.json["Principal"].startswith(f"arn:aws:sts::000000000000:assumed-role/{app.auth_role_name}/")

    # The same signed request, asking about bob's folder: a valid signature, a denied action.
    resp = authorize(url, signed_request_body(s3_url, headers, "s3:GetObject", obj(app.bob_id)))
    assert resp.status == 200 and resp.json["Decision"] == "Deny", resp


def test_signed_request_without_host_header_uses_the_url(url, app):
    s3_url, headers = s3_get_signed(app.alice, f"{app.alice_id}/photo.jpg")
    headers = {k: v for k, v in headers.items() if k.lower() != "host"}
    resp = authorize(url, signed_request_body(s3_url, headers, "s3:GetObject", obj(app.alice_id)))
    assert resp.status == 200 and resp.json["Decision"] == "Allow", resp


def test_signed_request_with_tampered_signature(url, app):
    s3_url, headers = s3_get_signed(app.alice, f"{app.alice_id}/photo.jpg")
    auth = headers["Authorization"]
    last = auth[-1]
    headers["Authorization"] = auth[:-1] + ("0" if last != "0" else "1")
    resp = authorize(url, signed_request_body(s3_url, headers, "s3:GetObject", obj(app.alice_id)))
    assert error_type(resp) == "InvalidSignatureException", resp

    # A signature for another path (alice's file) replayed for bob's path.
    s3_url, headers = s3_get_signed(app.alice, f"{app.alice_id}/photo.jpg")
    other_url = s3_url.replace(urllib.parse.quote(app.alice_id), urllib.parse.quote(app.bob_id))
    resp = authorize(url, signed_request_body(other_url, headers, "s3:GetObject", obj(app.bob_id)))
    assert error_type(resp) == "InvalidSignatureException", resp


def test_signed_request_payload_hash_must_be_the_signed_one(url, app):
    """A PUT whose body hash is signed (x-amz-content-sha256): the PayloadHash the service
    reports must be the one the client signed."""
    key = f"{app.alice_id}/photo.jpg"
    s3_url = f"https://s3.amazonaws.com/{BUCKET}/{urllib.parse.quote(key, safe='/~')}"
    body = b"\xff\xd8 jpeg bytes"
    request = AWSRequest(method="PUT", url=s3_url, data=body, headers={"Content-Type": "image/jpeg"})
    S3SigV4Auth(Credentials(app.alice["AccessKeyId"], app.alice["SecretKey"], app.alice["SessionToken"]), "s3",
                REGION).add_auth(request)
    headers = dict(request.headers.items())
    assert headers["X-Amz-Content-SHA256"] == hashlib.sha256(body).hexdigest()

    def put(payload_hash, hdrs=headers):
        return authorize(url, {"SignedRequest": {"Method": "PUT", "Url": s3_url, "Headers": hdrs,
                                                 "PayloadHash": payload_hash},
                               "Action": "s3:PutObject", "Resource": obj(app.alice_id)})

    resp = put(hashlib.sha256(body).hexdigest())
    assert resp.status == 200 and resp.json["Decision"] == "Allow", resp
    resp = put(hashlib.sha256(b"other bytes").hexdigest())
    assert error_type(resp) == "InvalidSignatureException", resp
    # The method is signed too.
    resp = authorize(url, {"SignedRequest": {"Method": "DELETE", "Url": s3_url, "Headers": headers,
                                             "PayloadHash": hashlib.sha256(body).hexdigest()},
                           "Action": "s3:PutObject", "Resource": obj(app.alice_id)})
    assert error_type(resp) == "InvalidSignatureException", resp


def test_signed_request_presigned_url(url, app):
    key = f"{app.alice_id}/photo.jpg"
    s3_url = f"https://s3.amazonaws.com/{BUCKET}/{urllib.parse.quote(key, safe='/~')}"
    request = AWSRequest(method="GET", url=s3_url)
    S3SigV4QueryAuth(Credentials(app.alice["AccessKeyId"], app.alice["SecretKey"], app.alice["SessionToken"]), "s3",
                     REGION, expires=300).add_auth(request)
    presigned = request.url
    assert "X-Amz-Signature=" in presigned and "X-Amz-Security-Token=" in presigned
    resp = authorize(url, {"SignedRequest": {"Method": "GET", "Url": presigned, "Headers": {}},
                           "Action": "s3:GetObject", "Resource": obj(app.alice_id)})
    assert resp.status == 200 and resp.json["Decision"] == "Allow", resp
    tampered = presigned.replace("X-Amz-Expires=300", "X-Amz-Expires=604800")
    resp = authorize(url, {"SignedRequest": {"Method": "GET", "Url": tampered, "Headers": {}},
                           "Action": "s3:GetObject", "Resource": obj(app.alice_id)})
    assert error_type(resp) == "InvalidSignatureException", resp


def test_signed_request_signed_long_ago_is_refused(url, app):
    """A request signed 20 minutes ago (a replay) is outside SigV4's 15 minutes."""
    stale = botocore.auth.get_current_datetime() - datetime.timedelta(minutes=20)
    s3_url, headers = s3_get_signed(app.alice, f"{app.alice_id}/photo.jpg", now=stale)
    resp = authorize(url, signed_request_body(s3_url, headers, "s3:GetObject", obj(app.alice_id)))
    assert error_type(resp) == "InvalidSignatureException", resp


def test_policy_variables_need_version_2012(url, app):
    """Without "Version": "2012-10-17" a `${...}` is literal text (IAM User Guide, policy variables)."""
    iam = app.iam
    role = uniq("photos-2008")
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy(app.identity_pool_id,
                                                                               "authenticated"))["Role"]["Arn"]
    try:
        old = json.loads(PHOTO_POLICY)
        old["Version"] = "2008-10-17"
        iam.put_role_policy(RoleName=role, PolicyName="photos", PolicyDocument=json.dumps(old))
        token = app.id_token("alice")
        identity_id = app.cid_unsigned.get_id(IdentityPoolId=app.identity_pool_id,
                                              Logins={app.provider: token})["IdentityId"]
        open_id = app.cid_unsigned.get_open_id_token(IdentityId=identity_id, Logins={app.provider: token})["Token"]
        creds = aws_client("sts", url, unsigned=True).assume_role_with_web_identity(
            RoleArn=arn, RoleSessionName="alice", WebIdentityToken=open_id)["Credentials"]
        assert ask(url, creds, "s3:PutObject", obj(identity_id))["Decision"] == "Deny"
        literal = f"arn:aws:s3:::{BUCKET}/${{cognito-identity.amazonaws.com:sub}}/photo.jpg"
        assert ask(url, creds, "s3:PutObject", literal)["Decision"] == "Allow"
    finally:
        for call in (lambda: iam.delete_role_policy(RoleName=role, PolicyName="photos"),
                     lambda: iam.delete_role(RoleName=role)):
            try:
                call()
            except Exception:
                pass


def flip(text, at=40):
    ch = text[at]
    return text[:at] + ("A" if ch != "A" else "B") + text[at + 1:]


def test_tampered_session_token_is_unrecognized(url, app):
    token = app.alice["SessionToken"]
    for at in (0, len(token) // 3, len(token) // 2, len(token) - 2, len(token) - 1):
        resp = authorize(url, {"AccessKeyId": app.alice["AccessKeyId"], "SessionToken": flip(token, at),
                               "Action": "s3:GetObject", "Resource": obj(app.alice_id)})
        assert error_type(resp) == "UnrecognizedClientException", (at, resp)
    for broken in ("", token[:-1], token + "A"):
        resp = authorize(url, {"AccessKeyId": app.alice["AccessKeyId"], "SessionToken": broken,
                               "Action": "s3:GetObject", "Resource": obj(app.alice_id)})
        assert error_type(resp) == "UnrecognizedClientException", (broken[-5:], resp)

    bad = dict(app.alice, SessionToken=flip(token))
    resp = authorize(url, {"AccessKeyId": bad["AccessKeyId"], "SessionToken": bad["SessionToken"],
                           "Action": "s3:GetObject", "Resource": obj(app.alice_id)})
    assert error_type(resp) == "UnrecognizedClientException", resp

    s3_url, headers = s3_get_signed(bad, f"{app.alice_id}/photo.jpg")
    resp = authorize(url, signed_request_body(s3_url, headers, "s3:GetObject", obj(app.alice_id)))
    assert error_type(resp) == "UnrecognizedClientException", resp

    # Alice's token with bob's access key id.
    resp = authorize(url, {"AccessKeyId": app.bob["AccessKeyId"], "SessionToken": app.alice["SessionToken"],
                           "Action": "s3:GetObject", "Resource": obj(app.alice_id)})
    assert error_type(resp) == "UnrecognizedClientException", resp

    sts = temp_client("sts", url, bad)
    exc = expect_client_error("InvalidClientTokenId", sts.get_caller_identity)
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_authorize_refuses_unsigned_and_foreign_admin(url, app):
    body = {"AccessKeyId": app.alice["AccessKeyId"], "SessionToken": app.alice["SessionToken"],
            "Action": "s3:GetObject", "Resource": obj(app.alice_id)}
    resp = http_request(url, "POST", "/", json.dumps(body).encode(),
                        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": AUTHORIZE_TARGET})
    assert error_type(resp) == "MissingAuthenticationTokenException", resp
    resp = authorize(url, body, key="AKIANOTANADMINKEY000", secret="x" * 40)
    assert error_type(resp) == "UnrecognizedClientException", resp
    resp = authorize(url, body, secret="y" * 40)
    assert error_type(resp) == "InvalidSignatureException", resp


# ---------------------------------------------------------------------------
# Expiry, other servers, callers of Authorize
# ---------------------------------------------------------------------------


def test_expired_credentials(server_factory, tmp_path):
    srv = server_factory(tmp_path / "clock", extra_args=["--enable-test-clock"])
    photo = PhotoApp(srv.url)
    identity_id, creds = photo.sign_in("alice")
    assert ask(srv.url, creds, "s3:PutObject", obj(identity_id))["Decision"] == "Allow"
    advance(srv.url, 3601)
    # Signatures are judged by the wall clock (callers sign with real time); the credentials'
    # expiry by the server's moved clock.

    resp = authorize(srv.url, {"AccessKeyId": creds["AccessKeyId"], "SessionToken": creds["SessionToken"],
                               "Action": "s3:PutObject", "Resource": obj(identity_id)})
    assert error_type(resp) == "ExpiredTokenException", resp

    s3_url, headers = s3_get_signed(creds, f"{identity_id}/photo.jpg")
    resp = authorize(srv.url, signed_request_body(s3_url, headers, "s3:GetObject", obj(identity_id)))
    assert error_type(resp) == "ExpiredTokenException", resp

    exc = expect_client_error("ExpiredToken", temp_client("sts", srv.url, creds).get_caller_identity)
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    # Fresh credentials after the advance work again.
    _, fresh = photo.sign_in("alice")
    assert temp_client("sts", srv.url, fresh).get_caller_identity()["Arn"].startswith(
        f"arn:aws:sts::000000000000:assumed-role/{photo.auth_role_name}/")
    assert ask(srv.url, fresh, "s3:PutObject", obj(identity_id))["Decision"] == "Allow"


def test_credentials_one_second_before_expiry_still_work(server_factory, tmp_path):
    srv = server_factory(tmp_path / "clock", extra_args=["--enable-test-clock"])
    photo = PhotoApp(srv.url)
    identity_id, creds = photo.sign_in("alice")
    advance(srv.url, 3590)
    assert ask(srv.url, creds, "s3:PutObject", obj(identity_id))["Decision"] == "Allow"
    assert temp_client("sts", srv.url, creds).get_caller_identity()["Arn"].startswith("arn:aws:sts::")


def test_credentials_of_another_cognate_are_refused(url, app, server_factory, tmp_path):
    # A deployment of its own: another master key (and, in the PostgreSQL pass, another store).
    other = server_factory(tmp_path / "other", isolated=True)
    foreign = PhotoApp(other.url)
    foreign_id, foreign_creds = foreign.sign_in("alice")
    assert ask(other.url, foreign_creds, "s3:PutObject", obj(foreign_id))["Decision"] == "Allow"

    resp = authorize(url, {"AccessKeyId": foreign_creds["AccessKeyId"], "SessionToken": foreign_creds["SessionToken"],
                           "Action": "s3:PutObject", "Resource": obj(foreign_id)})
    assert error_type(resp) == "UnrecognizedClientException", resp
    s3_url, headers = s3_get_signed(foreign_creds, f"{foreign_id}/photo.jpg")
    resp = authorize(url, signed_request_body(s3_url, headers, "s3:GetObject", obj(foreign_id)))
    assert error_type(resp) == "UnrecognizedClientException", resp
    expect_client_error("InvalidClientTokenId", temp_client("sts", url, foreign_creds).get_caller_identity)


def test_authorize_caller_with_temporary_credentials_needs_cognate_authorize(url, app):
    body = {"AccessKeyId": app.bob["AccessKeyId"], "SessionToken": app.bob["SessionToken"],
            "Action": "s3:GetObject", "Resource": obj(app.bob_id)}
    resp = authorize(url, body, app.alice["AccessKeyId"], app.alice["SecretKey"], app.alice["SessionToken"])
    assert error_type(resp) == "AccessDeniedException", resp
    assert "cognate:Authorize" in resp.json["message"], resp

    # A service's role, allowed cognate:Authorize, assumed by the admin.
    iam = app.iam
    role = uniq("photo-service")
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": "arn:aws:iam::000000000000:root"}}]}))["Role"]["Arn"]
    try:
        iam.put_role_policy(RoleName=role, PolicyName="authz", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cognate:Authorize", "Resource": "*"}]}))
        service = aws_client("sts", url).assume_role(RoleArn=arn, RoleSessionName="photo-service")["Credentials"]
        resp = authorize(url, body, service["AccessKeyId"], service["SecretAccessKey"], service["SessionToken"])
        assert resp.status == 200 and resp.json["Decision"] == "Allow", resp
        body["Resource"] = obj(app.alice_id)
        resp = authorize(url, body, service["AccessKeyId"], service["SecretAccessKey"], service["SessionToken"])
        assert resp.status == 200 and resp.json["Decision"] == "Deny", resp
    finally:
        for call in (lambda: iam.delete_role_policy(RoleName=role, PolicyName="authz"),
                     lambda: iam.delete_role(RoleName=role)):
            try:
                call()
            except Exception:
                pass


def test_principal_tags_reach_policy_conditions(url):
    photo = PhotoApp(url, principal_tags=True)
    try:
        tagged = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "OwnHomeByUsername", "Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::home/*",
            "Condition": {"StringEquals": {"s3:ExistingObjectTag/owner": "${aws:PrincipalTag/username}",
                                           "aws:PrincipalTag/client": photo.client_id}},
        }]})
        photo.iam.put_role_policy(RoleName=photo.auth_role_name, PolicyName="tagged", PolicyDocument=tagged)
        alice_sub = photo.idp.admin_get_user(UserPoolId=photo.pool_id, Username=photo.usernames["alice"])
        alice_sub = {a["Name"]: a["Value"] for a in alice_sub["UserAttributes"]}["sub"]
        identity_id, creds = photo.sign_in("alice")
        _, bob = photo.sign_in("bob")
        mine = ask(url, creds, "s3:GetObject", "arn:aws:s3:::home/x", {"s3:ExistingObjectTag/owner": alice_sub})
        assert mine["Decision"] == "Allow", mine
        assert mine["MatchedStatements"] == [{"Policy": "inline:tagged", "Sid": "OwnHomeByUsername", "Effect": "Allow"}]
        assert ask(url, bob, "s3:GetObject", "arn:aws:s3:::home/x",
                   {"s3:ExistingObjectTag/owner": alice_sub})["Decision"] == "Deny"
        # The caller cannot bring its own principal tags.
        forged = ask(url, bob, "s3:GetObject", "arn:aws:s3:::home/x",
                     {"s3:ExistingObjectTag/owner": alice_sub, "aws:PrincipalTag/username": alice_sub})
        assert forged["Decision"] == "Deny", forged
    finally:
        try:
            photo.iam.delete_role_policy(RoleName=photo.auth_role_name, PolicyName="tagged")
        except Exception:
            pass
        photo.cleanup()


def test_principal_tags_need_tag_session_in_the_trust(url):
    """With principal tags mapped, the role's trust must allow sts:TagSession too."""
    photo = PhotoApp(url, principal_tags=True)
    try:
        untagged_trust = json.loads(trust_policy(photo.identity_pool_id, "authenticated"))
        untagged_trust["Statement"][0]["Action"] = "sts:AssumeRoleWithWebIdentity"
        photo.iam.update_assume_role_policy(RoleName=photo.auth_role_name, PolicyDocument=json.dumps(untagged_trust))
        logins = {photo.provider: photo.id_token("alice")}
        identity_id = photo.cid_unsigned.get_id(IdentityPoolId=photo.identity_pool_id, Logins=logins)["IdentityId"]
        expect_client_error("InvalidIdentityPoolConfigurationException",
                            photo.cid_unsigned.get_credentials_for_identity, IdentityId=identity_id, Logins=logins)
        # Without the mapping the same trust is enough.
        photo.cid.set_principal_tag_attribute_map(IdentityPoolId=photo.identity_pool_id,
                                                  IdentityProviderName=photo.provider, UseDefaults=False,
                                                  PrincipalTags={})
        creds = photo.cid_unsigned.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
        assert creds["AccessKeyId"].startswith("ASIA")
    finally:
        photo.cleanup()


def test_session_and_caller_condition_keys(url, app):
    """Keys the session brings (aws:userid, aws:PrincipalArn, aws:CurrentTime) and keys the
    caller passes (aws:SourceIp, aws:SecureTransport) in one policy."""
    iam = app.iam
    role = uniq("photos-keys")
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy(app.identity_pool_id,
                                                                               "authenticated"))["Role"]["Arn"]
    role_id = iam.get_role(RoleName=role)["Role"]["RoleId"]
    try:
        iam.put_role_policy(RoleName=role, PolicyName="keys", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Sid": "Home", "Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::homes/${aws:userid}/*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                               "Bool": {"aws:SecureTransport": "true"},
                               "ArnEquals": {"aws:PrincipalArn": arn},
                               "DateLessThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}}},
                {"Sid": "NotFromThere", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.66/32"}}},
            ]}))
        token = app.id_token("alice")
        identity_id = app.cid_unsigned.get_id(IdentityPoolId=app.identity_pool_id,
                                              Logins={app.provider: token})["IdentityId"]
        open_id = app.cid_unsigned.get_open_id_token(IdentityId=identity_id, Logins={app.provider: token})["Token"]
        creds = aws_client("sts", url, unsigned=True).assume_role_with_web_identity(
            RoleArn=arn, RoleSessionName="alice-home", WebIdentityToken=open_id)["Credentials"]
        home = f"arn:aws:s3:::homes/{role_id}:alice-home/a.txt"
        good = {"aws:SourceIp": "203.0.113.7", "aws:SecureTransport": "true"}
        allowed = ask(url, creds, "s3:GetObject", home, good)
        assert allowed["Decision"] == "Allow", allowed
        assert ask(url, creds, "s3:GetObject", home, dict(good, **{"aws:SourceIp": "198.51.100.7"}))["Decision"] == "Deny"
        assert ask(url, creds, "s3:GetObject", home, dict(good, **{"aws:SecureTransport": "false"}))["Decision"] == "Deny"
        assert ask(url, creds, "s3:GetObject", home, {"aws:SourceIp": "203.0.113.7"})["Decision"] == "Deny"
        denied = ask(url, creds, "s3:GetObject", home, dict(good, **{"aws:SourceIp": "203.0.113.66"}))
        assert denied["Decision"] == "Deny"
        assert {"Policy": "inline:keys", "Sid": "NotFromThere", "Effect": "Deny"} in denied["MatchedStatements"], denied
        other = f"arn:aws:s3:::homes/{role_id}:someone-else/a.txt"
        assert ask(url, creds, "s3:GetObject", other, good)["Decision"] == "Deny"
    finally:
        for call in (lambda: iam.delete_role_policy(RoleName=role, PolicyName="keys"),
                     lambda: iam.delete_role(RoleName=role)):
            try:
                call()
            except Exception:
                pass


# ---------------------------------------------------------------------------
# Amplify v6 (js/identity.mjs)
# ---------------------------------------------------------------------------


def run_identity_js(args):
    assert shutil.which("node"), "node is not installed (Node.js 20+ is needed for the Amplify identity tests)"
    assert (JS_DIR / "node_modules" / "aws-amplify").is_dir(), (
        "tests/e2e/js/node_modules/aws-amplify is missing: run `npm ci --prefix tests/e2e/js`")
    proc = subprocess.run(["node", str(JS_DIR / "identity.mjs"), json.dumps(args)], cwd=JS_DIR, capture_output=True,
                          text=True, timeout=NODE_TIMEOUT)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert proc.returncode == 0 and lines, (
        f"identity.mjs exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def test_amplify_v6_fetch_auth_session_with_identity_pool(url, app):
    base = {"endpoint": url, "userPoolId": app.pool_id, "clientId": app.client_id,
            "identityPoolId": app.identity_pool_id}
    report = run_identity_js(dict(base, steps=[
        {"op": "signIn", "username": app.usernames["alice"], "password": PERM_PASSWORD},
        {"op": "fetchAuthSession"},
    ]))
    assert all(s["ok"] for s in report["steps"]), report
    session = report["steps"][1]
    assert session["identityId"] == app.alice_id, session
    creds = session["credentials"]
    assert creds["accessKeyId"].startswith("ASIA") and creds["sessionToken"], session
    caller = aws_client("sts", url, creds["accessKeyId"], creds["secretAccessKey"],
                        creds["sessionToken"]).get_caller_identity()
    assert caller["Arn"].startswith(f"arn:aws:sts::000000000000:assumed-role/{app.auth_role_name}/"), caller
    decided = ask(url, {"AccessKeyId": creds["accessKeyId"], "SessionToken": creds["sessionToken"]},
                  "s3:PutObject", obj(app.alice_id))
    assert decided["Decision"] == "Allow", decided
    # Amplify talked to the identity pool through identityPoolEndpoint, with the user pool's token.
    targets = [r["target"] for r in report["requests"]]
    assert "GetId" in targets and "GetCredentialsForIdentity" in targets, targets
    assert all(r["url"].startswith(url) for r in report["requests"]), report["requests"]
    get_id = next(r for r in report["requests"] if r["target"] == "GetId")
    assert get_id["status"] == 200, get_id
    # Amplify v6 keys Logins by the ID token's issuer without its scheme (Cognate's
    # `127.0.0.1:PORT/<poolId>`), which Cognate takes as an alias of the pool's provider name.
    assert list(get_id["body"]["Logins"]) == [f"{url.split('://', 1)[1]}/{app.pool_id}"], get_id

    guest = run_identity_js(dict(base, steps=[{"op": "fetchAuthSession"}]))
    assert all(s["ok"] for s in guest["steps"]), guest
    guest_session = guest["steps"][0]
    assert guest_session["identityId"] and guest_session["identityId"] != app.alice_id, guest_session
    assert guest_session["tokens"] is False, guest_session
    gcreds = guest_session["credentials"]
    caller = aws_client("sts", url, gcreds["accessKeyId"], gcreds["secretAccessKey"],
                        gcreds["sessionToken"]).get_caller_identity()
    assert caller["Arn"].startswith(f"arn:aws:sts::000000000000:assumed-role/{app.guest_role_name}/"), caller
    assert app.cid.describe_identity(IdentityId=guest_session["identityId"])["IdentityId"] == \
        guest_session["identityId"]
