"""Tokens: JWKS, signatures, ID/access token claims, validity settings, OIDC discovery, refresh."""

import base64
import time

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from auth_fixtures import *  # noqa: F401,F403
from helpers import UUID_RE

ADMINS_ROLE = "arn:aws:iam::123456789012:role/cognate-admins"
READERS_ROLE = "arn:aws:iam::123456789012:role/cognate-readers"


def schema_pool(make_pool, **kwargs):
    return make_pool(Schema=[
        {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
        {"Name": "level", "AttributeDataType": "Number", "Mutable": True},
    ], **kwargs)


# --- JWKS and signatures -----------------------------------------------------------------


def test_jwks(auth_pool, auth_server):
    keys = auth_server.jwks(auth_pool.id)["keys"]
    assert len(keys) >= 2
    assert len({k["kid"] for k in keys}) == len(keys)
    for key in keys:
        assert key["kty"] == "RSA"
        assert key["alg"] == "RS256"
        assert key["use"] == "sig"
        assert key["kid"] and key["n"] and key["e"]
        assert "d" not in key and "p" not in key  # public halves only
        assert jwt.PyJWK(key).key.key_size >= 2048


def test_tokens_are_signed_with_the_jwks_keys(auth_pool, auth_server):
    result = auth_pool.login(auth_pool.create_user())
    id_header, _ = auth_server.verify(result["IdToken"], auth_pool.id)
    access_header, _ = auth_server.verify(result["AccessToken"], auth_pool.id)
    assert id_header["alg"] == access_header["alg"] == "RS256"
    assert id_header["kid"] != access_header["kid"]


def test_jwks_of_an_unknown_pool(auth_server):
    resp = auth_server.get("/us-east-1_NoSuchPoo/.well-known/jwks.json")
    assert resp.status in (400, 404), resp


def test_openid_configuration(auth_pool, auth_server):
    doc = auth_server.openid_configuration(auth_pool.id)
    issuer = auth_pool.issuer
    assert issuer == f"{auth_server.url}/{auth_pool.id}"
    assert doc["issuer"] == issuer
    assert doc["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["subject_types_supported"] == ["public"]
    assert isinstance(doc["response_types_supported"], list) and doc["response_types_supported"]
    # The document's jwks_uri serves the keys.
    assert doc["jwks_uri"].startswith(auth_server.url)
    path = doc["jwks_uri"][len(auth_server.url):]
    assert auth_server.get(path).json == auth_server.jwks(auth_pool.id)


def test_signing_certificate(auth_pool):
    cert_text = auth_pool.idp.get_signing_certificate(UserPoolId=auth_pool.id)["Certificate"]
    if cert_text.lstrip().startswith("-----BEGIN CERTIFICATE-----"):
        cert = x509.load_pem_x509_certificate(cert_text.encode())
    else:  # bare base64 DER, as some Cognito regions answer
        cert = x509.load_der_x509_certificate(base64.b64decode(cert_text))
    assert isinstance(cert.public_key(), rsa.RSAPublicKey)


def test_signing_certificate_of_an_unknown_pool(auth_pool):
    with raises("ResourceNotFoundException"):
        auth_pool.idp.get_signing_certificate(UserPoolId="us-east-1_NoSuchPoo")


# --- Claims --------------------------------------------------------------------------------


def test_id_token_claims(make_auth_pool):
    pool = schema_pool(make_auth_pool, SmsConfiguration=SMS_CONFIG)
    email, phone = unique_email("claims"), unique_phone()
    username = pool.create_user(uniq("claims"), attributes={
        "email": email, "email_verified": "true", "phone_number": phone, "phone_number_verified": "true",
        "given_name": "Cleo", "custom:tier": "gold", "custom:level": "3",
    })
    sub = pool.attrs_of(username)["sub"]
    result = pool.login(username)
    claims = pool.claims(result["IdToken"])

    assert claims["sub"] == sub
    assert claims["iss"] == pool.issuer
    assert claims["aud"] == pool.client_id
    assert claims["token_use"] == "id"
    assert claims["cognito:username"] == username
    assert claims["email"] == email
    assert claims["email_verified"] is True
    assert claims["phone_number"] == phone
    assert claims["phone_number_verified"] is True
    assert claims["given_name"] == "Cleo"
    assert claims["custom:tier"] == "gold"
    assert claims["custom:level"] == "3"
    for name in ("auth_time", "iat", "exp"):
        assert isinstance(claims[name], int), (name, claims)
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["auth_time"] <= claims["iat"]
    assert abs(claims["iat"] - time.time()) < 300  # seconds, not milliseconds; the session server's clock is real
    for name in ("jti", "origin_jti", "event_id"):
        assert isinstance(claims[name], str) and claims[name], (name, claims)
    assert "cognito:groups" not in claims


def test_access_token_claims(auth_pool):
    username = auth_pool.create_user()
    sub = auth_pool.attrs_of(username)["sub"]
    result = auth_pool.login(username)
    access = auth_pool.claims(result["AccessToken"])
    id_claims = auth_pool.claims(result["IdToken"])

    assert access["sub"] == sub
    assert access["iss"] == auth_pool.issuer
    assert access["client_id"] == auth_pool.client_id
    assert access["token_use"] == "access"
    assert access["scope"] == ADMIN_SCOPE
    assert access["username"] == username
    assert "aud" not in access
    assert "email" not in access
    for name in ("auth_time", "iat", "exp"):
        assert isinstance(access[name], int), (name, access)
    assert access["exp"] - access["iat"] == 3600
    for name in ("jti", "origin_jti", "event_id"):
        assert isinstance(access[name], str) and access[name], (name, access)

    # One sign-in: distinct token ids, shared origin and event.
    assert access["jti"] != id_claims["jti"]
    assert access["origin_jti"] == id_claims["origin_jti"]
    assert access["event_id"] == id_claims["event_id"]
    assert access["auth_time"] == id_claims["auth_time"]

    # Another sign-in: everything new.
    again = auth_pool.claims(auth_pool.login(username)["AccessToken"])
    assert again["jti"] != access["jti"]
    assert again["origin_jti"] != access["origin_jti"]
    assert again["event_id"] != access["event_id"]


def test_token_ids_look_like_uuids(auth_pool):
    result = auth_pool.login(auth_pool.create_user())
    for token in (result["IdToken"], result["AccessToken"]):
        claims = auth_pool.claims(token)
        assert UUID_RE.match(claims["sub"]), claims
        assert UUID_RE.match(claims["jti"]), claims


def test_groups_and_roles(make_auth_pool):
    pool = make_auth_pool()
    admins, readers, plain = uniq("admins"), uniq("readers"), uniq("plain")
    pool.idp.create_group(UserPoolId=pool.id, GroupName=readers, RoleArn=READERS_ROLE, Precedence=5)
    pool.idp.create_group(UserPoolId=pool.id, GroupName=admins, RoleArn=ADMINS_ROLE, Precedence=1)
    pool.idp.create_group(UserPoolId=pool.id, GroupName=plain)
    username = pool.create_user()
    for group in (readers, admins, plain):
        pool.idp.admin_add_user_to_group(UserPoolId=pool.id, Username=username, GroupName=group)

    result = pool.login(username)
    id_claims = pool.claims(result["IdToken"])
    assert sorted(id_claims["cognito:groups"]) == sorted([admins, readers, plain])
    assert sorted(id_claims["cognito:roles"]) == sorted([ADMINS_ROLE, READERS_ROLE])
    assert id_claims["cognito:preferred_role"] == ADMINS_ROLE

    access = pool.claims(result["AccessToken"])
    assert sorted(access["cognito:groups"]) == sorted([admins, readers, plain])


def test_group_change_shows_in_the_next_tokens(make_auth_pool):
    pool = make_auth_pool()
    group = uniq("late")
    pool.idp.create_group(UserPoolId=pool.id, GroupName=group)
    username = pool.create_user()
    first = pool.login(username)
    assert "cognito:groups" not in pool.claims(first["IdToken"])
    pool.idp.admin_add_user_to_group(UserPoolId=pool.id, Username=username, GroupName=group)
    refreshed = pool.refresh(first["RefreshToken"])
    assert pool.claims(refreshed["IdToken"])["cognito:groups"] == [group]


def test_client_token_validity(make_auth_pool):
    pool = make_auth_pool(client={
        "AccessTokenValidity": 5, "IdTokenValidity": 10,
        "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
    })
    result = pool.login(pool.create_user())
    assert result["ExpiresIn"] == 300
    access = pool.claims(result["AccessToken"])
    id_claims = pool.claims(result["IdToken"])
    assert access["exp"] - access["iat"] == 300
    assert id_claims["exp"] - id_claims["iat"] == 600


def test_token_validity_in_hours(make_auth_pool):
    pool = make_auth_pool(client={
        "AccessTokenValidity": 2, "IdTokenValidity": 1,
        "TokenValidityUnits": {"AccessToken": "hours", "IdToken": "hours"},
    })
    result = pool.login(pool.create_user())
    assert result["ExpiresIn"] == 7200
    assert pool.claims(result["AccessToken"])["exp"] - pool.claims(result["AccessToken"])["iat"] == 7200
    assert pool.claims(result["IdToken"])["exp"] - pool.claims(result["IdToken"])["iat"] == 3600


def test_read_attributes_restrict_what_clients_see(make_auth_pool):
    pool = schema_pool(make_auth_pool, client={"ReadAttributes": ["email", "email_verified"]})
    email = unique_email("ro")
    username = pool.create_user(attributes={
        "email": email, "email_verified": "true", "given_name": "Hidden", "custom:tier": "secret",
    })
    result = pool.login(username)
    claims = pool.claims(result["IdToken"])
    assert claims["email"] == email
    assert claims["sub"]
    assert "given_name" not in claims
    assert "custom:tier" not in claims

    got = attrs(pool.idp.get_user(AccessToken=result["AccessToken"]))
    assert got["email"] == email
    assert "given_name" not in got
    assert "custom:tier" not in got
    # The administrative view is not filtered.
    assert pool.attrs_of(username)["given_name"] == "Hidden"


# --- Refresh -------------------------------------------------------------------------------


@pytest.mark.parametrize("flow", ["REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"])
@pytest.mark.parametrize("admin", [False, True], ids=["public", "admin"])
def test_refresh(auth_pool, flow, admin):
    username = auth_pool.create_user()
    first = auth_pool.login(username)
    refreshed = auth_pool.refresh(first["RefreshToken"], flow=flow, admin=admin)
    assert "RefreshToken" not in refreshed
    assert refreshed["ExpiresIn"] == 3600
    assert refreshed["TokenType"] == "Bearer"

    old_access, new_access = auth_pool.claims(first["AccessToken"]), auth_pool.claims(refreshed["AccessToken"])
    new_id = auth_pool.claims(refreshed["IdToken"])
    assert new_access["username"] == username and new_id["cognito:username"] == username
    assert new_access["sub"] == old_access["sub"]
    assert new_access["jti"] != old_access["jti"]
    assert new_access["origin_jti"] == old_access["origin_jti"]
    assert new_id["origin_jti"] == old_access["origin_jti"]
    assert new_access["token_use"] == "access" and new_id["token_use"] == "id"
    # The new access token works.
    assert auth_pool.idp.get_user(AccessToken=refreshed["AccessToken"])["Username"] == username


def test_refresh_token_is_opaque(auth_pool):
    refresh_token = auth_pool.login(auth_pool.create_user())["RefreshToken"]
    assert len(refresh_token) >= 20
    assert refresh_token.count(".") != 2, "the refresh token looks like a JWS"


def test_refresh_can_be_repeated(auth_pool):
    username = auth_pool.create_user()
    refresh_token = auth_pool.login(username)["RefreshToken"]
    jtis = {auth_pool.claims(auth_pool.refresh(refresh_token)["AccessToken"])["jti"] for _ in range(3)}
    assert len(jtis) == 3


def test_refresh_with_a_secret_client(make_auth_pool):
    pool = make_auth_pool(secret=True)
    username = pool.create_user()
    refresh_token = pool.login(username)["RefreshToken"]
    with raises("NotAuthorizedException"):
        pool.idp.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                               AuthParameters={"REFRESH_TOKEN": refresh_token})
    assert pool.refresh(refresh_token, username=username)["AccessToken"]


def test_refresh_token_of_another_client(auth_pool):
    refresh_token = auth_pool.login(auth_pool.create_user())["RefreshToken"]
    other = auth_pool.add_client()
    with raises("NotAuthorizedException"):
        auth_pool.refresh(refresh_token, client=other)


def test_garbage_refresh_token(auth_pool):
    with raises("NotAuthorizedException"):
        auth_pool.refresh("not-a-refresh-token-" + "x" * 40)


def test_refresh_of_a_disabled_user(auth_pool):
    username = auth_pool.create_user()
    refresh_token = auth_pool.login(username)["RefreshToken"]
    auth_pool.idp.admin_disable_user(UserPoolId=auth_pool.id, Username=username)
    with raises("NotAuthorizedException"):
        auth_pool.refresh(refresh_token)


def test_get_tokens_from_refresh_token_without_rotation(auth_pool):
    username = auth_pool.create_user()
    first = auth_pool.login(username)
    result = auth_pool.idp.get_tokens_from_refresh_token(
        RefreshToken=first["RefreshToken"], ClientId=auth_pool.client_id)["AuthenticationResult"]
    assert "RefreshToken" not in result
    assert auth_pool.claims(result["AccessToken"])["username"] == username
    assert auth_pool.claims(result["IdToken"])["cognito:username"] == username
    # Without rotation the original refresh token keeps working.
    assert auth_pool.refresh(first["RefreshToken"])["AccessToken"]


def rotating_pool(make_pool):
    return make_pool(client={"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}})


def test_get_tokens_from_refresh_token_with_rotation(make_auth_pool):
    pool = rotating_pool(make_auth_pool)
    username = pool.create_user()
    first = pool.login(username)
    result = pool.idp.get_tokens_from_refresh_token(
        RefreshToken=first["RefreshToken"], ClientId=pool.client_id)["AuthenticationResult"]
    assert result["RefreshToken"] and result["RefreshToken"] != first["RefreshToken"]
    assert result["RefreshToken"].count(".") != 2
    assert pool.claims(result["AccessToken"])["username"] == username
    # The new refresh token works in turn.
    again = pool.idp.get_tokens_from_refresh_token(
        RefreshToken=result["RefreshToken"], ClientId=pool.client_id)["AuthenticationResult"]
    assert pool.claims(again["IdToken"])["cognito:username"] == username


# --- With the test clock -----------------------------------------------------------------------


def test_tokens_use_the_server_clock(clock_server, make_clock_pool):
    pool = make_clock_pool()
    username = pool.create_user()
    now = int(clock_server.advance(12345))  # iat and auth_time are whole seconds
    claims = pool.claims(pool.login(username)["AccessToken"])
    assert now <= claims["iat"] <= now + 60
    assert now <= claims["auth_time"] <= now + 60
    assert claims["exp"] == claims["iat"] + 3600


def test_refreshed_tokens_keep_auth_time(clock_server, make_clock_pool):
    pool = make_clock_pool()
    username = pool.create_user()
    first = pool.login(username)
    original = pool.claims(first["IdToken"])
    clock_server.advance(600)
    refreshed = pool.refresh(first["RefreshToken"])
    new_id = pool.claims(refreshed["IdToken"])
    new_access = pool.claims(refreshed["AccessToken"])
    assert new_id["iat"] >= original["iat"] + 600
    assert new_id["exp"] - new_id["iat"] == 3600
    assert new_id["auth_time"] == original["auth_time"]
    assert new_access["auth_time"] == original["auth_time"]


def test_rotated_refresh_token_grace_period(clock_server, make_clock_pool):
    pool = rotating_pool(make_clock_pool)
    username = pool.create_user()
    old = pool.login(username)["RefreshToken"]
    rotated = pool.idp.get_tokens_from_refresh_token(
        RefreshToken=old, ClientId=pool.client_id)["AuthenticationResult"]
    newest = rotated["RefreshToken"]
    assert newest != old

    # Within the grace period (a retry after a lost response) the old token still works.
    clock_server.advance(5)
    retried = pool.idp.get_tokens_from_refresh_token(
        RefreshToken=old, ClientId=pool.client_id)["AuthenticationResult"]
    assert pool.claims(retried["AccessToken"])["username"] == username
    newest = retried.get("RefreshToken", newest)

    clock_server.advance(11)  # past the grace period, counted from the rotation or from the retry
    with raises("RefreshTokenReuseException", "NotAuthorizedException"):
        pool.idp.get_tokens_from_refresh_token(RefreshToken=old, ClientId=pool.client_id)
    result = pool.idp.get_tokens_from_refresh_token(
        RefreshToken=newest, ClientId=pool.client_id)["AuthenticationResult"]
    assert pool.claims(result["AccessToken"])["username"] == username
