"""Change my phone number or e-mail (RG-71 to RG-73), on real PostgreSQL: the PIN with its
lockout, the code sent to the new identifier, the replaced identifier told, and the unique
constraints deciding races between people (and against a registration)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import PASSWORD, assert_failure, bearer, onboard
from tests.conftest import outbox_code
from tests.factories import execute, scalar

PHONE = "+2250701020304"
OTHER_PHONE = "+2250102030405"
NEW_PHONE = "+2250709080706"
NEW_PHONE_WRITTEN = "07 09 08 07 06"
EMAIL = "awa.kone@example.com"
NEW_EMAIL = "awa.nouvelle@example.com"
CHANGE = "/api/mon-compte/identifiant"
CONFIRM = "/api/mon-compte/identifiant/confirmation"


async def _age_codes(engine: AsyncEngine) -> None:
    """Time passes: the codes sent during onboarding no longer throttle a new one."""
    await execute(engine, "UPDATE otp SET date_creation = now() - interval '2 minutes'")


async def _person(client: httpx.AsyncClient, engine: AsyncEngine, identifier: str) -> str:
    tokens = await onboard(client, engine, identifier, identifier)
    await _age_codes(engine)
    return str(tokens["token"])


async def _request(
    client: httpx.AsyncClient, token: str, new: str, pin: str = PASSWORD
) -> httpx.Response:
    return await client.post(
        CHANGE, json={"nouvel_identifiant": new, "pin": pin}, headers=bearer(token)
    )


async def _confirm(client: httpx.AsyncClient, token: str, code: str) -> httpx.Response:
    return await client.post(CONFIRM, json={"code": code}, headers=bearer(token))


async def _exists(client: httpx.AsyncClient, identifier: str) -> bool:
    response = await client.post("/api/check-user", json={"identifier": identifier})
    return bool(response.json()["exists"])


async def _login(client: httpx.AsyncClient, identifier: str) -> httpx.Response:
    return await client.post(
        "/api/auth/login", json={"identifier": identifier, "password": PASSWORD}
    )


async def _last_message(engine: AsyncEngine, to: str) -> str:
    body = await scalar(
        engine,
        "SELECT corps FROM message_sortant WHERE destinataire = :to ORDER BY id DESC LIMIT 1",
        to=to,
    )
    assert body, f"no message sent to {to}"
    return str(body)


async def _holders(engine: AsyncEngine, column: str, value: str) -> int:
    # `column` is a literal of the test code.
    sql = f"SELECT count(*) FROM utilisateur WHERE {column} = :v"  # noqa: S608
    return int(await scalar(engine, sql, v=value))


class TestPhoneChange:
    async def test_the_new_number_replaces_the_old_one_everywhere(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        token = await _person(client, db_engine, PHONE)
        # Another session of the same person (another phone): it ends with the change.
        other = (await _login(client, PHONE)).json()
        await _age_codes(db_engine)

        asked = await _request(client, token, NEW_PHONE_WRITTEN)
        assert asked.status_code == 200, asked.text
        body: dict[str, Any] = asked.json()
        assert body["data"]["destination"] == "+225 07 •• •• •• 06"
        assert body["data"]["moyen"] == "sms"
        assert (await scalar(db_engine, "SELECT telephone FROM utilisateur")) == PHONE

        code = await outbox_code(db_engine, NEW_PHONE)  # the code went to the NEW number
        done = await _confirm(client, token, code)
        assert done.status_code == 200, done.text
        assert done.json()["data"]["telephone"] == NEW_PHONE

        assert not await _exists(client, PHONE)
        assert await _exists(client, NEW_PHONE)
        assert (await _login(client, NEW_PHONE)).status_code == 200
        assert_failure(await _login(client, PHONE), 401)

        notice = await _last_message(db_engine, PHONE)  # the old number is told
        assert "remplacé par +225 07 ** ** ** 06" in notice
        assert "Si ce n'est pas vous, contactez le support." in notice
        assert NEW_PHONE not in notice
        assert (
            await scalar(
                db_engine,
                "SELECT count(*) FROM notification WHERE type_notification = 'systeme'"
                " AND contenu LIKE '%remplacé par +225 07 •• •• •• 06%'",
            )
            == 1
        )
        assert (
            await scalar(
                db_engine,
                "SELECT count(*) FROM verification_compte WHERE canal = 'sms' AND valeur = :v",
                v=NEW_PHONE,
            )
            == 1
        )
        change = await scalar(
            db_engine,
            "SELECT statut || ' ' || ancienne_valeur FROM changement_identifiant",
        )
        assert change == f"confirme {PHONE}"

        # The current session goes on; the other one has ended.
        me = await client.get("/api/user/me", headers=bearer(token))
        assert me.status_code == 200, me.text
        assert me.json()["data"]["telephone"] == NEW_PHONE
        assert_failure(
            await client.post("/api/auth/refresh", json={"refresh_token": other["refresh_token"]}),
            401,
        )
        assert_failure(await client.get("/api/user/me", headers=bearer(other["token"])), 401)

        # The code is single use.
        assert_failure(await _confirm(client, token, code), 400, "OtpExpired")


class TestEmailChange:
    async def test_an_email_replaces_the_email(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        token = await _person(client, db_engine, EMAIL)
        asked = await _request(client, token, "  Awa.Nouvelle@Example.com ")
        assert asked.status_code == 200, asked.text
        assert asked.json()["data"]["moyen"] == "email"
        code = await outbox_code(db_engine, NEW_EMAIL)
        done = await _confirm(client, token, code)
        assert done.status_code == 200, done.text
        assert not await _exists(client, EMAIL)
        assert (await _login(client, NEW_EMAIL)).status_code == 200
        assert_failure(await _login(client, EMAIL), 401)
        notice = await _last_message(db_engine, EMAIL)
        assert (
            "L'adresse e-mail de votre compte Hostolink a été remplacée par a•••@example.com"
            in (notice)
        )

    async def test_an_email_is_added_to_a_phone_account_and_the_phone_is_told(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        token = await _person(client, db_engine, PHONE)
        assert (await _request(client, token, NEW_EMAIL)).status_code == 200
        done = await _confirm(client, token, await outbox_code(db_engine, NEW_EMAIL))
        assert done.status_code == 200, done.text
        assert done.json()["data"] == {
            "type_identifiant": "email",
            "email": NEW_EMAIL,
            "telephone": PHONE,
        }
        # Both identifiers now sign in.
        assert (await _login(client, PHONE)).status_code == 200
        assert (await _login(client, NEW_EMAIL)).status_code == 200
        assert "Une adresse e-mail a été ajoutée" in await _last_message(db_engine, PHONE)


class TestRefusals:
    async def test_wrong_pin_counts_towards_the_lockout_of_sign_in(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        token = await _person(client, db_engine, PHONE)
        for _ in range(4):
            wrong = await _request(client, token, NEW_PHONE, pin="mauvais-pin")
            assert_failure(wrong, 401, "BadPin")
            assert wrong.json()["message"] == "PIN incorrect."
        assert_failure(await _request(client, token, NEW_PHONE, pin="mauvais-pin"), 423, "Locked")
        # Locked: the right PIN is refused too, here and at sign-in; no code was sent.
        assert_failure(await _request(client, token, NEW_PHONE), 423, "Locked")
        assert_failure(await _login(client, PHONE), 423, "Locked")
        sent = "SELECT count(*) FROM message_sortant WHERE destinataire = :to"
        assert await scalar(db_engine, sent, to=NEW_PHONE) == 0
        assert await scalar(db_engine, "SELECT count(*) FROM changement_identifiant") == 0

    async def test_taken_same_and_invalid_identifiers(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        token = await _person(client, db_engine, PHONE)
        await _person(client, db_engine, OTHER_PHONE)
        taken = await _request(client, token, "01 02 03 04 05")
        assert_failure(taken, 409, "IdentifierInUse")
        assert taken.json()["message"] == "Ce numéro est déjà utilisé par un compte Hostolink."
        assert_failure(await _request(client, token, "0701020304"), 422, "SameIdentifier")
        assert_failure(await _request(client, token, "pas-un-numero"), 422)
        assert_failure(await _request(client, token, "pas-un-numero"), 422)
        no_token = await client.post(CHANGE, json={"nouvel_identifiant": NEW_PHONE, "pin": "x"})
        assert_failure(no_token, 401)
        assert await scalar(db_engine, "SELECT count(*) FROM changement_identifiant") == 0

    async def test_wrong_then_expired_code(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        token = await _person(client, db_engine, PHONE)
        assert (await _request(client, token, NEW_PHONE)).status_code == 200
        code = await outbox_code(db_engine, NEW_PHONE)
        wrong = "000000" if code != "000000" else "111111"
        refused = await _confirm(client, token, wrong)
        assert_failure(refused, 401, "InvalidOtp")
        assert "Il vous reste 4 essais" in refused.json()["message"]
        assert_failure(await _confirm(client, token, "12345"), 422)
        await execute(db_engine, "UPDATE otp SET expires_at = now() - interval '1 minute'")
        assert_failure(await _confirm(client, token, code), 400, "OtpExpired")
        assert (await scalar(db_engine, "SELECT telephone FROM utilisateur")) == PHONE
        assert not await _exists(client, NEW_PHONE)

    async def test_a_new_request_replaces_the_pending_one(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        token = await _person(client, db_engine, PHONE)
        assert (await _request(client, token, NEW_PHONE)).status_code == 200
        first = await outbox_code(db_engine, NEW_PHONE)
        await _age_codes(db_engine)
        assert (await _request(client, token, NEW_EMAIL)).status_code == 200
        # The first code is void; the second request is the one confirmed.
        assert_failure(await _confirm(client, token, first), 401)
        done = await _confirm(client, token, await outbox_code(db_engine, NEW_EMAIL))
        assert done.status_code == 200, done.text
        statuses = await scalar(
            db_engine,
            "SELECT string_agg(statut, ',' ORDER BY id_changement) FROM changement_identifiant",
        )
        assert statuses == "annule,confirme"
        assert (await scalar(db_engine, "SELECT telephone FROM utilisateur")) == PHONE


class TestRaces:
    async def test_two_people_confirming_the_same_number_one_wins(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        first = await _person(client, db_engine, PHONE)
        second = await _person(client, db_engine, EMAIL)
        assert (await _request(client, first, NEW_PHONE)).status_code == 200
        code_first = await outbox_code(db_engine, NEW_PHONE)
        assert (await _request(client, second, NEW_PHONE)).status_code == 200
        code_second = await outbox_code(db_engine, NEW_PHONE)

        answers = await asyncio.gather(
            _confirm(client, first, code_first), _confirm(client, second, code_second)
        )
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        loser = next(a for a in answers if a.status_code == 409)
        assert_failure(loser, 409, "IdentifierInUse")

        assert await _holders(db_engine, "telephone", NEW_PHONE) == 1
        statuses = await scalar(
            db_engine, "SELECT string_agg(statut, ',' ORDER BY statut) FROM changement_identifiant"
        )
        assert statuses == "confirme,refuse"
        # Nothing half-written: the loser keeps exactly what they had, nothing verified.
        assert (
            await scalar(
                db_engine, "SELECT count(*) FROM verification_compte WHERE valeur = :v", v=NEW_PHONE
            )
            == 1
        )
        assert (
            await _holders(db_engine, "telephone", PHONE)
            + await _holders(db_engine, "email", EMAIL)
            == 1
        )
        # The loser's code is used and their request closed.
        loser_token = first if answers[0].status_code == 409 else second
        loser_code = code_first if answers[0].status_code == 409 else code_second
        assert_failure(await _confirm(client, loser_token, loser_code), 400, "OtpExpired")

    async def test_a_registration_racing_a_confirmation(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        token = await _person(client, db_engine, PHONE)
        assert (await _request(client, token, NEW_PHONE)).status_code == 200
        code = await outbox_code(db_engine, NEW_PHONE)

        confirmed, registered = await asyncio.gather(
            _confirm(client, token, code),
            client.post("/api/register-user", json={"identifier": NEW_PHONE}),
        )
        statuses = (confirmed.status_code, registered.status_code)
        assert statuses in {(200, 409), (409, 201)}, (confirmed.text, registered.text)
        assert await _holders(db_engine, "telephone", NEW_PHONE) == 1
        status = await scalar(db_engine, "SELECT statut FROM changement_identifiant")
        assert status == ("confirme" if confirmed.status_code == 200 else "refuse")
        if confirmed.status_code == 409:
            assert (await scalar(db_engine, "SELECT count(*) FROM utilisateur")) == 2
            assert await _holders(db_engine, "telephone", PHONE) == 1


async def _wait_until_blocked(engine: AsyncEngine, task: asyncio.Task[Any]) -> None:
    """Until a statement of the app waits for a lock held by the test (or the request ended,
    which the caller then reports)."""
    for _ in range(1_000):
        waiting = await scalar(
            engine,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'",
        )
        if waiting or task.done():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the confirmation never waited for the other writer")


class TestConfirmationWaitsForTheOtherWriter:
    """Someone else writes the number and has not committed yet: the confirmation waits on
    the unique index, then loses if that write commits, or wins if it rolls back."""

    async def _blocked_confirmation(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, *, commit: bool
    ) -> httpx.Response:
        token = await _person(client, db_engine, PHONE)
        await _person(client, db_engine, OTHER_PHONE)
        assert (await _request(client, token, NEW_PHONE)).status_code == 200
        code = await outbox_code(db_engine, NEW_PHONE)
        async with db_engine.connect() as other:
            transaction = await other.begin()
            await other.execute(
                text("UPDATE utilisateur SET telephone = :new WHERE telephone = :old"),
                {"new": NEW_PHONE, "old": OTHER_PHONE},
            )
            confirming = asyncio.create_task(_confirm(client, token, code))
            await _wait_until_blocked(db_engine, confirming)
            assert not confirming.done(), confirming.result().text
            await (transaction.commit() if commit else transaction.rollback())
            return await confirming

    async def test_the_other_writer_commits_the_confirmation_gets_409(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        answer = await self._blocked_confirmation(client, db_engine, commit=True)
        assert_failure(answer, 409, "IdentifierInUse")
        assert await _holders(db_engine, "telephone", NEW_PHONE) == 1
        assert await _holders(db_engine, "telephone", PHONE) == 1
        assert await scalar(db_engine, "SELECT statut FROM changement_identifiant") == "refuse"
        sent = "SELECT count(*) FROM message_sortant WHERE destinataire = :to"
        assert await scalar(db_engine, sent, to=PHONE) == 1  # only its onboarding code

    async def test_the_other_writer_rolls_back_the_confirmation_wins(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        answer = await self._blocked_confirmation(client, db_engine, commit=False)
        assert answer.status_code == 200, answer.text
        assert await _holders(db_engine, "telephone", NEW_PHONE) == 1
        assert await _holders(db_engine, "telephone", PHONE) == 0
        assert await scalar(db_engine, "SELECT statut FROM changement_identifiant") == "confirme"
