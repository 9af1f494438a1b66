"""Helpers for the SRP and device tests (test_srp_js.py, test_srp_pycognito.py, test_srp_negative.py,
test_devices.py).

- `run_js(...)` runs tests/e2e/js/srp.mjs, which drives amazon-cognito-identity-js against a
  Cognate server the way an application does, and returns its JSON report.
- `SrpClient` is an independent Python implementation of the client side of Cognito's SRP-6a
  (the math of amazon-cognito-identity-js's AuthenticationHelper), used to send hand-crafted
  (and deliberately broken) PASSWORD_VERIFIER / DEVICE_PASSWORD_VERIFIER answers with boto3.
  `test_srp_negative.py` checks it against the known-answer vector first.

Contract (the server side):
  InitiateAuth USER_SRP_AUTH {USERNAME, SRP_A[, SECRET_HASH][, DEVICE_KEY]}
    -> PASSWORD_VERIFIER {SALT, SRP_B, SECRET_BLOCK, USERNAME, USER_ID_FOR_SRP}
  RespondToAuthChallenge PASSWORD_VERIFIER {PASSWORD_CLAIM_SIGNATURE, PASSWORD_CLAIM_SECRET_BLOCK,
    TIMESTAMP, USERNAME[, SECRET_HASH][, DEVICE_KEY]} -> tokens | NEW_PASSWORD_REQUIRED | DEVICE_SRP_AUTH
  DEVICE_SRP_AUTH {USERNAME, DEVICE_KEY, SRP_A} -> DEVICE_PASSWORD_VERIFIER {SALT, SRP_B, SECRET_BLOCK,
    USERNAME, DEVICE_KEY}; DEVICE_PASSWORD_VERIFIER as PASSWORD_VERIFIER with pool name := DeviceGroupKey
    and username := DeviceKey.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from auth_fixtures import b64url_decode, secret_hash

JS_DIR = Path(__file__).resolve().parent / "js"
JS_SCRIPT = JS_DIR / "srp.mjs"
JS_TIMEOUT = 120

# ---------------------------------------------------------------------------
# SRP-6a constants and encodings (cognito-reference section 4)
# ---------------------------------------------------------------------------

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def pad_hex(value):
    """padHex: even-length lowercase hex with a `00` sign byte when the top bit is set."""
    text = value if isinstance(value, str) else f"{value:x}"
    text = text.lower()
    if len(text) % 2:
        text = "0" + text
    elif text[0] in "89abcdef":
        text = "00" + text
    return text


def hex_hash(hex_text):
    """SHA-256 over the bytes decoded from a hex string, as 64 hex digits."""
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


K = int(hex_hash(pad_hex(N) + pad_hex(G)), 16)
assert f"{K:064x}" == "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"


def srp_pool_name(pool_id):
    return pool_id.split("_", 1)[1]


def cognito_timestamp(when=None):
    """`EEE MMM D HH:mm:ss UTC YYYY` in UTC with an unpadded day, e.g. `Tue Mar 5 09:04:07 UTC 2024`."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    when = when.astimezone(datetime.timezone.utc)
    return (f"{WEEKDAYS[when.weekday()]} {MONTHS[when.month - 1]} {when.day} "
            f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} UTC {when.year}")


def compute_x(salt_hex, group, username, password):
    inner = hashlib.sha256(f"{group}{username}:{password}".encode()).hexdigest()
    return int(hex_hash(pad_hex(salt_hex) + inner), 16)


def hkdf16(ikm, salt):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]


def password_key(a, big_a, big_b, salt_hex, group, username, password):
    """The 16-byte key K a client derives (section 4.3 steps 3-6)."""
    u = int(hex_hash(pad_hex(big_a) + pad_hex(big_b)), 16)
    assert u != 0
    x = compute_x(salt_hex, group, username, password)
    s = pow(big_b - K * pow(G, x, N), a + u * x, N)
    return hkdf16(bytes.fromhex(pad_hex(s)), bytes.fromhex(pad_hex(u)))


def claim_signature(key, group, username, secret_block_b64, timestamp):
    message = group.encode() + username.encode() + base64.b64decode(secret_block_b64) + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def device_verifier_config(device_group_key, device_key):
    """What a client sends to ConfirmDevice: (device password, DeviceSecretVerifierConfig)."""
    device_password = base64.b64encode(os.urandom(40)).decode()
    salt_hex = pad_hex(secrets.token_hex(16))
    x = compute_x(salt_hex, device_group_key, device_key, device_password)
    verifier = pad_hex(pow(G, x, N))
    return device_password, {
        "PasswordVerifier": base64.b64encode(bytes.fromhex(verifier)).decode(),
        "Salt": base64.b64encode(bytes.fromhex(salt_hex)).decode(),
    }


class SrpClient:
    """One client-side SRP exchange; `a` may be fixed (known-answer test) or random."""

    def __init__(self, a=None):
        self.a = a if a is not None else int.from_bytes(os.urandom(128), "big") % N
        self.big_a = pow(G, self.a, N)
        assert self.big_a % N != 0

    @property
    def srp_a(self):
        """SRP_A as the clients put it on the wire: `A.toString(16)`, unpadded."""
        return f"{self.big_a:x}"

    def signature(self, challenge_params, group, username, password, timestamp):
        key = password_key(self.a, self.big_a, int(challenge_params["SRP_B"], 16), challenge_params["SALT"],
                           group, username, password)
        return claim_signature(key, group, username, challenge_params["SECRET_BLOCK"], timestamp)


