"""Retention on real PostgreSQL: rows past their period go, rows inside it or still needed
stay (a webhook of a pending operation or not yet processed, the one that decided an
operation, the rotated tokens of a living session, keys still replayable, abandoned jobs);
the ledger and the audit journal are untouched; the counts come back and are logged; one
purge at a time for the whole cluster, once per interval."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.db import Database
from hostolink.jobs import retention
from hostolink.jobs.retention import RETENTION_JOB, Periods, Retention
from hostolink.jobs.worker import Worker
from tests.conftest import make_settings
from tests.factories import execute, scalar
from tests.operations.helpers import deposit, pay, settle
from tests.wallet.helpers import admin_token, assert_ledger_clean, credit, person


async def _insert(engine: AsyncEngine, sql: str, **params: Any) -> int:
    async with engine.begin() as connection:
        return int(await connection.scalar(text(sql), params))


async def _ids(engine: AsyncEngine, table: str, key: str) -> set[int]:
    async with engine.connect() as connection:
        # Literals of this test, never input.
        return set(await connection.scalars(text(f"SELECT {key} FROM {table}")))  # noqa: S608


async def _count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text(f'SELECT count(*) FROM "{table}"')))  # noqa: S608


def _digest(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


@dataclass
class World:
    """What each rule must let go (`gone`) and keep (`kept`), by table."""

    gone: dict[str, set[int]] = field(default_factory=dict)
    kept: dict[str, set[int]] = field(default_factory=dict)
    ledger: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, row_id: int, *, goes: bool) -> None:
        (self.gone if goes else self.kept).setdefault(table, set()).add(row_id)


def _days(n: float) -> timedelta:
    return timedelta(days=n)


async def _otps(engine: AsyncEngine, world: World, user_id: int) -> None:
    async def otp(age: timedelta, *, valid: bool, expires_in: timedelta, used: bool) -> int:
        return await _insert(
            engine,
            "INSERT INTO otp (user_id, otp_code, expires_at, is_valid, code_hash, objet,"
            " moyen_envoyer, date_creation, date_utilisation)"
            " VALUES (:u, '******', (now() AT TIME ZONE 'UTC') + CAST(:expires AS interval),"
            " :valid, :h, 'verification', 'sms', now() - CAST(:age AS interval),"
            " CASE WHEN :used THEN now() - CAST(:age AS interval) END) RETURNING id",
            u=user_id,
            valid=valid,
            used=used,
            age=age,
            expires=expires_in,
            h=_digest(str(uuid.uuid4())),
        )

    spent = await otp(_days(2), valid=False, expires_in=-_days(1), used=True)
    world.add("otp", spent, goes=True)
    expired = await otp(_days(2), valid=True, expires_in=-_days(1), used=False)
    world.add("otp", expired, goes=True)
    # Spent, but inside the period: the hourly send limit counts it.
    minutes = timedelta(minutes=1)
    recent = await otp(10 * minutes, valid=False, expires_in=-5 * minutes, used=True)
    world.add("otp", recent, goes=False)
    current = await otp(2 * minutes, valid=True, expires_in=3 * minutes, used=False)
    world.add("otp", current, goes=False)


async def _tokens(engine: AsyncEngine, world: World, user_id: int) -> None:
    async def token(
        family: uuid.UUID, *, expires_in: timedelta, revoked_ago: timedelta | None, reason: str
    ) -> int:
        return await _insert(
            engine,
            "INSERT INTO jeton_rafraichissement (id_user, famille, hash_jeton, date_creation,"
            " date_expiration, date_revocation, motif_revocation)"
            " VALUES (:u, :f, :h, now() - interval '90 days', now() + CAST(:expires AS interval),"
            " now() - CAST(:revoked AS interval), :reason) RETURNING id",
            u=user_id,
            f=family,
            h=_digest(str(uuid.uuid4())),
            expires=expires_in,
            revoked=revoked_ago,
            reason=reason if revoked_ago is not None else None,
        )

    table = "jeton_rafraichissement"
    dead = uuid.uuid4()  # a session that ended two months ago
    rotated = await token(dead, expires_in=-_days(60), revoked_ago=_days(80), reason="rotation")
    world.add(table, rotated, goes=True)
    world.add(
        table, await token(dead, expires_in=-_days(50), revoked_ago=None, reason=""), goes=True
    )
    living = uuid.uuid4()  # rotated long ago, its successor still valid: reuse detection
    rotated = await token(living, expires_in=-_days(45), revoked_ago=_days(75), reason="rotation")
    world.add(table, rotated, goes=False)
    world.add(
        table, await token(living, expires_in=_days(10), revoked_ago=None, reason=""), goes=False
    )
    recent = uuid.uuid4()  # logged out last week: inside the period
    out = await token(recent, expires_in=_days(20), revoked_ago=_days(7), reason="deconnexion")
    world.add(table, out, goes=False)


async def _keys(engine: AsyncEngine, world: World, user_id: int, transaction_id: int) -> None:
    async def key(expires_in: timedelta, transaction: int | None) -> int:
        return await _insert(
            engine,
            "INSERT INTO cle_idempotence (id_user, cle, empreinte_requete, statut, code_http,"
            " reponse, id_transaction, date_creation, date_expiration)"
            " VALUES (:u, :k, :h, 'terminee', 201, '{\"success\": true}', :t,"
            " now() - interval '2 days', now() + CAST(:expires AS interval)) RETURNING id_cle",
            u=user_id,
            k=str(uuid.uuid4()),
            h=_digest(str(uuid.uuid4())),
            t=transaction,
            expires=expires_in,
        )

    hour = timedelta(hours=1)
    # Past its replay window, though it names a transaction: the transaction stays.
    world.add("cle_idempotence", await key(-hour, transaction_id), goes=True)
    world.add("cle_idempotence", await key(-hour, None), goes=True)
    world.add("cle_idempotence", await key(hour, transaction_id), goes=False)


async def _webhooks(engine: AsyncEngine, world: World, settled: int, pending: int) -> None:
    async def webhook(status: str, operation: int | None, age: timedelta) -> int:
        return await _insert(
            engine,
            "INSERT INTO webhook_entrant (fournisseur, id_externe, corps_brut, signature_valide,"
            " statut, id_operation, date_reception)"
            " VALUES ('sandbox', :e, '{}', true, :s, :o, now() - CAST(:age AS interval))"
            " RETURNING id_webhook",
            e=str(uuid.uuid4()),
            s=status,
            o=operation,
            age=age,
        )

    table, old = "webhook_entrant", _days(45)
    world.add(table, await webhook("traite", settled, old), goes=True)
    world.add(table, await webhook("ignore", None, old), goes=True)
    world.add(table, await webhook("traite", pending, old), goes=False)
    world.add(table, await webhook("traite", settled, _days(3)), goes=False)
    world.add(table, await webhook("recu", settled, old), goes=False)
    world.add(table, await webhook("erreur", settled, old), goes=False)
    # The notification that decided the settled deposit: its history names it.
    deciding = await scalar(
        engine,
        "SELECT (details ->> 'id_webhook')::bigint FROM historique_operation"
        " WHERE id_operation = :o AND details ? 'id_webhook'",
        o=settled,
    )
    assert deciding is not None
    await execute(
        engine,
        "UPDATE webhook_entrant SET date_reception = now() - CAST(:age AS interval)"
        " WHERE id_webhook = :w",
        w=deciding,
        age=old,
    )
    world.add(table, int(deciding), goes=False)


async def _jobs(engine: AsyncEngine, world: World) -> None:
    async def job(status: str, ended_ago: timedelta | None) -> int:
        return await _insert(
            engine,
            "INSERT INTO tache (nom, statut, tentatives, date_creation, date_fin)"
            " VALUES ('essai', :s, 1, now() - interval '200 days',"
            " now() - CAST(:ended AS interval)) RETURNING id_tache",
            s=status,
            ended=ended_ago,
        )

    world.add("tache", await job("terminee", _days(8)), goes=True)
    world.add("tache", await job("annulee", _days(8)), goes=True)
    world.add("tache", await job("abandonnee", _days(91)), goes=True)
    world.add("tache", await job("terminee", _days(6)), goes=False)
    world.add("tache", await job("abandonnee", _days(30)), goes=False)
    world.add("tache", await job("en_attente", None), goes=False)


async def _ledger_checks(engine: AsyncEngine, world: World) -> None:
    async def check(age: timedelta) -> int:
        return await _insert(
            engine,
            "INSERT INTO controle_grand_livre (date_controle, ecarts, duree_ms)"
            " VALUES (now() - CAST(:age AS interval), 0, 12) RETURNING id_controle",
            age=age,
        )

    world.add("controle_grand_livre", await check(_days(91)), goes=True)
    world.add("controle_grand_livre", await check(_days(89)), goes=False)


async def build(client: httpx.AsyncClient, app: Any, engine: AsyncEngine) -> World:
    world = World()
    admin = await admin_token(client, engine)
    awa = await person(client, engine, 1)
    user_id = await _insert(
        engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=awa.phone
    )
    reference = (await credit(client, admin, awa.numero_compte, 10_000)).json()["data"]["reference"]
    transaction_id = await _insert(
        engine, 'SELECT id_transaction FROM "transaction" WHERE reference = :r', r=reference
    )
    paid = await deposit(client, awa, 5_000)
    await pay(client, paid)
    await settle(app)
    waiting = await deposit(client, awa, 2_000)
    assert waiting.status_code == 202, waiting.text
    settled, pending = [
        await _insert(
            engine,
            "SELECT id_operation FROM operation_fournisseur WHERE reference = CAST(:r AS uuid)",
            r=answer.json()["data"]["reference"],
        )
        for answer in (paid, waiting)
    ]
    assert (
        await _insert(
            engine,
            "SELECT count(*) FROM operation_fournisseur WHERE id_operation = :o"
            " AND statut = 'reussie'",
            o=settled,
        )
        == 1
    )
    await _otps(engine, world, user_id)
    await _tokens(engine, world, user_id)
    await _keys(engine, world, user_id, transaction_id)
    await _webhooks(engine, world, settled, pending)
    await _jobs(engine, world)
    await _ledger_checks(engine, world)
    for table in ("transaction", "ecriture", "journal_audit", "historique_operation"):
        world.ledger[table] = await _count(engine, table)
    return world


KEYS = {
    "otp": "id",
    "jeton_rafraichissement": "id",
    "cle_idempotence": "id_cle",
    "webhook_entrant": "id_webhook",
    "tache": "id_tache",
    "controle_grand_livre": "id_controle",
}


def retention_of(db: Database, *, batch: int = 2, budget: float = 600) -> Retention:
    # Batches of 2: every table takes several, through the keyset loop.
    return Retention(
        db, periods=Periods(), interval_seconds=3600, budget_seconds=budget, batch=batch
    )


class TestWhatGoesAndWhatStays:
    async def test_each_rule_deletes_past_its_period_and_keeps_what_is_needed(
        self,
        client: httpx.AsyncClient,
        app: Any,
        db: Database,
        db_engine: AsyncEngine,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        world = await build(client, app, db_engine)
        before = {table: await _ids(db_engine, table, key) for table, key in KEYS.items()}

        with caplog.at_level(logging.INFO, logger="hostolink.jobs.retention"):
            report = await retention_of(db).purge()

        assert report.complete
        for table, key in KEYS.items():
            left = await _ids(db_engine, table, key)
            assert not world.gone[table] & left, f"{table}: past its period, still there"
            assert world.kept[table] <= left, f"{table}: needed, but deleted"
            # Nothing else went (the rows the scenario made are recent: they stay).
            assert before[table] - left == world.gone[table], table
            assert report.deleted[table] == len(world.gone[table])
        for table, count in world.ledger.items():
            assert await _count(db_engine, table) == count, table
        await assert_ledger_clean(db_engine)
        lines = [r.getMessage() for r in caplog.records if r.name == "hostolink.jobs.retention"]
        assert len(lines) == 1
        for part in (
            "otp=2",
            "jeton_rafraichissement=2",
            "cle_idempotence=2",
            "tache=3",
            "controle_grand_livre=1",
        ):
            assert part in lines[0]

        again = await retention_of(db).purge()
        assert again.complete
        assert again.total == 0


class TestOneAtATime:
    async def test_a_purge_finding_another_at_work_stops_and_deletes_nothing(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        for _ in range(3):
            await _insert(
                db_engine,
                "INSERT INTO tache (nom, statut, date_fin) VALUES ('essai', 'terminee',"
                " now() - interval '30 days') RETURNING id_tache",
            )
        async with db_engine.connect() as other, other.begin():
            # Another process is inside a purge batch.
            await other.execute(
                text("SELECT pg_advisory_xact_lock(hashtext('hostolink.retention'))")
            )
            blocked = await retention_of(db).purge()
        assert not blocked.complete
        assert blocked.total == 0
        assert await _count(db_engine, "tache") == 3

        done = await retention_of(db).purge()
        assert done.complete
        assert done.deleted["tache"] == 3

    async def test_a_purge_out_of_time_stops_between_batches_and_says_so(
        self, db: Database, db_engine: AsyncEngine
    ) -> None:
        await _insert(
            db_engine,
            "INSERT INTO tache (nom, statut, date_fin) VALUES ('essai', 'terminee',"
            " now() - interval '30 days') RETURNING id_tache",
        )
        report = await retention_of(db, budget=0).purge()
        assert not report.complete
        assert await _count(db_engine, "tache") == 1

    async def test_once_per_interval_for_the_whole_cluster(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        """Two worker processes (two pools), each running the scheduling duty: one purge
        job exists, one of them runs it, and it schedules the next an interval later."""
        settings = make_settings(HOSTOLINK_RETENTION_INTERVAL_MINUTES=30)
        processes = [Database(database_url, connections=4) for _ in range(2)]
        try:
            workers = []
            for db in processes:
                worker = Worker(db, lease_seconds=60, timeout_seconds=50)
                retention.install(worker, db, settings)
                workers.append(worker)
            for worker in workers:
                await worker.run_periodic(force=True)
                await worker.run_periodic(force=True)
            assert await _count(db_engine, "tache") == 1

            ran = await asyncio.gather(*(worker.run_once() for worker in workers))
            assert sorted(ran) == [0, 1]
            async with db_engine.connect() as connection:
                jobs = (
                    await connection.execute(
                        text(
                            "SELECT statut, extract(epoch FROM date_execution - now()) AS dans"
                            " FROM tache WHERE nom = :n ORDER BY id_tache"
                        ),
                        {"n": RETENTION_JOB},
                    )
                ).all()
            assert [job.statut for job in jobs] == ["terminee", "en_attente"]
            assert 29 * 60 < jobs[1].dans <= 30 * 60
            for worker in workers:
                await worker.run_periodic(force=True)  # one is waiting: nothing added
            assert await _count(db_engine, "tache") == 2
        finally:
            for db in processes:
                await db.dispose()
