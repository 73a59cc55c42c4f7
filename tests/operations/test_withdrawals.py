"""Withdrawals through the sandbox provider: the money is held at once, sent or given back,
never twice; limits, PIN and funds are checked on the locked wallet."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.conftest import make_settings
from tests.factories import asgi_client, execute, scalar
from tests.operations.conftest import SANDBOX
from tests.operations.helpers import funded, make_due, operation, settle, system_balance, withdraw
from tests.wallet.helpers import (
    admin_token,
    assert_ledger_clean,
    balance,
    person,
    pin_token,
)


class TestWithdrawalFlow:
    async def test_withdrawal_is_held_then_sent(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 10_000)
        started = await withdraw(client, awa, 4_000)
        assert started.status_code == 202, started.text
        data = started.json()["data"]
        assert (data["statut"], data["montant_total"], data["numero"]) == (
            "en_attente",
            4_000,
            awa.phone,
        )
        # Held at once: the same money cannot leave twice.
        assert await balance(db_engine, awa.numero_compte) == 6_000
        assert await system_balance(db_engine, "retraits.sandbox") == 4_000
        await settle(app)
        done = await operation(client, awa, data["reference"])
        assert done["statut"] == "reussie"
        assert await balance(db_engine, awa.numero_compte) == 6_000
        assert await system_balance(db_engine, "retraits.sandbox") == 0
        assert await system_balance(db_engine, "fournisseur.sandbox") == 4_000
        kinds = await scalar(
            db_engine,
            "SELECT string_agg(type_notification, ',') FROM notification"
            " WHERE type_notification LIKE 'retrait%'",
        )
        assert kinds == "retrait_envoye"
        wallet = (await client.get("/api/portefeuille", headers=awa.headers)).json()["data"]
        assert wallet["plafonds"]["retrait_journalier_restant"] == 50_000 - 4_000
        await assert_ledger_clean(db_engine)

    async def test_refused_withdrawal_gives_money_and_limit_back(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        await execute(
            db_engine,
            "INSERT INTO bareme_frais (type_operation, fournisseur, frais_fixe, taux_points_base,"
            " frais_min) VALUES ('retrait', 'sandbox', 0, 100, 100)",
        )
        awa = await funded(client, db_engine, 10_000)
        started = await withdraw(client, awa, 5_000, numero="0700000099")
        data = started.json()["data"]
        assert (data["frais"], data["montant_total"]) == (100, 5_100)
        assert await balance(db_engine, awa.numero_compte) == 4_900
        await settle(app)
        done = await operation(client, awa, data["reference"])
        assert done["statut"] == "echouee"
        assert done["motif_echec"] == "Numéro inconnu chez l'opérateur (bac à sable)."
        assert await balance(db_engine, awa.numero_compte) == 10_000
        assert await system_balance(db_engine, "frais") == 0
        assert await system_balance(db_engine, "retraits.sandbox") == 0
        wallet = (await client.get("/api/portefeuille", headers=awa.headers)).json()["data"]
        assert wallet["plafonds"]["retrait_journalier_restant"] == 50_000
        history = (await client.get("/api/transactions", headers=awa.headers)).json()["data"]
        assert [h["type_transaction"] for h in history][:2] == ["remboursement", "retrait"]
        assert (
            await scalar(
                db_engine,
                "SELECT count(*) FROM notification WHERE type_notification = 'retrait_echoue'",
            )
            == 1
        )
        await assert_ledger_clean(db_engine)

    async def test_fee_is_booked_when_the_withdrawal_succeeds(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        await execute(
            db_engine,
            "INSERT INTO bareme_frais (type_operation, fournisseur, frais_fixe, taux_points_base,"
            " frais_min) VALUES ('retrait', NULL, 0, 100, 100)",
        )
        awa = await funded(client, db_engine, 10_000)
        await withdraw(client, awa, 5_000)
        await settle(app)
        assert await balance(db_engine, awa.numero_compte) == 4_900
        assert await system_balance(db_engine, "frais") == 100
        assert await system_balance(db_engine, "fournisseur.sandbox") == 5_000
        await assert_ledger_clean(db_engine)


class TestRefusals:
    async def test_bad_requests_move_nothing(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 10_000)
        cases = [
            ({"amount": 20_000}, 409, "InsufficientFunds"),
            ({"amount": 60_000}, 403, "LimitExceeded"),
            ({"amount": 100.5}, 422, None),
            ({"amount": "1000"}, 422, None),
            ({"amount": -100}, 422, None),
            ({"amount": 1_000, "pin": None}, 403, "PinRequired"),
            ({"amount": 1_000, "rail": "paypal"}, 404, "UnknownRail"),
            ({"amount": 1_000, "rail": "wave"}, 503, "RailUnavailable"),
            ({"amount": 1_000, "rail": "banque"}, 503, "RailUnavailable"),
            ({"amount": 1_000, "numero": "2721000000"}, 422, "InvalidNumber"),
            ({"amount": 1_000, "numero": "+33612345678"}, 422, "InvalidNumber"),
        ]
        for case, status, error in cases:
            extra: dict[str, Any] = {}
            if "pin" in case:
                extra["pin"] = case["pin"]
            if "rail" in case:
                extra["rail"] = case["rail"]
            if "numero" in case:
                extra["numero"] = case["numero"]
            answer = await withdraw(client, awa, case["amount"], **extra)
            assert answer.status_code == status, (case, answer.text)
            assert answer.json()["success"] is False
            if error:
                assert answer.json()["error"] == error, answer.text
        banque = await withdraw(client, awa, 1_000, rail="banque")
        assert "PI-SPI" in banque.json()["message"]
        assert await balance(db_engine, awa.numero_compte) == 10_000
        assert await scalar(db_engine, "SELECT count(*) FROM operation_fournisseur") == 0
        await assert_ledger_clean(db_engine)

    async def test_catalogue_says_what_is_available_and_why(
        self, client: httpx.AsyncClient, app: Any
    ) -> None:
        rails = {r["code"]: r for r in (await client.get("/api/fournisseurs")).json()["data"]}
        assert rails["sandbox"]["depot"]["disponible"] is True
        assert rails["wave"]["retrait"] == {
            "disponible": False,
            "raison": "Wave n'est pas configuré sur ce serveur (identifiants du fournisseur"
            " absents).",
        }
        assert rails["moov_money"]["depot"]["disponible"] is False
        assert "hub2" in rails["moov_money"]["depot"]["raison"]
        assert rails["djamo"]["depot"]["disponible"] is False
        assert "Djamo" in rails["djamo"]["depot"]["raison"]
        assert rails["orange_money"]["prefixes"] == ["07"]

    async def test_operator_must_match_the_number(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, database_url: str
    ) -> None:
        settings = make_settings(
            **SANDBOX,
            MTN_MOMO_API_USER="user",
            MTN_MOMO_API_KEY="key-for-tests",
            MTN_MOMO_COLLECTION_SUBSCRIPTION_KEY="sub-for-tests",
        )
        application = create_app(settings, database_url=database_url)
        try:
            async with asgi_client(application, base_url="http://t") as http:
                awa = await person(http, db_engine, 1)
                headers = {**awa.headers, "Idempotency-Key": "operator-check-1"}
                body = {"fournisseur": "mtn_momo", "montant": 1_000, "numero": "0700000001"}
                answer = await http.post("/api/depots", json=body, headers=headers)
                assert answer.status_code == 422
                assert answer.json()["error"] == "WrongOperator"
                assert "Orange Money" in answer.json()["message"]
        finally:
            await application.state.sandbox.close()
            await application.state.db.dispose()

    async def test_idempotency_key_replays_the_same_operation(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 10_000)
        first = await withdraw(client, awa, 3_000, key="retrait-cle-000001")
        again = await withdraw(client, awa, 3_000, key="retrait-cle-000001")
        assert again.status_code == 202
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["data"]["reference"] == first.json()["data"]["reference"]
        other = await withdraw(client, awa, 2_000, key="retrait-cle-000001")
        assert other.status_code == 409
        missing = await client.post(
            "/api/retraits",
            json={"fournisseur": "sandbox", "montant": 1000, "numero": awa.national, "pin": "x"},
            headers=awa.headers,
        )
        assert missing.status_code == 400
        await settle(app)
        assert await balance(db_engine, awa.numero_compte) == 7_000
        await assert_ledger_clean(db_engine)


class TestConcurrency:
    async def test_concurrent_withdrawals_only_start_what_the_balance_affords(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 10_000)
        token = await pin_token(client, awa)
        answers = await asyncio.gather(
            *(withdraw(client, awa, 3_000, pin_token=token) for _ in range(8))
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [202, 202, 202, 409, 409, 409, 409, 409], [a.text for a in answers]
        assert await balance(db_engine, awa.numero_compte) == 1_000
        await settle(app)
        assert (
            await scalar(
                db_engine, "SELECT count(*) FROM operation_fournisseur WHERE statut = 'reussie'"
            )
            == 3
        )
        assert await balance(db_engine, awa.numero_compte) == 1_000
        await assert_ledger_clean(db_engine)


class TestStuckWithdrawals:
    async def test_silent_operator_then_administrator_resolves(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 10_000)
        admin = await admin_token(client, db_engine)
        started = await withdraw(client, awa, 2_000, numero="0700000098")
        reference = started.json()["data"]["reference"]
        await settle(app)
        await make_due(db_engine, reference, age_minutes=600)
        await app.state.operations.reconcile()
        assert (await operation(client, awa, reference))["statut"] == "en_attente"
        listed = await client.get(
            "/api/admin/operations?statut=en_attente", headers={"Authorization": f"Bearer {admin}"}
        )
        assert [o["reference"] for o in listed.json()["data"]] == [reference]
        forbidden = await client.get("/api/admin/operations", headers=awa.headers)
        assert forbidden.status_code == 403
        resolved = await client.post(
            f"/api/admin/operations/{reference}/resolution",
            json={"statut": "echouee", "motif": "Confirmé non payé par l'opérateur"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["data"]["historique"][-1]["origine"] == "administrateur"
        assert await balance(db_engine, awa.numero_compte) == 10_000
        assert (
            await scalar(
                db_engine,
                "SELECT count(*) FROM journal_audit WHERE action = 'operation.resolution'",
            )
            == 1
        )
        again = await client.post(
            f"/api/admin/operations/{reference}/resolution",
            json={"statut": "reussie", "motif": "Deuxième tentative refusée"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert again.status_code == 409
        await assert_ledger_clean(db_engine)

    async def test_a_provider_that_forgot_the_payout_gives_nothing_back_on_its_own(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any, database_url: str
    ) -> None:
        """« Not found » proves nothing (Wave: a payout may exist without an id yet; MTN: a
        transaction is readable only on the platform that made it). The old flow released
        the hold here, two minutes after creation."""
        awa = await funded(client, db_engine, 10_000)
        started = await withdraw(client, awa, 2_000, numero="0700000098")
        reference = started.json()["data"]["reference"]
        # A sandbox that lost its records has forgotten the payout: its status call answers
        # "unknown".
        await execute(db_engine, "DELETE FROM operation_bac_a_sable")
        restarted = create_app(make_settings(**SANDBOX), database_url=database_url)
        try:
            await make_due(db_engine, reference, age_minutes=10)
            assert await restarted.state.operations.reconcile() == 1
            assert (await operation(client, awa, reference))["statut"] == "en_attente"
            await make_due(db_engine, reference, age_minutes=25 * 60)
            assert await restarted.state.operations.reconcile() == 1
        finally:
            await restarted.state.sandbox.close()
            await restarted.state.db.dispose()
        done = await operation(client, awa, reference)
        assert done["statut"] == "a_verifier"
        assert done["motif_echec"] is None
        assert await balance(db_engine, awa.numero_compte) == 8_000
        wallet = (await client.get("/api/portefeuille", headers=awa.headers)).json()["data"]
        assert (wallet["solde"], wallet["montant_bloque"]) == (8_000, 2_000)
        await assert_ledger_clean(db_engine)
