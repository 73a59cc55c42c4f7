"""The request transaction commits after the endpoint returns and *before* the response is
sent: a commit that fails can never be answered with a 2xx."""

from __future__ import annotations

import logging
import socket
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.config import MIN_DB_CONNECTIONS, DatabasePooler, Settings
from hostolink.db import ConnectionSplit, Database, SessionDep, engine_options
from tests.auth.helpers import count
from tests.conftest import make_settings
from tests.models.rows import insert


async def test_a_failed_commit_is_not_answered_as_success(
    database_url: str, db_engine: AsyncEngine
) -> None:
    app = create_app(make_settings(), database_url=database_url)

    @app.post("/test/unbalanced")
    async def unbalanced(session: SessionDep) -> dict[str, bool]:
        # A ledger transaction without entries: the deferred trigger refuses it at COMMIT,
        # that is after this function has returned its "success".
        await session.execute(insert("transaction"), {"c1": 1, "c2": 2})
        return {"success": True}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for identifier in ("0701020304", "0501020304"):  # two wallets: compte 1 and 2
            await client.post("/api/register-user", json={"identifier": identifier})
        response = await client.post("/test/unbalanced")
    await app.state.db.dispose()
    assert response.status_code == 500
    assert response.json()["success"] is False
    assert await count(db_engine, "transaction") == 0


async def test_notices_commit_without_waiting_for_the_wal_flush(app: Any) -> None:
    """In-app notices after a payment: their commits must not slow the money down."""
    async with app.state.db.notices.connect() as connection:
        assert await connection.scalar(text("SHOW synchronous_commit")) == "off"
    async with app.state.db.engine.connect() as connection:
        assert await connection.scalar(text("SHOW synchronous_commit")) == "on"


# ------------------------------------------------- connection budget and poolers (db.py)


class TestConnectionSplit:
    def test_the_pools_share_exactly_the_setting(self) -> None:
        for connections in range(MIN_DB_CONNECTIONS, 201):  # the setting's range
            split = ConnectionSplit.of(connections)
            assert split.total == connections
            assert min(split.requests, split.reads, split.counters, split.notices) >= 1

    def test_the_documented_splits(self) -> None:
        assert ConnectionSplit.of(10) == ConnectionSplit(requests=6, reads=2, counters=1, notices=1)
        assert ConnectionSplit.of(20) == ConnectionSplit(
            requests=12, reads=5, counters=2, notices=1
        )

    def test_fewer_than_one_connection_per_pool_is_refused(self) -> None:
        with pytest.raises(ValueError, match="at least 4"):
            ConnectionSplit.of(MIN_DB_CONNECTIONS - 1)


class TestSettings:
    @pytest.fixture(autouse=True)
    def _no_database_variables(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in ("HOSTOLINK_DB_CONNECTIONS", "HOSTOLINK_DB_POOL_SIZE", "HOSTOLINK_DB_POOLER"):
            monkeypatch.delenv(name, raising=False)

    def test_defaults(self) -> None:
        settings = Settings.model_validate({})
        assert settings.db_connections == 10
        assert settings.db_pooler is DatabasePooler.AUTO

    def test_the_pooler_mode_is_configured(self) -> None:
        settings = Settings.model_validate({"HOSTOLINK_DB_POOLER": "transaction"})
        assert settings.db_pooler is DatabasePooler.TRANSACTION

    def test_a_budget_below_one_connection_per_pool_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="HOSTOLINK_DB_CONNECTIONS"):
            Settings.model_validate({"HOSTOLINK_DB_CONNECTIONS": 3})

    def test_the_former_pool_size_still_works_with_a_warning(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="hostolink.config"):
            settings = Settings.model_validate({"HOSTOLINK_DB_POOL_SIZE": 12})
        assert settings.db_connections == 12
        assert settings.db_pool_size == 12
        assert "HOSTOLINK_DB_POOL_SIZE est obsolète" in caplog.text

    def test_the_new_name_wins_over_the_former(self, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.WARNING, logger="hostolink.config"):
            settings = Settings.model_validate(
                {"HOSTOLINK_DB_POOL_SIZE": 25, "HOSTOLINK_DB_CONNECTIONS": 8}
            )
        assert settings.db_connections == 8
        assert "ignoré" in caplog.text


