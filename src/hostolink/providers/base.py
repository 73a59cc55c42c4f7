"""The one interface every payment rail speaks.

A provider module (`providers/<code>/`) turns our four questions into its documented API:
- `collect`: ask the payer to pay us (a deposit into the wallet);
- `payout`: send money out (a withdrawal to a mobile-money number);
- `status`: what became of an operation (providers say: a callback is a hint, the status
  call is the truth);
- `parse_callback`: check a notification's signature or token, and read it.

Amounts are whole francs CFA (`int`; XOF has no minor unit). Our `reference` (a UUID) is the
idempotency key or client reference each provider receives, so a retried call never pays
twice. No method touches our database: the flow (`operations/`) decides what an answer
means for the wallet, and never holds a database transaction open across these calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol

Direction = Literal["depot", "retrait"]


class Outcome(StrEnum):
    PENDING = "pending"  # accepted, not final yet (the payer has not confirmed…)
    SUCCEEDED = "succeeded"  # final: the money moved
    # Final: the money did not move and will not (refused, expired, cancelled). Adapters
    # answer it only on the provider's definitive, documented failure: it releases a
    # withdrawal's hold and closes a deposit.
    FAILED = "failed"
    # The provider has no operation with this reference, as far as this call could tell
    # ("not found yet", another platform, a search that cannot see it). It proves nothing:
    # never a failure, the operation stays pending and goes to the operators at the horizon.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class NextAction:
    """What the payer must do for a deposit to go on: open a page or an app
    (`redirection`, `url`), or type a code the provider sent them (`otp`, then
    `Provider.submit_code`)."""

    kind: Literal["redirection", "otp"]
    url: str | None = None
    message: str | None = None  # French, shown to the payer


@dataclass(frozen=True)
class ProviderAnswer:
    """What a provider said about one operation."""

    outcome: Outcome
    external_id: str | None = None  # the provider's id of the operation
    payment_url: str | None = None  # deposits: the page or app link where the payer confirms
    next_action: NextAction | None = None  # deposits: what the payer does next, if anything
    reason: str | None = None  # why it failed, in French, shown to the user
    # With FAILED on a deposit: the provider let the payment session expire (Wave's
    # `checkout_status: expired`, Orange's EXPIRED…). Final all the same; the deposit is shown
    # « expirée » rather than « échouée ». Left False, a failure is simply a failure.
    expired: bool = False
    # Orange Money's `notif_token`: a per-operation secret the notification must carry. The
    # flow stores only its SHA-256.
    notification_token: str | None = None
    amount: int | None = None  # the amount the provider reports, to cross-check ours
    # What the flow keeps for the next `status` call (e.g. Orange's pay_token), never a
    # credential of ours.
    provider_data: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)  # the provider's answer, secrets removed


@dataclass(frozen=True)
class CollectionRequest:
    reference: str  # our UUID, as text: the provider's idempotency key / client reference
    amount: int  # whole francs CFA the payer pays
    currency: str  # "XOF"
    msisdn: str  # the payer's number, E.164 ("+2250700000001")
    rail: str  # the payer's operator: "orange_money", "mtn_momo", "moov_money", "wave"…
    description: str  # shown to the payer when the provider supports it
    callback_url: str  # where the provider notifies us
    return_url: str  # where the payer's browser goes afterwards (hosted pages)
    customer_name: str | None = None


@dataclass(frozen=True)
class PayoutRequest:
    reference: str
    amount: int  # whole francs CFA the recipient receives
    currency: str
    msisdn: str
    rail: str
    description: str
    callback_url: str
    recipient_name: str | None = None


@dataclass(frozen=True)
class OperationRef:
    """An operation as the flow knows it, for a status call."""

    reference: str
    direction: Direction
    amount: int
    currency: str
    msisdn: str
    rail: str
    external_id: str | None = None
    provider_data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Callback:
    """A verified (or, for providers that do not sign, parsed) notification."""

    event_id: str  # unique per provider: the inbox deduplicates on (provider, event_id)
    event_type: str | None
    reference: str | None  # ours, when the provider echoes it
    external_id: str | None  # theirs
    outcome: Outcome | None  # the status the notification claims, if any
    # True when a signature proved the content: its outcome may be applied as is. False
    # (MTN: unsigned; Orange: a token only) means "poll the status call first".
    trusted: bool
    amount: int | None = None
    reason: str | None = None  # why it failed, in French, when the notification says
    notification_token: str | None = None  # Orange: compared with the stored SHA-256
    raw: dict[str, Any] = field(default_factory=dict)


class ProviderError(Exception):
    """Base of what a provider call may raise; `message` is French, for the user."""

    message = "Le fournisseur de paiement a rencontré une erreur."

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        self.message = message or type(self).message
        self.detail = detail  # for the logs and the admin (never a secret)
        super().__init__(self.message if detail is None else f"{self.message} ({detail})")


class ProviderUnavailable(ProviderError):
    """The rail cannot do this here: no credentials, or no public API for it."""

    message = "Ce moyen de paiement n'est pas disponible pour le moment."


class ProviderRejected(ProviderError):
    """A definitive refusal of the request (invalid number, limit, insufficient float…):
    the operation did not happen and will not."""

    message = "Le fournisseur a refusé l'opération."


class ProviderUnreachable(ProviderError):
    """Timeout, connection failure or 5xx after retries: whether the operation happened is
    unknown, so the flow keeps it pending and asks again later (reconciliation)."""

    message = "Le fournisseur ne répond pas pour le moment."


class ProviderMisconfigured(ProviderError):
    """The provider refuses our configuration (credentials, callback host, currency,
    subscription…), sometimes with a 5xx: the request was not accepted, and asking again will
    not help. Refused at once in French; the operators are alerted (logged at ERROR)."""

    message = "Ce moyen de paiement est mal configuré chez nous : l'équipe est prévenue."


class ProviderProtocolError(ProviderUnreachable):
    """An answer we cannot read (malformed JSON, missing fields): treated as no answer."""

    message = "Réponse du fournisseur illisible."


class InvalidCallback(Exception):
    """A notification we refuse: bad or missing signature, stale timestamp, unreadable."""

    def __init__(self, reason: str) -> None:
        self.reason = reason  # English, for the logs
        super().__init__(reason)


class Provider(Protocol):
    """One provider adapter. `code` names it in URLs (`/api/fournisseurs/{code}/
    notifications`), in the inbox and in the system accounts."""

    code: str
    name: str

    async def collect(self, request: CollectionRequest) -> ProviderAnswer: ...

    async def payout(self, request: PayoutRequest) -> ProviderAnswer: ...

    async def status(self, operation: OperationRef) -> ProviderAnswer: ...

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str], *, now: float
    ) -> Callback: ...


class CodeStep(Protocol):
    """A provider whose deposits may ask the payer for a code (`NextAction(kind="otp")`)."""

    async def submit_code(self, operation: OperationRef, code: str) -> ProviderAnswer: ...
