"""Identity-pool logins Cognate verifies beyond its own user pools: OpenID Connect providers
registered in Cognate's IAM (CreateOpenIDConnectProvider, named in OpenIdConnectProviderARNs,
keyed in Logins by the issuer without its scheme) and Google (SupportedLoginProviders
`accounts.google.com`, the Google stand-in of federation_fixtures.py).

The OpenID provider is a small issuer in this module (`OidcHost`: http.server on 127.0.0.1 in a
thread, one tenant per test under its own path, each with its discovery document, its JWKS and
its keys; ID tokens minted with PyJWT, forgeries by hand). Tests check GetId and
GetCredentialsForIdentity with its ID tokens, the identity OpenID token's amr, the forgeries and
misaddressed tokens Cognate must refuse (wrong aud, wrong iss, expired, foreign keys, alg none,
HS256 keyed with the public key), a key rotation (test clock), Rules role mappings on the
provider's claims, linking a Google and a user-pool login, the IAM OpenID Connect provider
operations, and the providers Cognate does not verify yet.

Helpers: identity_fixtures.py. Contract with the binary (in addition to identity_fixtures.py's):
  IAM CreateOpenIDConnectProvider(Url, ClientIDList, ThumbprintList) -> arn:aws:iam::000000000000:
  oidc-provider/<Url without scheme>; https only, http on loopback. The login's ID token is
  verified against {issuer}/.well-known/openid-configuration -> jwks_uri (RS256/ES256), iss,
  aud (azp when aud is a list) in ClientIDList, exp, iat, sub; amr = [authenticated, key,
  key:aud:sub]. A JWKS is refetched for an unknown kid at most once a minute.
"""

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from botocore.exceptions import ClientError

from helpers import error_code, uniq
from identity_fixtures import *

GOOGLE = "accounts.google.com"
THUMBPRINT = "0" * 40


# ---------------------------------------------------------------------------
# The OpenID provider
# ---------------------------------------------------------------------------


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned_jwt(header, claims):
    return _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())


def _hs256_jwt(header, claims, secret):
    signing_input = _unsigned_jwt(header, claims)
    return signing_input + "." + _b64url(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())


def _new_key(alg):
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_jwk(private_key, kid, alg):
    algorithm = jwt.algorithms.ECAlgorithm if alg == "ES256" else jwt.algorithms.RSAAlgorithm
    jwk = algorithm.to_jwk(private_key.public_key(), as_dict=True)
    jwk.update(kid=kid, alg=alg, use="sig")
    return jwk


class Tenant:
    """One OpenID provider (issuer = host URL + its own path): published keys, the key it signs
    with, and how often its discovery document and JWKS were fetched."""

    def __init__(self, base_url, path, client_id, alg="RS256"):
        self.path = path
        self.issuer = base_url + path
        self.key = self.issuer.split("://", 1)[1]  # the Logins key
        self.client_id = client_id
        self.alg = alg
        self.lock = threading.Lock()
        self.published = []  # (kid, private key)
        self.fetches = {"discovery": 0, "jwks": 0}
        self.signing = self.publish_new_key()
        self.rogue = _new_key(alg)  # never published
        self.arn = None  # set once registered in IAM

    def publish_new_key(self):
        """Publishes a new key under a new kid; returns (kid, private key)."""
        entry = (secrets.token_hex(8), _new_key(self.alg))
        with self.lock:
            self.published.append(entry)
        return entry

    def rotate(self):
        """Signs with a new, newly published key from now on (the old one stays published)."""
        self.signing = self.publish_new_key()
        return self.signing[0]

    def discovery(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [self.alg],
        }

    def jwks(self):
        with self.lock:
            return {"keys": [_public_jwk(key, kid, self.alg) for kid, key in self.published]}

    def claims(self, sub, /, **overrides):
        """An ID token's claims for `sub`; an override of None drops the claim."""
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "sub": sub, "iat": now, "exp": now + 3600,
                  "email": f"{sub}@oidc.test"}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, sub, /, key=None, kid=None, **overrides):
        """An ID token for `sub` signed by the current key (or `key` under `kid`)."""
        signing_kid, signing_key = self.signing
        return jwt.encode(self.claims(sub, **overrides), key or signing_key, algorithm=self.alg,
                          headers={"kid": kid or signing_kid})

    def route(self, path):
        if path == f"{self.path}/.well-known/openid-configuration":
            with self.lock:
                self.fetches["discovery"] += 1
            return 200, self.discovery()
        if path == f"{self.path}/jwks":
            with self.lock:
                self.fetches["jwks"] += 1
            return 200, self.jwks()
        return 404, {"error": "not_found"}


