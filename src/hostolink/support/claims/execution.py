"""Carrying out a claim's money decision, only through `wallet/admin.py`'s audited paths
(`reverse`, `adjust`): the ledger rows, the audit row and the claim's update commit together
or not at all.

Never paying twice rests on three locks and one index, not on a read beforehand: the claim
row is locked FOR UPDATE by the caller (a decision runs once), the operation row is locked
here (its status cannot move under us: the provider's callback locks it too), and
`reverse` locks the contested transaction and refuses one already reversed (a failed
withdrawal's hold was already given back by its release, which is such a reversal); the
UNIQUE index on `id_transaction_annulee` would refuse a second reversal anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin.audit import Actor
from hostolink.models import Reclamations, Transaction
from hostolink.models.operation_fournisseur import STATUTS_EN_COURS
from hostolink.operations import repository as operations
from hostolink.support.claims import repository
from hostolink.support.claims.errors import NothingToReverse, NoWallet, OperationInProgress
from hostolink.wallet import admin
from hostolink.wallet.errors import AlreadyReversed


@dataclass(frozen=True)
class Target:
    """What a reversal would give back: the ledger transaction and the amount it moves."""

    transaction: Transaction

    @property
    def amount(self) -> int:
        return self.transaction.montant + self.transaction.frais


async def reversal_target(session: AsyncSession, claim: Reclamations) -> Target:
    """The transaction a reversal of this claim undoes: the contested transaction, or the
    operation's own ledger transaction (a withdrawal's hold, a deposit's credit). Refused
    while the operation is not final: its outcome may still move the money."""
    if claim.id_transaction is not None:
        transaction = await repository.transaction_by_id(session, claim.id_transaction)
    elif claim.id_operation is None:
        raise RuntimeError("unreachable: CHECK un_seul_objet")
    else:
        operation = await operations.lock_operation(session, claim.id_operation)
        if operation.statut in STATUTS_EN_COURS:
            raise OperationInProgress
        if operation.sens == "retrait":
            hold_id = await operations.hold_transaction(session, operation)
            transaction = await repository.transaction_by_id(session, hold_id)
        else:
            found = await repository.deposit_credit(session, operation.id_operation)
            if found is None:
                raise NothingToReverse
            transaction = found
    if transaction.statut == "remboursee":
        raise AlreadyReversed
    return Target(transaction)


async def execute(
    session: AsyncSession, *, actor: Actor, claim: Reclamations, motif: str
) -> admin.AdminPosted:
    """Post the claim's resolution; the caller holds the claim's row lock."""
    if claim.resolution == "contre_passation":
        target = await reversal_target(session, claim)
        posted = await admin.reverse(
            session,
            actor=actor,
            reference=target.transaction.reference,
            motif=motif,
            claim=None,
        )
    elif claim.montant is None:
        raise RuntimeError("unreachable: CHECK montant_d_ajustement")
    else:
        numero = await repository.wallet_number(session, claim.id_user)
        if numero is None:
            raise NoWallet
        posted = await admin.adjust(
            session,
            actor=actor,
            numero_compte=numero,
            direction="credit" if claim.resolution == "ajustement_credit" else "debit",
            amount=claim.montant,
            motif=motif,
            claim=None,
        )
    if posted is None:
        raise RuntimeError("unreachable: no idempotency claim, so no replay")
    return posted
