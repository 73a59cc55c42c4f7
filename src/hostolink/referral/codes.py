"""Invitation codes: 8 characters of an alphabet without 0/O or 1/I (read aloud, typed from a
poster or a message without confusion), 40 random bits; matched case-insensitively."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 8
_CODE = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")
_TRIES = 5

_INSERT = text(
    "INSERT INTO code_parrainage (id_user, code) VALUES (:id_user, :code)"
    " ON CONFLICT DO NOTHING RETURNING code"
)
_OF_USER = text("SELECT code FROM code_parrainage WHERE id_user = :id_user")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed: str | None) -> str | None:
    """The code as stored (upper case, without spaces or dashes), or None when `typed` cannot
    be one: a registration never fails because of it."""
    if not typed:
        return None
    value = re.sub(r"[\s-]", "", typed).upper()
    return value if _CODE.match(value) else None


def link(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/i/{code}"


async def ensure_code(session: AsyncSession, user_id: int) -> str:
    """The person's code, drawn now if they have none yet (a code already taken by someone
    else is drawn again; a concurrent draw for the same person keeps the first)."""
    connection = await session.connection()
    for _ in range(_TRIES):
        # Drawn first: for a person without a code (the usual case here) one statement.
        inserted = (
            await connection.execute(_INSERT, {"id_user": user_id, "code": new_code()})
        ).scalar()
        if inserted is not None:
            return str(inserted)
        existing = (await connection.execute(_OF_USER, {"id_user": user_id})).scalar()
        if existing is not None:
            return str(existing)
    raise RuntimeError("could not draw a free invitation code")


async def code_of(session: AsyncSession, user_id: int) -> str:
    """The person's code (read first: drawn only for someone who has none yet)."""
    existing = (await session.execute(_OF_USER, {"id_user": user_id})).scalar()
    return str(existing) if existing is not None else await ensure_code(session, user_id)
