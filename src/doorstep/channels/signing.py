"""One signature scheme for webhooks in both directions: pure functions, no I/O.

A signed request carries two headers::

    X-Doorstep-Timestamp: 1772442000
    X-Doorstep-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

The timestamp is inside the signed text, so an old request cannot be re-dated; the
receiver refuses one more than :data:`TOLERANCE` away from its own clock (either
way: a sender whose clock runs ahead is as suspicious as one whose runs behind),
and remembers the signatures it accepted to refuse a replay inside that window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

TIMESTAMP_HEADER = "X-Doorstep-Timestamp"
SIGNATURE_HEADER = "X-Doorstep-Signature"
SCHEME = "sha256="
TOLERANCE = dt.timedelta(minutes=5)


class SignatureError(Exception):
    """A request whose signature cannot be trusted; ``str()`` says why, for the sender."""


class SignatureMismatch(SignatureError):
    """The signature is well formed but was not made with this secret."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SCHEME + mac.hexdigest()


def signed_headers(secret: str, body: bytes, now: dt.datetime) -> dict[str, str]:
    """Both headers for a request sent ``now``."""
    timestamp = int(now.timestamp())
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def parse_timestamp(value: str | None) -> int:
    if value is None or not value.strip():
        raise SignatureError(f"missing {TIMESTAMP_HEADER} header (unix seconds)")
    text = value.strip()
    if not text.isdigit() or len(text) > 12:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be an integer number of seconds since 1970")
    return int(text)


def verify(secret: str, *, timestamp: str | None, signature: str | None, body: bytes, now: dt.datetime) -> int:
    """Check a request's two headers against ``secret``; returns its timestamp.

    Raises :class:`SignatureError` for a missing or malformed header, a signature
    that does not match (compared in constant time), or a timestamp more than
    five minutes from ``now``. The signature is checked before the time, so only
    a sender who knows the secret learns that its clock is off.
    """
    ts = parse_timestamp(timestamp)
    if signature is None or not signature.strip():
        raise SignatureError(f"missing {SIGNATURE_HEADER} header ({SCHEME}<hex>)")
    given = signature.strip()
    if not given.startswith(SCHEME):
        raise SignatureError(f"{SIGNATURE_HEADER} must start with '{SCHEME}'")
    if not hmac.compare_digest(given.encode(), sign(secret, ts, body).encode()):
        raise SignatureMismatch("the signature does not match (wrong secret or workspace, or the body was changed)")
    skew = abs(now.timestamp() - ts)
    if skew > TOLERANCE.total_seconds():
        raise SignatureError(
            f"the timestamp is {int(skew)} s away from the server's clock; at most "
            f"{int(TOLERANCE.total_seconds())} s is accepted (a replay, or a clock to fix)"
        )
    return ts


def digest_of(signature: str) -> str:
    """The hex part of a signature header: what the replay guard remembers."""
    return signature.strip().removeprefix(SCHEME)[:128]
