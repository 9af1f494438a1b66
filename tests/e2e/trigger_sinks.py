"""A programmable stand-in for the Lambda functions behind a user pool's triggers.

One HTTP server on 127.0.0.1 (`TriggerSink`) plays both ways a pool can name a trigger:

- URL style: `sink.route("presignup", handler)` -> a Route whose `.url`
  (`http://127.0.0.1:<port>/presignup-<unique>`) goes into LambdaConfig. The server POSTs the
  event there (Content-Type: application/json); a 2xx answer's body is the returned event, a
  non-2xx answer with a JSON `errorMessage` is a function error.
- Lambda Invoke API: `sink.function("presignup-example", handler)` -> a Route whose `.arn`
  (`arn:aws:lambda:us-east-1:000000000000:function:presignup-example-<unique>`) goes into
  LambdaConfig, with the server started with `--lambda-endpoint sink.url`. Requests to
  `POST /2015-03-31/functions/<FunctionName>/invocations` are answered the way Lambda does:
  200 with the result, or 200 + `X-Amz-Function-Error: Unhandled` + {"errorMessage","errorType"}
  when the function raised; `X-Amz-Invocation-Type: Event` gets 202 and an empty body.

A handler is `handler(event) -> result`, called in the request's thread:
- a dict (usually the event with `response` filled) is the function's result;
- raising (LambdaError, or anything else) is a function error with str(exc) as errorMessage;
- `Raw(body, status, content_type)` is sent verbatim (malformed answers, odd statuses);
- `Block(release)` waits for the threading.Event `release` and then drops the connection
  (a function that never answers in time).

Every request is recorded on its Route (`route.calls`, `route.events`); handlers run after the
call is recorded, so a test sees the event even when the handler blocks or raises.
"""

import datetime
import json
import re
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from sinks import wait_for

LAMBDA_REGION = "us-east-1"
LAMBDA_ACCOUNT = "000000000000"
INVOKE_RE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")
BLOCK_LIMIT = 60.0  # a blocked handler gives up after this long even if nobody releases it


class LambdaError(Exception):
    """Raise in a handler: the function fails with this errorMessage (errorType "Error")."""

    error_type = "Error"


class Raw:
    """A handler result sent as is: `Raw(b"{not json")`, `Raw(b"oops", status=502)`."""

    def __init__(self, body, status=200, content_type="application/json"):
        self.body = body.encode() if isinstance(body, str) else body
        self.status = status
        self.content_type = content_type


class Block:
    """A handler result that holds the request until `release` (a threading.Event) is set."""

    def __init__(self, release):
        self.release = release


def returns(event):
    """The do-nothing handler: hands the event back unchanged."""
    return event


def function_name_of(identifier):
    """The function a Lambda FunctionName designates: a name, a full or partial ARN, maybe qualified."""
    if ":function:" in identifier:
        identifier = identifier.split(":function:", 1)[1]
    elif identifier.count(":") == 2 and identifier.split(":")[1] == "function":  # 123456789012:function:name
        identifier = identifier.split(":", 2)[2]
    return identifier.split(":", 1)[0]  # drop a version / alias qualifier


class Call:
    """One request the sink received."""

    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers  # an http.client.HTTPMessage (case-insensitive .get)
        self.body = body  # raw bytes
        try:
            self.event = json.loads(body)
        except ValueError:
            self.event = None
        self.answer_status = None
        self.answer_headers = {}
        self.handler_error = None  # what the handler raised, if it did

    @property
    def invocation_type(self):
        return self.headers.get("X-Amz-Invocation-Type")

    def __repr__(self):
        return f"Call({self.method} {self.path}, event={self.body[:300]!r})"


