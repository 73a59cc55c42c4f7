"""The rooms benchmark's data: one room, its listeners written with SQL, their tokens.

Registering a thousand people through the API costs a thousand argon2 hashes (minutes on two
cores) and measures nothing this benchmark is about. The listeners are therefore rows of
`utilisateur` (verified, active, no password) and `membre_thematique` written with SQL, and
their access tokens are signed here with the server's `JWT_SECRET` (the bench chooses it) by
the application's own `issue_access_token`, each naming a session (a row of
`jeton_rafraichissement` written with SQL, as a login writes it): the server checks them
exactly as it checks a token from `/api/login`. The sender is a real user seeded through
the API.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import asyncpg

from hostolink.auth.tokens import issue_access_token

LISTENER_PHONE_PREFIX = "+22508"  # seeded API users are +22507…: no clash
TOKEN_TTL_S = 3_600

INSERT_ROOM = """
INSERT INTO thematiques (titre, sous_titre, description, id_createur)
VALUES ($1, 'Banc d''essai', 'Salon créé par bench/rooms.py', $2)
RETURNING id_thematique
"""

INSERT_LISTENERS = """
INSERT INTO utilisateur (telephone, nom, prenom, pays, compte_verifier, actif)
SELECT $1 || lpad(i::text, 8, '0'), 'Banc', 'Auditeur ' || i, 'CI', true, true
  FROM generate_series(1, $2::int) AS i
RETURNING id_user
"""

# One live session per listener (a login's refresh token family; the hash is random: no
# refresh token is ever presented).
INSERT_SESSIONS = """
INSERT INTO jeton_rafraichissement (id_user, famille, hash_jeton, date_expiration)
SELECT unnest($1::int[]), unnest($2::uuid[]), unnest($3::text[]), now() + interval '1 day'
"""

INSERT_MEMBERS = """
INSERT INTO membre_thematique (id_thematique, id_user, role)
SELECT $1, unnest($2::int[]), 'membre'
"""


async def create_room(url: str, title: str, creator: int) -> int:
    """A room written with SQL (the admin route is not what is measured)."""
    connection = await asyncpg.connect(url, timeout=15)
    try:
        room_id: int = await connection.fetchval(INSERT_ROOM, title, creator)
        return room_id
    finally:
        await connection.close()


async def seed_listeners(url: str, room_id: int, count: int) -> list[int]:
    """`count` verified users, all members of the room; their ids."""
    connection = await asyncpg.connect(url, timeout=15)
    try:
        async with connection.transaction():
            rows = await connection.fetch(INSERT_LISTENERS, LISTENER_PHONE_PREFIX, count)
            ids = [int(row["id_user"]) for row in rows]
            await connection.execute(INSERT_MEMBERS, room_id, ids)
        await connection.execute("VACUUM (ANALYZE) utilisateur, membre_thematique")
        return ids
    finally:
        await connection.close()


async def mint_tokens(url: str, user_ids: list[int], secret: str) -> list[str]:
    """Access tokens as the server issues them, signed with its `JWT_SECRET`, each of a
    session written here."""
    sessions = [uuid.uuid4() for _ in user_ids]
    connection = await asyncpg.connect(url, timeout=15)
    try:
        hashes = [secrets.token_hex(32) for _ in user_ids]
        await connection.execute(INSERT_SESSIONS, user_ids, sessions, hashes)
    finally:
        await connection.close()
    return [
        issue_access_token(uid, key=secret, ttl_seconds=TOKEN_TTL_S, session=session)
        for uid, session in zip(user_ids, sessions, strict=True)
    ]


async def user_id_of(url: str, telephone: str) -> int:
    connection = await asyncpg.connect(url, timeout=15)
    try:
        value: Any = await connection.fetchval(
            "SELECT id_user FROM utilisateur WHERE telephone = $1", telephone
        )
    finally:
        await connection.close()
    if value is None:
        raise LookupError(telephone)
    return int(value)


async def stored_messages(url: str, room_id: int) -> int:
    connection = await asyncpg.connect(url, timeout=15)
    try:
        value: Any = await connection.fetchval(
            "SELECT count(*) FROM message WHERE id_thematique = $1", room_id
        )
        return int(value)
    finally:
        await connection.close()
