"""Deposits and withdrawals end to end: the one place that talks to providers.

Each step is its own short database transaction, and no transaction is ever open while a
provider is being called (the previous back end paid out from inside one, M-10). What an
answer, an error or a notification means for the money is decided by one function,
`transitions.transition`, applied on the locked row by `service.apply`:
1. `start`: open the operation (a withdrawal's money is held at once) and commit; call the
   provider; record its answer and apply it, and commit. An unanswered initiation leaves the
   operation `initiee`: the same request is sent again soon.
2. `receive`: a callback is verified (signature, or Orange's token), stored in the inbox —
   unique on (provider, event id), so a replay is one row — with its job, and committed;
   the provider gets its 2xx at once.
3. `handle_notification` (the job, after commit): a signed status is applied as is;
   anything else is a hint, and the provider's status call decides. The settlement, the
   inbox row and the job's completion commit together.
4. `reconcile` (periodic): operations whose check is due — with a growing interval — are
   asked about: an unconfirmed one by the same initiation request again (same reference,
   the adapters' idempotency key), the others by the status call. Silence, « not found » and
   errors change nothing; past the horizon the operation goes to the operators' queue
   (`a_verifier`), still asked about, a withdrawal's money still held.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth.principal import Principal
from hostolink.config import Settings
from hostolink.db import Database
from hostolink.errors import WalletMissing
from hostolink.jobs import queue
from hostolink.jobs.queue import Job
from hostolink.jobs.worker import Worker
from hostolink.kit.identifiers import InvalidIdentifier, normalize_phone
from hostolink.kit.metrics import PROVIDER_ERRORS
from hostolink.kit.money import format_xof, sentence
from hostolink.models import OperationFournisseur, Utilisateur
from hostolink.operations import repository, service
from hostolink.operations.errors import (
    CallbackRefused,
    InvalidNumber,
    OperationNotFound,
    RailUnavailable,
    UnknownProvider,
    UnknownRail,
    WrongOperator,
)
from hostolink.operations.payer_steps import expected_action
from hostolink.operations.schemas import OperationOut, StatusChange
from hostolink.operations.transitions import (
    PENDING,
    Call,
    Event,
    Status,
    after_check,
    answer_event,
    callback_event,
    error_event,
    listens,
    repeats_initiation,
)
from hostolink.providers.base import (
    Callback,
    CollectionRequest,
    Direction,
    InvalidCallback,
    OperationRef,
    Outcome,
    PayoutRequest,
    Provider,
    ProviderAnswer,
    ProviderError,
    ProviderMisconfigured,
    ProviderUnavailable,
)
from hostolink.providers.registry import RAILS, Providers, Rail
from hostolink.wallet.ledger import IdempotencyClaim
from hostolink.wallet.notify import NoticeWriter
from hostolink.wallet.repository import Notice

logger = logging.getLogger("hostolink.operations")

NOTIFICATION_JOB = "operations.notification"
OPERATORS = {"07": "orange_money", "05": "mtn_momo", "01": "moov_money"}
# After an unanswered initiation, send the same request again soon.
RETRY_UNANSWERED_SECONDS = 30
_USEFUL_HEADERS = ("content-type", "user-agent")


@dataclass(frozen=True)
class Started:
    operation: OperationOut
    replayed: bool
    message: str


@dataclass(frozen=True)
class Heard:
    """What one provider call told us: an answer (or None when it raised), as an event, and
    the French reason to show when it refused."""

    answer: ProviderAnswer | None
    event: Event
    reason: str | None = None


def mobile_number(raw: str, rail: Rail) -> str:
    """The payer's or recipient's number in E.164, checked against the rail's operator."""
    try:
        msisdn = normalize_phone(raw)
    except InvalidIdentifier as exc:
        raise InvalidNumber from exc
    if not msisdn.startswith("+225") or len(msisdn) != 14:
        raise InvalidNumber("Indiquez un numéro mobile ivoirien (10 chiffres, 07, 05 ou 01…).")
    prefix = msisdn[4:6]
    operator = OPERATORS.get(prefix)
    if operator is None:
        raise InvalidNumber(
            f"Le {msisdn[4:]} n'est pas un numéro mobile (07 Orange, 05 MTN, 01 Moov)."
        )
    if rail.prefixes and prefix not in rail.prefixes:
        owner = RAILS[operator].name
        raise WrongOperator(
            f"Le {msisdn[4:]} est un numéro {owner} : il ne peut pas servir pour {rail.name}. "
            f"Choisissez {owner}, ou un numéro {rail.name} ({', '.join(rail.prefixes)}…)."
        )
    return msisdn


