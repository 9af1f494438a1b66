"""Token revocation and rejection: GlobalSignOut, AdminUserGlobalSignOut, RevokeToken, disabled and
deleted users, other pools' tokens, forged tokens, expiry."""

import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from auth_fixtures import *  # noqa: F401,F403

REVOKED = "Access Token has been revoked"
EXPIRED = "Access Token has expired"


def get_user(pool, access_token):
    return pool.idp.get_user(AccessToken=access_token)


def assert_refused(pool, access_token, message=None):
    with raises("NotAuthorizedException", message=message):
        get_user(pool, access_token)


def assert_refresh_refused(pool, refresh_token):
    with raises("NotAuthorizedException"):
        pool.refresh(refresh_token)


# --- Global sign-out -----------------------------------------------------------------------------


def test_global_sign_out(auth_pool):
    username = auth_pool.create_user()
    first, second = auth_pool.login(username), auth_pool.login(username)
    assert get_user(auth_pool, first["AccessToken"])["Username"] == username

    auth_pool.idp.global_sign_out(AccessToken=first["AccessToken"])

    for session in (first, second):
        assert_refused(auth_pool, session["AccessToken"], REVOKED)
        assert_refresh_refused(auth_pool, session["RefreshToken"])
    with raises("NotAuthorizedException"):
        auth_pool.idp.change_password(AccessToken=first["AccessToken"], PreviousPassword=PASSWORD,
                                      ProposedPassword=NEW_PASSWORD)
    with raises("NotAuthorizedException"):
        auth_pool.idp.global_sign_out(AccessToken=first["AccessToken"])

    # Signing in again gives working tokens.
    fresh = auth_pool.login(username)
    assert get_user(auth_pool, fresh["AccessToken"])["Username"] == username
    assert auth_pool.refresh(fresh["RefreshToken"])["AccessToken"]


def test_admin_user_global_sign_out(auth_pool):
    username, bystander = auth_pool.create_user(), auth_pool.create_user()
    session, other = auth_pool.login(username), auth_pool.login(bystander)
    auth_pool.idp.admin_user_global_sign_out(UserPoolId=auth_pool.id, Username=username)

    assert_refused(auth_pool, session["AccessToken"], REVOKED)
    assert_refresh_refused(auth_pool, session["RefreshToken"])
    # Only that user is signed out.
    assert get_user(auth_pool, other["AccessToken"])["Username"] == bystander
    assert auth_pool.refresh(other["RefreshToken"])["AccessToken"]
    # And the user can sign in again.
    assert get_user(auth_pool, auth_pool.login(username)["AccessToken"])["Username"] == username


def test_admin_user_global_sign_out_unknown_user(auth_pool):
    with raises("UserNotFoundException"):
        auth_pool.idp.admin_user_global_sign_out(UserPoolId=auth_pool.id, Username=uniq("ghost"))


# --- RevokeToken ----------------------------------------------------------------------------------


def test_revoke_refresh_token(auth_pool):
    username = auth_pool.create_user()
    revoked, kept = auth_pool.login(username), auth_pool.login(username)
    derived = auth_pool.refresh(revoked["RefreshToken"])  # an access token of the same sign-in

    resp = auth_pool.idp.revoke_token(Token=revoked["RefreshToken"], ClientId=auth_pool.client_id)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200

    assert_refresh_refused(auth_pool, revoked["RefreshToken"])
    assert_refused(auth_pool, revoked["AccessToken"], REVOKED)
    assert_refused(auth_pool, derived["AccessToken"], REVOKED)
    # The other sign-in is untouched.
    assert get_user(auth_pool, kept["AccessToken"])["Username"] == username
    assert auth_pool.refresh(kept["RefreshToken"])["AccessToken"]


def test_revoke_refresh_token_with_a_secret_client(make_auth_pool):
    pool = make_auth_pool(secret=True)
    username = pool.create_user()
    session = pool.login(username)
    pool.idp.revoke_token(Token=session["RefreshToken"], ClientId=pool.client_id, ClientSecret=pool.secret)
    with raises("NotAuthorizedException"):
        pool.refresh(session["RefreshToken"], username=username)
    assert_refused(pool, session["AccessToken"], REVOKED)


def test_revoke_access_token_is_unsupported(auth_pool):
    session = auth_pool.login(auth_pool.create_user())
    with raises("UnsupportedTokenTypeException"):
        auth_pool.idp.revoke_token(Token=session["AccessToken"], ClientId=auth_pool.client_id)
    assert get_user(auth_pool, session["AccessToken"])


