"""A PreSignUp written as a real Node.js Lambda (js/lambdas/pre-signup.js, `exports.handler = async
(event) => ...`, and its callback-style twin), run unchanged behind js/lambda-adapter.mjs, which
serves the Lambda Invoke API; the server calls it through `--lambda-endpoint` (unsigned: no
Lambda credentials are given)."""

import queue
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from helpers import stdout_lines
from conftest import start_server
from helpers import delete_pool_quietly
from trigger_fixtures import *  # noqa: F401,F403

JS_DIR = Path(__file__).resolve().parent / "js"
ADAPTER = JS_DIR / "lambda-adapter.mjs"
READY_RE = re.compile(r"^lambda adapter listening on (http://127\.0\.0\.1:\d+)$")
START_TIMEOUT = 30.0
FUNCTIONS = ["pre-signup", "pre-signup-callback"]

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def function_arn(name):
    return f"arn:aws:lambda:us-east-1:000000000000:function:{name}"


@pytest.fixture(scope="module")
def lambda_adapter():
    """The adapter's URL; the process is stopped at the end of the module."""
    stderr = tempfile.NamedTemporaryFile(prefix="lambda-adapter-", suffix=".stderr", delete=False)
    proc = subprocess.Popen(["node", str(ADAPTER)], cwd=JS_DIR, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=stderr, text=True, bufsize=1, start_new_session=True)
    stderr.close()
    lines = stdout_lines(proc)
    try:
        line = lines.get(timeout=START_TIMEOUT)
    except queue.Empty:
        line = None
    match = READY_RE.match(line.strip()) if line else None
    if not match:
        proc.kill()
        proc.wait(5)
        raise AssertionError(f"lambda-adapter.mjs did not get ready (got {line!r}); stderr:\n"
                             f"{Path(stderr.name).read_text(errors='replace')}")
    yield match.group(1)
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="module")
def node_server(tmp_path_factory, auth_sinks, lambda_adapter):
    srv = start_server(tmp_path_factory.mktemp("cognate-node-lambda"),
                       extra_args=trigger_server_args(auth_sinks, lambda_adapter, sign=False))
    yield AuthServer(srv, auth_sinks.smtp, auth_sinks.sms)
    srv.stop()


@pytest.fixture
def make_node_pool(node_server):
    make, created = trigger_pool_factory(node_server)
    yield make
    for pool_id in created:
        delete_pool_quietly(node_server.idp, pool_id)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_company_address_is_auto_confirmed(make_node_pool, function):
    pool = make_node_pool({"PreSignUp": function_arn(function)})
    username, email = uniq("staff"), company_email()
    resp = pool.sign_up(username, attributes={"email": email})
    assert resp["UserConfirmed"] is True
    user = pool.get_user(username)
    assert user["UserStatus"] == "CONFIRMED"
    assert attrs(user)["email_verified"] == "true"
    assert pool.login(username)["AccessToken"]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_other_address_is_refused(make_node_pool, function):
    pool = make_node_pool({"PreSignUp": function_arn(function)})
    username = uniq("outsider")
    with raises("UserLambdaValidationException", message=f"PreSignUp failed with error {COMPANY_ONLY}."):
        pool.sign_up(username, attributes={"email": "someone@gmail.com"})
    assert_no_user(pool, username)
