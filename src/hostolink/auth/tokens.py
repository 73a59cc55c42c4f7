"""Access tokens: short-lived HS256 JWTs that name exactly one person.

The previous back end let any token type pass as any other and fell back to "the first user"
when a claim was missing (F-1, F-2). Here a token is accepted only if it carries our issuer,
the `access` type and an integer subject; anything else is refused, never defaulted.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

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
    return int(subject)
