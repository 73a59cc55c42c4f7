"""Access tokens: short-lived HS256 JWTs that name exactly one person.

The previous back end let any token type pass as any other and fell back to "the first user"
when a claim was missing (F-1, F-2). Here a token is accepted only if it carries our issuer,
the `access` type and an integer subject; anything else is refused, never defaulted.

An access token also names its session (`sid`: the family of refresh tokens its login
opened). The principal read on every request checks that session is still alive, so a
logout, a password reset or a stolen refresh token coming back ends the access tokens of
that session (or of every session) at once, not when they expire.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt

from hostolink.errors import InvalidToken, Unauthorized

ISSUER = "hostolink"
ACCESS = "access"
ALGORITHM = "HS256"


def issue_token(
    user_id: int, *, key: str, ttl_seconds: int, kind: str, session: uuid.UUID | None = None
) -> str:
    """A signed JWT naming one person, of one `kind` (its `typ` claim), and of one session
    when given (`sid`)."""
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": str(user_id),
        "typ": kind,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    if session is not None:
        claims["sid"] = str(session)
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def read_token(token: str, *, key: str, kind: str, invalid: type[Unauthorized]) -> int:
    """The user id a token of `kind` names, or `invalid` (expired, forged, another kind)."""
    return _read(token, key=key, kind=kind, invalid=invalid)[0]


def _read(
    token: str, *, key: str, kind: str, invalid: type[Unauthorized]
) -> tuple[int, uuid.UUID | None]:
    try:
        user_id, expires_at, session = _verified_claims(token, key, kind)
    except _Rejected as exc:
        raise (invalid(invalid.expired_message) if exc.expired else invalid()) from exc
    # The cache below remembers a token's signature check, not its validity: expiry is
    # checked on every use.
    if expires_at <= time.time():
        raise invalid(invalid.expired_message)
    return user_id, session


def issue_access_token(user_id: int, *, key: str, ttl_seconds: int, session: uuid.UUID) -> str:
    return issue_token(user_id, key=key, ttl_seconds=ttl_seconds, kind=ACCESS, session=session)


def read_access_token(token: str, *, key: str) -> tuple[int, uuid.UUID]:
    """(user id, session) the token names, or `InvalidToken`. A token without a session is
    not one we issue: refused."""
    user_id, session = _read(token, key=key, kind=ACCESS, invalid=InvalidToken)
    if session is None:
        raise InvalidToken
    return user_id, session


class _Rejected(Exception):
    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@lru_cache(maxsize=8192)
def _verified_claims(token: str, key: str, kind: str) -> tuple[int, float, uuid.UUID | None]:
    """(user id, expiry, session) of a token whose signature, issuer and type check out. A phone
    calls the API many times with one token: decoding it once per process saves about a
    tenth of an authenticated request's CPU. Failures raise and are not cached."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "typ"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _Rejected(expired=True) from exc
    except jwt.PyJWTError as exc:
        raise _Rejected from exc
    subject = claims.get("sub")
    if claims.get("typ") != kind or not isinstance(subject, str) or not subject.isdigit():
        raise _Rejected
    session = claims.get("sid")
    if session is None:
        return int(subject), float(claims["exp"]), None
    try:
        return int(subject), float(claims["exp"]), uuid.UUID(str(session))
    except ValueError as exc:
        raise _Rejected from exc
