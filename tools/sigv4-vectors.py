#!/usr/bin/env python3
"""Generate SigV4 test vectors with botocore, offline, for crates/crypto/src/sigv4.rs.

botocore is the reference signer most Cognito clients (aws-cli, boto3) use, so a
request it signs must verify in Cognate. Credentials and the clock are fixed so the
output is deterministic; nothing here touches the network.

Usage: python3 tools/sigv4-vectors.py > crates/crypto/tests_data/sigv4_vectors.json
"""

import datetime
import json
import sys
from urllib.parse import urlsplit

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN//////////wEaDExample+Token=="
FROZEN = datetime.datetime(2024, 1, 1, 12, 34, 56)
REGION = "us-east-1"
SERVICE = "cognito-idp"
HOST = "localhost:9229"
TARGET = "AWSCognitoIdentityProviderService.AdminGetUser"
JSON_TYPE = "application/x-amz-json-1.1"
BODY = '{"UserPoolId":"us-east-1_EXAMPLE","Username":"alice"}'

# botocore reads the clock through this module-level function.
botocore.auth.get_current_datetime = lambda remove_tzinfo=True: FROZEN


def credentials(token=None):
    return Credentials(ACCESS_KEY, SECRET, token)


def cognito_headers(extra=()):
    headers = [("Host", HOST), ("Content-Type", JSON_TYPE), ("X-Amz-Target", TARGET)]
    headers.extend(extra)
    return headers


def build(method, url, headers, body):
    request = AWSRequest(method=method, url=url, data=body)
    for name, value in headers:
        request.headers[name] = value  # HTTPHeaders appends, so repeats survive
    return request


def capture_canonical(signer):
    """Keep the canonical request botocore signed, so a failing test can show the diff."""
    original = signer.canonical_request

    def wrapped(request):
        signer.captured = original(request)
        return signer.captured

    signer.canonical_request = wrapped
    return signer


def record(name, request, signer, service=SERVICE):
    parts = urlsplit(request.url)
    body = request.body if request.body is not None else b""
    if isinstance(body, str):
        body = body.encode()
    vector = {
        "name": name,
        "service": service,
        "region": REGION,
        "access_key_id": ACCESS_KEY,
        "secret": SECRET,
        "now": FROZEN.strftime("%Y%m%dT%H%M%SZ"),
        "method": request.method,
        "path": parts.path,
        "query": parts.query,
        # "Name:value" keeps the value's own whitespace exactly as sent.
        "headers": [f"{k}:{v}" for k, v in request.headers.items()],
        "body": body.decode(),
        "canonical_request": signer.captured,
    }
    return vector


def header_signed(name, method, url, headers, body, token=None, service=SERVICE,
                  signer=botocore.auth.SigV4Auth, context=None):
    request = build(method, url, headers, body)
    request.context.update(context or {})
    auth = capture_canonical(signer(credentials(token), service, REGION))
    auth.add_auth(request)
    return record(name, request, auth, service)


def query_signed(name, method, url, headers, body, expires, token=None,
                 signer=botocore.auth.SigV4QueryAuth):
    request = build(method, url, headers, body)
    auth = capture_canonical(signer(credentials(token), SERVICE, REGION, expires))
    auth.add_auth(request)
    return record(name, request, auth)


def vectors():
    base = f"http://{HOST}/"
    yield header_signed("cognito_admin_json", "POST", base, cognito_headers(), BODY)
    yield header_signed("session_token", "POST", base, cognito_headers(), BODY, token=TOKEN)
    yield header_signed("https_unsigned_payload", "POST", f"https://{HOST}/",
                        cognito_headers(), BODY,
                        context={"payload_signing_enabled": False})
    yield header_signed("date_header_fallback", "POST", base,
                        cognito_headers([("Date", "placeholder")]), BODY)
    yield header_signed(
        "path_and_query_encoding", "POST",
        f"http://{HOST}/my%20pool/with:colon@at!bang$d+p,c;s=e/%C3%BCn%2Fi/./x/../y//z/"
        "?b=2&a=1&a=0&c=x%20y&empty=&flag&t=~-_.%2A",
        cognito_headers(), BODY)
    yield header_signed(
        "repeated_and_whitespace_headers", "POST", base,
        cognito_headers([("X-Custom", "  a   b\tc  "), ("X-Custom", "d"),
                         ("X-Spaced", "\t lead and trail \t"), ("User-Agent", "not-signed/1.0")]),
        BODY)
    yield header_signed("s3_style_path", "GET", f"http://{HOST}/bucket/my%20key/./x",
                        [("Host", HOST)], "", service="s3", signer=botocore.auth.S3SigV4Auth)
    yield query_signed("presigned_get", "GET",
                       f"http://{HOST}/?Action=AdminGetUser&Username=alice%20b",
                       [("Host", HOST)], "", expires=300)
    yield query_signed("presigned_with_token", "GET", f"http://{HOST}/",
                       [("Host", HOST)], "", expires=900, token=TOKEN)
    # The S3 presigner's UNSIGNED-PAYLOAD style, as some other SDKs presign every service.
    yield query_signed("presigned_unsigned_payload", "GET", f"http://{HOST}/?Action=ListUsers",
                       [("Host", HOST)], "", expires=300, signer=botocore.auth.S3SigV4QueryAuth)


def main():
    json.dump({"botocore": botocore.__version__, "vectors": list(vectors())},
              sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
