"""Replay of the owner's note (SEED.md, API_CONTRACT.md): its seven requests with its exact
bodies — fresh identifiers, the code the person received, the secret they chose — against
the real application, in the note's order and in the previous back end's order
(reference/previous-backend.md §1.2: its controller's check-user alias, register-user,
define-password, generate, verify-pin, verify). Every status and every field of the contract
is checked: exact keys, types, the fixed messages.

The note's seventh request repeats the sixth by mistake (verify-pin with `otpCode`): it is
replayed as written. The note's verify-pin body carries "123456" in `otpCode`: sent as is, it
is not the person's secret and answers the honest 401 « PIN incorrect. ».
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import bearer
from tests.conftest import outbox_code
from tests.factories import scalar

NOTE_PASSWORD = "MonMotDePasse123"  # the note's body of define-password
NOTE_OTP = "123456"  # the note's placeholder in verify-otp and verify-pin


@dataclass(frozen=True)
class Person:
    typed: str  # as the app sends it
    normalised: str  # as the contract answers it, and the outbox's destination
    secret: str  # what the person types on define-password

    @property
    def channel(self) -> str:
        return "email" if "@" in self.typed else "sms"

    @property
    def by(self) -> str:
        return "par email" if self.channel == "email" else "par SMS"


PEOPLE = {
    "pin-6": Person("0701020304", "+2250701020304", "739164"),
    "pin-4": Person("07 05 06 07 08", "+2250705060708", "4827"),
    "password": Person("+2250709080706", "+2250709080706", NOTE_PASSWORD),
    "email-pin": Person("TestEmail@gmail.com", "testemail@gmail.com", "582914"),
}

ERROR_KEYS = {"success", "error", "message"}


def _json(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def check_user(response: httpx.Response, who: Person, *, exists: bool, has: bool) -> None:
    assert _json(response, 200) == {
        "success": True,
        "exists": exists,
        "identifier": who.normalised,
        "has_password": has,
    }


def registered(response: httpx.Response) -> int:
    body = _json(response, 201)
    assert set(body) == {"success", "id_user", "message"}
    assert body["success"] is True
    assert body["message"] == "Utilisateur inscrit, redirection vers la définition du mot de passe."
    assert type(body["id_user"]) is int
    return int(body["id_user"])


def password_defined(response: httpx.Response, who: Person) -> None:
    assert _json(response, 200) == {
        "success": True,
        "message": f"Mot de passe défini. Un code de vérification a été envoyé {who.by}.",
    }


def code_still_valid(response: httpx.Response, who: Person) -> None:
    """generate-otp within the cooldown after define-password: 200, nothing sent."""
    body = _json(response, 200)
    assert set(body) == {"success", "message", "moyen"}
    assert body["success"] is True
    assert body["moyen"] == who.channel
    assert body["message"].startswith(f"Un code vient d'être envoyé {who.by}. Il reste valable")
    assert NOTE_OTP not in body["message"]


async def otp_verified(
    client: httpx.AsyncClient, response: httpx.Response, who: Person
) -> dict[str, Any]:
    body = _json(response, 200)
    assert set(body) == {
        "success",
        "message",
        "token",
        "refresh_token",
        "token_type",
        "expires_in",
        "compte_verifier",
    }
    assert body["success"] is True
    assert body["message"] == "Code OTP valide"
    assert isinstance(body["token"], str)
    assert body["token"].count(".") == 2  # a JWT
    assert isinstance(body["refresh_token"], str)
    assert body["refresh_token"]
    assert body["token_type"] == "bearer"
    assert type(body["expires_in"]) is int
    assert body["expires_in"] > 0
    assert body["compte_verifier"] is True
    me = _json(await client.get("/api/user/me", headers=bearer(body["token"])), 200)
    assert me["success"] is True
    data = me["data"]
    assert data["compte_verifier"] is True
    assert who.normalised in (data.get("telephone"), data.get("email"))
    return body


def pin_valid(response: httpx.Response) -> None:
    assert _json(response, 200) == {"success": True, "message": "PIN valide"}


def pin_wrong(response: httpx.Response) -> None:
    body = _json(response, 401)
    assert body == {"success": False, "error": "BadPin", "message": "PIN incorrect."}
    assert set(body) == ERROR_KEYS


async def sent_messages(engine: AsyncEngine, who: Person) -> int:
    return int(
        await scalar(
            engine,
            "SELECT count(*) FROM message_sortant WHERE destinataire = :to",
            to=who.normalised,
        )
    )


@pytest.mark.parametrize("name", list(PEOPLE))
async def test_the_notes_order(
    client: httpx.AsyncClient, db_engine: AsyncEngine, name: str
) -> None:
    who = PEOPLE[name]
    post = client.post
    # 1 does a user exist
    check_user(
        await post("/api/check-user", json={"identifier": who.typed}), who, exists=False, has=False
    )
    # 2 register a user, no password yet
    registered(await post("/api/register-user", json={"identifier": who.typed}))
    # 3 define the password after registering (a code is sent)
    password_defined(
        await post("/api/define-password", json={"identifier": who.typed, "password": who.secret}),
        who,
    )
    code = await outbox_code(db_engine, who.normalised)
    # 4 generate an OTP, right after define-password: the code just sent stays the one
    code_still_valid(await post("/api/generate-otp", json={"identifier": who.typed}), who)
    assert await sent_messages(db_engine, who) == 1
    # 5 verify the OTP (the note's placeholder replaced by the code received)
    await otp_verified(
        client, await post("/api/verify-otp", json={"identifier": who.typed, "otpCode": code}), who
    )
    # 6 verify the PIN, with the note's `otpCode` field (sic): the note's value is not the
    # person's secret, theirs is valid
    pin_wrong(await post("/api/verify-pin", json={"identifier": who.typed, "otpCode": NOTE_OTP}))
    pin_valid(await post("/api/verify-pin", json={"identifier": who.typed, "otpCode": who.secret}))
    # 7 the note repeats #6
    pin_valid(await post("/api/verify-pin", json={"identifier": who.typed, "otpCode": who.secret}))
    check_user(
        await post("/api/check-user", json={"identifier": who.typed}), who, exists=True, has=True
    )
    # And the app's next sign-in, with the same secret.
    login = _json(
        await post("/api/auth/login", json={"identifier": who.typed, "password": who.secret}), 200
    )
    assert login["message"] == "Connexion réussie"
    assert login["compte_verifier"] is True


@pytest.mark.parametrize("name", list(PEOPLE))
async def test_the_previous_back_ends_order(
    client: httpx.AsyncClient, db_engine: AsyncEngine, name: str
) -> None:
    """The previous controller's order and paths: the check-user alias, `generate` with
    `moyen_envoyer`, verify-pin before the code is verified, then `verify`."""
    who = PEOPLE[name]
    post = client.post
    check_user(
        await post("/admin/utilisateurs/check-user", json={"identifier": who.typed}),
        who,
        exists=False,
        has=False,
    )
    registered(await post("/api/register-user", json={"identifier": who.typed}))
    password_defined(
        await post(
            "/api/define-password",
            json={"identifier": who.typed, "password": who.secret, "confirmPassword": who.secret},
        ),
        who,
    )
    code = await outbox_code(db_engine, who.normalised)
    code_still_valid(
        await post("/api/generate", json={"identifier": who.typed, "moyen_envoyer": who.channel}),
        who,
    )
    # verify-pin before the code: the secret is defined, so it is valid (not yet verified).
    pin_valid(await post("/api/verify-pin", json={"identifier": who.typed, "pin": who.secret}))
    pin_wrong(await post("/api/verify-pin", json={"identifier": who.typed, "pin": NOTE_OTP}))
    await otp_verified(
        client, await post("/api/verify", json={"identifier": who.typed, "otpCode": code}), who
    )
    pin_valid(await post("/api/verify-pin", json={"identifier": who.typed, "otpCode": who.secret}))
    assert await sent_messages(db_engine, who) == 1
    # The code was used: asking again within the cooldown is the honest 429.
    again = _json(await post("/api/generate", json={"identifier": who.typed}), 429)
    assert set(again) == ERROR_KEYS | {"retry_after"}
    assert again["error"] == "TooManyRequests"
    assert again["message"].startswith("Un code vient d'être envoyé. Patientez")


async def test_verify_pin_before_any_password(client: httpx.AsyncClient) -> None:
    """A step out of order: verify-pin for a person registered without a password yet."""
    who = PEOPLE["pin-6"]
    registered(await client.post("/api/register-user", json={"identifier": who.typed}))
    pin_wrong(
        await client.post("/api/verify-pin", json={"identifier": who.typed, "otpCode": who.secret})
    )


async def test_a_note_body_with_a_guessable_pin_is_refused(client: httpx.AsyncClient) -> None:
    """The note's placeholder "123456" as a PIN is a run of digits: 422 with the reason."""
    who = PEOPLE["pin-6"]
    registered(await client.post("/api/register-user", json={"identifier": who.typed}))
    response = await client.post(
        "/api/define-password", json={"identifier": who.typed, "password": NOTE_OTP}
    )
    body = _json(response, 422)
    assert body["success"] is False
    assert body["error"] == "ValidationError"
    assert "suites" in body["message"]
