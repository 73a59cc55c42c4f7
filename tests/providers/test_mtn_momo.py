"""MtnMomoProvider against a simulated MoMo Open API (respx, at the HTTP boundary)."""

from __future__ import annotations

import base64
import json
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
    ProviderProtocolError,
    ProviderRejected,
    ProviderUnavailable,
    ProviderUnreachable,
)
from hostolink.providers.mtn_momo import MtnMomoProvider, build
from tests.conftest import make_settings

BASE = "https://momo.test"
API_USER = "3f1c2a7e-5b7d-4c1e-9f0a-2d4b6c8e0a11"
API_KEY = "momo-api-key-never-logged"
COLLECTION_KEY = "collection-subscription-key"
DISBURSEMENT_KEY = "disbursement-subscription-key"
REFERENCE = "6f0e7d2c-1b4a-4c3e-8d9f-0a1b2c3d4e5f"
MSISDN = "+2250500000001"
CALLBACK = "https://api.hostolink.ci/api/fournisseurs/mtn_momo/notifications"

COLLECTION_TOKEN_URL = f"{BASE}/collection/token/"
DISBURSEMENT_TOKEN_URL = f"{BASE}/disbursement/token/"
REQUEST_TO_PAY_URL = f"{BASE}/collection/v1_0/requesttopay"
TRANSFER_URL = f"{BASE}/disbursement/v1_0/transfer"
REQUEST_TO_PAY_STATUS_URL = f"{REQUEST_TO_PAY_URL}/{REFERENCE}"
TRANSFER_STATUS_URL = f"{TRANSFER_URL}/{REFERENCE}"

BASIC = "Basic " + base64.b64encode(f"{API_USER}:{API_KEY}".encode()).decode()

COLLECTION = CollectionRequest(
    reference=REFERENCE,
    amount=5000,
    currency="XOF",
    msisdn=MSISDN,
    rail="mtn_momo",
    description="Dépôt Hostolink",
    callback_url=CALLBACK,
    return_url="https://app.hostolink.ci/portefeuille",
)
PAYOUT = PayoutRequest(
    reference=REFERENCE,
    amount=12000,
    currency="XOF",
    msisdn=MSISDN,
    rail="mtn_momo",
    description="Retrait Hostolink",
    callback_url=CALLBACK,
    recipient_name="Awa Koné",
)


def operation(direction: str = "depot") -> OperationRef:
    return OperationRef(
        reference=REFERENCE,
        direction="depot" if direction == "depot" else "retrait",
        amount=5000,
        currency="XOF",
        msisdn=MSISDN,
        rail="mtn_momo",
        external_id=REFERENCE,
    )


def provider(
    *,
    collection_key: str | None = COLLECTION_KEY,
    disbursement_key: str | None = DISBURSEMENT_KEY,
    environment: str = "mtnivorycoast",
    currency: str = "XOF",
) -> MtnMomoProvider:
    return MtnMomoProvider(
        api_user=API_USER,
        api_key=API_KEY,
        collection_key=collection_key,
        disbursement_key=disbursement_key,
        environment=environment,
        currency=currency,
        base_url=BASE + "/",
        client=httpx.AsyncClient(),
    )


def token(value: str, expires_in: Any = 3600) -> httpx.Response:
    return httpx.Response(
        200, json={"access_token": value, "token_type": "access_token", "expires_in": expires_in}
    )


def mock_tokens(respx_mock: respx.MockRouter) -> tuple[respx.Route, respx.Route]:
    collection = respx_mock.post(COLLECTION_TOKEN_URL).mock(return_value=token("tok-collection"))
    disbursement = respx_mock.post(DISBURSEMENT_TOKEN_URL).mock(
        return_value=token("tok-disbursement")
    )
    return collection, disbursement


def error(status: int, code: str, message: str = "message") -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message})


