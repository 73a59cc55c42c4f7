"""The money side of deposits and withdrawals, one database transaction at a time.

- `open_deposit` / `open_withdrawal`: claim the Idempotency-Key, lock the wallet, check it,
  create the operation; a withdrawal also moves amount + fee from the wallet to the
  provider's hold account at once, so the same money cannot leave twice.
- `record_answer`: what a provider's answer tells us (its id, the payment page…).
- `apply`: an event (an answer, an error, a notification, a reconciliation run, an
  operator's decision) on the locked operation, through `transitions.transition`: the one
  place where money is credited, booked or released.
Nothing commits here; `flow.py` owns the transactions and never holds one across a provider
call.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin import audit
from hostolink.admin.audit import Actor
from hostolink.kit.metrics import SETTLEMENT
from hostolink.kit.money import CURRENCY, format_xof, sentence
from hostolink.models import OperationFournisseur
from hostolink.operations import repository
from hostolink.operations.errors import (
    AlreadyFinal,
    DepositLimit,
    OperationNotFound,
    PayoutNotAcknowledged,
    WalletNotActive,
)
from hostolink.operations.transitions import (
    ALREADY_FINAL,
    FINAL,
    Direction,
    Event,
    Money,
    Status,
    Transition,
    transition,
)
from hostolink.providers.base import ProviderAnswer
from hostolink.providers.registry import RAILS, Rail
from hostolink.referral import service as referral
from hostolink.wallet import ledger
from hostolink.wallet import repository as wallet_repository
from hostolink.wallet.errors import InsufficientFunds, LimitExceeded
from hostolink.wallet.idempotency import stored_answer
from hostolink.wallet.ledger import IdempotencyClaim, LockedAccount, Movement
from hostolink.wallet.reference_data import SystemAccount, account_number, provider_accounts
from hostolink.wallet.repository import Notice

logger = logging.getLogger("hostolink.operations")

ACCEPTED = 202


@dataclass(frozen=True)
class Opened:
    operation_id: int
    reference: str
    fee: int


@dataclass(frozen=True)
class Request:
    user_id: int
    account_id: int
    rail: Rail
    gateway: str
    direction: Direction
    amount: int
    msisdn: str
    check_after_seconds: int


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_limits(account: LockedAccount, amount: int, *, withdrawal: bool) -> None:
    if not account.is_active:
        raise WalletNotActive
    limits = account.limits
    if limits is None and account.type == "marchand" and withdrawal:
        # An establishment's merchant account has no KYC tier (its limits belong to people):
        # its withdrawals are bounded by its balance, and by the approval of its manager.
        return
    if limits is None:
        raise LimitExceeded("Aucun plafond n'est défini pour votre niveau de vérification.")
    if amount > limits.operation_max:
        raise LimitExceeded(
            f"Montant supérieur au maximum par opération ({format_xof(limits.operation_max)})"
            " pour votre niveau de vérification."
        )
    if not withdrawal:
        if account.solde + amount > limits.solde_max:
            raise DepositLimit(
                f"Ce dépôt porterait votre solde au-delà de {format_xof(limits.solde_max)}, le "
                "plafond de votre niveau de vérification."
            )
        return
    day_left = limits.retrait_jour - account.counters.retrait_jour
    if amount > day_left:
        raise LimitExceeded(
            "Plafond de retrait journalier atteint : il vous reste "
            f"{format_xof(max(day_left, 0))} aujourd'hui."
        )
    month_left = limits.retrait_mois - account.counters.retrait_mois
    if amount > month_left:
        raise LimitExceeded(
            "Plafond de retrait mensuel atteint : il vous reste "
            f"{format_xof(max(month_left, 0))} ce mois-ci."
        )


async def open_operation(
    session: AsyncSession, request: Request, *, claim: IdempotencyClaim
) -> Opened | str:
    """Create the operation (and a withdrawal's hold). Returns the reference stored with the
    Idempotency-Key instead when the key was already used (its first request committed)."""
    withdrawal = request.direction == "retrait"
    _, hold_code = provider_accounts(request.gateway)
    locked = await ledger.lock(
        session,
        [request.account_id],
        system_codes=[hold_code] if withdrawal else None,
        claim=claim,
    )
    if locked.claimed_key is None:
        replay = await stored_answer(session, claim)
        return str(replay.body["reference"])
    wallet = locked[request.account_id]
    _check_limits(wallet, request.amount, withdrawal=withdrawal)
    rule = await repository.fee_rule(
        session,
        kind=request.direction,
        rail=request.rail.code,
        amount=request.amount,
        currency=CURRENCY,
    )
    fee = rule.fee(request.amount) if rule else 0
    if withdrawal and wallet.solde < request.amount + fee:
        raise InsufficientFunds(
            f"Solde insuffisant : {format_xof(request.amount + fee)} nécessaires (frais "
            f"compris), {format_xof(wallet.solde)} disponibles."
        )
    now = datetime.now(UTC)
    operation = OperationFournisseur(
        fournisseur=request.rail.code,
        passerelle=request.gateway,
        sens=request.direction,
        id_user=request.user_id,
        id_compte=request.account_id,
        montant=request.amount,
        frais=fee,
        devise=CURRENCY,
        compte_externe=request.msisdn,
        statut="initiee",
        date_prochaine_verification=now + timedelta(seconds=request.check_after_seconds),
    )
    session.add(operation)
    await session.flush()
    repository.history(session, operation, previous=None, origin="initiation")
    if withdrawal:
        (hold_id,) = (a for a in locked.accounts if a != request.account_id)
        movement = Movement.start(locked)
        movement.add(request.account_id, -(request.amount + fee))
        movement.add(hold_id, request.amount + fee)
        movement.count_withdrawn(request.account_id, request.amount)
        await wallet_repository.post(
            session,
            movement.posting(
                reference=ledger.new_reference(),
                type_transaction="retrait",
                montant=request.amount,
                frais=fee,
                source=request.account_id,
                destination=hold_id,
                initiator=request.user_id,
                description=f"Retrait vers {request.rail.name}",
                motif=None,
                qr=None,
                operation=operation.id_operation,
                reverses=None,
            ),
        )
    reference = str(operation.reference)
    if locked.claimed_key is not None:
        body = json.dumps({"reference": reference})
        await repository.store_idempotent_answer(
            session, locked.claimed_key, status=ACCEPTED, body=body
        )
    return Opened(operation.id_operation, reference, fee)


async def record_answer(
    session: AsyncSession, operation_id: int, answer: ProviderAnswer
) -> OperationFournisseur:
    """Keep what a provider's answer tells us about the operation (its id, the payment page,
    what the next status call needs…). The status is `apply`'s business."""
    operation = await repository.lock_operation(session, operation_id)
    if answer.external_id and not operation.id_externe:
        operation.id_externe = answer.external_id
    if answer.payment_url:
        operation.url_paiement = answer.payment_url
    if answer.provider_data:
        operation.donnees_fournisseur = {
            **(operation.donnees_fournisseur or {}),
            **answer.provider_data,
        }
    if answer.notification_token:
        operation.empreinte_jeton = token_digest(answer.notification_token)
    if answer.raw:
        operation.reponse_fournisseur = answer.raw
    operation.date_modification = datetime.now(UTC)
    return operation


