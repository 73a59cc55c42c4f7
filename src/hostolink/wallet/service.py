"""Money movements: transfers and payments between wallets, and the administrators'
reversals and adjustments.

Every movement follows the same discipline:
1. claim the Idempotency-Key and lock the accounts, in one statement, in the global lock
   order (people's and merchants' accounts by ascending id), reading the system accounts
   it needs without locking them (their entries go to buckets: wallet/repository.py);
2. check statuses, limits and funds on the locked rows (never on a read made before);
3. post the header, the entries, the balances and the stored answer in one statement.
Nothing commits here: the request's transaction commits after the endpoint returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth.principal import Principal
from hostolink.errors import WalletMissing
from hostolink.kit.money import format_xof, sentence
from hostolink.wallet import ledger, repository
from hostolink.wallet.errors import (
    InsufficientFunds,
    LimitExceeded,
    RecipientAccountFrozen,
    RecipientLimitExceeded,
    SelfTransfer,
    SenderAccountFrozen,
    UnknownRecipient,
)
from hostolink.wallet.idempotency import Replay, stored_answer
from hostolink.wallet.ledger import IdempotencyClaim, LockedAccount, Movement
from hostolink.wallet.parties import Party
from hostolink.wallet.reference_data import SystemAccount, system_account_number
from hostolink.wallet.schemas import TransferAnswer, TransferData

CREATED = 201


@dataclass(frozen=True)
class Posted:
    """A committed-to-be movement, for the answer and the after-commit notifications."""

    transaction_id: int
    answer: TransferAnswer
    answer_json: str
    sender_user: int | None
    recipient_user: int | None


def check_sender(account: LockedAccount, amount: int, fee: int) -> None:
    if not account.is_active:
        raise SenderAccountFrozen
    limits = account.limits
    if account.is_user:
        if limits is None:
            raise LimitExceeded("Aucun plafond n'est défini pour votre niveau de vérification.")
        if amount > limits.operation_max:
            raise LimitExceeded(
                f"Montant supérieur au maximum par opération ({format_xof(limits.operation_max)})"
                " pour votre niveau de vérification."
            )
        day_left = limits.envoi_jour - account.counters.envoi_jour
        if amount > day_left:
            raise LimitExceeded(
                "Plafond d'envoi journalier atteint : il vous reste "
                f"{format_xof(max(day_left, 0))} aujourd'hui."
            )
        month_left = limits.envoi_mois - account.counters.envoi_mois
        if amount > month_left:
            raise LimitExceeded(
                "Plafond d'envoi mensuel atteint : il vous reste "
                f"{format_xof(max(month_left, 0))} ce mois-ci."
            )
    if account.solde < amount + fee:
        raise InsufficientFunds(
            f"Solde insuffisant : {format_xof(amount + fee)} nécessaires, "
            f"{format_xof(account.solde)} disponibles."
        )


def check_recipient(account: LockedAccount, amount: int) -> None:
    if account.statut == "ferme":  # closed for good (account/deletion, or by the team)
        raise RecipientAccountFrozen(RecipientAccountFrozen.closed_message)
    if not account.is_active:
        raise RecipientAccountFrozen
    if account.limits is not None and account.solde + amount > account.limits.solde_max:
        raise RecipientLimitExceeded


def fee_type_for(recipient: Party) -> str:
    return "paiement_marchand" if recipient.type_compte == "marchand" else "transfert"


async def transfer(
    session: AsyncSession,
    *,
    sender: Principal,
    recipient: Party,
    amount: int,
    description: str | None,
    claim: IdempotencyClaim,
    kind: str = "transfert",
    qr_id: int | None = None,
) -> Posted | Replay:
    """Move `amount` from the caller's wallet to `recipient`'s (plus the scheduled fee, paid
    by the sender and booked to the fee account)."""
    wallet = sender.compte
    if wallet is None:
        raise WalletMissing
    if recipient.id_compte == wallet.id_compte:
        raise SelfTransfer
    locked = await ledger.lock(
        session,
        [wallet.id_compte, recipient.id_compte],
        # Read, not locked, in the same statement: no second round trip when a fee applies.
        system_codes=[SystemAccount.FEES],
        fee_type=fee_type_for(recipient),
        amount=amount,
        claim=claim,
    )
    if locked.claimed_key is None:
        return await stored_answer(session, claim)
    if recipient.id_compte not in locked.accounts:
        raise UnknownRecipient
    source, destination = locked[wallet.id_compte], locked[recipient.id_compte]
    fee = locked.fee_rule.fee(amount) if locked.fee_rule else 0
    check_sender(source, amount, fee)
    check_recipient(destination, amount)

    movement = Movement.start(locked)
    if fee:
        fees = system_account_number(SystemAccount.FEES)
        (fee_account,) = (a.id for a in locked.accounts.values() if a.numero == fees)
        movement.add(fee_account, fee)
    movement.add(source.id, -(amount + fee))
    movement.add(destination.id, amount)
    movement.count_sent(source.id, amount)

    reference = ledger.new_reference()
    posting_header: dict[str, Any] = {
        "reference": reference,
        "type_transaction": kind,
        "montant": amount,
        "frais": fee,
        "source": source.id,
        "destination": destination.id,
        "initiator": sender.id,
        "description": description,
        "motif": None,
        "qr": qr_id,
        "operation": None,
        "reverses": None,
    }
    draft = movement.posting(**posting_header)
    shown = recipient.shown()
    answer = TransferAnswer(
        message=sentence(f"Vous avez envoyé {format_xof(amount)} à {shown.nom_affiche}"),
        data=TransferData(
            reference=reference,
            type_transaction=kind,
            statut="reussie",
            montant=amount,
            frais=fee,
            montant_debite=amount + fee,
            devise=wallet.devise,
            destinataire=shown,
            nouveau_solde=movement.balance_after(source.id),
            description=description,
            date=draft.created_at,
        ),
    )
    # Serialized once: stored with the Idempotency-Key and sent as the answer.
    answer_json = answer.model_dump_json()
    posting = draft.with_answer(idempotency_id=locked.claimed_key, status=CREATED, body=answer_json)
    transaction_id = await repository.post(session, posting)
    return Posted(transaction_id, answer, answer_json, sender.id, recipient.id_user)
