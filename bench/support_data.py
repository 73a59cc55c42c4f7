"""The help desk benchmark's data, written with SQL as rooms_data.py writes its listeners.

`count` persons (verified, active, no password), each with one open conversation followed by
the agent (`statut` 'en_cours', one first message of theirs) and, for the floor, one room of
their own whose members are the person and the agent. The agent is a real user seeded
through the API; the `agent` role is given here by a row of `utilisateur_role` (the server
reads roles with the principal on every request, auth/principal.py, so the token he got at
seeding carries the new permission from his next request).
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

PERSON_PHONE_PREFIX = "+22509"  # seeded API users are +22507…, rooms' listeners +22508…

INSERT_PERSONS = """
INSERT INTO utilisateur (telephone, nom, prenom, pays, compte_verifier, actif)
SELECT $1 || lpad(i::text, 8, '0'), 'Banc', 'Personne ' || i, 'CI', true, true
  FROM generate_series(1, $2::int) AS i
RETURNING id_user
"""

GRANT_AGENT = """
INSERT INTO utilisateur_role (id_user, id_role)
SELECT $1, id_role FROM role_permission WHERE code = 'agent'
ON CONFLICT DO NOTHING
"""

INSERT_CONVERSATIONS = """
INSERT INTO conversation_assistance (id_user, sujet, statut, id_agent)
SELECT unnest($1::int[]), 'Banc d''essai : réponse en direct', 'en_cours', $2
RETURNING id_conversation, id_user
"""

INSERT_FIRST_MESSAGES = """
INSERT INTO message_assistance (id_conversation, id_auteur, auteur, interne, contenu)
SELECT id_conversation, id_user, 'utilisateur', false, 'Bonjour, mon retrait n''est pas arrivé.'
  FROM conversation_assistance WHERE id_conversation = ANY($1::bigint[])
"""

INSERT_ROOMS = """
INSERT INTO thematiques (titre, sous_titre, description, id_createur)
SELECT 'Banc support ' || i, 'Banc d''essai', 'Salon créé par bench/support.py', $1
  FROM generate_series(1, $2::int) AS i
RETURNING id_thematique
"""

INSERT_MEMBERS = """
INSERT INTO membre_thematique (id_thematique, id_user, role)
SELECT unnest($1::int[]), unnest($2::int[]), 'membre'
"""


@dataclass
class Desk:
    """Person i owns conversations[i] and shares rooms[i] with the agent."""

    persons: list[int]
    conversations: list[int]
    rooms: list[int]


async def seed_desk(url: str, agent_id: int, count: int) -> Desk:
    connection = await asyncpg.connect(url, timeout=15)
    try:
        async with connection.transaction():
            await connection.execute(GRANT_AGENT, agent_id)
            granted = await connection.fetchval(
                "SELECT count(*) FROM utilisateur_role r JOIN role_permission p USING (id_role) "
                "WHERE r.id_user = $1 AND p.code = 'agent'",
                agent_id,
            )
            if not granted:
                raise LookupError("no role 'agent' in role_permission")
            rows = await connection.fetch(INSERT_PERSONS, PERSON_PHONE_PREFIX, count)
            persons = [int(row["id_user"]) for row in rows]
            rows = await connection.fetch(INSERT_CONVERSATIONS, persons, agent_id)
            owned = {int(row["id_user"]): int(row["id_conversation"]) for row in rows}
            conversations = [owned[person] for person in persons]
            await connection.execute(INSERT_FIRST_MESSAGES, conversations)
            rows = await connection.fetch(INSERT_ROOMS, agent_id, count)
            rooms = [int(row["id_thematique"]) for row in rows]
            await connection.execute(INSERT_MEMBERS, rooms + rooms, persons + [agent_id] * count)
        await connection.execute(
            "VACUUM (ANALYZE) utilisateur, utilisateur_role, conversation_assistance, "
            "message_assistance, thematiques, membre_thematique"
        )
        return Desk(persons, conversations, rooms)
    finally:
        await connection.close()


async def stored_counts(url: str, desk: Desk) -> dict[str, int]:
    """What the run left in the database: room messages, answers, notifications, push jobs."""
    connection = await asyncpg.connect(url, timeout=15)
    try:
        queries = {
            "room messages": (
                "SELECT count(*) FROM message WHERE id_thematique = ANY($1::int[])",
                desk.rooms,
            ),
            "help-desk answers": (
                "SELECT count(*) FROM message_assistance WHERE auteur = 'agent' "
                "AND id_conversation = ANY($1::bigint[])",
                desk.conversations,
            ),
            "notifications to the persons": (
                "SELECT count(*) FROM notification WHERE id_user = ANY($1::int[])",
                desk.persons,
            ),
            "push requested": (
                "SELECT count(*) FROM notification WHERE id_user = ANY($1::int[]) "
                "AND statut_push <> 'non_requis'",
                desk.persons,
            ),
        }
        counts: dict[str, int] = {}
        for name, (query, argument) in queries.items():
            counts[name] = int(await connection.fetchval(query, argument))
        return counts
    finally:
        await connection.close()
