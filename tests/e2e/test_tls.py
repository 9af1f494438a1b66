"""HTTPS on the listener: --tls-cert/--tls-key, HTTP/2 through ALPN, SIGHUP reloads, start-up checks."""

import datetime
import ipaddress
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import urllib.parse

import boto3
import pytest
import requests
from botocore.config import Config
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from conftest import READY_RE, cognate_binary
from helpers import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, REGION, SERVICE, delete_pool_quietly, uniq

RELOAD_DEADLINE = 15.0


# ---------------------------------------------------------------------------
# Certificates: one test CA, server certificates for localhost and 127.0.0.1
# ---------------------------------------------------------------------------


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _validity(builder):
    now = datetime.datetime.now(datetime.timezone.utc)
    return builder.not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))


class Ca:
    def __init__(self, directory):
        self.key = ec.generate_private_key(ec.SECP256R1())
        builder = _validity(
            x509.CertificateBuilder()
            .subject_name(_name("Cognate test CA"))
            .issuer_name(_name("Cognate test CA"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
        ).add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        self.cert = builder.sign(self.key, hashes.SHA256())
        self.path = directory / "ca.pem"
        self.path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, common_name, key):
        """A server certificate for localhost and 127.0.0.1, signed by this CA."""
        san = x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        )
        builder = _validity(
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
        ).add_extension(san, critical=False)
        return builder.sign(self.key, hashes.SHA256())


def _key_pem(key, fmt):
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def _write_pair(directory, cert, key_pem):
    """Replaces the files the server was started with, each by a rename (never half-written)."""
    for name, data in (("server.pem", cert.public_bytes(serialization.Encoding.PEM)), ("server.key", key_pem)):
        tmp = directory / (name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, directory / name)
    return directory / "server.pem", directory / "server.key"


# ---------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------


def _host_port(url):
    parts = urllib.parse.urlsplit(url)
    return parts.hostname, parts.port