def status_body(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "amount": "5000",
        "currency": "XOF",
        "financialTransactionId": "1234567890",
        "externalId": REFERENCE,
        "payer": {"partyIdType": "MSISDN", "partyId": "2250500000001"},
        "payerMessage": "Dépôt Hostolink",
        "payeeNote": "Dépôt Hostolink",
        "status": status,
        **extra,
    }


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content)


class TestBuild:
    @pytest.mark.parametrize(
        "missing",
        [
            {"MTN_MOMO_API_USER": None},
            {"MTN_MOMO_API_KEY": None},
            {
                "MTN_MOMO_COLLECTION_SUBSCRIPTION_KEY": None,
                "MTN_MOMO_DISBURSEMENT_SUBSCRIPTION_KEY": None,
            },
        ],
    )
    def test_none_without_credentials(self, missing: dict[str, Any]) -> None:
        values: dict[str, Any] = {
            "MTN_MOMO_API_USER": API_USER,
            "MTN_MOMO_API_KEY": API_KEY,
            "MTN_MOMO_COLLECTION_SUBSCRIPTION_KEY": COLLECTION_KEY,
            "MTN_MOMO_DISBURSEMENT_SUBSCRIPTION_KEY": DISBURSEMENT_KEY,
            **missing,
        }
        assert build(make_settings(**values), httpx.AsyncClient()) is None

    def test_none_with_nothing_configured(self) -> None:
        assert build(make_settings(), httpx.AsyncClient()) is None

    async def test_built_from_settings(self, respx_mock: respx.MockRouter) -> None:
        settings = make_settings(
            MTN_MOMO_BASE_URL="https://sandbox.momo.test/",
            MTN_MOMO_ENVIRONMENT="sandbox",
            MTN_MOMO_CURRENCY="EUR",
            MTN_MOMO_API_USER=API_USER,
            MTN_MOMO_API_KEY=API_KEY,
            MTN_MOMO_COLLECTION_SUBSCRIPTION_KEY=COLLECTION_KEY,
        )
        momo = build(settings, httpx.AsyncClient())
        assert momo is not None
        assert (momo.code, momo.name) == ("mtn_momo", "MTN MoMo")
        assert API_KEY not in repr(momo)
        respx_mock.post("https://sandbox.momo.test/collection/token/").mock(
            return_value=token("tok")
        )
        route = respx_mock.post("https://sandbox.momo.test/collection/v1_0/requesttopay").mock(
            return_value=httpx.Response(202)
        )

        await momo.collect(COLLECTION)

        request = route.calls.last.request
        assert request.headers["X-Target-Environment"] == "sandbox"
        assert sent_json(request)["currency"] == "EUR"  # the sandbox only takes EUR

    async def test_a_direction_without_its_product_key_is_unavailable(
        self, respx_mock: respx.MockRouter
    ) -> None:
        settings = make_settings(
            MTN_MOMO_API_USER=API_USER,
            MTN_MOMO_API_KEY=API_KEY,
            MTN_MOMO_COLLECTION_SUBSCRIPTION_KEY=COLLECTION_KEY,
        )
        momo = build(settings, httpx.AsyncClient())
        assert momo is not None

        with pytest.raises(ProviderUnavailable) as payout:
            await momo.payout(PAYOUT)
        with pytest.raises(ProviderUnavailable) as status:
            await momo.status(operation("retrait"))

        assert payout.value.message == (
            "Les retraits vers MTN MoMo ne sont pas disponibles pour le moment."
        )
        assert status.value.message == payout.value.message
        assert len(respx_mock.calls) == 0  # refused before any HTTP call

    async def test_collection_unavailable_without_its_key(
        self, respx_mock: respx.MockRouter
    ) -> None:
        with pytest.raises(ProviderUnavailable) as caught:
            await provider(collection_key=None).collect(COLLECTION)
        assert (
            caught.value.message
            == "Les dépôts par MTN MoMo ne sont pas disponibles pour le moment."
        )
        assert len(respx_mock.calls) == 0


