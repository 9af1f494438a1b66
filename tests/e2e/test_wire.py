"""Protocol-level behaviour: JSON 1.1 framing, error shape, SigV4 authentication, CORS."""

import datetime
import json

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from helpers import (
    ADMIN_ACCESS_KEY_ID,
    ADMIN_SECRET_ACCESS_KEY,
    JSON_CONTENT_TYPE,
    REGION,
    SIGV4_ERRORS,
    all_pool_names,
    assert_aws_error,
    base_headers,
    delete_pool_quietly,
    error_code,
    http_request,
    make_client,
    missing_pool_id,
    short_type,
    sign_headers,
    to_body,
    uniq,
    utc_now_naive,
)


def create_pool_body(name):
    return {"PoolName": name}


# --- Basics -------------------------------------------------------------------


def test_health(url):
    assert http_request(url, "GET", "/health").status == 200


def test_signed_request_succeeds_with_request_id(raw):
    resp = raw("ListUserPools", {"MaxResults": 1})
    assert resp.status == 200, resp
    assert resp.headers.get("x-amzn-RequestId")
    assert resp.headers.get("Content-Type", "").startswith(JSON_CONTENT_TYPE)
    assert isinstance(resp.json["UserPools"], list)


def test_timestamps_are_epoch_seconds_on_the_wire(raw, pool):
    resp = raw("DescribeUserPool", {"UserPoolId": pool})
    assert resp.status == 200, resp
    for key in ("CreationDate", "LastModifiedDate"):
        value = resp.json["UserPool"][key]
        assert isinstance(value, (int, float)) and not isinstance(value, bool), value
        now = datetime.datetime.now(datetime.timezone.utc).timestamp()
        assert abs(now - value) < 86400, f"{key}={value} is not epoch seconds"


def test_management_error_shape(raw):
    pool_id = missing_pool_id()
    resp = raw("DescribeUserPool", {"UserPoolId": pool_id})
    message = assert_aws_error(resp, "ResourceNotFoundException")
    assert message == f"User pool {pool_id} does not exist."


# --- SigV4 ----------------------------------------------------------------------


def test_unsigned_admin_call_is_rejected(url, idp, raw):
    unsigned = make_client(url, unsigned=True)
    with pytest.raises(ClientError) as exc:
        unsigned.list_user_pools(MaxResults=10)
    assert error_code(exc.value) == "MissingAuthenticationTokenException"

    name = uniq("unsigned")
    assert_aws_error(raw("CreateUserPool", create_pool_body(name), sign=False), "MissingAuthenticationTokenException")
    assert name not in all_pool_names(idp)


def test_wrong_secret_is_rejected(url, idp, raw):
    bad = make_client(url, secret="x" * 40)
    with pytest.raises(ClientError) as exc:
        bad.list_user_pools(MaxResults=10)
    assert error_code(exc.value) == "InvalidSignatureException"

    name = uniq("badsecret")
    resp = raw("CreateUserPool", create_pool_body(name), secret="wrongSecretKey0000000000000000000000000000")
    assert_aws_error(resp, "InvalidSignatureException")
    assert name not in all_pool_names(idp)


def test_unknown_access_key_is_rejected(url, idp, raw):
    stranger = make_client(url, key="AKIAUNKNOWNKEY000000")
    with pytest.raises(ClientError) as exc:
        stranger.list_user_pools(MaxResults=10)
    assert error_code(exc.value) == "UnrecognizedClientException"

    name = uniq("unknownkey")
    assert_aws_error(raw("CreateUserPool", create_pool_body(name), key="AKIAUNKNOWNKEY000000"),
                     "UnrecognizedClientException")
    assert name not in all_pool_names(idp)


def test_stale_signature_is_rejected(idp, raw):
    name = uniq("stale")
    twenty_minutes_ago = utc_now_naive() - datetime.timedelta(minutes=20)
    resp = raw("CreateUserPool", create_pool_body(name), now=twenty_minutes_ago)
    message = assert_aws_error(resp, "InvalidSignatureException")
    assert message.startswith("Signature expired"), message
    assert name not in all_pool_names(idp)


