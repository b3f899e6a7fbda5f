"""Trustee's `sample` verifier: `{"svn", "report_data"}` with no signature at all,
so it proves nothing; it checks only that report_data is this session's.  Off
unless the configuration sets `accept_sample` (for protocol tests)."""

from .codec import b64std_decode, member
from .problem import BadRequest, Unauthorized


def verify(evidence, report_data, policy):
    if not policy.accept_sample:
        raise Unauthorized("sample evidence is not accepted (accept_sample is off)")
    svn = member(evidence, "svn", str, "sample evidence")
    got = b64std_decode(member(evidence, "report_data", str, "sample evidence"), "report_data")
    if len(got) > 64:
        raise BadRequest("report_data: longer than 64 bytes")
    # Trustee compares with the report data resized to the evidence's length.
    if len(got) < len(report_data) or got != report_data.ljust(len(got), b"\0"):
        raise Unauthorized("report_data is not the hash of this session's runtime data")
    return {"svn": svn, "report_data": got.hex()}
