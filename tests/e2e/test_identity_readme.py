"""The README's "## Identity pools" section, run as written against a real server.

The section's `sh` block and `python` block are read from README.md when the test runs, so the
README cannot drift from what is tested:

- the `sh` block runs under bash in a temporary directory, `aws` being the AWS CLI v1 of
  requirements.txt (a shim for `python3 -m awscli`), with the environment the tour above it
  leaves (admin credentials, `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`,
  `$POOL`, `$CLIENT` with USER_PASSWORD_AUTH, the confirmed user ann@example.com, made here with
  boto3) and nothing else from AWS_*; the only change to its text is the server's address in
  place of `http://127.0.0.1:9229`. Its endpoints come from `AWS_ENDPOINT_URL_COGNITO_IDENTITY`,
  `AWS_ENDPOINT_URL_IAM` and `AWS_ENDPOINT_URL_STS` alone (no `--endpoint-url`).
- the credentials it prints are exported and `aws sts get-caller-identity` must answer the ARN
  the README names;
- the `python` block runs with `creds` and `identity` bound to what the `sh` block printed (its
  `creds = ...` placeholder line left out) and `url`'s default replaced by the server's address;
  each top-level `authorize(...)` call's answer is checked against the comment after it.

The block hard-codes the role name `PhotoUser` (IAM names are per account, i.e. per server), so
the test runs its own server: other tests of the session server may not collide with it.
"""

import ast
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, REGION, assert_contains, delete_pool_quietly, \
    make_client
from identity_fixtures import ACCOUNT, delete_identity_pool_quietly, iam_client, identity_client

