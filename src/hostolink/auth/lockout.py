"""Lockout of an identifier after repeated wrong secrets (PIN, password): 423 Locked.

Each attempt is *reserved* (counted) before the secret is checked, in its own committed
transaction, so that parallel guesses cannot slip past the threshold and a failure stays
counted although the request itself answers an error. Unknown identifiers are counted and
locked exactly like known ones: the lock reveals nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hostolink.auth import repository
from hostolink.config import Settings
from hostolink.db import Database
from hostolink.errors import Locked
from hostolink.kit.metrics import LOCKOUTS
from hostolink.models import TentativeAuthentification
from hostolink.models.base import utcnow

# Failures older than this no longer count towards the next lock.
FAILURE_MEMORY = timedelta(minutes=15)


def _locked(until: datetime, now: datetime) -> Locked:
    seconds = max(1, int((until - now).total_seconds()) + 1)
    minutes = max(1, round(seconds / 60))
    wait = f"{minutes} minute{'s' if minutes > 1 else ''}"
    return Locked(
        f"Trop de tentatives incorrectes. Compte verrouillé : réessayez dans {wait}.",
        headers={"Retry-After": str(seconds)},
        extra={"retry_after": seconds},
    )


class Lockout:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._threshold = settings.lockout_threshold
        self._base = settings.lockout_base_seconds
        self._max = settings.lockout_max_seconds

    async def reserve(self, identifier: str) -> None:
        """Count one attempt, or raise `Locked` if the identifier is locked."""
        now = utcnow()
        error: Locked | None = None
        # Errors are raised after the block: raising inside it would roll back the lock.
        async with self._db.counters.begin() as side:
            row = await repository.lockout_row_for_update(side, identifier)
            last = row.date_derniere_tentative
            if row.verrouille_jusqu_a is not None and row.verrouille_jusqu_a > now:
                error = _locked(row.verrouille_jusqu_a, now)
            else:
                if last is not None and now - last > FAILURE_MEMORY:
                    row.echecs = 0
                if row.echecs >= self._threshold:
                    # As many attempts as allowed are already failed or in flight.
                    error = _locked(self._lock(row, now), now)
                else:
                    row.echecs += 1
                    row.date_derniere_tentative = now
        if error is not None:
            raise error

    async def failed(self, identifier: str) -> None:
        """The reserved attempt failed: lock when it was the last one allowed."""
        now = utcnow()
        async with self._db.counters.begin() as side:
            row = await repository.lockout_row_for_update(side, identifier)
            if row.verrouille_jusqu_a is not None and row.verrouille_jusqu_a > now:
                # A parallel attempt locked the identifier while this one was in flight.
                error = _locked(row.verrouille_jusqu_a, now)
            elif row.echecs < self._threshold:
                return
            else:
                error = _locked(self._lock(row, now), now)
        raise error  # after the block, so that the lock is committed

    async def succeeded(self, identifier: str) -> None:
        async with self._db.counters.begin() as side:
            await repository.clear_lockout(side, identifier)

    def _lock(self, row: TentativeAuthentification, now: datetime) -> datetime:
        until = now + repository.lock_delay(self._base, self._max, row.nb_verrouillages)
        row.verrouille_jusqu_a = until
        row.nb_verrouillages += 1
        row.echecs = 0
        LOCKOUTS.inc()
        return until
