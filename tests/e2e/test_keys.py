"""Signing-key rotation with `cognate keys rotate`, run beside a live server on the same store."""
import os
import subprocess

from auth_fixtures import *  # noqa: F401,F403
from conftest import cognate_binary
from helpers import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY


def run_rotate(server, pool_id):
    """`cognate keys rotate` on the live server's store (same data dir or database)."""
    cmd = [cognate_binary(), "keys", "rotate", "--pool", pool_id, "--data-dir", str(server.server.data_dir)]
    database_url = os.environ.get("COGNATE_E2E_DATABASE_URL")
    if database_url:
        cmd += ["--database-url", database_url]
    env = dict(os.environ, COGNATE_ADMIN_ACCESS_KEY_ID=ADMIN_ACCESS_KEY_ID,
               COGNATE_ADMIN_SECRET_ACCESS_KEY=ADMIN_SECRET_ACCESS_KEY)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)


def rotate(server, pool_id):
    done = run_rotate(server, pool_id)
    assert done.returncode == 0, done.stderr
    return done.stdout


def kid(token):
    import jwt
    return jwt.get_unverified_header(token)["kid"]


def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_new_keys(auth_server, auth_pool):
    username = auth_pool.create_user()
    before = auth_pool.login(username)
    old_kids = {k["kid"] for k in auth_server.jwks(auth_pool.id)["keys"]}
    assert {kid(before["IdToken"]), kid(before["AccessToken"])} == old_kids

    out = rotate(auth_server, auth_pool.id)
    assert auth_pool.id in out

    published = {k["kid"] for k in auth_server.jwks(auth_pool.id)["keys"]}
    assert old_kids < published and len(published) == 4
    after = auth_pool.login(username)
    new_kids = {kid(after["IdToken"]), kid(after["AccessToken"])}
    assert new_kids.isdisjoint(old_kids) and new_kids <= published
    # Tokens signed before the rotation still verify, against the JWKS and on the API.
    auth_server.verify(before["IdToken"], auth_pool.id)
    assert auth_pool.idp.get_user(AccessToken=before["AccessToken"])["Username"] == username
    auth_server.verify(after["IdToken"], auth_pool.id)


def test_rotating_an_unknown_pool_fails(auth_server):
    done = run_rotate(auth_server, "us-east-1_nothere00")
    assert done.returncode != 0
    assert "does not exist" in done.stderr
