"""WaveProvider against a simulated Wave API (respx, at the HTTP boundary)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.providers.base import (
    CollectionRequest,
    InvalidCallback,
    OperationRef,
    Outcome,
    PayoutRequest,
    ProviderMisconfigured,
    ProviderProtocolError,
    ProviderRejected,
    ProviderUnreachable,
)
from hostolink.providers.wave import WaveProvider, build
from tests.conftest import make_settings
from tests.operations.helpers import make_due, withdraw
from tests.operations.helpers import operation as operation_view
from tests.wallet.helpers import admin_token, balance, credit, person

KEY = "wave_ci_prod_test-key-never-logged"
SECRET = "wave_ci_AHS-signing-secret"
OLD_SECRET = "wave_ci_AHS-previous-secret"
BASE = "https://wave.test"
REF = "3f2b8c1e-9a47-4d2b-8f0e-1c5a7d9e2b64"
OTHER_REF = "00000000-0000-4000-8000-000000000000"
SESSION_ID = "cos-1b01sghpg100j"
PAYOUT_ID = "pt-185sewgm8100t"
NOW = 1_736_500_000
RETURN_URL = "https://app.hostolink.test/portefeuille/depot/retour"
LAUNCH_URL = f"https://pay.wave.com/c/{SESSION_ID}?a=5000&c=XOF&m=Hostolink"
LONG_DESCRIPTION = "Retrait Hostolink vers votre compte Wave, merci de votre confiance"
SESSION_EXPIRED = "Session de paiement Wave expirée : aucun paiement n'a été effectué."

COLLECTION = CollectionRequest(
    reference=REF,
    amount=5000,
    currency="XOF",
    msisdn="+2250700000001",
    rail="wave",
    description="Rechargement Hostolink",
    callback_url="https://api.hostolink.test/api/fournisseurs/wave/notifications",
    return_url=RETURN_URL,
)
PAYOUT = PayoutRequest(
    reference=REF,
    amount=25000,
    currency="XOF",
    msisdn="+2250500000002",
    rail="wave",
    description=LONG_DESCRIPTION,
    callback_url="https://api.hostolink.test/api/fournisseurs/wave/notifications",
    recipient_name="Awa Koné",
)


def operation(
    direction: str, *, external_id: str | None = None, **provider_data: Any
) -> OperationRef:
    return OperationRef(
        reference=REF,
        direction=direction,  # type: ignore[arg-type]
        amount=5000 if direction == "depot" else 25000,
        currency="XOF",
        msisdn="+2250700000001",
        rail="wave",
        external_id=external_id,
        provider_data=provider_data,
    )


def session(**overrides: Any) -> dict[str, Any]:
    """A Checkout session as Wave answers it (fields of a real payload)."""
    body: dict[str, Any] = {
        "id": SESSION_ID,
        "amount": "5000",
        "currency": "XOF",
        "business_name": "Hostolink",
        "checkout_status": "open",
        "payment_status": "processing",
        "client_reference": REF,
        "success_url": RETURN_URL,
        "error_url": RETURN_URL,
        "last_payment_error": None,
        "transaction_id": None,
        "wave_launch_url": LAUNCH_URL,
        "when_created": "2025-01-10T09:00:00Z",
        "when_expires": "2025-01-10T09:30:00Z",
    }
    body.update(overrides)
    return body


def payout(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": PAYOUT_ID,
        "currency": "XOF",
        "receive_amount": "25000",
        "fee": "250",
        "mobile": "+2250500000002",
        "name": "Awa Koné",
        "client_reference": REF,
        "payment_reason": LONG_DESCRIPTION[:40],
        "status": "processing",
        "timestamp": "2025-01-10T09:00:00Z",
    }
    body.update(overrides)
    return body


def sign(body: bytes, secret: str = SECRET, t: int = NOW) -> str:
    # Computed here, not with our helper: the test states Wave's scheme independently.
    return hmac.new(secret.encode(), str(t).encode() + body, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, *secrets: str, t: int = NOW) -> dict[str, str]:
    signatures = ",".join(f"v1={sign(body, s, t)}" for s in secrets or (SECRET,))
    return {"Wave-Signature": f"t={t},{signatures}"}


def event(event_type: str = "checkout.session.completed", **data: Any) -> bytes:
    envelope = {
        "id": "AE_ci_H1N-vRZsWyU1",
        "type": event_type,
        "data": session(**{"checkout_status": "complete", "payment_status": "succeeded", **data}),
    }
    return json.dumps(envelope).encode()


def sent_json(route: respx.Route, index: int = -1) -> Any:
    return json.loads(route.calls[index].request.content)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


@pytest.fixture
def wave(client: httpx.AsyncClient) -> WaveProvider:
    return WaveProvider(api_key=KEY, webhook_secret=SECRET, base_url=f"{BASE}/", client=client)


class TestCollect:
    async def test_sends_the_documented_checkout_request(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(f"{BASE}/v1/checkout/sessions").respond(200, json=session())

        await wave.collect(COLLECTION)

        request = route.calls.last.request
        assert request.method == "POST"
        assert str(request.url) == f"{BASE}/v1/checkout/sessions"
        assert request.headers["Authorization"] == f"Bearer {KEY}"
        assert request.headers["idempotency-key"] == REF
        assert request.headers["Content-Type"] == "application/json"
        assert sent_json(route) == {
            "amount": "5000",
            "currency": "XOF",
            "client_reference": REF,
            "success_url": RETURN_URL,
            "error_url": RETURN_URL,
            "restrict_payer_mobile": "+2250700000001",
        }

    async def test_an_open_session_is_pending_with_the_launch_url(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(f"{BASE}/v1/checkout/sessions").respond(200, json=session())

        answer = await wave.collect(COLLECTION)

        assert answer.outcome is Outcome.PENDING
        assert answer.external_id == SESSION_ID
        assert answer.payment_url == LAUNCH_URL
        assert answer.provider_data == {"session_id": SESSION_ID}
        assert answer.amount == 5000
        assert answer.reason is None
        assert answer.raw == session()

    async def test_a_validation_error_is_a_refusal_not_retried(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(f"{BASE}/v1/checkout/sessions").respond(
            400, json={"code": "request-validation-error", "message": "amount: invalid"}
        )

        with pytest.raises(ProviderRejected) as raised:
            await wave.collect(COLLECTION)

        assert raised.value.detail == "request-validation-error"
        assert raised.value.message == (
            "Wave a refusé la demande : le numéro ou le montant n'est pas valide."
        )
        assert route.call_count == 1

    async def test_a_refusal_without_a_readable_body_is_still_a_refusal(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(f"{BASE}/v1/checkout/sessions").respond(400, text="Bad Request")

        with pytest.raises(ProviderRejected) as raised:
            await wave.collect(COLLECTION)

        assert raised.value.message == "Wave a refusé l'opération."
        assert raised.value.detail == "wave: HTTP 400"

    @pytest.mark.parametrize(
        ("status", "code"),
        [(401, "api-key-revoked"), (403, "invalid-wallet"), (403, "missing-api-permission")],
    )
    async def test_our_credentials_refused_is_a_misconfiguration(
        self, wave: WaveProvider, respx_mock: respx.MockRouter, status: int, code: str
    ) -> None:
        respx_mock.post(f"{BASE}/v1/checkout/sessions").respond(
            status, json={"code": code, "message": "nope"}
        )

        with pytest.raises(ProviderMisconfigured) as raised:
            await wave.collect(COLLECTION)

        assert "configuration" in raised.value.message
        assert raised.value.detail == f"wave: HTTP {status} {code}"
        assert KEY not in str(raised.value)

    async def test_timeouts_are_retried_then_unreachable(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(f"{BASE}/v1/checkout/sessions").mock(
            side_effect=httpx.TimeoutException("timed out")
        )

        with pytest.raises(ProviderUnreachable) as raised:
            await wave.collect(COLLECTION)

        assert not isinstance(raised.value, ProviderProtocolError)
        assert raised.value.detail == "wave: timeout"
        # Idempotent thanks to the idempotency-key header: retried, never paid twice.
        assert route.call_count == 3

    async def test_a_5xx_is_retried_with_the_same_idempotency_key(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(f"{BASE}/v1/checkout/sessions").mock(
            side_effect=[httpx.Response(503), httpx.Response(200, json=session())]
        )

        answer = await wave.collect(COLLECTION)

        assert answer.outcome is Outcome.PENDING
        assert route.call_count == 2
        first, second = (call.request for call in route.calls)
        assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == REF
        assert first.content == second.content

    async def test_rate_limiting_is_no_refusal(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(f"{BASE}/v1/checkout/sessions").respond(
            429, json={"code": "rate-limit-exceeded", "message": "slow down"}
        )

        with pytest.raises(ProviderUnreachable) as raised:
            await wave.collect(COLLECTION)

        assert not isinstance(raised.value, ProviderRejected)
        assert raised.value.detail == "wave: HTTP 429 rate-limit-exceeded"

    @pytest.mark.parametrize(
        "response",
        [
            httpx.Response(200, text="<html>maintenance</html>"),
            httpx.Response(200, json=[session()]),
            httpx.Response(200, json=session(wave_launch_url=None)),
            httpx.Response(200, json=session(id=None)),
            httpx.Response(200, json=session(amount="5000.50")),
        ],
        ids=["not-json", "not-an-object", "no-launch-url", "no-id", "fractional-amount"],
    )
    async def test_a_malformed_answer_is_a_protocol_error(
        self, wave: WaveProvider, respx_mock: respx.MockRouter, response: httpx.Response
    ) -> None:
        respx_mock.post(f"{BASE}/v1/checkout/sessions").mock(return_value=response)

        with pytest.raises(ProviderProtocolError):
            await wave.collect(COLLECTION)


class TestPayout:
    async def test_sends_the_documented_payout_request(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(f"{BASE}/v1/payout").respond(200, json=payout())

        await wave.payout(PAYOUT)

        request = route.calls.last.request
        assert request.method == "POST"
        assert str(request.url) == f"{BASE}/v1/payout"
        assert request.headers["Authorization"] == f"Bearer {KEY}"
        assert request.headers["idempotency-key"] == REF
        assert request.headers["Content-Type"] == "application/json"
        assert sent_json(route) == {
            "currency": "XOF",
            "receive_amount": "25000",
            "mobile": "+2250500000002",
            "client_reference": REF,
            "payment_reason": "Retrait Hostolink vers votre compte Wave",
            "name": "Awa Koné",
        }
        assert len(sent_json(route)["payment_reason"]) == 40

    async def test_optional_fields_are_left_out(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(f"{BASE}/v1/payout").respond(200, json=payout())
        bare = PayoutRequest(
            reference=REF,
            amount=1000,
            currency="XOF",
            msisdn="+2250500000002",
            rail="wave",
            description="",
            callback_url="https://api.hostolink.test/n",
        )

        await wave.payout(bare)

        assert sent_json(route) == {
            "currency": "XOF",
            "receive_amount": "1000",
            "mobile": "+2250500000002",
            "client_reference": REF,
        }

    async def test_processing_is_pending(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(f"{BASE}/v1/payout").respond(200, json=payout())

        answer = await wave.payout(PAYOUT)

        assert answer.outcome is Outcome.PENDING
        assert answer.external_id == PAYOUT_ID
        assert answer.provider_data == {"payout_id": PAYOUT_ID}
        assert answer.amount == 25000
        assert answer.payment_url is None
        assert answer.raw == payout()

    async def test_succeeded_is_final(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(f"{BASE}/v1/payout").respond(200, json=payout(status="succeeded"))

        answer = await wave.payout(PAYOUT)

        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.external_id == PAYOUT_ID
        assert answer.reason is None

    async def test_an_unknown_status_stays_pending(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.post(f"{BASE}/v1/payout").respond(200, json=payout(status="on-hold"))

        assert (await wave.payout(PAYOUT)).outcome is Outcome.PENDING

    @pytest.mark.parametrize(
        ("body", "reason"),
        [
            (
                payout(
                    status="failed",
                    payout_error={"error_code": "insufficient-funds", "error_message": "..."},
                ),
                "Fonds insuffisants chez Wave pour effectuer ce retrait pour le moment. "
                "Réessayez plus tard.",
            ),
            (
                payout(status="failed", payout_error={"error_code": "recipient-account-blocked"}),
                "Le compte Wave du destinataire est bloqué.",
            ),
            (
                payout(status="failed", payout_error={"error_code": "recipient_limit_exceeded"}),
                "Le compte Wave du destinataire a atteint sa limite. Réessayez plus tard ou "
                "choisissez un autre moyen de retrait.",
            ),
            (
                payout(status="failed", payout_error={"error_code": "something-new"}),
                "Le retrait Wave a échoué.",
            ),
        ],
        ids=["insufficient-funds", "recipient-blocked", "underscore-code", "unknown-code"],
    )
    async def test_failed_with_its_payout_error_is_final_with_a_french_reason(
        self, wave: WaveProvider, respx_mock: respx.MockRouter, body: dict[str, Any], reason: str
    ) -> None:
        respx_mock.post(f"{BASE}/v1/payout").respond(200, json=body)

        answer = await wave.payout(PAYOUT)

        assert answer.outcome is Outcome.FAILED
        assert answer.reason == reason
        assert answer.external_id == PAYOUT_ID

    @pytest.mark.parametrize(
        "body",
        [
            payout(status="failed"),
            payout(status="failed", error_code="insufficient-funds"),
            payout(status="failed", payout_error={"error_message": "no code"}),
        ],
        ids=["no-payout-error", "flat-code", "payout-error-without-code"],
    )
    async def test_failed_without_its_payout_error_proves_nothing(
        self, wave: WaveProvider, respx_mock: respx.MockRouter, body: dict[str, Any]
    ) -> None:
        # "payout_error: populated only when status is failed" [DOC]: without it the answer is
        # not the documented failure, and a withdrawal released on it could be paid twice.
        respx_mock.post(f"{BASE}/v1/payout").respond(200, json=body)

        answer = await wave.payout(PAYOUT)

        assert answer.outcome is Outcome.PENDING
        assert answer.reason is None

    async def test_reversed_is_a_payout_that_paid_flagged_for_an_operator(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        # A reversal follows a success (the money reached the recipient, then came back to
        # our wallet because we asked): never a failure that would release the hold.
        respx_mock.post(f"{BASE}/v1/payout").respond(200, json=payout(status="reversed"))

        answer = await wave.payout(PAYOUT)

        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.provider_data == {"payout_id": PAYOUT_ID, "reversed": True}
        assert answer.reason is None

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            (
                "insufficient-funds",
                "Fonds insuffisants chez Wave pour effectuer ce retrait pour le moment. "
                "Réessayez plus tard.",
            ),
            (
                "recipient-limit-exceeded",
                "Le compte Wave du destinataire a atteint sa limite. Réessayez plus tard ou "
                "choisissez un autre moyen de retrait.",
            ),
            ("recipient-account-inactive", "Le compte Wave du destinataire est inactif."),
            ("country-mismatch", "Ce numéro n'est pas un compte Wave de Côte d'Ivoire."),
            ("brand-new-code", "Wave a refusé l'opération."),
        ],
    )
    async def test_a_4xx_with_a_code_is_a_refusal(
        self, wave: WaveProvider, respx_mock: respx.MockRouter, code: str, message: str
    ) -> None:
        route = respx_mock.post(f"{BASE}/v1/payout").respond(
            422, json={"code": code, "message": "English text for developers"}
        )

        with pytest.raises(ProviderRejected) as raised:
            await wave.payout(PAYOUT)

        assert raised.value.message == message
        assert raised.value.detail == code
        assert route.call_count == 1  # a refusal is an answer, not a failure to retry

    @pytest.mark.parametrize(
        ("status", "body"),
        [
            (401, {"code": "invalid-auth", "message": "..."}),
            (403, {"code": "disabled-wallet", "message": "..."}),
            (400, {"code": "invalid-aggregated-merchant-id", "message": "..."}),
            (400, {"code": "request-not-json", "message": "..."}),
            (404, {"code": "not-found", "message": "..."}),
        ],
        ids=["bad-key", "disabled-wallet", "aggregated-merchant", "not-json", "wrong-url"],
    )
    async def test_our_configuration_refused_is_a_misconfiguration(
        self,
        wave: WaveProvider,
        respx_mock: respx.MockRouter,
        status: int,
        body: dict[str, Any],
    ) -> None:
        route = respx_mock.post(f"{BASE}/v1/payout").respond(status, json=body)

        with pytest.raises(ProviderMisconfigured) as raised:
            await wave.payout(PAYOUT)

        assert raised.value.message == (
            "Wave n'est pas disponible : la configuration du compte marchand est à revoir."
        )
        assert route.call_count == 1
        assert KEY not in str(raised.value)

    @pytest.mark.parametrize(
        ("status", "body"),
        [
            (408, {}),
            (429, {"code": "too-many-requests", "message": "slow down"}),
            (409, {"code": "conflict", "message": "..."}),
            (400, {"code": "idempotency-mismatch", "message": "..."}),
            (400, {"error_code": "internal-server-error", "error_message": "..."}),
            (422, {"code": "service-unavailable", "message": "..."}),
        ],
        ids=["408", "429", "409", "idempotency-mismatch", "internal-error", "unavailable"],
    )
    async def test_an_unknown_state_answer_keeps_the_payout_pending(
        self,
        wave: WaveProvider,
        respx_mock: respx.MockRouter,
        status: int,
        body: dict[str, Any],
    ) -> None:
        # Wave: after these "the transaction is in an unknown state": pending, never failed.
        respx_mock.post(f"{BASE}/v1/payout").respond(status, json=body)

        with pytest.raises(ProviderUnreachable) as raised:
            await wave.payout(PAYOUT)

        assert not isinstance(raised.value, ProviderProtocolError)

    async def test_asking_again_later_sends_the_same_key_and_body(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        # Three quick tries go unanswered; the same request sent again later (Wave sets no
        # time limit) carries the same Idempotency-Key: Wave returns the one payout.
        route = respx_mock.post(f"{BASE}/v1/payout").mock(
            side_effect=[
                httpx.Response(500),
                httpx.TimeoutException("timed out"),
                httpx.Response(503),
                httpx.Response(200, json=payout(status="succeeded")),
            ]
        )

        with pytest.raises(ProviderUnreachable):
            await wave.payout(PAYOUT)
        answer = await wave.payout(PAYOUT)

        assert answer.outcome is Outcome.SUCCEEDED
        assert route.call_count == 4
        assert [call.request.headers["Idempotency-Key"] for call in route.calls] == [REF] * 4
        assert len({call.request.content for call in route.calls}) == 1

    async def test_timeouts_are_retried_then_unreachable(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(f"{BASE}/v1/payout").mock(
            side_effect=httpx.TimeoutException("timed out")
        )

        with pytest.raises(ProviderUnreachable):
            await wave.payout(PAYOUT)

        assert route.call_count == 3
        assert {call.request.headers["idempotency-key"] for call in route.calls} == {REF}

    async def test_a_5xx_is_retried_with_the_same_idempotency_key(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(f"{BASE}/v1/payout").mock(
            side_effect=[
                httpx.Response(502, text="Bad gateway"),
                httpx.Response(200, json=payout(status="succeeded")),
            ]
        )

        answer = await wave.payout(PAYOUT)

        assert answer.outcome is Outcome.SUCCEEDED
        assert route.call_count == 2
        assert [call.request.headers["idempotency-key"] for call in route.calls] == [REF, REF]
        assert sent_json(route, 0) == sent_json(route, 1)

    async def test_5xx_every_time_is_unreachable(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.post(f"{BASE}/v1/payout").respond(500)

        with pytest.raises(ProviderUnreachable) as raised:
            await wave.payout(PAYOUT)

        assert raised.value.detail == "wave: HTTP 500"
        assert route.call_count == 3

    @pytest.mark.parametrize(
        "response",
        [
            httpx.Response(200, text="{not json"),
            httpx.Response(200, json=payout(status=None)),
            httpx.Response(200, json=payout(id=None)),
            httpx.Response(200, json=payout(receive_amount="25 000")),
        ],
        ids=["not-json", "no-status", "no-id", "bad-amount"],
    )
    async def test_a_malformed_answer_is_a_protocol_error(
        self, wave: WaveProvider, respx_mock: respx.MockRouter, response: httpx.Response
    ) -> None:
        respx_mock.post(f"{BASE}/v1/payout").mock(return_value=response)

        with pytest.raises(ProviderProtocolError):
            await wave.payout(PAYOUT)


class TestDepositStatus:
    @pytest.mark.parametrize(
        ("checkout_status", "payment_status", "outcome", "reason"),
        [
            ("complete", "succeeded", Outcome.SUCCEEDED, None),
            ("complete", "successful", Outcome.SUCCEEDED, None),
            ("expired", "processing", Outcome.FAILED, SESSION_EXPIRED),
            ("expired", "cancelled", Outcome.FAILED, SESSION_EXPIRED),
            ("open", "cancelled", Outcome.PENDING, None),
            ("open", "processing", Outcome.PENDING, None),
            ("complete", "processing", Outcome.PENDING, None),
        ],
    )
    async def test_reads_the_session_by_id(
        self,
        *,
        wave: WaveProvider,
        respx_mock: respx.MockRouter,
        checkout_status: str,
        payment_status: str,
        outcome: Outcome,
        reason: str | None,
    ) -> None:
        body = session(checkout_status=checkout_status, payment_status=payment_status)
        route = respx_mock.get(f"{BASE}/v1/checkout/sessions/{SESSION_ID}").respond(200, json=body)

        answer = await wave.status(operation("depot", session_id=SESSION_ID))

        request = route.calls.last.request
        assert request.method == "GET"
        assert request.headers["Authorization"] == f"Bearer {KEY}"
        assert "idempotency-key" not in request.headers
        assert answer.outcome is outcome
        assert answer.reason == reason
        assert answer.external_id == SESSION_ID
        assert answer.amount == 5000

    async def test_uses_the_external_id_when_no_provider_data(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.get(f"{BASE}/v1/checkout/sessions/{SESSION_ID}").respond(
            200, json=session(checkout_status="complete", payment_status="succeeded")
        )

        answer = await wave.status(operation("depot", external_id=SESSION_ID))

        assert answer.outcome is Outcome.SUCCEEDED
        assert route.call_count == 1

    async def test_searches_by_client_reference_without_an_id(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.get(f"{BASE}/v1/checkout/sessions/search").respond(
            200, json={"result": [session(checkout_status="complete", payment_status="succeeded")]}
        )

        answer = await wave.status(operation("depot"))

        assert route.calls.last.request.url.params["client_reference"] == REF
        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.external_id == SESSION_ID
        assert answer.provider_data == {"session_id": SESSION_ID}

    async def test_an_empty_search_is_unknown(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{BASE}/v1/checkout/sessions/search").respond(200, json={"result": []})

        answer = await wave.status(operation("depot"))

        assert answer.outcome is Outcome.UNKNOWN
        assert answer.external_id is None

    async def test_a_search_hit_for_another_reference_is_not_ours(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{BASE}/v1/checkout/sessions/search").respond(
            200, json={"result": [session(client_reference=OTHER_REF, payment_status="succeeded")]}
        )

        assert (await wave.status(operation("depot"))).outcome is Outcome.UNKNOWN

    async def test_a_succeeded_session_wins_over_newer_ones(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        results = [
            session(id="cos-new", checkout_status="open", when_created="2025-01-10T10:00:00Z"),
            session(
                id="cos-paid",
                checkout_status="complete",
                payment_status="succeeded",
                when_created="2025-01-10T09:00:00Z",
            ),
            session(id="cos-old", checkout_status="expired", when_created="2025-01-10T08:00:00Z"),
        ]
        respx_mock.get(f"{BASE}/v1/checkout/sessions/search").respond(200, json={"result": results})

        answer = await wave.status(operation("depot"))

        assert answer.external_id == "cos-paid"
        assert answer.outcome is Outcome.SUCCEEDED

    async def test_without_success_the_newest_session_counts(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        results = [
            session(id="cos-old", checkout_status="expired", when_created="2025-01-10T08:00:00Z"),
            session(id="cos-new", checkout_status="open", when_created="2025-01-10T10:00:00Z"),
        ]
        respx_mock.get(f"{BASE}/v1/checkout/sessions/search").respond(200, json={"result": results})

        answer = await wave.status(operation("depot"))

        assert answer.external_id == "cos-new"
        assert answer.outcome is Outcome.PENDING

    async def test_an_unknown_session_id_is_unknown(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{BASE}/v1/checkout/sessions/{SESSION_ID}").respond(
            404, json={"code": "not-found", "message": "no such session"}
        )

        answer = await wave.status(operation("depot", session_id=SESSION_ID))

        assert answer.outcome is Outcome.UNKNOWN

    async def test_a_failed_attempt_on_an_open_session_is_not_final(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        # The payer's last attempt failed; the session is still open and can be paid.
        body = session(
            payment_status="cancelled",
            last_payment_error={"code": "insufficient-funds", "message": "Insufficient balance"},
        )
        respx_mock.get(f"{BASE}/v1/checkout/sessions/{SESSION_ID}").respond(200, json=body)

        answer = await wave.status(operation("depot", session_id=SESSION_ID))

        assert answer.outcome is Outcome.PENDING
        assert answer.reason is None
        assert answer.payment_url == LAUNCH_URL

    async def test_an_expired_session_is_a_final_failure_marked_expired(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        body = session(checkout_status="expired", payment_status="cancelled")
        respx_mock.get(f"{BASE}/v1/checkout/sessions/{SESSION_ID}").respond(200, json=body)

        answer = await wave.status(operation("depot", session_id=SESSION_ID))

        assert (answer.outcome, answer.expired) == (Outcome.FAILED, True)
        assert answer.reason == SESSION_EXPIRED

    @pytest.mark.parametrize(
        "response",
        [
            httpx.Response(200, text="<html>"),
            httpx.Response(200, json={"sessions": []}),
            httpx.Response(200, json={"result": "none"}),
            httpx.Response(400, json={"code": "request-validation-error"}),
        ],
        ids=["not-json", "no-result", "result-not-a-list", "4xx"],
    )
    async def test_a_malformed_search_answer_is_a_protocol_error(
        self, wave: WaveProvider, respx_mock: respx.MockRouter, response: httpx.Response
    ) -> None:
        respx_mock.get(f"{BASE}/v1/checkout/sessions/search").mock(return_value=response)

        with pytest.raises(ProviderProtocolError):
            await wave.status(operation("depot"))

    async def test_a_session_without_id_is_a_protocol_error(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{BASE}/v1/checkout/sessions/{SESSION_ID}").respond(
            200, json=session(id=None)
        )

        with pytest.raises(ProviderProtocolError):
            await wave.status(operation("depot", session_id=SESSION_ID))


class TestPayoutStatus:
    async def test_reads_the_payout_by_id(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        route = respx_mock.get(f"{BASE}/v1/payout/{PAYOUT_ID}").respond(
            200, json=payout(status="succeeded")
        )

        answer = await wave.status(operation("retrait", payout_id=PAYOUT_ID))

        request = route.calls.last.request
        assert request.method == "GET"
        assert request.headers["Authorization"] == f"Bearer {KEY}"
        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.external_id == PAYOUT_ID
        assert answer.amount == 25000

    async def test_uses_the_external_id(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{BASE}/v1/payout/{PAYOUT_ID}").respond(200, json=payout())

        answer = await wave.status(operation("retrait", external_id=PAYOUT_ID))

        assert answer.outcome is Outcome.PENDING

    async def test_searches_by_client_reference_without_an_id(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        body = payout(status="failed", payout_error={"error_code": "recipient-limit-exceeded"})
        route = respx_mock.get(f"{BASE}/v1/payouts/search").respond(200, json={"result": [body]})

        answer = await wave.status(operation("retrait"))

        assert route.calls.last.request.url.params["client_reference"] == REF
        assert answer.outcome is Outcome.FAILED
        assert answer.reason is not None
        assert answer.reason.startswith("Le compte Wave du destinataire a atteint sa limite")
        assert answer.external_id == PAYOUT_ID

    async def test_an_empty_search_is_unknown(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{BASE}/v1/payouts/search").respond(200, json={"result": []})

        assert (await wave.status(operation("retrait"))).outcome is Outcome.UNKNOWN

    async def test_an_unknown_payout_id_is_unknown(
        self, wave: WaveProvider, respx_mock: respx.MockRouter
    ) -> None:
        respx_mock.get(f"{BASE}/v1/payout/{PAYOUT_ID}").respond(404, json={"code": "not-found"})

        answer = await wave.status(operation("retrait", payout_id=PAYOUT_ID))

        assert answer.outcome is Outcome.UNKNOWN

    async def test_a_5xx_is_retried(self, wave: WaveProvider, respx_mock: respx.MockRouter) -> None:
        route = respx_mock.get(f"{BASE}/v1/payout/{PAYOUT_ID}").mock(
            side_effect=[httpx.Response(503), httpx.Response(200, json=payout(status="reversed"))]
        )

        answer = await wave.status(operation("retrait", payout_id=PAYOUT_ID))

        assert answer.outcome is Outcome.SUCCEEDED
        assert answer.provider_data == {"payout_id": PAYOUT_ID, "reversed": True}
        assert route.call_count == 2


class TestCallback:
    def test_a_signed_completed_session_is_trusted_success(self, wave: WaveProvider) -> None:
        body = event()

        callback = wave.parse_callback(body, signed_headers(body), now=NOW)

        assert callback.event_id == "AE_ci_H1N-vRZsWyU1"
        assert callback.event_type == "checkout.session.completed"
        assert callback.reference == REF
        assert callback.external_id == SESSION_ID
        assert callback.outcome is Outcome.SUCCEEDED
        assert callback.trusted is True
        assert callback.amount == 5000
        assert callback.notification_token is None
        assert callback.raw == json.loads(body)

    def test_successful_is_read_as_succeeded(self, wave: WaveProvider) -> None:
        body = event(payment_status="successful")

        callback = wave.parse_callback(body, signed_headers(body), now=NOW)

        assert callback.outcome is Outcome.SUCCEEDED

    def test_a_completed_event_without_a_succeeded_payment_claims_nothing(
        self, wave: WaveProvider
    ) -> None:
        body = event(payment_status="processing")

        callback = wave.parse_callback(body, signed_headers(body), now=NOW)

        assert callback.outcome is None

    def test_payment_failed_is_a_hint_not_a_failure(self, wave: WaveProvider) -> None:
        # The last attempt failed; the payer may try again on the same session.
        body = event(
            "checkout.session.payment_failed",
            checkout_status="open",
            payment_status="cancelled",
            last_payment_error={"code": "insufficient-funds", "message": "declined"},
        )

        callback = wave.parse_callback(body, signed_headers(body), now=NOW)

        assert callback.outcome is None
        assert callback.reason == "Le solde de votre compte Wave était insuffisant."
        assert callback.reference == REF
        assert callback.external_id == SESSION_ID
        assert callback.trusted is True

    def test_payment_failed_without_an_error_code_is_a_hint_too(self, wave: WaveProvider) -> None:
        body = event("checkout.session.payment_failed", checkout_status="open")

        callback = wave.parse_callback(body, signed_headers(body), now=NOW)

        assert callback.outcome is None
        assert callback.reason == (
            "Le dernier essai de paiement Wave a échoué : vous pouvez réessayer."
        )

    def test_other_events_claim_no_outcome(self, wave: WaveProvider) -> None:
        body = json.dumps(
            {"id": "AE_test_1", "type": "test.test_event", "data": {"hello": "world"}}
        ).encode()

        callback = wave.parse_callback(body, signed_headers(body), now=NOW)

        assert callback.event_id == "AE_test_1"
        assert callback.event_type == "test.test_event"
        assert callback.outcome is None
        assert callback.reference is None
        assert callback.external_id is None
        assert callback.amount is None

    def test_the_header_name_is_case_insensitive(self, wave: WaveProvider) -> None:
        body = event()
        headers = {"wave-signature": signed_headers(body)["Wave-Signature"]}

        assert wave.parse_callback(body, headers, now=NOW).outcome is Outcome.SUCCEEDED

    def test_rotation_accepts_any_matching_v1(self, wave: WaveProvider) -> None:
        body = event()
        # During a rotation Wave signs with both secrets; ours is the second one here.
        headers = signed_headers(body, OLD_SECRET, SECRET)
        assert headers["Wave-Signature"].count("v1=") == 2

        callback = wave.parse_callback(body, headers, now=NOW)

        assert callback.event_id == "AE_ci_H1N-vRZsWyU1"
        assert callback.trusted is True

    def test_rotation_with_no_matching_v1_is_refused(self, wave: WaveProvider) -> None:
        body = event()

        with pytest.raises(InvalidCallback, match="bad signature"):
            wave.parse_callback(body, signed_headers(body, OLD_SECRET, "a-third-one"), now=NOW)

    def test_a_wrong_secret_is_refused(self, wave: WaveProvider) -> None:
        body = event()

        with pytest.raises(InvalidCallback, match="bad signature"):
            wave.parse_callback(body, signed_headers(body, OLD_SECRET), now=NOW)

    def test_a_signature_with_a_separator_is_refused(self, wave: WaveProvider) -> None:
        # The Stripe-style "t.body" message is not Wave's: t and body are glued together.
        body = event()
        dotted = hmac.new(SECRET.encode(), f"{NOW}.".encode() + body, hashlib.sha256).hexdigest()

        with pytest.raises(InvalidCallback, match="bad signature"):
            wave.parse_callback(body, {"Wave-Signature": f"t={NOW},v1={dotted}"}, now=NOW)

    def test_a_timestamp_changed_after_signing_is_refused(self, wave: WaveProvider) -> None:
        body = event()
        headers = {"Wave-Signature": f"t={NOW + 1},v1={sign(body)}"}

        with pytest.raises(InvalidCallback, match="bad signature"):
            wave.parse_callback(body, headers, now=NOW)

    @pytest.mark.parametrize("age", [301, -301, 3600])
    def test_a_stale_timestamp_is_refused(self, wave: WaveProvider, age: int) -> None:
        body = event()
        headers = signed_headers(body, t=NOW - age)

        with pytest.raises(InvalidCallback, match="stale"):
            wave.parse_callback(body, headers, now=NOW)

    @pytest.mark.parametrize("age", [300, -300, 0])
    def test_a_timestamp_within_five_minutes_is_accepted(
        self, wave: WaveProvider, age: int
    ) -> None:
        body = event()

        callback = wave.parse_callback(body, signed_headers(body, t=NOW - age), now=NOW)

        assert callback.outcome is Outcome.SUCCEEDED

    def test_the_shared_secret_strategy_is_refused(self, wave: WaveProvider) -> None:
        # Wave's other strategy puts the secret in Authorization: Bearer; we never accept it.
        with pytest.raises(InvalidCallback, match="missing Wave-Signature"):
            wave.parse_callback(event(), {"Authorization": f"Bearer {SECRET}"}, now=NOW)

    @pytest.mark.parametrize(
        ("value", "match"),
        [
            ("garbage", "malformed"),
            (f"v1={'0' * 64}", "exactly one numeric t"),
            (f"t=yesterday,v1={'0' * 64}", "exactly one numeric t"),
            (f"t={NOW},t={NOW},v1={'0' * 64}", "exactly one numeric t"),
            (f"t={NOW}", "no v1"),
            (f"t={NOW},v0={'0' * 64}", "no v1"),
        ],
    )
    def test_a_malformed_header_is_refused(
        self, wave: WaveProvider, value: str, match: str
    ) -> None:
        with pytest.raises(InvalidCallback, match=match):
            wave.parse_callback(event(), {"Wave-Signature": value}, now=NOW)

    @pytest.mark.parametrize(
        ("body", "match"),
        [
            (b"{not json", "not JSON"),
            (b"\xff\xfe", "not JSON"),
            (b'["AE_1"]', "not a JSON object"),
            (b'{"type": "checkout.session.completed", "data": {}}', "no id"),
            (b'{"id": "", "type": "checkout.session.completed"}', "no id"),
            (
                b'{"id": "AE_2", "type": "checkout.session.completed",'
                b' "data": {"amount": "12.5", "payment_status": "succeeded"}}',
                "amount",
            ),
        ],
        ids=["not-json", "not-utf8", "list", "no-id", "empty-id", "bad-amount"],
    )
    def test_a_malformed_body_is_refused_even_when_signed(
        self, wave: WaveProvider, body: bytes, match: str
    ) -> None:
        with pytest.raises(InvalidCallback, match=match):
            wave.parse_callback(body, signed_headers(body), now=NOW)


class TestBuild:
    def settings(self, **values: Any) -> Any:
        explicit: dict[str, Any] = {
            "WAVE_API_KEY": None,
            "WAVE_WEBHOOK_SECRET": None,
            "WAVE_BASE_URL": "https://api.wave.com",
        }
        explicit.update(values)
        return make_settings(**explicit)

    @pytest.mark.parametrize("key", [None, "", "   "])
    def test_no_api_key_means_no_provider(self, client: httpx.AsyncClient, key: str | None) -> None:
        settings = self.settings(WAVE_API_KEY=key, WAVE_WEBHOOK_SECRET=SECRET)

        assert build(settings, client) is None

    async def test_built_from_settings_talks_to_the_configured_wave(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        wave = build(self.settings(WAVE_API_KEY=KEY, WAVE_WEBHOOK_SECRET=SECRET), client)
        route = respx_mock.post("https://api.wave.com/v1/payout").respond(200, json=payout())

        assert isinstance(wave, WaveProvider)
        assert (wave.code, wave.name) == ("wave", "Wave")
        await wave.payout(PAYOUT)
        assert route.calls.last.request.headers["Authorization"] == f"Bearer {KEY}"
        body = event()
        assert wave.parse_callback(body, signed_headers(body), now=NOW).trusted is True
        assert KEY not in repr(wave)
        assert SECRET not in repr(wave)

    async def test_without_a_webhook_secret_it_still_works(
        self, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        wave = build(self.settings(WAVE_API_KEY=KEY, WAVE_BASE_URL=BASE), client)
        respx_mock.post(f"{BASE}/v1/checkout/sessions").respond(200, json=session())

        assert wave is not None
        assert (await wave.collect(COLLECTION)).outcome is Outcome.PENDING
        body = event()
        with pytest.raises(InvalidCallback, match="no webhook secret configured"):
            wave.parse_callback(body, signed_headers(body), now=NOW)


class TestAnUnansweredPayoutWithTheFlow:
    """The whole withdrawal against a simulated Wave: the held money must stay held while
    Wave may have the payout (after a 5xx "a payout may exist without an id yet")."""

    @pytest.mark.respx(assert_all_called=False)  # the flow may search, or send again
    async def test_a_search_finding_nothing_never_releases_the_hold(
        self, database_url: str, db_engine: AsyncEngine, respx_mock: respx.MockRouter
    ) -> None:
        settings = make_settings(WAVE_API_KEY=KEY, WAVE_BASE_URL=BASE, SANDBOX_PROVIDER=False)
        application = create_app(settings, database_url=database_url)
        sent = respx_mock.post(f"{BASE}/v1/payout").respond(503)
        searched = respx_mock.get(f"{BASE}/v1/payouts/search").respond(200, json={"result": []})
        transport = httpx.ASGITransport(app=application)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
                awa = await person(api, db_engine, 1)
                await credit(api, await admin_token(api, db_engine), awa.numero_compte, 10_000)
                started = await withdraw(api, awa, 4_000, rail="wave")
                assert started.status_code == 202, started.text
                reference = started.json()["data"]["reference"]
                # Well past the 120 s after which the hold used to be released.
                await make_due(db_engine, reference, age_minutes=30)
                await application.state.operations.reconcile()
                view = await operation_view(api, awa, reference)
        finally:
            await application.state.db.dispose()

        # Whether the flow searched by our reference or sent the same payout again, nothing
        # it heard proves the payout absent: the money stays held, the operation pending.
        assert view["statut"] not in ("echouee", "reussie")
        assert await balance(db_engine, awa.numero_compte) == 6_000
        for call in searched.calls:
            assert call.request.url.params["client_reference"] == reference
        assert sent.call_count >= 3
        assert {call.request.headers["Idempotency-Key"] for call in sent.calls} == {reference}
        assert len({call.request.content for call in sent.calls}) == 1