class OidcHost:
    """http.server on 127.0.0.1 (ready once bound) serving any number of tenants by path."""

    def __init__(self):
        self.tenants = {}
        self.httpd = None
        self.url = None

    def start(self):
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                tenant = next((t for p, t in list(host.tenants.items()) if path.startswith(p + "/")), None)
                status, body = tenant.route(path) if tenant else (404, {"error": "no such tenant"})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def tenant(self, alg="RS256", client_id=None):
        path = f"/tenants/{uniq('idp')}"
        tenant = Tenant(self.url, path, client_id or uniq("app"), alg)
        self.tenants[path] = tenant
        return tenant


@pytest.fixture(scope="module")
def oidc_host():
    host = OidcHost().start()
    yield host
    host.stop()


def register(url, tenant, client_ids=None):
    """CreateOpenIDConnectProvider for `tenant` in `url`'s IAM; sets and returns tenant.arn."""
    arn = iam_client(url).create_open_id_connect_provider(
        Url=tenant.issuer, ClientIDList=client_ids or [tenant.client_id], ThumbprintList=[THUMBPRINT],
    )["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:oidc-provider/{tenant.key}", arn
    tenant.arn = arn
    return arn


@pytest.fixture
def made(url):
    """Records what a test creates on the session server; deletes it afterwards."""
    things = {"providers": [], "pools": []}
    yield things
    iam = iam_client(url)
    for arn in things["providers"]:
        try:
            iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        except Exception:
            pass
    for pool_id in things["pools"]:
        delete_identity_pool_quietly(url, pool_id)


def oidc_setup(url, host, made, alg="RS256", roles=True, **pool_kwargs):
    """A tenant registered in IAM and an identity pool trusting it (with an authenticated and an
    unauthenticated role unless `roles` is false). Returns (tenant, pool_id, roles)."""
    tenant = host.tenant(alg)
    made["providers"].append(register(url, tenant))
    pool = make_identity_pool(url, OpenIdConnectProviderARNs=[tenant.arn], **pool_kwargs)
    made["pools"].append(pool["IdentityPoolId"])
    role_arns = create_roles(url, pool["IdentityPoolId"]) if roles else None
    return tenant, pool["IdentityPoolId"], role_arns


def get_id(url, pool_id, logins):
    return identity_client(url).get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]


def get_credentials(url, identity_id, logins):
    return identity_client(url).get_credentials_for_identity(IdentityId=identity_id, Logins=logins)


def caller_arn(url, credentials):
    assert credentials["AccessKeyId"].startswith("ASIA"), credentials
    return credentials_client("sts", url, credentials).get_caller_identity()["Arn"]


def assumed_role_arn(role_arn):
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_arn.rsplit('/', 1)[1]}/CognitoIdentityCredentials"


def refused(url, pool_id, logins, code="NotAuthorizedException", message="Invalid login token."):
    """GetId with `logins` fails with `code`; returns the error message."""
    exc = expect_error(code, identity_client(url).get_id, IdentityPoolId=pool_id, Logins=logins)
    message_text = exc.response["Error"]["Message"]
    assert message is None or message_text.startswith(message), message_text
    return message_text


# ---------------------------------------------------------------------------
# OpenID Connect providers: logins that work
# ---------------------------------------------------------------------------