README = Path(__file__).resolve().parents[2] / "README.md"
README_SERVER = "http://127.0.0.1:9229"
README_PASSWORD = "Corr3ct-horse!"
README_USERNAME = "ann@example.com"
README_ROLE = "PhotoUser"
README_POLICY = "own-folder"
README_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
ENDPOINT_VARS = ["AWS_ENDPOINT_URL_COGNITO_IDENTITY", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS"]
CLI_TIMEOUT = 300


# ---------------------------------------------------------------------------
# The README's text
# ---------------------------------------------------------------------------


def readme_section():
    text = README.read_text()
    assert "\n## Identity pools\n" in text, "README.md has no '## Identity pools' section"
    return text.split("\n## Identity pools\n", 1)[1].split("\n## ", 1)[0]


def fenced_blocks(section, lang):
    return re.findall(rf"^```{lang}\n(.*?)^```$", section, flags=re.S | re.M)


def readme_blocks():
    section = readme_section()
    sh, python = fenced_blocks(section, "sh"), fenced_blocks(section, "python")
    assert len(sh) == 1 and len(python) == 1, (len(sh), len(python))
    return section, sh[0], python[0]


def caller_arn_claimed(section):
    """The ARN the prose says `aws sts get-caller-identity` answers with the credentials."""
    match = re.search(r"`aws sts get-caller-identity` answers\s+`(arn:[^`]+)`", section)
    assert match, "the section no longer says what `aws sts get-caller-identity` answers"
    return match.group(1)


def at_server(text, url):
    """`text` with the README's server address replaced by the test server's."""
    assert README_SERVER in text
    return text.replace(README_SERVER, url)


# ---------------------------------------------------------------------------
# Running the AWS CLI as `aws`
# ---------------------------------------------------------------------------


def aws_shim(directory):
    """A directory holding `aws`, the AWS CLI v1 of requirements.txt (python3 -m awscli)."""
    bin_dir = directory / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "aws"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m awscli "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return bin_dir


def clean_env(bin_dir, **extra):
    """The process environment without any AWS_* variable, `aws` first on PATH, no config or
    credentials file, no pager, no retries; plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_PAGER="",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_MAX_ATTEMPTS="1",
    )
    env.update(extra)
    return env


def tour_env(bin_dir, url, pool_id, client_id):
    """What the README's tour leaves exported before the identity-pool block."""
    return clean_env(
        bin_dir,
        AWS_ACCESS_KEY_ID=ADMIN_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=ADMIN_SECRET_ACCESS_KEY,
        AWS_DEFAULT_REGION=REGION,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=url,
        POOL=pool_id,
        CLIENT=client_id,
    )


def run_bash(script, cwd, env, *args):
    """`bash -c script [args...]` (`$0`, `$1`, ... = args); its stdout."""
    proc = subprocess.run(["bash", "-c", script, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=CLI_TIMEOUT)
    assert proc.returncode == 0, (
        f"bash exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-5000:]}")
    return proc.stdout


# ---------------------------------------------------------------------------
# Running the python block
# ---------------------------------------------------------------------------


def expected_after(lines, call):
    """The answer the README shows for the top-level call `call` (an ast.Expr): its trailing
    comment, continued by the comment-only lines right after it."""
    tail = lines[call.end_lineno - 1][call.end_col_offset:]
    parts = [tail.split("#", 1)[1].strip()] if "#" in tail else []
    for line in lines[call.end_lineno:]:
        if not line.lstrip().startswith("#"):
            break
        parts.append(line.lstrip()[1:].strip())
    assert parts, f"no answer shown after line {call.lineno}: {lines[call.lineno - 1]}"
    return " ".join(parts)


def expected_fields(comment):
    """The shown answer as a dict: the whole JSON when it parses, else its `"key": "value"` pairs
    (for an abbreviated answer such as `{"Decision": "Deny", ...}`)."""
    try:
        return json.loads(comment)
    except ValueError:
        fields = dict(re.findall(r'"(\w+)":\s*"([^"]*)"', comment))
        assert fields, comment
        return fields


def run_python_block(block, url, creds, identity):
    """Runs the block statement by statement with `creds` and `identity` bound; returns
    [(source of the top-level call, its value, the answer the README shows)]."""
    lines = block.splitlines()
    placeholder = [i for i, line in enumerate(lines) if re.match(r"creds = \.\.\.\s", line)]
    assert len(placeholder) == 1, "the block no longer has its `creds = ...` placeholder line"
    assert "identity = its IdentityId" in lines[placeholder[0]], lines[placeholder[0]]
    tree = ast.parse(at_server(block, url))
    namespace = {"__name__": "readme_identity_pools", "creds": creds, "identity": identity}
    calls = []
    for node in tree.body:
        if node.lineno - 1 == placeholder[0]:
            continue  # `creds = ...`: bound above instead
        module = ast.Module(body=[node], type_ignores=[])
        if isinstance(node, ast.Expr):
            value = eval(compile(ast.Expression(node.value), README.name, "eval"), namespace)
            calls.append((ast.get_source_segment(block, node), value, expected_fields(expected_after(lines, node))))
        else:
            exec(compile(module, README.name, "exec"), namespace)
    return calls


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture
def readme_server(server_factory, tmp_path):
    return server_factory(tmp_path / "data").url


@pytest.fixture
def tour(readme_server):
    """The tour's `$POOL` (e-mail usernames), `$CLIENT` (USER_PASSWORD_AUTH, public) and the
    confirmed user ann@example.com with the tour's password, made with boto3."""
    idp = make_client(readme_server)
    pool_id = idp.create_user_pool(PoolName="demo", UsernameAttributes=["email"],
                                   AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web",
                                            ExplicitAuthFlows=README_FLOWS)["UserPoolClient"]["ClientId"]
    idp.sign_up(ClientId=client_id, Username=README_USERNAME, Password=README_PASSWORD,
                UserAttributes=[{"Name": "given_name", "Value": "Ann"}])
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=README_USERNAME)
    yield pool_id, client_id
    delete_pool_quietly(idp, pool_id)


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


def test_readme_identity_pool_tour_as_written(readme_server, tour, tmp_path, monkeypatch):
    url = readme_server
    pool_id, client_id = tour
    section, sh_block, python_block = readme_blocks()
    for var in ENDPOINT_VARS:
        assert re.search(rf"\b{var}={re.escape(README_SERVER)}(\s|$)", sh_block), f"the block no longer exports {var}"
    assert "--endpoint-url" not in sh_block

    work = tmp_path / "work"
    work.mkdir()
    bin_dir = aws_shim(tmp_path)
    env = tour_env(bin_dir, url, pool_id, client_id)
    # The block as written (set -e: a failing command fails the test), then its variables.
    script = ("set -e\n" + at_server(sh_block, url) +
              '\nprintf \'%s\\n\' "$IDPOOL" "$ROLE" "$IDENTITY" > "$0.vars"\n')
    vars_path = tmp_path / "block"
    stdout = run_bash(script, work, env, vars_path)
    idpool, role, identity = Path(f"{vars_path}.vars").read_text().splitlines()
    cid = identity_client(url)
    iam = iam_client(url)
    try:
        # Its one output: get-credentials-for-identity's answer (JSON, the CLI's default).
        printed = json.loads(stdout)
        assert printed["IdentityId"] == identity, printed
        creds = printed["Credentials"]
        assert creds["AccessKeyId"].startswith("ASIA"), creds
        assert creds["SecretKey"] and creds["SessionToken"] and creds["Expiration"], creds

        # The identity pool: named, trusting the app client, no guests, the role for users.
        assert re.fullmatch(r"us-east-1:[0-9a-f-]{36}", idpool), idpool
        assert re.fullmatch(r"us-east-1:[0-9a-f-]{36}", identity), identity
        described = cid.describe_identity_pool(IdentityPoolId=idpool)
        assert described["IdentityPoolName"] == "photos"
        assert described["AllowUnauthenticatedIdentities"] is False
        assert [(p["ProviderName"], p["ClientId"]) for p in described["CognitoIdentityProviders"]] == [
            (f"cognito-idp.us-east-1.amazonaws.com/{pool_id}", client_id)]
        assert cid.get_identity_pool_roles(IdentityPoolId=idpool)["Roles"] == {"authenticated": role}
        listed = cid.list_identities(IdentityPoolId=idpool, MaxResults=10)["Identities"]
        assert [i["IdentityId"] for i in listed] == [identity], listed

        # The role: trusted by this identity pool only, with the own-folder policy as written.
        assert role == f"arn:aws:iam::{ACCOUNT}:role/{README_ROLE}"
        got = iam.get_role(RoleName=README_ROLE)["Role"]
        assert got["Arn"] == role
        trust = got["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert trust == json.loads((work / "trust.json").read_text())
        assert trust["Statement"][0]["Condition"]["StringEquals"] == {"cognito-identity.amazonaws.com:aud": idpool}
        policy = iam.get_role_policy(RoleName=README_ROLE, PolicyName=README_POLICY)["PolicyDocument"]
        policy = json.loads(policy) if isinstance(policy, str) else policy
        assert policy == json.loads((work / "photos.json").read_text())
        assert "${cognito-identity.amazonaws.com:sub}" in policy["Statement"][0]["Resource"]

        # "With the credentials exported, `aws sts get-caller-identity` answers <ARN>."
        claimed = caller_arn_claimed(section)
        assert claimed == f"arn:aws:sts::{ACCOUNT}:assumed-role/{README_ROLE}/CognitoIdentityCredentials"
        as_user = clean_env(bin_dir, AWS_DEFAULT_REGION=REGION, AWS_ENDPOINT_URL_STS=url,
                            AWS_ACCESS_KEY_ID=creds["AccessKeyId"], AWS_SECRET_ACCESS_KEY=creds["SecretKey"],
                            AWS_SESSION_TOKEN=creds["SessionToken"])
        caller = json.loads(run_bash("aws sts get-caller-identity", work, as_user))
        assert caller["Arn"] == claimed, caller
        assert caller["Account"] == ACCOUNT, caller
        assert caller["UserId"].endswith(":CognitoIdentityCredentials"), caller

        # The python block: authorize() signed by the administrator's credentials from the
        # environment (boto3.Session().get_credentials()), as the README's reader has them.
        for key in [k for k in os.environ if k.startswith("AWS_")]:
            monkeypatch.delenv(key)
        for key, value in clean_env(bin_dir, AWS_ACCESS_KEY_ID=ADMIN_ACCESS_KEY_ID,
                                    AWS_SECRET_ACCESS_KEY=ADMIN_SECRET_ACCESS_KEY,
                                    AWS_DEFAULT_REGION=REGION).items():
            if key.startswith("AWS_"):
                monkeypatch.setenv(key, value)
        calls = run_python_block(python_block, url, creds, identity)
        assert len(calls) == 2, [source for source, _, _ in calls]
        (allowed_call, allowed, allowed_shown), (denied_call, denied, denied_shown) = calls
        assert "{identity}" in allowed_call and "someone-else" in denied_call
        assert allowed_shown["Decision"] == "Allow" and denied_shown["Decision"] == "Deny"
        assert allowed_shown["Principal"] == claimed
        assert_contains(allowed, allowed_shown)
        assert_contains(denied, denied_shown)
        assert denied["Principal"] == claimed, denied
    finally:
        delete_identity_pool_quietly(url, idpool)
        for call in (lambda: iam.delete_role_policy(RoleName=README_ROLE, PolicyName=README_POLICY),
                     lambda: iam.delete_role(RoleName=README_ROLE)):
            try:
                call()
            except Exception:
                pass


def test_readme_sections_blocks_are_found():
    """The extraction itself: one sh and one python block, the ARN the prose claims, and the
    two answers shown after the python block's calls."""
    section, sh_block, python_block = readme_blocks()
    assert "aws cognito-identity get-credentials-for-identity" in sh_block
    assert "def authorize(" in python_block
    lines = python_block.splitlines()
    shown = [expected_fields(expected_after(lines, node)) for node in ast.parse(python_block).body
             if isinstance(node, ast.Expr)]
    assert [s["Decision"] for s in shown] == ["Allow", "Deny"], shown
    assert shown[0]["Principal"] == caller_arn_claimed(section)
