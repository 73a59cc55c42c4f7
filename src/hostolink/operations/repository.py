"""Every query of deposits and withdrawals (the money itself goes through wallet.ledger)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import HistoriqueOperation, OperationFournisseur, Transaction, WebhookEntrant
from hostolink.models.operation_fournisseur import STATUTS_EN_COURS
from hostolink.models.types import one_of
from hostolink.wallet.ledger import FeeRule

# The most specific active rule: this rail's before the all-rails one, then the highest
# bracket that contains the amount.
_FEE_RULE = text(
    """
SELECT frais_fixe, taux_points_base, frais_min, frais_max
FROM bareme_frais
WHERE actif AND type_operation = :kind AND devise = :currency
  AND (fournisseur = :rail OR fournisseur IS NULL)
  AND montant_min <= :amount AND (montant_max IS NULL OR montant_max >= :amount)
  AND date_debut <= now() AND (date_fin IS NULL OR date_fin > now())
ORDER BY fournisseur IS NULL, montant_min DESC, id_bareme DESC
LIMIT 1
"""
)

_STORE_ANSWER = text(
    "UPDATE cle_idempotence SET statut = 'terminee', code_http = :status,"
    " reponse = CAST(:body AS jsonb) WHERE id_cle = :id"
)


async def fee_rule(
    session: AsyncSession, *, kind: str, rail: str, amount: int, currency: str
) -> FeeRule | None:
    params = {"kind": kind, "rail": rail, "amount": amount, "currency": currency}
    row = (await session.execute(_FEE_RULE, params)).first()
    if row is None:
        return None
    return FeeRule(row.frais_fixe, row.taux_points_base, row.frais_min, row.frais_max)


async def store_idempotent_answer(
    session: AsyncSession, key_id: int, *, status: int, body: str
) -> None:
    await session.execute(_STORE_ANSWER, {"id": key_id, "status": status, "body": body})


def history(
    session: AsyncSession,
    operation: OperationFournisseur,
    *,
    previous: str | None,
    origin: str,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        HistoriqueOperation(
            id_operation=operation.id_operation,
            statut_precedent=previous,
            statut=operation.statut,
            origine=origin,
            details=details or {},
        )
    )


async def lock_operation(session: AsyncSession, operation_id: int) -> OperationFournisseur:
    statement = (
        select(OperationFournisseur)
        .where(OperationFournisseur.id_operation == operation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one()


async def hold_transaction(session: AsyncSession, operation: OperationFournisseur) -> int:
    """The withdrawal's hold: the 'retrait' transaction that debited the wallet."""
    statement = select(Transaction.id_transaction).where(
        Transaction.id_operation == operation.id_operation,
        Transaction.type_transaction == "retrait",
        Transaction.id_compte_source == operation.id_compte,
    )
    return int((await session.execute(statement)).scalar_one())


async def by_reference(session: AsyncSession, reference: str) -> OperationFournisseur | None:
    try:
        value = uuid.UUID(reference)
    except ValueError:
        return None
    statement = select(OperationFournisseur).where(OperationFournisseur.reference == value)
    return (await session.execute(statement)).scalar_one_or_none()


async def by_external_id(
    session: AsyncSession, *, gateway: str, rails: list[str], external_id: str
) -> OperationFournisseur | None:
    statement = select(OperationFournisseur).where(
        OperationFournisseur.fournisseur.in_(rails),  # the unique (fournisseur, id_externe)
        OperationFournisseur.id_externe == external_id,
        OperationFournisseur.passerelle == gateway,
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def by_token_hash(session: AsyncSession, digest: str) -> OperationFournisseur | None:
    statement = select(OperationFournisseur).where(OperationFournisseur.empreinte_jeton == digest)
    return (await session.execute(statement)).scalar_one_or_none()


_INBOX = text(
    """
INSERT INTO webhook_entrant (fournisseur, id_externe, type_evenement, corps_brut, entetes,
                             signature_valide, id_operation)
VALUES (:provider, :event_id, :event_type, :body, CAST(:headers AS jsonb), :valid, :operation)
ON CONFLICT (fournisseur, id_externe) DO NOTHING
RETURNING id_webhook
"""
)


async def store_callback(session: AsyncSession, **values: Any) -> int | None:
    """The inbox row, or None when this notification was already received."""
    row = (await session.execute(_INBOX, values)).first()
    return None if row is None else int(row.id_webhook)


async def mark_callback(
    session: AsyncSession, webhook_id: int, *, status: str, error: str | None = None
) -> None:
    await session.execute(
        update(WebhookEntrant)
        .where(WebhookEntrant.id_webhook == webhook_id)
        .values(
            statut=status,
            tentatives=WebhookEntrant.tentatives + 1,
            derniere_erreur=error,
            date_traitement=text("now()") if status in ("traite", "ignore") else None,
        )
    )


# The partial index ix_operation_fournisseur_reconciliation serves this: its predicate is
# the same literal list (a bound array would not let the planner prove it), built from our
# own constants, never from input.
_DUE = text(
    f"""
UPDATE operation_fournisseur o
SET nombre_verifications = o.nombre_verifications + 1,
    date_prochaine_verification = now() + make_interval(
        secs => least(:cap, :delay * power(2, least(o.nombre_verifications, 20))))
FROM (
    SELECT id_operation FROM operation_fournisseur
    WHERE {one_of("statut", STATUTS_EN_COURS)} AND date_prochaine_verification <= now()
    ORDER BY date_prochaine_verification
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
) due
WHERE o.id_operation = due.id_operation
RETURNING o.id_operation
"""  # noqa: S608
)


async def claim_due(
    session: AsyncSession, *, limit: int, delay_seconds: int, max_interval_seconds: int
) -> list[int]:
    """Operations whose next check is due — still pending, or waiting for an operator (a
    provider may still answer) — pushed back so that another worker does not take them
    meanwhile: `delay_seconds`, then twice as long after each check (2 min, 4, 8…), at most
    `max_interval_seconds`."""
    params = {"limit": limit, "delay": delay_seconds, "cap": max_interval_seconds}
    rows = await session.execute(_DUE, params)
    return [int(r.id_operation) for r in rows]


def mine(user_id: int) -> Select[OperationFournisseur]:
    return (
        select(OperationFournisseur)
        .where(OperationFournisseur.id_user == user_id)
        .order_by(
            OperationFournisseur.date_creation.desc(), OperationFournisseur.id_operation.desc()
        )
    )


async def histories(
    session: AsyncSession, operation_ids: list[int]
) -> dict[int, list[HistoriqueOperation]]:
    if not operation_ids:
        return {}
    statement = (
        select(HistoriqueOperation)
        .where(HistoriqueOperation.id_operation.in_(operation_ids))
        .order_by(HistoriqueOperation.date_changement, HistoriqueOperation.id_historique)
    )
    found: dict[int, list[HistoriqueOperation]] = {i: [] for i in operation_ids}
    for row in (await session.execute(statement)).scalars():
        found[row.id_operation].append(row)
    return found
