"""The sandbox provider: a simulated mobile-money operator that behaves like a real one.

- A deposit returns a pending operation and a payment page we serve (`/sandbox/paiement/…`,
  in French) where the payer confirms or refuses.
- A withdrawal is accepted pending and decided by the simulated operator after
  `SANDBOX_PAYOUT_DELAY_SECONDS`.
- Once decided, the sandbox calls our notification URL with a signed notification
  (`Sandbox-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`), retries it
  with backoff while we do not answer 2xx, and sometimes delivers it twice
  (`SANDBOX_DUPLICATE_RATE`), as real providers do.
- It answers status calls for every operation it knows.
- A deposit's payment session expires after `SANDBOX_DEPOSIT_EXPIRY_MINUTES`: the status call
  then reports it expired (a definitive answer), as Wave does. The page still takes a late
  confirmation, so that the late-payment rule can be played.

Test numbers (shown on the sandbox pages): a number ending in 99 is refused by the operator;
ending in 98, the operator never decides (the operation stays pending: reconciliation asks,
then the operators' « à vérifier » queue takes over); ending in 97, the operator decides but
its notifications never reach us (only reconciliation finds the result); ending in 96, the
answer to our request is lost — the operator did it (a deposit is paid at once, as by a USSD
approval; a payout succeeds) but we only see a timeout, and no notification comes: the next
call about it (the same request again, or a status call) finds it succeeded; ending in 95,
the operator switched platforms: the first `PLATFORM_SWITCH_CALLS` status calls answer "not
found", and no notification comes. Any other number succeeds.

Incidents for tests and demonstrations, on the provider object: `outage` (nothing answers,
nothing is done), `answers_lost` (requests are done, answers lost), `platform_switched`
(status calls find nothing), `hold_notifications` (notifications wait in `held` for the test
to deliver, duplicate or reorder), `decide_payouts` (off: payouts wait for `decide`).

The simulated operations live in PostgreSQL (`operation_bac_a_sable`), so that every process
and instance serves the payment page and answers status calls, whichever created the
operation; a restart forgets nothing. A decision is claimed under a row lock, on a row still
pending: two processes never both decide an operation, and only the one that decided sends
its notification. A payout is due `SANDBOX_PAYOUT_DELAY_SECONDS` after its creation (the
row's `date_decision_prevue`): the creating process decides it then, and any process that
meets it past that date (a status call, its page) decides it first, should the creating one
have stopped. Notifications and their retries run in the process that decided, in its memory:
a restart loses the retries still to come (reconciliation finds the result, as it would with
a real operator's lost notification). The incidents above are switches of one process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import RowMapping, Table, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.models.operation_bac_a_sable import OperationBacASable
from hostolink.providers.base import (
    Callback,
    CollectionRequest,
    InvalidCallback,
    OperationRef,
    Outcome,
    PayoutRequest,
    ProviderAnswer,
    ProviderRejected,
    ProviderUnreachable,
)
from hostolink.providers.http import (
    any_matches,
    header,
    hmac_sha256_hex,
    parse_signature_header,
)

logger = logging.getLogger("hostolink.providers.sandbox")

SIGNATURE_HEADER = "Sandbox-Signature"
TOLERANCE_SECONDS = 300
REFUSED_SUFFIX = "99"
SILENT_SUFFIX = "98"
LOST_CALLBACK_SUFFIX = "97"
ANSWER_LOST_SUFFIX = "96"
SWITCHED_SUFFIX = "95"
PLATFORM_SWITCH_CALLS = 2  # status calls answered "not found" for a number ending in 95
SILENT_NOTIFICATIONS = (LOST_CALLBACK_SUFFIX, ANSWER_LOST_SUFFIX, SWITCHED_SUFFIX)
DELIVERY_BACKOFF = (0.5, 1, 2, 4, 8, 16, 32, 64)
MAX_AMOUNT = 2_000_000  # the simulated operator's own per-operation cap

_TABLE = cast(Table, OperationBacASable.__table__)
# The table's French statuses and the provider interface's outcomes.
_OUTCOMES = {
    "en_attente": Outcome.PENDING,
    "reussie": Outcome.SUCCEEDED,
    "echouee": Outcome.FAILED,
}
_STATUTS = {outcome: statut for statut, outcome in _OUTCOMES.items()}


@dataclass
class SandboxOperation:
    id: str
    reference: str
    direction: str  # "depot" | "retrait"
    amount: int
    currency: str
    msisdn: str
    rail: str
    description: str
    callback_url: str
    return_url: str | None
    status: Outcome = Outcome.PENDING
    reason: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    decided_at: datetime | None = None
    notifications_sent: int = 0
    status_calls: int = 0
    decide_at: datetime | None = None  # a payout the operator decides on its own, from then

    @classmethod
    def from_row(cls, row: RowMapping) -> SandboxOperation:
        return cls(
            id=row["id_operation"],
            reference=row["reference"],
            direction=row["sens"],
            amount=row["montant"],
            currency=row["devise"],
            msisdn=row["numero"],
            rail=row["moyen"],
            description=row["description"],
            callback_url=row["url_notification"],
            return_url=row["url_retour"],
            status=_OUTCOMES[row["statut"]],
            reason=row["motif"],
            created_at=row["date_creation"],
            decided_at=row["date_decision"],
            notifications_sent=row["notifications_envoyees"],
            status_calls=row["appels_statut"],
            decide_at=row["date_decision_prevue"],
        )

    @property
    def due(self) -> bool:
        """A pending payout past the date its operator decides it."""
        return (
            self.status is Outcome.PENDING
            and self.decide_at is not None
            and self.decide_at <= datetime.now(UTC)
        )

    def answer(self, *, payment_url: str | None = None, expired: bool = False) -> ProviderAnswer:
        if expired:
            return ProviderAnswer(
                outcome=Outcome.FAILED,
                expired=True,
                external_id=self.id,
                reason=SESSION_EXPIRED,
                amount=self.amount,
                raw={"id": self.id, "statut": "expire", "montant": self.amount},
            )
        return ProviderAnswer(
            outcome=self.status,
            external_id=self.id,
            payment_url=payment_url,
            reason=self.reason,
            amount=self.amount,
            raw={"id": self.id, "statut": self.status.value, "montant": self.amount},
        )


SESSION_EXPIRED = "Session de paiement expirée (bac à sable) : aucun paiement n'a été effectué."


class SandboxProvider:
    code = "sandbox"
    name = "Bac à sable (simulation)"

    def __init__(
        self,
        *,
        secret: str,
        public_url: str,
        deliverer: httpx.AsyncClient,
        engine: AsyncEngine,
        duplicate_rate: float,
        payout_delay_seconds: float,
        deposit_expiry_seconds: float = 30 * 60,
    ) -> None:
        self._secret = secret
        self._public_url = public_url.rstrip("/")
        self._deliverer = deliverer
        self._engine = engine
        self.duplicate_rate = duplicate_rate
        self.payout_delay_seconds = payout_delay_seconds
        self.deposit_expiry = timedelta(seconds=deposit_expiry_seconds)
        self._tasks: set[asyncio.Task[None]] = set()
        # Incidents (module docstring).
        self.outage = False
        self.answers_lost = False
        self.platform_switched = False
        self.hold_notifications = False
        self.held: list[tuple[bytes, str]] = []  # (body, Sandbox-Signature) when held
        self.decide_payouts = True

    # ------------------------------------------------------------------ the adapter side

    def payment_url(self, operation_id: str) -> str:
        return f"{self._public_url}/sandbox/paiement/{operation_id}"

    async def collect(self, request: CollectionRequest) -> ProviderAnswer:
        self._reachable()
        operation, new = await self._create("depot", request, request.return_url)
        if new and request.msisdn.endswith(ANSWER_LOST_SUFFIX):
            # The payer approved on their phone at once; we never hear of it.
            operation = await self.decide(operation.id, accept=True)
        self._answered(operation, new=new)
        return operation.answer(payment_url=self.payment_url(operation.id))

    async def payout(self, request: PayoutRequest) -> ProviderAnswer:
        self._reachable()
        decides = self.decide_payouts and not request.msisdn.endswith(SILENT_SUFFIX)
        delay = self.payout_delay_seconds if decides else None
        operation, new = await self._create("retrait", request, None, decide_after=delay)
        if new and decides:
            self._spawn(self._decide_later(operation))
        self._answered(operation, new=new)
        return operation.answer()

    async def status(self, operation: OperationRef) -> ProviderAnswer:
        self._reachable()
        async with self._engine.begin() as connection:
            row = (
                (
                    await connection.execute(
                        update(_TABLE)
                        .where(_TABLE.c.reference == operation.reference)
                        .values(appels_statut=_TABLE.c.appels_statut + 1)
                        .returning(_TABLE)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return ProviderAnswer(outcome=Outcome.UNKNOWN)
        found = await self._decided_if_due(SandboxOperation.from_row(row))
        switching = found.msisdn.endswith(SWITCHED_SUFFIX)
        if self.platform_switched or (switching and found.status_calls <= PLATFORM_SWITCH_CALLS):
            return ProviderAnswer(outcome=Outcome.UNKNOWN)  # another platform: "not found"
        if self.answers_lost:
            raise ProviderUnreachable(detail="sandbox: answer lost")
        return found.answer(expired=self._expired(found))

    def _reachable(self) -> None:
        if self.outage:
            raise ProviderUnreachable(detail="sandbox: outage, request never arrived")

    def _answered(self, operation: SandboxOperation, *, new: bool) -> None:
        """The request was done; its answer may be lost on the way back."""
        if self.answers_lost or (new and operation.msisdn.endswith(ANSWER_LOST_SUFFIX)):
            raise ProviderUnreachable(detail="sandbox: request done, answer lost")

    def _expired(self, operation: SandboxOperation) -> bool:
        return (
            operation.direction == "depot"
            and operation.status is Outcome.PENDING
            and datetime.now(UTC) - operation.created_at > self.deposit_expiry
        )

    def parse_callback(self, body: bytes, headers: Mapping[str, str], *, now: float) -> Callback:
        value = header(headers, SIGNATURE_HEADER)
        if not value:
            raise InvalidCallback("missing Sandbox-Signature header")
        parts = parse_signature_header(value)
        stamps, signatures = parts.get("t", []), parts.get("v1", [])
        if len(stamps) != 1 or not stamps[0].isdigit() or not signatures:
            raise InvalidCallback("malformed Sandbox-Signature header")
        if abs(now - int(stamps[0])) > TOLERANCE_SECONDS:
            raise InvalidCallback("stale Sandbox-Signature timestamp")
        expected = hmac_sha256_hex(self._secret, stamps[0].encode() + b"." + body)
        if not any_matches(expected, signatures):
            raise InvalidCallback("bad Sandbox-Signature")
        try:
            event = json.loads(body)
            data = event["data"]
            outcome = Outcome(data["statut"])
            return Callback(
                event_id=str(event["id"]),
                event_type=str(event["type"]),
                reference=str(data["reference"]),
                external_id=str(data["id"]),
                outcome=outcome,
                trusted=True,
                amount=int(data["montant"]),
                reason=data.get("motif"),
                raw=event,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidCallback(f"unreadable sandbox notification: {exc!r}") from exc

    # ------------------------------------------------------- the simulated operator side

    async def _create(
        self,
        direction: str,
        request: CollectionRequest | PayoutRequest,
        return_url: str | None,
        *,
        decide_after: float | None = None,
    ) -> tuple[SandboxOperation, bool]:
        """The operation of `request.reference`, and whether this request created it: our
        reference is the idempotency key, the same request again finds the same operation
        (whichever process made it)."""
        existing = await self.by_reference(request.reference)
        if existing is not None:
            return existing, False
        if request.amount > MAX_AMOUNT:
            raise ProviderRejected(
                "Montant refusé par l'opérateur (bac à sable : 2 000 000 F CFA au plus).",
                detail="sandbox amount cap",
            )
        statement = (
            insert(_TABLE)
            .values(
                id_operation="sbx_" + secrets.token_hex(8),
                reference=request.reference,
                sens=direction,
                montant=request.amount,
                devise=request.currency,
                numero=request.msisdn,
                moyen=request.rail,
                description=request.description,
                url_notification=request.callback_url,
                url_retour=return_url,
                date_decision_prevue=(
                    None if decide_after is None else func.now() + timedelta(seconds=decide_after)
                ),
            )
            .on_conflict_do_nothing(index_elements=[_TABLE.c.reference])
            .returning(_TABLE)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).mappings().first()
        if row is not None:
            return SandboxOperation.from_row(row), True
        raced = await self.by_reference(request.reference)  # another process, same request
        if raced is None:
            raise ProviderUnreachable(detail="sandbox: operation vanished")
        return raced, False

    async def _decide_later(self, operation: SandboxOperation) -> None:
        await asyncio.sleep(self.payout_delay_seconds)
        refused = operation.msisdn.endswith(REFUSED_SUFFIX)
        await self.decide(operation.id, accept=not refused)

    async def _decided_if_due(self, operation: SandboxOperation) -> SandboxOperation:
        """The operation, decided first if it is a payout past its date: its creating
        process may have stopped before its timer ran."""
        if not operation.due:
            return operation
        refused = operation.msisdn.endswith(REFUSED_SUFFIX)
        return await self.decide(operation.id, accept=not refused, due_only=True)

    async def decide(
        self, operation_id: str, *, accept: bool, due_only: bool = False
    ) -> SandboxOperation:
        """The payer confirmed or refused (deposit), or the operator settled (withdrawal).

        Under the row's lock, and only while it is pending (and, with `due_only`, past its
        date): of two processes deciding at once, one decides and notifies, the other finds
        it decided. KeyError for an operation the sandbox does not know."""
        async with self._engine.begin() as connection:
            row = (
                (
                    await connection.execute(
                        select(_TABLE)
                        .where(_TABLE.c.id_operation == operation_id)
                        .with_for_update()
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                raise KeyError(operation_id)
            operation = SandboxOperation.from_row(row)
            if operation.status is not Outcome.PENDING:
                return operation
            if due_only:
                # The database's clock decides, whichever process asks.
                passed = await connection.scalar(
                    select(_TABLE.c.date_decision_prevue <= func.now()).where(
                        _TABLE.c.id_operation == operation_id
                    )
                )
                if not passed:
                    return operation
            if accept and operation.msisdn.endswith(REFUSED_SUFFIX):
                accept = False
            status = Outcome.SUCCEEDED if accept else Outcome.FAILED
            reason = None
            if not accept:
                reason = (
                    "Paiement refusé par le payeur (bac à sable)."
                    if operation.direction == "depot"
                    else "Numéro inconnu chez l'opérateur (bac à sable)."
                )
            decided = (
                (
                    await connection.execute(
                        update(_TABLE)
                        .where(_TABLE.c.id_operation == operation_id)
                        .values(statut=_STATUTS[status], motif=reason, date_decision=func.now())
                        .returning(_TABLE)
                    )
                )
                .mappings()
                .one()
            )
        operation = SandboxOperation.from_row(decided)
        if self.hold_notifications:
            body = self._event(operation)
            self.held.append((body, self.sign(body)))
        elif not operation.msisdn.endswith(SILENT_NOTIFICATIONS):
            self._spawn(self._notify(operation))
        return operation

    async def get(self, operation_id: str) -> SandboxOperation | None:
        """The simulated operation as its operator has it now (a payout past its date is
        decided first), or None."""
        found = await self._one(_TABLE.c.id_operation == operation_id)
        return None if found is None else await self._decided_if_due(found)

    async def by_reference(self, reference: str) -> SandboxOperation | None:
        """The simulated operation our `reference` created, if the request ever arrived."""
        return await self._one(_TABLE.c.reference == reference)

    async def operations(self, *, limit: int | None = None) -> dict[str, SandboxOperation]:
        """The simulated operations by id, the newest first (`limit` of them)."""
        statement = select(_TABLE).order_by(
            _TABLE.c.date_creation.desc(), _TABLE.c.id_operation.desc()
        )
        if limit is not None:
            statement = statement.limit(limit)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return {row["id_operation"]: SandboxOperation.from_row(row) for row in rows}

    async def _one(self, condition: Any) -> SandboxOperation | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(_TABLE).where(condition))).mappings().first()
        return None if row is None else SandboxOperation.from_row(row)

    async def notification(self, operation_id: str) -> tuple[bytes, str]:
        """A signed notification of the operation as it stands now (pending included), for
        a test to deliver when it likes: late, twice, or never."""
        operation = await self._one(_TABLE.c.id_operation == operation_id)
        if operation is None:
            raise KeyError(operation_id)
        body = self._event(operation)
        return body, self.sign(body)

    def _event(self, operation: SandboxOperation) -> bytes:
        kind = "paiement" if operation.direction == "depot" else "transfert"
        state = {Outcome.SUCCEEDED: "reussi", Outcome.FAILED: "echoue"}.get(
            operation.status, "en_attente"
        )
        event = {
            "id": "evt_" + secrets.token_hex(8),
            "type": f"{kind}.{state}",
            "data": {
                "id": operation.id,
                "reference": operation.reference,
                "statut": operation.status.value,
                "montant": operation.amount,
                "devise": operation.currency,
                "motif": operation.reason,
            },
        }
        return json.dumps(event, separators=(",", ":")).encode()

    def sign(self, body: bytes, *, timestamp: int | None = None) -> str:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        return f"t={stamp},v1={hmac_sha256_hex(self._secret, stamp.encode() + b'.' + body)}"

    async def _notify(self, operation: SandboxOperation) -> None:
        body = self._event(operation)
        copies = 2 if random.random() < self.duplicate_rate else 1  # noqa: S311 - a simulation
        for _ in range(copies):
            await self._deliver(operation, body)

    async def _deliver(self, operation: SandboxOperation, body: bytes) -> None:
        for attempt, pause in enumerate((0.0, *DELIVERY_BACKOFF)):
            if pause:
                await asyncio.sleep(pause)
            try:
                response = await self._deliverer.post(
                    operation.callback_url,
                    content=body,
                    headers={"Content-Type": "application/json", SIGNATURE_HEADER: self.sign(body)},
                )
            except httpx.HTTPError as exc:
                logger.info("sandbox notification %s: %r (attempt %d)", operation.id, exc, attempt)
                continue
            if response.is_success:
                await self._delivered(operation.id)
                return
            logger.info(
                "sandbox notification %s: HTTP %d (attempt %d)",
                operation.id,
                response.status_code,
                attempt + 1,
            )
        logger.warning("sandbox notification %s given up", operation.id)

    async def _delivered(self, operation_id: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(_TABLE)
                .where(_TABLE.c.id_operation == operation_id)
                .values(notifications_envoyees=_TABLE.c.notifications_envoyees + 1)
            )

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait until every scheduled decision and notification has run (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