async def retry_soon(session: AsyncSession, operation_id: int, *, seconds: int) -> None:
    """An operation whose initiation went unanswered is asked about again soon (the same
    request, same reference), not at the reconciliation's slower pace."""
    operation = await repository.lock_operation(session, operation_id)
    if operation.statut == Status.INITIEE:
        operation.date_prochaine_verification = datetime.now(UTC) + timedelta(seconds=seconds)


@dataclass(frozen=True)
class Settled:
    operation: OperationFournisseur
    notices: list[Notice]
    transition: Transition


async def apply(
    session: AsyncSession,
    operation_id: int,
    event: Event,
    *,
    origin: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    rail_name: str = "",
) -> Settled | None:
    """What `event` does to the operation, decided by `transitions.transition` on the row
    locked FOR UPDATE (so a duplicated notification, a notification racing a poll, or a job
    run twice after a crash find the status the first one left, and change nothing). The
    money first, the status last. None when nothing changed; an operator's decision the table
    refuses raises (`AlreadyFinal`, `PayoutNotAcknowledged`: 409)."""
    operation = await repository.lock_operation(session, operation_id)
    previous = Status(operation.statut)
    direction: Direction = "depot" if operation.sens == "depot" else "retrait"
    step = transition(direction, previous, event)
    if step.alert:
        logger.error(
            "operation %s (%s, %s) got %s: %s",
            operation.reference,
            direction,
            previous,
            event,
            step.alert,
        )
    if step.refused == ALREADY_FINAL:
        raise AlreadyFinal
    if step.refused:
        raise PayoutNotAcknowledged(step.refused)
    if step.status is previous and step.money is Money.NONE:
        return None
    notices: list[Notice] = []
    # The row's status and its finalisation date change together (a CHECK ties them), after
    # every query of the booking.
    if step.money in (Money.CREDIT, Money.BOOK):
        notices = await _book_success(session, operation, rail_name)
    motif = None
    if step.status in (Status.ECHOUEE, Status.EXPIREE):
        motif = reason or _default_reason(direction, step.status)
    if step.money is Money.RELEASE:
        notices = await _release_hold(session, operation, rail_name, motif or "")
    now = datetime.now(UTC)
    operation.statut = step.status
    operation.date_modification = now
    if step.status in FINAL:
        operation.motif_echec = motif
        operation.date_finalisation = now
        operation.date_prochaine_verification = None
    repository.history(
        session,
        operation,
        previous=previous,
        origin=origin,
        details={"evenement": event.value, **(details or {})},
    )
    if step.status in FINAL:
        # Observed before the commit, which the caller owns: a commit that fails is rare,
        # and the settlement is then retried and observed again (it counts attempts).
        SETTLEMENT.labels(
            provider=operation.passerelle, direction=operation.sens, status=step.status.value
        ).observe((now - operation.date_creation).total_seconds())
    return Settled(operation, notices, step)


