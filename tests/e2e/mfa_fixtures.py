"""Helpers for the multi-factor authentication tests (test_mfa.py, test_mfa_js.py).

Contract (Cognito semantics):
  SetUserPoolMfaConfig {MfaConfiguration ON|OPTIONAL|OFF, SoftwareTokenMfaConfiguration,
    SmsMfaConfiguration {SmsAuthenticationMessage, SmsConfiguration}, EmailMfaConfiguration {Message, Subject}}
  AssociateSoftwareToken {AccessToken | Session} -> {SecretCode (base32)[, Session]}
  VerifySoftwareToken {AccessToken | Session, UserCode, FriendlyDeviceName} -> {Status: SUCCESS[, Session]}
  (Admin)SetUserMFAPreference {SMSMfaSettings, SoftwareTokenMfaSettings, EmailMfaSettings}
  sign-in -> SMS_MFA | SOFTWARE_TOKEN_MFA | EMAIL_OTP | SELECT_MFA_TYPE | MFA_SETUP challenges,
  answered with SMS_MFA_CODE | SOFTWARE_TOKEN_MFA_CODE | EMAIL_OTP_CODE | ANSWER | (nothing).

TOTP codes are computed with pyotp on the *server's* clock (`AuthServer.now()`), so the same
helpers work on `auth_server` (real time) and on a `clock_server` whose clock was moved.

Which 30-second steps the helpers use, so that no test depends on whether VerifySoftwareToken
"uses up" its code or on how the server remembers used codes (a set of codes, or the last step):
  - enabling a token (VerifySoftwareToken) answers with the code of the PREVIOUS step (now - 30 s),
    which the contract accepts (+-1 step);
  - the first sign-in answers with the code of the CURRENT step.
Before the setup code is computed, `Authenticator.setup_code()` makes sure the current step has a
few seconds left, so the previous step cannot become two steps old before the server checks it
(on a clock_server by moving the clock to the next step, elsewhere by waiting out the last
seconds of the step - at most 3 s, and only in about one test in ten).
"""

import json
import math
import queue
import subprocess
import tempfile
import time
from pathlib import Path

import pyotp
import pytest

from helpers import stdout_lines
from auth_fixtures import PASSWORD, SMS_CONFIG, secret_hash
from srp_fixtures import JsRun, _js_ready

STEP = 30  # seconds per TOTP step
SMS_MESSAGE = "Your code is {####}"
EMAIL_MESSAGE = "Your code is {####}"
EMAIL_SUBJECT = "Sign-in code"
SMS_MFA_CONFIG = {"SmsAuthenticationMessage": SMS_MESSAGE, "SmsConfiguration": SMS_CONFIG}
EMAIL_MFA_CONFIG = {"Message": EMAIL_MESSAGE, "Subject": EMAIL_SUBJECT}
TOTP_CONFIG = {"Enabled": True}
ON = {"Enabled": True, "PreferredMfa": True}
ENABLED = {"Enabled": True, "PreferredMfa": False}
OFF = {"Enabled": False, "PreferredMfa": False}

# Codes that are "wrong" by the contract's accepted alternatives.
BAD_VERIFY = ("EnableSoftwareTokenMFAException", "CodeMismatchException")
BAD_ENABLE = ("InvalidParameterException", "EnableSoftwareTokenMFAException")
EXPIRED = ("ExpiredCodeException", "NotAuthorizedException")

JS_DIR = Path(__file__).resolve().parent / "js"
MFA_SCRIPT = JS_DIR / "mfa.mjs"
JS_TIMEOUT = 120


# ---------------------------------------------------------------------------
# Pools
# ---------------------------------------------------------------------------


def set_mfa(pool, mode, totp=False, sms=False, email=False):
    """SetUserPoolMfaConfig on an AuthPool with exactly the factors given (omitted ones are not sent)."""
    kwargs = {"UserPoolId": pool.id, "MfaConfiguration": mode}
    if totp:
        kwargs["SoftwareTokenMfaConfiguration"] = TOTP_CONFIG
    if sms:
        kwargs["SmsMfaConfiguration"] = SMS_MFA_CONFIG
    if email:
        kwargs["EmailMfaConfiguration"] = EMAIL_MFA_CONFIG
    return pool.idp.set_user_pool_mfa_config(**kwargs)


def mfa_pool(make, mode="OPTIONAL", totp=True, sms=False, email=False, **pool_kwargs):
    """A fresh AuthPool (from make_auth_pool / make_clock_pool) with the given MFA configuration."""
    pool = make(**pool_kwargs)
    set_mfa(pool, mode, totp=totp, sms=sms, email=email)
    return pool


# ---------------------------------------------------------------------------
# TOTP
# ---------------------------------------------------------------------------


def ensure_step_margin(env, movable=False, margin=3.0):
    """Make sure the server's current 30-s step has at least `margin` seconds left."""
    now = env.now()
    left = STEP - (now % STEP)
    if left >= margin:
        return now
    if movable:
        return env.advance(int(math.ceil(left)))  # into the first second of the next step
    time.sleep(left + 0.2)
    return env.now()


class Authenticator:
    """An authenticator app holding `secret`, reading the time from the server's clock."""

    def __init__(self, secret, env, movable=False):
        self.secret = secret
        self.totp = pyotp.TOTP(secret)
        self.env = env
        self.movable = movable

    def code(self, steps=0, now=None):
        """The code of the current step (`steps` = 0), the previous one (-1), ..."""
        now = self.env.now() if now is None else now
        return self.totp.at(now + STEP * steps)

    def setup_code(self):
        """The code to enable the token with (the previous step, with a safe margin)."""
        now = ensure_step_margin(self.env, self.movable)
        return self.totp.at(now - STEP)

    def valid_codes(self, now=None):
        now = self.env.now() if now is None else now
        return {self.totp.at(now + STEP * k) for k in (-2, -1, 0, 1, 2)}

    def wrong_code(self, now=None):
        """A 6-digit code no nearby step has."""
        taken = self.valid_codes(now)
        for i in range(100):
            candidate = f"{(123457 + 7919 * i) % 1_000_000:06d}"
            if candidate not in taken:
                return candidate
        raise AssertionError("no wrong code found")


