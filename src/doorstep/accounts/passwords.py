"""Password hashing: argon2id through argon2-cffi, and what a password must be.

Only the encoded hash is stored (it carries its own salt and parameters). When the
parameters below change, :func:`verify` says so and the caller rehashes on the next
successful login, so old hashes upgrade themselves without a migration.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from doorstep.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 takes any length; this only bounds the work one request can ask for

# argon2-cffi's defaults follow RFC 9106's second recommendation (argon2id, 64 MiB,
# 3 passes): about 50 ms per hash here, which is the point.
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    # Verified against when the account does not exist, so a login for an unknown
    # handle takes as long as one with a wrong password.
    return _hasher.hash("doorstep-no-such-user-placeholder")


def check_password(password: str) -> str:
    """The password if it is acceptable, else InvalidInput saying why."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"a password has at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"a password has at most {MAX_LENGTH} characters", field="password")
    if password.strip() == "" or len(set(password)) < 4:
        raise InvalidInput("this password is too easy to guess", field="password")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(encoded: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash). ``encoded`` None (no login) still costs one verification."""
    try:
        ok = _hasher.verify(encoded or _dummy_hash(), password[:MAX_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    if encoded is None:
        return False, False
    return ok, _hasher.check_needs_rehash(encoded)


def burn() -> None:
    """Spend the time of one verification (an unknown account, a locked one)."""
    verify(None, "x")
