"""The payer's code step of a deposit (POST /api/depots/{reference}/code): Moov Money through
Hub2, Hub2 simulated at its HTTP boundary (respx), the real database behind the API."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.conftest import make_settings
from tests.factories import numbered, scalar
from tests.operations.conftest import SANDBOX
from tests.operations.helpers import deposit, operation, withdraw
from tests.wallet.helpers import admin_token, assert_ledger_clean, balance, credit, person

HUB2 = "https://api.hub2.test"
INTENTS = f"{HUB2}/payment-intents"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.intent-pi_code1.signature"
PROMPT = "Saisissez le code reçu par SMS de Moov Money"
MOOV_NUMBER = "0102030405"
FRENCH_DIGITS = "Le code est fait de 4 à 8 chiffres."
MAX_CODE_TRIES = 3  # a few tries (operations/payer_steps.py)


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    settings = make_settings(
        **SANDBOX,
        HUB2_BASE_URL=HUB2,
        HUB2_API_KEY="hub2-test-key",
        HUB2_MERCHANT_ID="merchant-test",
        HUB2_ENVIRONMENT="sandbox",
        HUB2_WEBHOOK_SECRET="hub2-test-webhook-secret",
    )
    application = create_app(settings, database_url=database_url)
    yield application
    await application.state.sandbox.close()
    await application.state.db.dispose()


def intent(status: str, *payments: dict[str, Any], reference: str = "") -> dict[str, Any]:
    return {
        "id": "pi_code1",
        "purchaseReference": reference,
        "customerReference": reference,
        "amount": 5000,
        "currency": "XOF",
        "token": TOKEN,
        "status": status,
        "payments": list(payments),
        "mode": "sandbox",
    }


def attempt(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": "pay_code1",
        "intentId": "pi_code1",
        "status": status,
        "method": "mobile_money",
        "provider": "moov",
        "amount": 5000,
        "currency": "XOF",
        **extra,
    }


ASKS_CODE = attempt(
    "action_required", nextAction={"type": "otp", "message": "mm_moov.otp", "data": {}}
)


class Hub2:
    """Hub2's routes for one Moov Money deposit that asks for a code (respx checks that each
    route registered is called: the code's routes are added by the test that sends one)."""

    def __init__(self, mock: respx.MockRouter) -> None:
        self.mock = mock
        # The adapter first looks our reference up (a repeat must not pay twice): none yet.
        self.lookup = mock.get(INTENTS).mock(return_value=httpx.Response(200, json=[]))
        self.create = mock.post(INTENTS).mock(
            return_value=httpx.Response(201, json=intent("payment_required"))
        )
        self.attempt = mock.post(f"{INTENTS}/pi_code1/payments").mock(
            return_value=httpx.Response(201, json=intent("action_required", ASKS_CODE))
        )

    def code_answers(self, response: httpx.Response | Exception) -> respx.Route:
        route = self.mock.post(f"{INTENTS}/pi_code1/authentication")
        if isinstance(response, Exception):
            return route.mock(side_effect=response)
        return route.mock(return_value=response)

    def intent_reads(self, body: dict[str, Any]) -> respx.Route:
        return self.mock.get(f"{INTENTS}/pi_code1").mock(
            return_value=httpx.Response(200, json=body)
        )


PAID = intent("successful", attempt("successful"))
STILL_ASKING = intent("action_required", ASKS_CODE)
WRONG_CODE = httpx.Response(
    400, json={"status": 400, "code": "Bad Request", "message": "invalid confirmation code"}
)


async def moov_deposit(client: httpx.AsyncClient, who: Any) -> str:
    started = await deposit(client, who, 5000, rail="moov_money", numero=MOOV_NUMBER)
    assert started.status_code == 202, started.text
    assert started.json()["data"]["statut"] == "en_attente"
    reference: str = started.json()["data"]["reference"]
    return reference


async def send_code(
    client: httpx.AsyncClient, who: Any, reference: str, code: Any = "482913"
) -> httpx.Response:
    return await client.post(
        f"/api/depots/{reference}/code", json={"code": code}, headers=who.headers
    )


