"""Administrators' money actions: reverse a transaction (once), credit or debit a wallet
against the adjustments system account (never an absolute balance write), freeze or close
an account. Each one writes its audit row in the same database transaction as the money,
with the mandatory reason."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin import audit
from hostolink.admin.audit import Actor
from hostolink.kit.money import format_xof
from hostolink.models import Compte, Ecriture, Transaction
from hostolink.models.base import utcnow
from hostolink.wallet import ledger, repository
from hostolink.wallet.errors import (
    AccountNotEmpty,
    AlreadyReversed,
    InsufficientFunds,
    NotReversible,
    TransactionNotFound,
    UnknownRecipient,
)
from hostolink.wallet.ledger import IdempotencyClaim, Movement
from hostolink.wallet.reference_data import SystemAccount


@dataclass(frozen=True)
class AdminPosted:
    transaction_id: int
    reference: str
    notify_users: list[tuple[int, str]]  # (user id, notification text)


def _audit(session: AsyncSession, actor: Actor, **fields: Any) -> None:
    audit.record(session, actor=actor, **fields)


async def reverse(
    session: AsyncSession,
    *,
    actor: Actor,
    reference: str,
    motif: str,
    claim: IdempotencyClaim | None,
) -> AdminPosted | None:
    """A `remboursement` with every entry of the original negated. The original's row is
    locked first, so two simultaneous reversals queue; the UNIQUE index on
    `id_transaction_annulee` would refuse the second anyway. None: replay of `claim`."""
    original = await session.scalar(
        select(Transaction)
        .where(Transaction.reference == reference.strip().upper())
        .with_for_update()
    )
    if original is None:
        raise TransactionNotFound
    if original.statut == "remboursee":
        raise AlreadyReversed
    if original.type_transaction == "remboursement":
        raise NotReversible("Un remboursement ne se contre-passe pas : passez un ajustement.")
    entries = (
        await session.execute(
            select(Ecriture.id_compte, Ecriture.montant).where(
                Ecriture.id_transaction == original.id_transaction
            )
        )
    ).all()
    locked = await ledger.lock(session, [e.id_compte for e in entries], claim=claim)
    if claim is not None and locked.claimed_key is None:
        return None
    movement = Movement.start(locked)
    for entry in entries:
        movement.add(entry.id_compte, -entry.montant)
    for account_id in movement.entries:
        account = locked[account_id]
        if account.type != "systeme" and movement.balance_after(account_id) < 0:
            raise InsufficientFunds(
                f"Le compte {account.numero} n'a plus les fonds pour cette contre-passation "
                f"(solde {format_xof(account.solde)})."
            )
    new_reference = ledger.new_reference()
    posting = movement.posting(
        reference=new_reference,
        type_transaction="remboursement",
        montant=original.montant,
        frais=original.frais,
        source=original.id_compte_destination,
        destination=original.id_compte_source,
        initiator=actor.principal.id,
        description=f"Contre-passation de {original.reference}",
        motif=motif,
        qr=None,
        operation=None,
        reverses=original.id_transaction,
    )
    if claim is not None:
        posting = posting.with_answer(
            idempotency_id=locked.claimed_key,
            status=200,
            body=json.dumps({"reference": new_reference}),
        )
    transaction_id = await repository.post(session, posting)
    _audit(
        session,
        actor,
        action="argent.remboursement",
        table="transaction",
        key=original.reference,
        before={"statut": original.statut},
        after={"statut": "remboursee", "remboursement": new_reference},
        motif=motif,
    )
    users = [
        (account.id_user, f"La transaction {original.reference} a été annulée par le support.")
        for account in locked.accounts.values()
        if account.id_user is not None
    ]
    return AdminPosted(transaction_id, new_reference, users)


async def adjust(
    session: AsyncSession,
    *,
    actor: Actor,
    numero_compte: str,
    direction: str,
    amount: int,
    motif: str,
    claim: IdempotencyClaim | None,
) -> AdminPosted | None:
    """Credit or debit a wallet by a relative amount, against the adjustments account."""
    account_id = await session.scalar(
        select(Compte.id_compte).where(
            Compte.numero_compte == numero_compte.strip().upper(),
            Compte.type_compte != "systeme",
        )
    )
    if account_id is None:
        raise UnknownRecipient("Compte introuvable.")
    locked = await ledger.lock(
        session, [account_id], system_codes=[SystemAccount.ADJUSTMENTS], claim=claim
    )
    if claim is not None and locked.claimed_key is None:
        return None
    target = locked[account_id]
    (counterpart,) = (a.id for a in locked.accounts.values() if a.type == "systeme")
    signed = amount if direction == "credit" else -amount
    if target.solde + signed < 0:
        raise InsufficientFunds(
            f"Débit impossible : le solde du compte est de {format_xof(target.solde)}."
        )
    movement = Movement.start(locked)
    movement.add(account_id, signed)
    movement.add(counterpart, -signed)
    reference = ledger.new_reference()
    posting = movement.posting(
        reference=reference,
        type_transaction="ajustement",
        montant=amount,
        frais=0,
        source=counterpart if signed > 0 else account_id,
        destination=account_id if signed > 0 else counterpart,
        initiator=actor.principal.id,
        description="Crédit du support" if signed > 0 else "Débit du support",
        motif=motif,
        qr=None,
        operation=None,
        reverses=None,
    )
    if claim is not None:
        posting = posting.with_answer(
            idempotency_id=locked.claimed_key, status=200, body=json.dumps({"reference": reference})
        )
    transaction_id = await repository.post(session, posting)
    _audit(
        session,
        actor,
        action="argent.ajustement",
        table="compte",
        key=target.numero,
        before={"solde": target.solde},
        after={"solde": target.solde + signed, "reference": reference},
        motif=motif,
    )
    verb = "crédité" if signed > 0 else "débité"
    users = []
    if target.id_user is not None:
        users.append((target.id_user, f"Votre compte a été {verb} de {format_xof(amount)}."))
    return AdminPosted(transaction_id, reference, users)


async def set_status(
    session: AsyncSession, *, actor: Actor, numero_compte: str, statut: str, motif: str
) -> str:
    account = await session.scalar(
        select(Compte)
        .where(Compte.numero_compte == numero_compte.strip().upper())
        .with_for_update()
    )
    if account is None or account.type_compte == "systeme":
        raise UnknownRecipient("Compte introuvable.")
    if statut == "ferme" and account.solde != 0:
        # Closing must not strand money: the balance is paid out or adjusted first.
        raise AccountNotEmpty(
            f"Ce compte a encore {format_xof(account.solde)} : videz-le (retrait ou "
            "ajustement motivé) avant de le fermer."
        )
    before = account.statut
    await session.execute(
        update(Compte)
        .where(Compte.id_compte == account.id_compte)
        .values(statut=statut, date_modification=utcnow())
    )
    _audit(
        session,
        actor,
        action="compte.statut",
        table="compte",
        key=account.numero_compte,
        before={"statut": before},
        after={"statut": statut},
        motif=motif,
    )
    return account.numero_compte