class Route:
    """A handler at a path (URL style) or a function name (Lambda style), and what it received."""

    def __init__(self, sink, key, handler, url=None, arn=None, name=None):
        self.sink = sink
        self.key = key
        self.handler = handler
        self.url = url
        self.arn = arn
        self.name = name
        self.calls = []

    @property
    def target(self):
        """What goes into LambdaConfig: the URL, or the ARN."""
        return self.url or self.arn

    @property
    def events(self):
        with self.sink._lock:
            return [c.event for c in self.calls]

    @property
    def count(self):
        with self.sink._lock:
            return len(self.calls)

    @property
    def last(self):
        events = self.events
        assert events, f"{self.target} was never called"
        return events[-1]

    def events_for(self, user_name=None, source=None):
        """Recorded events, optionally only those about `user_name` and/or with `triggerSource` `source`."""
        return [
            e for e in self.events
            if isinstance(e, dict)
            and (user_name is None or e.get("userName") == user_name)
            and (source is None or e.get("triggerSource") == source)
        ]

    def wait(self, count=1, timeout=5.0, **match):
        """Wait until `count` matching events have arrived (for asynchronous triggers); returns them."""

        def fetch():
            found = self.events_for(**match)
            return found if len(found) >= count else None

        return wait_for(fetch, timeout, f"call #{count} to {self.target} {match or ''}")

    def __repr__(self):
        return f"Route({self.target}, calls={len(self.calls)})"


class TriggerSink:
    def __init__(self):
        self._lock = threading.Lock()
        self._routes = {}  # "/path" -> Route (URL style)
        self._functions = {}  # function name -> Route (Lambda style)
        self._releases = []
        self.unrouted = []  # requests for nothing registered
        self.httpd = None
        self.thread = None

    # --- registration ---
    def route(self, name, handler=returns):
        """A URL-style trigger at `/<name>-<unique>`; returns its Route (LambdaConfig value: `.url`)."""
        path = f"/{name.strip('/')}-{uuid.uuid4().hex[:12]}"
        route = Route(self, path, handler, url=self.url + path)
        with self._lock:
            self._routes[path] = route
        return route

    def function(self, name, handler=returns, unique=True):
        """A Lambda function `<name>-<unique>` behind the Invoke API; returns its Route (`.arn`, `.name`)."""
        if unique:
            name = f"{name}-{uuid.uuid4().hex[:12]}"
        arn = f"arn:aws:lambda:{LAMBDA_REGION}:{LAMBDA_ACCOUNT}:function:{name}"
        route = Route(self, name, handler, arn=arn, name=name)
        with self._lock:
            self._functions[name] = route
        return route

    def release_event(self):
        """A threading.Event for Block results; set by `release_all()` and `stop()` at the latest."""
        release = threading.Event()
        with self._lock:
            self._releases.append(release)
        return release

    def release_all(self):
        with self._lock:
            releases = list(self._releases)
        for release in releases:
            release.set()

    # --- lifecycle ---
    def start(self):
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                sink._serve(self)

            def do_GET(self):
                sink._serve(self)

            def log_message(self, *args):  # keep the test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.release_all()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    # --- serving ---
    def _serve(self, req):
        body = _read_body(req)
        call = Call(req.command, req.path, req.headers, body)
        path = urllib.parse.urlsplit(req.path).path
        invoke = INVOKE_RE.match(path)
        with self._lock:
            if invoke:
                route = self._functions.get(function_name_of(urllib.parse.unquote(invoke.group(1))))
            else:
                route = self._routes.get(path)
            if route is None:
                self.unrouted.append(call)
            else:
                route.calls.append(call)
        if route is None:
            if invoke:
                name = urllib.parse.unquote(invoke.group(1))
                return _send(req, call, 404, _json({"Type": "User", "message": f"Function not found: {name}"}),
                             {"x-amzn-ErrorType": "ResourceNotFoundException"})
            return _send(req, call, 404, _json({"message": f"no trigger at {path}"}))
        if invoke:
            self._answer_invoke(req, call, route)
        else:
            self._answer_url(req, call, route)

    def _run(self, route, call):
        try:
            return "ok", route.handler(call.event)
        except Exception as exc:  # noqa: BLE001 - a raising handler is a function error
            call.handler_error = exc
            error_type = getattr(exc, "error_type", None) or type(exc).__name__
            return "error", {"errorMessage": str(exc), "errorType": error_type}

    def _answer_url(self, req, call, route):
        kind, result = self._run(route, call)
        if kind == "error":
            return _send(req, call, 400, _json(result))
        self._send_result(req, call, result)

    def _answer_invoke(self, req, call, route):
        if call.invocation_type == "Event":  # asynchronous: Lambda queues it and answers 202 at once
            _send(req, call, 202, b"", content_type=None)
            self._run(route, call)
            return
        kind, result = self._run(route, call)
        if kind == "error":
            return _send(req, call, 200, _json(result),
                         {"X-Amz-Function-Error": "Unhandled", "X-Amz-Executed-Version": "$LATEST"})
        self._send_result(req, call, result, {"X-Amz-Executed-Version": "$LATEST"})

    def _send_result(self, req, call, result, headers=None):
        if isinstance(result, Block):
            result.release.wait(BLOCK_LIMIT)
            call.answer_status = "dropped"
            req.close_connection = True
            return
        if isinstance(result, Raw):
            return _send(req, call, result.status, result.body, headers, content_type=result.content_type)
        _send(req, call, 200, _json(result), headers)


