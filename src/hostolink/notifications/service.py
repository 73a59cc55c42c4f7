"""In-app notifications written in the caller's transaction (comments, likes, expert
answers…): a notification exists exactly when what it announces has committed.

`notify` is the one entry point the domains call; pushing to the person's devices is
added on top of it (the durable job queue, after commit)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import Notification


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
    TYPES_NOTIFICATION; at most one of the linked ids)."""
    row = Notification(
        id_user=user_id,
        type_notification=kind,
        titre=title,
        contenu=text,
        donnees=data or {},
        id_publication=publication_id,
        id_commentaire=comment_id,
        id_message=message_id,
    )
    session.add(row)
    await session.flush()
    return row