class SrpSession:
    """USER_SRP_AUTH with boto3, step by step, so tests can tamper with any part of the answer.

        s = SrpSession(idp, pool_id, client_id, client_secret=None)
        challenge = s.initiate(username)               # InitiateAuth; returns the response
        responses = s.responses(password)              # a correct PASSWORD_VERIFIER answer
        s.respond(responses)                           # RespondToAuthChallenge
    """

    def __init__(self, idp, pool_id, client_id, client_secret=None):
        self.idp = idp
        self.pool_id = pool_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.client = SrpClient()
        self.challenge = None
        self.typed_username = None

    def auth_parameters(self, username, **extra):
        params = {"USERNAME": username, "SRP_A": self.client.srp_a}
        if self.client_secret:
            params["SECRET_HASH"] = secret_hash(username, self.client_id, self.client_secret)
        params.update(extra)
        return params

    def initiate(self, username, **extra):
        self.typed_username = username
        self.challenge = self.idp.initiate_auth(ClientId=self.client_id, AuthFlow="USER_SRP_AUTH",
                                                AuthParameters=self.auth_parameters(username, **extra))
        return self.challenge

    @property
    def params(self):
        return self.challenge["ChallengeParameters"]

    @property
    def user_id_for_srp(self):
        return self.params["USER_ID_FOR_SRP"]

    def responses(self, password, timestamp=None, username=None, **extra):
        """A PASSWORD_VERIFIER answer signed with `password` over `timestamp` (default: now)."""
        assert self.challenge["ChallengeName"] == "PASSWORD_VERIFIER", self.challenge
        timestamp = timestamp or cognito_timestamp()
        srp_user = self.user_id_for_srp
        signature = self.client.signature(self.params, srp_pool_name(self.pool_id), srp_user, password, timestamp)
        username = username or self.params.get("USERNAME", srp_user)
        responses = {
            "USERNAME": username,
            "PASSWORD_CLAIM_SECRET_BLOCK": self.params["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": timestamp,
        }
        if self.client_secret:
            responses["SECRET_HASH"] = secret_hash(username, self.client_id, self.client_secret)
        responses.update(extra)
        return responses

    def respond(self, responses, challenge_name="PASSWORD_VERIFIER", with_session=True):
        kwargs = {}
        if with_session and self.challenge.get("Session"):
            kwargs["Session"] = self.challenge["Session"]
        return self.idp.respond_to_auth_challenge(ClientId=self.client_id, ChallengeName=challenge_name,
                                                  ChallengeResponses=responses, **kwargs)

    def sign_in(self, username, password, **extra):
        """The whole exchange; returns the RespondToAuthChallenge response."""
        self.initiate(username, **extra)
        return self.respond(self.responses(password, **extra))


# ---------------------------------------------------------------------------
# amazon-cognito-identity-js
# ---------------------------------------------------------------------------


def _js_ready():
    if shutil.which("node") is None:
        return "node is not installed"
    if not (JS_DIR / "node_modules" / "amazon-cognito-identity-js").is_dir():
        return "tests/e2e/js/node_modules is missing: run `npm ci --prefix tests/e2e/js`"
    return None


requires_js = pytest.mark.skipif(_js_ready() is not None, reason=_js_ready() or "")


class JsRun:
    """The JSON report of one srp.mjs run."""

    def __init__(self, report, stderr):
        self.report = report
        self.stderr = stderr
        self.steps = report["steps"]
        self.requests = report["requests"]
        self.storage = report["storage"]

    def step(self, op, index=0):
        found = [s for s in self.steps if s["op"] == op]
        assert len(found) > index, f"step {op}#{index} did not run: {self}"
        return found[index]

    def calls(self, target):
        """Requests the library made to `target` (e.g. "RespondToAuthChallenge")."""
        return [r for r in self.requests if r["target"] == target]

    def challenge_names(self):
        """ChallengeName of every RespondToAuthChallenge request, in order."""
        return [r["body"]["ChallengeName"] for r in self.calls("RespondToAuthChallenge")]

    def __repr__(self):
        brief = []
        for r in self.requests:
            resp = r.get("response") or {}
            brief.append({
                "target": r["target"], "status": r.get("status"),
                "challenge": (r.get("body") or {}).get("ChallengeName") or (r.get("body") or {}).get("AuthFlow"),
                "answer": resp.get("ChallengeName") or resp.get("__type") or sorted(resp)[:4],
                "message": resp.get("message"),
            })
        steps = [{k: v for k, v in s.items() if k not in ("session", "stack")} for s in self.steps]
        return (f"JsRun(steps={json.dumps(steps)[:3000]}, requests={json.dumps(brief)[:3000]}, "
                f"stderr={self.stderr[-2000:]!r})")

    __str__ = __repr__


def run_js(server_url, pool_id, client_id, steps, storage_file=None, timeout_ms=30000):
    """Run srp.mjs with `steps` (see its header) against the server at `server_url`."""
    reason = _js_ready()
    if reason:
        pytest.skip(reason)
    args = {
        "endpoint": server_url.rstrip("/") + "/",
        "userPoolId": pool_id,
        "clientId": client_id,
        "steps": steps,
        "timeoutMs": timeout_ms,
    }
    if storage_file is not None:
        args["storageFile"] = str(storage_file)
    proc = subprocess.run(["node", str(JS_SCRIPT), json.dumps(args)], cwd=JS_DIR, capture_output=True, text=True,
                          timeout=JS_TIMEOUT)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert proc.returncode == 0 and lines, (
        f"srp.mjs exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}")
    return JsRun(json.loads(lines[-1]), proc.stderr)


def sign_in_js(pool, username, password, **step):
    """One `authenticate` step against an AuthPool's default client; returns (JsRun, step result)."""
    run = run_js(pool.env.url, pool.id, pool.client_id,
                 [{"op": "authenticate", "username": username, "password": password, **step}])
    return run, run.step("authenticate")


def token_claims(token):
    """Payload of a JWT without verification."""
    return json.loads(b64url_decode(token.split(".")[1]))