def verify_token(idp, auth, access_token=None, session=None, name="phone"):
    kwargs = {"UserCode": auth.setup_code(), "FriendlyDeviceName": name}
    if access_token is not None:
        kwargs["AccessToken"] = access_token
    if session is not None:
        kwargs["Session"] = session
    return idp.verify_software_token(**kwargs)


def enable_totp(pool, username, password=PASSWORD, preferred=True, movable=False):
    """Sign in (must be challenge-free), associate and verify a token, and (unless `preferred` is
    None) SetUserMFAPreference {Enabled, PreferredMfa=preferred}. Returns the Authenticator."""
    access = pool.login(username, password)["AccessToken"]
    secret = pool.idp.associate_software_token(AccessToken=access)["SecretCode"]
    auth = Authenticator(secret, pool.env, movable)
    resp = verify_token(pool.idp, auth, access_token=access)
    assert resp["Status"] == "SUCCESS", resp
    if preferred is not None:
        pool.idp.set_user_mfa_preference(
            AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": preferred})
    return auth


# ---------------------------------------------------------------------------
# Challenges
# ---------------------------------------------------------------------------


def expect_challenge(resp, name):
    assert resp.get("ChallengeName") == name, resp
    assert "AuthenticationResult" not in resp or resp["AuthenticationResult"] is None, resp
    assert resp.get("Session"), resp
    return resp


def respond(pool, challenge, username, name, responses, admin=False, client=None, session=None):
    """(Admin)RespondToAuthChallenge `name` with USERNAME + `responses` (+ SECRET_HASH for secret clients)."""
    client = client or pool.client
    answers = {"USERNAME": username, **responses}
    if client.get("ClientSecret") and "SECRET_HASH" not in answers:
        answers["SECRET_HASH"] = secret_hash(username, client["ClientId"], client["ClientSecret"])
    kwargs = dict(ClientId=client["ClientId"], ChallengeName=name, ChallengeResponses=answers,
                  Session=session or challenge["Session"])
    if admin:
        return pool.idp.admin_respond_to_auth_challenge(UserPoolId=pool.id, **kwargs)
    return pool.idp.respond_to_auth_challenge(**kwargs)


def assert_tokens(pool, resp, username):
    """A response carrying tokens for `username`; returns the AuthenticationResult."""
    assert not resp.get("ChallengeName"), resp
    result = resp["AuthenticationResult"]
    assert result["TokenType"] == "Bearer", result
    assert result["RefreshToken"], result
    assert pool.claims(result["AccessToken"])["username"] == username
    assert pool.claims(result["IdToken"])["cognito:username"] == username
    return result


# ---------------------------------------------------------------------------
# amazon-cognito-identity-js (js/mfa.mjs)
# ---------------------------------------------------------------------------


requires_js = pytest.mark.skipif(_js_ready() is not None, reason=_js_ready() or "")


class MfaJsRun(JsRun):
    """The JSON report of one mfa.mjs run, plus the prompts it sent and the replies it got."""

    def __init__(self, report, stderr, prompts):
        super().__init__(report, stderr)
        self.prompts = prompts

    def __repr__(self):
        return f"{super().__repr__()[:-1]}, prompts={json.dumps(self.prompts)[:2000]})"

    __str__ = __repr__


def run_mfa_js(server_url, pool_id, client_id, steps, answer=None, storage_file=None, timeout_ms=30000):
    """Run mfa.mjs with `steps`; `answer(prompt) -> reply dict` answers its MFA prompts.

    A prompt is {"prompt": <callback name>, "challengeName", "challengeParameters", "secretCode"?};
    a reply is {"code": "123456"} | {"answer": "SOFTWARE_TOKEN_MFA"} | {"stop": true} (what `answer`
    returns for prompts it does not know, or when there is no `answer`).
    """
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
    stderr_file = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(["node", str(MFA_SCRIPT), json.dumps(args)], cwd=JS_DIR, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=stderr_file, text=True, bufsize=1)
    lines = stdout_lines(proc)
    prompts, report, raw = [], None, []
    deadline = time.monotonic() + JS_TIMEOUT
    try:
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"mfa.mjs did not finish within {JS_TIMEOUT}s; output so far: {raw[-20:]}"
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                break
            raw.append(line)
            if not line.strip():
                continue
            message = json.loads(line)
            if "prompt" in message:
                reply = (answer(message) if answer else None) or {"stop": True}
                prompts.append({"prompt": message, "reply": reply})
                proc.stdin.write(json.dumps(reply) + "\n")
                proc.stdin.flush()
            else:
                report = message
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        stderr_file.seek(0)
        stderr = stderr_file.read()
        stderr_file.close()
    assert proc.returncode == 0 and report is not None, (
        f"mfa.mjs exited {proc.returncode}\nstdout:\n{''.join(raw)[-3000:]}\nstderr:\n{stderr[-3000:]}")
    return MfaJsRun(report, stderr, prompts)


def answers(**handlers):
    """An `answer` for run_mfa_js: prompt name -> callable(prompt) -> reply (or a fixed reply dict)."""

    def _answer(prompt):
        handler = handlers.get(prompt["prompt"])
        if handler is None:
            return {"stop": True}
        return handler(prompt) if callable(handler) else handler

    return _answer
