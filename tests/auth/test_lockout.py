"""Wrong secrets are counted per account and per client; 5 failures lock (423) for a
growing delay; unknown identifiers behave exactly like known ones."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.auth.helpers import PASSWORD, assert_failure, onboard
from tests.conftest import make_settings
from tests.factories import asgi_client, execute

PHONE = "+2250701020304"


async def _login(client: httpx.AsyncClient, identifier: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/auth/login", json={"identifier": identifier, "password": password}
    )


class TestAccountLockout:
    async def test_fifth_failure_locks_even_the_right_password(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        for _ in range(4):
            assert_failure(await _login(client, PHONE, "mauvais-mdp"), 401, "BadCredentials")
        locked = await _login(client, PHONE, "mauvais-mdp")
        assert_failure(locked, 423, "Locked")
        assert int(locked.headers["Retry-After"]) > 0
        assert_failure(await _login(client, PHONE, PASSWORD), 423, "Locked")
        # verify-pin shares the counter: the PIN is the password.
        pin = await client.post("/api/verify-pin", json={"identifier": PHONE, "pin": PASSWORD})
        assert_failure(pin, 423)

    async def test_lock_ends_and_the_next_one_lasts_longer(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        for _ in range(5):
            await _login(client, PHONE, "mauvais-mdp")
        first = int((await _login(client, PHONE, PASSWORD)).headers["Retry-After"])
        # Time passes: the lock is over.
        await execute(db_engine, "UPDATE tentative_authentification SET verrouille_jusqu_a = now()")
        for _ in range(5):
            await _login(client, PHONE, "mauvais-mdp")
        second = int((await _login(client, PHONE, PASSWORD)).headers["Retry-After"])
        assert second > first * 1.5
        await execute(db_engine, "UPDATE tentative_authentification SET verrouille_jusqu_a = now()")
        assert (await _login(client, PHONE, PASSWORD)).status_code == 200

    async def test_success_resets_the_count(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        for _ in range(4):
            await _login(client, PHONE, "mauvais-mdp")
        assert (await _login(client, PHONE, PASSWORD)).status_code == 200
        for _ in range(4):
            assert_failure(await _login(client, PHONE, "mauvais-mdp"), 401)

    async def test_unknown_identifier_locks_the_same_way(self, client: httpx.AsyncClient) -> None:
        answers = [await _login(client, "inconnu@example.com", "x") for _ in range(6)]
        assert [a.status_code for a in answers] == [401, 401, 401, 401, 423, 423]

    async def test_parallel_guesses_never_exceed_five(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await onboard(client, db_engine, PHONE, PHONE)
        answers = await asyncio.gather(*(_login(client, PHONE, f"guess-{n}") for n in range(20)))
        assert sum(a.status_code == 401 for a in answers) <= 4
        assert all(a.status_code in (401, 423) for a in answers)
        async with db_engine.connect() as connection:
            locks = await connection.scalar(
                text("SELECT nb_verrouillages FROM tentative_authentification")
            )
        assert locks >= 1

    async def test_a_lock_decided_at_reservation_is_stored(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        # Five attempts already counted (failed or in flight): the sixth reservation locks,
        # and that lock must be written, not just announced.
        await execute(
            db_engine,
            "INSERT INTO tentative_authentification"
            " (identifiant, echecs, nb_verrouillages, date_derniere_tentative)"
            " VALUES (:id, 5, 0, now())",
            id=PHONE,
        )
        locked = await _login(client, PHONE, "peu-importe")
        assert_failure(locked, 423, "Locked")
        async with db_engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT nb_verrouillages, verrouille_jusqu_a > now() AS verrouille"
                        " FROM tentative_authentification"
                    )
                )
            ).one()
        assert row.nb_verrouillages == 1
        assert row.verrouille is True


class TestClientLimit:
    async def test_one_client_guessing_many_accounts_is_throttled(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        app = create_app(make_settings(RATE_LIMIT_PER_IP_PER_MINUTE=6), database_url=database_url)
        async with asgi_client(app, base_url="http://t") as client:
            statuses = [
                (await _login(client, f"personne{n}@example.com", "x")).status_code
                for n in range(8)
            ]
        await app.state.db.dispose()
        assert 429 in statuses
        assert statuses[0] == 401