def _read_body(req):
    if "chunked" in (req.headers.get("Transfer-Encoding") or "").lower():
        chunks = []
        while True:
            size = int(req.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while req.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return b"".join(chunks)
            chunks.append(req.rfile.read(size))
            req.rfile.readline()
    length = int(req.headers.get("Content-Length") or 0)
    return req.rfile.read(length) if length else b""


def _json(value):
    return json.dumps(value).encode()


def _send(req, call, status, body, headers=None, content_type="application/json"):
    call.answer_status = status
    call.answer_headers = dict(headers or {})
    try:
        req.send_response(status)
        if content_type:
            req.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            req.send_header(name, value)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)
    except OSError:  # the caller gave up (timed out) before the answer
        req.close_connection = True


# ---------------------------------------------------------------------------
# SigV4 of Invoke requests
# ---------------------------------------------------------------------------

AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


def sigv4_problem(call, key, secret, region=LAMBDA_REGION, service="lambda"):
    """None if `call` carries a valid SigV4 signature by (key, secret), else what is wrong.

    The expected signature is computed with botocore's SigV4Auth over the same method, path,
    query, signed headers and body, at the request's X-Amz-Date.
    """
    auth = call.headers.get("Authorization")
    if not auth:
        return "no Authorization header"
    match = AUTH_RE.match(auth)
    if not match:
        return f"malformed Authorization header {auth!r}"
    if match["key"] != key:
        return f"signed with key {match['key']!r}, not {key!r}"
    if (match["region"], match["service"]) != (region, service):
        return f"credential scope {match['region']}/{match['service']}, not {region}/{service}"
    amz_date = call.headers.get("X-Amz-Date")
    if not amz_date:
        return "no X-Amz-Date header"
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    if when.strftime("%Y%m%d") != match["date"]:
        return f"credential date {match['date']} does not match X-Amz-Date {amz_date}"
    signed = match["signed"].split(";")
    if "host" not in signed:
        return f"host is not a signed header ({signed})"
    headers = {}
    for name in signed:
        value = call.headers.get(name)
        if value is None:
            return f"signed header {name!r} is missing from the request"
        headers[name] = value
    request = AWSRequest(method=call.method, url=f"http://{headers['host']}{call.path}", data=call.body,
                         headers=headers)
    signer = SigV4Auth(Credentials(key, secret), service, region)
    # botocore never signs User-Agent & co. itself, but a signer may; check exactly what was signed.
    with mock.patch.object(botocore.auth, "SIGNED_HEADERS_BLACKLIST", []):
        request.context["timestamp"] = amz_date
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if expected != match["signature"]:
        return f"signature mismatch; canonical request botocore computed:\n{canonical}"
    return None