class TestTokens:
    async def test_token_request(self, respx_mock: respx.MockRouter) -> None:
        collection_token, _ = mock_tokens(respx_mock)
        respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=httpx.Response(202))

        await provider().collect(COLLECTION)

        request = collection_token.calls.last.request
        assert request.method == "POST"
        assert str(request.url) == COLLECTION_TOKEN_URL
        assert request.headers["Authorization"] == BASIC
        assert request.headers["Ocp-Apim-Subscription-Key"] == COLLECTION_KEY

    async def test_one_token_for_two_calls(self, respx_mock: respx.MockRouter) -> None:
        collection_token, _ = mock_tokens(respx_mock)
        route = respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=httpx.Response(202))
        momo = provider()

        await momo.collect(COLLECTION)
        await momo.collect(COLLECTION)

        assert collection_token.call_count == 1
        assert route.call_count == 2
        assert all(
            call.request.headers["Authorization"] == "Bearer tok-collection" for call in route.calls
        )

    async def test_one_token_per_product(self, respx_mock: respx.MockRouter) -> None:
        collection_token, disbursement_token = mock_tokens(respx_mock)
        collect = respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=httpx.Response(202))
        transfer = respx_mock.post(TRANSFER_URL).mock(return_value=httpx.Response(202))
        momo = provider()

        await momo.collect(COLLECTION)
        await momo.payout(PAYOUT)

        assert collection_token.call_count == 1
        assert disbursement_token.call_count == 1
        assert disbursement_token.calls.last.request.headers["Authorization"] == BASIC
        assert (
            disbursement_token.calls.last.request.headers["Ocp-Apim-Subscription-Key"]
            == DISBURSEMENT_KEY
        )
        assert collect.calls.last.request.headers["Authorization"] == "Bearer tok-collection"
        assert transfer.calls.last.request.headers["Authorization"] == "Bearer tok-disbursement"

    async def test_token_refetched_after_a_401(self, respx_mock: respx.MockRouter) -> None:
        collection_token = respx_mock.post(COLLECTION_TOKEN_URL).mock(
            side_effect=[token("tok-old"), token("tok-new")]
        )
        route = respx_mock.post(REQUEST_TO_PAY_URL).mock(
            side_effect=[
                httpx.Response(401, json={"statusCode": 401, "message": "Access token expired"}),
                httpx.Response(202),
            ]
        )

        answer = await provider().collect(COLLECTION)

        assert answer.outcome is Outcome.PENDING
        assert collection_token.call_count == 2
        assert [call.request.headers["Authorization"] for call in route.calls] == [
            "Bearer tok-old",
            "Bearer tok-new",
        ]
        # The same X-Reference-Id both times: MTN cannot create two payments.
        assert {call.request.headers["X-Reference-Id"] for call in route.calls} == {REFERENCE}

    async def test_a_second_401_is_a_configuration_problem(
        self, respx_mock: respx.MockRouter
    ) -> None:
        collection_token = respx_mock.post(COLLECTION_TOKEN_URL).mock(return_value=token("tok"))
        route = respx_mock.post(REQUEST_TO_PAY_URL).mock(
            return_value=httpx.Response(401, json={"statusCode": 401, "message": "Denied"})
        )

        with pytest.raises(ProviderUnavailable) as caught:
            await provider().collect(COLLECTION)

        assert "configuration" in caught.value.message
        assert route.call_count == 2
        assert collection_token.call_count == 2

    async def test_refused_credentials(self, respx_mock: respx.MockRouter) -> None:
        respx_mock.post(COLLECTION_TOKEN_URL).mock(
            return_value=httpx.Response(
                401,
                json={
                    "statusCode": 401,
                    "message": "Access denied due to invalid subscription key.",
                },
            )
        )
        route = respx_mock.post(REQUEST_TO_PAY_URL)

        with pytest.raises(ProviderUnavailable) as caught:
            await provider().collect(COLLECTION)

        assert caught.value.message == (
            "MTN MoMo n'est pas disponible : configuration du compte marchand à vérifier."
        )
        assert caught.value.detail is not None
        assert "HTTP 401" in caught.value.detail
        assert API_KEY not in str(caught.value)
        assert COLLECTION_KEY not in str(caught.value)
        assert not route.called

    @pytest.mark.parametrize(
        "answer",
        [
            httpx.Response(200, text="<html>gateway</html>"),
            httpx.Response(200, json={"token_type": "access_token", "expires_in": 3600}),
            httpx.Response(200, json={"access_token": "tok", "expires_in": "soon"}),
        ],
    )
    async def test_malformed_token_answer(
        self, respx_mock: respx.MockRouter, answer: httpx.Response
    ) -> None:
        respx_mock.post(COLLECTION_TOKEN_URL).mock(return_value=answer)
        route = respx_mock.post(REQUEST_TO_PAY_URL)

        with pytest.raises(ProviderProtocolError):
            await provider().collect(COLLECTION)
        assert not route.called

    async def test_token_endpoint_retried_after_a_5xx(self, respx_mock: respx.MockRouter) -> None:
        collection_token = respx_mock.post(COLLECTION_TOKEN_URL).mock(
            side_effect=[httpx.Response(503), token("tok")]
        )
        respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=httpx.Response(202))

        answer = await provider().collect(COLLECTION)

        assert answer.outcome is Outcome.PENDING
        assert collection_token.call_count == 2


