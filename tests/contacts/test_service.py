"""The contacts service as the wallet calls it: `resolve_contact` (a transfer to a saved
contact) and `touch_last_sent` (on a connection or a session)."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.contacts import service
from hostolink.contacts.errors import ContactNotFound
from hostolink.errors import NotFound
from tests.contacts.helpers import Person, contacts_of, saved


async def _last_sent(engine: AsyncEngine, owner: Person, target: Person) -> datetime | None:
    async with engine.connect() as connection:
        value: datetime | None = await connection.scalar(
            text(
                "SELECT date_dernier_envoi FROM contacts_enregistres"
                " WHERE id_user = :owner AND id_user_contact = :target"
            ),
            {"owner": owner.id_user, "target": target.id_user},
        )
    return value


class TestResolveContact:
    async def test_my_contact_is_its_person(
        self, client: httpx.AsyncClient, db_session: AsyncSession, me: Person, awa: Person
    ) -> None:
        contact = await saved(client, me, awa)

        user_id = await service.resolve_contact(
            db_session, owner_id=me.id_user, contact_id=contact["id_contact"]
        )

        assert user_id == awa.id_user

    async def test_someone_else_contact_is_not_found(
        self, client: httpx.AsyncClient, db_session: AsyncSession, me: Person, awa: Person
    ) -> None:
        contact = await saved(client, me, awa)

        with pytest.raises(ContactNotFound) as raised:
            await service.resolve_contact(
                db_session, owner_id=awa.id_user, contact_id=contact["id_contact"]
            )

        assert isinstance(raised.value, NotFound)
        assert raised.value.status == 404
        assert raised.value.message == "Contact introuvable."


class TestTouchLastSent:
    async def test_on_a_connection(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person, awa: Person
    ) -> None:
        await saved(client, me, awa)
        assert await _last_sent(db_engine, me, awa) is None

        async with db_engine.begin() as connection:
            await service.touch_last_sent(connection, pairs=[(me.id_user, awa.id_user)])

        assert await _last_sent(db_engine, me, awa) is not None
        assert (await contacts_of(client, me))[0]["date_dernier_envoi"] is not None

    async def test_on_a_session(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person, awa: Person
    ) -> None:
        await saved(client, me, awa)

        async with AsyncSession(db_engine) as session, session.begin():
            await service.touch_last_sent(session, pairs=[(me.id_user, awa.id_user)])

        assert await _last_sent(db_engine, me, awa) is not None

    async def test_only_that_pair(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person, awa: Person
    ) -> None:
        await saved(client, me, awa)
        await saved(client, awa, me)

        async with db_engine.begin() as connection:
            await service.touch_last_sent(connection, pairs=[(me.id_user, awa.id_user)])

        assert await _last_sent(db_engine, me, awa) is not None
        assert await _last_sent(db_engine, awa, me) is None

    async def test_not_saved_is_a_no_op(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, me: Person, awa: Person
    ) -> None:
        async with db_engine.begin() as connection:
            await service.touch_last_sent(connection, pairs=[(me.id_user, awa.id_user)])

        assert await contacts_of(client, me) == []