class Operations:
    def __init__(
        self,
        *,
        db: Database,
        providers: Providers,
        settings: Settings,
        notices: NoticeWriter,
        worker: Worker,
    ) -> None:
        self._db = db
        self.providers = providers
        self._settings = settings
        self._notices = notices
        self._worker = worker
        worker.handlers[NOTIFICATION_JOB] = self.handle_notification

    def _callback_url(self, gateway: str) -> str:
        return f"{self._settings.public_url.rstrip('/')}/api/fournisseurs/{gateway}/notifications"

    def _return_url(self, reference: str) -> str:
        return f"{self._settings.public_url.rstrip('/')}/sandbox/retour/{reference}"

    @property
    def horizon(self) -> timedelta:
        return timedelta(hours=self._settings.reconciliation_horizon_hours)

    # ------------------------------------------------------------------------ initiation

    async def start(
        self,
        *,
        principal: Principal,
        direction: Direction,
        rail_code: str,
        amount: int,
        number: str,
        claim: IdempotencyClaim,
        account_id: int | None = None,
    ) -> Started:
        """`account_id`: the account to debit or credit, when not the caller's own wallet
        (an establishment's merchant account, its manager's access checked by the caller)."""
        rail = RAILS.get(rail_code)
        if rail is None:
            raise UnknownRail
        try:
            adapter = self.providers.route(rail, direction)
        except ProviderUnavailable as exc:
            raise RailUnavailable(f"{rail.name} indisponible : {exc.message}") from exc
        msisdn = mobile_number(number, rail)
        if account_id is None:
            if principal.compte is None:
                raise WalletMissing
            account_id = principal.compte.id_compte
        request = service.Request(
            user_id=principal.id,
            account_id=account_id,
            rail=rail,
            gateway=adapter.code,
            direction=direction,
            amount=amount,
            msisdn=msisdn,
            check_after_seconds=self._settings.reconciliation_delay_seconds,
        )
        async with self._db.sessionmaker() as session, session.begin():
            opened = await service.open_operation(session, request, claim=claim)
        if isinstance(opened, str):
            view = await self.view(reference=opened, user_id=principal.id)
            return Started(view, True, _message(view))
        operation = await self._load(opened.operation_id)
        name = " ".join(p for p in (principal.prenom, principal.nom) if p) or None
        heard = await self._initiate(adapter, operation, name, call="initiation")
        async with self._db.sessionmaker() as session, session.begin():
            notices = await self._record(session, operation, heard, origin="initiation")
            await service.retry_soon(
                session, operation.id_operation, seconds=RETRY_UNANSWERED_SECONDS
            )
        await self._notify(notices)
        view = await self.view(reference=opened.reference, user_id=principal.id)
        return Started(view, False, _message(view))

    async def _initiate(
        self, adapter: Provider, operation: OperationFournisseur, name: str | None, *, call: Call
    ) -> Heard:
        """Send the operation's initiation request — the same one every time: our reference
        is the provider's idempotency key, so a repeat never pays twice, and a deposit's
        repeat gives the payer the payment session the first answer never brought."""
        reference = str(operation.reference)
        try:
            if operation.sens == "depot":
                answer = await adapter.collect(
                    CollectionRequest(
                        reference=reference,
                        amount=operation.montant + operation.frais,
                        currency=operation.devise,
                        msisdn=operation.compte_externe,
                        rail=operation.fournisseur,
                        description=f"Dépôt Hostolink de {format_xof(operation.montant)}",
                        callback_url=self._callback_url(adapter.code),
                        return_url=self._return_url(reference),
                        customer_name=name,
                    )
                )
            else:
                answer = await adapter.payout(
                    PayoutRequest(
                        reference=reference,
                        amount=operation.montant,
                        currency=operation.devise,
                        msisdn=operation.compte_externe,
                        rail=operation.fournisseur,
                        description="Retrait Hostolink",
                        callback_url=self._callback_url(adapter.code),
                        recipient_name=name,
                    )
                )
        except ProviderError as exc:
            return _heard_error(operation, exc, call=call)
        return Heard(answer, answer_event(answer), answer.reason)

    async def _record(
        self,
        session: AsyncSession,
        operation: OperationFournisseur,
        heard: Heard,
        *,
        origin: str,
        details: dict[str, Any] | None = None,
    ) -> list[Notice]:
        """Keep what a call taught us and apply its event, in the caller's transaction."""
        details = dict(details or {})
        if heard.answer is not None:
            await service.record_answer(session, operation.id_operation, heard.answer)
            if heard.answer.raw:
                details["reponse"] = heard.answer.raw
        settled = await service.apply(
            session,
            operation.id_operation,
            heard.event,
            origin=origin,
            reason=heard.reason,
            details=details,
            rail_name=_rail_name(operation),
        )
        return settled.notices if settled else []

    # ------------------------------------------------------------------------- callbacks

    async def receive(self, gateway: str, body: bytes, headers: dict[str, str]) -> bool:
        """Verify and store a provider's notification; True when it was new."""
        adapter = self.providers.adapter(gateway)
        if adapter is None:
            raise UnknownProvider
        try:
            callback = adapter.parse_callback(body, headers, now=time.time())
        except InvalidCallback as exc:
            PROVIDER_ERRORS.labels(provider=gateway, kind="invalid_callback").inc()
            logger.warning("refused %s notification: %s", gateway, exc.reason)
            raise CallbackRefused from exc
        async with self._db.sessionmaker() as session, session.begin():
            operation = await self._operation_for(session, gateway, callback)
            webhook_id = await repository.store_callback(
                session,
                provider=gateway,
                event_id=callback.event_id[:255],
                event_type=callback.event_type,
                body=body.decode("utf-8", errors="replace"),
                headers=json.dumps({k: v for k, v in headers.items() if _kept(k)}),
                valid=callback.trusted or callback.notification_token is not None,
                operation=operation.id_operation,
            )
            if webhook_id is not None:
                connection = await session.connection()
                await queue.enqueue(
                    connection,
                    NOTIFICATION_JOB,
                    {
                        "id_webhook": webhook_id,
                        "id_operation": operation.id_operation,
                        "issue": callback.outcome.value if callback.outcome else None,
                        "montant": callback.amount,
                        "motif": callback.reason,
                        "fiable": callback.trusted,
                    },
                    unique_key=f"webhook:{webhook_id}",
                )
        if webhook_id is not None:
            self._worker.wake()
        return webhook_id is not None

    async def _operation_for(
        self, session: AsyncSession, gateway: str, callback: Callback
    ) -> OperationFournisseur:
        operation = None
        if callback.notification_token is not None:
            # Orange: the token is the only proof; an unknown token is a forgery.
            digest = service.token_digest(callback.notification_token)
            operation = await repository.by_token_hash(session, digest)
            if operation is None:
                PROVIDER_ERRORS.labels(provider=gateway, kind="invalid_callback").inc()
                raise CallbackRefused
        elif callback.reference is not None:
            operation = await repository.by_reference(session, callback.reference)
        if operation is None and callback.external_id is not None:
            rails = [r.code for r in RAILS.values() if gateway in (r.depot, r.retrait)]
            operation = await repository.by_external_id(
                session, gateway=gateway, rails=rails, external_id=callback.external_id
            )
        if operation is None or operation.passerelle != gateway:
            raise OperationNotFound("Aucune opération ne correspond à cette notification.")
        return operation

    async def handle_notification(self, job: Job) -> None:
        """A signed notification's status is an answer; an unsigned one (or one without a
        status) is a hint, and the status call answers instead. A provider that cannot be
        asked raises: the job is retried later."""
        payload = job.payload
        webhook_id = int(payload["id_webhook"])
        outcome: Outcome | None = Outcome(payload["issue"]) if payload.get("issue") else None
        operation = await self._load(int(payload["id_operation"]))
        event = callback_event(outcome, trusted=bool(payload.get("fiable")))
        heard = Heard(None, event, payload.get("motif"))
        origin = "notification"
        error = _amount_error(operation, heard.event, payload.get("montant"))
        direction: Direction = "depot" if operation.sens == "depot" else "retrait"
        if error is not None:
            logger.error("operation %s: %s", operation.reference, error)
        elif heard.event is Event.UNTRUSTED_CALLBACK and listens(
            direction, Status(operation.statut)
        ):
            heard = await self._asked(operation)
            if heard.answer is None:  # not answered: the job runs again with its backoff
                raise StatusUnanswered(str(operation.reference), heard.event)
            origin = "verification"
        notices: list[Notice] = []
        async with self._db.sessionmaker() as session, session.begin():
            if error is None:
                # The history names the notification: it is the decision's evidence, which
                # the retention purge keeps (jobs/retention.py).
                notices = await self._record(
                    session, operation, heard, origin=origin, details={"id_webhook": webhook_id}
                )
            status = "erreur" if error else "traite"
            await repository.mark_callback(session, webhook_id, status=status, error=error)
            await queue.complete(await session.connection(), job.id)
        await self._notify(notices)

    # -------------------------------------------------------------------- reconciliation

    async def reconcile(self, *, limit: int = 50) -> int:
        """Ask the providers about operations whose check is due; returns how many."""
        async with self._db.sessionmaker() as session, session.begin():
            due = await repository.claim_due(
                session,
                limit=limit,
                delay_seconds=self._settings.reconciliation_delay_seconds,
                max_interval_seconds=self._settings.reconciliation_max_interval_minutes * 60,
            )
        for operation_id in due:
            try:
                await self.verify(operation_id, origin="reconciliation")
            except Exception:  # one operation's trouble must not stop the others
                logger.exception("reconciliation of operation %s failed", operation_id)
        return len(due)

    async def verify(self, operation_id: int, *, origin: str) -> None:
        """One reconciliation step for a pending operation: the same initiation request again
        when the provider never confirmed it, the status call otherwise; then, when nothing
        decisive came back, a tick — or, past the horizon, the operators' queue."""
        operation = await self._load(operation_id)
        status = Status(operation.statut)
        if status not in PENDING:
            return  # final (a closed deposit reopens only on its provider's own news)
        if repeats_initiation(status):
            heard = await self._repeat(operation)
        else:
            heard = await self._asked(operation)
        past = datetime.now(UTC) - operation.date_creation > self.horizon
        async with self._db.sessionmaker() as session, session.begin():
            notices = await self._record(session, operation, heard, origin=origin)
            checked = await service.apply(
                session,
                operation_id,
                after_check(past_horizon=past),
                origin=origin,
                details={"reponse_fournisseur": heard.event.value},
                rail_name=_rail_name(operation),
            )
            notices += checked.notices if checked else []
        await self._notify(notices)

    async def _repeat(self, operation: OperationFournisseur) -> Heard:
        adapter = self.providers.adapter(operation.passerelle)
        if adapter is None:
            return _heard_error(
                operation,
                ProviderUnavailable(detail=f"{operation.passerelle} is not configured"),
                call="repeat",
            )
        async with self._db.sessionmaker() as session:
            user = await session.get(Utilisateur, operation.id_user)
        names = (user.prenom, user.nom) if user is not None else ()
        name = " ".join(p for p in names if p) or None
        return await self._initiate(adapter, operation, name, call="repeat")

    async def _asked(self, operation: OperationFournisseur) -> Heard:
        """The provider's status call, as what we heard."""
        adapter = self.providers.adapter(operation.passerelle)
        if adapter is None:
            return _heard_error(
                operation,
                ProviderUnavailable(detail=f"{operation.passerelle} is not configured"),
                call="status",
            )
        direction: Direction = "depot" if operation.sens == "depot" else "retrait"
        ref = OperationRef(
            reference=str(operation.reference),
            direction=direction,
            amount=operation.montant + (operation.frais if direction == "depot" else 0),
            currency=operation.devise,
            msisdn=operation.compte_externe,
            rail=operation.fournisseur,
            external_id=operation.id_externe,
            provider_data=operation.donnees_fournisseur or {},
        )
        try:
            answer = await adapter.status(ref)
        except ProviderError as exc:
            return _heard_error(operation, exc, call="status")
        return Heard(answer, answer_event(answer), answer.reason)

    async def _load(self, operation_id: int) -> OperationFournisseur:
        async with self._db.sessionmaker() as session:
            operation = await session.get(OperationFournisseur, operation_id)
        if operation is None:
            raise LookupError(f"operation {operation_id} vanished")
        return operation

    # ---------------------------------------------------------------------------- views

    async def verify_reference(self, reference: str, *, origin: str) -> OperationOut:
        """Ask the provider now about the operation `reference` (an administrator's
        request); its view afterwards."""
        async with self._db.sessionmaker() as session:
            operation = await repository.by_reference(session, reference)
        if operation is None:
            raise OperationNotFound
        await self.verify(operation.id_operation, origin=origin)
        return await self.view(reference=reference, user_id=None)

    async def view(
        self, *, reference: str, user_id: int | None, session: AsyncSession | None = None
    ) -> OperationOut:
        if session is None:
            async with self._db.sessionmaker() as own:
                return await self.view(reference=reference, user_id=user_id, session=own)
        operation = await repository.by_reference(session, reference)
        # Another person's operation answers exactly like a missing one.
        if operation is None or (user_id is not None and operation.id_user != user_id):
            raise OperationNotFound
        changes = await repository.histories(session, [operation.id_operation])
        return to_view(operation, changes[operation.id_operation])

    async def _notify(self, notices: list[Notice]) -> None:
        if notices:
            await self._notices.write(notices)


