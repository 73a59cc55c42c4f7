"""MtnMomoProvider against a simulated MoMo Open API (respx, at the HTTP boundary)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
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

# MTN's newer platform (MoMo Open API on momoapi.momo.africa): its own credentials, a User ID
# (base64, ending in "=") and a Credential Token from the Partner Portal.
OPENAPI = "https://openapi.momo.test"
OPENAPI_USER = "b3BlbmFwaS11c2VyLWlk="
OPENAPI_TOKEN = "openapi+credential/token-never-logged"
OPENAPI_BASIC = "Basic " + base64.b64encode(f"{OPENAPI_USER}:{OPENAPI_TOKEN}".encode()).decode()

MISCONFIGURED = (
    "MTN MoMo n'est pas disponible pour le moment : un réglage est à corriger de notre côté, "
    "l'équipe est prévenue."
)

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


def operation(direction: str = "depot", platform: str | None = "classic") -> OperationRef:
    """An operation as the flow hands it back: `donnees_fournisseur` names the platform that
    created it (None: an operation from before platforms were recorded)."""
    return OperationRef(
        reference=REFERENCE,
        direction="depot" if direction == "depot" else "retrait",
        amount=5000,
        currency="XOF",
        msisdn=MSISDN,
        rail="mtn_momo",
        external_id=REFERENCE,
        provider_data={} if platform is None else {"plateforme": platform},
    )


def settings_values(
    *,
    collection_key: str | None = COLLECTION_KEY,
    disbursement_key: str | None = DISBURSEMENT_KEY,
    environment: str = "mtnivorycoast",
    currency: str = "XOF",
) -> dict[str, Any]:
    """The classic platform's settings (the variables deployments already have)."""
    return {
        "MTN_MOMO_BASE_URL": BASE + "/",
        "MTN_MOMO_ENVIRONMENT": environment,
        "MTN_MOMO_CURRENCY": currency,
        "MTN_MOMO_API_USER": API_USER,
        "MTN_MOMO_API_KEY": API_KEY,
        "MTN_MOMO_COLLECTION_SUBSCRIPTION_KEY": collection_key,
        "MTN_MOMO_DISBURSEMENT_SUBSCRIPTION_KEY": disbursement_key,
    }


