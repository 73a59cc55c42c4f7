"""The owner's onboarding contract (API_CONTRACT.md): every route, alias and writing."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import (
    PASSWORD,
    assert_failure,
    bearer,
    count,
    count_user_wallets,
    onboard,
    register,
)
from tests.conftest import outbox_code

IVORIAN_WRITINGS = [
    "0701020304",
    "07 01 02 03 04",
    "+2250701020304",
    "002250701020304",
    "2250701020304",
]


class TestCheckUser:
    @pytest.mark.parametrize("path", ["/api/check-user", "/admin/utilisateurs/check-user"])
    async def test_unknown_then_known(self, client: httpx.AsyncClient, path: str) -> None:
        response = await client.post(path, json={"identifier": "07 01 02 03 04"})
        assert response.status_code == 200
        assert response.json() == {
            "success": True,
            "exists": False,
            "identifier": "+2250701020304",
            "has_password": False,
        }
        await client.post("/api/register-user", json={"identifier": "0701020304"})
        body = (await client.post(path, json={"identifier": "002250701020304"})).json()
        assert body["exists"] is True
        assert body["has_password"] is False

    @pytest.mark.parametrize("writing", IVORIAN_WRITINGS)
    async def test_every_writing_finds_the_same_person(
        self, client: httpx.AsyncClient, writing: str
    ) -> None:
        await register(client, "+2250701020304")
        body = (await client.post("/api/check-user", json={"identifier": writing})).json()
        assert body == {
            "success": True,
            "exists": True,
            "identifier": "+2250701020304",
            "has_password": True,
        }

    async def test_email_is_trimmed_and_lower_cased(self, client: httpx.AsyncClient) -> None:
        await register(client, "testemail@gmail.com")
        body = (
            await client.post("/api/check-user", json={"identifier": "  TestEmail@GMAIL.com "})
        ).json()
        assert body["exists"] is True
        assert body["identifier"] == "testemail@gmail.com"


class TestRegister:
    async def test_creates_person_wallet_and_role(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        response = await client.post(
            "/api/register-user",
            json={"identifier": "07 01 02 03 04", "fcm_token": "fcm-abc", "id_user": "ignored"},
        )
        assert response.status_code == 201
        body = response.json()
        assert body["success"] is True
        assert body["message"] == (
            "Utilisateur inscrit, redirection vers la définition du mot de passe."
        )
        async with db_engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT u.telephone, u.email, u.mdp, c.solde, c.devise, c.statut,"
                        " c.numero_compte, r.code"
                        " FROM utilisateur u JOIN compte c USING (id_user)"
                        " JOIN utilisateur_role ur USING (id_user)"
                        " JOIN role_permission r USING (id_role) WHERE u.id_user = :id"
                    ),
                    {"id": body["id_user"]},
                )
            ).one()
        assert row[:6] == ("+2250701020304", None, None, 0, "XOF", "actif")
        assert row.numero_compte.startswith("HL")
        assert row.code == "user"
        assert await count(db_engine, "appareil_push") == 1

    @pytest.mark.parametrize("writing", IVORIAN_WRITINGS)
    async def test_same_person_in_another_writing_is_a_conflict(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, writing: str
    ) -> None:
        await client.post("/api/register-user", json={"identifier": "0701020304"})
        response = await client.post("/api/register-user", json={"identifier": writing})
        assert_failure(response, 409, "IdentifierTaken")
        assert await count(db_engine, "utilisateur") == 1
        assert await count_user_wallets(db_engine) == 1


class TestDefinePassword:
    async def test_sets_password_and_sends_code_by_sms(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await client.post("/api/register-user", json={"identifier": "0701020304"})
        response = await client.post(
            "/api/define-password",
            json={
                "identifier": "07 01 02 03 04",
                "password": PASSWORD,
                "confirmPassword": PASSWORD,
            },
        )
        assert response.status_code == 200
        assert response.json() == {
            "success": True,
            "message": "Mot de passe défini. Un code de vérification a été envoyé par SMS.",
        }
        assert len(await outbox_code(db_engine, "+2250701020304")) == 6

    async def test_email_gets_code_by_email(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await client.post("/api/register-user", json={"identifier": "awa@example.com"})
        response = await client.post(
            "/api/define-password", json={"identifier": "awa@example.com", "password": PASSWORD}
        )
        assert response.json()["message"].endswith("envoyé par email.")
        await outbox_code(db_engine, "awa@example.com")

    async def test_confirmation_must_match(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await client.post("/api/register-user", json={"identifier": "0701020304"})
        response = await client.post(
            "/api/define-password",
            json={"identifier": "0701020304", "password": PASSWORD, "confirmPassword": "autre"},
        )
        assert_failure(response, 422, "ValidationError")
        assert "correspondent" in response.json()["message"]
        async with db_engine.connect() as connection:
            assert await connection.scalar(text("SELECT mdp FROM utilisateur")) is None
        assert await count(db_engine, "otp") == 0

    async def test_too_short(self, client: httpx.AsyncClient) -> None:
        await client.post("/api/register-user", json={"identifier": "0701020304"})
        response = await client.post(
            "/api/define-password", json={"identifier": "0701020304", "password": "abc1234"}
        )
        assert_failure(response, 422, "ValidationError")

    async def test_unknown_identifier(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/define-password", json={"identifier": "0701020304", "password": PASSWORD}
        )
        assert_failure(response, 404, "UnknownAccount")

    async def test_nobody_overwrites_a_verified_password(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, "0701020304", "+2250701020304")
        response = await client.post(
            "/api/define-password", json={"identifier": "0701020304", "password": "Pirate-2026!"}
        )
        assert_failure(response, 409, "PasswordAlreadySet")
        login = await client.post(
            "/api/auth/login", json={"identifier": "0701020304", "password": PASSWORD}
        )
        assert login.status_code == 200

    async def test_unverified_account_may_restart_enrolment(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await register(client, "0701020304")
        # The resend throttle would refuse a second code within a minute: age the first one.
        await _age_codes(db_engine)
        response = await client.post(
            "/api/define-password", json={"identifier": "0701020304", "password": "Nouveau-2026!"}
        )
        assert response.status_code == 200


class TestGenerateOtp:
    @pytest.mark.parametrize("path", ["/api/generate-otp", "/api/generate"])
    async def test_sends_a_code_never_returns_it(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, path: str
    ) -> None:
        await client.post("/api/register-user", json={"identifier": "0701020304"})
        response = await client.post(path, json={"identifier": "0701020304"})
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is True
        assert body["moyen"] == "sms"
        code = await outbox_code(db_engine, "+2250701020304")
        assert code not in response.text

    async def test_channel_without_destination(self, client: httpx.AsyncClient) -> None:
        await client.post("/api/register-user", json={"identifier": "0701020304"})
        response = await client.post(
            "/api/generate-otp", json={"identifier": "0701020304", "moyen_envoyer": "email"}
        )
        assert_failure(response, 400, "ChannelUnavailable")

    async def test_unknown_identifier(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/generate-otp", json={"identifier": "0701020304"})
        assert_failure(response, 404)


class TestVerifyOtp:
    @pytest.mark.parametrize("path", ["/api/verify-otp", "/api/verify"])
    async def test_valid_code_verifies_and_opens_a_session(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, path: str
    ) -> None:
        await register(client, "0701020304")
        code = await outbox_code(db_engine, "+2250701020304")
        response = await client.post(path, json={"identifier": "+2250701020304", "otpCode": code})
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is True
        assert body["message"] == "Code OTP valide"
        assert body["token"]
        assert body["refresh_token"]
        me = await client.get("/api/user/me", headers=bearer(body["token"]))
        assert me.json()["data"]["compte_verifier"] is True
        assert await count(db_engine, "verification_compte") == 1


class TestVerifyPin:
    @pytest.mark.parametrize("field", ["pin", "otpCode"])
    async def test_right_pin(self, client: httpx.AsyncClient, field: str) -> None:
        await register(client, "0701020304")
        response = await client.post(
            "/api/verify-pin", json={"identifier": "0701020304", field: PASSWORD}
        )
        assert response.status_code == 200
        assert response.json() == {"success": True, "message": "PIN valide"}

    async def test_wrong_pin_and_unknown_identifier_answer_alike(
        self, client: httpx.AsyncClient
    ) -> None:
        await register(client, "0701020304")
        wrong = await client.post(
            "/api/verify-pin", json={"identifier": "0701020304", "pin": "mauvais"}
        )
        unknown = await client.post(
            "/api/verify-pin", json={"identifier": "0709090909", "pin": "mauvais"}
        )
        assert_failure(wrong, 401, "BadPin")
        assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json())


class TestLogin:
    async def test_verified_account_gets_tokens(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, "awa@example.com", "awa@example.com")
        response = await client.post(
            "/api/auth/login", json={"identifier": " AWA@example.com", "password": PASSWORD}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is True
        assert body["message"] == "Connexion réussie"
        assert body["compte_verifier"] is True
        assert body["token"]
        assert body["refresh_token"]

    async def test_unverified_account_gets_a_code_instead(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        # An e-mail-only person: the previous back end crashed here (S-3).
        await register(client, "awa@example.com")
        await _age_codes(db_engine)
        response = await client.post(
            "/api/auth/login", json={"identifier": "awa@example.com", "password": PASSWORD}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is True
        assert body["compte_verifier"] is False
        assert body["token"] is None
        assert body["moyen"] == "email"
        assert await count(db_engine, "otp") == 2

    async def test_wrong_password_and_unknown_identifier_answer_alike(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, "0701020304", "+2250701020304")
        wrong = await client.post(
            "/api/auth/login", json={"identifier": "0701020304", "password": "mauvais-mdp"}
        )
        unknown = await client.post(
            "/api/auth/login", json={"identifier": "nobody@example.com", "password": "x"}
        )
        assert_failure(wrong, 401, "BadCredentials")
        assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json())

    async def test_suspended_account_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        tokens = await onboard(client, db_engine, "0701020304", "+2250701020304")
        async with db_engine.begin() as connection:
            await connection.execute(text("UPDATE utilisateur SET actif = false"))
        login = await client.post(
            "/api/auth/login", json={"identifier": "0701020304", "password": PASSWORD}
        )
        assert_failure(login, 403, "AccountSuspended")
        me = await client.get("/api/user/me", headers=bearer(tokens["token"]))
        assert_failure(me, 403)


class TestProfile:
    async def test_me_and_update(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        tokens = await onboard(client, db_engine, "0701020304", "+2250701020304")
        me = await client.get("/api/user/me", headers=bearer(tokens["token"]))
        data = me.json()["data"]
        assert data["telephone"] == "+2250701020304"
        assert data["roles"] == ["user"]
        assert data["compte"]["solde"] == 0
        assert data["compte"]["devise"] == "XOF"
        for path in ("/api/user/me", "/api/update-profile"):
            response = await client.patch(
                path,
                headers=bearer(tokens["token"]),
                json={"nom": " Kouassi ", "prenom": "Awa", "pays": "Côte d'Ivoire"},
            )
            assert response.status_code == 200, response.text
            assert response.json()["data"]["nom"] == "Kouassi"
        again = await client.get("/api/user/me", headers=bearer(tokens["token"]))
        assert again.json()["data"]["prenom"] == "Awa"

    async def test_identifiers_are_not_editable_here(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        tokens = await onboard(client, db_engine, "0701020304", "+2250701020304")
        response = await client.patch(
            "/api/user/me", headers=bearer(tokens["token"]), json={"email": "x@example.com"}
        )
        assert_failure(response, 422)

    async def test_device_registration(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        tokens = await onboard(client, db_engine, "0701020304", "+2250701020304")
        for path in ("/api/user/fcm-token", "/api/update-fcm-token"):
            response = await client.post(
                path, headers=bearer(tokens["token"]), json={"fcm_token": "device-1"}
            )
            assert response.status_code == 200
        assert await count(db_engine, "appareil_push") == 1


async def _age_codes(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE otp SET date_creation = date_creation - interval '2 minutes'")
        )
