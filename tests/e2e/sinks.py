"""Test sinks for Cognate's outbound messages: an SMTP server (aiosmtpd) and an SMS webhook.

Both record everything they receive; tests look messages up by recipient. Delivery is
asynchronous on the server side, so lookups poll (briefly) until the message shows up.
"""

import email
import email.policy
import email.utils
import html
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

DELIVERY_TIMEOUT = 5.0
POLL_INTERVAL = 0.02

CODE_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(?![0-9A-Za-z])")


def code_from(text):
    """The 6-digit code in a message text (a Mail, an Sms or a string)."""
    if not isinstance(text, str):
        text = text.text
    match = CODE_RE.search(text)
    assert match, f"no 6-digit code in {text!r}"
    return match.group(1)


def wait_for(fetch, timeout=DELIVERY_TIMEOUT, what="message"):
    """Poll `fetch()` until it returns something truthy (delivery is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        found = fetch()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"no {what} arrived within {timeout}s")
        time.sleep(POLL_INTERVAL)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------
# SMTP
# ---------------------------------------------------------------------------


class Mail:
    """One message received by the SMTP sink."""

    def __init__(self, envelope_from, recipients, raw):
        self.envelope_from = envelope_from
        self.recipients = [r.lower() for r in recipients]
        self.raw = raw
        self.message = email.message_from_bytes(raw, policy=email.policy.default)

    @property
    def subject(self):
        return str(self.message.get("Subject", ""))

    @property
    def sender(self):
        """Address part of the From header."""
        return email.utils.parseaddr(str(self.message.get("From", "")))[1]

    @property
    def to(self):
        return [addr.lower() for _, addr in email.utils.getaddresses([str(v) for v in self.message.get_all("To", [])])]

    @property
    def text(self):
        """The body as plain text (HTML parts are stripped of tags)."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
        if part.get_content_type() == "text/html":
            content = html.unescape(re.sub(r"<[^>]+>", " ", content))
        return content

    def __repr__(self):
        return f"Mail(to={self.recipients}, subject={self.subject!r}, text={self.text[:200]!r})"


class _SmtpHandler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        self.sink._add(Mail(envelope.mail_from, envelope.rcpt_tos, raw))
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server on 127.0.0.1 recording every message (`smtp://127.0.0.1:<port>`)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._mails = []
        self.controller = None
        self.port = None

    def start(self):
        last_error = None
        for _ in range(10):
            port = _free_port()
            controller = Controller(_SmtpHandler(self), hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
            try:
                controller.start()
            except Exception as exc:  # port grabbed in between; try another
                last_error = exc
                continue
            self.controller, self.port = controller, port
            return self
        raise RuntimeError(f"could not start the SMTP sink: {last_error}")

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def _add(self, mail):
        with self._lock:
            self._mails.append(mail)

    def messages_to(self, address):
        address = address.lower()
        with self._lock:
            return [m for m in self._mails if address in m.recipients or address in m.to]

    def count(self, address):
        return len(self.messages_to(address))

    def last(self, address, after=0, timeout=DELIVERY_TIMEOUT):
        """The newest message to `address`, waiting until more than `after` messages have arrived."""

        def fetch():
            found = self.messages_to(address)
            return found[-1] if len(found) > after else None

        return wait_for(fetch, timeout, f"e-mail #{after + 1} to {address}")


# ---------------------------------------------------------------------------
# SMS webhook
# ---------------------------------------------------------------------------


class Sms:
    """One SMS posted to the webhook: {"phoneNumber","message","userPoolId","username","purpose"}."""

    def __init__(self, path, body):
        self.path = path
        self.body = body

    phone = property(lambda self: self.body.get("phoneNumber"))
    text = property(lambda self: self.body.get("message", ""))
    pool_id = property(lambda self: self.body.get("userPoolId"))
    username = property(lambda self: self.body.get("username"))
    purpose = property(lambda self: self.body.get("purpose"))

    def __getitem__(self, key):
        return self.body[key]

    def __repr__(self):
        return f"Sms(path={self.path!r}, body={self.body!r})"


class SmsSink:
    """An HTTP server on 127.0.0.1 recording the JSON bodies POSTed to it (`http://127.0.0.1:<port>/sms`)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._messages = []
        self.bad_requests = []
        self.httpd = None
        self.thread = None

    def start(self):
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                    assert isinstance(body, dict)
                except Exception:
                    sink.bad_requests.append((self.path, raw))
                    self.send_response(400)
                    self.end_headers()
                    return
                with sink._lock:
                    sink._messages.append(Sms(self.path, body))
                payload = b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # keep the test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/sms"

    def messages_to(self, phone):
        with self._lock:
            return [m for m in self._messages if m.phone == phone]

    def count(self, phone):
        return len(self.messages_to(phone))

    def last(self, phone, after=0, timeout=DELIVERY_TIMEOUT):
        """The newest SMS to `phone`, waiting until more than `after` have arrived."""

        def fetch():
            found = self.messages_to(phone)
            return found[-1] if len(found) > after else None

        return wait_for(fetch, timeout, f"SMS #{after + 1} to {phone}")
