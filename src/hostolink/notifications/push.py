"""Push notifications through Firebase Cloud Messaging (FCM HTTP v1, `firebase-admin`).

`notify` marks a notification `en_attente` and enqueues one `notification.push` job in the
caller's transaction when the person has a device and push is configured, so the job exists
only if the notification committed. The handler sends one message per device, deletes the
tokens FCM reports as unregistered or invalid, and records `envoye` or `echec`; transient
errors (FCM overloaded, network) are retried by the queue with its backoff. Nothing here
raises into the request that wrote the notification.

Whether push is configured is carried by the sessions of the app's `Database`
(`session.info`), set by `push_handlers`: several apps in one process (the tests) each keep
their own configuration.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import firebase_admin  # type: ignore[import-untyped]
from firebase_admin import credentials, exceptions, messaging
from google.auth import exceptions as auth_exceptions
from google.auth.transport import requests as google_requests
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hostolink.config import Settings
from hostolink.db import Database
from hostolink.jobs import queue
from hostolink.jobs.queue import Job
from hostolink.models import Notification
from hostolink.models.appareil_push import AppareilPush
from hostolink.notifications import repository

logger = logging.getLogger("hostolink.notifications.push")

PUSH_JOB = "notification.push"
PUSH_MAX_ATTEMPTS = 6  # backoff 2, 4, 8, 16, 32 s: a push a minute late is still useful
_ENABLED = "hostolink.push_enabled"

# The token is gone (app uninstalled) or from another Firebase project: FCM will never
# accept it again. INVALID_ARGUMENT is a dead token only when FCM says so: it also means a
# message too big, and pruning every device of the person for that would be a disaster.
_DEAD_TOKEN = (messaging.UnregisteredError, messaging.SenderIdMismatchError)
FCM_TIMEOUT_SECONDS = 15
_BODY_MAX = 1000  # a notification shows a few lines; FCM refuses payloads over 4 KB
# Worth trying again later: FCM overloaded or unreachable, our credential not refreshed.
_TRANSIENT = (
    exceptions.ResourceExhaustedError,
    exceptions.UnavailableError,
    exceptions.InternalError,
    exceptions.DeadlineExceededError,
    exceptions.UnknownError,
)

PushHandler = Callable[[Job], Awaitable[None]]


class TransientPushError(Exception):
    """FCM could not be reached for any device; the queue retries the job."""


def push_enabled(session: AsyncSession) -> bool:
    return bool(session.info.get(_ENABLED))


async def wants_push(session: AsyncSession, *, user_id: int) -> bool:
    """Whether a notification for `user_id` written in `session` should be pushed."""
    return push_enabled(session) and await repository.has_device(session, user_id=user_id)


async def enqueue_push(session: AsyncSession, notification_id: int) -> None:
    connection = await session.connection()
    await queue.enqueue(
        connection,
        PUSH_JOB,
        {"id_notification": notification_id},
        unique_key=f"push:{notification_id}",
        max_attempts=PUSH_MAX_ATTEMPTS,
    )


# Notices written outside `notify` (wallet.notify.NoticeWriter: money sent, received,
# deposits, withdrawals) are found by their transaction. One statement, so it is atomic on
# the notices pool's autocommit connections; the job row has queue.enqueue's shape.
_ENQUEUE_FOR_TRANSACTIONS = text(
    """
WITH due AS (
    UPDATE notification n SET statut_push = 'en_attente'
    WHERE n.id_transaction = ANY(CAST(:transactions AS bigint[]))
      AND n.statut_push = 'non_requis'
      AND EXISTS (SELECT 1 FROM appareil_push a WHERE a.id_user = n.id_user)
    RETURNING n.id_notification
)
INSERT INTO tache (file, nom, charge, cle_unicite, tentatives_max, date_execution)
SELECT :file, :nom, jsonb_build_object('id_notification', id_notification),
       'push:' || id_notification, :max, now()