class TestCodeExpected:
    async def test_a_deposit_that_asks_for_a_code_says_so(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, respx_mock: respx.MockRouter
    ) -> None:
        hub2 = Hub2(respx_mock)
        awa = await person(client, db_engine, 1)
        reference = await moov_deposit(client, awa)

        asked = await client.get(f"/api/depots/{reference}/code", headers=awa.headers)

        assert asked.status_code == 200, asked.text
        assert asked.json()["data"] == {"type": "otp", "message": PROMPT}
        assert asked.json()["message"] == PROMPT
        # What Hub2 received: our business name on the intent, the intent's token on the
        # attempt, the number in E.164.
        created = json.loads(hub2.create.calls.last.request.content)
        assert created["overrideBusinessName"] == "Hostolink"
        sent = json.loads(hub2.attempt.calls.last.request.content)
        assert sent["token"] == TOKEN
        assert sent["mobileMoney"] == {"msisdn": "+2250102030405"}

    async def test_the_deposit_itself_says_a_code_is_expected(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, respx_mock: respx.MockRouter
    ) -> None:
        # The web app and the Flutter app read the step from the deposit's own answer and
        # from the operation they follow, not only from the code route.
        Hub2(respx_mock)
        awa = await person(client, db_engine, 1)
        started = await deposit(client, awa, 5000, rail="moov_money", numero=MOOV_NUMBER)
        assert started.status_code == 202, started.text
        assert started.json()["data"]["action_attendue"] == {"type": "otp", "message": PROMPT}
        reference = started.json()["data"]["reference"]

        followed = await client.get(f"/api/operations/{reference}", headers=awa.headers)
        listed = await client.get("/api/operations", headers=awa.headers)

        assert followed.json()["data"]["action_attendue"] == {"type": "otp", "message": PROMPT}
        assert listed.json()["data"][0]["action_attendue"] == {"type": "otp", "message": PROMPT}

    async def test_a_sandbox_deposit_expects_no_code(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 1)
        started = await deposit(client, awa, 5000)
        data = started.json()["data"]
        reference = data["reference"]
        # Its page is what the payer must open.
        assert data["action_attendue"] == {"type": "redirection", "url": data["url_paiement"]}

        asked = await client.get(f"/api/depots/{reference}/code", headers=awa.headers)
        sent = await send_code(client, awa, reference)

        for answer in (asked, sent):
            assert answer.status_code == 409, answer.text
            assert answer.json()["message"] == "Aucun code n'est attendu pour ce dépôt."
        assert sent.json()["error"] == "CodeNotExpected"


class TestSubmitCode:
    async def test_the_right_code_credits_the_wallet(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, respx_mock: respx.MockRouter
    ) -> None:
        hub2 = Hub2(respx_mock)
        confirm = hub2.code_answers(httpx.Response(201, json=PAID))
        hub2.intent_reads(PAID)
        awa = await person(client, db_engine, 1)
        reference = await moov_deposit(client, awa)

        answer = await send_code(client, awa, reference, "482913")

        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["message"] == "Code accepté : votre portefeuille est crédité de 5 000 F CFA."
        assert body["data"]["statut"] == "reussie"
        assert body["data"]["action_attendue"] is None
        assert json.loads(confirm.calls.last.request.content) == {
            "token": TOKEN,
            "confirmationCode": "482913",
        }
        assert await balance(db_engine, awa.numero_compte) == 5000
        done = await operation(client, awa, reference)
        assert done["statut"] == "reussie"
        assert done["historique"][-1]["origine"] == "code_payeur"
        # The code itself is kept nowhere.
        stored = await scalar(
            db_engine,
            "SELECT concat(donnees_fournisseur::text, reponse_fournisseur::text)"
            " FROM operation_fournisseur WHERE reference = CAST(:r AS uuid)",
            r=reference,
        )
        assert "482913" not in stored
        await assert_ledger_clean(db_engine)

    async def test_a_refused_code_keeps_the_deposit_waiting(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, respx_mock: respx.MockRouter
    ) -> None:
        hub2 = Hub2(respx_mock)
        hub2.code_answers(WRONG_CODE)
        awa = await person(client, db_engine, 1)
        reference = await moov_deposit(client, awa)

        answer = await send_code(client, awa, reference, "000000")

        assert answer.status_code == 422, answer.text
        assert answer.json() == {
            "success": False,
            "error": "CodeRefused",
            "message": (
                "L'opérateur n'a pas accepté ce code. Vérifiez le code reçu par SMS et réessayez."
            ),
        }
        assert (await operation(client, awa, reference))["statut"] == "en_attente"
        asked = await client.get(f"/api/depots/{reference}/code", headers=awa.headers)
        assert asked.status_code == 200
        assert await balance(db_engine, awa.numero_compte) == 0

    async def test_a_code_asked_again_by_the_operator_says_so(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, respx_mock: respx.MockRouter
    ) -> None:
        hub2 = Hub2(respx_mock)
        hub2.code_answers(httpx.Response(201, json=STILL_ASKING))
        awa = await person(client, db_engine, 1)
        reference = await moov_deposit(client, awa)

        answer = await send_code(client, awa, reference, "000000")

        assert answer.status_code == 200, answer.text
        assert answer.json()["message"] == (
            "L'opérateur n'a pas accepté ce code : vérifiez-le et réessayez."
        )
        assert answer.json()["data"]["action_attendue"] == {"type": "otp", "message": PROMPT}

    async def test_after_a_few_codes_the_provider_decides(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, respx_mock: respx.MockRouter
    ) -> None:
        hub2 = Hub2(respx_mock)
        confirm = hub2.code_answers(WRONG_CODE)
        failed = attempt("failed", failure={"code": "authentication_failed", "message": "x"})
        read = hub2.intent_reads(intent("payment_required", failed))
        awa = await person(client, db_engine, 1)
        reference = await moov_deposit(client, awa)

        answers = [await send_code(client, awa, reference, "000000") for _ in range(3)]

        assert [a.status_code for a in answers] == [422, 422, 422]
        assert confirm.call_count == 3
        # The last try passed on, the operator's own answer on the payment decided.
        assert read.call_count >= 1
        done = await operation(client, awa, reference)
        assert done["statut"] == "echouee"
        assert done["motif_echec"] == (
            "Le paiement n'a pas été validé : confirmation refusée ou code incorrect."
        )
        late = await send_code(client, awa, reference, "482913")
        assert late.status_code == 409
        assert confirm.call_count == 3
        await assert_ledger_clean(db_engine)

    async def test_no_more_codes_than_the_limit_reach_the_operator(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, respx_mock: respx.MockRouter
    ) -> None:
        hub2 = Hub2(respx_mock)
        confirm = hub2.code_answers(WRONG_CODE)
        hub2.intent_reads(STILL_ASKING)  # the operator has not decided yet
        awa = await person(client, db_engine, 1)
        reference = await moov_deposit(client, awa)
        for _ in range(MAX_CODE_TRIES):
            await send_code(client, awa, reference, "000000")

        refused = await send_code(client, awa, reference, "482913")

        assert refused.status_code == 429, refused.text
        assert refused.json()["error"] == "TooManyCodes"
        assert refused.json()["message"].startswith("Trop de codes saisis pour ce dépôt")
        assert confirm.call_count == MAX_CODE_TRIES
        assert (await operation(client, awa, reference))["statut"] == "en_attente"

    async def test_an_operator_that_does_not_answer(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, respx_mock: respx.MockRouter
    ) -> None:
        hub2 = Hub2(respx_mock)
        confirm = hub2.code_answers(httpx.ReadTimeout("slow"))
        awa = await person(client, db_engine, 1)
        reference = await moov_deposit(client, awa)

        answer = await send_code(client, awa, reference)

        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "OperatorUnreachable"
        assert "inutile de ressaisir le code" in answer.json()["message"]
        assert confirm.call_count == 1  # a code is never sent twice by us
        assert (await operation(client, awa, reference))["statut"] == "en_attente"


