"""Money rails that fail safe, end to end: a withdrawal's held money goes back only on the
provider's definitive failure or an operator's audited decision; silence, lost answers,
« not found » and platform switches keep it held, reconciliation asks again (the same
request first, when the provider never confirmed it), and past the horizon the operators'
« à vérifier » queue takes over.

Providers are simulated at their HTTP boundary (Wave through respx) or by our sandbox
(numbers ending in 96: answer lost, done anyway; 95: platform switched)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.providers.sandbox.adapter import PLATFORM_SWITCH_CALLS
from tests.conftest import make_settings
from tests.factories import asgi_client, execute, scalar
from tests.metrics.helpers import scrape
from tests.operations.conftest import SANDBOX
from tests.operations.helpers import (
    backdate_sandbox,
    deposit,
    funded,
    make_due,
    operation,
    pay,
    sandbox_id,
    settle,
    started_deposit,
    system_balance,
    withdraw,
)
from tests.wallet.helpers import admin_token, assert_ledger_clean, balance, person

WAVE = "https://wave.test"
HORIZON_PASSED = 25 * 60  # minutes: past the default 24-hour horizon
ADMIN_OPERATIONS = "/api/admin/operations"


async def held(client: httpx.AsyncClient, who: Any) -> int:
    wallet = (await client.get("/api/portefeuille", headers=who.headers)).json()["data"]
    return int(wallet["montant_bloque"])


async def releases(engine: AsyncEngine) -> int:
    return int(
        await scalar(
            engine,
            "SELECT count(*) FROM \"transaction\" WHERE type_transaction = 'remboursement'",
        )
    )


async def reconcile_at(app: Any, engine: AsyncEngine, reference: str, *, age_minutes: int) -> None:
    await make_due(engine, reference, age_minutes=age_minutes)
    assert await app.state.operations.reconcile() == 1


# ---------------------------------------------------------------------------- Wave


class FakeWavePayouts:
    """Wave's payout API as the documentation describes it after a 5xx: the payout may exist
    without Wave being able to show it yet (search finds nothing); a POST again with the
    same idempotency key answers the payout (no time limit)."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.answering = False  # False: every POST answers 500 (the payout exists anyway)
        self.paid: set[str] = set()

    def post(self, request: httpx.Request) -> httpx.Response:
        key = request.headers["idempotency-key"]
        self.keys.append(key)
        body = json.loads(request.content)
        self.paid.add(key)  # Wave did it, each time the same payout (idempotency)
        if not self.answering:
            return httpx.Response(500, json={"code": "internal-server-error"})
        return httpx.Response(200, json=self.payout(body, status="succeeded"))

    @staticmethod
    def payout(body: dict[str, Any], *, status: str) -> dict[str, Any]:
        return {
            "id": "pt-185sewgm8100t",
            "currency": "XOF",
            "receive_amount": body["receive_amount"],
            "fee": "20",
            "mobile": body["mobile"],
            "client_reference": body["client_reference"],
            "status": status,
            "timestamp": "2026-12-09T10:00:00Z",
        }