def _default_reason(direction: Direction, status: Status) -> str:
    if status is Status.EXPIREE:
        return "Session de paiement expirée chez le fournisseur : aucun paiement effectué."
    if direction == "depot":
        return "Paiement non abouti chez le fournisseur."
    return "Retrait refusé par le fournisseur."


async def _book_success(
    session: AsyncSession, operation: OperationFournisseur, rail_name: str
) -> list[Notice]:
    float_code, hold_code = provider_accounts(operation.passerelle)
    amount, fee = operation.montant, operation.frais
    movement: Movement
    first_deposit_candidate = False
    if operation.sens == "depot":
        # A closed wallet cannot take money: the deposit waits in suspense for the support.
        # One statement: the wallet locked, the system accounts read (never locked: their
        # entries go to buckets), the suspense account read in case the wallet is closed.
        systems = [float_code, SystemAccount.FEES, SystemAccount.SUSPENSE]
        locked = await ledger.lock(session, [operation.id_compte], system_codes=systems)
        wallet = locked[operation.id_compte]
        target_is_wallet = wallet.statut != "ferme"
        first_deposit_candidate = target_is_wallet and wallet.is_user
        if target_is_wallet:
            systems.remove(SystemAccount.SUSPENSE)
        movement = Movement.start(locked)
        codes = _codes(locked, systems)
        target = operation.id_compte if target_is_wallet else codes[SystemAccount.SUSPENSE]
        movement.add(codes[float_code], -(amount + fee))
        movement.add(target, amount)
        if fee:
            movement.add(codes[SystemAccount.FEES], fee)
        header = {
            "type_transaction": "depot",
            "source": codes[float_code],
            "destination": target,
            "description": f"Dépôt depuis {rail_name or operation.fournisseur}",
        }
    else:
        systems = [hold_code, float_code, SystemAccount.FEES]
        locked = await ledger.lock(session, [], system_codes=systems)
        movement = Movement.start(locked)
        codes = _codes(locked, systems)
        movement.add(codes[hold_code], -(amount + fee))
        movement.add(codes[float_code], amount)
        if fee:
            movement.add(codes[SystemAccount.FEES], fee)
        header = {
            "type_transaction": "retrait",
            "source": codes[hold_code],
            "destination": codes[float_code],
            "description": f"Retrait envoyé vers {rail_name or operation.fournisseur}",
        }
    reference = ledger.new_reference()
    transaction_id = await wallet_repository.post(
        session,
        movement.posting(
            reference=reference,
            montant=amount,
            frais=fee,
            initiator=operation.id_user,
            motif=None,
            qr=None,
            operation=operation.id_operation,
            reverses=None,
            **header,
        ),
    )
    link = {"reference": reference, "operation": str(operation.reference)}
    label = rail_name or operation.fournisseur
    if first_deposit_candidate:
        # The invitee's first deposit may earn a referral bonus: one statement, paid later.
        await referral.on_deposit_credited(
            session, user_id=operation.id_user, transaction_id=transaction_id, amount=amount
        )
    if operation.sens == "depot":
        text = sentence(f"Votre dépôt de {format_xof(amount)} depuis {label} a été crédité")
        return [
            Notice(operation.id_user, "depot_credite", "Dépôt crédité", text, link, transaction_id)
        ]
    text = sentence(
        f"Votre retrait de {format_xof(amount)} vers {label} ({operation.compte_externe}) a été "
        "envoyé"
    )
    return [
        Notice(operation.id_user, "retrait_envoye", "Retrait envoyé", text, link, transaction_id)
    ]