def provider(**values: Any) -> MtnMomoProvider:
    """An adapter built from settings, as the application builds it."""
    momo = build(make_settings(**settings_values(**values)), httpx.AsyncClient())
    assert momo is not None
    return momo


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

        with pytest.raises(ProviderMisconfigured) as caught:
            await provider().collect(COLLECTION)

        assert caught.value.message == MISCONFIGURED
        assert route.call_count == 2
        assert collection_token.call_count == 2

    async def test_refused_credentials_are_misconfigured(
        self, respx_mock: respx.MockRouter
    ) -> None:
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

        with pytest.raises(ProviderMisconfigured) as caught:
            await provider().collect(COLLECTION)

        assert caught.value.message == MISCONFIGURED
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
            ("BAD_REQUEST", "MTN MoMo a refusé la demande de paiement."),
        ],
    )
    async def test_refusal(self, respx_mock: respx.MockRouter, code: str, message: str) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=error(400, code))

        with pytest.raises(ProviderRejected) as caught:
            await provider().collect(COLLECTION)

        assert caught.value.message == message
        assert caught.value.detail == f"mtn_momo (classic): HTTP 400 code {code}"
        assert route.call_count == 1

    async def test_forbidden_is_misconfigured(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        respx_mock.post(REQUEST_TO_PAY_URL).mock(
            return_value=httpx.Response(403, json={"statusCode": 403, "message": "Forbidden"})
        )

        with pytest.raises(ProviderMisconfigured) as caught:
            await provider().collect(COLLECTION)
        assert caught.value.message == MISCONFIGURED

    async def test_timeout_is_unreachable(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(REQUEST_TO_PAY_URL).mock(
            side_effect=httpx.TimeoutException("timed out")
        )

        with pytest.raises(ProviderUnreachable) as caught:
            await provider().collect(COLLECTION)

        assert caught.value.detail == "mtn_momo (classic): timeout"
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

    async def test_forbidden_ip_is_misconfigured(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(TRANSFER_URL).mock(
            return_value=httpx.Response(403, json={"code": "FORBIDDEN IP", "message": "IP"})
        )

        with pytest.raises(ProviderMisconfigured) as caught:
            await provider().payout(PAYOUT)

        assert caught.value.message == MISCONFIGURED
        assert caught.value.detail is not None
        assert "HTTP 403 code FORBIDDEN IP" in caught.value.detail
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
        assert answer.provider_data == {
            "plateforme": "classic",
            "financial_transaction_id": "1234567890",
        }
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
        assert answer.provider_data == {"plateforme": "classic"}

    async def test_unknown_operation(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(
            return_value=error(404, "RESOURCE_NOT_FOUND", "Requested resource was not found.")
        )

        answer = await provider().status(operation())

        assert answer.outcome is Outcome.UNKNOWN

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


DOCUMENTED = Path(__file__).parent / "conformance" / "mtn_momo" / "requests"


def documented(name: str) -> dict[str, Any]:
    """One of MTN's request body examples (a template: every value is "string")."""
    value = json.loads((DOCUMENTED / name).read_text(encoding="utf-8"))
    assert isinstance(value, dict)
    return value


def same_shape(sent: Any, template: Any) -> bool:
    """The same field names at every level, and a string wherever the template has one."""
    if isinstance(template, dict):
        return (
            isinstance(sent, dict)
            and sent.keys() == template.keys()
            and all(same_shape(sent[key], template[key]) for key in template)
        )
    return isinstance(sent, str)


class TestDocumentedRequests:
    """Our bodies against MTN's « Request body » examples (tests/providers/conformance/
    mtn_momo/README.md names them)."""

    async def test_request_to_pay_body(self, respx_mock: respx.MockRouter) -> None:
        collection_token, _ = mock_tokens(respx_mock)
        route = respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=httpx.Response(202))

        await provider().collect(COLLECTION)

        body = sent_json(route.calls.last.request)
        template = documented("requesttopay.json")
        assert same_shape(body, template)
        assert body["payer"]["partyIdType"] == template["payer"]["partyIdType"] == "MSISDN"
        # « Inputting a Body in an API that is not supported e.g. /Token API » is a 400.
        assert collection_token.calls.last.request.content == b""

    async def test_transfer_body(self, respx_mock: respx.MockRouter) -> None:
        _, disbursement_token = mock_tokens(respx_mock)
        route = respx_mock.post(TRANSFER_URL).mock(return_value=httpx.Response(202))

        await provider().payout(PAYOUT)

        body = sent_json(route.calls.last.request)
        template = documented("transfer.json")
        assert same_shape(body, template)
        assert body["payee"]["partyIdType"] == template["payee"]["partyIdType"] == "MSISDN"
        assert disbursement_token.calls.last.request.content == b""


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


def both_platforms(active: str, **extra: Any) -> dict[str, Any]:
    """Both platforms configured (a migration under way), `active` taking new operations."""
    return {
        **settings_values(),
        "MTN_MOMO_PLATFORM": active,
        "MTN_MOMO_OPENAPI_BASE_URL": OPENAPI,
        "MTN_MOMO_OPENAPI_USER_ID": OPENAPI_USER,
        "MTN_MOMO_OPENAPI_CREDENTIAL_TOKEN": OPENAPI_TOKEN,
        **extra,
    }


def openapi_only(**extra: Any) -> dict[str, Any]:
    return {
        "MTN_MOMO_PLATFORM": "openapi",
        "MTN_MOMO_OPENAPI_BASE_URL": OPENAPI,
        "MTN_MOMO_OPENAPI_USER_ID": OPENAPI_USER,
        "MTN_MOMO_OPENAPI_CREDENTIAL_TOKEN": OPENAPI_TOKEN,
        "MTN_MOMO_OPENAPI_COLLECTION_SUBSCRIPTION_KEY": "openapi-collection-key",
        "MTN_MOMO_OPENAPI_DISBURSEMENT_SUBSCRIPTION_KEY": "openapi-disbursement-key",
        **extra,
    }


def built(values: dict[str, Any]) -> MtnMomoProvider:
    momo = build(make_settings(**values), httpx.AsyncClient())
    assert momo is not None
    return momo


class TestPlatforms:
    """Finding 1: MTN's newer platform, and operations read where they were created."""

    async def test_openapi_token_carries_the_target_environment(
        self, respx_mock: respx.MockRouter
    ) -> None:
        token_route = respx_mock.post(f"{OPENAPI}/collection/token/").mock(
            return_value=token("tok-openapi")
        )
        route = respx_mock.post(f"{OPENAPI}/collection/v1_0/requesttopay").mock(
            return_value=httpx.Response(202)
        )

        answer = await built(openapi_only()).collect(COLLECTION)

        sent = token_route.calls.last.request
        # Mandatory on the newer platform's token call (400 without it) [3P].
        assert sent.headers["X-Target-Environment"] == "mtnivorycoast"
        assert sent.headers["Authorization"] == OPENAPI_BASIC
        assert sent.headers["Ocp-Apim-Subscription-Key"] == "openapi-collection-key"
        request = route.calls.last.request
        assert request.headers["Authorization"] == "Bearer tok-openapi"
        assert request.headers["X-Target-Environment"] == "mtnivorycoast"
        assert request.headers["X-Reference-Id"] == REFERENCE
        assert answer.outcome is Outcome.PENDING
        assert answer.provider_data == {"plateforme": "openapi"}

    async def test_token_call_may_take_longer_and_we_name_ourselves(
        self, respx_mock: respx.MockRouter
    ) -> None:
        token_route = respx_mock.post(f"{OPENAPI}/collection/token/").mock(
            return_value=token("tok")
        )
        route = respx_mock.post(f"{OPENAPI}/collection/v1_0/requesttopay").mock(
            return_value=httpx.Response(202)
        )

        await built(openapi_only()).collect(COLLECTION)

        sent = token_route.calls.last.request
        # The newer platform takes 10-20 s to issue a token [3P]; a token moves no money.
        assert sent.extensions["timeout"]["read"] == 30.0
        # Its gateway refuses python-requests' default User-Agent [3P]: never rely on one.
        assert sent.headers["User-Agent"] == "Hostolink"
        assert route.calls.last.request.headers["User-Agent"] == "Hostolink"

    async def test_classic_token_call_is_unchanged(self, respx_mock: respx.MockRouter) -> None:
        collection_token, _ = mock_tokens(respx_mock)
        respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=httpx.Response(202))

        answer = await provider().collect(COLLECTION)

        assert "X-Target-Environment" not in collection_token.calls.last.request.headers
        assert answer.provider_data == {"plateforme": "classic"}

    async def test_each_operation_records_its_platform(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        respx_mock.post(TRANSFER_URL).mock(return_value=httpx.Response(202))
        # Both configured: the other platform is asked first (see TestRepeatAcrossPlatforms).
        respx_mock.post(f"{OPENAPI}/disbursement/token/").mock(return_value=token("tok"))
        respx_mock.get(f"{OPENAPI}/disbursement/v1_0/transfer/{REFERENCE}").mock(
            return_value=error(404, "RESOURCE_NOT_FOUND")
        )

        answer = await built(both_platforms("classic")).payout(PAYOUT)

        # The flow stores it as `donnees_fournisseur` and hands it back to `status`.
        assert answer.provider_data == {"plateforme": "classic"}

    async def test_openapi_subscription_keys_default_to_the_shared_ones(
        self, respx_mock: respx.MockRouter
    ) -> None:
        token_route = respx_mock.post(f"{OPENAPI}/disbursement/token/").mock(
            return_value=token("tok")
        )
        route = respx_mock.post(f"{OPENAPI}/disbursement/v1_0/transfer").mock(
            return_value=httpx.Response(202)
        )
        mock_tokens(respx_mock)
        respx_mock.get(TRANSFER_STATUS_URL).mock(return_value=error(404, "RESOURCE_NOT_FOUND"))

        await built(both_platforms("openapi")).payout(PAYOUT)

        assert token_route.calls.last.request.headers["Ocp-Apim-Subscription-Key"] == (
            DISBURSEMENT_KEY
        )
        assert route.calls.last.request.headers["Ocp-Apim-Subscription-Key"] == DISBURSEMENT_KEY

    async def test_a_withdrawal_is_read_on_the_platform_that_created_it(
        self, respx_mock: respx.MockRouter
    ) -> None:
        # Created on the newer platform, then the configuration went back to classic: the
        # transfer exists only on the newer platform, and it is read there, with its keys.
        token_route = respx_mock.post(f"{OPENAPI}/disbursement/token/").mock(
            return_value=token("tok-openapi")
        )
        read = respx_mock.get(f"{OPENAPI}/disbursement/v1_0/transfer/{REFERENCE}").mock(
            return_value=httpx.Response(200, json=status_body("SUCCESSFUL", amount="12000"))
        )
        classic = respx_mock.route(host="momo.test")

        answer = await built(both_platforms("classic")).status(operation("retrait", "openapi"))

        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.provider_data["plateforme"] == "openapi"
        assert token_route.calls.last.request.headers["Authorization"] == OPENAPI_BASIC
        assert read.calls.last.request.headers["Authorization"] == "Bearer tok-openapi"
        assert not classic.called

    async def test_an_operation_from_before_platforms_is_read_on_classic(
        self, respx_mock: respx.MockRouter
    ) -> None:
        mock_tokens(respx_mock)
        read = respx_mock.get(TRANSFER_STATUS_URL).mock(
            return_value=httpx.Response(200, json=status_body("PENDING"))
        )
        openapi = respx_mock.route(host="openapi.momo.test")

        answer = await built(both_platforms("openapi")).status(operation("retrait", None))

        assert answer.outcome is Outcome.PENDING
        assert read.called
        assert not openapi.called

    async def test_a_404_after_a_switch_is_unknown_never_failed(
        self, respx_mock: respx.MockRouter
    ) -> None:
        mock_tokens(respx_mock)
        respx_mock.get(TRANSFER_STATUS_URL).mock(
            return_value=error(404, "RESOURCE_NOT_FOUND", "Requested resource was not found.")
        )

        answer = await built(both_platforms("openapi")).status(operation("retrait"))

        assert answer.outcome is Outcome.UNKNOWN
        assert answer.reason is None

    async def test_recorded_platform_no_longer_configured_is_unreachable(
        self, respx_mock: respx.MockRouter
    ) -> None:
        momo = built(openapi_only())

        with pytest.raises(ProviderUnreachable) as caught:
            await momo.status(operation("retrait", "classic"))

        # Pending, for the operators; never asked of the wrong platform.
        assert caught.value.detail is not None
        assert "classic" in caught.value.detail
        assert len(respx_mock.calls) == 0

    async def test_an_unknown_recorded_platform_is_unreachable(
        self, respx_mock: respx.MockRouter
    ) -> None:
        with pytest.raises(ProviderUnreachable):
            await built(both_platforms("classic")).status(operation("retrait", "mars"))
        assert len(respx_mock.calls) == 0

    async def test_active_platform_without_credentials_refuses_new_operations(
        self, respx_mock: respx.MockRouter
    ) -> None:
        # Switched to openapi before its credentials were set: the classic API key is never
        # tried on the newer platform, and classic operations are still read.
        momo = built({**settings_values(), "MTN_MOMO_PLATFORM": "openapi"})
        mock_tokens(respx_mock)
        read = respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(
            return_value=httpx.Response(200, json=status_body("PENDING"))
        )

        with pytest.raises(ProviderUnavailable):
            await momo.collect(COLLECTION)
        answer = await momo.status(operation())

        assert answer.outcome is Outcome.PENDING
        assert read.call_count == 1
        assert all("openapi" not in str(call.request.url) for call in respx_mock.calls)

    def test_platform_setting_is_validated(self) -> None:
        with pytest.raises(ValueError, match="MTN_MOMO_PLATFORM"):
            make_settings(MTN_MOMO_PLATFORM="new")

    def test_secrets_stay_out_of_repr(self) -> None:
        text = repr(built(both_platforms("openapi")))
        assert OPENAPI_TOKEN not in text
        assert API_KEY not in text
        assert "openapi" in text


class TestConfigurationErrors:
    """Finding 2: MTN answers several configuration errors with HTTP 500."""

    @pytest.mark.parametrize(
        "code",
        [
            "INVALID_CALLBACK_URL_HOST",
            "INVALID_CURRENCY",
            "NOT_ALLOWED_TARGET_ENVIRONMENT",
            "NOT_ALLOWED",
        ],
    )
    async def test_a_500_with_a_configuration_code_is_misconfigured(
        self, respx_mock: respx.MockRouter, code: str
    ) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=error(500, code))

        with pytest.raises(ProviderMisconfigured) as caught:
            await provider().collect(COLLECTION)

        assert caught.value.message == MISCONFIGURED
        assert caught.value.detail is not None
        assert f"HTTP 500 code {code}" in caught.value.detail
        assert route.call_count == 1  # asking again would not help

    async def test_the_code_may_only_be_in_the_message(self, respx_mock: respx.MockRouter) -> None:
        # MTN's sandbox notebook reads it at the end of `message`.
        mock_tokens(respx_mock)
        respx_mock.post(TRANSFER_URL).mock(
            return_value=httpx.Response(
                500, json={"message": "Callback URL host is invalid: INVALID_CALLBACK_URL_HOST"}
            )
        )

        with pytest.raises(ProviderMisconfigured):
            await provider().payout(PAYOUT)

    async def test_currency_not_supported_message_is_misconfigured(
        self, respx_mock: respx.MockRouter
    ) -> None:
        mock_tokens(respx_mock)
        respx_mock.post(REQUEST_TO_PAY_URL).mock(
            return_value=httpx.Response(500, json={"message": "Currency not supported."})
        )

        with pytest.raises(ProviderMisconfigured):
            await provider().collect(COLLECTION)

    @pytest.mark.parametrize(
        "answer",
        [
            httpx.Response(500),
            httpx.Response(500, text="<html>Internal server error</html>"),
            error(500, "INTERNAL_PROCESSING_ERROR"),
            error(503, "SERVICE_UNAVAILABLE"),
            httpx.Response(502, json={"statusCode": 502, "message": "Bad gateway"}),
        ],
    )
    async def test_a_genuine_5xx_stays_unreachable(
        self, respx_mock: respx.MockRouter, answer: httpx.Response
    ) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(TRANSFER_URL).mock(return_value=answer)

        with pytest.raises(ProviderUnreachable) as caught:
            await provider().payout(PAYOUT)

        assert not isinstance(caught.value, ProviderMisconfigured)
        assert route.call_count == 3

    async def test_a_configuration_code_on_a_status_read_is_misconfigured(
        self, respx_mock: respx.MockRouter
    ) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.get(TRANSFER_STATUS_URL).mock(
            return_value=error(500, "NOT_ALLOWED_TARGET_ENVIRONMENT")
        )

        with pytest.raises(ProviderMisconfigured):
            await provider().status(operation("retrait"))
        assert route.call_count == 1

    async def test_token_refused_for_its_login_is_misconfigured(
        self, respx_mock: respx.MockRouter
    ) -> None:
        # MTN's sandbox notebook: a 500 {"error": "login_failed"} when user and key do not match.
        token_route = respx_mock.post(COLLECTION_TOKEN_URL).mock(
            return_value=httpx.Response(500, json={"error": "login_failed"})
        )

        with pytest.raises(ProviderMisconfigured):
            await provider().collect(COLLECTION)
        assert token_route.call_count == 1

    async def test_openapi_token_without_target_environment_is_misconfigured(
        self, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(f"{OPENAPI}/collection/token/").mock(
            return_value=httpx.Response(
                400, json={"error": "Invalid or missing X-Target-Environment header"}
            )
        )

        with pytest.raises(ProviderMisconfigured):
            await built(openapi_only()).collect(COLLECTION)


class TestErrorClasses:
    """Finding 3: each class of MTN answer mapped to what it proves."""

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("PAYEE_NOT_FOUND", "Ce numéro n'a pas de compte MTN MoMo actif."),
            ("PAYEE_NOT_ALLOWED_TO_RECEIVE", "Ce compte MTN MoMo ne peut pas recevoir d'argent."),
            (
                "NOT_ENOUGH_FUNDS",
                "Le retrait ne peut pas être effectué pour le moment. Réessayez plus tard.",
            ),
        ],
    )
    async def test_a_definitive_refusal_in_a_500_is_rejected(
        self, respx_mock: respx.MockRouter, code: str, message: str
    ) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(TRANSFER_URL).mock(return_value=error(500, code))

        with pytest.raises(ProviderRejected) as caught:
            await provider().payout(PAYOUT)

        assert caught.value.message == message
        assert route.call_count == 1

    async def test_payer_not_found_in_a_500_is_rejected(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=error(500, "PAYER_NOT_FOUND"))

        with pytest.raises(ProviderRejected) as caught:
            await provider().collect(COLLECTION)
        assert caught.value.message == "Ce numéro n'a pas de compte MTN MoMo actif."

    @pytest.mark.parametrize("status", [429, 408])
    async def test_throttled_initiation_is_retried_then_unreachable(
        self, respx_mock: respx.MockRouter, status: int
    ) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(TRANSFER_URL).mock(return_value=httpx.Response(status))

        with pytest.raises(ProviderUnreachable):
            await provider().payout(PAYOUT)
        assert route.call_count == 3

    async def test_throttled_then_accepted(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(TRANSFER_URL).mock(
            side_effect=[httpx.Response(429), httpx.Response(202)]
        )

        answer = await provider().payout(PAYOUT)

        assert answer.outcome is Outcome.PENDING
        assert route.call_count == 2

    async def test_a_404_on_initiation_is_misconfigured(self, respx_mock: respx.MockRouter) -> None:
        # The path or base URL is wrong: nothing was created, and retrying will not help.
        mock_tokens(respx_mock)
        respx_mock.post(TRANSFER_URL).mock(
            return_value=httpx.Response(404, json={"statusCode": 404, "message": "not found"})
        )

        with pytest.raises(ProviderMisconfigured):
            await provider().payout(PAYOUT)

    @pytest.mark.parametrize(
        "lookup",
        [
            httpx.Response(403, json={"code": "FORBIDDEN IP", "message": "IP"}),
            error(500, "NOT_ALLOWED_TARGET_ENVIRONMENT"),
        ],
    )
    async def test_409_then_a_refused_lookup_is_still_submitted(
        self, respx_mock: respx.MockRouter, lookup: httpx.Response
    ) -> None:
        mock_tokens(respx_mock)
        respx_mock.post(TRANSFER_URL).mock(return_value=error(409, "RESOURCE_ALREADY_EXIST"))
        respx_mock.get(TRANSFER_STATUS_URL).mock(return_value=lookup)

        answer = await provider().payout(PAYOUT)

        # MTN holds the transfer: whatever the lookup said, it was submitted, never refused.
        assert answer.outcome is Outcome.PENDING
        assert answer.external_id == REFERENCE
        assert answer.provider_data == {"plateforme": "classic"}

    async def test_409_answer_records_the_platform(self, respx_mock: respx.MockRouter) -> None:
        mock_tokens(respx_mock)
        respx_mock.post(REQUEST_TO_PAY_URL).mock(return_value=error(409, "RESOURCE_ALREADY_EXIST"))
        respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(
            return_value=error(404, "RESOURCE_NOT_FOUND")
        )

        answer = await provider().collect(COLLECTION)

        assert answer.outcome is Outcome.PENDING
        assert answer.provider_data == {"plateforme": "classic"}

    @pytest.mark.parametrize(
        ("reason", "message"),
        [
            ("PAYEE_NOT_ALLOWED_TO_RECEIVE", "Ce compte MTN MoMo ne peut pas recevoir d'argent."),
            ("PAYEE_NOT_FOUND", "Ce numéro n'a pas de compte MTN MoMo actif."),
            ("NOT_ALLOWED", "Opération non autorisée par MTN MoMo."),
        ],
    )
    async def test_a_failed_transfer_status_is_final(
        self, respx_mock: respx.MockRouter, reason: str, message: str
    ) -> None:
        mock_tokens(respx_mock)
        respx_mock.get(TRANSFER_STATUS_URL).mock(
            return_value=httpx.Response(200, json=status_body("FAILED", reason=reason))
        )

        answer = await provider().status(operation("retrait"))

        assert answer.outcome is Outcome.FAILED
        assert answer.reason == message

    async def test_a_blocked_payer_account_fails_the_deposit(
        self, respx_mock: respx.MockRouter
    ) -> None:
        mock_tokens(respx_mock)
        respx_mock.get(REQUEST_TO_PAY_STATUS_URL).mock(
            return_value=httpx.Response(
                200, json=status_body("FAILED", reason="SENDER_ACCOUNT_NOT_ACTIVE")
            )
        )

        answer = await provider().status(operation())

        assert answer.outcome is Outcome.FAILED
        assert answer.reason == "Ce compte MTN MoMo n'est pas actif."

    @pytest.mark.parametrize(
        ("answer", "error_class"),
        [
            (httpx.Response(403, json={"code": "FORBIDDEN IP"}), ProviderMisconfigured),
            (httpx.Response(429), ProviderUnreachable),
            (httpx.Response(503), ProviderUnreachable),
            (error(500, "PAYER_NOT_FOUND"), ProviderUnreachable),
        ],
    )
    async def test_a_status_read_never_fails_an_operation_on_an_error(
        self,
        respx_mock: respx.MockRouter,
        answer: httpx.Response,
        error_class: type[Exception],
    ) -> None:
        mock_tokens(respx_mock)
        respx_mock.get(TRANSFER_STATUS_URL).mock(return_value=answer)

        with pytest.raises(error_class):
            await provider().status(operation("retrait"))


class TestRepeatAcrossPlatforms:
    """Finding 1, the repeat: reconciliation sends again an initiation MTN never confirmed.
    After a switch, the first attempt may sit on the other platform: never a second one."""

    async def test_a_repeat_after_a_switch_finds_the_first_attempt(
        self, respx_mock: respx.MockRouter
    ) -> None:
        mock_tokens(respx_mock)
        lookup = respx_mock.get(TRANSFER_STATUS_URL).mock(
            return_value=httpx.Response(200, json=status_body("PENDING", amount="12000"))
        )
        openapi = respx_mock.route(host="openapi.momo.test")

        answer = await built(both_platforms("openapi")).payout(PAYOUT)

        assert lookup.called
        assert not openapi.called  # no second transfer on the newer platform
        assert answer.outcome is Outcome.PENDING
        assert answer.provider_data["plateforme"] == "classic"

    async def test_a_new_operation_during_a_migration_goes_to_the_active_platform(
        self, respx_mock: respx.MockRouter
    ) -> None:
        mock_tokens(respx_mock)
        respx_mock.get(TRANSFER_STATUS_URL).mock(return_value=error(404, "RESOURCE_NOT_FOUND"))
        respx_mock.post(f"{OPENAPI}/disbursement/token/").mock(return_value=token("tok"))
        route = respx_mock.post(f"{OPENAPI}/disbursement/v1_0/transfer").mock(
            return_value=httpx.Response(202)
        )

        answer = await built(both_platforms("openapi")).payout(PAYOUT)

        assert route.call_count == 1
        assert answer.provider_data == {"plateforme": "openapi"}

    async def test_other_platform_unreadable_sends_nothing(
        self, respx_mock: respx.MockRouter
    ) -> None:
        mock_tokens(respx_mock)
        respx_mock.get(TRANSFER_STATUS_URL).mock(side_effect=httpx.ConnectError("down"))
        openapi = respx_mock.route(host="openapi.momo.test")

        with pytest.raises(ProviderUnreachable):
            await built(both_platforms("openapi")).payout(PAYOUT)
        assert not openapi.called

    async def test_one_platform_configured_sends_at_once(
        self, respx_mock: respx.MockRouter
    ) -> None:
        mock_tokens(respx_mock)
        route = respx_mock.post(TRANSFER_URL).mock(return_value=httpx.Response(202))

        await provider().payout(PAYOUT)

        assert route.call_count == 1
        assert len(respx_mock.calls) == 2  # the token, the transfer: no lookup