def test_oidc_login_gets_an_identity_and_credentials(url, oidc_host, made):
    tenant, pool_id, roles = oidc_setup(url, oidc_host, made)
    sub = uniq("sub")
    logins = {tenant.key: tenant.token(sub)}

    identity_id = get_id(url, pool_id, logins)
    assert identity_id.startswith("us-east-1:"), identity_id
    # The same subject, in a fresh token, is the same identity; another subject is another one.
    assert get_id(url, pool_id, {tenant.key: tenant.token(sub)}) == identity_id
    other = get_id(url, pool_id, {tenant.key: tenant.token(uniq("sub"))})
    assert other != identity_id

    answer = get_credentials(url, identity_id, logins)
    assert answer["IdentityId"] == identity_id
    assert caller_arn(url, answer["Credentials"]) == assumed_role_arn(roles["authenticated"])

    described = identity_client(url).describe_identity(IdentityId=identity_id)
    assert described["Logins"] == [tenant.key], described

    # The identity's OpenID token names the provider and the subject in amr.
    token = identity_client(url).get_open_id_token(IdentityId=identity_id, Logins=logins)["Token"]
    claims = verify_identity_token(url, token, pool_id)
    assert claims["sub"] == identity_id
    assert claims["amr"] == ["authenticated", tenant.key, f"{tenant.key}:{tenant.client_id}:{sub}"], claims
    # Cognate discovered the provider and fetched its keys.
    assert tenant.fetches["discovery"] >= 1 and tenant.fetches["jwks"] >= 1, tenant.fetches


def test_oidc_login_signed_es256(url, oidc_host, made):
    tenant, pool_id, roles = oidc_setup(url, oidc_host, made, alg="ES256")
    sub = uniq("sub")
    logins = {tenant.key: tenant.token(sub)}
    identity_id = get_id(url, pool_id, logins)
    assert caller_arn(url, get_credentials(url, identity_id, logins)["Credentials"]) == \
        assumed_role_arn(roles["authenticated"])


def test_oidc_audience_list_uses_azp(url, oidc_host, made):
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    sub = uniq("sub")
    both = [tenant.client_id, "another-app"]
    identity_id = get_id(url, pool_id, {tenant.key: tenant.token(sub, aud=both, azp=tenant.client_id)})
    token = identity_client(url).get_open_id_token(
        IdentityId=identity_id, Logins={tenant.key: tenant.token(sub, aud=both, azp=tenant.client_id)})["Token"]
    assert f"{tenant.key}:{tenant.client_id}:{sub}" in unverified_claims(token)["amr"]
    # Several audiences and the authorized party another app: not for this pool's client.
    refused(url, pool_id, {tenant.key: tenant.token(sub, aud=both, azp="another-app")})


def test_oidc_token_within_clock_skew_is_accepted(url, oidc_host, made):
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    now = int(time.time())
    assert get_id(url, pool_id, {tenant.key: tenant.token(uniq("sub"), exp=now - 20, iat=now - 600)})
    assert get_id(url, pool_id, {tenant.key: tenant.token(uniq("sub"), iat=now + 20)})


# ---------------------------------------------------------------------------
# OpenID Connect providers: tokens that must be refused
# ---------------------------------------------------------------------------


def test_oidc_wrong_audience_is_refused(url, oidc_host, made):
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), aud="another-app")})
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), aud=None)})


def test_oidc_wrong_issuer_is_refused(url, oidc_host, made):
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    other = oidc_host.tenant()
    # Signed by the provider's own key but claiming another issuer (another tenant, a remote one).
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), iss=other.issuer)})
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), iss="https://issuer.invalid")})
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), iss=None)})
    # A token of another provider (valid for its own issuer, same client id) under this key.
    other.client_id = tenant.client_id
    refused(url, pool_id, {tenant.key: other.token(uniq("sub"))})


def test_oidc_issuer_without_its_scheme_is_refused(url, oidc_host, made):
    """OpenID Connect Core 3.1.3.7: iss must exactly match the provider's issuer (only Google is
    known to write its issuer without a scheme)."""
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), iss=tenant.key)})


def test_oidc_expired_token_is_refused(url, oidc_host, made):
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    now = int(time.time())
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), iat=now - 7200, exp=now - 3600)})
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), exp=None)})


