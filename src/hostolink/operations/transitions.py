"""The life of a deposit or a withdrawal, as one pure function: (direction, status, event) →
the next status and what happens to the money. `flow.py` turns every provider answer, every
error, every notification, every reconciliation run and every operator's decision into an
`Event`; `service.apply` runs `transition` on the locked row and moves the money it says.
No other place decides a credit, a booking or a release.

The rule (README, « Dépôts et retraits ») — money rails that fail safe:
- a withdrawal's held money is released, and a deposit closed, only on the provider's
  *definitive* failure (an adapter's `Outcome.FAILED`; `ProviderRejected` or
  `ProviderMisconfigured` raised by the first initiation: the request was not accepted) or
  on an operator's audited decision;
- silence, a timeout, a 5xx, an unreadable answer, « not found yet » (`Outcome.UNKNOWN`), a
  platform switch prove nothing: the operation stays pending, reconciliation keeps asking
  with a growing interval, and past the horizon it goes to the operators' queue
  (`a_verifier`), a withdrawal's money still held;
- nothing leaves a final status, except a deposit closed as failed or expired that the
  provider later reports paid (the payer's money did reach the provider: it is credited,
  once); a withdrawal is never booked after its release nor released after its booking.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from hostolink.providers.base import (
    Outcome,
    ProviderAnswer,
    ProviderError,
    ProviderMisconfigured,
    ProviderRejected,
    ProviderUnavailable,
    ProviderUnreachable,
)

Direction = Literal["depot", "retrait"]


class Status(StrEnum):
    INITIEE = "initiee"  # opened; the provider has not confirmed it received the request
    EN_ATTENTE = "en_attente"  # the provider has it; not final yet
    A_VERIFIER = "a_verifier"  # past the horizon without a definitive answer: operators
    REUSSIE = "reussie"
    ECHOUEE = "echouee"
    EXPIREE = "expiree"  # a deposit whose payment session the provider let expire


PENDING = frozenset({Status.INITIEE, Status.EN_ATTENTE, Status.A_VERIFIER})
FINAL = frozenset({Status.REUSSIE, Status.ECHOUEE, Status.EXPIREE})


class Event(StrEnum):
    # What a provider said (the initiation's answer, a status call, a signed notification).
    SUCCEEDED = "succeeded"  # the money moved
    FAILED = "failed"  # definitive failure (Outcome.FAILED)
    EXPIRED = "expired"  # definitive: the deposit's payment session expired
    PENDING = "pending"  # accepted, not final (a deposit waiting for the payer's code too)
    UNKNOWN = "unknown"  # no such operation as far as this call could tell
    # What a call raised.
    REJECTED = "rejected"  # ProviderRejected from an initiation: did not happen, will not
    MISCONFIGURED_AT_INITIATION = "misconfigured_at_initiation"  # first request not accepted
    # A repeated initiation refused (either error): the first request may be in the
    # provider's hands (Wave's `idempotency-mismatch`…), so this proves nothing.
    REPEAT_REFUSED = "repeat_refused"
    MISCONFIGURED = "misconfigured"  # from a status call: we cannot ask, nothing learnt
    UNREACHABLE = "unreachable"  # timeout, transport error, 5xx, unreadable answer
    # An unsigned notification: a hint only (the flow asks the status call next).
    UNTRUSTED_CALLBACK = "untrusted_callback"
    # Reconciliation found nothing decisive, before / after the horizon.
    TICK = "tick"
    HORIZON = "horizon"
    # An operator's audited decision (after checking with the provider by other means).
    OPERATOR_SUCCEEDED = "operator_succeeded"
    OPERATOR_FAILED = "operator_failed"


class Money(StrEnum):
    NONE = "none"
    CREDIT = "credit"  # deposit: provider float → wallet (fee to the fees account)
    BOOK = "book"  # withdrawal: hold → provider float (fee to the fees account)
    RELEASE = "release"  # withdrawal: hold → wallet, and back into the withdrawal limits


@dataclass(frozen=True)
class Transition:
    status: Status
    money: Money = Money.NONE
    # An operator's decision refused (409, this French reason), nothing moves.
    refused: str | None = None
    # For the operators' logs (ERROR): the provider contradicts what was already applied.
    alert: str | None = None


ALREADY_FINAL = "Cette opération est déjà finalisée."
UNCONFIRMED_PAYOUT = (
    "Le fournisseur n'a pas encore accusé réception de ce retrait : la réconciliation lui "
    "renvoie la demande. Il ne peut pas être rendu maintenant sans risquer d'être payé deux "
    "fois ; attendez sa réponse ou son passage « à vérifier »."
)


def transition(direction: Direction, status: Status, event: Event) -> Transition:
    """What `event` does to an operation of `direction` in `status`. Total: every status ×
    event has an answer (tests/operations/test_transitions.py states them all)."""
    if status in FINAL:
        return _from_final(direction, status, event)
    success = Money.CREDIT if direction == "depot" else Money.BOOK
    failure = Money.NONE if direction == "depot" else Money.RELEASE
    # Only an operation still unconfirmed can have been refused at its initiation. Once the
    # provider acknowledged it (a notification, a status), the refusal of a repeated request
    # proves nothing about the first one.
    unconfirmed = status is Status.INITIEE
    not_accepted = Transition(Status.ECHOUEE, failure) if unconfirmed else Transition(status)
    operator_failed = Transition(Status.ECHOUEE, failure)
    if unconfirmed and direction == "retrait":
        # Reconciliation may be sending this very payout again (same reference) while the
        # operator releases it: the provider could pay money already given back. Operators
        # release once the provider acknowledged it, or from the « à vérifier » queue, which
        # is never sent again.
        operator_failed = Transition(status, refused=UNCONFIRMED_PAYOUT)
    decided = {
        Event.SUCCEEDED: Transition(Status.REUSSIE, success),
        Event.OPERATOR_SUCCEEDED: Transition(Status.REUSSIE, success),
        Event.FAILED: Transition(Status.ECHOUEE, failure),
        Event.OPERATOR_FAILED: operator_failed,
        # A withdrawal has no payment session: a payout the provider expired just failed.
        Event.EXPIRED: Transition(
            Status.EXPIREE if direction == "depot" else Status.ECHOUEE, failure
        ),
        Event.REJECTED: not_accepted,
        Event.MISCONFIGURED_AT_INITIATION: not_accepted,
        Event.PENDING: Transition(Status.EN_ATTENTE if unconfirmed else status),
        Event.HORIZON: Transition(Status.A_VERIFIER),
    }
    # Every other event (unknown, unreachable, a refused repeat, a misconfigured status call,
    # an unsigned hint, a tick) says nothing about the operation: it stays where it is.
    return decided.get(event, Transition(status))


def _from_final(direction: Direction, status: Status, event: Event) -> Transition:
    late_payment = event in (Event.SUCCEEDED, Event.OPERATOR_SUCCEEDED)
    if direction == "depot" and status is not Status.REUSSIE and late_payment:
        # After our deadline, or a payer who retried on the provider's page after a failed
        # attempt: the payer's money reached the provider, it must reach the wallet. Credited
        # once: the operation is then `reussie`.
        return Transition(Status.REUSSIE, Money.CREDIT)
    if event in (Event.OPERATOR_SUCCEEDED, Event.OPERATOR_FAILED):
        return Transition(status, refused=ALREADY_FINAL)
    alert = None
    if direction == "retrait" and status is not Status.REUSSIE and event is Event.SUCCEEDED:
        alert = "the provider reports paid a withdrawal whose money was given back"
    elif direction == "retrait" and status is Status.REUSSIE and event in _FAILURES:
        alert = "the provider reports failed a withdrawal already booked as sent"
    return Transition(status, alert=alert)


_FAILURES = frozenset({Event.FAILED, Event.EXPIRED})


# --------------------------------------------------------------- answers, errors → events


def answer_event(answer: ProviderAnswer) -> Event:
    """A provider's answer (initiation or status call) as an event."""
    if answer.outcome is Outcome.SUCCEEDED:
        return Event.SUCCEEDED
    if answer.outcome is Outcome.FAILED:
        return Event.EXPIRED if answer.expired else Event.FAILED
    if answer.outcome is Outcome.PENDING:
        return Event.PENDING
    return Event.UNKNOWN