def test_signature_from_the_near_past_is_accepted(raw):
    resp = raw("ListUserPools", {"MaxResults": 1}, now=utc_now_naive() - datetime.timedelta(minutes=2))
    assert resp.status == 200, resp


def test_tampered_body_is_rejected(url, idp):
    signed_name, sent_name = uniq("signed"), uniq("tamper")  # same length: only the bytes differ
    signed_body = to_body(create_pool_body(signed_name))
    sent_body = to_body(create_pool_body(sent_name))
    headers = sign_headers(url, signed_body, base_headers("CreateUserPool"))
    resp = http_request(url, "POST", "/", sent_body, headers)
    assert_aws_error(resp, "InvalidSignatureException")
    names = all_pool_names(idp)
    assert sent_name not in names and signed_name not in names


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda b: b + b" ", id="trailing-space"),
    pytest.param(lambda b: b.replace(b'"PoolName"', b'"DeletionProtection": "ACTIVE", "PoolName"'), id="extra-member"),
    pytest.param(lambda b: b.replace(b"-", b"_", 1), id="one-byte"),
])
def test_body_changed_after_signing_is_rejected(url, idp, tamper):
    # Sign the real request, then change the bytes on the way (a man in the middle, a buggy proxy).
    name = uniq("mitm")
    body = to_body(create_pool_body(name))
    headers = sign_headers(url, body, base_headers("CreateUserPool"))
    sent = tamper(body)
    assert sent != body
    assert_aws_error(http_request(url, "POST", "/", sent, headers), "InvalidSignatureException")
    names = all_pool_names(idp)
    assert name not in names and name.replace("-", "_", 1) not in names
    original = http_request(url, "POST", "/", body, headers)  # the untampered request is fine
    assert original.status == 200, original
    delete_pool_quietly(idp, original.json["UserPool"]["Id"])


