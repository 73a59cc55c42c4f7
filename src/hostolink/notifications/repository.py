"""Every query of the inbox and of the push devices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import Notification
from hostolink.models.appareil_push import AppareilPush


async def page(
    session: AsyncSession,
    *,
    user_id: int,
    limit: int,
    after: tuple[datetime, int] | None,
    unread_only: bool,
) -> list[Notification]:
    """Newest first on (date_creation, id) — the order of ix_notification_id_user_date."""
    query = select(Notification).where(Notification.id_user == user_id)
    if unread_only:
        query = query.where(Notification.est_lu.is_(False))
    if after is not None:
        query = query.where(
            tuple_(Notification.date_creation, Notification.id_notification) < tuple_(*after)
        )
    query = query.order_by(
        Notification.date_creation.desc(), Notification.id_notification.desc()
    ).limit(limit)
    return list(await session.scalars(query))


async def unread_count(session: AsyncSession, *, user_id: int) -> int:
    # `NOT est_lu` spelled as the partial index's predicate, so the planner can use it.
    query = select(func.count()).where(Notification.id_user == user_id, ~Notification.est_lu)
    return int(await session.scalar(query) or 0)


async def mark_read(
    session: AsyncSession, *, user_id: int, notification_id: int
) -> Notification | None:
    """Read once: a second call keeps the first reading date (est_lu = date_lecture IS NOT NULL)."""
    query = (
        update(Notification)
        .where(Notification.id_notification == notification_id, Notification.id_user == user_id)
        .values(est_lu=True, date_lecture=func.coalesce(Notification.date_lecture, func.now()))
        .returning(Notification)
        .execution_options(synchronize_session=False)
    )
    return (await session.scalars(query)).first()


async def mark_all_read(session: AsyncSession, *, user_id: int) -> int:
    query = (
        update(Notification)
        .where(Notification.id_user == user_id, ~Notification.est_lu)
        .values(est_lu=True, date_lecture=func.now())
        .returning(Notification.id_notification)
        .execution_options(synchronize_session=False)
    )
    return len((await session.scalars(query)).all())


async def has_device(session: AsyncSession, *, user_id: int) -> bool:
    query = select(exists().where(AppareilPush.id_user == user_id))
    return bool(await session.scalar(query))


async def register_device(
    session: AsyncSession, *, user_id: int, token: str, platform: str | None
) -> AppareilPush:
    """A token belongs to whoever registered it last (a phone changes hands)."""
    statement = insert(AppareilPush).values(
        id_user=user_id, fcm_token=token, plateforme=platform, date_derniere_activite=func.now()
    )
    upsert = statement.on_conflict_do_update(
        index_elements=[AppareilPush.fcm_token],
        set_={
            "id_user": statement.excluded.id_user,
            "plateforme": func.coalesce(statement.excluded.plateforme, AppareilPush.plateforme),
            "date_derniere_activite": func.now(),
        },
    ).returning(AppareilPush)
    query = select(AppareilPush).from_statement(upsert).execution_options(populate_existing=True)
    row: AppareilPush = (await session.scalars(query)).one()
    return row


async def forget_device(session: AsyncSession, *, user_id: int, token: str) -> bool:
    query = (
        delete(AppareilPush)
        .where(AppareilPush.fcm_token == token, AppareilPush.id_user == user_id)
        .returning(AppareilPush.id)
    )
    return (await session.scalars(query)).first() is not None