class TestCollect:
    async def test_sends_a_request_to_pay(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=httpx.Response(202))

        answer = await provider().collect(COLLECTION)

        request = route.calls.last.request
        assert request.method == "POST"
        assert str(request.url) == REQUEST_TO_PAY_URL
        assert request.headers["Authorization"] == "Bearer tok-collection"
        assert request.headers["X-Reference-Id"] == REFERENCE
        assert request.headers["X-Target-Environment"] == "mtnivorycoast"
        assert request.headers["X-Callback-Url"] == CALLBACK
        assert request.headers["Ocp-Apim-Subscription-Key"] == COLLECTION_KEY
        assert request.headers["Content-Type"] == "application/json"
        assert sent_json(request) == {
            "amount": "5000",
            "currency": "XOF",
            "externalId": REFERENCE,
            "payer": {"partyIdType": "MSISDN", "partyId": "2250500000001"},
            "payerMessage": "Dépôt Hostolink",
            "payeeNote": "Dépôt Hostolink",
        }
        assert answer.outcome is Outcome.PENDING
        assert answer.external_id == REFERENCE
        assert answer.payment_url is None  # the payer confirms on the phone

    async def test_notes_are_cut_to_160_characters(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=httpx.Response(202))
        long = CollectionRequest(**{**COLLECTION.__dict__, "description": "é" * 200})

        await provider().collect(long)

        body = sent_json(route.calls.last.request)
        assert body["payerMessage"] == "é" * 160
        assert body["payeeNote"] == "é" * 160

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("PAYER_NOT_FOUND", "Ce numéro n'a pas de compte MTN MoMo actif."),
            ("INVALID_CURRENCY", "MTN MoMo n'accepte pas cette devise."),
            ("BAD_REQUEST", "MTN MoMo a refusé la demande de paiement."),
        ],
    )
    async def test_refusal(self, respx_mock: respx.MockRouter, code: str, message: str) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=error(400, code))

        with pytest.raises(ProviderRejected) as caught:
            await provider().collect(COLLECTION)

        assert caught.value.message == message
        assert caught.value.detail == f"mtn_momo: HTTP 400 code {code}"
        assert route.call_count == 1

    async def test_forbidden_is_unavailable(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        respx_mock.post(REQUEST_TO_PAY_URL).mock(
            return_value=httpx.Response(403, json={"statusCode": 403, "message": "Forbidden"})
        )

        with pytest.raises(ProviderUnavailable) as caught:
            await provider().collect(COLLECTION)
        assert "adresse IP" in caught.value.message

    async def test_timeout_is_unreachable(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(REQUEST_TO_PAY_URL).mock(
            side_effect=httpx.TimeoutException("timed out")
        )

        with pytest.raises(ProviderUnreachable) as caught:
            await provider().collect(COLLECTION)

        assert caught.value.detail == "mtn_momo: timeout"
        # Safe to repeat (X-Reference-Id is the idempotency key): retried before giving up.
        assert route.call_count == 3
        assert {call.request.headers["X-Reference-Id"] for call in route.calls} == {REFERENCE}

    async def test_5xx_then_accepted_on_retry(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(REQUEST_TO_PAY_URL).mock(
            side_effect=[httpx.Response(500), httpx.Response(202)]
        )

        answer = await provider().collect(COLLECTION)

        assert answer.outcome is Outcome.PENDING
        assert route.call_count == 2
        first, second = (call.request for call in route.calls)
        assert first.headers["X-Reference-Id"] == second.headers["X-Reference-Id"] == REFERENCE
        assert first.content == second.content

    async def test_unexpected_2xx_is_a_protocol_error(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=httpx.Response(200, text="ok"))

        with pytest.raises(ProviderProtocolError):
            await provider().collect(COLLECTION)

    async def test_409_asks_the_status_instead(self, respx_mock: respx.MockRouter) -> None:
        collection_token, _ = mock_tokens(respx_mock)
        post = respx_mock.post(REQUEST_TO_PAY_URL).mock(
            return_value=error(409, "RESOURCE_ALREADY_EXIST", "Duplicated reference id.")
        )
        get = respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(
            return_value=httpx.Response(200, json=status_body("SUCCESSFUL"))
        )

        answer = await provider().collect(COLLECTION)

        assert post.call_count == 1
        assert get.call_count == 1
        assert collection_token.call_count == 1
        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.external_id == REFERENCE
        assert answer.amount == 5000

    async def test_409_with_a_pending_operation(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=error(409, "RESOURCE_ALREADY_EXIST"))
        respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(
            return_value=httpx.Response(200, json=status_body("PENDING"))
        )

        answer = await provider().collect(COLLECTION)

        assert answer.outcome is Outcome.PENDING

    async def test_409_not_yet_visible_stays_pending(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=error(409, "RESOURCE_ALREADY_EXIST"))
        respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(
            return_value=error(404, "RESOURCE_NOT_FOUND")
        )

        answer = await provider().collect(COLLECTION)

        # MTN said it exists: never report it as unknown (the flow would give up on it).
        assert answer.outcome is Outcome.PENDING
        assert answer.external_id == REFERENCE

    async def test_409_then_unreadable_status(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=error(409, "RESOURCE_ALREADY_EXIST"))
        respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(return_value=httpx.Response(200, text="?"))

        with pytest.raises(ProviderProtocolError):
            await provider().collect(COLLECTION)

    async def test_invalid_number_is_refused_before_calling(
        self, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(REQUEST_TO_PAY_URL)
        bad = CollectionRequest(**{**COLLECTION.__dict__, "msisdn": "+225 05 00"})

        with pytest.raises(ProviderRejected) as caught:
            await provider().collect(bad)

        assert caught.value.message == "Numéro de téléphone invalide pour MTN MoMo."
        assert not route.called


class TestPayout:
    async def test_sends_a_transfer(self, respx_mock: respx.MockRouter) -> None:
        collection_token, _ = mock_tokens(respx_mock)
        route = respx_mock.post(TRANSFER_URL).mock(return_value=httpx.Response(202))

        answer = await provider().payout(PAYOUT)

        request = route.calls.last.request
        assert request.method == "POST"
        assert str(request.url) == TRANSFER_URL
        assert request.headers["Authorization"] == "Bearer tok-disbursement"
        assert request.headers["X-Reference-Id"] == REFERENCE
        assert request.headers["X-Target-Environment"] == "mtnivorycoast"
        assert request.headers["X-Callback-Url"] == CALLBACK
        assert request.headers["Ocp-Apim-Subscription-Key"] == DISBURSEMENT_KEY
        assert request.headers["Content-Type"] == "application/json"
        assert sent_json(request) == {
            "amount": "12000",
            "currency": "XOF",
            "externalId": REFERENCE,
            "payee": {"partyIdType": "MSISDN", "partyId": "2250500000001"},
            "payerMessage": "Retrait Hostolink",
            "payeeNote": "Retrait Hostolink",
        }
        assert answer.outcome is Outcome.PENDING
        assert answer.external_id == REFERENCE
        assert not collection_token.called

    async def test_forbidden_ip_is_unavailable(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(TRANSFER_URL).mock(
            return_value=httpx.Response(403, json={"code": "FORBIDDEN IP", "message": "IP"})
        )

        with pytest.raises(ProviderUnavailable) as caught:
            await provider().payout(PAYOUT)

        assert caught.value.message == (
            "MTN MoMo n'est pas disponible : accès refusé par MTN (configuration ou adresse IP "
            "du serveur à faire autoriser)."
        )
        assert caught.value.detail == "mtn_momo: HTTP 403 code FORBIDDEN IP"
        assert route.call_count == 1

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("PAYEE_NOT_FOUND", "Ce numéro n'a pas de compte MTN MoMo actif."),
            (
                "NOT_ENOUGH_FUNDS",
                "Le retrait ne peut pas être effectué pour le moment. Réessayez plus tard.",
            ),
            ("BAD_REQUEST", "MTN MoMo a refusé la demande de retrait."),
        ],
    )
    async def test_refusal(self, respx_mock: respx.MockRouter, code: str, message: str) -> None:
        mock_tokens(respx_mock)
        respx_mock.post(TRANSFER_URL).mock(return_value=error(400, code))

        with pytest.raises(ProviderRejected) as caught:
            await provider().payout(PAYOUT)

        assert caught.value.message == message

    async def test_timeout_is_unreachable(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(TRANSFER_URL).mock(side_effect=httpx.TimeoutException("slow"))

        with pytest.raises(ProviderUnreachable):
            await provider().payout(PAYOUT)
        assert route.call_count == 3

    async def test_5xx_then_accepted_on_retry(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(TRANSFER_URL).mock(
            side_effect=[httpx.Response(502), httpx.ConnectError("reset"), httpx.Response(202)]
        )

        answer = await provider().payout(PAYOUT)

        assert answer.outcome is Outcome.PENDING
        assert route.call_count == 3
        assert {call.request.headers["X-Reference-Id"] for call in route.calls} == {REFERENCE}

    async def test_409_asks_the_transfer_status(self, respx_mock: respx.MockRouter) -> None:
        collection_token, disbursement_token = mock_tokens(respx_mock)
        respx_mock.post(TRANSFER_URL).mock(return_value=error(409, "RESOURCE_ALREADY_EXIST"))
        get = respx_mock.get(TRANSFER_STATUS_URL).mock(
            return_value=httpx.Response(
                200, json=status_body("FAILED", amount="12000", reason="PAYEE_NOT_FOUND")
            )
        )

        answer = await provider().payout(PAYOUT)

        assert get.calls.last.request.headers["Authorization"] == "Bearer tok-disbursement"
        assert answer.outcome is Outcome.FAILED
        assert answer.reason == "Ce numéro n'a pas de compte MTN MoMo actif."
        assert answer.amount == 12000
        assert disbursement_token.call_count == 1
        assert not collection_token.called


class TestStatus:
    async def test_reads_a_request_to_pay(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(
            return_value=httpx.Response(200, json=status_body("PENDING"))
        )

        answer = await provider().status(operation())

        request = route.calls.last.request
        assert request.method == "GET"
        assert str(request.url) == REQUEST_TO_PAY_STATUS_URL
        assert request.headers["Authorization"] == "Bearer tok-collection"
        assert request.headers["X-Target-Environment"] == "mtnivorycoast"
        assert request.headers["Ocp-Apim-Subscription-Key"] == COLLECTION_KEY
        assert "X-Callback-Url" not in request.headers
        assert request.content == b""
        assert answer.outcome is Outcome.PENDING
        assert answer.reason is None

    async def test_successful(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        body = status_body("SUCCESSFUL")
        respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(return_value=httpx.Response(200, json=body))

        answer = await provider().status(operation())

        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.amount == 5000
        assert answer.external_id == REFERENCE
        assert answer.provider_data == {"financial_transaction_id": "1234567890"}
        assert answer.raw == body
        assert answer.reason is None

    async def test_reads_a_transfer(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.get(TRANSFER_STATUS_URL).mock(
            return_value=httpx.Response(200, json=status_body("SUCCESSFUL", amount="12000"))
        )

        answer = await provider().status(operation("retrait"))

        request = route.calls.last.request
        assert request.headers["Authorization"] == "Bearer tok-disbursement"
        assert request.headers["Ocp-Apim-Subscription-Key"] == DISBURSEMENT_KEY
        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.amount == 12000

    @pytest.mark.parametrize(
        ("reason", "direction", "message"),
        [
            ("APPROVAL_REJECTED", "depot", "Paiement refusé sur le téléphone."),
            (
                "EXPIRED",
                "depot",
                "Délai de confirmation dépassé : l'opération n'a pas été validée à temps.",
            ),
            (
                {"code": "COULD_NOT_PERFORM_TRANSACTION", "message": "timeout"},
                "depot",
                "Délai de confirmation dépassé : l'opération n'a pas été validée à temps.",
            ),
            ("NOT_ENOUGH_FUNDS", "depot", "Solde MTN MoMo insuffisant."),
            (
                "NOT_ENOUGH_FUNDS",
                "retrait",
                "Le retrait ne peut pas être effectué pour le moment. Réessayez plus tard.",
            ),
            ("PAYER_NOT_FOUND", "depot", "Ce numéro n'a pas de compte MTN MoMo actif."),
            ("PAYEE_NOT_FOUND", "retrait", "Ce numéro n'a pas de compte MTN MoMo actif."),
            ("PAYER_LIMIT_REACHED", "depot", "Plafond du compte MTN MoMo atteint."),
            (
                "INTERNAL_PROCESSING_ERROR",
                "depot",
                "MTN MoMo n'a pas pu traiter l'opération. Réessayez plus tard.",
            ),
            ("SOMETHING_NEW", "depot", "Paiement MTN MoMo échoué."),
            (None, "retrait", "Retrait MTN MoMo échoué."),
        ],
    )
    async def test_failed_reasons(
        self, respx_mock: respx.MockRouter, reason: Any, direction: str, message: str
    ) -> None:
        mock_tokens(respx_mock)
        url = REQUEST_TO_PAY_STATUS_URL if direction == "depot" else TRANSFER_STATUS_URL
        body = status_body("FAILED", reason=reason)
        del body["financialTransactionId"]
        respx_mock.get(url).mock(return_value=httpx.Response(200, json=body))

        answer = await provider().status(operation(direction))

        assert answer.outcome is Outcome.FAILED
        assert answer.reason == message
        assert answer.provider_data == {}

    async def test_unknown_operation(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(
            return_value=error(404, "RESOURCE_NOT_FOUND", "Requested resource was not found.")
        )

        answer = await provider().status(operation())

        assert answer.outcome is Outcome.UNKNOWN

    async def test_timeout_is_unreachable(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(
            side_effect=httpx.TimeoutException("slow")
        )

        with pytest.raises(ProviderUnreachable):
            await provider().status(operation())
        assert route.call_count == 3

    async def test_5xx_then_answer_on_retry(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(
            side_effect=[
                httpx.Response(500),
                httpx.Response(200, json=status_body("SUCCESSFUL")),
            ]
        )

        answer = await provider().status(operation())

        assert answer.outcome is Outcome.SUCCEEDED
        assert route.call_count == 2

    async def test_token_refetched_after_a_401(self, respx_mock: respx.MockRouter) -> None:
        collection_token = respx_mock.post(COLLECTION_TOKEN_URL).mock(
            side_effect=[token("tok-old"), token("tok-new")]
        )
        route = respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(
            side_effect=[
                httpx.Response(401, json={"statusCode": 401, "message": "Expired"}),
                httpx.Response(200, json=status_body("PENDING")),
            ]
        )

        answer = await provider().status(operation())

        assert answer.outcome is Outcome.PENDING
        assert collection_token.call_count == 2
        assert route.calls.last.request.headers["Authorization"] == "Bearer tok-new"

    @pytest.mark.parametrize(
        "answer",
        [
            httpx.Response(200, text="<html>maintenance</html>"),
            httpx.Response(200, json=["PENDING"]),
            httpx.Response(200, json={"amount": "5000", "externalId": REFERENCE}),
            httpx.Response(200, json=status_body("TELEPORTED")),
            httpx.Response(200, json=status_body("SUCCESSFUL", amount="50.5")),
            error(400, "BAD_REQUEST"),
        ],
    )
    async def test_malformed_answer(
        self, respx_mock: respx.MockRouter, answer: httpx.Response
    ) -> None:
        mock_tokens(respx_mock)
        respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(return_value=answer)

        with pytest.raises(ProviderProtocolError):
            await provider().status(operation())


class TestCallback:
    def parse(self, payload: Any, headers: dict[str, str] | None = None) -> Any:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return provider().parse_callback(body, headers or {}, now=1_700_000_000.0)

    def test_successful_callback_is_an_untrusted_hint(self) -> None:
        payload = status_body("SUCCESSFUL")

        callback = self.parse(payload)

        assert callback.trusted is False  # MTN signs nothing: poll `status` first
        assert callback.reference == REFERENCE
        assert callback.external_id == REFERENCE
        assert callback.outcome is Outcome.SUCCEEDED
        assert callback.amount == 5000
        assert callback.event_id == f"{REFERENCE}:SUCCESSFUL"
        assert callback.raw == payload

    def test_failed_callback(self) -> None:
        callback = self.parse(status_body("FAILED", reason="APPROVAL_REJECTED"))

        assert callback.outcome is Outcome.FAILED
        assert callback.event_id == f"{REFERENCE}:FAILED"
        assert callback.trusted is False

    def test_disbursement_callback(self) -> None:
        payload = status_body("SUCCESSFUL", amount="12000")
        payload["payee"] = payload.pop("payer")

        callback = self.parse(payload)

        assert callback.outcome is Outcome.SUCCEEDED
        assert callback.amount == 12000

    def test_duplicates_collapse_but_a_later_status_is_new(self) -> None:
        first = self.parse(status_body("PENDING"))
        again = self.parse(status_body("PENDING"))
        final = self.parse(status_body("SUCCESSFUL"))

        assert first.event_id == again.event_id
        assert final.event_id != first.event_id
        assert first.outcome is Outcome.PENDING

    def test_a_signature_header_does_not_make_it_trusted(self) -> None:
        callback = self.parse(status_body("SUCCESSFUL"), {"X-Signature": "forged"})
        assert callback.trusted is False

    def test_unknown_status_has_no_outcome(self) -> None:
        callback = self.parse(status_body("SOMETHING_NEW"))
        assert callback.outcome is None
        assert callback.event_id == f"{REFERENCE}:SOMETHING_NEW"

    def test_amount_is_optional(self) -> None:
        payload = status_body("SUCCESSFUL")
        del payload["amount"]
        assert self.parse(payload).amount is None

    @pytest.mark.parametrize(
        "payload",
        [
            b"not json",
            b"\xff\xfe",
            b"[]",
            {"status": "SUCCESSFUL", "amount": "5000"},
            {"externalId": "", "status": "SUCCESSFUL"},
            {"externalId": REFERENCE},
            {"externalId": REFERENCE, "status": 3},
            {"externalId": REFERENCE, "status": "SUCCESSFUL", "amount": "1e3"},
        ],
    )
    def test_malformed_callback(self, payload: Any) -> None:
        with pytest.raises(InvalidCallback):
            self.parse(payload)
