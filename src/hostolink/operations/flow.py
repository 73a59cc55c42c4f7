"""Deposits and withdrawals end to end: the one place that talks to providers.

Each step is its own short database transaction, and no transaction is ever open while a
provider is being called (the previous back end paid out from inside one, M-10):
1. `start`: open the operation (a withdrawal's money is held at once) and commit;
   call the provider; record its answer (or settle a refusal) and commit.
2. `receive`: a callback is verified (signature, or Orange's token), stored in the inbox —
   unique on (provider, event id), so a replay is one row — with its job, and committed;
   the provider gets its 2xx at once.
3. `handle_notification` (the job, after commit): a signed final status is applied as is;
   anything else is a hint, and the provider's status call decides. The settlement, the
   inbox row and the job's completion commit together.
4. `reconcile` (periodic): operations still pending past their check time are asked about;
   a success whose callback never came (or whose commit failed) is found here, a deposit
   nobody paid expires, a withdrawal the provider never received is released.
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
from hostolink.jobs import queue
from hostolink.jobs.queue import Job
from hostolink.jobs.worker import Worker
from hostolink.kit.identifiers import InvalidIdentifier, normalize_phone
from hostolink.kit.metrics import PROVIDER_ERRORS
from hostolink.kit.money import CURRENCY, format_xof, sentence
from hostolink.models import OperationFournisseur
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
from hostolink.operations.schemas import OperationOut, StatusChange
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
    ProviderUnavailable,
    ProviderUnreachable,
)
from hostolink.providers.registry import RAILS, Providers, Rail
from hostolink.wallet.errors import WalletMissing
from hostolink.wallet.ledger import IdempotencyClaim
from hostolink.wallet.notify import NoticeWriter
from hostolink.wallet.repository import Notice

logger = logging.getLogger("hostolink.operations")

NOTIFICATION_JOB = "operations.notification"
OPERATORS = {"07": "orange_money", "05": "mtn_momo", "01": "moov_money"}
# After an unanswered initiation, ask the provider again soon.
RETRY_UNANSWERED_SECONDS = 30
_USEFUL_HEADERS = ("content-type", "user-agent")


@dataclass(frozen=True)
class Started:
    operation: OperationOut
    replayed: bool
    message: str


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
        name = " ".join(p for p in (principal.prenom, principal.nom) if p) or None
        answer, failure = await self._initiate(adapter, request, opened, name)
        notices: list[Notice] = []
        async with self._db.sessionmaker() as session, session.begin():
            if failure is not None:
                settled = await service.settle(
                    session,
                    opened.operation_id,
                    outcome=Outcome.FAILED,
                    reason=failure,
                    origin="initiation",
                    rail_name=rail.name,
                )
                notices = settled.notices if settled else []
            elif answer is not None:
                await service.record_answer(
                    session, opened.operation_id, answer, retry_in=RETRY_UNANSWERED_SECONDS
                )
                if answer.outcome in (Outcome.SUCCEEDED, Outcome.FAILED):
                    settled = await service.settle(
                        session,
                        opened.operation_id,
                        outcome=answer.outcome,
                        reason=answer.reason,
                        origin="initiation",
                        rail_name=rail.name,
                    )
                    notices = settled.notices if settled else []
            else:
                operation = await repository.lock_operation(session, opened.operation_id)
                operation.date_prochaine_verification = datetime.now(UTC) + timedelta(
                    seconds=RETRY_UNANSWERED_SECONDS
                )
        await self._notify(notices)
        view = await self.view(reference=opened.reference, user_id=principal.id)
        return Started(view, False, _message(view))

    async def _initiate(
        self, adapter: Provider, request: service.Request, opened: service.Opened, name: str | None
    ) -> tuple[ProviderAnswer | None, str | None]:
        """(answer, None), or (None, French reason) for a definitive refusal, or (None, None)
        when the provider did not answer (the operation stays pending; reconciliation asks)."""
        amount = request.amount
        try:
            if request.direction == "depot":
                fee = opened.fee
                return (
                    await adapter.collect(
                        CollectionRequest(
                            reference=opened.reference,
                            amount=amount + fee,
                            currency=CURRENCY,
                            msisdn=request.msisdn,
                            rail=request.rail.code,
                            description=f"Dépôt Hostolink de {format_xof(amount)}",
                            callback_url=self._callback_url(adapter.code),
                            return_url=self._return_url(opened.reference),
                            customer_name=name,
                        )
                    ),
                    None,
                )
            return (
                await adapter.payout(
                    PayoutRequest(
                        reference=opened.reference,
                        amount=amount,
                        currency=CURRENCY,
                        msisdn=request.msisdn,
                        rail=request.rail.code,
                        description="Retrait Hostolink",
                        callback_url=self._callback_url(adapter.code),
                        recipient_name=name,
                    )
                ),
                None,
            )
        except ProviderUnreachable as exc:
            logger.warning("operation %s: provider unreachable: %s", opened.reference, exc)
            return None, None
        except ProviderError as exc:  # refused, or our credentials refused: it did not happen
            logger.warning("operation %s refused at initiation: %s", opened.reference, exc)
            return None, exc.message

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
        payload = job.payload
        webhook_id = int(payload["id_webhook"])
        operation_id = int(payload["id_operation"])
        outcome: Outcome | None = Outcome(payload["issue"]) if payload.get("issue") else None
        details: dict[str, Any] = {"id_webhook": webhook_id}
        decision: tuple[Outcome, str | None, str] | None = None
        async with self._db.sessionmaker() as session:
            operation = await session.get(OperationFournisseur, operation_id)
        if operation is None:
            raise LookupError(f"operation {operation_id} vanished")
        expected = operation.montant + (operation.frais if operation.sens == "depot" else 0)
        error: str | None = None
        final = outcome in (Outcome.SUCCEEDED, Outcome.FAILED)
        if payload.get("fiable") and final and outcome is not None:
            amount = payload.get("montant")
            if amount is not None and int(amount) != expected:
                error = f"montant notifié {amount} ≠ {expected} attendu"
                logger.error("operation %s: %s", operation.reference, error)
            else:
                decision = (outcome, payload.get("motif"), "notification")
        if decision is None and error is None and operation.statut not in ("reussie", "echouee"):
            answer = await self._status(operation)  # raises when unreachable: the job retries
            if answer.outcome in (Outcome.SUCCEEDED, Outcome.FAILED):
                decision = (answer.outcome, answer.reason, "verification")
        notices: list[Notice] = []
        async with self._db.sessionmaker() as session, session.begin():
            if decision is not None:
                settled = await service.settle(
                    session,
                    operation_id,
                    outcome=decision[0],
                    reason=decision[1] or _default_reason(operation),
                    origin=decision[2],
                    details=details,
                    rail_name=_rail_name(operation),
                )
                notices = settled.notices if settled else []
            status = "erreur" if error else "traite"
            await repository.mark_callback(session, webhook_id, status=status, error=error)
            await queue.complete(await session.connection(), job.id)
        await self._notify(notices)

    # -------------------------------------------------------------------- reconciliation

    async def reconcile(self, *, limit: int = 50) -> int:
        """Ask the providers about operations whose check is due; returns how many."""
        async with self._db.sessionmaker() as session, session.begin():
            due = await repository.claim_due(
                session, limit=limit, delay_seconds=self._settings.reconciliation_delay_seconds
            )
        for operation_id in due:
            try:
                await self.verify(operation_id, origin="reconciliation")
            except Exception:  # one operation's trouble must not stop the others
                logger.exception("reconciliation of operation %s failed", operation_id)
        return len(due)

    async def verify(self, operation_id: int, *, origin: str) -> None:
        async with self._db.sessionmaker() as session:
            operation = await session.get(OperationFournisseur, operation_id)
        if operation is None or operation.statut not in ("initiee", "en_attente"):
            return
        try:
            answer = await self._status(operation)
        except ProviderError as exc:
            logger.warning("operation %s: status unavailable: %s", operation.reference, exc)
            return
        age = datetime.now(UTC) - operation.date_creation
        decision: tuple[Outcome, str | None, bool] | None = None
        if answer.outcome in (Outcome.SUCCEEDED, Outcome.FAILED):
            decision = (answer.outcome, answer.reason, False)
        elif operation.sens == "depot":
            if age > timedelta(minutes=self._settings.deposit_expiry_minutes):
                decision = (Outcome.FAILED, "Paiement non confirmé dans le délai.", True)
        elif (
            answer.outcome is Outcome.UNKNOWN
            and age > timedelta(seconds=self._settings.reconciliation_delay_seconds)
            and (operation.id_externe is not None or self._finds_by_reference(operation))
        ):
            # The provider looked for our reference (or its own id) and has no such payout:
            # it never received it, so the held money goes back. Where it cannot look our
            # reference up, "unknown" proves nothing: the hold stays for an administrator.
            decision = (Outcome.FAILED, "Le fournisseur n'a jamais reçu ce retrait.", False)
        if decision is None:
            return
        async with self._db.sessionmaker() as session, session.begin():
            settled = await service.settle(
                session,
                operation_id,
                outcome=decision[0],
                reason=decision[1] or _default_reason(operation),
                origin=origin,
                details={"reponse": answer.raw} if answer.raw else None,
                expire=decision[2],
                rail_name=_rail_name(operation),
            )
        await self._notify(settled.notices if settled else [])

    def _finds_by_reference(self, operation: OperationFournisseur) -> bool:
        adapter = self.providers.adapter(operation.passerelle)
        return bool(getattr(adapter, "finds_by_reference", True))

    async def _status(self, operation: OperationFournisseur) -> ProviderAnswer:
        adapter = self.providers.adapter(operation.passerelle)
        if adapter is None:
            raise ProviderUnavailable(detail=f"{operation.passerelle} is not configured")
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
        return await adapter.status(ref)

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
        url_paiement=operation.url_paiement
        if operation.statut in ("initiee", "en_attente")
        else None,
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


def _default_reason(operation: OperationFournisseur) -> str:
    if operation.sens == "depot":
        return "Paiement non abouti chez le fournisseur."
    return "Retrait refusé par le fournisseur."


def _message(view: OperationOut) -> str:
    amount = format_xof(view.montant)
    if view.sens == "depot":
        texts = {
            "initiee": f"Dépôt de {amount} enregistré : le fournisseur ne répond pas encore, "
            "nous vérifions automatiquement",
            "en_attente": f"Dépôt de {amount} en attente : confirmez le paiement de "
            f"{format_xof(view.montant_total)} sur {view.nom_fournisseur}",
            "reussie": f"Dépôt de {amount} crédité",
        }
    else:
        texts = {
            "initiee": f"Retrait de {amount} enregistré : le fournisseur ne répond pas encore, "
            "nous vérifions automatiquement",
            "en_attente": f"Retrait de {amount} en cours vers {view.numero}",
            "reussie": f"Retrait de {amount} envoyé vers {view.numero}",
        }
    default = f"Opération non aboutie : {view.motif_echec or 'refusée par le fournisseur'}"
    return sentence(texts.get(view.statut, default))


def _kept(name: str) -> bool:
    lowered = name.lower()
    return lowered in _USEFUL_HEADERS or "signature" in lowered or "hmac" in lowered