FROM due
ON CONFLICT (cle_unicite) WHERE statut IN ('en_attente', 'en_cours') DO NOTHING
"""
)


def push_configured(settings: Settings) -> bool:
    credentials_text = settings.firebase_credentials
    return credentials_text is not None and bool(credentials_text.get_secret_value().strip())


async def enqueue_for_transactions(
    connection: AsyncConnection, transaction_ids: Sequence[int]
) -> None:
    """Push the notifications of these transactions to their recipients' devices (call only
    when `push_configured`; notices of people without a device stay `non_requis`)."""
    if transaction_ids:
        await connection.execute(
            _ENQUEUE_FOR_TRANSACTIONS,
            {
                "transactions": sorted(set(transaction_ids)),
                "file": queue.DEFAULT_QUEUE,
                "nom": PUSH_JOB,
                "max": PUSH_MAX_ATTEMPTS,
            },
        )


@dataclass
class Outcome:
    delivered: int = 0
    dead_tokens: list[str] = field(default_factory=list)
    transient: int = 0
    failed: int = 0


def _data(notification: Notification) -> dict[str, str]:
    # FCM data values are strings; the app reads the deep link from them.
    data = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in notification.donnees.items()
    }
    data["id_notification"] = str(notification.id_notification)
    data["type_notification"] = notification.type_notification
    return data


def _dead_token(error: Exception) -> bool:
    if isinstance(error, _DEAD_TOKEN):
        return True
    return isinstance(error, exceptions.InvalidArgumentError) and (
        "registration token" in str(error).lower()
    )


class FcmSender:
    """One firebase-admin app per service account; sends with its async (httpx) client."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._refresh_lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> FcmSender | None:
        if settings.firebase_credentials is None:
            return None
        raw = settings.firebase_credentials.get_secret_value().strip()
        if not raw:
            return None
        source: Any = json.loads(raw) if raw.startswith("{") else raw
        name = "hostolink-" + hashlib.sha256(raw.encode()).hexdigest()[:16]
        try:
            app = firebase_admin.get_app(name)
        except ValueError:
            # Well within the worker's lease (120 s): a hung FCM must not let a second worker
            # claim the job and push twice. firebase-admin's own default is 120 s.
            options = {"httpTimeout": FCM_TIMEOUT_SECONDS}
            certificate = credentials.Certificate(source)
            app = firebase_admin.initialize_app(certificate, options=options, name=name)
        return cls(app)

    async def _ensure_token(self) -> None:
        # google-auth refreshes with blocking `requests`: do it in a thread, not in the loop.
        credential = self._app.credential.get_credential()
        async with self._refresh_lock:
            if not credential.valid:
                refresh = asyncio.to_thread(credential.refresh, google_requests.Request())
                await asyncio.wait_for(refresh, timeout=FCM_TIMEOUT_SECONDS)

    async def send(self, notification: Notification, tokens: list[str]) -> Outcome:
        try:
            await self._ensure_token()
        except (auth_exceptions.TransportError, auth_exceptions.RefreshError, TimeoutError) as exc:
            raise TransientPushError(f"credential refresh failed: {type(exc).__name__}") from None
        body = notification.contenu
        if len(body) > _BODY_MAX:
            body = body[: _BODY_MAX - 1] + "…"
        note = messaging.Notification(title=notification.titre, body=body)
        data = _data(notification)
        with warnings.catch_warnings():
            # firebase-admin 7 deprecates `token` for `fid` (installation ids); the app
            # registers FCM registration tokens, which are sent as `token` in FCM v1.
            warnings.simplefilter("ignore", DeprecationWarning)
            messages = [messaging.Message(token=t, notification=note, data=data) for t in tokens]
        try:
            batch = await messaging.send_each_async(messages, app=self._app)
        except exceptions.FirebaseError as exc:  # the whole batch failed unexpectedly
            raise TransientPushError(f"FCM batch failed: {type(exc).__name__}") from None
        outcome = Outcome()
        for token, response in zip(tokens, batch.responses, strict=True):
            error = response.exception
            if error is None:
                outcome.delivered += 1
            elif _dead_token(error):
                outcome.dead_tokens.append(token)
            elif isinstance(error, _TRANSIENT):
                outcome.transient += 1
            else:
                outcome.failed += 1
                logger.warning("push refused by FCM: %s", type(error).__name__)
        return outcome


class PushJob:
    """The `notification.push` handler (applies its effect once however often it runs)."""

    def __init__(self, db: Database, sender: FcmSender | None) -> None:
        self._db = db
        self._sender = sender

    async def __call__(self, job: Job) -> None:
        notification_id = int(job.payload["id_notification"])
        async with self._db.sessionmaker() as session:
            notification = await session.get(Notification, notification_id)
            if notification is None or notification.statut_push != "en_attente":
                return
            tokens = list(
                await session.scalars(
                    select(AppareilPush.fcm_token)
                    .where(AppareilPush.id_user == notification.id_user)
                    .order_by(AppareilPush.id)
                )
            )
        if self._sender is None or not tokens:
            await self._finish(job, notification_id, "echec", [])
            return
        try:
            outcome = await self._sender.send(notification, tokens)
        except TransientPushError:
            if job.attempt < job.max_attempts:
                raise
            outcome = Outcome(transient=len(tokens))
        await self._settle(job, notification_id, outcome)

    async def _settle(self, job: Job, notification_id: int, outcome: Outcome) -> None:
        # A device reached counts as sent: retrying the others would push twice to it.
        if outcome.transient and not outcome.delivered and job.attempt < job.max_attempts:
            await self._prune(outcome.dead_tokens)
            raise TransientPushError(f"FCM unavailable for {outcome.transient} device(s)")
        status = "envoye" if outcome.delivered else "echec"
        await self._finish(job, notification_id, status, outcome.dead_tokens)

    async def _prune(self, tokens: list[str]) -> None:
        if tokens:
            async with self._db.engine.begin() as connection:
                await connection.execute(
                    delete(AppareilPush).where(AppareilPush.fcm_token.in_(tokens))
                )

    async def _finish(self, job: Job, notification_id: int, status: str, dead: list[str]) -> None:
        async with self._db.engine.begin() as connection:
            if dead:
                await connection.execute(
                    delete(AppareilPush).where(AppareilPush.fcm_token.in_(dead))
                )
            await connection.execute(
                update(Notification)
                .where(
                    Notification.id_notification == notification_id,
                    Notification.statut_push == "en_attente",
                )
                .values(statut_push=status)
            )
            await queue.complete(connection, job.id)
        if dead:
            logger.info("pruned %d push token(s) FCM no longer accepts", len(dead))


def push_handlers(settings: Settings, db: Database) -> dict[str, PushHandler]:
    """The job handlers of push, to register with the app's Worker. With FIREBASE_CREDENTIALS
    set, the sessions of `db` enqueue pushes from then on; without, nothing is ever enqueued
    and the handler only settles jobs left from a configured past (as `echec`)."""
    sender = FcmSender.from_settings(settings)
    if sender is not None:
        db.sessionmaker.configure(info={_ENABLED: True})
    return {PUSH_JOB: PushJob(db, sender)}