def test_oidc_refusal_names_its_reason(url, oidc_host, made):
    """"Invalid login token. <reason>": the reason is the check that failed (Cognito words these
    "Incorrect token audience." and "Token expired: <now> >= <exp>")."""
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    now = int(time.time())
    message = refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), iat=now - 7200, exp=now - 3600)})
    assert "expired" in message.lower(), message
    message = refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), aud="another-app")})
    assert "audience" in message.lower() or "client" in message.lower(), message
    message = refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), iss="https://issuer.invalid")})
    assert "issuer" in message.lower(), message


def test_oidc_token_issued_in_the_future_or_without_subject_is_refused(url, oidc_host, made):
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    now = int(time.time())
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), iat=now + 600, exp=now + 4200)})
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), sub=None)})
    refused(url, pool_id, {tenant.key: tenant.token("")})


def test_oidc_token_signed_by_an_unpublished_key_is_refused(url, oidc_host, made):
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    published_kid = tenant.signing[0]
    # Under the published kid, and under a kid of its own.
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), key=tenant.rogue, kid=published_kid)})
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"), key=tenant.rogue, kid="rogue-" + uniq("kid"))})
    # A tampered payload under a valid signature.
    good = tenant.token(uniq("sub")).split(".")
    forged_claims = _b64url(json.dumps(tenant.claims(uniq("victim"))).encode())
    refused(url, pool_id, {tenant.key: ".".join([good[0], forged_claims, good[2]])})


def test_oidc_alg_none_is_refused(url, oidc_host, made):
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    claims = tenant.claims(uniq("sub"))
    for header in ({"alg": "none", "kid": tenant.signing[0], "typ": "JWT"}, {"alg": "none"}, {"alg": "None"}):
        refused(url, pool_id, {tenant.key: _unsigned_jwt(header, claims) + "."})


