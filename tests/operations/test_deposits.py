"""Deposits through the sandbox provider: the payer confirms on the sandbox's page, the
signed notification is stored in the inbox and handled once, the wallet is credited."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.jobs import queue
from tests.conftest import make_settings
from tests.factories import asgi_client, execute, scalar
from tests.operations.conftest import SANDBOX
from tests.operations.helpers import (
    backdate_sandbox,
    deposit,
    make_due,
    operation,
    pay,
    sandbox_id,
    settle,
    started_deposit,
    system_balance,
)
from tests.wallet.helpers import assert_ledger_clean, balance, person

NOTIFY = "/api/fournisseurs/sandbox/notifications"


class TestDepositFlow:
    async def test_confirmed_deposit_credits_the_wallet_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await person(client, db_engine, 1)
        started = await deposit(client, awa, 5_000)
        assert started.status_code == 202, started.text
        data = started.json()["data"]
        assert data["statut"] == "en_attente"
        assert data["url_paiement"].startswith("http://localhost:3000/sandbox/paiement/sbx_")
        assert data["montant_total"] == 5_000
        assert await balance(db_engine, awa.numero_compte) == 0

        await pay(client, started)
        await settle(app)

        done = await operation(client, awa, data["reference"])
        assert done["statut"] == "reussie"
        assert [c["statut"] for c in done["historique"]] == ["initiee", "en_attente", "reussie"]
        assert done["historique"][-1]["origine"] == "notification"
        assert await balance(db_engine, awa.numero_compte) == 5_000
        assert await system_balance(db_engine, "fournisseur.sandbox") == -5_000
        notices = await scalar(
            db_engine, "SELECT count(*) FROM notification WHERE type_notification = 'depot_credite'"
        )
        assert notices == 1
        history = await client.get("/api/transactions", headers=awa.headers)
        assert history.json()["data"][0]["type_transaction"] == "depot"
        await assert_ledger_clean(db_engine)

    async def test_refused_payment_fails_and_credits_nothing(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await person(client, db_engine, 1)
        started = await deposit(client, awa, 5_000)
        await pay(client, started, accept=False)
        await settle(app)
        done = await operation(client, awa, started.json()["data"]["reference"])
        assert done["statut"] == "echouee"
        assert done["motif_echec"] == "Paiement refusé par le payeur (bac à sable)."
        assert done["url_paiement"] is None
        assert await balance(db_engine, awa.numero_compte) == 0
        await assert_ledger_clean(db_engine)

    async def test_deposit_fee_from_the_schedule_is_paid_on_top(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        await execute(
            db_engine,
            "INSERT INTO bareme_frais (type_operation, fournisseur, frais_fixe, taux_points_base,"
            " frais_min) VALUES ('depot', 'sandbox', 50, 100, 0)",
        )
        awa = await person(client, db_engine, 1)
        started = await deposit(client, awa, 10_000)
        data = started.json()["data"]
        assert (data["frais"], data["montant_total"]) == (150, 10_150)
        sandbox_op = await app.state.sandbox.get(data["url_paiement"].rsplit("/", 1)[-1])
        assert sandbox_op.amount == 10_150
        await pay(client, started)
        await settle(app)
        assert await balance(db_engine, awa.numero_compte) == 10_000
        assert await system_balance(db_engine, "frais") == 150
        await assert_ledger_clean(db_engine)


class TestNotifications:
    async def _event(self, app: Any, reference: str, *, event_id: str, statut: str) -> bytes:
        body = {
            "id": event_id,
            "type": "paiement.reussi",
            "data": {
                "id": "sbx_x",
                "reference": reference,
                "statut": statut,
                "montant": 5_000,
                "devise": "XOF",
            },
        }
        return json.dumps(body).encode()

    async def _post(
        self, client: httpx.AsyncClient, app: Any, body: bytes, *, signature: str | None = None
    ) -> httpx.Response:
        header = signature if signature is not None else app.state.sandbox.sign(body)
        return await client.post(
            NOTIFY,
            content=body,
            headers={"Sandbox-Signature": header, "Content-Type": "application/json"},
        )

    async def test_duplicated_delivery_is_one_inbox_row_and_one_credit(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, database_url: str
    ) -> None:
        application = create_app(
            make_settings(**{**SANDBOX, "SANDBOX_DUPLICATE_RATE": 1}), database_url=database_url
        )
        try:
            async with asgi_client(application, base_url="http://t") as http:
                awa = await person(http, db_engine, 1)
                started = await deposit(http, awa, 5_000)
                await pay(http, started)
                await settle(application)
                sandbox_op = next(iter((await application.state.sandbox.operations()).values()))
                assert sandbox_op.notifications_sent == 2
                assert await scalar(db_engine, "SELECT count(*) FROM webhook_entrant") == 1
                assert await balance(db_engine, awa.numero_compte) == 5_000
        finally:
            await application.state.sandbox.close()
            await application.state.db.dispose()
        await assert_ledger_clean(db_engine)

    async def test_replayed_and_out_of_order_notifications_change_nothing(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa, started, reference = await started_deposit(client, db_engine)
        await pay(client, started)
        await settle(app)
        event_id = await scalar(db_engine, "SELECT id_externe FROM webhook_entrant")
        # The same event again (a replay, freshly signed): acknowledged, not stored again.
        replay = await self._event(app, reference, event_id=event_id, statut="succeeded")
        again = await self._post(client, app, replay)
        assert again.status_code == 200
        assert again.json()["message"] == "Déjà reçue."
        # A late "failed" after the success (out of order): stored, handled, ignored.
        late = await self._event(app, reference, event_id="evt_late", statut="failed")
        assert (await self._post(client, app, late)).status_code == 200
        await settle(app)
        done = await operation(client, awa, reference)
        assert done["statut"] == "reussie"
        assert await scalar(db_engine, "SELECT count(*) FROM webhook_entrant") == 2
        assert await balance(db_engine, awa.numero_compte) == 5_000
        await assert_ledger_clean(db_engine)

    async def test_forged_stale_unsigned_and_unknown_notifications_are_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa, _, reference = await started_deposit(client, db_engine)
        body = await self._event(app, reference, event_id="evt_forged", statut="succeeded")
        forged = await self._post(
            client, app, body, signature=f"t={int(time.time())},v1={'0' * 64}"
        )
        assert forged.status_code == 401
        assert forged.json()["error"] == "CallbackRefused"
        stale = app.state.sandbox.sign(body, timestamp=int(time.time()) - 3600)
        assert (await self._post(client, app, body, signature=stale)).status_code == 401
        unsigned = await client.post(NOTIFY, content=body)
        assert unsigned.status_code == 401
        tampered = body.replace(b"5000", b"9000")
        signature = app.state.sandbox.sign(body)
        assert (await self._post(client, app, tampered, signature=signature)).status_code == 401
        unknown = await self._event(app, str(uuid.uuid4()), event_id="evt_u", statut="succeeded")
        assert (await self._post(client, app, unknown)).status_code == 404
        assert (
            await client.post("/api/fournisseurs/inconnu/notifications", content=b"{}")
        ).status_code == 404
        await settle(app)
        assert await scalar(db_engine, "SELECT count(*) FROM webhook_entrant") == 0
        assert await balance(db_engine, awa.numero_compte) == 0

    async def test_notified_amount_must_match(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa, _, reference = await started_deposit(client, db_engine)
        body = json.loads(await self._event(app, reference, event_id="evt_m", statut="succeeded"))
        body["data"]["montant"] = 50_000
        raw = json.dumps(body).encode()
        assert (await self._post(client, app, raw)).status_code == 200
        await settle(app)
        assert await scalar(db_engine, "SELECT statut FROM webhook_entrant") == "erreur"
        assert (await operation(client, awa, reference))["statut"] == "en_attente"
        assert await balance(db_engine, awa.numero_compte) == 0


class TestRecovery:
    async def test_lost_notification_is_found_by_reconciliation(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await person(client, db_engine, 1)
        started = await deposit(client, awa, 5_000, numero="0700000097")
        reference = started.json()["data"]["reference"]
        await pay(client, started)
        await settle(app)
        assert await scalar(db_engine, "SELECT count(*) FROM webhook_entrant") == 0
        assert await balance(db_engine, awa.numero_compte) == 0
        assert await app.state.operations.reconcile() == 0  # not due yet
        await make_due(db_engine, reference)
        assert await app.state.operations.reconcile() == 1
        done = await operation(client, awa, reference)
        assert done["statut"] == "reussie"
        assert done["historique"][-1]["origine"] == "reconciliation"
        assert await balance(db_engine, awa.numero_compte) == 5_000
        await assert_ledger_clean(db_engine)

    async def test_expired_session_closes_the_deposit_then_a_late_payment_still_credits(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa, started, reference = await started_deposit(client, db_engine)
        # Our clock closes nothing: the provider says the session is still open.
        await make_due(db_engine, reference, age_minutes=61)
        await app.state.operations.reconcile()
        assert (await operation(client, awa, reference))["statut"] == "en_attente"
        # The provider's session expires (its own clock): a definitive answer.
        await backdate_sandbox(db_engine, sandbox_id(started), minutes=31)
        await make_due(db_engine, reference, age_minutes=62)
        await app.state.operations.reconcile()
        assert (await operation(client, awa, reference))["statut"] == "expiree"
        await pay(client, started)
        await settle(app)
        done = await operation(client, awa, reference)
        assert done["statut"] == "reussie"
        assert [c["statut"] for c in done["historique"]][-2:] == ["expiree", "reussie"]
        assert await balance(db_engine, awa.numero_compte) == 5_000
        await assert_ledger_clean(db_engine)

    async def test_worker_killed_mid_job_runs_again_and_applies_once(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await person(client, db_engine, 1)
        started = await deposit(client, awa, 5_000)
        await pay(client, started)
        await app.state.sandbox.settle()  # the notification is in the inbox, its job queued
        async with db_engine.begin() as connection:  # a worker takes the job… and dies
            (job,) = await queue.claim(connection, queue="defaut", limit=5, lease_seconds=300)
        assert await app.state.worker.run_once() == 0  # its lease still holds
        assert await balance(db_engine, awa.numero_compte) == 0
        await execute(
            db_engine, "UPDATE tache SET verrouille_jusqu_a = now() - interval '1 s'"
        )  # the lease runs out
        assert await app.state.worker.run_once() == 1
        assert await app.state.worker.run_once() == 0
        assert (
            await scalar(db_engine, "SELECT tentatives FROM tache WHERE id_tache = :i", i=job.id)
            == 2
        )
        assert (
            await scalar(db_engine, "SELECT statut FROM tache WHERE id_tache = :i", i=job.id)
            == "terminee"
        )
        assert await balance(db_engine, awa.numero_compte) == 5_000
        await assert_ledger_clean(db_engine)

    async def test_a_failed_local_commit_is_retried_until_it_lands(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await person(client, db_engine, 1)
        started = await deposit(client, awa, 5_000)
        # The float account is missing: booking the credit fails inside its transaction.
        await execute(db_engine, "DELETE FROM compte WHERE code_systeme = 'fournisseur.sandbox'")
        await pay(client, started)
        await settle(app)
        assert await scalar(db_engine, "SELECT statut FROM tache") == "en_attente"
        assert "fournisseur.sandbox" in await scalar(db_engine, "SELECT derniere_erreur FROM tache")
        assert await balance(db_engine, awa.numero_compte) == 0
        await execute(
            db_engine,
            "INSERT INTO compte (numero_compte, type_compte, code_systeme, devise, solde, statut)"
            " VALUES ('SYS-F-SANDBOX', 'systeme', 'fournisseur.sandbox', 'XOF', 0, 'actif')",
        )
        await execute(db_engine, "UPDATE tache SET date_execution = now()")
        await settle(app)
        assert await scalar(db_engine, "SELECT statut FROM tache") == "terminee"
        assert await balance(db_engine, awa.numero_compte) == 5_000
        await assert_ledger_clean(db_engine)
