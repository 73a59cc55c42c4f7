"""Access tokens: short-lived HS256 JWTs that name exactly one person.

The previous back end let any token type pass as any other and fell back to "the first user"
when a claim was missing (F-1, F-2). Here a token is accepted only if it carries our issuer,
the `access` type and an integer subject; anything else is refused, never defaulted.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt

from hostolink.errors import InvalidToken

ISSUER = "hostolink"
ACCESS = "access"
ALGORITHM = "HS256"


def issue_access_token(user_id: int, *, key: str, ttl_seconds: int) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": str(user_id),
        "typ": ACCESS,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def read_access_token(token: str, *, key: str) -> int:
    """The user id the token names, or `InvalidToken`."""
    user_id, expires_at = _verified_claims(token, key)
    # The cache below remembers a token's signature check, not its validity: expiry is
    # checked on every use.
    if expires_at <= time.time():
        raise InvalidToken("Jeton d'accès expiré. Rafraîchissez votre session.")
    return user_id


@lru_cache(maxsize=8192)
def _verified_claims(token: str, key: str) -> tuple[int, float]:
    """(user id, expiry) of a token whose signature, issuer and type check out. A phone
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
        raise InvalidToken("Jeton d'accès expiré. Rafraîchissez votre session.") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken from exc
    subject = claims.get("sub")
    if claims.get("typ") != ACCESS or not isinstance(subject, str) or not subject.isdigit():
        raise InvalidToken
    return int(subject), float(claims["exp"])