class StatusUnanswered(Exception):
    """A notification's hint could not be checked (the status call did not answer): its job
    fails and runs again later; reconciliation asks meanwhile."""

    def __init__(self, reference: str, event: Event) -> None:
        super().__init__(f"operation {reference}: status call after a notification: {event}")


def _heard_error(operation: OperationFournisseur, exc: ProviderError, *, call: Call) -> Heard:
    event = error_event(exc, call=call)
    if isinstance(exc, ProviderMisconfigured):
        # Our configuration, not the operation: the operators must hear of it (the error
        # log reaches Sentry; the counter, their alert rule).
        PROVIDER_ERRORS.labels(provider=operation.passerelle, kind="configuration").inc()
        logger.error(
            "operation %s: the provider refuses our configuration: %s", operation.reference, exc
        )
    else:
        logger.warning("operation %s: %s call: %s → %s", operation.reference, call, exc, event)
    return Heard(None, event, exc.message)


def _amount_error(operation: OperationFournisseur, event: Event, amount: Any) -> str | None:
    """A signed final status whose amount is not ours is applied to nothing (a provider bug,
    or an operation mixed up with another): the inbox row keeps the error for the operators."""
    if amount is None or event not in (Event.SUCCEEDED, Event.FAILED, Event.EXPIRED):
        return None
    expected = operation.montant + (operation.frais if operation.sens == "depot" else 0)
    return None if int(amount) == expected else f"montant notifié {amount} ≠ {expected} attendu"