class TestWhoAndWhat:
    async def test_another_persons_deposit_is_like_a_missing_one(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, respx_mock: respx.MockRouter
    ) -> None:
        Hub2(respx_mock)
        awa, kofi = await numbered(person, client, db_engine, 2)
        reference = await moov_deposit(client, awa)

        theirs = await send_code(client, kofi, reference)
        missing = await send_code(client, kofi, str(uuid.uuid4()))
        looked = await client.get(f"/api/depots/{reference}/code", headers=kofi.headers)

        assert theirs.status_code == missing.status_code == looked.status_code == 404
        assert theirs.json() == missing.json() == looked.json()
        assert theirs.json()["message"] == "Dépôt introuvable."
        anonymous = await client.post(f"/api/depots/{reference}/code", json={"code": "482913"})
        assert anonymous.status_code == 401

    async def test_a_withdrawal_takes_no_code(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 1)
        await credit(client, await admin_token(client, db_engine), awa.numero_compte, 10_000)
        started = await withdraw(client, awa, 4_000)
        reference = started.json()["data"]["reference"]

        answer = await send_code(client, awa, reference)
        asked = await client.get(f"/api/depots/{reference}/code", headers=awa.headers)

        assert answer.status_code == asked.status_code == 404
        assert answer.json()["message"] == "Dépôt introuvable."

    @pytest.mark.parametrize(
        "code",
        ["123", "123456789", "12a456", "12 34", "", "１２３４", 123456, None],
        ids=["3-digits", "9-digits", "letter", "space", "empty", "fullwidth", "number", "null"],
    )
    async def test_the_code_is_four_to_eight_digits(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, code: Any
    ) -> None:
        awa = await person(client, db_engine, 1)

        answer = await send_code(client, awa, str(uuid.uuid4()), code)

        assert answer.status_code == 422, answer.text
        assert answer.json()["success"] is False
        assert answer.json()["champs"][0]["champ"] == "code"

    async def test_the_digits_rule_is_said_in_french(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 1)

        answer = await send_code(client, awa, str(uuid.uuid4()), "12a456")

        assert answer.json()["champs"] == [{"champ": "code", "message": FRENCH_DIGITS}]

    async def test_only_the_code_is_accepted_in_the_body(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 1)

        answer = await client.post(
            f"/api/depots/{uuid.uuid4()}/code",
            json={"code": "482913", "montant": 1},
            headers=awa.headers,
        )

        assert answer.status_code == 422