@pytest.fixture
async def wave_app(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    settings = make_settings(**SANDBOX, WAVE_API_KEY="wave_ci_prod_test-key", WAVE_BASE_URL=WAVE)
    application = create_app(settings, database_url=database_url)
    yield application
    await application.state.sandbox.close()
    await application.state.db.dispose()


@pytest.fixture
async def wave_client(wave_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(wave_app) as http:
        yield http


class TestWaveLostAnswer:
    async def test_a_payout_whose_answer_was_lost_is_sent_again_never_given_back(
        self, wave_client: httpx.AsyncClient, db_engine: AsyncEngine, wave_app: Any
    ) -> None:
        """The double payment the old flow made: Wave answered 5xx, its search found
        nothing two minutes later, the hold was released — and Wave paid the payout."""
        client, app = wave_client, wave_app
        wave = FakeWavePayouts()
        awa = await funded(client, db_engine, 10_000)
        with respx.mock(assert_all_called=False) as mock:
            mock.post(f"{WAVE}/v1/payout").mock(side_effect=wave.post)
            mock.get(f"{WAVE}/v1/payouts/search").respond(200, json={"result": []})
            started = await withdraw(client, awa, 2_000, rail="wave")
            assert started.status_code == 202, started.text
            reference = started.json()["data"]["reference"]
            assert started.json()["data"]["statut"] == "initiee"
            assert await balance(db_engine, awa.numero_compte) == 8_000

            # Wave still answers 5xx: nothing is learnt, nothing is given back.
            await reconcile_at(app, db_engine, reference, age_minutes=10)
            assert (await operation(client, awa, reference))["statut"] == "initiee"
            assert await balance(db_engine, awa.numero_compte) == 8_000
            assert await held(client, awa) == 2_000

            # Wave answers again: the same request, the same key, finds the payout.
            wave.answering = True
            await reconcile_at(app, db_engine, reference, age_minutes=20)
        done = await operation(client, awa, reference)
        assert done["statut"] == "reussie"
        assert [c["origine"] for c in done["historique"]][-1] == "reconciliation"
        assert set(wave.keys) == {reference}  # one idempotency key: ours, every time
        assert len(wave.paid) == 1
        assert await balance(db_engine, awa.numero_compte) == 8_000
        assert await releases(db_engine) == 0
        assert await system_balance(db_engine, "fournisseur.wave") == 2_000
        assert await held(client, awa) == 0
        await assert_ledger_clean(db_engine)

    async def test_not_found_after_a_platform_switch_keeps_the_money_held(
        self, wave_client: httpx.AsyncClient, db_engine: AsyncEngine, wave_app: Any
    ) -> None:
        client, app = wave_client, wave_app
        awa = await funded(client, db_engine, 10_000)
        with respx.mock(assert_all_called=False) as mock:
            mock.post(f"{WAVE}/v1/payout").mock(
                side_effect=lambda r: httpx.Response(
                    200, json=FakeWavePayouts.payout(json.loads(r.content), status="processing")
                )
            )
            found = mock.get(f"{WAVE}/v1/payout/pt-185sewgm8100t")
            found.respond(404, json={"code": "not-found"})
            started = await withdraw(client, awa, 2_000, rail="wave")
            reference = started.json()["data"]["reference"]
            assert started.json()["data"]["statut"] == "en_attente"
            await reconcile_at(app, db_engine, reference, age_minutes=10)
            assert (await operation(client, awa, reference))["statut"] == "en_attente"
            await reconcile_at(app, db_engine, reference, age_minutes=HORIZON_PASSED)
            assert (await operation(client, awa, reference))["statut"] == "a_verifier"
            assert await balance(db_engine, awa.numero_compte) == 8_000
            # Still asked about: the payout shows up again, it is booked, never released.
            payout = FakeWavePayouts.payout(
                {"receive_amount": "2000", "mobile": awa.phone, "client_reference": reference},
                status="succeeded",
            )
            found.respond(200, json=payout)
            await reconcile_at(app, db_engine, reference, age_minutes=HORIZON_PASSED + 60)
        done = await operation(client, awa, reference)
        assert [c["statut"] for c in done["historique"]] == [
            "initiee",
            "en_attente",
            "a_verifier",
            "reussie",
        ]
        assert await releases(db_engine) == 0
        await assert_ledger_clean(db_engine)


# ------------------------------------------------------------------------- sandbox


class TestSandboxAnswerLost:
    async def test_withdrawal_done_but_unanswered_is_found_by_the_same_request(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 10_000)
        started = await withdraw(client, awa, 3_000, numero="0700000096")
        data = started.json()["data"]
        assert (started.status_code, data["statut"]) == (202, "initiee")
        assert "ne répond pas encore" in started.json()["message"]
        await settle(app)  # the sandbox pays; its notification is lost
        assert (await operation(client, awa, data["reference"]))["statut"] == "initiee"
        assert await held(client, awa) == 3_000
        assert await app.state.operations.reconcile() == 0  # asked again 30 s later
        await reconcile_at(app, db_engine, data["reference"], age_minutes=1)
        done = await operation(client, awa, data["reference"])
        assert done["statut"] == "reussie"
        assert len(await app.state.sandbox.operations()) == 1  # the repeat paid nothing twice
        assert await balance(db_engine, awa.numero_compte) == 7_000
        assert await releases(db_engine) == 0
        await assert_ledger_clean(db_engine)

    async def test_deposit_unanswered_is_credited_when_the_request_is_repeated(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await person(client, db_engine, 1)
        started = await deposit(client, awa, 5_000, numero="0700000096")
        data = started.json()["data"]
        assert (data["statut"], data["url_paiement"]) == ("initiee", None)
        await reconcile_at(app, db_engine, data["reference"], age_minutes=1)
        done = await operation(client, awa, data["reference"])
        assert done["statut"] == "reussie"
        assert await balance(db_engine, awa.numero_compte) == 5_000
        await assert_ledger_clean(db_engine)

    async def test_a_provider_down_at_initiation_gets_the_same_request_later(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        """A deposit whose session the payer never got: the repeat creates it, and the
        payer pays on the page it gives."""
        awa = await person(client, db_engine, 1)
        app.state.sandbox.outage = True
        started = await deposit(client, awa, 5_000)
        reference = started.json()["data"]["reference"]
        assert started.json()["data"]["statut"] == "initiee"
        assert not await app.state.sandbox.operations()
        await reconcile_at(app, db_engine, reference, age_minutes=1)
        assert (await operation(client, awa, reference))["statut"] == "initiee"
        app.state.sandbox.outage = False
        await reconcile_at(app, db_engine, reference, age_minutes=3)
        view = await client.get(f"/api/operations/{reference}", headers=awa.headers)
        assert view.json()["data"]["statut"] == "en_attente"
        await pay(client, view)
        await settle(app)
        assert (await operation(client, awa, reference))["statut"] == "reussie"
        assert await balance(db_engine, awa.numero_compte) == 5_000
        await assert_ledger_clean(db_engine)


class TestSandboxPlatformSwitch:
    async def test_not_found_is_no_failure_and_the_payout_is_booked_when_found(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 10_000)
        started = await withdraw(client, awa, 2_000, numero="0700000095")
        reference = started.json()["data"]["reference"]
        await settle(app)  # the sandbox pays; no notification (another platform)
        for minutes in range(PLATFORM_SWITCH_CALLS):
            await reconcile_at(app, db_engine, reference, age_minutes=10 + minutes)
            assert (await operation(client, awa, reference))["statut"] == "en_attente"
            assert await held(client, awa) == 2_000
        await reconcile_at(app, db_engine, reference, age_minutes=30)
        assert (await operation(client, awa, reference))["statut"] == "reussie"
        assert await releases(db_engine) == 0
        await assert_ledger_clean(db_engine)


class TestHorizon:
    async def test_a_silent_withdrawal_goes_to_the_operators_with_its_money_held(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 10_000)
        admin = {"Authorization": f"Bearer {await admin_token(client, db_engine)}"}
        started = await withdraw(client, awa, 2_000, numero="0700000098")
        reference = started.json()["data"]["reference"]
        await settle(app)
        await reconcile_at(app, db_engine, reference, age_minutes=23 * 60)
        assert (await operation(client, awa, reference))["statut"] == "en_attente"
        await reconcile_at(app, db_engine, reference, age_minutes=HORIZON_PASSED)
        view = await operation(client, awa, reference)
        assert view["statut"] == "a_verifier"
        assert view["historique"][-1]["origine"] == "reconciliation"
        assert await held(client, awa) == 2_000
        assert await balance(db_engine, awa.numero_compte) == 8_000
        # Still pending: the answer says so and the provider is still asked (hourly at most).
        assert await scalar(
            db_engine,
            "SELECT date_prochaine_verification IS NOT NULL FROM operation_fournisseur",
        )
        queue = await client.get(f"{ADMIN_OPERATIONS}?statut=a_verifier", headers=admin)
        assert [o["reference"] for o in queue.json()["data"]] == [reference]
        metrics = await scrape(client)
        assert metrics.matching("hostolink_operations", status="a_verifier", direction="retrait")

        resolved = await client.post(
            f"{ADMIN_OPERATIONS}/{reference}/resolution",
            json={"statut": "echouee", "motif": "Opérateur : aucun transfert reçu"},
            headers=admin,
        )
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["data"]["statut"] == "echouee"
        assert await balance(db_engine, awa.numero_compte) == 10_000
        assert await held(client, awa) == 0
        audited = await scalar(
            db_engine,
            "SELECT motif FROM journal_audit WHERE action = 'operation.resolution'",
        )
        assert audited == "Opérateur : aucun transfert reçu"
        await assert_ledger_clean(db_engine)

    async def test_an_unpaid_deposit_never_answered_waits_for_the_operators(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any, database_url: str
    ) -> None:
        awa, _, reference = await started_deposit(client, db_engine)
        # A sandbox that lost its records forgot the session: « unknown » for ever, our
        # clock decides nothing, then the horizon hands it to the operators. No money moved.
        await execute(db_engine, "DELETE FROM operation_bac_a_sable")
        restarted = create_app(make_settings(**SANDBOX), database_url=database_url)
        try:
            await make_due(db_engine, reference, age_minutes=61)
            await restarted.state.operations.reconcile()
            assert (await operation(client, awa, reference))["statut"] == "en_attente"
            await make_due(db_engine, reference, age_minutes=HORIZON_PASSED)
            await restarted.state.operations.reconcile()
        finally:
            await restarted.state.sandbox.close()
            await restarted.state.db.dispose()
        assert (await operation(client, awa, reference))["statut"] == "a_verifier"
        assert await balance(db_engine, awa.numero_compte) == 0
        await assert_ledger_clean(db_engine)

    async def test_the_provider_expiring_the_session_closes_the_deposit(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa, started, reference = await started_deposit(client, db_engine)
        await reconcile_at(app, db_engine, reference, age_minutes=29)
        assert (await operation(client, awa, reference))["statut"] == "en_attente"
        # As if the sandbox's clock had run: its session is past its 30 minutes.
        await backdate_sandbox(db_engine, sandbox_id(started), minutes=31)
        await reconcile_at(app, db_engine, reference, age_minutes=31)
        done = await operation(client, awa, reference)
        assert done["statut"] == "expiree"
        assert done["motif_echec"].startswith("Session de paiement expirée (bac à sable)")
        assert await balance(db_engine, awa.numero_compte) == 0
        await assert_ledger_clean(db_engine)


class TestOperatorQueue:
    async def test_resolution_is_refused_once_final_and_to_non_operators(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        awa = await funded(client, db_engine, 10_000)
        admin = {"Authorization": f"Bearer {await admin_token(client, db_engine)}"}
        started = await withdraw(client, awa, 2_000, numero="0700000098")
        reference = started.json()["data"]["reference"]
        await reconcile_at(app, db_engine, reference, age_minutes=HORIZON_PASSED)
        body = {"statut": "reussie", "motif": "Transfert confirmé par l'opérateur"}
        url = f"{ADMIN_OPERATIONS}/{reference}/resolution"
        assert (await client.post(url, json=body, headers=awa.headers)).status_code == 403
        listed = await client.get(f"{ADMIN_OPERATIONS}?statut=a_verifier", headers=awa.headers)
        assert listed.status_code == 403
        booked = await client.post(url, json=body, headers=admin)
        assert booked.json()["data"]["statut"] == "reussie"
        again = await client.post(
            url, json={"statut": "echouee", "motif": "Changement d'avis"}, headers=admin
        )
        assert again.status_code == 409
        assert await balance(db_engine, awa.numero_compte) == 8_000
        assert await system_balance(db_engine, "fournisseur.sandbox") == 2_000
        assert await releases(db_engine) == 0
        await assert_ledger_clean(db_engine)

    async def test_an_unacknowledged_payout_is_released_only_from_the_queue(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
    ) -> None:
        """Reconciliation may be sending an unacknowledged payout again while an operator
        would release it: the release waits for the queue, which is never sent again."""
        awa = await funded(client, db_engine, 10_000)
        admin = {"Authorization": f"Bearer {await admin_token(client, db_engine)}"}
        app.state.sandbox.outage = True  # the request never reaches the operator
        started = await withdraw(client, awa, 2_000)
        reference = started.json()["data"]["reference"]
        url = f"{ADMIN_OPERATIONS}/{reference}/resolution"
        body = {"statut": "echouee", "motif": "Client pressé, opérateur muet"}
        early = await client.post(url, json=body, headers=admin)
        assert (early.status_code, early.json()["error"]) == (409, "PayoutNotAcknowledged")
        assert await balance(db_engine, awa.numero_compte) == 8_000
        await reconcile_at(app, db_engine, reference, age_minutes=HORIZON_PASSED)
        assert (await operation(client, awa, reference))["statut"] == "a_verifier"
        app.state.sandbox.outage = False
        await reconcile_at(app, db_engine, reference, age_minutes=HORIZON_PASSED + 60)
        assert not await app.state.sandbox.operations()  # asked about, never sent again
        released = await client.post(url, json=body, headers=admin)
        assert released.status_code == 200, released.text
        assert await balance(db_engine, awa.numero_compte) == 10_000
        await assert_ledger_clean(db_engine)


# ---------------------------------------------------------------------------- configuration

MOMO = "https://momo.test"


@pytest.fixture
async def mtn_client(database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    settings = make_settings(
        **SANDBOX,
        MTN_MOMO_BASE_URL=MOMO,
        MTN_MOMO_API_USER="3f1c2a7e-5b7d-4c1e-9f0a-2d4b6c8e0a11",
        MTN_MOMO_API_KEY="key-for-tests",
        MTN_MOMO_COLLECTION_SUBSCRIPTION_KEY="sub-for-tests",
        MTN_MOMO_DISBURSEMENT_SUBSCRIPTION_KEY="sub-for-tests",
    )
    application = create_app(settings, database_url=database_url)
    async with asgi_client(application) as http:
        yield http, application
    await application.state.sandbox.close()
    await application.state.db.dispose()


class TestMisconfiguration:
    """MTN answers some configuration errors with HTTP 500 (an invalid callback host, a
    currency the account does not take): not an outage to wait out but a refusal, at once,
    in French — and the operators hear of it (an ERROR log for Sentry, a counter for their
    alert)."""

    async def test_a_withdrawal_refused_for_our_settings_is_refused_at_once(
        self,
        mtn_client: tuple[httpx.AsyncClient, Any],
        db_engine: AsyncEngine,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        client, _ = mtn_client
        awa = await funded(client, db_engine, 10_000)
        before = await scrape(client)
        with respx.mock(assert_all_called=False) as mock:
            mock.post(f"{MOMO}/disbursement/token/").respond(
                200, json={"access_token": "tok", "token_type": "access_token", "expires_in": 3600}
            )
            transfer = mock.post(f"{MOMO}/disbursement/v1_0/transfer").respond(
                500,
                json={
                    "code": "INVALID_CALLBACK_URL_HOST",
                    "message": "Callback URL with different host name to configured for API User.",
                },
            )
            with caplog.at_level("ERROR", logger="hostolink.operations"):
                answer = await withdraw(client, awa, 2_000, rail="mtn_momo", numero="0500000001")
        after = await scrape(client)

        assert transfer.call_count == 1  # not retried as if MTN were down
        # Refused for good, like any refusal (the operation is recorded, final, and a retry
        # with the same key replays it): the French reason says it is our side's doing.
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"] == "OperationRefusee"
        assert answer.json()["data"]["statut"] == "echouee"
        assert "un réglage est à corriger de notre côté" in answer.json()["message"]
        assert await balance(db_engine, awa.numero_compte) == 10_000  # nothing held
        assert await held(client, awa) == 0
        assert any("refuses our configuration" in r.getMessage() for r in caplog.records)
        labels = {"provider": "mtn_momo", "kind": "configuration"}
        counted = (after.value("hostolink_provider_errors_total", **labels) or 0) - (
            before.value("hostolink_provider_errors_total", **labels) or 0
        )
        assert counted == 1
        await assert_ledger_clean(db_engine)
