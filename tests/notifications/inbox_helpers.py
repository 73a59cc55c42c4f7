"""People with their user id, and notifications written the way the domains write them
(through `notify`, in a session of the app's own database)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.notifications.service import notify
from tests.factories import Member, user_id_of
from tests.wallet.helpers import Person, person


@dataclass(frozen=True)
class Someone(Member):
    """A member, with their wallet."""

    who: Person


async def someone(client: httpx.AsyncClient, engine: AsyncEngine, n: int) -> Someone:
    who = await person(client, engine, n)
    return Someone(await user_id_of(engine, "telephone", who.phone), who.token, who)


async def write_notification(app: Any, user_id: int, title: str = "Bonjour", **extra: Any) -> int:
    async with app.state.db.sessionmaker() as session, session.begin():
        row = await notify(
            session, user_id=user_id, kind="systeme", title=title, text=f"Texte {title}", **extra
        )
        return int(row.id_notification)


async def notification_row(engine: AsyncEngine, notification_id: int) -> dict[str, Any]:
    async with engine.connect() as connection:
        row = (
            (
                await connection.execute(
                    text("SELECT * FROM notification WHERE id_notification = :i"),
                    {"i": notification_id},
                )
            )
            .mappings()
            .one()
        )
    return dict(row)