def test_oidc_hs256_keyed_with_the_public_key_is_refused(url, oidc_host, made):
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    public = tenant.signing[1].public_key()
    n = public.public_numbers().n
    secrets_tried = [
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        n.to_bytes((n.bit_length() + 7) // 8, "big"),
        json.dumps(tenant.jwks()["keys"][0]).encode(),
    ]
    for secret in secrets_tried:
        header = {"alg": "HS256", "kid": tenant.signing[0], "typ": "JWT"}
        refused(url, pool_id, {tenant.key: _hs256_jwt(header, tenant.claims(uniq("sub")), secret)})


def test_oidc_garbage_tokens_are_refused(url, oidc_host, made):
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    for token in ("not-a-jwt", "a.b.c", tenant.token(uniq("sub")) + "x"):
        refused(url, pool_id, {tenant.key: token})


def test_oidc_key_rotation_is_picked_up_after_the_refetch(tmp_path, server_factory, oidc_host):
    srv = server_factory(tmp_path, extra_args=["--enable-test-clock"])
    tenant = oidc_host.tenant()
    register(srv.url, tenant)
    pool_id = make_identity_pool(srv.url, OpenIdConnectProviderARNs=[tenant.arn])["IdentityPoolId"]
    create_roles(srv.url, pool_id)
    sub = uniq("sub")
    old_kid = tenant.signing[0]
    identity_id = get_id(srv.url, pool_id, {tenant.key: tenant.token(sub)})
    fetched = tenant.fetches["jwks"]
    assert fetched >= 1

    new_kid = tenant.rotate()
    assert new_kid != old_kid and new_kid in [k["kid"] for k in tenant.jwks()["keys"]]
    # Past Cognate's once-a-minute limit on refetches for unknown key ids.
    advance_clock(srv.url, 61)
    logins = {tenant.key: tenant.token(sub)}
    assert jwt.get_unverified_header(logins[tenant.key])["kid"] == new_kid
    assert get_id(srv.url, pool_id, logins) == identity_id
    assert tenant.fetches["jwks"] == fetched + 1, tenant.fetches
    assert get_credentials(srv.url, identity_id, logins)["Credentials"]["AccessKeyId"].startswith("ASIA")
    # The old key is still published: its tokens still verify, from the cache.
    assert get_id(srv.url, pool_id, {tenant.key: tenant.token(sub, key=tenant.published[0][1], kid=old_kid)}) \
        == identity_id
    assert tenant.fetches["jwks"] == fetched + 1, tenant.fetches


# ---------------------------------------------------------------------------
# OpenID Connect providers: configuration
# ---------------------------------------------------------------------------


def test_oidc_provider_not_in_the_pool_is_not_supported(url, oidc_host, made):
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    elsewhere = oidc_host.tenant()
    made["providers"].append(register(url, elsewhere))  # in IAM, not in this identity pool
    refused(url, pool_id, {elsewhere.key: elsewhere.token(uniq("sub"))},
            message="Token is not from a supported provider of this identity pool.")
    # The key must be the issuer without its scheme.
    for spelling in (tenant.issuer, "https://" + tenant.key, tenant.key + "/", tenant.key.upper()):
        refused(url, pool_id, {spelling: tenant.token(uniq("sub"))},
                message="Token is not from a supported provider of this identity pool.")
    refused(url, pool_id, {tenant.arn: tenant.token(uniq("sub"))},
            message="Token is not from a supported provider of this identity pool.")


def test_oidc_provider_deleted_from_iam(url, oidc_host, made):
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    logins = {tenant.key: tenant.token(uniq("sub"))}
    identity_id = get_id(url, pool_id, logins)
    iam_client(url).delete_open_id_connect_provider(OpenIDConnectProviderArn=tenant.arn)
    refused(url, pool_id, {tenant.key: tenant.token(uniq("sub"))}, code="InvalidIdentityPoolConfigurationException",
            message=None)
    expect_error("InvalidIdentityPoolConfigurationException", identity_client(url).get_credentials_for_identity,
                 IdentityId=identity_id, Logins=logins)


def test_oidc_client_id_list_is_the_audience(url, oidc_host, made):
    """The IAM provider's ClientIDList decides the audiences; several may be listed."""
    tenant = oidc_host.tenant()
    made["providers"].append(register(url, tenant, client_ids=[tenant.client_id, "second-app"]))
    pool_id = make_identity_pool(url, OpenIdConnectProviderARNs=[tenant.arn])["IdentityPoolId"]
    made["pools"].append(pool_id)
    sub = uniq("sub")
    first = get_id(url, pool_id, {tenant.key: tenant.token(sub)})
    assert get_id(url, pool_id, {tenant.key: tenant.token(sub, aud="second-app")}) == first
    refused(url, pool_id, {tenant.key: tenant.token(sub, aud="third-app")})


def test_rules_role_mapping_on_an_oidc_claim(url, oidc_host, made):
    tenant, pool_id, roles = oidc_setup(url, oidc_host, made)
    eng_role = create_role(url, pool_id, "authenticated", name=uniq("EngRole"))
    identity_client(url).set_identity_pool_roles(
        IdentityPoolId=pool_id,
        Roles=roles,
        RoleMappings={tenant.key: {
            "Type": "Rules",
            "AmbiguousRoleResolution": "AuthenticatedRole",
            "RulesConfiguration": {"Rules": [
                {"Claim": "dept", "MatchType": "Equals", "Value": "eng", "RoleARN": eng_role},
            ]},
        }},
    )
    mapped = identity_client(url).get_identity_pool_roles(IdentityPoolId=pool_id)["RoleMappings"]
    assert list(mapped) == [tenant.key], mapped

    engineer = {tenant.key: tenant.token(uniq("sub"), dept="eng")}
    seller = {tenant.key: tenant.token(uniq("sub"), dept="sales")}
    nobody = {tenant.key: tenant.token(uniq("sub"))}
    for logins, role in ((engineer, eng_role), (seller, roles["authenticated"]), (nobody, roles["authenticated"])):
        identity_id = get_id(url, pool_id, logins)
        assert caller_arn(url, get_credentials(url, identity_id, logins)["Credentials"]) == assumed_role_arn(role)

    # Deny when no rule decides.
    identity_client(url).set_identity_pool_roles(
        IdentityPoolId=pool_id,
        Roles=roles,
        RoleMappings={tenant.key: {
            "Type": "Rules",
            "AmbiguousRoleResolution": "Deny",
            "RulesConfiguration": {"Rules": [
                {"Claim": "dept", "MatchType": "Equals", "Value": "eng", "RoleARN": eng_role},
            ]},
        }},
    )
    seller_id = get_id(url, pool_id, seller)
    expect_error("NotAuthorizedException", identity_client(url).get_credentials_for_identity,
                 IdentityId=seller_id, Logins=seller)
    engineer_id = get_id(url, pool_id, engineer)
    assert caller_arn(url, get_credentials(url, engineer_id, engineer)["Credentials"]) == assumed_role_arn(eng_role)


def test_deny_role_mapping_holds_for_every_spelling_of_the_provider_key(url, oidc_host, made):
    """A Rules mapping with AmbiguousRoleResolution Deny, keyed by the provider's name, must
    decide every login of that provider: the same token under another spelling of the key (the
    issuer with its scheme) must not get the authenticated role, nor a second identity."""
    tenant, pool_id, roles = oidc_setup(url, oidc_host, made)
    eng_role = create_role(url, pool_id, "authenticated", name=uniq("EngRole"))
    identity_client(url).set_identity_pool_roles(
        IdentityPoolId=pool_id,
        Roles=roles,
        RoleMappings={tenant.key: {
            "Type": "Rules",
            "AmbiguousRoleResolution": "Deny",
            "RulesConfiguration": {"Rules": [
                {"Claim": "dept", "MatchType": "Equals", "Value": "eng", "RoleARN": eng_role},
            ]},
        }},
    )
    sub = uniq("sub")
    logins = {tenant.key: tenant.token(sub, dept="sales")}
    identity_id = get_id(url, pool_id, logins)
    expect_error("NotAuthorizedException", identity_client(url).get_credentials_for_identity,
                 IdentityId=identity_id, Logins=logins)
    for spelling in (tenant.issuer, "https://" + tenant.key, tenant.key + "/"):
        other = {spelling: tenant.token(sub, dept="sales")}
        try:
            other_id = get_id(url, pool_id, other)
        except ClientError as exc:
            assert error_code(exc) == "NotAuthorizedException", exc.response
            continue
        assert other_id == identity_id, (spelling, other_id, identity_id)
        expect_error("NotAuthorizedException", identity_client(url).get_credentials_for_identity,
                     IdentityId=other_id, Logins=other)


# ---------------------------------------------------------------------------
# IAM OpenID Connect provider operations
# ---------------------------------------------------------------------------


def test_iam_open_id_connect_provider_operations(url):
    iam = iam_client(url)
    host = f"idp-{uniq('x')}.example.com"
    issuer = f"https://{host}/tenant/v2"
    arn = iam.create_open_id_connect_provider(
        Url=issuer, ClientIDList=["app-1", "app-2"], ThumbprintList=[THUMBPRINT])["OpenIDConnectProviderArn"]
    try:
        assert arn == f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}/tenant/v2"
        got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        assert got["Url"] == f"{host}/tenant/v2", got
        assert got["ClientIDList"] == ["app-1", "app-2"], got
        assert got["ThumbprintList"] == [THUMBPRINT], got
        assert got["CreateDate"], got
        listed = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
        assert arn in listed, listed

        exc = expect_error("EntityAlreadyExists", iam.create_open_id_connect_provider,
                           Url=issuer, ClientIDList=["app-3"], ThumbprintList=[THUMBPRINT])
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 409, exc.response
    finally:
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)

    expect_error("NoSuchEntity", iam.get_open_id_connect_provider, OpenIDConnectProviderArn=arn)
    expect_error("NoSuchEntity", iam.delete_open_id_connect_provider, OpenIDConnectProviderArn=arn)
    listed = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    assert arn not in listed