def test_signature_or_signed_header_changed_after_signing_is_rejected(url, idp):
    name = uniq("sighdr")
    body = to_body(create_pool_body(name))
    headers = sign_headers(url, body, base_headers("CreateUserPool"))
    auth = headers["Authorization"]
    last = auth[-1]
    flipped = dict(headers, Authorization=auth[:-1] + ("0" if last != "0" else "1"))
    assert_aws_error(http_request(url, "POST", "/", body, flipped), "InvalidSignatureException")
    later = (utc_now_naive() + datetime.timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
    redated = dict(headers, **{"X-Amz-Date": later})
    assert_aws_error(http_request(url, "POST", "/", body, redated), "InvalidSignatureException")
    assert name not in all_pool_names(idp)


def test_signature_from_the_future_is_rejected(idp, raw):
    name = uniq("future")
    resp = raw("CreateUserPool", create_pool_body(name), now=utc_now_naive() + datetime.timedelta(minutes=20))
    assert_aws_error(resp, "InvalidSignatureException")
    assert name not in all_pool_names(idp)


def test_credential_scoped_to_another_service_is_rejected(url, idp):
    name = uniq("scope")
    body = to_body(create_pool_body(name))
    request = AWSRequest(method="POST", url=url.rstrip("/") + "/", data=body, headers=base_headers("CreateUserPool"))
    SigV4Auth(Credentials(ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY), "cognito-identity", REGION).add_auth(request)
    resp = http_request(url, "POST", "/", body, dict(request.headers.items()))
    assert_aws_error(resp)
    assert short_type(resp.json["__type"]) in SIGV4_ERRORS, resp
    assert name not in all_pool_names(idp)


def test_tampered_target_is_rejected(url, idp):
    name = uniq("target")
    body = to_body(create_pool_body(name))
    headers = sign_headers(url, body, base_headers("ListUserPools"))
    headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.CreateUserPool"
    assert_aws_error(http_request(url, "POST", "/", body, headers), "InvalidSignatureException")
    assert name not in all_pool_names(idp)


def test_public_operation_needs_no_signature(raw):
    body = {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": "nonexistentclient000000000",
        "AuthParameters": {"USERNAME": "nobody", "PASSWORD": "Whatever-1!"},
    }
    for kwargs in ({"sign": False}, {"sign": False, "headers": {"Authorization": "Bearer xyz"}}):
        resp = raw("InitiateAuth", body, **kwargs)
        assert_aws_error(resp)
        assert short_type(resp.json["__type"]) not in SIGV4_ERRORS, resp
    resp = raw("InitiateAuth", body)  # a signed call to a public operation is fine too
    assert_aws_error(resp)
    assert short_type(resp.json["__type"]) not in SIGV4_ERRORS, resp


# --- JSON framing and validation -------------------------------------------------


def test_malformed_json(idp, raw):
    before = all_pool_names(idp)
    resp = raw("CreateUserPool", b'{"PoolName": "half')
    assert_aws_error(resp, "SerializationException")
    assert all_pool_names(idp) == before


def test_wrong_member_type(raw):
    assert_aws_error(raw("ListUserPools", {"MaxResults": "ten"}), "SerializationException")


def test_missing_required_member(raw):
    message = assert_aws_error(raw("ListUserPools", {}), "InvalidParameterException")
    assert message == (
        "1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: "
        "Member must not be null"
    )


@pytest.mark.parametrize("max_results", [0, 61])
def test_out_of_range_member(raw, max_results):
    assert_aws_error(raw("ListUserPools", {"MaxResults": max_results}), "InvalidParameterException")


def test_over_long_member(idp, raw):
    name = "p" * 200
    message = assert_aws_error(raw("CreateUserPool", create_pool_body(name)), "InvalidParameterException")
    assert "Member must have length less than or equal to 128" in message
    assert name not in all_pool_names(idp)


def test_unknown_operation(raw):
    assert_aws_error(raw("AWSCognitoIdentityProviderService.NoSuchThing", {}), "UnknownOperationException")


def test_identity_pool_operation_is_refused_clearly(raw):
    assert_aws_error(raw("AWSCognitoIdentityService.ListIdentityPools", {"MaxResults": 10}))


def test_missing_target_header(raw):
    assert_aws_error(raw(None, {"MaxResults": 10}))


def test_body_that_is_not_an_object(raw):
    assert_aws_error(raw("ListUserPools", b"[1, 2, 3]"), "SerializationException")


def test_errors_through_boto3_carry_request_ids(idp):
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as exc:
        idp.describe_user_pool(UserPoolId=missing_pool_id())
    meta = exc.value.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 400
    assert meta["RequestId"]


# --- CORS ----------------------------------------------------------------------------


def test_cors_preflight(url):
    origin = "http://localhost:3000"
    resp = http_request(url, "OPTIONS", "/", headers={
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent",
    })
    assert resp.status in (200, 204), resp
    assert resp.headers.get("Access-Control-Allow-Origin") in ("*", origin)
    allowed = resp.headers.get("Access-Control-Allow-Headers", "").lower()
    if allowed and allowed != "*":
        for header in ("content-type", "x-amz-target", "x-amz-user-agent"):
            assert header in allowed, allowed


def test_cors_on_actual_response(url):
    origin = "http://localhost:3000"
    body = to_body({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "nonexistentclient000000000",
                    "AuthParameters": {"USERNAME": "nobody", "PASSWORD": "Whatever-1!"}})
    headers = base_headers("InitiateAuth")
    headers["Origin"] = origin
    resp = http_request(url, "POST", "/", body, headers)
    assert resp.headers.get("Access-Control-Allow-Origin") in ("*", origin)


def test_request_ids_are_unique(raw):
    ids = {raw("ListUserPools", {"MaxResults": 1}).headers.get("x-amzn-RequestId") for _ in range(3)}
    assert len(ids) == 3


def test_pretty_printed_json_is_accepted(raw):
    resp = raw("ListUserPools", json.dumps({"MaxResults": 1}, indent=2).encode())
    assert resp.status == 200, resp
