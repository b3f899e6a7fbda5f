"""Helpers shared by the Python test clients of the vtpm and its bridge."""


def recv_exact(sock, n, which="socket"):
    """Exactly n bytes from sock; EOFError if the peer closes first."""
    got = b""
    while len(got) < n:
        part = sock.recv(n - len(got))
        if not part:
            raise EOFError(f"the peer closed the {which} after {len(got)} of {n} bytes")
        got += part
    return got
