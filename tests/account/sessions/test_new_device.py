"""A sign-in from a device the person's recent sessions never used tells them: an in-app
notification and an SMS (or e-mail) to their identifier, sent by a job after the sign-in
committed. The first session after registration, and a known device, tell nothing."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.auth.refresh_tokens import NEW_DEVICE_JOB
from tests.account.sessions.helpers import APP_ANDROID, CHROME_WINDOWS, device, login
from tests.auth.helpers import PASSWORD, bearer, onboard
from tests.factories import execute, scalar
from tests.notifications.test_push import Fcm

PHONE = "+2250701020321"
EMAIL = "awa.kone@example.ci"


async def _jobs(engine: AsyncEngine) -> int:
    return int(await scalar(engine, "SELECT count(*) FROM tache WHERE nom = :n", n=NEW_DEVICE_JOB))


async def _notices(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.scalars(
            text(
                "SELECT contenu FROM notification WHERE type_notification = 'systeme'"
                " AND donnees->>'type' = 'nouvel_appareil' ORDER BY id_notification"
            )
        )
        return list(rows)


async def _messages(engine: AsyncEngine, to: str) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.scalars(
            text(
                "SELECT corps FROM message_sortant WHERE destinataire = :to"
                " AND corps LIKE 'Nouvelle connexion%' ORDER BY id"
            ),
            {"to": to},
        )
        return list(rows)


class TestNewDevice:
    async def test_a_new_device_is_told_in_app_and_by_sms(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        assert await _jobs(db_engine) == 0  # the first session after registration

        async with device(app, CHROME_WINDOWS) as web:
            await login(web, PHONE)
        assert await _jobs(db_engine) == 1
        await app.state.worker.drain()

        (notice,) = await _notices(db_engine)
        assert notice.startswith(
            "Nouvelle connexion à votre compte Hostolink depuis Chrome sur Windows, "
            "Côte d'Ivoire, le "
        )
        assert "(heure d'Abidjan). Si ce n'est pas vous" in notice
        assert await _messages(db_engine, PHONE) == [notice]
        done = await scalar(db_engine, "SELECT statut FROM tache WHERE nom = :n", n=NEW_DEVICE_JOB)
        assert done == "terminee"

    async def test_a_device_already_seen_tells_nothing_even_once_ended(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        async with device(app, APP_ANDROID) as phone:
            first = await login(phone, PHONE)
            await phone.post("/api/auth/logout", json={"refresh_token": first["refresh_token"]})
            await login(phone, PHONE)
        assert await _jobs(db_engine) == 1  # the first Android sign-in only

    async def test_a_device_last_seen_beyond_the_window_is_new_again(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        async with device(app, APP_ANDROID) as phone:
            await login(phone, PHONE)
            await execute(
                db_engine,
                "UPDATE jeton_rafraichissement SET date_connexion = now() - interval '91 days'"
                " WHERE appareil = :d",
                d="Android · application Hostolink",
            )
            await login(phone, PHONE)
        assert await _jobs(db_engine) == 2

    async def test_an_e_mail_account_is_told_by_e_mail(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, EMAIL, EMAIL)
        async with device(app, APP_ANDROID) as phone:
            await login(phone, EMAIL)
        await app.state.worker.drain()
        (message,) = await _messages(db_engine, EMAIL)
        assert "depuis Android · application Hostolink, Côte d'Ivoire" in message
        subject = await scalar(
            db_engine,
            "SELECT sujet FROM message_sortant WHERE destinataire = :to ORDER BY id DESC LIMIT 1",
            to=EMAIL,
        )
        assert subject == "Nouvelle connexion à votre compte Hostolink"

    async def test_a_refused_sign_in_tells_nothing(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        async with device(app, CHROME_WINDOWS) as web:
            refused = await web.post(
                "/api/auth/login", json={"identifier": PHONE, "password": PASSWORD + "x"}
            )
        assert refused.status_code == 401
        assert await _jobs(db_engine) == 0

    async def test_a_notice_for_a_suspended_person_is_dropped(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        async with device(app, CHROME_WINDOWS) as web:
            await login(web, PHONE)
        await execute(db_engine, "UPDATE utilisateur SET actif = false")
        await app.state.worker.drain()
        assert await _notices(db_engine) == []
        assert await _messages(db_engine, PHONE) == []
        done = await scalar(db_engine, "SELECT statut FROM tache WHERE nom = :n", n=NEW_DEVICE_JOB)
        assert done == "terminee"

    async def test_sessions_from_before_devices_were_recorded_tell_nothing(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        # As after the upgrade: the earlier session has no device.
        await execute(db_engine, "UPDATE jeton_rafraichissement SET appareil = NULL")
        async with device(app, CHROME_WINDOWS) as web:
            await login(web, PHONE)
        assert await _jobs(db_engine) == 0
        async with device(app, APP_ANDROID) as phone:
            await login(phone, PHONE)  # now the browser's session is a known one
        assert await _jobs(db_engine) == 1


class TestPush:
    async def test_the_notice_is_pushed_to_the_persons_phone(
        self,
        push_app: Any,
        push_client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        fcm: Fcm,
    ) -> None:
        first = await onboard(push_client, db_engine, PHONE, PHONE)
        registered = await push_client.post(
            "/api/appareils",
            json={"jeton": "tok-awa", "plateforme": "android"},
            headers=bearer(first["token"]),
        )
        assert registered.status_code == 200, registered.text
        async with device(push_app, CHROME_WINDOWS) as web:
            await login(web, PHONE)

        await push_app.state.worker.drain()

        (message,) = fcm.sent
        assert message["token"] == "tok-awa"
        assert message["notification"]["title"] == "Nouvelle connexion à votre compte Hostolink"
        assert "depuis Chrome sur Windows, Côte d'Ivoire" in message["notification"]["body"]
        pushed = await scalar(
            db_engine, "SELECT statut_push FROM notification WHERE type_notification = 'systeme'"
        )
        assert pushed == "envoye"