async def _release_hold(
    session: AsyncSession, operation: OperationFournisseur, rail_name: str, motif: str
) -> list[Notice]:
    """A withdrawal that did not happen: its amount and fee go back to the wallet, and back
    into the day's and month's withdrawal limits."""
    _, hold_code = provider_accounts(operation.passerelle)
    hold_transaction = await repository.hold_transaction(session, operation)
    locked = await ledger.lock(session, [operation.id_compte], system_codes=[hold_code])
    (hold_id,) = (a for a in locked.accounts if a != operation.id_compte)
    total = operation.montant + operation.frais
    movement = Movement.start(locked)
    movement.add(hold_id, -total)
    movement.add(operation.id_compte, total)
    movement.uncount_withdrawn(
        operation.id_compte, operation.montant, counted_on=operation.date_creation.date()
    )
    reference = ledger.new_reference()
    transaction_id = await wallet_repository.post(
        session,
        movement.posting(
            reference=reference,
            type_transaction="remboursement",
            montant=total,
            frais=0,
            source=hold_id,
            destination=operation.id_compte,
            initiator=operation.id_user,
            description="Retrait non abouti : montant et frais rendus",
            motif=motif,
            qr=None,
            operation=operation.id_operation,
            reverses=hold_transaction,
        ),
    )
    label = rail_name or operation.fournisseur
    merchant = locked[operation.id_compte].type == "marchand"
    returned_to = "au compte de l'établissement" if merchant else "à votre portefeuille"
    text = sentence(
        f"Votre retrait de {format_xof(operation.montant)} vers {label}"
        f" n'a pas abouti ({motif}). {format_xof(total)} ont été rendus {returned_to}"
    )
    link = {"reference": reference, "operation": str(operation.reference)}
    return [
        Notice(operation.id_user, "retrait_echoue", "Retrait échoué", text, link, transaction_id)
    ]


def _codes(locked: ledger.Locked, codes: list[str]) -> dict[str, int]:
    """The ids of system accounts `ledger.lock` just read, found by their numbers."""
    by_number = {account.numero: account.id for account in locked.accounts.values()}
    found: dict[str, int] = {}
    for code in codes:
        account_id = by_number.get(account_number(code))
        if account_id is None:
            raise RuntimeError(f"system account {code!r} is missing: run `hostolink seed`")
        found[code] = account_id
    return found


async def resolve_by_hand(
    session: AsyncSession, *, reference: str, succeeded: bool, motif: str, actor: Actor
) -> Settled:
    """An operator closes an operation the provider does not decide (the « à vérifier »
    queue, or any pending one), after checking with the provider by other means: success
    credits the deposit / books the withdrawal, failure closes the deposit / releases the
    withdrawal's held money. Audited with the reason; 409 when already final (a deposit closed
    without credit still takes a confirmed late payment)."""
    operation = await repository.by_reference(session, reference)
    if operation is None:
        raise OperationNotFound
    before = {"statut": operation.statut}
    settled = await apply(
        session,
        operation.id_operation,
        Event.OPERATOR_SUCCEEDED if succeeded else Event.OPERATOR_FAILED,
        reason=motif,
        origin="administrateur",
        details={"id_administrateur": actor.principal.id, "motif": motif},
        rail_name=RAILS[operation.fournisseur].name if operation.fournisseur in RAILS else "",
    )
    if settled is None:
        raise AlreadyFinal
    audit.record(
        session,
        actor=actor,
        action="operation.resolution",
        table="operation_fournisseur",
        key=str(operation.reference),
        before=before,
        after={"statut": settled.operation.statut},
        motif=motif,
    )
    await session.flush()
    return settled