def test_revoke_token_disabled_for_the_client(make_auth_pool):
    pool = make_auth_pool(client={"EnableTokenRevocation": False})
    session = pool.login(pool.create_user())
    with raises("UnsupportedOperationException"):
        pool.idp.revoke_token(Token=session["RefreshToken"], ClientId=pool.client_id)
    assert pool.refresh(session["RefreshToken"])["AccessToken"]


# --- Users that are no longer allowed ------------------------------------------------------------


def test_disabled_user_tokens(auth_pool):
    username = auth_pool.create_user()
    session = auth_pool.login(username)
    auth_pool.idp.admin_disable_user(UserPoolId=auth_pool.id, Username=username)
    assert_refused(auth_pool, session["AccessToken"])
    assert_refresh_refused(auth_pool, session["RefreshToken"])

    # AdminDisableUser "deactivates a user and revokes all access tokens for the user".
    auth_pool.idp.admin_enable_user(UserPoolId=auth_pool.id, Username=username)
    assert_refused(auth_pool, session["AccessToken"])
    assert get_user(auth_pool, auth_pool.login(username)["AccessToken"])["Username"] == username


def test_deleted_user_tokens(auth_pool):
    username = auth_pool.create_user()
    session = auth_pool.login(username)
    auth_pool.idp.admin_delete_user(UserPoolId=auth_pool.id, Username=username)
    with raises("NotAuthorizedException", "UserNotFoundException"):
        get_user(auth_pool, session["AccessToken"])
    with raises("NotAuthorizedException", "UserNotFoundException"):
        auth_pool.refresh(session["RefreshToken"])


def test_recreated_user_does_not_inherit_tokens(auth_pool):
    username = auth_pool.create_user()
    session = auth_pool.login(username)
    auth_pool.idp.admin_delete_user(UserPoolId=auth_pool.id, Username=username)
    auth_pool.create_user(username)  # same name, new sub
    with raises("NotAuthorizedException", "UserNotFoundException"):
        get_user(auth_pool, session["AccessToken"])
    with raises("NotAuthorizedException", "UserNotFoundException"):
        auth_pool.refresh(session["RefreshToken"])


# --- Tokens of another pool ---------------------------------------------------------------------


def test_tokens_are_bound_to_their_pool(make_auth_pool):
    pool_a, pool_b = make_auth_pool(), make_auth_pool()
    username = uniq("twin")  # the same username in both pools
    pool_a.create_user(username, attributes={"email": unique_email("a"), "email_verified": "true"})
    email_b = unique_email("b")
    pool_b.create_user(username, attributes={"email": email_b, "email_verified": "true"})
    sub_b = pool_b.attrs_of(username)["sub"]

    session_b = pool_b.login(username)
    got = get_user(pool_b, session_b["AccessToken"])
    assert attrs(got)["sub"] == sub_b and attrs(got)["email"] == email_b

    # B's refresh token means nothing to A's client.
    with raises("NotAuthorizedException"):
        pool_a.refresh(session_b["RefreshToken"])

    # B's token claiming to come from A (signature kept) is refused.
    header, payload, signature = jwt_parts(session_b["AccessToken"])
    payload.update(iss=pool_a.issuer, client_id=pool_a.client_id)
    assert_refused(pool_a, forge(header, payload, signature))

    # Once B's user is gone, B's token must not resolve to A's user of the same name.
    pool_b.idp.admin_delete_user(UserPoolId=pool_b.id, Username=username)
    with raises("NotAuthorizedException", "UserNotFoundException"):
        get_user(pool_b, session_b["AccessToken"])
    assert pool_a.login(username)["AccessToken"]


# --- Forged tokens --------------------------------------------------------------------------------


def forge(header, payload, signature=""):
    """A compact JWS from a header and payload (dicts) and a signature (base64url text)."""
    compact = lambda obj: b64url(json.dumps(obj, separators=(",", ":")))  # noqa: E731
    return f"{compact(header)}.{compact(payload)}.{signature}"


def hs256(header, payload, secret):
    signing_input = f"{b64url(json.dumps(header))}.{b64url(json.dumps(payload))}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def rs256_with_own_key(header, payload):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": header["kid"]})


@pytest.fixture
def victim(auth_pool):
    """(pool, a signed-in attacker session, the victim's username and sub)."""
    attacker = auth_pool.create_user(uniq("mallory"))
    target = auth_pool.create_user(uniq("victim"))
    return auth_pool, auth_pool.login(attacker), target, auth_pool.attrs_of(target)["sub"]


