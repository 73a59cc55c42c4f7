"""The notice of a sign-in from a new device: an in-app notification (pushed when the person
has a device registered and push is configured) and an SMS or e-mail to their identifier.

Enqueued by the sign-in itself, in the statement that opens the session, only when the
device is new to the person's sessions of the last 90 days and they had an earlier session
(hostolink.auth.repository.open_session_token): the job exists if and only if the sign-in
committed, and it runs after, in the worker, so a slow or failing SMS never fails a sign-in.
The notification, the message and the job's completion commit together.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from hostolink.account.sessions import repository
from hostolink.auth.refresh_tokens import NEW_DEVICE_JOB
from hostolink.db import Database
from hostolink.jobs import queue
from hostolink.jobs.queue import Job
from hostolink.jobs.worker import Worker
from hostolink.kit.ip_place import UNKNOWN as UNKNOWN_PLACE
from hostolink.kit.user_agent import UNKNOWN as UNKNOWN_DEVICE
from hostolink.messaging.senders import OutgoingMessage, Senders
from hostolink.models import Utilisateur
from hostolink.notifications.service import notify

TITLE = "Nouvelle connexion à votre compte Hostolink"


def abidjan_time(moment: datetime) -> str:
    """`05/12/2026 à 09:30`: Abidjan keeps UTC all year (no daylight saving), so the UTC
    clock is Abidjan's without a time-zone database."""
    return moment.astimezone(UTC).strftime("%d/%m/%Y à %H:%M")


def notice_text(device: str, place: str, signed_in_at: datetime) -> str:
    return (
        f"Nouvelle connexion à votre compte Hostolink depuis {device}, {place}, "
        f"le {abidjan_time(signed_in_at)} (heure d'Abidjan). Si ce n'est pas vous, "
        "déconnectez cet appareil dans Profil > Appareils et sessions et changez votre "
        "mot de passe."
    )


class NewDeviceNotice:
    def __init__(self, db: Database, senders: Senders) -> None:
        self._db = db
        self._senders = senders

    async def run_job(self, job: Job) -> None:
        family = uuid.UUID(str(job.payload["famille"]))
        user_id = int(job.payload["id_user"])
        async with self._db.sessionmaker() as session, session.begin():
            token = await repository.first_token(session, family)
            user = await session.get(Utilisateur, user_id)
            if token is not None and user is not None and user.actif:
                text = notice_text(
                    token.appareil or UNKNOWN_DEVICE,
                    token.lieu or UNKNOWN_PLACE,
                    token.date_connexion,
                )
                await notify(
                    session,
                    user_id=user_id,
                    kind="systeme",
                    title=TITLE,
                    text=text,
                    data={"type": "nouvel_appareil", "session": str(family)},
                )
                message = _message(user, text)
                if message is not None:
                    await self._senders.send(session, message)
            await queue.complete(await session.connection(), job.id, attempt=job.attempt)


def _message(user: Utilisateur, text: str) -> OutgoingMessage | None:
    """To the person's phone when they have one, else to their e-mail."""
    if user.telephone:
        return OutgoingMessage(channel="sms", to=user.telephone, subject=None, text=text)
    if user.email:
        return OutgoingMessage(channel="email", to=user.email, subject=TITLE, text=text)
    return None


def install(worker: Worker, db: Database, senders: Senders) -> NewDeviceNotice:
    """The notice's job handler, on `worker`."""
    notice = NewDeviceNotice(db, senders)
    worker.handlers[NEW_DEVICE_JOB] = notice.run_job
    return notice
