"""The client's `Idempotency-Key`: the same key with the same request replays the stored
answer; with a different request it is a 409. The key is claimed in the statement that
locks the accounts (UNIQUE (id_user, cle)): a second request with the key waits for the
first to commit, then finds the stored answer instead of paying again.

Only successful answers are stored. A refusal (insufficient funds, limit…) writes nothing,
so the key stays free: retrying it after topping up is a new attempt, which is safe because
the refused attempt moved no money.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.errors import BadRequest
from hostolink.wallet import repository
from hostolink.wallet.errors import (
    IdempotencyInProgress,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
)
from hostolink.wallet.ledger import IdempotencyClaim

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"^[A-Za-z0-9._:\-]{8,255}$")
# Never part of the fingerprint: a retry may carry a fresh PIN token, or type the PIN.
_SECRET_FIELDS = frozenset({"pin"})


class InvalidIdempotencyKey(BadRequest):
    message = (
        "En-tête Idempotency-Key invalide : 8 à 255 caractères parmi lettres, chiffres, "
        "« . _ : - » (un UUID convient)."
    )


def fingerprint(request: Request, body: BaseModel | None) -> str:
    payload = {} if body is None else body.model_dump(mode="json", exclude=set(_SECRET_FIELDS))
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    material = f"{request.method} {request.url.path}\n{canonical}"
    return hashlib.sha256(material.encode()).hexdigest()


def required_claim(
    request: Request, *, user_id: int, body: BaseModel | None, ttl_hours: int
) -> IdempotencyClaim:
    """Payments: the header is mandatory. `ttl_hours`: `Settings.idempotency_ttl_hours`."""
    claim = optional_claim(request, user_id=user_id, body=body, ttl_hours=ttl_hours)
    if claim is None:
        raise IdempotencyKeyRequired
    return claim


def optional_claim(
    request: Request, *, user_id: int, body: BaseModel | None, ttl_hours: int
) -> IdempotencyClaim | None:
    """Administrators' actions: honoured when sent."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _KEY.match(key):
        raise InvalidIdempotencyKey
    return IdempotencyClaim(
        user_id=user_id,
        key=key,
        fingerprint=fingerprint(request, body),
        expires_at=datetime.now(UTC) + timedelta(hours=ttl_hours),
    )


@dataclass(frozen=True)
class Replay:
    """The stored answer of a request already performed with this key."""

    status: int
    body: dict[str, Any]


async def _stored(session: AsyncSession, claim: IdempotencyClaim) -> Any:
    query = repository.STORED_KEY
    params = {"user_id": claim.user_id, "key": claim.key}
    return (await session.execute(query, params)).first()


def _replay(row: Any) -> Replay:
    return Replay(int(row.code_http), dict(row.reponse))


async def earlier_answer(session: AsyncSession, claim: IdempotencyClaim) -> Replay | None:
    """The stored answer of this exact request, if it was already performed. For refusals
    that only a first success explains (a single-use QR code found paid: by this very
    request's first attempt?)."""
    row = await _stored(session, claim)
    if row is None or row.statut != "terminee" or row.empreinte_requete != claim.fingerprint:
        return None
    return _replay(row)


async def stored_answer(session: AsyncSession, claim: IdempotencyClaim) -> Replay:
    """Called when the claim found the key taken (its first request has committed)."""
    row = await _stored(session, claim)
    if row is None or row.statut != "terminee":
        raise IdempotencyInProgress
    if row.empreinte_requete != claim.fingerprint:
        raise IdempotencyKeyReused
    return _replay(row)