def test_alg_none_is_refused(victim):
    pool, session, target, target_sub = victim
    header, payload, _ = jwt_parts(session["AccessToken"])
    payload.update(sub=target_sub, username=target)
    for alg in ("none", "None", "NONE"):
        assert_refused(pool, forge({**header, "alg": alg}, payload))
        assert_refused(pool, forge({**header, "alg": alg}, payload, "AAAA"))


def test_hs256_with_the_public_key_as_secret_is_refused(victim, auth_server):
    pool, session, target, target_sub = victim
    header, payload, _ = jwt_parts(session["AccessToken"])
    payload.update(sub=target_sub, username=target)
    jwk = next(k for k in auth_server.jwks(pool.id)["keys"] if k["kid"] == header["kid"])
    public = jwt.PyJWK(jwk).key
    secrets = [
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
        public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        json.dumps(jwk).encode(),
        jwk["n"].encode(),
    ]
    for secret in secrets:
        assert_refused(pool, hs256({**header, "alg": "HS256"}, payload, secret))


def test_altered_payload_is_refused(victim):
    pool, session, target, target_sub = victim
    header, payload, signature = jwt_parts(session["AccessToken"])
    for change in ({"sub": target_sub, "username": target}, {"username": target}, {"sub": target_sub},
                   {"exp": payload["exp"] + 86400}, {"scope": "aws.cognito.signin.user.admin openid"}):
        assert_refused(pool, forge(header, {**payload, **change}, signature))
    # The victim's password was not changed through a forged token.
    forged = forge(header, {**payload, "sub": target_sub, "username": target}, signature)
    with raises("NotAuthorizedException"):
        pool.idp.change_password(AccessToken=forged, PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD)
    assert pool.login(target, PASSWORD)["AccessToken"]


def test_unknown_kid_is_refused(victim):
    pool, session, target, target_sub = victim
    header, payload, _ = jwt_parts(session["AccessToken"])
    payload.update(sub=target_sub, username=target)
    assert_refused(pool, rs256_with_own_key({**header, "kid": "cognate-e2e-no-such-kid"}, payload))


def test_own_key_with_a_real_kid_is_refused(victim):
    pool, session, target, target_sub = victim
    header, payload, _ = jwt_parts(session["AccessToken"])
    payload.update(sub=target_sub, username=target)
    assert_refused(pool, rs256_with_own_key(header, payload))


def test_id_token_is_not_an_access_token(auth_pool):
    session = auth_pool.login(auth_pool.create_user())
    assert_refused(auth_pool, session["IdToken"])


def test_garbage_tokens_are_refused(auth_pool):
    session = auth_pool.login(auth_pool.create_user())
    header, payload, signature = session["AccessToken"].split(".")
    for token in ("abc", "a.b.c", f"{header}.{payload}", f"{header}.{payload}.", session["RefreshToken"],
                  session["AccessToken"][:-4]):
        assert_refused(auth_pool, token)


# --- With the test clock --------------------------------------------------------------------------


def test_access_token_expires(clock_server, make_clock_pool):
    pool = make_clock_pool()
    username = pool.create_user()
    session = pool.login(username)
    clock_server.advance(3601)
    assert_refused(pool, session["AccessToken"], EXPIRED)
    # The refresh token outlives it and gives a working access token.
    refreshed = pool.refresh(session["RefreshToken"])
    assert get_user(pool, refreshed["AccessToken"])["Username"] == username


def test_access_token_valid_until_expiry(clock_server, make_clock_pool):
    pool = make_clock_pool(client={"AccessTokenValidity": 5, "TokenValidityUnits": {"AccessToken": "minutes"}})
    username = pool.create_user()
    session = pool.login(username)
    clock_server.advance(290)
    assert get_user(pool, session["AccessToken"])["Username"] == username
    clock_server.advance(11)
    assert_refused(pool, session["AccessToken"], EXPIRED)


def test_refresh_token_expires(clock_server, make_clock_pool):
    pool = make_clock_pool(client={"RefreshTokenValidity": 1, "TokenValidityUnits": {"RefreshToken": "days"}})
    username = pool.create_user()
    session = pool.login(username)
    clock_server.advance(86400 - 60)
    assert pool.refresh(session["RefreshToken"])["AccessToken"]
    clock_server.advance(61)
    assert_refresh_refused(pool, session["RefreshToken"])
    assert pool.login(username)["RefreshToken"]