def callback_event(outcome: Outcome | None, *, trusted: bool) -> Event:
    """A notification: a signature makes its outcome an answer; otherwise it is a hint."""
    if not trusted or outcome is None:
        return Event.UNTRUSTED_CALLBACK
    return answer_event(ProviderAnswer(outcome=outcome))


Call = Literal["initiation", "repeat", "status"]


def error_event(error: ProviderError, *, call: Call) -> Event:
    """What a provider call raised. Only the first initiation can be refused for good: a
    repeated one or a status call that fails says nothing about a request that may already be
    in the provider's hands."""
    if isinstance(error, ProviderUnreachable):  # ProviderProtocolError included
        return Event.UNREACHABLE
    refused = isinstance(error, ProviderRejected)
    misconfigured = isinstance(error, ProviderMisconfigured | ProviderUnavailable)
    if (refused or misconfigured) and call == "repeat":
        return Event.REPEAT_REFUSED
    if refused and call == "initiation":
        return Event.REJECTED
    if misconfigured:
        return Event.MISCONFIGURED_AT_INITIATION if call == "initiation" else Event.MISCONFIGURED
    # An error class the contract does not name: the safe reading is « no answer ».
    return Event.UNREACHABLE


def after_check(*, past_horizon: bool) -> Event:
    """Reconciliation asked and learnt nothing decisive."""
    return Event.HORIZON if past_horizon else Event.TICK


def repeats_initiation(status: Status) -> bool:
    """Reconciliation's first move on an operation the provider never confirmed receiving:
    the same request again, with the same reference (every adapter's idempotency key), before
    anything else. Not once it waits for an operator: a request sent while the operator
    releases the money could pay out money already given back."""
    return status is Status.INITIEE


def listens(direction: Direction, status: Status) -> bool:
    """Whether a provider's answer can still change this operation: every pending one, and a
    deposit closed without credit (a late payment is credited)."""
    return status in PENDING or (direction == "depot" and status is not Status.REUSSIE)
