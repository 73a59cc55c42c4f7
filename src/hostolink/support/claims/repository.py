"""The claims' queries: ownership of the contested object, the claim row (locked when a
decision is taken), and the answers' joins."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hostolink.models import (
    Compte,
    ConversationAssistance,
    Ecriture,
    OperationFournisseur,
    Reclamations,
    Transaction,
    Utilisateur,
)
from hostolink.models.compte import USER_WALLET

MAX_LISTED = 200


async def own_conversation(
    session: AsyncSession, *, user_id: int, conversation_id: int
) -> ConversationAssistance | None:
    return await session.scalar(
        select(ConversationAssistance).where(
            ConversationAssistance.id_conversation == conversation_id,
            ConversationAssistance.id_user == user_id,
        )
    )


async def own_transaction(session: AsyncSession, *, user_id: int, reference: str) -> int | None:
    """The transaction's id when one of its entries moved an account of `user_id`."""
    moved_mine = exists().where(
        Ecriture.id_transaction == Transaction.id_transaction,
        Ecriture.id_compte == Compte.id_compte,
        Compte.id_user == user_id,
    )
    return await session.scalar(
        select(Transaction.id_transaction).where(
            Transaction.reference == reference.strip().upper(), moved_mine
        )
    )


async def own_operation(session: AsyncSession, *, user_id: int, reference: str) -> int | None:
    try:
        value = uuid.UUID(reference.strip())
    except ValueError:
        return None
    return await session.scalar(
        select(OperationFournisseur.id_operation).where(
            OperationFournisseur.reference == value, OperationFournisseur.id_user == user_id
        )
    )


async def lock(session: AsyncSession, claim_id: int) -> Reclamations | None:
    """The claim row FOR UPDATE: two decisions on one claim queue here, and the second one
    reads the first one's outcome."""
    return await session.scalar(
        select(Reclamations)
        .where(Reclamations.id_reclamation == claim_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# Plain rows, not entities: `wallet.admin.reverse` then locks the transaction and must read
# its status fresh, not from an entity this session's identity map would keep stale.
_FACTS = (
    Transaction.id_transaction,
    Transaction.reference,
    Transaction.montant,
    Transaction.frais,
    Transaction.statut,
    Transaction.id_operation,
)


async def transaction_facts(session: AsyncSession, transaction_id: int) -> Any:
    found = (
        await session.execute(select(*_FACTS).where(Transaction.id_transaction == transaction_id))
    ).one_or_none()
    if found is None:
        raise RuntimeError("unreachable: a foreign key of the claim")
    return found


async def deposit_credit(session: AsyncSession, operation_id: int) -> Any:
    """A deposit's credit: the 'depot' transaction that put the money in (None: none)."""
    statement = select(*_FACTS).where(
        Transaction.id_operation == operation_id, Transaction.type_transaction == "depot"
    )
    return (await session.execute(statement)).one_or_none()


async def change_for(session: AsyncSession, *, transaction_id: int, user_id: int) -> int:
    """What a posting did to the person's own accounts (credit > 0, debit < 0)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(Ecriture.montant), 0))
        .join(Compte, Compte.id_compte == Ecriture.id_compte)
        .where(Ecriture.id_transaction == transaction_id, Compte.id_user == user_id)
    )
    return int(total or 0)


async def wallet_number(session: AsyncSession, user_id: int) -> str | None:
    return await session.scalar(
        select(Compte.numero_compte).where(
            Compte.id_user == user_id, Compte.type_compte == USER_WALLET
        )
    )


def _listing() -> Select[Reclamations, str, uuid.UUID, str, str | None]:
    contested = aliased(Transaction)
    result = aliased(Transaction)
    return (
        select(
            Reclamations,
            contested.reference.label("reference_transaction"),
            OperationFournisseur.reference.label("reference_operation"),
            result.reference.label("reference_resultat"),
            Utilisateur.prenom.label("prenom_agent_propose"),
        )
        .outerjoin(contested, contested.id_transaction == Reclamations.id_transaction)
        .outerjoin(
            OperationFournisseur, OperationFournisseur.id_operation == Reclamations.id_operation
        )
        .outerjoin(result, result.id_transaction == Reclamations.id_transaction_resultat)
        .outerjoin(Utilisateur, Utilisateur.id_user == Reclamations.id_agent_propose)
    )


async def rows(
    session: AsyncSession,
    *,
    claim_id: int | None = None,
    user_id: int | None = None,
    conversation_id: int | None = None,
    statuses: Sequence[str] | None = None,
) -> list[Any]:
    """Claims with their references, newest first."""
    statement = _listing()
    if claim_id is not None:
        statement = statement.where(Reclamations.id_reclamation == claim_id)
    if user_id is not None:
        statement = statement.where(Reclamations.id_user == user_id)
    if conversation_id is not None:
        statement = statement.where(Reclamations.id_conversation == conversation_id)
    if statuses:
        statement = statement.where(Reclamations.statut.in_(statuses))
    statement = statement.order_by(Reclamations.id_reclamation.desc()).limit(MAX_LISTED)
    return list((await session.execute(statement)).all())
