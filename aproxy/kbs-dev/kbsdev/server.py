"""HTTP routing of the development KBS.  Every request is answered: a problem
body for anything refused or malformed, a 500 problem for a bug (logged), and
the server keeps serving either way."""

import json
import re
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import counter
from .codec import json_object
from .problem import PROBLEM_TYPE_BASE, BadRequest, NotFound, Problem, TooLarge, Unauthorized

DEV_HEADER = ("X-Nutshell-Dev-KBS", "development server, not for production")
MAX_BODY = 1 << 20             # a TPM quote, an event log and an SNP report fit many times over
SESSION_COOKIE = "kbs-session-id"
RESOURCE_ROUTE = re.compile(r"^/kbs/v0/resource/([A-Za-z0-9._-]{1,64}/[A-Za-z0-9._-]{1,64}/[A-Za-z0-9._-]{1,64})$")
COUNTER_ROUTE = re.compile(r"^/nutshell-dev/v0/counter/([A-Za-z0-9._-]{1,64})$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nutshell-kbs-dev"
    timeout = 30               # a client that stalls mid-request loses its connection, not a thread forever

    def log_message(self, fmt, *args):
        self.server.log("http: " + (fmt % args))

    def _send(self, status, body, cookie=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        ctype = "application/problem+json" if status >= 400 else "application/json"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header(*DEV_HEADER)
        if cookie:
            self.send_header("Set-Cookie", f"{SESSION_COOKIE}={cookie}; Path=/kbs; HttpOnly")
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise BadRequest("a Content-Length is required")
        if int(length) > MAX_BODY:
            self.close_connection = True       # the unread body must not be parsed as a request
            raise TooLarge(f"body larger than {MAX_BODY} bytes")
        try:
            raw = self.rfile.read(int(length))
        except OSError:            # the client stalled past `timeout` or went away
            raw = b""
        if len(raw) != int(length):
            self.close_connection = True
            raise BadRequest(f"body shorter than its Content-Length ({len(raw)} of {length} bytes)")
        return json_object(raw, "request body")

    def _cookie(self):
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == SESSION_COOKIE:
                return value
        return None

    def _bearer(self):
        auth = self.headers.get("Authorization")
        if auth is None:
            return None
        scheme, _, token = auth.partition(" ")
        if scheme != "Bearer" or not token:
            raise BadRequest("Authorization: only \"Bearer <token>\"")
        return token.strip()

    def _route(self, method):
        rcar, path = self.server.rcar, self.path.split("?", 1)[0]
        if method == "POST" and path == "/kbs/v0/auth":
            session, answer = rcar.auth(self._body())
            return 200, answer, session["id"]
        if method == "POST" and path == "/kbs/v0/attest":
            sid = self._cookie()
            body = self._body()
            if sid is None:
                raise Unauthorized("attest needs the kbs-session-id cookie from auth", name="RcarAttestFailed")
            session, answer = rcar.attest(sid, body)
            return 200, answer, session["id"]
        m = RESOURCE_ROUTE.match(path)
        if method == "GET" and m:
            claims = rcar.token_claims(self._cookie(), self._bearer())
            return 200, rcar.resource(claims, m.group(1)), None
        m = COUNTER_ROUTE.match(path)
        if method == "POST" and m:
            body = self._body()
            claims = rcar.token_claims(self._cookie(), self._bearer())
            resource = counter.resource_for(rcar.policy, m.group(1))
            key = rcar.authorize(claims, resource)
            return 200, self.server.counters.handle(m.group(1), body, key), None
        raise NotFound(f"no route {method} {path}", name="NotFound")

    def _serve(self, method):
        try:
            status, body, cookie = self._route(method)
        except Problem as p:
            self.server.log(f"refused {method} {self.path}: {p.status} {p.name}: {p.detail}")
            status, body, cookie = p.status, p.body(), None
        except Exception:
            self.server.log(f"BUG serving {method} {self.path}:\n{traceback.format_exc()}")
            status, body, cookie = 500, Problem("internal error; see the server log").body(), None
        self._send(status, body, cookie)

    def send_error(self, code, message=None, explain=None):
        """http.server's own refusals (a malformed request line or header, an
        unsupported method) as problem bodies too, not its HTML page."""
        self.close_connection = True
        # A request line too broken to name its version leaves HTTP/0.9, which
        # has no status line or headers; answer as HTTP/1.1 all the same.
        self.request_version = self.protocol_version
        name = {400: "BadRequest", 501: "MethodNotSupported"}.get(code, "HttpError")
        self._send(code, {"type": PROBLEM_TYPE_BASE + name, "title": name, "status": code,
                          "detail": message or explain or "refused"})

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")


class KbsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, rcar, counters, log):
        super().__init__(address, Handler)
        self.rcar, self.counters, self.log = rcar, counters, log