class TestPoolerDetection:
    def test_a_pgbouncer_on_any_port_by_configuration(self) -> None:
        url = "postgresql://u@127.0.0.1:6432/d"
        assert engine_options(url).pooler is DatabasePooler.NONE
        options = engine_options(url, DatabasePooler.TRANSACTION)
        assert options.transaction_pooler
        assert options.connect_args["statement_cache_size"] == 0
        assert "prepared_statement_cache_size=0" in options.url

    def test_statements_are_prepared_unnamed_behind_a_transaction_pooler(self) -> None:
        """Nothing outlives the transaction on the server connection (see engine_options)."""
        options = engine_options("postgresql://u@h:6543/d")
        assert options.connect_args["prepared_statement_name_func"]() == ""

    def test_supabase_session_pooler_gets_no_startup_parameters(self) -> None:
        options = engine_options("postgresql://u:pw@aws-0-eu-west-3.pooler.supabase.com:5432/p")
        assert options.pooler is DatabasePooler.SESSION
        assert not options.direct
        assert "statement_cache_size" not in options.connect_args

    def test_the_configuration_wins_over_the_url(self) -> None:
        options = engine_options("postgresql://u@h:5432/d?pgbouncer=true", DatabasePooler.NONE)
        assert options.direct
        assert "pgbouncer" not in options.url


OUTBOX_ROW = text(
    "INSERT INTO message_sortant (canal, destinataire, corps)"
    " VALUES ('sms', '+2250700000000', :corps)"
)


async def _write_then_fail(db: Database) -> None:
    async with db.notices.connect() as connection:
        await connection.execute(OUTBOX_ROW, {"corps": "annulé"})
        raise RuntimeError


class TestPoolsOnAServer:
    """The pools of each mode, on the tests' server itself (the transaction-pooler mode
    works directly too): what runs in transactions, what keeps its fast path, the bound."""

    async def test_behind_a_transaction_pooler_reads_and_notices_run_in_transactions(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        db = Database(database_url, connections=4, pooler=DatabasePooler.TRANSACTION)
        try:
            row = await db.read_one(text("SELECT count(*) FROM role_permission"))
            assert row is not None
            assert row[0] > 0
            for engine in (db.reader, db.notices.engine):
                async with engine.connect() as connection:
                    raw = await connection.get_raw_connection()
                    assert raw.dbapi_connection is not None
                    assert raw.dbapi_connection.autocommit is False
            # Set with SET LOCAL: it only holds inside a transaction.
            async with db.notices.connect() as connection:
                assert await connection.scalar(text("SHOW synchronous_commit")) == "off"
                await connection.execute(OUTBOX_ROW, {"corps": "écrit"})
            with pytest.raises(RuntimeError):
                await _write_then_fail(db)
        finally:
            await db.dispose()
        async with db_engine.connect() as connection:
            bodies = await connection.scalars(
                text("SELECT corps FROM message_sortant WHERE destinataire = '+2250700000000'")
            )
            assert list(bodies) == ["écrit"]

    async def test_directly_on_postgresql_the_fast_paths_stay(self, database_url: str) -> None:
        db = Database(database_url, connections=4)
        try:
            assert db.pooler is DatabasePooler.NONE
            for name, engine, autocommit in (
                ("requests", db.engine, False),
                ("reads", db.reader, True),
                ("notices", db.notices.engine, True),
            ):
                async with engine.connect() as connection:
                    raw = await connection.get_raw_connection()
                    assert raw.dbapi_connection is not None
                    assert raw.dbapi_connection.autocommit is autocommit
                    label = await connection.scalar(text("SHOW application_name"))
                    assert label == f"hostolink:{name}"
        finally:
            await db.dispose()

    async def test_no_pool_ever_opens_more_than_its_share(self, database_url: str) -> None:
        db = Database(database_url, connections=4, pool_timeout=0.2)
        try:
            async with db.reader.connect() as held:
                await held.execute(text("SELECT 1"))
                with pytest.raises(PoolTimeout):
                    await db.read_one(text("SELECT 1"))
                assert db.opened() == 1
        finally:
            await db.dispose()


class TestUnavailableDatabase:
    """No connection to be had is a 503 with Retry-After in the error model, never a 500."""

    @staticmethod
    def assert_503(response: httpx.Response) -> None:
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == "5"
        body = response.json()
        assert body["success"] is False
        assert body["error"] == "ServiceUnavailable"
        assert body["retry_after"] == 5
        assert "Réessayez dans quelques secondes" in body["message"]

    async def test_a_wait_for_a_pooled_connection_that_times_out(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        app = create_app(make_settings(), database_url=database_url)
        tight = Database(database_url, connections=4, pool_timeout=0.2)

        @app.get("/test/lecture")
        async def read() -> dict[str, bool]:
            await tight.read_one(text("SELECT 1"))
            return {"success": True}

        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                async with tight.reader.connect() as held:  # the pool's only read connection
                    await held.execute(text("SELECT 1"))
                    self.assert_503(await client.get("/test/lecture"))
                assert (await client.get("/test/lecture")).status_code == 200
        finally:
            await tight.dispose()
            await app.state.db.dispose()

    async def test_a_server_that_refuses_the_connection(self) -> None:
        with socket.socket() as sock:  # a port nobody listens on
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        app = create_app(
            make_settings(), database_url=f"postgresql://postgres@127.0.0.1:{port}/hostolink"
        )
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                answer = await client.post("/api/check-user", json={"identifier": "0701020304"})
            self.assert_503(answer)
        finally:
            await app.state.db.dispose()
