"""Errors that become HTTP answers with an RFC 7807 problem body.

Each error class is one answer status; the `name` is Trustee's error name where
Trustee has one, so a client that matches on the problem type sees the same
names from this server as from Trustee's."""

PROBLEM_TYPE_BASE = "https://github.com/confidential-containers/kbs/errors/"


class Problem(Exception):
    status = 500
    name = "InternalError"

    def __init__(self, detail, name=None, extra=None):
        super().__init__(detail)
        self.detail = detail
        if name:
            self.name = name
        self.extra = extra or {}

    def body(self):
        body = {"type": PROBLEM_TYPE_BASE + self.name, "title": self.name,
                "status": self.status, "detail": self.detail}
        body.update(self.extra)
        return body


class BadRequest(Problem):
    """Malformed JSON, base64, sizes or fields: the request cannot be understood."""
    status = 400
    name = "BadRequest"


class Unauthorized(Problem):
    """No session or token, or evidence that does not pass (Trustee answers 401 for both)."""
    status = 401
    name = "Unauthorized"


class Forbidden(Problem):
    """Attested, but the policy does not release this resource to that evidence."""
    status = 403
    name = "PolicyDeny"


class NotFound(Problem):
    status = 404
    name = "ResourceNotFound"


class Conflict(Problem):
    """A rollback counter asked to go backwards."""
    status = 409
    name = "CounterWouldDecrease"


class TooLarge(Problem):
    status = 413
    name = "PayloadTooLarge"


def require(cond, detail, kind=BadRequest):
    if not cond:
        raise kind(detail)
