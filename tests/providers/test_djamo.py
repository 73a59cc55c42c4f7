"""DjamoProvider against a simulated Djamo Business API (respx, at the HTTP boundary)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from hostolink.providers.base import (
    CollectionRequest,
    InvalidCallback,
    OperationRef,
    Outcome,
    PayoutRequest,
    ProviderMisconfigured,
    ProviderProtocolError,
    ProviderRejected,
    ProviderUnavailable,
    ProviderUnreachable,
)
from hostolink.providers.djamo import DjamoProvider, build
from hostolink.providers.registry import RAILS, build_providers
from tests.conftest import make_settings

BASE = "https://api.djamo.test"
API_KEY = "djamo_staging_civ_secret-key-never-shown"
SECRET = "djamo-webhook-secret-0123"
REF = "5d1f7a9c-2b3e-4f60-8a71-9c0d1e2f3a4b"
TRANSACTIONS_URL = f"{BASE}/v1/transactions"
TXN = "txn_2cdc8ab1-6d50-49cc-ba14-54e4ac7ec231"
NOW = 1_760_000_000.0


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


def djamo(client: httpx.AsyncClient, *, secret: str | None = SECRET) -> DjamoProvider:
    return DjamoProvider(api_key=API_KEY, webhook_secret=secret, base_url=BASE, client=client)


def withdrawal(amount: int = 50_000, currency: str = "XOF") -> PayoutRequest:
    return PayoutRequest(
        reference=REF,
        amount=amount,
        currency=currency,
        msisdn="+2250708091011",
        rail="djamo",
        description="Retrait Hostolink",
        callback_url="https://api.hostolink.test/api/fournisseurs/djamo/notifications",
        recipient_name="Yao Kouassi",
    )


def operation(
    external_id: str | None = None, provider_data: dict[str, Any] | None = None
) -> OperationRef:
    return OperationRef(
        reference=REF,
        direction="retrait",
        amount=50_000,
        currency="XOF",
        msisdn="+2250708091011",
        rail="djamo",
        external_id=external_id,
        provider_data=provider_data or {},
    )


def transaction(status: str = "pending", **extra: Any) -> dict[str, Any]:
    return {
        "id": TXN,
        "createdAt": "2026-11-02T17:43:15.970Z",
        "updatedAt": "2026-11-02T17:43:15.970Z",
        "amount": 50_000,
        "fee": 500,
        "totalAmount": 50_500,
        "msisdn": "+2250708091011",
        "status": status,
        "reference": REF,
        "type": "transfer",
        "batchId": None,
        **extra,
    }


def sent_json(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


def sign_hex(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_base64(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class TestCollect:
    async def test_deposits_are_unavailable_without_a_call(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        request = CollectionRequest(
            reference=REF,
            amount=10_000,
            currency="XOF",
            msisdn="+2250708091011",
            rail="djamo",
            description="Recharge",
            callback_url="https://api.hostolink.test/cb",
            return_url="https://app.hostolink.test/",
        )

        with pytest.raises(ProviderUnavailable) as caught:
            await djamo(client).collect(request)

        assert "Djamo" in caught.value.message
        assert "API" in caught.value.message
        assert respx_mock.calls.call_count == 0


class TestPayout:
    async def test_posts_a_transfer_with_the_bearer_key(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(TRANSACTIONS_URL).mock(
            return_value=httpx.Response(201, json=transaction("pending"))
        )

        answer = await djamo(client).payout(withdrawal())

        request = route.calls.last.request
        assert request.method == "POST"
        assert str(request.url) == TRANSACTIONS_URL
        assert request.headers["Authorization"] == f"Bearer {API_KEY}"
        assert sent_json(route) == {
            "msisdn": "+2250708091011",
            "amount": 50_000,
            "reference": REF,
            "description": "Retrait Hostolink",
            "type": "transfer",
        }
        assert answer.outcome is Outcome.PENDING
        assert answer.external_id == TXN
        assert answer.provider_data == {"transaction_id": TXN}
        assert answer.amount == 50_000
        assert answer.raw["fee"] == 500

    @pytest.mark.parametrize("amount", [5_000, 500_000])
    async def test_the_bounds_of_the_range_are_allowed(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter, amount: int
    ) -> None:
        route = respx_mock.post(TRANSACTIONS_URL).mock(
            return_value=httpx.Response(201, json=transaction("completed", amount=amount))
        )

        answer = await djamo(client).payout(withdrawal(amount))

        assert sent_json(route)["amount"] == amount
        assert answer.outcome is Outcome.SUCCEEDED

    @pytest.mark.parametrize("amount", [4_999, 500_001, 0])
    async def test_outside_the_range_is_refused_before_any_call(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter, amount: int
    ) -> None:
        with pytest.raises(ProviderRejected) as caught:
            await djamo(client).payout(withdrawal(amount))

        assert caught.value.message == (
            "Un retrait vers Djamo doit être compris entre "
            "5\u202f000 et 500\u202f000\u00a0F\u00a0CFA."
        )
        assert caught.value.detail == f"djamo: amount {amount}"
        assert respx_mock.calls.call_count == 0

    async def test_another_currency_is_refused(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        with pytest.raises(ProviderRejected, match="XOF"):
            await djamo(client).payout(withdrawal(currency="EUR"))
        assert respx_mock.calls.call_count == 0

    async def test_a_failed_transaction_carries_a_french_reason(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(TRANSACTIONS_URL).mock(
            return_value=httpx.Response(
                201, json=transaction("failed", failureReason="ACCOUNT_NOT_FOUND")
            )
        )

        answer = await djamo(client).payout(withdrawal())

        assert answer.outcome is Outcome.FAILED
        assert answer.reason == "Aucun compte Djamo n'est associé à ce numéro."

    async def test_an_unlisted_failure_gets_the_generic_reason(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(TRANSACTIONS_URL).mock(
            return_value=httpx.Response(201, json=transaction("failed", failureReason=None))
        )

        answer = await djamo(client).payout(withdrawal())

        assert answer.reason == "Le retrait vers Djamo a échoué."

    async def test_a_4xx_is_a_refusal(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(TRANSACTIONS_URL).mock(
            return_value=httpx.Response(
                400, json={"code": "invalid_msisdn", "message": "msisdn is not a Djamo client"}
            )
        )

        with pytest.raises(ProviderRejected) as caught:
            await djamo(client).payout(withdrawal())

        assert "compte Djamo" in caught.value.message
        assert caught.value.detail == "djamo: HTTP 400 invalid_msisdn"

    @pytest.mark.parametrize("status", [401, 403])
    async def test_a_refused_key_is_a_misconfiguration(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter, status: int
    ) -> None:
        respx_mock.post(TRANSACTIONS_URL).mock(
            return_value=httpx.Response(status, json={"message": "Unauthorized"})
        )

        with pytest.raises(ProviderMisconfigured) as caught:
            await djamo(client).payout(withdrawal())

        assert "configuration" in caught.value.message
        assert API_KEY not in str(caught.value)

    @pytest.mark.parametrize("status", [429, 408])
    async def test_ask_again_later_is_no_refusal(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter, status: int
    ) -> None:
        # "The rate limit was exceeded" [DOC errors]: the withdrawal stays pending.
        respx_mock.post(TRANSACTIONS_URL).mock(return_value=httpx.Response(status))

        with pytest.raises(ProviderUnreachable) as caught:
            await djamo(client).payout(withdrawal())

        assert not isinstance(caught.value, ProviderProtocolError)
        assert caught.value.detail == f"djamo: HTTP {status}"

    async def test_a_timeout_is_retried_with_the_same_reference(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        # Safe because the reference is unique at Djamo: a repeat cannot create a second
        # transfer (it answers 409).
        route = respx_mock.post(TRANSACTIONS_URL).mock(
            side_effect=[httpx.ReadTimeout("slow"), httpx.Response(201, json=transaction())]
        )

        answer = await djamo(client).payout(withdrawal())

        assert answer.outcome is Outcome.PENDING
        assert route.call_count == 2
        assert route.calls[0].request.content == route.calls[1].request.content

    async def test_5xx_every_time_is_unreachable(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(TRANSACTIONS_URL).mock(return_value=httpx.Response(502))

        with pytest.raises(ProviderUnreachable):
            await djamo(client).payout(withdrawal())

        assert route.call_count == 3


class TestAlreadySubmitted:
    """409: "you used the same reference twice" [DOC errors] — our earlier attempt reached
    Djamo; its transaction is the answer, never a refusal."""

    @pytest.mark.parametrize(
        ("found", "outcome"),
        [
            ({"count": 1, "data": [transaction("completed")]}, Outcome.SUCCEEDED),
            ([transaction("pending")], Outcome.PENDING),
            (transaction("failed", failureReason="LIMIT_EXCEEDED"), Outcome.FAILED),
        ],
        ids=["list-under-data", "bare-list", "one-object"],
    )
    async def test_a_409_reads_the_transaction_found_by_reference(
        self,
        client: httpx.AsyncClient,
        respx_mock: respx.MockRouter,
        found: Any,
        outcome: Outcome,
    ) -> None:
        respx_mock.post(TRANSACTIONS_URL).mock(
            return_value=httpx.Response(409, json={"message": "Duplicate reference"})
        )
        lookup = respx_mock.get(TRANSACTIONS_URL).mock(return_value=httpx.Response(200, json=found))

        answer = await djamo(client).payout(withdrawal())

        assert lookup.calls.last.request.url.params["reference"] == REF
        assert answer.outcome is outcome
        assert answer.external_id == TXN
        assert answer.provider_data == {"transaction_id": TXN}

    async def test_a_timeout_then_409_is_the_first_attempt_found(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        posted = respx_mock.post(TRANSACTIONS_URL).mock(
            side_effect=[httpx.ReadTimeout("slow"), httpx.Response(409)]
        )
        respx_mock.get(TRANSACTIONS_URL).mock(
            return_value=httpx.Response(200, json={"data": [transaction("completed")]})
        )

        answer = await djamo(client).payout(withdrawal())

        assert posted.call_count == 2
        assert answer.outcome is Outcome.SUCCEEDED

    @pytest.mark.parametrize(
        "lookup",
        [
            httpx.Response(200, json={"data": []}),
            httpx.Response(200, json={"data": [transaction(reference="someone-else")]}),
            httpx.Response(
                200,
                json={"data": [transaction(), transaction(id="txn_other")]},
            ),
            httpx.Response(400, json={"message": "unknown parameter reference"}),
            httpx.Response(404),
        ],
        ids=["empty", "another-reference", "two-under-one-reference", "400", "404"],
    )
    async def test_a_409_not_found_by_reference_stays_pending(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter, lookup: httpx.Response
    ) -> None:
        respx_mock.post(TRANSACTIONS_URL).mock(return_value=httpx.Response(409))
        respx_mock.get(TRANSACTIONS_URL).mock(return_value=lookup)

        with pytest.raises(ProviderUnreachable) as caught:
            await djamo(client).payout(withdrawal())

        assert not isinstance(caught.value, ProviderRejected)
        assert caught.value.detail == "djamo: HTTP 409, transaction not found by reference"

    @pytest.mark.parametrize(
        "response",
        [
            httpx.Response(201, text="<html>gateway</html>"),
            httpx.Response(201, json={"status": "pending"}),
            httpx.Response(201, json=transaction(amount="500.50")),
        ],
        ids=["not-json", "no-id", "fractional-amount"],
    )
    async def test_an_unreadable_answer_is_a_protocol_error(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter, response: httpx.Response
    ) -> None:
        respx_mock.post(TRANSACTIONS_URL).mock(return_value=response)

        with pytest.raises(ProviderProtocolError):
            await djamo(client).payout(withdrawal())


class TestStatus:
    @pytest.mark.parametrize(
        ("status", "outcome"),
        [
            ("pending", Outcome.PENDING),
            ("completed", Outcome.SUCCEEDED),
            ("failed", Outcome.FAILED),
        ],
    )
    async def test_reads_the_transaction(
        self,
        client: httpx.AsyncClient,
        respx_mock: respx.MockRouter,
        status: str,
        outcome: Outcome,
    ) -> None:
        route = respx_mock.get(f"{TRANSACTIONS_URL}/{TXN}").mock(
            return_value=httpx.Response(200, json=transaction(status))
        )

        answer = await djamo(client).status(operation(TXN))

        request = route.calls.last.request
        assert request.method == "GET"
        assert request.headers["Authorization"] == f"Bearer {API_KEY}"
        assert answer.outcome is outcome
        assert answer.external_id == TXN

    async def test_the_id_may_come_from_provider_data(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{TRANSACTIONS_URL}/{TXN}").mock(
            return_value=httpx.Response(200, json=transaction("completed"))
        )

        answer = await djamo(client).status(operation(provider_data={"transaction_id": TXN}))

        assert answer.outcome is Outcome.SUCCEEDED

    async def test_not_found_is_unknown(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{TRANSACTIONS_URL}/{TXN}").mock(
            return_value=httpx.Response(404, json={"message": "Not found"})
        )

        answer = await djamo(client).status(operation(TXN))

        assert answer.outcome is Outcome.UNKNOWN

    async def test_without_an_id_it_looks_the_reference_up(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        lookup = respx_mock.get(TRANSACTIONS_URL).mock(
            return_value=httpx.Response(200, json={"data": [transaction("completed")]})
        )

        answer = await djamo(client).status(operation())

        assert lookup.calls.last.request.url.params["reference"] == REF
        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.external_id == TXN

    async def test_without_an_id_and_not_found_it_is_unknown(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(TRANSACTIONS_URL).mock(return_value=httpx.Response(200, json={"data": []}))

        answer = await djamo(client).status(operation())

        assert answer.outcome is Outcome.UNKNOWN

    async def test_rate_limited_is_unreachable(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{TRANSACTIONS_URL}/{TXN}").mock(return_value=httpx.Response(429))

        with pytest.raises(ProviderUnreachable):
            await djamo(client).status(operation(TXN))


def notification(topic: str | None, status: str, **extra: Any) -> bytes:
    payload: dict[str, Any] = {"data": transaction(status, **extra)}
    if topic is not None:
        payload["topic"] = topic
    return json.dumps(payload).encode()


class TestCallback:
    def test_a_hex_signed_completion(self, client: httpx.AsyncClient) -> None:
        body = notification("transactions/completed", "completed")

        callback = djamo(client).parse_callback(
            body, {"x-djamo-hmac-sha256": sign_hex(body)}, now=NOW
        )

        assert callback.event_id == f"{TXN}:transactions/completed"
        assert callback.event_type == "transactions/completed"
        assert callback.reference == REF
        assert callback.external_id == TXN
        assert callback.outcome is Outcome.SUCCEEDED
        assert callback.amount == 50_000
        assert callback.trusted is True

    def test_a_base64_signed_failure_with_any_header_case(self, client: httpx.AsyncClient) -> None:
        body = notification("transactions/failed", "failed")

        callback = djamo(client).parse_callback(
            body, {"X-Djamo-Hmac-Sha256": sign_base64(body)}, now=NOW
        )

        assert callback.outcome is Outcome.FAILED

    def test_started_then_completed_are_two_events(self, client: httpx.AsyncClient) -> None:
        started = notification("transactions/started", "pending")
        completed = notification("transactions/completed", "completed")
        provider = djamo(client)

        first = provider.parse_callback(
            started, {"x-djamo-hmac-sha256": sign_hex(started)}, now=NOW
        )
        second = provider.parse_callback(
            completed, {"x-djamo-hmac-sha256": sign_hex(completed)}, now=NOW
        )

        assert first.outcome is Outcome.PENDING
        assert first.event_id != second.event_id

    def test_a_bare_transaction_uses_its_status(self, client: httpx.AsyncClient) -> None:
        body = json.dumps(transaction("completed")).encode()

        callback = djamo(client).parse_callback(
            body, {"x-djamo-hmac-sha256": f"sha256={sign_hex(body)}"}, now=NOW
        )

        assert callback.event_id == f"{TXN}:completed"
        assert callback.event_type is None
        assert callback.outcome is Outcome.SUCCEEDED

    @pytest.mark.parametrize("encode", [sign_hex, sign_base64], ids=["hex", "base64"])
    def test_a_signature_with_another_secret_is_refused(
        self, client: httpx.AsyncClient, encode: Any
    ) -> None:
        body = notification("transactions/completed", "completed")

        with pytest.raises(InvalidCallback, match="signature"):
            djamo(client).parse_callback(
                body, {"x-djamo-hmac-sha256": encode(body, "someone-else")}, now=NOW
            )

    @pytest.mark.parametrize(
        "body",
        [
            b"{not json",
            b'"a string"',
            json.dumps({"topic": "transactions/completed", "data": {"status": "x"}}).encode(),
            json.dumps({"data": {"id": TXN}}).encode(),
            notification("transactions/completed", "completed", amount="1.5"),
        ],
        ids=["not-json", "not-an-object", "no-id", "no-topic-nor-status", "bad-amount"],
    )
    def test_a_signed_but_unreadable_body_is_refused(
        self, client: httpx.AsyncClient, body: bytes
    ) -> None:
        with pytest.raises(InvalidCallback):
            djamo(client).parse_callback(body, {"x-djamo-hmac-sha256": sign_hex(body)}, now=NOW)


def settings(**values: Any) -> Any:
    explicit: dict[str, Any] = {
        "DJAMO_API_KEY": None,
        "DJAMO_WEBHOOK_SECRET": None,
        "DJAMO_BASE_URL": None,
    }
    explicit.update(values)
    return make_settings(**explicit)


class TestBuild:
    def test_none_without_an_api_key(self, client: httpx.AsyncClient) -> None:
        assert build(settings(), client) is None
        assert build(settings(DJAMO_WEBHOOK_SECRET=SECRET), client) is None

    async def test_built_with_an_api_key(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.get(f"{TRANSACTIONS_URL}/{TXN}").mock(
            return_value=httpx.Response(200, json=transaction())
        )

        provider = build(settings(DJAMO_API_KEY=API_KEY, DJAMO_BASE_URL=BASE + "/"), client)

        assert provider is not None
        assert (provider.code, provider.name) == ("djamo", "Djamo")
        assert API_KEY not in repr(provider)
        await provider.status(operation(TXN))
        assert route.calls.last.request.headers["Authorization"] == f"Bearer {API_KEY}"

    @pytest.mark.parametrize("base_url", [None, "", "  "])
    def test_no_base_url_means_no_provider_rather_than_a_guessed_host(
        self, client: httpx.AsyncClient, base_url: str | None
    ) -> None:
        assert build(settings(DJAMO_API_KEY=API_KEY, DJAMO_BASE_URL=base_url), client) is None

    def test_without_its_base_url_the_rail_is_listed_not_configured(
        self, client: httpx.AsyncClient
    ) -> None:
        providers = build_providers(settings(DJAMO_API_KEY=API_KEY), client, sandbox=None)

        route = providers.status(RAILS["djamo"], "retrait")

        assert route.adapter is None
        assert route.reason is not None
        assert "n'est pas configuré" in route.reason
        assert "DJAMO_BASE_URL" in route.reason
        with pytest.raises(ProviderUnavailable):
            providers.route(RAILS["djamo"], "retrait")

    def test_without_credentials_the_rail_says_so(self, client: httpx.AsyncClient) -> None:
        providers = build_providers(settings(), client, sandbox=None)

        route = providers.status(RAILS["djamo"], "retrait")

        assert route.reason == (
            "Djamo n'est pas configuré sur ce serveur (identifiants du fournisseur absents)."
        )

    def test_with_its_base_url_the_rail_is_routed(self, client: httpx.AsyncClient) -> None:
        providers = build_providers(
            settings(DJAMO_API_KEY=API_KEY, DJAMO_BASE_URL=BASE), client, sandbox=None
        )

        assert providers.status(RAILS["djamo"], "retrait").adapter == "djamo"