def test_iam_open_id_connect_provider_needs_https_off_loopback(url, oidc_host, made):
    iam = iam_client(url)
    host = f"idp-{uniq('x')}.example.com"
    # IAM: "Invalid Open ID Connect Provider URL. The URL must begin with https://." (InvalidInput).
    expect_error("InvalidInput", iam.create_open_id_connect_provider,
                 Url=f"http://{host}/x", ClientIDList=["app"], ThumbprintList=[THUMBPRINT])
    arns = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    assert not any(host in arn for arn in arns), arns
    # Loopback may be plain http (as the tenants of this module are).
    made["providers"].append(register(url, oidc_host.tenant()))


# ---------------------------------------------------------------------------
# Google
# ---------------------------------------------------------------------------


def google_app(google, misbehave=None):
    """A Google app of the stand-in, signing in as a fresh account: (client_id, grant)."""
    client_id = f"{uniq('g')}.apps.googleusercontent.com"
    account = {"sub": str(secrets.randbelow(10**20) + 10**20), "email": f"{uniq('g')}@gmail.test",
               "email_verified": True, "name": "Gee User"}
    google.register(client_id, uniq("secret"), account, misbehave=misbehave)
    return client_id, {"client_id": client_id, "account": account}


def test_google_login_gets_an_identity_and_credentials(url, social_stand_ins, made):
    google = social_stand_ins.google
    client_id, grant = google_app(google)
    pool = make_identity_pool(url, SupportedLoginProviders={GOOGLE: client_id})
    made["pools"].append(pool["IdentityPoolId"])
    roles = create_roles(url, pool["IdentityPoolId"])

    logins = {GOOGLE: google.id_token(grant)}
    identity_id = get_id(url, pool["IdentityPoolId"], logins)
    assert get_id(url, pool["IdentityPoolId"], {GOOGLE: google.id_token(grant)}) == identity_id
    answer = get_credentials(url, identity_id, logins)
    assert caller_arn(url, answer["Credentials"]) == assumed_role_arn(roles["authenticated"])
    token = identity_client(url).get_open_id_token(IdentityId=identity_id, Logins=logins)["Token"]
    sub = grant["account"]["sub"]
    assert verify_identity_token(url, token, pool["IdentityPoolId"])["amr"] == \
        ["authenticated", GOOGLE, f"{GOOGLE}:{client_id}:{sub}"]
    assert identity_client(url).describe_identity(IdentityId=identity_id)["Logins"] == [GOOGLE]


