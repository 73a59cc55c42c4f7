"""OrangeMoneyProvider against a simulated Orange API (respx, at the HTTP boundary)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from hostolink.providers.base import (
    Callback,
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
from hostolink.providers.orange_money import OrangeMoneyProvider, build, order_id_for
from tests.conftest import make_settings

BASE = "https://api.orange.com"
TOKEN_URL = f"{BASE}/oauth/v3/token"
PAY_URL = f"{BASE}/orange-money-webpay/ci/v1/webpayment"
STATUS_URL = f"{BASE}/orange-money-webpay/ci/v1/transactionstatus"
DEV_PAY_URL = f"{BASE}/orange-money-webpay/dev/v1/webpayment"

CLIENT_ID = "om-client-id"
CLIENT_SECRET = "om-client-secret-never-shown"
MERCHANT_KEY = "om-merchant-key-never-shown"
REFERENCE = "3f2b8c1e-9d4a-4c7b-8e21-5a6f0d9c1b42"
ORDER_ID = "3f2b8c1e9d4a4c7b8e215a6f0d9c1b"  # the hex digits of REFERENCE, first 30
CALLBACK_URL = "https://api.hostolink.ci/api/fournisseurs/orange_money/notifications"
RETURN_URL = "https://app.hostolink.ci/portefeuille/depot/retour"
PAY_TOKEN = "v1mk5ni0ld4yq4jq1wrxfvo3dsjsepqnbz0n2bdqnnzizylxmfubx0vt6jm9dz"
NOTIF_TOKEN = "dsqbtsilkhhhdpbfiujiubaozxebl8ax"
ACCESS_TOKEN = "access-token-1"
PAYMENT_URL = f"https://mpayment.orange-money.com/ci/mpayment/abstract/{PAY_TOKEN}"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


def provider(client: httpx.AsyncClient, environment: str = "ci") -> OrangeMoneyProvider:
    return OrangeMoneyProvider(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        merchant_key=MERCHANT_KEY,
        environment=environment,
        base_url=BASE,
        client=client,
    )


def collection(**overrides: Any) -> CollectionRequest:
    values: dict[str, Any] = {
        "reference": REFERENCE,
        "amount": 5000,
        "currency": "XOF",
        "msisdn": "+2250700000001",
        "rail": "orange_money",
        "description": "Dépôt Hostolink",
        "callback_url": CALLBACK_URL,
        "return_url": RETURN_URL,
    }
    values.update(overrides)
    return CollectionRequest(**values)


def operation(**overrides: Any) -> OperationRef:
    values: dict[str, Any] = {
        "reference": REFERENCE,
        "direction": "depot",
        "amount": 5000,
        "currency": "XOF",
        "msisdn": "+2250700000001",
        "rail": "orange_money",
        "external_id": PAY_TOKEN,
        "provider_data": {"order_id": ORDER_ID, "pay_token": PAY_TOKEN},
    }
    values.update(overrides)
    return OperationRef(**values)


def token_answer(token: str = ACCESS_TOKEN, expires_in: Any = 7776000) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "token_type": "Bearer",
            "access_token": token,
            "expires_in": expires_in,
        },
    )


def created() -> httpx.Response:
    return httpx.Response(
        201,
        json={
            "status": 201,
            "message": "OK",
            "pay_token": PAY_TOKEN,
            "payment_url": PAYMENT_URL,
            "notif_token": NOTIF_TOKEN,
        },
    )


def status_answer(status: str, **extra: Any) -> httpx.Response:
    body = {"status": status, "order_id": ORDER_ID, "txnid": "MP250101.1234.A56789"}
    body.update(extra)
    return httpx.Response(201, json=body)


def sent_json(route: respx.Route, index: int = -1) -> Any:
    return json.loads(route.calls[index].request.content)


@pytest.fixture
def token_route(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(TOKEN_URL).mock(return_value=token_answer())


def assert_no_secret(error: Exception) -> None:
    text = str(error) + repr(getattr(error, "detail", ""))
    for secret in (CLIENT_SECRET, MERCHANT_KEY, "access-token-1"):
        assert secret not in text


class TestToken:
    async def test_requests_a_client_credentials_token_with_basic_auth(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        respx_mock.post(PAY_URL).mock(return_value=created())

        await provider(client).collect(collection())

        request = token_route.calls.last.request
        assert request.method == "POST"
        assert str(request.url) == TOKEN_URL
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        assert request.headers["Authorization"] == f"Basic {expected}"
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert parse_qs(request.content.decode()) == {"grant_type": ["client_credentials"]}

    async def test_the_token_is_fetched_once_and_reused(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        pay = respx_mock.post(PAY_URL).mock(return_value=created())
        status = respx_mock.post(STATUS_URL).mock(return_value=status_answer("PENDING"))
        orange = provider(client)

        await orange.collect(collection())
        await orange.collect(collection(reference="7c9e6679-7425-40de-944b-e07fc1f90ae7"))
        await orange.status(operation())

        assert token_route.call_count == 1
        assert pay.call_count == 2
        for call in [*pay.calls, *status.calls]:
            assert call.request.headers["Authorization"] == "Bearer access-token-1"

    async def test_a_401_forgets_the_token_and_retries_once_with_a_fresh_one(
        self, respx_mock: respx.MockRouter, client: httpx.AsyncClient
    ) -> None:
        tokens = respx_mock.post(TOKEN_URL).mock(
            side_effect=[token_answer("stale-token"), token_answer("fresh-token")]
        )
        pay = respx_mock.post(PAY_URL).mock(
            side_effect=[httpx.Response(401, json={"code": 42, "message": "Expired"}), created()]
        )

        answer = await provider(client).collect(collection())

        assert answer.outcome is Outcome.PENDING
        assert tokens.call_count == 2
        assert [call.request.headers["Authorization"] for call in pay.calls] == [
            "Bearer stale-token",
            "Bearer fresh-token",
        ]

    async def test_a_second_401_is_a_configuration_problem(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        pay = respx_mock.post(PAY_URL).mock(return_value=httpx.Response(401, json={"code": 42}))

        with pytest.raises(ProviderMisconfigured) as caught:
            await provider(client).collect(collection())

        assert pay.call_count == 2
        assert token_route.call_count == 2
        assert "configuration" in caught.value.message
        assert caught.value.detail == "orange_money: HTTP 401 code 42"
        assert_no_secret(caught.value)

    @pytest.mark.parametrize(
        "response",
        [
            httpx.Response(
                401,
                json={
                    "error": "invalid_client",
                    "error_description": "The requested service needs credentials, but the "
                    "ones provided were invalid.",
                },
            ),
            httpx.Response(400, json={"error": "invalid_request"}),
            httpx.Response(403, json={"code": 50, "message": "Access denied"}),
        ],
    )
    async def test_refused_credentials_are_a_misconfiguration(
        self, respx_mock: respx.MockRouter, client: httpx.AsyncClient, response: httpx.Response
    ) -> None:
        tokens = respx_mock.post(TOKEN_URL).mock(return_value=response)
        pay = respx_mock.post(PAY_URL)

        with pytest.raises(ProviderMisconfigured) as caught:
            await provider(client).collect(collection())

        assert type(caught.value) is ProviderMisconfigured
        assert not pay.called
        assert tokens.call_count == 1  # asking again would not help
        assert caught.value.detail is not None
        assert caught.value.detail.startswith(f"orange_money: HTTP {response.status_code}")
        assert_no_secret(caught.value)

    @pytest.mark.parametrize("status", [408, 429])
    async def test_a_busy_token_endpoint_is_unreachable_not_misconfigured(
        self, respx_mock: respx.MockRouter, client: httpx.AsyncClient, status: int
    ) -> None:
        respx_mock.post(TOKEN_URL).mock(return_value=httpx.Response(status))
        pay = respx_mock.post(PAY_URL)

        with pytest.raises(ProviderUnreachable) as caught:
            await provider(client).collect(collection())

        assert type(caught.value) is ProviderUnreachable
        assert not pay.called

    async def test_the_token_call_is_retried_after_a_5xx(
        self, respx_mock: respx.MockRouter, client: httpx.AsyncClient
    ) -> None:
        tokens = respx_mock.post(TOKEN_URL).mock(side_effect=[httpx.Response(503), token_answer()])
        respx_mock.post(PAY_URL).mock(return_value=created())

        answer = await provider(client).collect(collection())

        assert answer.external_id == PAY_TOKEN
        assert tokens.call_count == 2

    @pytest.mark.parametrize(
        "body",
        [
            {"token_type": "Bearer", "expires_in": 3600},
            {"access_token": "access-token-1"},
            {"access_token": "access-token-1", "expires_in": "soon"},
            {"access_token": 12, "expires_in": 3600},
        ],
    )
    async def test_a_malformed_token_answer_is_a_protocol_error(
        self, respx_mock: respx.MockRouter, client: httpx.AsyncClient, body: dict[str, Any]
    ) -> None:
        respx_mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=body))
        pay = respx_mock.post(PAY_URL)

        with pytest.raises(ProviderProtocolError):
            await provider(client).collect(collection())
        assert not pay.called

    async def test_expires_in_may_be_a_string(
        self, respx_mock: respx.MockRouter, client: httpx.AsyncClient
    ) -> None:
        tokens = respx_mock.post(TOKEN_URL).mock(return_value=token_answer(expires_in="7776000"))
        respx_mock.post(PAY_URL).mock(return_value=created())
        orange = provider(client)

        await orange.collect(collection())
        await orange.collect(collection())

        assert tokens.call_count == 1


class TestCollect:
    async def test_sends_the_documented_webpayment_request(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        pay = respx_mock.post(PAY_URL).mock(return_value=created())

        await provider(client).collect(collection())

        request = pay.calls.last.request
        assert request.method == "POST"
        assert str(request.url) == PAY_URL
        assert request.headers["Authorization"] == "Bearer access-token-1"
        assert request.headers["Content-Type"] == "application/json"
        body = sent_json(pay)
        assert body == {
            "merchant_key": MERCHANT_KEY,
            "currency": "XOF",
            "order_id": ORDER_ID,
            "amount": 5000,
            "return_url": RETURN_URL,
            "cancel_url": RETURN_URL,
            "notif_url": CALLBACK_URL,
            "lang": "fr",
            "reference": "Hostolink",
        }
        assert type(body["amount"]) is int
        assert len(body["order_id"]) == 30
        assert len(body["reference"]) <= 30

    async def test_a_201_is_a_pending_payment_page(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        respx_mock.post(PAY_URL).mock(return_value=created())

        answer = await provider(client).collect(collection())

        assert answer.outcome is Outcome.PENDING
        assert answer.external_id == PAY_TOKEN
        assert answer.payment_url == PAYMENT_URL
        assert answer.notification_token == NOTIF_TOKEN
        assert answer.provider_data == {"order_id": ORDER_ID, "pay_token": PAY_TOKEN}
        assert answer.raw == {
            "status": 201,
            "message": "OK",
            "pay_token": PAY_TOKEN,
            "payment_url": PAYMENT_URL,
        }
        assert NOTIF_TOKEN not in json.dumps(answer.raw) + json.dumps(answer.provider_data)
        assert answer.reason is None

    async def test_the_sandbox_uses_the_dev_path_and_the_ouv_currency(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        pay = respx_mock.post(DEV_PAY_URL).mock(return_value=created())

        answer = await provider(client, environment="dev").collect(collection())

        assert answer.outcome is Outcome.PENDING
        assert str(pay.calls.last.request.url) == DEV_PAY_URL
        assert sent_json(pay)["currency"] == "OUV"

    async def test_the_order_id_is_derived_from_the_reference_deterministically(self) -> None:
        assert order_id_for(REFERENCE) == ORDER_ID
        assert order_id_for(REFERENCE.upper()) == ORDER_ID
        other = order_id_for("7c9e6679-7425-40de-944b-e07fc1f90ae7")
        assert other == "7c9e6679742540de944be07fc1f90a"
        assert other != ORDER_ID

    async def test_a_notif_url_longer_than_120_characters_is_refused_before_calling(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        pay = respx_mock.post(PAY_URL)
        long_url = "https://api.hostolink.ci/" + "x" * 96  # 121 characters

        with pytest.raises(ProviderMisconfigured) as caught:
            await provider(client).collect(collection(callback_url=long_url))

        assert len(long_url) == 121
        assert "120 caractères" in caught.value.message
        assert caught.value.detail == "orange_money: notif_url has 121 characters"
        assert not pay.called
        assert not token_route.called

    async def test_a_notif_url_of_exactly_120_characters_is_sent(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        pay = respx_mock.post(PAY_URL).mock(return_value=created())
        url = "https://api.hostolink.ci/" + "x" * 95

        await provider(client).collect(collection(callback_url=url))

        assert len(url) == 120
        assert sent_json(pay)["notif_url"] == url

    async def test_a_4xx_is_a_refusal(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        respx_mock.post(PAY_URL).mock(
            return_value=httpx.Response(
                400, json={"code": 1, "message": "Invalid", "description": "order_id exists"}
            )
        )

        with pytest.raises(ProviderRejected) as caught:
            await provider(client).collect(collection())

        assert caught.value.message == "Orange Money a refusé la demande de paiement."
        assert caught.value.detail == "orange_money: HTTP 400 code 1"
        assert_no_secret(caught.value)

    async def test_a_403_is_a_configuration_problem(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        respx_mock.post(PAY_URL).mock(return_value=httpx.Response(403, json={"code": 50}))

        with pytest.raises(ProviderMisconfigured) as caught:
            await provider(client).collect(collection())

        assert caught.value.detail == "orange_money: HTTP 403 code 50"

    @pytest.mark.parametrize("status", [404, 405])
    async def test_a_wrong_url_is_a_misconfiguration_not_a_refusal(
        self,
        respx_mock: respx.MockRouter,
        token_route: respx.Route,
        client: httpx.AsyncClient,
        status: int,
    ) -> None:
        respx_mock.post(PAY_URL).mock(return_value=httpx.Response(status))

        with pytest.raises(ProviderMisconfigured) as caught:
            await provider(client).collect(collection())

        assert type(caught.value) is ProviderMisconfigured

    @pytest.mark.parametrize("status", [408, 409, 429])
    async def test_an_undecided_4xx_is_no_refusal(
        self,
        respx_mock: respx.MockRouter,
        token_route: respx.Route,
        client: httpx.AsyncClient,
        status: int,
    ) -> None:
        # 409: the order_id exists, so an earlier request of ours reached Orange; 408/429:
        # nothing was decided. The deposit stays pending, the status call settles it.
        pay = respx_mock.post(PAY_URL).mock(return_value=httpx.Response(status))

        with pytest.raises(ProviderUnreachable) as caught:
            await provider(client).collect(collection())

        assert type(caught.value) is ProviderUnreachable
        assert pay.call_count == 1

    async def test_a_timeout_is_unreachable_and_never_resent(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        pay = respx_mock.post(PAY_URL).mock(side_effect=httpx.TimeoutException("slow"))

        with pytest.raises(ProviderUnreachable) as caught:
            await provider(client).collect(collection())

        assert type(caught.value) is ProviderUnreachable
        assert pay.call_count == 1

    async def test_a_5xx_is_not_retried(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        pay = respx_mock.post(PAY_URL).mock(side_effect=[httpx.Response(502), created()])

        with pytest.raises(ProviderUnreachable) as caught:
            await provider(client).collect(collection())

        assert caught.value.detail == "orange_money: HTTP 502"
        assert pay.call_count == 1

    @pytest.mark.parametrize(
        "response",
        [
            httpx.Response(201, text="<html>gateway</html>"),
            httpx.Response(201, json=["not", "an", "object"]),
            httpx.Response(201, json={"status": 201, "payment_url": PAYMENT_URL}),
            httpx.Response(
                201, json={"pay_token": PAY_TOKEN, "payment_url": PAYMENT_URL}
            ),  # no notif_token: notifications could never be verified
            httpx.Response(
                201, json={"pay_token": 7, "payment_url": PAYMENT_URL, "notif_token": "t"}
            ),
        ],
    )
    async def test_a_malformed_answer_is_a_protocol_error(
        self,
        respx_mock: respx.MockRouter,
        token_route: respx.Route,
        client: httpx.AsyncClient,
        response: httpx.Response,
    ) -> None:
        respx_mock.post(PAY_URL).mock(return_value=response)

        with pytest.raises(ProviderProtocolError):
            await provider(client).collect(collection())


class TestPayout:
    async def test_orange_has_no_payout_api_in_cote_d_ivoire(
        self, respx_mock: respx.MockRouter, client: httpx.AsyncClient
    ) -> None:
        request = PayoutRequest(
            reference=REFERENCE,
            amount=5000,
            currency="XOF",
            msisdn="+2250700000001",
            rail="orange_money",
            description="Retrait Hostolink",
            callback_url=CALLBACK_URL,
        )

        with pytest.raises(ProviderUnavailable) as caught:
            await provider(client).payout(request)

        assert caught.value.message == (
            "Orange Money ne propose pas d'API de retrait en Côte d'Ivoire ; les retraits "
            "vers Orange Money passent par l'agrégateur."
        )
        assert not respx_mock.calls


class TestStatus:
    async def test_sends_the_documented_transactionstatus_request(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        route = respx_mock.post(STATUS_URL).mock(return_value=status_answer("PENDING"))

        await provider(client).status(operation())

        request = route.calls.last.request
        assert request.method == "POST"
        assert str(request.url) == STATUS_URL
        assert request.headers["Authorization"] == "Bearer access-token-1"
        assert request.headers["Content-Type"] == "application/json"
        body = sent_json(route)
        assert body == {"order_id": ORDER_ID, "amount": 5000, "pay_token": PAY_TOKEN}
        assert type(body["amount"]) is int

    @pytest.mark.usefixtures("token_route")
    @pytest.mark.parametrize(
        ("status", "outcome", "reason"),
        [
            ("INITIATED", Outcome.PENDING, None),
            ("PENDING", Outcome.PENDING, None),
            ("SUCCESS", Outcome.SUCCEEDED, None),
            ("FAILED", Outcome.FAILED, "Paiement Orange Money refusé"),
            ("EXPIRED", Outcome.FAILED, "Délai de paiement Orange Money dépassé"),
        ],
    )
    async def test_maps_orange_statuses(
        self,
        respx_mock: respx.MockRouter,
        client: httpx.AsyncClient,
        status: str,
        outcome: Outcome,
        reason: str | None,
    ) -> None:
        respx_mock.post(STATUS_URL).mock(return_value=status_answer(status))

        answer = await provider(client).status(operation())

        assert answer.outcome is outcome
        assert answer.reason == reason
        assert answer.external_id == PAY_TOKEN
        assert answer.raw["txnid"] == "MP250101.1234.A56789"
        assert answer.raw["status"] == status
        assert answer.amount is None
        assert answer.expired is False or status == "EXPIRED"

    async def test_an_expired_session_is_a_flagged_final_failure(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        respx_mock.post(STATUS_URL).mock(return_value=status_answer("EXPIRED"))

        answer = await provider(client).status(operation())

        assert answer.outcome is Outcome.FAILED
        assert answer.expired is True  # shown « expirée », not « échouée »

    @pytest.mark.usefixtures("token_route")
    @pytest.mark.parametrize("status", ["FAILED", "SUCCESS", "PENDING", "INITIATED"])
    async def test_only_expired_is_flagged_expired(
        self, respx_mock: respx.MockRouter, client: httpx.AsyncClient, status: str
    ) -> None:
        respx_mock.post(STATUS_URL).mock(return_value=status_answer(status))

        answer = await provider(client).status(operation())

        assert answer.expired is False

    async def test_an_echoed_amount_is_reported(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        respx_mock.post(STATUS_URL).mock(return_value=status_answer("SUCCESS", amount="5000"))

        answer = await provider(client).status(operation())

        assert answer.amount == 5000

    async def test_a_notif_token_in_the_answer_stays_out_of_raw(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        respx_mock.post(STATUS_URL).mock(
            return_value=status_answer("SUCCESS", notif_token=NOTIF_TOKEN)
        )

        answer = await provider(client).status(operation())

        assert "notif_token" not in answer.raw

    async def test_without_a_pay_token_the_operation_is_unknown(
        self, respx_mock: respx.MockRouter, client: httpx.AsyncClient
    ) -> None:
        answer = await provider(client).status(operation(external_id=None, provider_data={}))

        assert answer.outcome is Outcome.UNKNOWN
        assert not respx_mock.calls

    async def test_a_404_is_unknown(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        respx_mock.post(STATUS_URL).mock(return_value=httpx.Response(404, json={"code": 4}))

        answer = await provider(client).status(operation())

        assert answer.outcome is Outcome.UNKNOWN

    async def test_another_4xx_is_no_answer(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        respx_mock.post(STATUS_URL).mock(return_value=httpx.Response(400, json={"code": 9}))

        with pytest.raises(ProviderProtocolError) as caught:
            await provider(client).status(operation())

        assert caught.value.detail == "orange_money: HTTP 400 code 9"

    @pytest.mark.parametrize("status", [408, 409, 429])
    async def test_an_undecided_4xx_is_unreachable(
        self,
        respx_mock: respx.MockRouter,
        token_route: respx.Route,
        client: httpx.AsyncClient,
        status: int,
    ) -> None:
        respx_mock.post(STATUS_URL).mock(return_value=httpx.Response(status))

        with pytest.raises(ProviderUnreachable) as caught:
            await provider(client).status(operation())

        assert type(caught.value) is ProviderUnreachable

    async def test_refused_credentials_on_a_status_call_are_a_misconfiguration(
        self, respx_mock: respx.MockRouter, token_route: respx.Route, client: httpx.AsyncClient
    ) -> None:
        route = respx_mock.post(STATUS_URL).mock(
            return_value=httpx.Response(401, json={"code": 41})
        )

        with pytest.raises(ProviderMisconfigured) as caught:
            await provider(client).status(operation())

        assert route.call_count == 2  # once more with a fresh token, then no more
        assert caught.value.detail == "orange_money: HTTP 401 code 41"

    async def test_a_401_refreshes_the_token(
        self, respx_mock: respx.MockRouter, client: httpx.AsyncClient
    ) -> None:
        respx_mock.post(TOKEN_URL).mock(side_effect=[token_answer("old"), token_answer("new")])
        route = respx_mock.post(STATUS_URL).mock(
            side_effect=[httpx.Response(401), status_answer("SUCCESS")]
        )

        answer = await provider(client).status(operation())

        assert answer.outcome is Outcome.SUCCEEDED
        assert route.calls.last.request.headers["Authorization"] == "Bearer new"


class TestCallback:
    @pytest.fixture(autouse=True)
    def orange(self, client: httpx.AsyncClient) -> None:
        self.provider = provider(client)

    def parse(self, payload: Any, headers: dict[str, str] | None = None) -> Callback:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.provider.parse_callback(body, headers or {}, now=1_700_000_000.0)

    @pytest.mark.parametrize(
        ("status", "outcome"), [("SUCCESS", Outcome.SUCCEEDED), ("FAILED", Outcome.FAILED)]
    )
    def test_reads_an_untrusted_notification_carrying_the_token(
        self, status: str, outcome: Outcome
    ) -> None:
        payload = {"status": status, "notif_token": NOTIF_TOKEN, "txnid": "MP250101.1234.A56789"}

        callback = self.parse(payload)

        digest = hashlib.sha256(NOTIF_TOKEN.encode()).hexdigest()[:32]
        assert callback.event_id == f"{digest}:{status}"
        assert NOTIF_TOKEN not in callback.event_id
        assert callback.outcome is outcome
        assert callback.trusted is False
        assert callback.notification_token == NOTIF_TOKEN
        assert callback.reference is None
        assert callback.external_id is None
        assert callback.raw == {"status": status, "txnid": "MP250101.1234.A56789"}

    def test_the_same_payment_notified_twice_has_one_event_id(self) -> None:
        payload = {"status": "SUCCESS", "notif_token": NOTIF_TOKEN, "txnid": "MP1"}

        assert self.parse(payload).event_id == self.parse(payload).event_id
        failed = self.parse({**payload, "status": "FAILED"})
        assert failed.event_id != self.parse(payload).event_id

    def test_a_signature_header_proves_nothing(self) -> None:
        # Orange signs nothing: a header some projects invent must not make it trusted.
        callback = self.parse(
            {"status": "SUCCESS", "notif_token": NOTIF_TOKEN},
            headers={"X-Orange-Signature": "sha256=deadbeef"},
        )

        assert callback.trusted is False

    def test_an_unexpected_status_leaves_the_outcome_to_the_status_call(self) -> None:
        callback = self.parse({"status": "PROCESSING", "notif_token": NOTIF_TOKEN})

        assert callback.outcome is None
        assert callback.event_id.endswith(":PROCESSING")

    @pytest.mark.parametrize(
        ("payload", "reason"),
        [
            ({"status": "SUCCESS", "txnid": "MP1"}, "lacks notif_token"),
            ({"status": "SUCCESS", "notif_token": ""}, "lacks notif_token"),
            ({"status": "SUCCESS", "notif_token": 12}, "lacks notif_token"),
            ({"notif_token": NOTIF_TOKEN, "txnid": "MP1"}, "lacks status"),
            ({"notif_token": NOTIF_TOKEN, "status": " "}, "lacks status"),
            (b"status=SUCCESS&notif_token=x", "not JSON"),
            (b"\xff\xfe", "not JSON"),
            (["SUCCESS"], "not a JSON object"),
        ],
    )
    def test_an_unusable_notification_is_refused(self, payload: Any, reason: str) -> None:
        with pytest.raises(InvalidCallback) as caught:
            self.parse(payload)

        assert reason in caught.value.reason


class TestBuild:
    CREDENTIALS: dict[str, Any] = {  # noqa: RUF012 (read-only test data)
        "ORANGE_MONEY_CLIENT_ID": CLIENT_ID,
        "ORANGE_MONEY_CLIENT_SECRET": CLIENT_SECRET,
        "ORANGE_MONEY_MERCHANT_KEY": MERCHANT_KEY,
    }

    @pytest.mark.parametrize("missing", sorted(CREDENTIALS))
    async def test_none_without_every_credential(
        self, client: httpx.AsyncClient, missing: str
    ) -> None:
        settings = make_settings(**{**self.CREDENTIALS, missing: None})

        assert build(settings, client) is None

    async def test_none_with_nothing_configured(self, client: httpx.AsyncClient) -> None:
        settings = make_settings(**dict.fromkeys(self.CREDENTIALS))

        assert build(settings, client) is None

    async def test_builds_from_settings(
        self, respx_mock: respx.MockRouter, client: httpx.AsyncClient
    ) -> None:
        settings = make_settings(
            **self.CREDENTIALS,
            ORANGE_MONEY_ENVIRONMENT="dev",
            ORANGE_MONEY_BASE_URL="https://sandbox.example.test/",
        )
        tokens = respx_mock.post("https://sandbox.example.test/oauth/v3/token").mock(
            return_value=token_answer()
        )
        pay = respx_mock.post(
            "https://sandbox.example.test/orange-money-webpay/dev/v1/webpayment"
        ).mock(return_value=created())

        orange = build(settings, client)

        assert orange is not None
        assert (orange.code, orange.name) == ("orange_money", "Orange Money")
        assert CLIENT_SECRET not in repr(orange)
        assert MERCHANT_KEY not in repr(orange)
        await orange.collect(collection())
        assert tokens.called
        assert sent_json(pay)["merchant_key"] == MERCHANT_KEY
        assert sent_json(pay)["currency"] == "OUV"
