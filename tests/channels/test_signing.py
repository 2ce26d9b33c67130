"""The signature scheme both directions share: HMAC-SHA256 over "<timestamp>.<body>", 5 minutes either way."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.channels.receiver import verify_signature

from doorstep.channels import signing

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
BODY = '{"external_id":"F-1","customer_id":"c1","comment":"饭凉了"}'.encode()


def test_signed_headers_verify_and_match_an_independent_receiver() -> None:
    headers = signing.signed_headers("s3cret", BODY, NOW)
    assert headers["X-Doorstep-Timestamp"] == str(int(NOW.timestamp()))
    assert headers["X-Doorstep-Signature"].startswith("sha256=") and len(headers["X-Doorstep-Signature"]) == 71
    ts = signing.verify("s3cret", timestamp=headers["X-Doorstep-Timestamp"],
                        signature=headers["X-Doorstep-Signature"], body=BODY, now=NOW)
    assert ts == int(NOW.timestamp())
    lower = {k.lower(): v for k, v in headers.items()}
    assert verify_signature("s3cret", lower, BODY, NOW.timestamp())
    assert not verify_signature("other", lower, BODY, NOW.timestamp())


@pytest.mark.parametrize(
    ("secret", "body", "stamp_shift", "message"),
    [
        ("wrong", BODY, 0, "does not match"),
        ("s3cret", BODY + b" ", 0, "does not match"),  # one byte added to the body
        ("s3cret", BODY, 1, "does not match"),  # re-dated: the timestamp is signed too
    ],
)
def test_tampering_is_refused(secret: str, body: bytes, stamp_shift: int, message: str) -> None:
    headers = signing.signed_headers("s3cret", BODY, NOW)
    stamp = str(int(headers["X-Doorstep-Timestamp"]) + stamp_shift)
    with pytest.raises(signing.SignatureMismatch, match=message):
        signing.verify(secret, timestamp=stamp, signature=headers["X-Doorstep-Signature"], body=body, now=NOW)


@pytest.mark.parametrize(("skew", "accepted"), [(0, True), (300, True), (-300, True), (301, False), (-301, False),
                                                (86_400, False)])
def test_the_timestamp_is_accepted_five_minutes_either_way(skew: int, accepted: bool) -> None:
    sent = NOW + dt.timedelta(seconds=skew)
    headers = signing.signed_headers("k", BODY, sent)
    check = dict(timestamp=headers["X-Doorstep-Timestamp"], signature=headers["X-Doorstep-Signature"], body=BODY,
                 now=NOW)
    if accepted:
        signing.verify("k", **check)  # type: ignore[arg-type]
    else:
        with pytest.raises(signing.SignatureError, match="at most 300 s"):
            signing.verify("k", **check)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("timestamp", "signature", "message"),
    [
        (None, "sha256=00", "missing X-Doorstep-Timestamp"),
        ("", "sha256=00", "missing X-Doorstep-Timestamp"),
        ("1772442000.5", "sha256=00", "integer number of seconds"),
        ("-1", "sha256=00", "integer number of seconds"),
        ("1772442000", None, "missing X-Doorstep-Signature"),
        ("1772442000", "md5=abc", "must start with 'sha256='"),
    ],
)
def test_malformed_headers_say_what_is_wrong(timestamp: str | None, signature: str | None, message: str) -> None:
    with pytest.raises(signing.SignatureError, match=message):
        signing.verify("k", timestamp=timestamp, signature=signature, body=BODY, now=NOW)


def test_the_replay_guard_remembers_only_the_hex_digest() -> None:
    signature = signing.sign("k", 1, b"{}")
    assert signing.digest_of(signature) == signature.removeprefix("sha256=")
    assert len(signing.digest_of(signature)) == 64
