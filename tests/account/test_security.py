"""Change the secret while signed in: POST /api/mon-compte/mot-de-passe."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import PASSWORD, assert_failure, bearer, onboard
from tests.factories import scalar

PHONE = "0701020304"
E164 = "+2250701020304"
ROUTE = "/api/mon-compte/mot-de-passe"
NEW = "739164"


def _body(current: str = PASSWORD, new: str = NEW, confirmation: str | None = None) -> Any:
    return {
        "mot_de_passe_actuel": current,
        "nouveau_mot_de_passe": new,
        "confirmation": new if confirmation is None else confirmation,
    }


async def _login(client: httpx.AsyncClient, secret: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"identifier": PHONE, "password": secret})


@pytest.fixture
async def signed_in(client: httpx.AsyncClient, db_engine: AsyncEngine) -> dict[str, Any]:
    """A verified person with this session (from verify-otp) and another one (a login)."""
    here = await onboard(client, db_engine, PHONE, E164)
    other = (await _login(client, PASSWORD)).json()
    return {"here": here, "other": other}


class TestChangePassword:
    async def test_changes_it_ends_the_other_sessions_keeps_this_one(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, signed_in: dict[str, Any]
    ) -> None:
        here, other = signed_in["here"], signed_in["other"]
        response = await client.post(ROUTE, json=_body(), headers=bearer(here["token"]))
        assert response.status_code == 200, response.text
        assert response.json() == {
            "success": True,
            "message": "Mot de passe changé (1 autre session fermée).",
            "sessions_terminees": 1,
        }
        # The old secret is refused, the new one accepted (login and verify-pin).
        assert_failure(await _login(client, PASSWORD), 401, "BadCredentials")
        assert (await _login(client, NEW)).status_code == 200
        pin = await client.post("/api/verify-pin", json={"identifier": PHONE, "pin": NEW})
        assert pin.status_code == 200
        # The other session ends at once: its access token and its refresh token.
        me = await client.get("/api/user/me", headers=bearer(other["token"]))
        assert_failure(me, 401, "SessionEnded")
        refreshed = await client.post(
            "/api/auth/refresh", json={"refresh_token": other["refresh_token"]}
        )
        assert_failure(refreshed, 401)
        # This session goes on, and can still be refreshed.
        assert (await client.get("/api/user/me", headers=bearer(here["token"]))).status_code == 200
        refreshed = await client.post(
            "/api/auth/refresh", json={"refresh_token": here["refresh_token"]}
        )
        assert refreshed.status_code == 200, refreshed.text
        # The person is told, in the app and by SMS.
        notice = await scalar(
            db_engine, "SELECT contenu FROM notification WHERE type_notification = 'systeme'"
        )
        assert notice.startswith("Votre mot de passe Hostolink a été changé. Si ce n'est pas vous")
        sms = await scalar(
            db_engine,
            "SELECT corps FROM message_sortant WHERE destinataire = :to ORDER BY id DESC LIMIT 1",
            to=E164,
        )
        assert sms == notice
        assert len(sms) <= 160

    async def test_a_password_variant_and_an_e_mail_notice(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        tokens = await onboard(client, db_engine, "awa@exemple.ci", "awa@exemple.ci", "4827")
        body = _body(current="4827", new="Un nouveau mot de passe")
        response = await client.post(ROUTE, json=body, headers=bearer(tokens["token"]))
        assert response.status_code == 200, response.text
        assert response.json()["sessions_terminees"] == 0
        subject = await scalar(
            db_engine, "SELECT sujet FROM message_sortant ORDER BY id DESC LIMIT 1"
        )
        assert subject == "Votre mot de passe Hostolink a été changé"

    async def test_wrong_current_is_401_and_counts_towards_the_lock(
        self, client: httpx.AsyncClient, signed_in: dict[str, Any]
    ) -> None:
        headers = bearer(signed_in["here"]["token"])
        for _ in range(4):
            response = await client.post(ROUTE, json=_body(current="pas le bon"), headers=headers)
            assert_failure(response, 401, "WrongCurrentPassword")
            assert response.json()["message"] == "Mot de passe actuel incorrect."
        assert_failure(
            await client.post(ROUTE, json=_body(current="pas le bon"), headers=headers), 423
        )
        # Locked: even the right one is refused, and login too (the same counter).
        assert_failure(await client.post(ROUTE, json=_body(), headers=headers), 423, "Locked")
        assert_failure(await _login(client, PASSWORD), 423)
        # Nothing changed: the session is still open.
        assert (await client.get("/api/user/me", headers=headers)).status_code == 200

    async def test_login_failures_count_for_the_change_too(
        self, client: httpx.AsyncClient, signed_in: dict[str, Any]
    ) -> None:
        for _ in range(5):
            await _login(client, "pas le bon")
        headers = bearer(signed_in["here"]["token"])
        assert_failure(await client.post(ROUTE, json=_body(), headers=headers), 423, "Locked")

    @pytest.mark.parametrize(
        ("body", "why"),
        [
            (_body(new="1234"), "suites"),
            (_body(new="0304"), "identifiant"),
            (_body(new="1234567"), "4 à 6 chiffres"),
            (_body(new="court"), "au moins 8"),
            (_body(confirmation="739165"), "ne correspondent pas"),
            (_body(new=PASSWORD), "différent"),
        ],
    )
    async def test_the_new_secret_follows_the_policy(
        self,
        client: httpx.AsyncClient,
        signed_in: dict[str, Any],
        body: dict[str, str],
        why: str,
    ) -> None:
        headers = bearer(signed_in["here"]["token"])
        response = await client.post(ROUTE, json=body, headers=headers)
        assert_failure(response, 422, "ValidationError")
        assert why in response.json()["message"], response.json()
        assert (await _login(client, PASSWORD)).status_code == 200

    async def test_needs_a_signed_in_caller(self, client: httpx.AsyncClient) -> None:
        assert_failure(await client.post(ROUTE, json=_body()), 401)