def test_google_client_id_follows_the_pool(url, social_stand_ins, made):
    """The Google client id is read from the pool as it is now (UpdateIdentityPool)."""
    google = social_stand_ins.google
    first, first_grant = google_app(google)
    second, second_grant = google_app(google)
    cid = identity_client(url)
    pool = make_identity_pool(url, SupportedLoginProviders={GOOGLE: first})
    made["pools"].append(pool["IdentityPoolId"])
    pool_id = pool["IdentityPoolId"]
    first_id = get_id(url, pool_id, {GOOGLE: google.id_token(first_grant)})
    refused(url, pool_id, {GOOGLE: google.id_token(second_grant)})

    cid.update_identity_pool(IdentityPoolId=pool_id, IdentityPoolName=pool["IdentityPoolName"],
                             AllowUnauthenticatedIdentities=False, SupportedLoginProviders={GOOGLE: second})
    second_id = get_id(url, pool_id, {GOOGLE: google.id_token(second_grant)})
    assert second_id != first_id
    refused(url, pool_id, {GOOGLE: google.id_token(first_grant)})


@pytest.mark.parametrize("misbehave", ["wrong-aud", "wrong-iss", "expired", "foreign-key", "foreign-kid",
                                       "alg-none", "hs256-modulus", "hs256-secret"])
def test_misbehaving_google_app_is_refused(url, social_stand_ins, made, misbehave):
    google = social_stand_ins.google
    client_id, grant = google_app(google, misbehave=misbehave)
    pool_id = make_identity_pool(url, SupportedLoginProviders={GOOGLE: client_id})["IdentityPoolId"]
    made["pools"].append(pool_id)
    create_roles(url, pool_id)
    refused(url, pool_id, {GOOGLE: google.id_token(grant)})


