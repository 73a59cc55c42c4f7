"""Double entry: lock accounts, compute entries and new balances, post.

A movement is one `transaction` header and ≥2 `ecriture` rows summing to zero; each touched
account's balance changes by its entries in the same database transaction. The database
refuses anything else (deferred balance trigger, append-only trigger, `solde >= 0` for every
non-system account), so a bug here fails loudly instead of corrupting the ledger.

People's and merchants' accounts are locked and checked here; system accounts are only read:
their entries go to a bucket picked at random per posting (models/sous_compte_systeme.py),
whose balance after the entry the posting statement itself returns into `solde_apres`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.kit.money import basis_points
from hostolink.models.sous_compte_systeme import SYSTEM_BUCKETS
from hostolink.wallet import repository
from hostolink.wallet.repository import Posting

# Crockford's base32 (no I, L, O, U): read aloud or typed from a receipt without confusion.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 12


def new_reference() -> str:
    """`HL-` and 12 random characters (60 bits): unique in practice, never guessable from
    another receipt (a collision would fail the UNIQUE index, never overwrite)."""
    value = int.from_bytes(secrets.token_bytes(8))  # 64 random bits, 60 of them used
    body = "".join(_REFERENCE_ALPHABET[(value >> (5 * i)) & 31] for i in range(REFERENCE_LENGTH))
    return f"HL-{body}"


def today() -> date:
    # Abidjan is on UTC all year (no daylight saving): the UTC day is the local day.
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Limits:
    niveau_kyc: int
    solde_max: int
    operation_max: int
    envoi_jour: int
    envoi_mois: int
    retrait_jour: int
    retrait_mois: int


@dataclass(frozen=True)
class Counters:
    envoi_jour: int = 0
    envoi_mois: int = 0
    retrait_jour: int = 0
    retrait_mois: int = 0

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.envoi_jour, self.envoi_mois, self.retrait_jour, self.retrait_mois)


@dataclass(frozen=True)
class FeeRule:
    fixe: int
    taux_points_base: int
    minimum: int
    maximum: int | None

    def fee(self, amount: int) -> int:
        value = self.fixe + basis_points(amount, self.taux_points_base)
        value = max(value, self.minimum)
        return min(value, self.maximum) if self.maximum is not None else value


@dataclass(frozen=True)
class LockedAccount:
    """An account row this transaction holds `FOR UPDATE`, with its owner's limits; or a
    system account, read without a lock (`solde` 0: its balance is in its buckets)."""

    id: int
    numero: str
    type: str
    statut: str
    solde: int
    id_user: int | None
    counters: Counters  # rolled over to today
    limits: Limits | None  # None for system and merchant accounts, or a tier without row

    @property
    def is_user(self) -> bool:
        return self.type == "utilisateur"

    @property
    def is_system(self) -> bool:
        return self.type == "systeme"

    @property
    def is_active(self) -> bool:
        return self.statut == "actif"


@dataclass(frozen=True)
class Locked:
    accounts: dict[int, LockedAccount]
    fee_rule: FeeRule | None
    claimed_key: int | None  # id of the claimed Idempotency-Key (CLAIM_AND_LOCK only)

    def __getitem__(self, account_id: int) -> LockedAccount:
        return self.accounts[account_id]


def rolled_counters(row: Any, day: date) -> Counters:
    """The limit counters of an account row (or `Compte`) as of `day`: a past day's or
    month's figures count as zero."""
    counters = Counters(
        row.cumul_envoi_jour, row.cumul_envoi_mois, row.cumul_retrait_jour, row.cumul_retrait_mois
    )
    last: date | None = row.date_cumul
    if last == day:
        return counters
    if last is not None and (last.year, last.month) == (day.year, day.month):
        return replace(counters, envoi_jour=0, retrait_jour=0)
    return Counters()


def _account(row: Any, day: date) -> LockedAccount:
    limits = None
    if row.type_compte == "utilisateur" and row.niveau_kyc is not None:
        limits = Limits(
            row.niveau_kyc,
            row.solde_max,
            row.montant_max_operation,
            row.plafond_envoi_journalier,
            row.plafond_envoi_mensuel,
            row.plafond_retrait_journalier,
            row.plafond_retrait_mensuel,
        )
    return LockedAccount(
        id=row.id_compte,
        numero=row.numero_compte,
        type=row.type_compte,
        statut=row.statut,
        solde=row.solde,
        id_user=row.id_user,
        counters=rolled_counters(row, day),
        limits=limits,
    )


