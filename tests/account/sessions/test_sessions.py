"""My devices and sessions through the API: the list (device, place, masked address, last
seen, this one marked), ending one, ending all the others; an ended session's access token
answers 401 `SessionEnded` at its next request and its refresh token is refused."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.account.sessions.helpers import (
    APP_ANDROID,
    CHROME_WINDOWS,
    SAFARI_IPHONE,
    SESSIONS,
    device,
    login,
)
from tests.auth.helpers import assert_failure, bearer, onboard
from tests.factories import execute, scalar

PHONE = "+2250701020311"
OTHER = "+2250701020312"
ME = "/api/user/me"


async def _sessions(http: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    answer = await http.get(SESSIONS, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["success"] is True
    sessions: list[dict[str, Any]] = body["data"]["sessions"]
    return sessions


class TestList:
    async def test_each_sign_in_is_a_session_with_its_device_place_and_last_seen(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)  # python-httpx, from 127.0.0.1
        async with device(app, CHROME_WINDOWS) as web, device(app, APP_ANDROID) as phone:
            browser = await login(web, PHONE)
            mobile = await login(phone, PHONE)

            listed = await _sessions(phone, mobile["token"])

        assert [s["appareil"] for s in listed] == [
            "Android · application Hostolink",
            "Chrome sur Windows",
            "Client HTTP",
        ]
        assert [s["courante"] for s in listed] == [True, False, False]
        assert [s["lieu"] for s in listed] == ["Côte d'Ivoire", "Côte d'Ivoire", "Réseau local"]
        assert [s["adresse_masquee"] for s in listed] == ["196.47.x.x", "196.47.x.x", "127.0.x.x"]
        for session in listed:
            assert session["date_connexion"] == session["derniere_activite"]
        # The ids are the sessions' own, one per sign-in.
        assert len({s["id"] for s in listed}) == 3
        assert browser["token"] != mobile["token"]
        stored = await scalar(
            db_engine,
            "SELECT agent_utilisateur FROM jeton_rafraichissement WHERE appareil = :d",
            d="Chrome sur Windows",
        )
        assert stored == CHROME_WINDOWS

    async def test_a_refresh_moves_last_seen_and_keeps_the_sign_in(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        async with device(app, SAFARI_IPHONE) as phone:
            tokens = await login(phone, PHONE)
            # The sign-in an hour ago: a refresh now is the session's last activity.
            await execute(
                db_engine,
                "UPDATE jeton_rafraichissement SET date_connexion = date_connexion - interval"
                " '1 hour', date_creation = date_creation - interval '1 hour'",
            )
            before = await _sessions(phone, tokens["token"])
            refreshed = await phone.post(
                "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            )
            assert refreshed.status_code == 200
            after = await _sessions(phone, refreshed.json()["token"])

        mine = next(s for s in after if s["courante"])
        was = next(s for s in before if s["courante"])
        assert mine["id"] == was["id"]
        assert mine["appareil"] == "iPhone · Safari"
        assert mine["date_connexion"] == was["date_connexion"]
        assert mine["derniere_activite"] > was["derniere_activite"]
        assert len(after) == 2  # still one row per session, not per rotated token

    async def test_ended_and_expired_sessions_are_not_listed(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        first = await onboard(client, db_engine, PHONE, PHONE)
        async with device(app, CHROME_WINDOWS) as web:
            gone = await login(web, PHONE)
            await web.post("/api/auth/logout", json={"refresh_token": gone["refresh_token"]})
            expiring = await login(web, PHONE)
        await execute(
            db_engine,
            "UPDATE jeton_rafraichissement SET date_expiration = now() - interval '1 second'"
            " WHERE famille = (SELECT famille FROM jeton_rafraichissement ORDER BY id DESC"
            " LIMIT 1)",
        )
        listed = await _sessions(client, first["token"])
        assert [s["courante"] for s in listed] == [True]
        assert expiring["token"]

    async def test_a_person_sees_only_their_own(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        mine = await onboard(client, db_engine, PHONE, PHONE)
        await onboard(client, db_engine, OTHER, OTHER)
        assert len(await _sessions(client, mine["token"])) == 1

    async def test_without_a_token_it_is_401(self, client: httpx.AsyncClient) -> None:
        assert_failure(await client.get(SESSIONS), 401)


class TestEndOne:
    async def test_the_other_device_is_signed_out_at_its_next_request(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        async with device(app, APP_ANDROID) as phone, device(app, CHROME_WINDOWS) as web:
            mobile = await login(phone, PHONE)
            browser = await login(web, PHONE)
            target = next(
                s
                for s in await _sessions(phone, mobile["token"])
                if s["appareil"] == "Chrome sur Windows"
            )

            ended = await phone.delete(
                f"{SESSIONS}/{target['id']}", headers=bearer(mobile["token"])
            )

            assert ended.status_code == 200, ended.text
            assert ended.json() == {
                "success": True,
                "message": "Session déconnectée.",
                "data": {"courante": False},
            }
            assert_failure(await web.get(ME, headers=bearer(browser["token"])), 401, "SessionEnded")
            refused = await web.post(
                "/api/auth/refresh", json={"refresh_token": browser["refresh_token"]}
            )
            assert_failure(refused, 401)
            # This device goes on.
            assert (await phone.get(ME, headers=bearer(mobile["token"]))).status_code == 200
            again = await phone.delete(
                f"{SESSIONS}/{target['id']}", headers=bearer(mobile["token"])
            )
            assert_failure(again, 404)
            assert again.json()["message"] == "Session introuvable ou déjà terminée."

    async def test_ending_this_session_is_a_logout(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        tokens = await onboard(client, db_engine, PHONE, PHONE)
        (mine,) = await _sessions(client, tokens["token"])

        ended = await client.delete(f"{SESSIONS}/{mine['id']}", headers=bearer(tokens["token"]))

        assert ended.status_code == 200
        assert ended.json()["data"] == {"courante": True}
        assert_failure(await client.get(ME, headers=bearer(tokens["token"])), 401, "SessionEnded")

    async def test_another_persons_session_is_404_and_stays_open(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        victim = await onboard(client, db_engine, PHONE, PHONE)
        intruder = await onboard(client, db_engine, OTHER, OTHER)
        (target,) = await _sessions(client, victim["token"])

        answer = await client.delete(
            f"{SESSIONS}/{target['id']}", headers=bearer(intruder["token"])
        )

        assert_failure(answer, 404)
        assert (await client.get(ME, headers=bearer(victim["token"]))).status_code == 200
        assert len(await _sessions(client, victim["token"])) == 1

    async def test_an_unknown_or_malformed_id(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        tokens = await onboard(client, db_engine, PHONE, PHONE)
        unknown = f"{SESSIONS}/00000000-0000-4000-8000-000000000000"
        assert_failure(await client.delete(unknown, headers=bearer(tokens["token"])), 404)
        assert_failure(await client.delete(f"{SESSIONS}/abc", headers=bearer(tokens["token"])), 422)


class TestEndOthers:
    async def test_every_other_session_ends_and_this_one_goes_on(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        first = await onboard(client, db_engine, PHONE, PHONE)
        other_person = await onboard(client, db_engine, OTHER, OTHER)
        async with device(app, APP_ANDROID) as phone, device(app, CHROME_WINDOWS) as web:
            mobile = await login(phone, PHONE)
            browser = await login(web, PHONE)
            # A refreshed session counts once.
            refreshed = await web.post(
                "/api/auth/refresh", json={"refresh_token": browser["refresh_token"]}
            )
            assert refreshed.status_code == 200

            answer = await phone.post(
                f"{SESSIONS}/deconnexion-autres", headers=bearer(mobile["token"])
            )

            assert answer.status_code == 200, answer.text
            assert answer.json() == {
                "success": True,
                "message": "2 autres sessions déconnectées.",
                "data": {"deconnectees": 2},
            }
            for token in (first["token"], browser["token"], refreshed.json()["token"]):
                assert_failure(await client.get(ME, headers=bearer(token)), 401, "SessionEnded")
            assert [s["courante"] for s in await _sessions(phone, mobile["token"])] == [True]
            # Another person's sessions are untouched.
            assert (await client.get(ME, headers=bearer(other_person["token"]))).status_code == 200

            alone = await phone.post(
                f"{SESSIONS}/deconnexion-autres", headers=bearer(mobile["token"])
            )
            assert alone.json()["data"] == {"deconnectees": 0}
            assert alone.json()["message"] == "Aucun autre appareil n'était connecté."