def _handshake(url, ca_path, alpn=None):
    """A TLS connection verified against the test CA: (peer certificate, selected ALPN protocol)."""
    context = ssl.create_default_context(cafile=str(ca_path))
    if alpn:
        context.set_alpn_protocols(alpn)
    host, port = _host_port(url)
    with socket.create_connection((host, port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            der = tls.getpeercert(binary_form=True)
            return x509.load_der_x509_certificate(der), tls.selected_alpn_protocol()


def _idp(url, ca_path):
    return boto3.session.Session().client(
        SERVICE,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=ADMIN_ACCESS_KEY_ID,
        aws_secret_access_key=ADMIN_SECRET_ACCESS_KEY,
        verify=str(ca_path),
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60),
    )


def _wait_for_serial(url, ca_path, serial):
    """Handshakes until the server presents the certificate with `serial`, within a deadline."""
    deadline = time.monotonic() + RELOAD_DEADLINE
    while True:
        cert, _ = _handshake(url, ca_path)
        if cert.serial_number == serial:
            return cert
        assert time.monotonic() < deadline, f"still serving serial {cert.serial_number} after SIGHUP"


def _wait_for_log(server, pattern, count):
    """Polls the server's log until `pattern` has appeared `count` times, within a deadline."""
    deadline = time.monotonic() + RELOAD_DEADLINE
    while len(re.findall(pattern, server.stderr())) < count:
        assert server.proc.poll() is None, server.stderr()
        assert time.monotonic() < deadline, f"no {pattern!r} in the log:\n{server.stderr()}"
        time.sleep(0.05)


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture
def tls_dir(tmp_path):
    directory = tmp_path / "tls"
    directory.mkdir()
    return directory


@pytest.fixture
def ca(tls_dir):
    return Ca(tls_dir)


@pytest.fixture
def tls_server(server_factory, tmp_path, tls_dir, ca):
    """A server on HTTPS with an EC certificate whose key file is SEC1 (`BEGIN EC PRIVATE KEY`)."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = ca.issue("cognate-first", key)
    cert_path, key_path = _write_pair(tls_dir, cert, _key_pem(key, serialization.PrivateFormat.TraditionalOpenSSL))
    server = server_factory(
        tmp_path / "data", extra_args=["--tls-cert", str(cert_path), "--tls-key", str(key_path)]
    )
    server.first_cert = cert
    return server


# ---------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------


def test_ready_line_and_public_url_are_https(tls_server, ca):
    assert re.fullmatch(r"https://127\.0\.0\.1:\d+", tls_server.url), tls_server.url
    idp = _idp(tls_server.url, ca.path)
    pool_id = idp.create_user_pool(PoolName=uniq("tls"))["UserPool"]["Id"]
    try:
        jwks = requests.get(f"{tls_server.url}/{pool_id}/.well-known/jwks.json", verify=str(ca.path), timeout=10)
        assert jwks.status_code == 200, jwks.text
        assert jwks.json()["keys"] and all(k["kty"] == "RSA" for k in jwks.json()["keys"])
        discovery = requests.get(
            f"{tls_server.url}/{pool_id}/.well-known/openid-configuration", verify=str(ca.path), timeout=10
        )
        assert discovery.json()["issuer"] == f"{tls_server.url}/{pool_id}"
    finally:
        delete_pool_quietly(idp, pool_id)


def test_plain_http_on_the_tls_port_gets_no_http_answer(tls_server):
    host, port = _host_port(tls_server.url)
    with socket.create_connection((host, port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := raw.recv(4096):
            answer += chunk
    assert not answer.startswith(b"HTTP/"), answer
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://{host}:{port}/", timeout=10)


def test_alpn_offers_h2_and_http11_and_h2_is_spoken(tls_server, ca):
    _, protocol = _handshake(tls_server.url, ca.path, alpn=["h2", "http/1.1"])
    assert protocol == "h2"
    _, protocol = _handshake(tls_server.url, ca.path, alpn=["http/1.1"])
    assert protocol == "http/1.1"
    # After the client preface and an empty SETTINGS frame, an HTTP/2 server's first frame is
    # its own SETTINGS (type 4 on stream 0).
    context = ssl.create_default_context(cafile=str(ca.path))
    context.set_alpn_protocols(["h2"])
    host, port = _host_port(tls_server.url)
    with socket.create_connection((host, port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0]))
            header = b""
            while len(header) < 9:
                chunk = tls.recv(9 - len(header))
                assert chunk, "connection closed before the server's SETTINGS frame"
                header += chunk
    assert header[3] == 4 and header[5:9] == b"\0\0\0\0", header


# ---------------------------------------------------------------------------
# SIGHUP reloads
# ---------------------------------------------------------------------------


def test_sighup_serves_the_new_certificate_to_new_connections(tls_server, tls_dir, ca):
    first, _ = _handshake(tls_server.url, ca.path)
    assert first.serial_number == tls_server.first_cert.serial_number
    assert first.subject == _name("cognate-first")

    # The replacement is RSA with a PKCS#1 key file (`BEGIN RSA PRIVATE KEY`).
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    second = ca.issue("cognate-second", key)
    _write_pair(tls_dir, second, _key_pem(key, serialization.PrivateFormat.TraditionalOpenSSL))
    tls_server.proc.send_signal(signal.SIGHUP)
    seen = _wait_for_serial(tls_server.url, ca.path, second.serial_number)
    assert seen.subject == _name("cognate-second")
    assert tls_server.proc.poll() is None
    assert _idp(tls_server.url, ca.path).list_user_pools(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_broken_file_on_sighup_keeps_the_old_certificate(tls_server, tls_dir, ca):
    (tls_dir / "server.pem").write_text("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
    tls_server.proc.send_signal(signal.SIGHUP)
    _wait_for_log(tls_server, "reloading the TLS certificate failed", 1)

    # A certificate whose key is not the one beside it is refused too.
    other = ca.issue("cognate-mismatch", ec.generate_private_key(ec.SECP256R1()))
    (tls_dir / "server.pem").write_bytes(other.public_bytes(serialization.Encoding.PEM))
    tls_server.proc.send_signal(signal.SIGHUP)
    _wait_for_log(tls_server, "reloading the TLS certificate failed", 2)
    assert "does not match" in tls_server.stderr()

    cert, _ = _handshake(tls_server.url, ca.path)
    assert cert.serial_number == tls_server.first_cert.serial_number
    assert _idp(tls_server.url, ca.path).list_user_pools(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_sigterm_does_not_wait_for_idle_or_silent_connections(tls_server, ca):
    host, port = _host_port(tls_server.url)
    silent = socket.create_connection((host, port), timeout=10)  # never sends a ClientHello
    idle = ssl.create_default_context(cafile=str(ca.path)).wrap_socket(
        socket.create_connection((host, port), timeout=10), server_hostname=host
    )
    try:
        # Well under the handshake timeout: shutdown must not wait for the silent client.
        assert tls_server.stop(timeout=8) == 0, tls_server.stderr()
    finally:
        silent.close()
        idle.close()


# ---------------------------------------------------------------------------
# Start-up checks
# ---------------------------------------------------------------------------


def _serve_expecting_failure(data_dir, args, extra_env=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COGNATE_TLS_")}
    env.update(COGNATE_ADMIN_ACCESS_KEY_ID=ADMIN_ACCESS_KEY_ID, COGNATE_ADMIN_SECRET_ACCESS_KEY=ADMIN_SECRET_ACCESS_KEY)
    env.update(extra_env or {})
    done = subprocess.run(
        [cognate_binary(), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir), *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60,
    )
    assert done.returncode != 0, done.stdout
    assert not any(READY_RE.match(line) for line in done.stdout.splitlines()), done.stdout
    return done.stderr


def test_start_up_refuses_half_a_pair_and_bad_keys(tmp_path, tls_dir, ca):
    key = ec.generate_private_key(ec.SECP256R1())
    cert_path, key_path = _write_pair(
        tls_dir, ca.issue("cognate-start", key), _key_pem(key, serialization.PrivateFormat.PKCS8)
    )
    data = tmp_path / "data"

    err = _serve_expecting_failure(data, ["--tls-cert", str(cert_path)])
    assert "--tls-cert needs --tls-key" in err, err
    err = _serve_expecting_failure(data, [], extra_env={"COGNATE_TLS_KEY": str(key_path)})
    assert "--tls-key needs --tls-cert" in err, err

    missing = tls_dir / "absent.key"
    err = _serve_expecting_failure(data, ["--tls-cert", str(cert_path), "--tls-key", str(missing)])
    assert "reading the TLS key" in err and str(missing) in err, err

    garbage = tls_dir / "garbage.key"
    garbage.write_text("not a key\n")
    err = _serve_expecting_failure(data, ["--tls-cert", str(cert_path), "--tls-key", str(garbage)])
    assert "no PEM private key" in err, err

    other = tls_dir / "other.key"
    other.write_bytes(_key_pem(ec.generate_private_key(ec.SECP256R1()), serialization.PrivateFormat.PKCS8))
    err = _serve_expecting_failure(data, ["--tls-cert", str(cert_path), "--tls-key", str(other)])
    assert "does not match the certificate" in err, err