def test_google_token_is_not_from_a_pool_without_google(url, social_stand_ins, oidc_host, made):
    google = social_stand_ins.google
    _, grant = google_app(google)
    tenant, pool_id, _ = oidc_setup(url, oidc_host, made)
    refused(url, pool_id, {GOOGLE: google.id_token(grant)},
            message="Token is not from a supported provider of this identity pool.")


def test_google_and_user_pool_logins_link_to_one_identity(url, social_stand_ins, made):
    google = social_stand_ins.google
    client_id, grant = google_app(google)
    up = make_user_pool(url)
    try:
        pool = make_identity_pool(url, [up], SupportedLoginProviders={GOOGLE: client_id})
        pool_id = pool["IdentityPoolId"]
        made["pools"].append(pool_id)
        roles = create_roles(url, pool_id)
        user = up.users[0]

        # First with Google alone; then with both: the user-pool login joins that identity.
        identity_id = get_id(url, pool_id, {GOOGLE: google.id_token(grant)})
        both = {GOOGLE: google.id_token(grant), up.provider: user.id_token}
        assert get_id(url, pool_id, both) == identity_id
        assert get_id(url, pool_id, {up.provider: user.id_token}) == identity_id
        assert get_id(url, pool_id, {GOOGLE: google.id_token(grant)}) == identity_id

        described = identity_client(url).describe_identity(IdentityId=identity_id)
        assert sorted(described["Logins"]) == sorted([GOOGLE, up.provider]), described
        listed = identity_client(url).list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]
        assert [i["IdentityId"] for i in listed] == [identity_id], listed
        assert sorted(listed[0]["Logins"]) == sorted([GOOGLE, up.provider]), listed

        # Either login, or both, gets the identity's credentials.
        for logins in ({GOOGLE: google.id_token(grant)}, {up.provider: user.id_token}, both):
            answer = get_credentials(url, identity_id, logins)
            assert caller_arn(url, answer["Credentials"]) == assumed_role_arn(roles["authenticated"])
        token = identity_client(url).get_open_id_token(IdentityId=identity_id, Logins=both)["Token"]
        amr = verify_identity_token(url, token, pool_id)["amr"]
        assert "authenticated" in amr and GOOGLE in amr and up.provider in amr, amr
    finally:
        delete_pool_quietly_up(up)


def test_google_and_user_pool_logins_together_in_one_get_id(url, social_stand_ins, made):
    google = social_stand_ins.google
    client_id, grant = google_app(google)
    up = make_user_pool(url)
    try:
        pool_id = make_identity_pool(url, [up], SupportedLoginProviders={GOOGLE: client_id})["IdentityPoolId"]
        made["pools"].append(pool_id)
        user = up.users[0]
        identity_id = get_id(url, pool_id, {GOOGLE: google.id_token(grant), up.provider: user.id_token})
        assert get_id(url, pool_id, {up.provider: user.id_token}) == identity_id
        assert get_id(url, pool_id, {GOOGLE: google.id_token(grant)}) == identity_id
        described = identity_client(url).describe_identity(IdentityId=identity_id)
        assert sorted(described["Logins"]) == sorted([GOOGLE, up.provider]), described
    finally:
        delete_pool_quietly_up(up)


def delete_pool_quietly_up(up):
    try:
        up.idp.delete_user_pool(UserPoolId=up.pool_id)
    except Exception:
        pass


# ---------------------------------------------------------------------------
# Providers Cognate does not verify yet
# ---------------------------------------------------------------------------


# Facebook and SAML logins are verified (test_identity_saml_facebook_logins.py), and Login
# with Amazon's (test_identity_amazon_logins.py).
@pytest.mark.parametrize("provider,app", [
    ("api.twitter.com", "consumerkey;consumersecret"),
    ("www.digits.com", "consumerkey;consumersecret"),
])
def test_social_logins_not_verified_yet(url, made, provider, app):
    pool_id = make_identity_pool(url, SupportedLoginProviders={provider: app})["IdentityPoolId"]
    made["pools"].append(pool_id)
    create_roles(url, pool_id)
    message = refused(url, pool_id, {provider: "some-provider-token"}, message=None)
    assert message.startswith(f"Logins from {provider} are not verified by Cognate yet"), message
