"""History, receipts, the administrators' money actions and `hostolink ledger verify`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure, bearer, count
from tests.factories import execute
from tests.wallet.helpers import (
    Person,
    admin_token,
    assert_ledger_clean,
    balance,
    credit,
    ledger_report,
    person,
    pin_token,
    send,
)


@pytest.fixture
async def admin(client: httpx.AsyncClient, db_engine: AsyncEngine) -> str:
    return await admin_token(client, db_engine)


@pytest.fixture
async def trio(client: httpx.AsyncClient, db_engine: AsyncEngine, admin: str) -> list[Person]:
    people = [await person(client, db_engine, n) for n in (1, 2, 3)]
    await credit(client, admin, people[0].numero_compte, 50_000)
    return people


class TestHistory:
    async def test_both_sides_see_the_movement(
        self, client: httpx.AsyncClient, trio: list[Person]
    ) -> None:
        alice, bob, _ = trio
        sent = await send(client, alice, bob.phone, 1_500, extra={"description": "Pharmacie"})
        reference = sent.json()["data"]["reference"]
        mine = (await client.get("/api/transactions", headers=alice.headers)).json()["data"]
        theirs = (await client.get("/api/transactions", headers=bob.headers)).json()["data"]
        assert mine[0]["reference"] == theirs[0]["reference"] == reference
        assert (mine[0]["sens"], mine[0]["montant"], mine[0]["solde_apres"]) == (
            "sortant",
            1_500,
            48_500,
        )
        assert (theirs[0]["sens"], theirs[0]["montant"], theirs[0]["solde_apres"]) == (
            "entrant",
            1_500,
            1_500,
        )
        assert theirs[0]["contrepartie"]["numero_compte"] == alice.numero_compte
        assert theirs[0]["description"] == "Pharmacie"
        assert mine[1]["type_transaction"] == "ajustement"  # the funding

    async def test_cursor_pagination_and_filters(
        self, client: httpx.AsyncClient, trio: list[Person]
    ) -> None:
        alice, bob, carol = trio
        for n in range(7):
            await send(client, alice, (bob if n % 2 else carol).phone, 100 + n)
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limite": 3} | ({"curseur": cursor} if cursor else {})
            page = (
                await client.get("/api/transactions", params=params, headers=alice.headers)
            ).json()
            seen += [item["reference"] for item in page["data"]]
            cursor = page["curseur_suivant"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 8
        outgoing = await client.get(
            "/api/transactions", params={"sens": "sortant"}, headers=alice.headers
        )
        assert len(outgoing.json()["data"]) == 7
        typed = await client.get(
            "/api/transactions", params={"type": "ajustement"}, headers=alice.headers
        )
        assert len(typed.json()["data"]) == 1
        future = await client.get(
            "/api/transactions", params={"du": "2999-01-01"}, headers=alice.headers
        )
        assert future.json()["data"] == []
        bad = await client.get("/api/transactions", params={"curseur": "!!"}, headers=alice.headers)
        assert_failure(bad, 422, "InvalidCursor")


class TestReceipts:
    async def test_visible_to_the_parties_and_admins_only(
        self, client: httpx.AsyncClient, trio: list[Person], admin: str
    ) -> None:
        alice, bob, carol = trio
        reference = (await send(client, alice, bob.phone, 900)).json()["data"]["reference"]
        for who in (alice, bob):
            receipt = await client.get(f"/api/transactions/{reference}", headers=who.headers)
            assert receipt.status_code == 200
            assert receipt.json()["data"]["montant"] == 900
            assert receipt.json()["data"]["ecritures"] is None
        stranger = await client.get(f"/api/transactions/{reference}", headers=carol.headers)
        assert_failure(stranger, 404, "TransactionNotFound")
        unknown = await client.get("/api/transactions/HL-000000000000", headers=alice.headers)
        assert unknown.json() == stranger.json()
        as_admin = await client.get(f"/api/admin/transactions/{reference}", headers=bearer(admin))
        entries = as_admin.json()["data"]["ecritures"]
        assert sorted(e["montant"] for e in entries) == [-900, 900]


class TestReversal:
    """M-8: a reversal happens once, and the original is marked."""

    async def test_reverse_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, trio: list[Person], admin: str
    ) -> None:
        alice, bob, _ = trio
        reference = (await send(client, alice, bob.phone, 4_000)).json()["data"]["reference"]
        path = f"/api/admin/transactions/{reference}/contre-passation"
        body = {"motif": "Erreur de destinataire signalée"}
        first = await client.post(path, json=body, headers=bearer(admin))
        assert first.status_code == 200, first.text
        data = first.json()["data"]
        assert data["type_transaction"] == "remboursement"
        assert data["reference_annulee"] == reference
        assert await balance(db_engine, alice.numero_compte) == 50_000
        assert await balance(db_engine, bob.numero_compte) == 0
        assert_failure(
            await client.post(path, json=body, headers=bearer(admin)), 409, "AlreadyReversed"
        )
        original = await client.get(f"/api/transactions/{reference}", headers=alice.headers)
        assert original.json()["data"]["statut"] == "remboursee"
        assert original.json()["data"]["contre_passee_par"] == data["reference"]
        async with db_engine.connect() as connection:
            audit = (
                await connection.execute(
                    text(
                        "SELECT action, motif, cle_cible FROM journal_audit"
                        " WHERE action = 'argent.remboursement'"
                    )
                )
            ).all()
        assert audit == [("argent.remboursement", body["motif"], reference)]
        await assert_ledger_clean(db_engine)

    async def test_concurrent_reversals_make_one(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, trio: list[Person], admin: str
    ) -> None:
        alice, bob, _ = trio
        reference = (await send(client, alice, bob.phone, 4_000)).json()["data"]["reference"]
        path = f"/api/admin/transactions/{reference}/contre-passation"
        responses = await asyncio.gather(
            *(
                client.post(path, json={"motif": "Double réclamation"}, headers=bearer(admin))
                for _ in range(8)
            )
        )
        assert sorted(r.status_code for r in responses) == [200] + [409] * 7
        assert await balance(db_engine, bob.numero_compte) == 0
        await assert_ledger_clean(db_engine)

    async def test_refused_when_the_recipient_has_spent_it(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, trio: list[Person], admin: str
    ) -> None:
        alice, bob, carol = trio
        reference = (await send(client, alice, bob.phone, 4_000)).json()["data"]["reference"]
        assert (await send(client, bob, carol.phone, 3_000)).status_code == 201
        response = await client.post(
            f"/api/admin/transactions/{reference}/contre-passation",
            json={"motif": "Erreur de destinataire"},
            headers=bearer(admin),
        )
        assert_failure(response, 409, "InsufficientFunds")
        await assert_ledger_clean(db_engine)

    async def test_needs_a_reason_and_an_admin(
        self, client: httpx.AsyncClient, trio: list[Person]
    ) -> None:
        alice, bob, _ = trio
        reference = (await send(client, alice, bob.phone, 100)).json()["data"]["reference"]
        path = f"/api/admin/transactions/{reference}/contre-passation"
        assert_failure(await client.post(path, json={"motif": "x"}, headers=alice.headers), 403)
        assert_failure(await client.post(path, json={}, headers=alice.headers), 403)
        assert_failure(await client.post(path, json={"motif": "Erreur de saisie"}), 401)


class TestAdjustments:
    async def test_credit_and_debit_are_relative_and_audited(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, trio: list[Person], admin: str
    ) -> None:
        alice = trio[0]
        path = f"/api/admin/comptes/{alice.numero_compte}/ajustements"
        debit = await client.post(
            path,
            json={"sens": "debit", "montant": 20_000, "motif": "Reprise d'un crédit en double"},
            headers=bearer(admin),
        )
        assert debit.status_code == 200, debit.text
        assert await balance(db_engine, alice.numero_compte) == 30_000
        too_much = await client.post(
            path,
            json={"sens": "debit", "montant": 30_001, "motif": "Reprise d'un crédit"},
            headers=bearer(admin),
        )
        assert_failure(too_much, 409, "InsufficientFunds")
        no_reason = await client.post(
            path, json={"sens": "credit", "montant": 5}, headers=bearer(admin)
        )
        assert_failure(no_reason, 422, "ValidationError")
        negative = await client.post(
            path,
            json={"sens": "credit", "montant": -5, "motif": "Montant négatif"},
            headers=bearer(admin),
        )
        assert_failure(negative, 422, "ValidationError")
        assert await count(db_engine, "journal_audit") == 2  # the funding and the debit
        assert await balance(db_engine, "SYS-AJUSTEMENTS") == -30_000
        await assert_ledger_clean(db_engine)

    async def test_an_idempotency_key_replays_an_adjustment(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, trio: list[Person], admin: str
    ) -> None:
        bob = trio[1]
        headers = bearer(admin) | {"Idempotency-Key": "ajustement-0001"}
        body = {"sens": "credit", "montant": 700, "motif": "Geste commercial"}
        path = f"/api/admin/comptes/{bob.numero_compte}/ajustements"
        first = await client.post(path, json=body, headers=headers)
        again = await client.post(path, json=body, headers=headers)
        assert first.json()["data"]["reference"] == again.json()["data"]["reference"]
        assert await balance(db_engine, bob.numero_compte) == 700


class TestAccountStatus:
    async def test_a_wallet_with_money_cannot_be_closed(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, trio: list[Person], admin: str
    ) -> None:
        alice, bob, _ = trio
        path = f"/api/admin/comptes/{alice.numero_compte}/statut"
        body = {"statut": "ferme", "motif": "Demande de clôture du client"}
        refused = await client.post(path, json=body, headers=bearer(admin))
        assert_failure(refused, 409, "AccountNotEmpty")
        assert "50 000 F CFA" in refused.json()["message"]
        empty = await client.post(
            f"/api/admin/comptes/{bob.numero_compte}/statut", json=body, headers=bearer(admin)
        )
        assert empty.status_code == 200
        assert empty.json()["statut"] == "ferme"
        assert_failure(await send(client, alice, bob.phone, 100), 409, "RecipientAccountFrozen")


class TestNotificationFailure:
    """M-6: a failure after the money (the previous back end's FCM push) never undoes it."""

    async def test_the_transfer_stands_when_notifications_fail(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, trio: list[Person]
    ) -> None:
        alice, bob, _ = trio
        await execute(
            db_engine,
            """CREATE FUNCTION test_notification_en_panne() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'notifications en panne'; END; $$""",
        )
        await execute(
            db_engine,
            "CREATE TRIGGER test_panne BEFORE INSERT ON notification FOR EACH ROW"
            " EXECUTE FUNCTION test_notification_en_panne()",
        )
        try:
            response = await send(client, alice, bob.phone, 1_000)
            assert response.status_code == 201, response.text
        finally:
            await execute(db_engine, "DROP TRIGGER test_panne ON notification")
            await execute(db_engine, "DROP FUNCTION test_notification_en_panne()")
        assert await balance(db_engine, bob.numero_compte) == 1_000
        assert await count(db_engine, "notification") == 1  # only the funding's


class TestLedgerVerifyCommand:
    def _run(self, database_url: str) -> subprocess.CompletedProcess[str]:
        env = os.environ | {"DATABASE_URL": database_url, "HOSTOLINK_ENV": "test"}
        return subprocess.run(
            [sys.executable, "-m", "hostolink", "ledger", "verify"],
            capture_output=True,
            text=True,
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            check=False,
        )

    async def test_clean_then_a_tampered_balance_is_reported(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        database_url: str,
        trio: list[Person],
    ) -> None:
        alice, bob, _ = trio
        await send(client, alice, bob.phone, 2_000)
        clean = await asyncio.to_thread(self._run, database_url)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert "Grand livre cohérent." in clean.stdout
        # The ledger refuses to be edited; a balance written behind its back is caught.
        await execute(
            db_engine,
            "UPDATE compte SET solde = solde + 1 WHERE numero_compte = :n",
            n=bob.numero_compte,
        )
        dirty = await asyncio.to_thread(self._run, database_url)
        assert dirty.returncode == 1
        assert "solde ≠ somme des écritures : 1" in dirty.stdout
        assert bob.numero_compte in dirty.stdout
        report = await ledger_report(db_engine)
        assert not report.ok

    async def test_entries_cannot_be_edited_or_deleted(
        self, db_engine: AsyncEngine, trio: list[Person]
    ) -> None:
        for statement in ("UPDATE ecriture SET montant = montant + 1", "DELETE FROM ecriture"):
            with pytest.raises(Exception, match="ajout seul"):
                await execute(db_engine, statement)


class TestNoticeWriter:
    async def test_every_notice_lands_once_when_many_transfers_end_together(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine, trio: list[Person]
    ) -> None:
        """Under load the writer groups notices; every notice still lands exactly once."""
        alice, bob, carol = trio
        before = await count(db_engine, "notification")
        # Parallel payments use a PIN token: twelve PINs checked at once would rightly look
        # like guessing to the lockout (attempts in flight count).
        token = await pin_token(client, alice)
        responses = await asyncio.gather(
            *(
                send(client, alice, (bob if n % 2 else carol).phone, 10 + n, pin_token=token)
                for n in range(12)
            )
        )
        assert [r.status_code for r in responses] == [201] * 12
        assert await count(db_engine, "notification") == before + 24
        async with db_engine.connect() as connection:
            kinds = (
                await connection.execute(
                    text(
                        "SELECT type_notification, count(*) FROM notification"
                        " WHERE id_transaction IS NOT NULL GROUP BY 1 ORDER BY 1"
                    )
                )
            ).all()
        assert dict(kinds)["argent_envoye"] == 12
        assert dict(kinds)["argent_recu"] == 12