def to_view(operation: OperationFournisseur, changes: list[Any]) -> OperationOut:
    fee = operation.frais
    return OperationOut(
        reference=str(operation.reference),
        sens="depot" if operation.sens == "depot" else "retrait",
        fournisseur=operation.fournisseur,
        nom_fournisseur=_rail_name(operation),
        statut=operation.statut,
        montant=operation.montant,
        frais=fee,
        montant_total=operation.montant + fee,
        devise=operation.devise,
        numero=operation.compte_externe,
        url_paiement=operation.url_paiement if operation.statut in PENDING else None,
        action_attendue=expected_action(operation),
        motif_echec=operation.motif_echec,
        date_creation=operation.date_creation,
        date_finalisation=operation.date_finalisation,
        historique=[
            StatusChange(
                statut=c.statut,
                statut_precedent=c.statut_precedent,
                origine=c.origine,
                date=c.date_changement,
            )
            for c in changes
        ],
    )


def _rail_name(operation: OperationFournisseur) -> str:
    rail = RAILS.get(operation.fournisseur)
    return rail.name if rail else operation.fournisseur


def _message(view: OperationOut) -> str:
    amount = format_xof(view.montant)
    if view.sens == "depot":
        texts = {
            "initiee": f"Dépôt de {amount} enregistré : le fournisseur ne répond pas encore, "
            "nous vérifions automatiquement",
            "en_attente": f"Dépôt de {amount} en attente : confirmez le paiement de "
            f"{format_xof(view.montant_total)} sur {view.nom_fournisseur}",
            "a_verifier": f"Dépôt de {amount} en vérification par notre équipe : rien n'a été "
            "débité de votre portefeuille",
            "reussie": f"Dépôt de {amount} crédité",
        }
    else:
        texts = {
            "initiee": f"Retrait de {amount} enregistré : le fournisseur ne répond pas encore, "
            "nous vérifions automatiquement",
            "en_attente": f"Retrait de {amount} en cours vers {view.numero}",
            "a_verifier": "En vérification par notre équipe, votre argent est bloqué, pas perdu",
            "reussie": f"Retrait de {amount} envoyé vers {view.numero}",
        }
    default = f"Opération non aboutie : {view.motif_echec or 'refusée par le fournisseur'}"
    return sentence(texts.get(view.statut, default))


def _kept(name: str) -> bool:
    lowered = name.lower()
    return lowered in _USEFUL_HEADERS or "signature" in lowered or "hmac" in lowered
