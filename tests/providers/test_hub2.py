"""Hub2Provider against a simulated Hub2 API (respx, at the HTTP boundary)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from hostolink.providers.base import (
    CollectionRequest,
    InvalidCallback,
    NextAction,
    OperationRef,
    Outcome,
    PayoutRequest,
    ProviderMisconfigured,
    ProviderProtocolError,
    ProviderRejected,
    ProviderUnavailable,
    ProviderUnreachable,
)
from hostolink.providers.hub2 import Hub2Provider, build
from tests.conftest import make_settings

BASE = "https://api.hub2.test"
API_KEY = "hub2-api-key-never-shown"
MERCHANT = "merchant-42"
SECRET = "whsec-current-0123456789"
OLD_SECRET = "whsec-previous-9876543210"
REF = "0b9c8f2e-3a41-4c55-9d0e-6f1a2b3c4d5e"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.intent.signature"
INTENT_URL = f"{BASE}/payment-intents"
ATTEMPT_URL = f"{BASE}/payment-intents/pi_abc123/payments"
AUTHENTICATION_URL = f"{BASE}/payment-intents/pi_abc123/authentication"
TRANSFERS_URL = f"{BASE}/transfers"
NOW = 1_760_000_000.0


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


def hub2(client: httpx.AsyncClient, *, secret: str | None = SECRET, **options: Any) -> Hub2Provider:
    return Hub2Provider(
        api_key=API_KEY,
        merchant_id=MERCHANT,
        environment="sandbox",
        webhook_secret=secret,
        base_url=BASE + "/",
        client=client,
        **options,
    )


def deposit(rail: str = "moov_money") -> CollectionRequest:
    return CollectionRequest(
        reference=REF,
        amount=2500,
        currency="XOF",
        msisdn="+2250102030405",
        rail=rail,
        description="Recharge Hostolink",
        callback_url="https://api.hostolink.test/api/fournisseurs/hub2/notifications",
        return_url="https://app.hostolink.test/portefeuille",
    )


def withdrawal(rail: str = "orange_money") -> PayoutRequest:
    return PayoutRequest(
        reference=REF,
        amount=15000,
        currency="XOF",
        msisdn="+2250708091011",
        rail=rail,
        description="Retrait Hostolink",
        callback_url="https://api.hostolink.test/api/fournisseurs/hub2/notifications",
        recipient_name="Awa Koné",
    )


def operation(
    direction: str = "depot",
    external_id: str | None = None,
    provider_data: dict[str, Any] | None = None,
) -> OperationRef:
    return OperationRef(
        reference=REF,
        direction=direction,  # type: ignore[arg-type]
        amount=2500,
        currency="XOF",
        msisdn="+2250102030405",
        rail="moov_money",
        external_id=external_id,
        provider_data=provider_data or {},
    )


def intent(status: str = "payment_required", **extra: Any) -> dict[str, Any]:
    return {
        "id": "pi_abc123",
        "merchantId": MERCHANT,
        "purchaseReference": REF,
        "customerReference": REF,
        "amount": 2500,
        "currency": "XOF",
        "token": TOKEN,
        "status": status,
        "payments": [],
        "mode": "sandbox",
        **extra,
    }


def payment(status: str = "processing", **extra: Any) -> dict[str, Any]:
    return {
        "id": "pay_789",
        "intentId": "pi_abc123",
        "status": status,
        "method": "mobile_money",
        "provider": "moov",
        "amount": 2500,
        "currency": "XOF",
        **extra,
    }


def transfer(status: str = "pending", **extra: Any) -> dict[str, Any]:
    return {
        "id": "tr_555",
        "reference": REF,
        "amount": 15000,
        "currency": "XOF",
        "status": status,
        "fees": [{"id": "fee_1", "amount": 150, "currency": "XOF"}],
        "providerReference": None,
        **extra,
    }


def sent_json(route: respx.Route, index: int = -1) -> Any:
    return json.loads(route.calls[index].request.content)


def assert_hub2_headers(request: httpx.Request) -> None:
    assert request.headers["ApiKey"] == API_KEY
    assert request.headers["MerchantId"] == MERCHANT
    assert request.headers["Environment"] == "sandbox"


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def no_intent_yet(mock: respx.MockRouter) -> respx.Route:
    """Hub2 holds no intent with our reference: this initiation is not a repeat."""
    return mock.get(INTENT_URL).mock(return_value=httpx.Response(200, json=[]))


def no_transfer_yet(mock: respx.MockRouter) -> respx.Route:
    """Hub2 holds no transfer with our reference: this initiation is not a repeat."""
    return mock.get(TRANSFERS_URL).mock(return_value=httpx.Response(200, json=[]))


class TestCollect:
    async def test_creates_an_intent_then_attempts_a_mobile_money_payment(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        create = respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        attempt = respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(
                201, json=intent("processing", payments=[payment("processing")])
            )
        )

        answer = await hub2(client).collect(deposit())

        request = create.calls.last.request
        assert request.method == "POST"
        assert str(request.url) == INTENT_URL
        assert_hub2_headers(request)
        assert sent_json(create) == {
            "customerReference": REF,
            "purchaseReference": REF,
            "amount": 2500,
            "currency": "XOF",
            "overrideBusinessName": "Hostolink",
        }
        assert_hub2_headers(attempt.calls.last.request)
        assert sent_json(attempt) == {
            "token": TOKEN,
            "paymentMethod": "mobile_money",
            "country": "CI",
            "provider": "moov",
            "mobileMoney": {"msisdn": "+2250102030405"},
        }
        assert answer.outcome is Outcome.PENDING
        assert answer.external_id == "pi_abc123"
        assert answer.provider_data == {
            "intent_id": "pi_abc123",
            "intent_token": TOKEN,
            "next_action": None,
        }
        assert answer.next_action is None
        assert answer.amount == 2500
        assert answer.payment_url is None
        assert "token" not in answer.raw
        assert answer.raw["payments"][0]["id"] == "pay_789"

    @pytest.mark.parametrize(
        ("rail", "provider"),
        [("orange_money", "orange"), ("mtn_momo", "mtn"), ("moov_money", "moov")],
    )
    async def test_maps_the_rail_to_hub2_provider(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter, rail: str, provider: str
    ) -> None:
        no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        attempt = respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(201, json=intent("processing", payments=[payment()]))
        )

        await hub2(client).collect(deposit(rail))

        assert sent_json(attempt)["provider"] == provider

    async def test_wave_gets_redirection_urls_and_returns_the_payment_page(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        redirect = {
            "type": "redirection",
            "message": "mm_wave_live.redirection",
            "data": {"url": "https://pay.wave.com/c/cos-abc", "method": "get"},
        }
        attempt = respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(
                201, json=intent("action_required", payments=[payment(nextAction=redirect)])
            )
        )

        answer = await hub2(client).collect(deposit("wave"))

        assert sent_json(attempt)["mobileMoney"] == {
            "msisdn": "+2250102030405",
            "onSuccessRedirectionUrl": "https://app.hostolink.test/portefeuille",
            "onFailedRedirectionUrl": "https://app.hostolink.test/portefeuille",
        }
        assert answer.outcome is Outcome.PENDING
        assert answer.payment_url == "https://pay.wave.com/c/cos-abc"
        assert answer.next_action == NextAction(
            kind="redirection", url="https://pay.wave.com/c/cos-abc"
        )
        assert answer.provider_data["next_action"] == {
            "kind": "redirection",
            "url": "https://pay.wave.com/c/cos-abc",
        }

    async def test_an_attempt_failed_at_once_is_a_failure_in_french(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        failed = payment("failed", failureCause={"code": "invalid_msisdn", "message": "x"})
        respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(201, json=intent("payment_required", payments=[failed]))
        )

        answer = await hub2(client).collect(deposit())

        assert answer.outcome is Outcome.FAILED
        assert answer.reason == "Ce numéro Mobile Money est incorrect."

    async def test_another_rail_is_unavailable_without_a_call(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        with pytest.raises(ProviderUnavailable, match="Hub2"):
            await hub2(client).collect(deposit("djamo"))
        assert respx_mock.calls.call_count == 0

    async def test_a_refused_intent_stops_before_the_attempt(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        error = {"status": 400, "code": "Bad Request", "message": "amount must be positive"}
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(400, json=error))
        attempt = respx_mock.post(ATTEMPT_URL)

        with pytest.raises(ProviderRejected) as caught:
            await hub2(client).collect(deposit())

        assert (
            caught.value.message == "Hub2 a refusé le paiement : vérifiez le numéro et le montant."
        )
        assert caught.value.detail == "hub2: HTTP 400 Bad Request"
        assert attempt.call_count == 0

    async def test_a_refused_attempt_is_a_refusal(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(402, json={"status": 402, "code": "Request Failed"})
        )

        with pytest.raises(ProviderRejected, match="refusé le paiement"):
            await hub2(client).collect(deposit())

    async def test_refused_credentials_are_a_configuration_problem(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(
            return_value=httpx.Response(401, json={"status": 401, "code": "Unauthorized"})
        )

        with pytest.raises(ProviderMisconfigured) as caught:
            await hub2(client).collect(deposit())

        assert caught.value.message == (
            "Ce moyen de paiement est mal configuré chez nous : l'équipe est prévenue."
        )
        assert caught.value.detail == "hub2: HTTP 401 Unauthorized"
        assert API_KEY not in str(caught.value)

    async def test_intent_timeouts_are_retried_then_unreachable(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        create = respx_mock.post(INTENT_URL).mock(side_effect=httpx.ConnectTimeout("slow"))

        with pytest.raises(ProviderUnreachable):
            await hub2(client).collect(deposit())

        assert create.call_count == 3  # an intent moves no money: safe to repeat

    async def test_intent_5xx_then_success_is_retried(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        create = respx_mock.post(INTENT_URL).mock(
            side_effect=[httpx.Response(502), httpx.Response(201, json=intent())]
        )
        attempt = respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(201, json=intent("processing", payments=[payment()]))
        )

        answer = await hub2(client).collect(deposit())

        assert create.call_count == 2
        assert attempt.call_count == 1
        assert answer.outcome is Outcome.PENDING

    async def test_the_attempt_is_never_repeated_on_5xx(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        attempt = respx_mock.post(ATTEMPT_URL).mock(
            side_effect=[httpx.Response(503), httpx.Response(201, json=intent("processing"))]
        )

        with pytest.raises(ProviderUnreachable):
            await hub2(client).collect(deposit())

        assert attempt.call_count == 1

    async def test_the_attempt_is_never_repeated_on_timeout(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        attempt = respx_mock.post(ATTEMPT_URL).mock(side_effect=httpx.ReadTimeout("slow"))

        with pytest.raises(ProviderUnreachable):
            await hub2(client).collect(deposit())

        assert attempt.call_count == 1

    @pytest.mark.parametrize(
        "response",
        [
            httpx.Response(201, text="<html>oops</html>"),
            httpx.Response(201, json=[intent()]),
            httpx.Response(201, json={"id": "pi_abc123", "status": "payment_required"}),
        ],
        ids=["not-json", "not-an-object", "no-token"],
    )
    async def test_an_unreadable_intent_is_a_protocol_error(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter, response: httpx.Response
    ) -> None:
        no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(return_value=response)
        attempt = respx_mock.post(ATTEMPT_URL)

        with pytest.raises(ProviderProtocolError):
            await hub2(client).collect(deposit())
        assert attempt.call_count == 0

    async def test_an_unreadable_attempt_answer_is_a_protocol_error(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(201, json={"id": "pi_abc123"})
        )

        with pytest.raises(ProviderProtocolError):
            await hub2(client).collect(deposit())


OTP_ACTION = {"type": "otp", "message": "mm_moov_sandbox.otp", "data": {}}
CODE_PROMPT = "Saisissez le code reçu par SMS de Moov Money"


def coded(code: str = "482913", **provider_data: Any) -> OperationRef:
    """The deposit as the flow knows it once Hub2 asked for a code."""
    data = {"intent_id": "pi_abc123", "intent_token": TOKEN, **provider_data}
    return operation(external_id="pi_abc123", provider_data=data)


class TestAuthentication:
    """Hub2's intent and attempt as its reference writes them [DOC]: the intent names our
    business, the attempt authenticates with the intent's token, and `nextAction` says what
    the payer does next."""

    async def test_the_intent_names_our_business_as_hub2_requires_of_aggregators(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        create = respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(201, json=intent("processing", payments=[payment()]))
        )

        await hub2(client, business_name="Clinique Hostolink").collect(deposit())

        assert sent_json(create)["overrideBusinessName"] == "Clinique Hostolink"

    async def test_the_attempt_carries_the_intent_token_and_an_e164_number(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        other = intent(token="eyJ.other-intent.sig")
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=other))
        attempt = respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(201, json=intent("processing", payments=[payment()]))
        )

        answer = await hub2(client).collect(deposit())

        body = sent_json(attempt)
        assert body["token"] == "eyJ.other-intent.sig"  # this intent's, not a fixed one
        # Hub2 documents numbers as "+225…" (its transfer sample) and no other format.
        assert body["mobileMoney"]["msisdn"] == "+2250102030405"
        # Kept for the code step, never in what is logged or stored as the answer.
        assert answer.provider_data["intent_token"] == "eyJ.other-intent.sig"
        assert "eyJ.other-intent.sig" not in json.dumps(answer.raw)

    async def test_an_otp_next_action_asks_the_payer_for_the_code(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        asked = payment("action_required", nextAction=OTP_ACTION)
        respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(201, json=intent("action_required", payments=[asked]))
        )

        answer = await hub2(client).collect(deposit("moov_money"))

        assert answer.outcome is Outcome.PENDING
        assert answer.next_action == NextAction(kind="otp", message=CODE_PROMPT)
        assert answer.payment_url is None
        assert answer.provider_data == {
            "intent_id": "pi_abc123",
            "intent_token": TOKEN,
            "next_action": {"kind": "otp", "message": CODE_PROMPT},
        }

    async def test_a_next_action_on_the_intent_is_read_too(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        body = intent("action_required", payments=[payment("processing")], nextAction=OTP_ACTION)
        respx_mock.post(ATTEMPT_URL).mock(return_value=httpx.Response(201, json=body))

        answer = await hub2(client).collect(deposit("orange_money"))

        assert answer.next_action == NextAction(
            kind="otp", message="Saisissez le code reçu par SMS d'Orange Money"
        )

    async def test_a_ussd_next_action_asks_nothing_of_the_app(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        ussd = payment("action_required", nextAction={"type": "ussd", "message": "*155#"})
        respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(201, json=intent("action_required", payments=[ussd]))
        )

        answer = await hub2(client).collect(deposit())

        assert answer.outcome is Outcome.PENDING
        assert answer.next_action is None

    async def test_the_failure_object_of_the_reference_gives_the_reason(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        failed = payment("failed", failure={"code": "customer_insufficient_funds", "message": ""})
        respx_mock.get(f"{INTENT_URL}/pi_abc123").mock(
            return_value=httpx.Response(200, json=intent("payment_required", payments=[failed]))
        )

        answer = await hub2(client).status(operation(external_id="pi_abc123"))

        assert answer.outcome is Outcome.FAILED
        assert answer.reason == "Solde insuffisant sur votre compte Mobile Money."


class TestSubmitCode:
    async def test_confirms_the_code_with_the_intent_token(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(AUTHENTICATION_URL).mock(
            return_value=httpx.Response(
                201, json=intent("successful", payments=[payment("successful")])
            )
        )

        answer = await hub2(client).submit_code(coded(), "482913")

        request = route.calls.last.request
        assert request.method == "POST"
        assert_hub2_headers(request)
        assert sent_json(route) == {"token": TOKEN, "confirmationCode": "482913"}
        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.external_id == "pi_abc123"
        assert answer.next_action is None
        assert answer.provider_data == {
            "intent_id": "pi_abc123",
            "intent_token": TOKEN,
            "next_action": None,
        }
        assert TOKEN not in json.dumps(answer.raw)

    async def test_a_payment_still_processing_is_pending_without_a_step(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(AUTHENTICATION_URL).mock(
            return_value=httpx.Response(201, json=intent("processing", payments=[payment()]))
        )

        answer = await hub2(client).submit_code(coded(), "482913")

        assert answer.outcome is Outcome.PENDING
        assert answer.next_action is None
        assert answer.provider_data["next_action"] is None

    async def test_a_code_asked_again_keeps_the_step(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        asked = payment("action_required", nextAction=OTP_ACTION)
        respx_mock.post(AUTHENTICATION_URL).mock(
            return_value=httpx.Response(201, json=intent("action_required", payments=[asked]))
        )

        answer = await hub2(client).submit_code(coded(), "000000")

        assert answer.outcome is Outcome.PENDING
        assert answer.next_action == NextAction(kind="otp", message=CODE_PROMPT)

    async def test_the_operator_failing_the_payment_is_a_failure(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        failed = payment("failed", failure={"code": "authentication_failed", "message": "x"})
        respx_mock.post(AUTHENTICATION_URL).mock(
            return_value=httpx.Response(201, json=intent("payment_required", payments=[failed]))
        )

        answer = await hub2(client).submit_code(coded(), "000000")

        assert answer.outcome is Outcome.FAILED
        assert answer.reason == (
            "Le paiement n'a pas été validé : confirmation refusée ou code incorrect."
        )

    async def test_a_refused_code_is_a_refusal_that_never_shows_the_code(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        error = {"status": 400, "code": "Bad Request", "message": "invalid confirmationCode"}
        respx_mock.post(AUTHENTICATION_URL).mock(return_value=httpx.Response(400, json=error))

        with pytest.raises(ProviderRejected) as caught:
            await hub2(client).submit_code(coded(), "731904")

        assert caught.value.message == (
            "L'opérateur n'a pas accepté ce code. Vérifiez le code reçu par SMS et réessayez."
        )
        assert caught.value.detail == "hub2: HTTP 400 Bad Request"
        assert "731904" not in str(caught.value)

    async def test_refused_credentials_are_a_misconfiguration(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(AUTHENTICATION_URL).mock(return_value=httpx.Response(403, json={}))

        with pytest.raises(ProviderMisconfigured):
            await hub2(client).submit_code(coded(), "482913")

    async def test_a_code_is_sent_once_even_on_timeout(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(AUTHENTICATION_URL).mock(side_effect=httpx.ReadTimeout("slow"))

        with pytest.raises(ProviderUnreachable):
            await hub2(client).submit_code(coded(), "482913")

        assert route.call_count == 1

    async def test_without_the_intent_token_nothing_is_sent(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(AUTHENTICATION_URL)
        without = operation(external_id="pi_abc123", provider_data={"intent_id": "pi_abc123"})

        with pytest.raises(ProviderRejected, match="recommencez"):
            await hub2(client).submit_code(without, "482913")

        assert route.call_count == 0


class TestRepeatedInitiation:
    """The flow sends an initiation again when its answer never came: Hub2 documents no
    idempotency on our references, so the adapter looks first and never creates twice."""

    async def test_a_first_deposit_looks_its_reference_up_first(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        search = no_intent_yet(respx_mock)
        respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(201, json=intent("processing", payments=[payment()]))
        )

        await hub2(client).collect(deposit())

        params = search.calls.last.request.url.params
        assert params["purchaseReference"] == REF
        assert_hub2_headers(search.calls.last.request)

    async def test_an_attempt_already_made_is_never_made_again(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        asked = payment("action_required", nextAction=OTP_ACTION)
        respx_mock.get(INTENT_URL).mock(
            return_value=httpx.Response(200, json=[intent("action_required", payments=[asked])])
        )
        create = respx_mock.post(INTENT_URL)
        attempt = respx_mock.post(ATTEMPT_URL)

        answer = await hub2(client).collect(deposit())

        assert create.call_count == attempt.call_count == 0
        assert answer.outcome is Outcome.PENDING
        assert answer.next_action == NextAction(kind="otp", message=CODE_PROMPT)
        assert answer.provider_data["intent_token"] == TOKEN

    async def test_an_intent_left_without_attempt_is_used_not_doubled(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(INTENT_URL).mock(return_value=httpx.Response(200, json=[intent()]))
        create = respx_mock.post(INTENT_URL)
        attempt = respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(201, json=intent("processing", payments=[payment()]))
        )

        answer = await hub2(client).collect(deposit())

        assert create.call_count == 0
        assert attempt.call_count == 1
        assert sent_json(attempt)["token"] == TOKEN
        assert answer.outcome is Outcome.PENDING

    async def test_a_transfer_already_sent_is_not_sent_again(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        search = respx_mock.get(TRANSFERS_URL).mock(
            return_value=httpx.Response(200, json=[transfer("pending")])
        )
        post = respx_mock.post(TRANSFERS_URL)

        answer = await hub2(client).payout(withdrawal())

        assert post.call_count == 0
        assert search.calls.last.request.url.params["reference"] == REF
        assert answer.outcome is Outcome.PENDING
        assert answer.external_id == "tr_555"

    async def test_a_lookup_that_fails_sends_nothing(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(TRANSFERS_URL).mock(side_effect=httpx.ConnectTimeout("slow"))
        post = respx_mock.post(TRANSFERS_URL)

        with pytest.raises(ProviderUnreachable):
            await hub2(client).payout(withdrawal())

        assert post.call_count == 0


class TestPayout:
    async def test_posts_a_mobile_money_transfer(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_transfer_yet(respx_mock)
        route = respx_mock.post(TRANSFERS_URL).mock(
            return_value=httpx.Response(201, json=transfer("pending"))
        )

        answer = await hub2(client).payout(withdrawal())

        request = route.calls.last.request
        assert request.method == "POST"
        assert_hub2_headers(request)
        assert sent_json(route) == {
            "reference": REF,
            "amount": 15000,
            "currency": "XOF",
            "description": "Retrait Hostolink",
            "destination": {
                "type": "mobile_money",
                "country": "CI",
                "recipientName": "Awa Koné",
                "msisdn": "+2250708091011",
                "provider": "orange",
            },
            "overrideBusinessName": "Hostolink",
        }
        assert answer.outcome is Outcome.PENDING
        assert answer.external_id == "tr_555"
        assert answer.provider_data == {"transfer_id": "tr_555"}
        assert answer.amount == 15000

    async def test_the_documented_transfer_request(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        """docs.hub2.io transfers_integration › « Making a transfer »: the sample's body is
        what we send (with our reference, and the business name aggregators must give)."""
        no_transfer_yet(respx_mock)
        route = respx_mock.post(TRANSFERS_URL).mock(return_value=httpx.Response(503))
        documented = PayoutRequest(
            reference=REF,
            amount=2000,
            currency="XOF",
            msisdn="+225000000000",
            rail="orange_money",
            description="<YOUR_DESCRIPTION>",
            callback_url="https://api.hostolink.test/api/fournisseurs/hub2/notifications",
            recipient_name="John Doe",
        )

        with pytest.raises(ProviderUnreachable):
            await hub2(client).payout(documented)

        assert sent_json(route) == {
            "reference": REF,
            "amount": 2000,
            "currency": "XOF",
            "description": "<YOUR_DESCRIPTION>",
            "destination": {
                "type": "mobile_money",
                "country": "CI",
                "recipientName": "John Doe",
                "msisdn": "+225000000000",
                "provider": "orange",
            },
            "overrideBusinessName": "Hostolink",
        }

    async def test_moov_withdrawal_and_an_immediate_success(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_transfer_yet(respx_mock)
        route = respx_mock.post(TRANSFERS_URL).mock(
            return_value=httpx.Response(201, json=transfer("successful", providerReference="MV1"))
        )

        answer = await hub2(client).payout(withdrawal("moov_money"))

        assert sent_json(route)["destination"]["provider"] == "moov"
        assert answer.outcome is Outcome.SUCCEEDED

    async def test_a_failed_transfer_carries_a_french_reason(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_transfer_yet(respx_mock)
        cause = {"code": "invalid_destination", "message": "Destination is not valid."}
        respx_mock.post(TRANSFERS_URL).mock(
            return_value=httpx.Response(201, json=transfer("failed", failureCause=cause))
        )

        answer = await hub2(client).payout(withdrawal())

        assert answer.outcome is Outcome.FAILED
        assert answer.reason == "Le numéro du bénéficiaire n'est pas valide."

    async def test_an_unknown_failure_cause_gets_a_generic_reason(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_transfer_yet(respx_mock)
        cause = {"code": "something_new", "message": "?"}
        respx_mock.post(TRANSFERS_URL).mock(
            return_value=httpx.Response(201, json=transfer("failed", failureCause=cause))
        )

        answer = await hub2(client).payout(withdrawal())

        assert answer.reason == "Le retrait a échoué."

    async def test_a_refusal_names_no_merchant_detail_to_the_user(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_transfer_yet(respx_mock)
        error = {"status": 402, "code": "insufficient-funds", "message": "not enough funds"}
        respx_mock.post(TRANSFERS_URL).mock(return_value=httpx.Response(402, json=error))

        with pytest.raises(ProviderRejected) as caught:
            await hub2(client).payout(withdrawal())

        assert caught.value.message == (
            "Le retrait ne peut pas être effectué pour le moment. Réessayez plus tard."
        )
        assert caught.value.detail == "hub2: HTTP 402 insufficient-funds"

    async def test_rate_limited_is_a_refusal_to_try_again(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_transfer_yet(respx_mock)
        respx_mock.post(TRANSFERS_URL).mock(return_value=httpx.Response(429))

        with pytest.raises(ProviderRejected, match="surchargé"):
            await hub2(client).payout(withdrawal())

    async def test_forbidden_is_a_configuration_problem(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_transfer_yet(respx_mock)
        respx_mock.post(TRANSFERS_URL).mock(return_value=httpx.Response(403, json={}))

        with pytest.raises(ProviderMisconfigured):
            await hub2(client).payout(withdrawal())

    async def test_a_timeout_is_not_retried(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_transfer_yet(respx_mock)
        route = respx_mock.post(TRANSFERS_URL).mock(side_effect=httpx.ReadTimeout("slow"))

        with pytest.raises(ProviderUnreachable):
            await hub2(client).payout(withdrawal())

        assert route.call_count == 1

    async def test_a_5xx_is_not_retried(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_transfer_yet(respx_mock)
        route = respx_mock.post(TRANSFERS_URL).mock(
            side_effect=[httpx.Response(500), httpx.Response(201, json=transfer())]
        )

        with pytest.raises(ProviderUnreachable):
            await hub2(client).payout(withdrawal())

        assert route.call_count == 1

    @pytest.mark.parametrize(
        "response",
        [
            httpx.Response(201, text="not json"),
            httpx.Response(201, json={"status": "pending"}),
            httpx.Response(201, json=transfer(amount="12.5")),
        ],
        ids=["not-json", "no-id", "fractional-amount"],
    )
    async def test_an_unreadable_answer_is_a_protocol_error(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter, response: httpx.Response
    ) -> None:
        no_transfer_yet(respx_mock)
        respx_mock.post(TRANSFERS_URL).mock(return_value=response)

        with pytest.raises(ProviderProtocolError):
            await hub2(client).payout(withdrawal())

    async def test_another_rail_is_unavailable(self, client: httpx.AsyncClient) -> None:
        with pytest.raises(ProviderUnavailable):
            await hub2(client).payout(withdrawal("banque"))


class TestStatus:
    async def test_reads_the_intent_by_id(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.get(f"{INTENT_URL}/pi_abc123").mock(
            return_value=httpx.Response(
                200, json=intent("successful", payments=[payment("successful")])
            )
        )

        answer = await hub2(client).status(operation(external_id="pi_abc123"))

        assert route.calls.last.request.method == "GET"
        assert_hub2_headers(route.calls.last.request)
        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.amount == 2500
        assert "token" not in answer.raw

    async def test_the_intent_id_may_come_from_provider_data(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{INTENT_URL}/pi_abc123").mock(
            return_value=httpx.Response(200, json=intent("processing", payments=[payment()]))
        )

        answer = await hub2(client).status(operation(provider_data={"intent_id": "pi_abc123"}))

        assert answer.outcome is Outcome.PENDING

    async def test_a_failed_attempt_fails_the_deposit(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        failed = payment(
            "failed", failureCause={"code": "customer_insufficient_funds", "message": "x"}
        )
        respx_mock.get(f"{INTENT_URL}/pi_abc123").mock(
            return_value=httpx.Response(200, json=intent("payment_required", payments=[failed]))
        )

        answer = await hub2(client).status(operation(external_id="pi_abc123"))

        assert answer.outcome is Outcome.FAILED
        assert answer.reason == "Solde insuffisant sur votre compte Mobile Money."

    async def test_an_intent_without_any_attempt_holds_no_payment(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{INTENT_URL}/pi_abc123").mock(
            return_value=httpx.Response(200, json=intent("payment_required"))
        )

        answer = await hub2(client).status(operation(external_id="pi_abc123"))

        assert answer.outcome is Outcome.UNKNOWN

    async def test_not_found_is_unknown(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{TRANSFERS_URL}/tr_555").mock(
            return_value=httpx.Response(404, json={"status": 404, "code": "Not Found"})
        )

        answer = await hub2(client).status(operation("retrait", external_id="tr_555"))

        assert answer.outcome is Outcome.UNKNOWN

    @pytest.mark.parametrize(
        ("status", "outcome"),
        [("pending", Outcome.PENDING), ("successful", Outcome.SUCCEEDED)],
    )
    async def test_reads_the_transfer_by_id(
        self,
        client: httpx.AsyncClient,
        respx_mock: respx.MockRouter,
        status: str,
        outcome: Outcome,
    ) -> None:
        respx_mock.get(f"{TRANSFERS_URL}/tr_555").mock(
            return_value=httpx.Response(200, json=transfer(status))
        )

        answer = await hub2(client).status(
            operation("retrait", provider_data={"transfer_id": "tr_555"})
        )

        assert answer.outcome is outcome
        assert answer.external_id == "tr_555"

    async def test_a_failed_transfer_explains_why(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        cause = {"code": "blacklisted_msisdn", "message": "The MSISDN is temporarily banned."}
        respx_mock.get(f"{TRANSFERS_URL}/tr_555").mock(
            return_value=httpx.Response(200, json=transfer("failed", failureCause=cause))
        )

        answer = await hub2(client).status(operation("retrait", external_id="tr_555"))

        assert answer.outcome is Outcome.FAILED
        assert answer.reason == "Ce numéro est temporairement bloqué par l'opérateur."

    async def test_without_an_id_the_transfer_is_searched_by_reference(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        someone_else = transfer("successful", id="tr_other", reference=REF + "-2")
        route = respx_mock.get(TRANSFERS_URL).mock(
            return_value=httpx.Response(200, json=[someone_else, transfer("pending")])
        )

        answer = await hub2(client).status(operation("retrait"))

        params = route.calls.last.request.url.params
        assert params["reference"] == REF
        assert params["perPage"] == "10"
        since = datetime.fromisoformat(params["from"])
        assert timedelta(days=30) < datetime.now(UTC) - since < timedelta(days=32)
        assert answer.outcome is Outcome.PENDING
        assert answer.external_id == "tr_555"  # the exact match only

    async def test_a_search_that_finds_nothing_is_unknown(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(TRANSFERS_URL).mock(return_value=httpx.Response(200, json=[]))

        answer = await hub2(client).status(operation("retrait"))

        assert answer.outcome is Outcome.UNKNOWN

    async def test_a_success_wins_over_a_failed_duplicate(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(TRANSFERS_URL).mock(
            return_value=httpx.Response(
                200,
                json=[transfer("failed", id="tr_1"), transfer("successful", id="tr_2")],
            )
        )

        answer = await hub2(client).status(operation("retrait"))

        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.external_id == "tr_2"

    async def test_without_an_id_the_intent_is_searched_by_purchase_reference(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.get(INTENT_URL).mock(
            return_value=httpx.Response(200, json=[intent("processing", payments=[payment()])])
        )

        answer = await hub2(client).status(operation("depot"))

        assert route.calls.last.request.url.params["purchaseReference"] == REF
        assert answer.outcome is Outcome.PENDING
        assert answer.provider_data["intent_id"] == "pi_abc123"

    async def test_a_search_answer_that_is_not_a_list_is_a_protocol_error(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(INTENT_URL).mock(return_value=httpx.Response(200, json={"x": 1}))

        with pytest.raises(ProviderProtocolError):
            await hub2(client).status(operation("depot"))


def envelope(event_type: str, data: dict[str, Any], event_id: str = "evt_001") -> bytes:
    return json.dumps(
        {"id": event_id, "type": event_type, "data": data, "createdAt": "2026-11-02T10:00:00Z"}
    ).encode()


class TestCallback:
    def test_a_signed_transfer_success(self, client: httpx.AsyncClient) -> None:
        body = envelope("transfer.succeeded", transfer("successful"))

        callback = hub2(client).parse_callback(
            body, {"Hub2-Signature": f"s1={sign(body)}"}, now=NOW
        )

        assert callback.event_id == "evt_001"
        assert callback.event_type == "transfer.succeeded"
        assert callback.reference == REF
        assert callback.external_id == "tr_555"
        assert callback.outcome is Outcome.SUCCEEDED
        assert callback.amount == 15000
        assert callback.trusted is True

    def test_a_signed_intent_success(self, client: httpx.AsyncClient) -> None:
        data = intent("successful", payments=[payment("successful")])
        body = envelope("payment_intent.succeeded", data)

        callback = hub2(client).parse_callback(
            body, {"hub2-signature": f"s1={sign(body)}"}, now=NOW
        )

        assert callback.external_id == "pi_abc123"
        assert callback.reference == REF
        assert callback.outcome is Outcome.SUCCEEDED
        assert "token" not in callback.raw["data"]

    def test_a_failed_payment_attempt_points_to_its_intent(self, client: httpx.AsyncClient) -> None:
        data = payment("failed", failureCause={"code": "canceled_by_customer", "message": "x"})
        body = envelope("payment.failed", data)

        callback = hub2(client).parse_callback(
            body, {"Hub2-Signature": f"s1={sign(body)}"}, now=NOW
        )

        assert callback.external_id == "pi_abc123"
        assert callback.outcome is Outcome.FAILED

    def test_an_intent_just_created_claims_no_outcome(self, client: httpx.AsyncClient) -> None:
        body = envelope("payment_intent.created", intent())

        callback = hub2(client).parse_callback(
            body, {"Hub2-Signature": f"s1={sign(body)}"}, now=NOW
        )

        assert callback.outcome is None
        assert callback.external_id == "pi_abc123"

    @pytest.mark.parametrize(
        "make_header",
        [
            lambda body: f"s1={sign(body, 'rotated-new-secret')},s0={sign(body)}",
            lambda body: f"s1={sign(body)},s0={sign(body, OLD_SECRET)}",
        ],
        ids=["ours-is-the-old-one", "ours-is-the-new-one"],
    )
    def test_either_signature_of_a_rotation_is_accepted(
        self, client: httpx.AsyncClient, make_header: Any
    ) -> None:
        body = envelope("transfer.failed", transfer("failed"))

        callback = hub2(client).parse_callback(body, {"Hub2-Signature": make_header(body)}, now=NOW)

        assert callback.outcome is Outcome.FAILED

    def test_a_bad_signature_is_refused(self, client: httpx.AsyncClient) -> None:
        body = envelope("transfer.succeeded", transfer("successful"))
        header = f"s1={sign(body, 'not-our-secret')},s0={sign(body, OLD_SECRET)}"

        with pytest.raises(InvalidCallback, match="signature"):
            hub2(client).parse_callback(body, {"Hub2-Signature": header}, now=NOW)

    def test_a_malformed_header_is_refused(self, client: httpx.AsyncClient) -> None:
        with pytest.raises(InvalidCallback):
            hub2(client).parse_callback(
                envelope("transfer.succeeded", transfer()),
                {"Hub2-Signature": "garbage"},
                now=NOW,
            )

    @pytest.mark.parametrize(
        "body",
        [
            b"not json at all",
            b"[1, 2]",
            json.dumps({"type": "transfer.succeeded", "data": transfer()}).encode(),
            json.dumps({"id": "evt_9", "type": "transfer.succeeded"}).encode(),
            envelope("transfer.succeeded", {"id": "tr_1"}),
        ],
        ids=["not-json", "not-an-object", "no-event-id", "no-data", "no-status"],
    )
    def test_a_signed_but_unreadable_body_is_refused(
        self, client: httpx.AsyncClient, body: bytes
    ) -> None:
        with pytest.raises(InvalidCallback):
            hub2(client).parse_callback(body, {"Hub2-Signature": f"s1={sign(body)}"}, now=NOW)


class TestSignatureScheme:
    """Hub2-Signature as documented: s1 with the current secret, s0 with the previous one,
    HMAC-SHA256 of the body as a JSON string [DOC webhooks_integration]."""

    def test_a_signature_under_another_name_is_refused(self, client: httpx.AsyncClient) -> None:
        body = envelope("transfer.succeeded", transfer("successful"))

        with pytest.raises(InvalidCallback, match="s1 or s0"):
            hub2(client).parse_callback(body, {"Hub2-Signature": f"v1={sign(body)}"}, now=NOW)

    def test_the_documented_header_with_both_signatures(self, client: httpx.AsyncClient) -> None:
        body = envelope("transfer.succeeded", transfer("successful"))
        value = f"s1={sign(body)},s0={sign(body, OLD_SECRET)}"

        callback = hub2(client).parse_callback(body, {"Hub2-Signature": value}, now=NOW)

        assert callback.outcome is Outcome.SUCCEEDED

    def test_a_body_reformatted_on_the_way_is_checked_as_hub2_signed_it(
        self, client: httpx.AsyncClient
    ) -> None:
        event = json.loads(envelope("transfer.succeeded", transfer("successful")))
        signed = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        received = json.dumps(event, indent=2).encode()  # a proxy pretty-printed it

        callback = hub2(client).parse_callback(
            received, {"Hub2-Signature": f"s1={sign(signed)}"}, now=NOW
        )

        assert callback.external_id == "tr_555"

    def test_a_reformatted_body_with_changed_content_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        event = json.loads(envelope("transfer.succeeded", transfer("pending")))
        signed = json.dumps(event, separators=(",", ":")).encode()
        event["data"]["status"] = "successful"
        received = json.dumps(event, indent=2).encode()

        with pytest.raises(InvalidCallback, match="does not match"):
            hub2(client).parse_callback(received, {"Hub2-Signature": f"s1={sign(signed)}"}, now=NOW)


def settings(**values: Any) -> Any:
    explicit: dict[str, Any] = {
        "HUB2_API_KEY": None,
        "HUB2_MERCHANT_ID": None,
        "HUB2_WEBHOOK_SECRET": None,
        "HUB2_ENVIRONMENT": "live",
        "HUB2_BASE_URL": "https://api.hub2.io",
    }
    explicit.update(values)
    return make_settings(**explicit)


class TestBuild:
    def test_none_without_credentials(self, client: httpx.AsyncClient) -> None:
        assert build(settings(), client) is None
        assert build(settings(HUB2_API_KEY=API_KEY), client) is None
        assert build(settings(HUB2_MERCHANT_ID=MERCHANT), client) is None

    def test_none_with_an_unknown_environment(self, client: httpx.AsyncClient) -> None:
        configured = settings(
            HUB2_API_KEY=API_KEY, HUB2_MERCHANT_ID=MERCHANT, HUB2_ENVIRONMENT="prod"
        )
        assert build(configured, client) is None

    async def test_built_with_credentials(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        configured = settings(
            HUB2_API_KEY=API_KEY,
            HUB2_MERCHANT_ID=MERCHANT,
            HUB2_ENVIRONMENT="Sandbox",
            HUB2_BASE_URL=BASE,
        )
        route = respx_mock.get(f"{TRANSFERS_URL}/tr_555").mock(
            return_value=httpx.Response(200, json=transfer())
        )

        provider = build(configured, client)

        assert provider is not None
        assert (provider.code, provider.name) == ("hub2", "Hub2")
        assert API_KEY not in repr(provider)
        await provider.status(operation("retrait", external_id="tr_555"))
        assert_hub2_headers(route.calls.last.request)

    async def test_the_business_name_comes_from_the_settings(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        no_intent_yet(respx_mock)
        configured = settings(
            HUB2_API_KEY=API_KEY,
            HUB2_MERCHANT_ID=MERCHANT,
            HUB2_ENVIRONMENT="sandbox",
            HUB2_BASE_URL=BASE,
            HUB2_BUSINESS_NAME="Hostolink Santé",
        )
        create = respx_mock.post(INTENT_URL).mock(return_value=httpx.Response(201, json=intent()))
        respx_mock.post(ATTEMPT_URL).mock(
            return_value=httpx.Response(201, json=intent("processing", payments=[payment()]))
        )

        provider = build(configured, client)
        assert provider is not None
        await provider.collect(deposit())

        assert sent_json(create)["overrideBusinessName"] == "Hostolink Santé"

    def test_the_business_name_defaults_to_hostolink(self) -> None:
        assert settings().hub2_business_name == "Hostolink"
