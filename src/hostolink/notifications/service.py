"""In-app notifications written in the caller's transaction (comments, likes, expert
answers…): a notification exists exactly when what it announces has committed.

`notify` is the one entry point the domains call. When the person has a registered device
and push is configured, it also enqueues the push job in the same transaction (see push.py):
the push leaves after commit, never for a notification that rolled back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.errors import NotFound
from hostolink.kit.pagination import decode_cursor, encode_cursor
from hostolink.models import Notification
from hostolink.models.appareil_push import AppareilPush
from hostolink.notifications import push, repository


class NotificationNotFound(NotFound):
    message = "Notification introuvable."


class DeviceNotFound(NotFound):
    message = "Appareil introuvable."


async def notify(
    session: AsyncSession,
    *,
    user_id: int,
    kind: str,
    title: str,
    text: str,
    data: dict[str, Any] | None = None,
    publication_id: int | None = None,
    comment_id: int | None = None,
    message_id: int | None = None,
) -> Notification:
    """Record a notification for `user_id` (`kind`: one of models.notification's
    TYPES_NOTIFICATION; at most one of the linked ids), and its push when due."""
    wants_push = await push.wants_push(session, user_id=user_id)
    row = Notification(
        id_user=user_id,
        type_notification=kind,
        titre=title,
        contenu=text,
        donnees=data or {},
        id_publication=publication_id,
        id_commentaire=comment_id,
        id_message=message_id,
        statut_push="en_attente" if wants_push else "non_requis",
    )
    session.add(row)
    await session.flush()
    if wants_push:
        await push.enqueue_push(session, row.id_notification)
    return row


async def inbox(
    session: AsyncSession, *, user_id: int, limit: int, cursor: str | None, unread_only: bool
) -> tuple[list[Notification], str | None]:
    after: tuple[datetime, int] | None = decode_cursor(cursor) if cursor else None
    rows = await repository.page(
        session, user_id=user_id, limit=limit + 1, after=after, unread_only=unread_only
    )
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = encode_cursor(rows[-1].date_creation, rows[-1].id_notification)
    return rows, following


async def mark_read(session: AsyncSession, *, user_id: int, notification_id: int) -> Notification:
    row = await repository.mark_read(session, user_id=user_id, notification_id=notification_id)
    if row is None:  # someone else's is as absent as a missing one
        raise NotificationNotFound
    return row


async def register_device(
    session: AsyncSession, *, user_id: int, token: str, platform: str | None
) -> AppareilPush:
    return await repository.register_device(
        session, user_id=user_id, token=token, platform=platform
    )


async def forget_device(session: AsyncSession, *, user_id: int, token: str) -> None:
    if not await repository.forget_device(session, user_id=user_id, token=token):
        raise DeviceNotFound