@dataclass(frozen=True)
class IdempotencyClaim:
    user_id: int
    key: str
    fingerprint: str
    expires_at: datetime


async def lock(
    session: AsyncSession,
    account_ids: list[int],
    *,
    system_codes: list[str] | None = None,
    fee_type: str | None = None,
    amount: int = 0,
    claim: IdempotencyClaim | None = None,
) -> Locked:
    """Lock the accounts (ascending ids), read the system accounts among `account_ids` and
    `system_codes` (not locked), their limits and, for `fee_type`, the fee rule for
    `amount`. With `claim`, the Idempotency-Key is claimed in the same statement:
    `claimed_key` is None when another request already holds it."""
    day = today()
    params: dict[str, Any] = {
        "ids": sorted(set(account_ids)),
        "codes": list(system_codes or []),
        "fee_type": fee_type,
        "fee_amount": amount,
    }
    statement = repository.LOCK
    if claim is not None:
        statement = repository.CLAIM_AND_LOCK
        params |= {
            "idem_user": claim.user_id,
            "idem_key": claim.key,
            "idem_hash": claim.fingerprint,
            "idem_expires": claim.expires_at,
        }
    connection = await session.connection()
    rows = (await connection.execute(statement, params)).all()
    accounts = {row.id_compte: _account(row, day) for row in rows}
    fee_rule = None
    claimed = None
    if rows:
        first = rows[0]
        if first.frais_fixe is not None:
            fee_rule = FeeRule(
                first.frais_fixe, first.taux_points_base, first.frais_min, first.frais_max
            )
        claimed = first.id_cle if claim is not None else None
    return Locked(accounts, fee_rule, claimed)


@dataclass
class Movement:
    """Entries being assembled for one posting: signed amounts per locked account."""

    locked: Locked
    entries: dict[int, int]
    counters: dict[int, Counters]

    @classmethod
    def start(cls, locked: Locked) -> Movement:
        return cls(locked, {}, {})

    def add(self, account_id: int, amount: int) -> None:
        self.entries[account_id] = self.entries.get(account_id, 0) + amount

    def count_sent(self, account_id: int, amount: int) -> None:
        current = self.counters.get(account_id, self.locked[account_id].counters)
        self.counters[account_id] = replace(
            current,
            envoi_jour=current.envoi_jour + amount,
            envoi_mois=current.envoi_mois + amount,
        )

    def count_withdrawn(self, account_id: int, amount: int) -> None:
        current = self.counters.get(account_id, self.locked[account_id].counters)
        self.counters[account_id] = replace(
            current,
            retrait_jour=current.retrait_jour + amount,
            retrait_mois=current.retrait_mois + amount,
        )

    def uncount_withdrawn(self, account_id: int, amount: int, *, counted_on: date) -> None:
        """A withdrawal counted on `counted_on` did not happen: give its amount back to the
        day's and month's limits it was counted in (not to a later day's)."""
        current = self.counters.get(account_id, self.locked[account_id].counters)
        day = today()
        same_month = (counted_on.year, counted_on.month) == (day.year, day.month)
        self.counters[account_id] = replace(
            current,
            retrait_jour=max(0, current.retrait_jour - amount)
            if counted_on == day
            else current.retrait_jour,
            retrait_mois=max(0, current.retrait_mois - amount)
            if same_month
            else current.retrait_mois,
        )

    def balance_after(self, account_id: int) -> int:
        """A locked account's balance after the movement (not a system account's: its
        bucket's balance after the entry is known only when posting)."""
        account = self.locked[account_id]
        if account.is_system:
            raise ValueError(f"system account {account.numero}: its balance is its buckets'")
        return account.solde + self.entries.get(account_id, 0)

    def posting(self, **header: Any) -> Posting:
        if sum(self.entries.values()) != 0 or len(self.entries) < 2:
            raise RuntimeError(f"unbalanced movement: {self.entries}")
        ids = sorted(self.entries)
        now = datetime.now(UTC)
        return Posting(
            created_at=now,
            day=now.date(),
            accounts=ids,
            amounts=[self.entries[i] for i in ids],
            balances_after=[
                None if self.locked[i].is_system else self.balance_after(i) for i in ids
            ],
            buckets=[
                secrets.randbelow(SYSTEM_BUCKETS) if self.locked[i].is_system else None for i in ids
            ],
            counters=[self.counters.get(i, self.locked[i].counters).as_tuple() for i in ids],
            **header,
        )
