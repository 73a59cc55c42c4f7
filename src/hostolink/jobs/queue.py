"""Every query of the job queue (`tache`).

A job is enqueued in the transaction that creates its reason to exist (an inbox row, an
operation), so it exists if and only if that commit happened. Workers claim due jobs with
`FOR UPDATE SKIP LOCKED` (several workers, in several processes, never take the same job) and
hold a lease; a worker that dies mid-job leaves a lease that expires, and the job is claimed
again. Handlers are written to apply their effect once however often they run.

Every write of a worker about a claimed job (renewal, completion, retry, hand-back) names the
attempt it claimed: each claim increments `tentatives`, so a worker whose lease ran out and
whose job was claimed again matches nothing and cannot touch the new attempt. (A hand-back
gives the attempt back, but only its own worker hands back, after its handler stopped; the
next claim increments again, so a superseded attempt number never comes back `en_cours`.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

DEFAULT_QUEUE = "defaut"

_ENQUEUE = text(
    """
INSERT INTO tache (file, nom, charge, cle_unicite, tentatives_max, date_execution)
VALUES (:file, :nom, CAST(:charge AS jsonb), :cle,
        :max, now() + make_interval(secs => :delay))
ON CONFLICT (cle_unicite) WHERE statut IN ('en_attente', 'en_cours') DO NOTHING
RETURNING id_tache
"""
)

_CLAIM = text(
    """
UPDATE tache t
SET statut = 'en_cours', tentatives = t.tentatives + 1,
    verrouille_jusqu_a = now() + make_interval(secs => :lease)
FROM (
    SELECT id_tache FROM tache
    WHERE file = :file AND statut IN ('en_attente', 'en_cours')
      AND ((statut = 'en_attente' AND date_execution <= now())
           OR (statut = 'en_cours' AND verrouille_jusqu_a < now()))
    ORDER BY date_execution
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
) due
WHERE t.id_tache = due.id_tache
RETURNING t.id_tache, t.nom, t.charge, t.tentatives, t.tentatives_max
"""
)

_COMPLETE = text(
    "UPDATE tache SET statut = 'terminee', date_fin = now(), verrouille_jusqu_a = NULL,"
    " derniere_erreur = NULL WHERE id_tache = :id AND statut = 'en_cours'"
    " AND (CAST(:attempt AS integer) IS NULL OR tentatives = :attempt)"
)

# Attempts 1, 2, 3… wait 2, 4, 8… seconds, at most ten minutes; past the maximum the job is
# abandoned (kept, with its error, for an operator to read, retry or cancel).
_RETRY = text(
    """
UPDATE tache
SET statut = CASE WHEN tentatives >= tentatives_max THEN 'abandonnee' ELSE 'en_attente' END,
    date_fin = CASE WHEN tentatives >= tentatives_max THEN now() END,
    date_execution = now() + make_interval(secs => least(600, power(2, tentatives)::int)),
    verrouille_jusqu_a = NULL, derniere_erreur = left(:error, 2000)
WHERE id_tache = :id AND statut = 'en_cours' AND tentatives = :attempt
RETURNING statut
"""
)

_RENEW = text(
    "UPDATE tache SET verrouille_jusqu_a = now() + make_interval(secs => :lease)"
    " WHERE id_tache = :id AND statut = 'en_cours' AND tentatives = :attempt"
    " RETURNING id_tache"
)

# Shutting down: the job is due again at once, for any worker, and this attempt is not
# counted (it did not fail: it was interrupted).
_HAND_BACK = text(
    "UPDATE tache SET statut = 'en_attente', date_execution = now(), verrouille_jusqu_a = NULL,"
    " tentatives = tentatives - 1"
    " WHERE id_tache = :id AND statut = 'en_cours' AND tentatives = :attempt"
    " RETURNING id_tache"
)


@dataclass(frozen=True)
class Job:
    id: int
    name: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int


async def enqueue(
    connection: AsyncConnection,
    name: str,
    payload: dict[str, Any],
    *,
    unique_key: str | None = None,
    queue: str = DEFAULT_QUEUE,
    delay_seconds: float = 0,
    max_attempts: int = 10,
) -> int | None:
    """Add a job; with `unique_key`, nothing happens when such a job is already waiting or
    running (the id is then None)."""
    row = (
        await connection.execute(
            _ENQUEUE,
            {
                "file": queue,
                "nom": name,
                "charge": json.dumps(payload),
                "cle": unique_key,
                "max": max_attempts,
                "delay": float(delay_seconds),
            },
        )
    ).first()
    return None if row is None else int(row.id_tache)


async def claim(
    connection: AsyncConnection, *, queue: str, limit: int, lease_seconds: float
) -> list[Job]:
    rows = await connection.execute(
        _CLAIM, {"file": queue, "limit": limit, "lease": float(lease_seconds)}
    )
    return [
        Job(r.id_tache, r.nom, dict(r.charge), int(r.tentatives), int(r.tentatives_max))
        for r in rows
    ]


async def complete(connection: AsyncConnection, job_id: int, *, attempt: int | None = None) -> None:
    """Mark a running job done (a handler calls it in the transaction of its effect; the
    worker passes the attempt it claimed)."""
    await connection.execute(_COMPLETE, {"id": job_id, "attempt": attempt})


async def retry_later(connection: AsyncConnection, job: Job, error: str) -> str | None:
    """Put a failed attempt back in the queue (or abandon the job); its new status, or None
    when the attempt is no longer this worker's."""
    row = (
        await connection.execute(_RETRY, {"id": job.id, "attempt": job.attempt, "error": error})
    ).first()
    return None if row is None else str(row.statut)


async def renew_lease(connection: AsyncConnection, job: Job, *, lease_seconds: float) -> bool:
    """Extend a running attempt's lease; False when the job is no longer this attempt's."""
    params = {"id": job.id, "attempt": job.attempt, "lease": float(lease_seconds)}
    return (await connection.execute(_RENEW, params)).first() is not None


async def hand_back(connection: AsyncConnection, job: Job) -> bool:
    """Release an interrupted attempt at once (not as a failure); False when it was not
    this worker's any more (finished meanwhile, or claimed by another)."""
    params = {"id": job.id, "attempt": job.attempt}
    return (await connection.execute(_HAND_BACK, params)).first() is not None
