"""The contract every provider adapter keeps, one test per behaviour run against each adapter
(respx at the HTTP boundary; nothing of ours is patched).

Each adapter contributes small descriptions, built from the values of its own test module:
- a `StatusRead`: how to build it (and answer its token endpoint, if it has one), an operation
  it knows, the request that reads that operation's state, the answer saying it succeeded, the
  answers it cannot read, and its answer refusing our credentials;
- a `SignedCallbacks` (adapters whose notifications are signed): how to sign a notification,
  and the words of each refusal.

What only one adapter does stays in its own module (tests/providers/test_<code>.py); the
providers' documented examples are replayed in tests/providers/conformance/."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import respx

from hostolink.providers.base import (
    InvalidCallback,
    OperationRef,
    Outcome,
    Provider,
    ProviderMisconfigured,
    ProviderProtocolError,
    ProviderUnreachable,
)
from hostolink.providers.mtn_momo import build as build_mtn_momo
from hostolink.providers.wave import WaveProvider
from tests.conftest import make_settings
from tests.providers import test_djamo as djamo
from tests.providers import test_hub2 as hub2
from tests.providers import test_mtn_momo as mtn_momo
from tests.providers import test_orange_money as orange_money
from tests.providers import test_wave as wave

Answer = Callable[[], httpx.Response]
Build = Callable[[httpx.AsyncClient, respx.MockRouter], Provider]


@dataclass(frozen=True)
class Adapter:
    name: str  # as its errors name it
    build: Build  # against respx, its token endpoint (if it has one) answered


@dataclass(frozen=True)
class StatusRead:
    """How one adapter reads the state of one operation it knows."""

    adapter: Adapter
    operation: OperationRef
    url: str
    method: str = "GET"
    succeeded: Answer | None = None  # the provider's answer: the operation succeeded
    unreadable: dict[str, Answer] = field(default_factory=dict)  # answers it cannot read
    refused: Answer | None = None  # the provider refuses our credentials
    timeout: type[httpx.TimeoutException] = httpx.TimeoutException

    def answered(
        self, client: httpx.AsyncClient, mock: respx.MockRouter, **answer: Any
    ) -> tuple[Provider, respx.Route]:
        """The adapter, and the read answered as `answer` says (respx's `mock` arguments)."""
        provider = self.adapter.build(client, mock)
        return provider, mock.route(method=self.method, url=self.url).mock(**answer)


def _json(status: int, body: Any) -> Answer:
    return lambda: httpx.Response(status, json=body)


def _text(status: int, body: str) -> Answer:
    return lambda: httpx.Response(status, text=body)


def _djamo(client: httpx.AsyncClient, _: respx.MockRouter) -> Provider:
    return djamo.djamo(client)


def _hub2(client: httpx.AsyncClient, _: respx.MockRouter) -> Provider:
    return hub2.hub2(client)


def _wave(client: httpx.AsyncClient, _: respx.MockRouter) -> Provider:
    return WaveProvider(
        api_key=wave.KEY, webhook_secret=wave.SECRET, base_url=f"{wave.BASE}/", client=client
    )


def _orange_money(client: httpx.AsyncClient, mock: respx.MockRouter) -> Provider:
    mock.post(orange_money.TOKEN_URL).mock(return_value=orange_money.token_answer())
    return orange_money.provider(client)


def _mtn_momo(client: httpx.AsyncClient, mock: respx.MockRouter) -> Provider:
    mtn_momo.mock_tokens(mock)
    provider = build_mtn_momo(make_settings(**mtn_momo.settings_values()), client)
    assert provider is not None
    return provider


DJAMO = Adapter("djamo", _djamo)
HUB2 = Adapter("hub2", _hub2)
WAVE = Adapter("wave", _wave)
ORANGE_MONEY = Adapter("orange_money", _orange_money)
MTN_MOMO = Adapter("mtn_momo (classic)", _mtn_momo)  # its errors name the platform too

WAVE_SESSION = f"{wave.BASE}/v1/checkout/sessions/{wave.SESSION_ID}"
WAVE_PAYOUT = f"{wave.BASE}/v1/payout/{wave.PAYOUT_ID}"

READS: dict[str, StatusRead] = {
    "djamo": StatusRead(
        adapter=DJAMO,
        operation=djamo.operation(djamo.TXN),
        url=f"{djamo.TRANSACTIONS_URL}/{djamo.TXN}",
        succeeded=_json(200, djamo.transaction("completed")),
        unreadable={"not-an-object": _json(200, ["not", "an", "object"])},
        refused=_json(403, None),
        timeout=httpx.ConnectTimeout,
    ),
    "hub2-intent": StatusRead(
        adapter=HUB2,
        operation=hub2.operation(external_id="pi_abc123"),
        url=f"{hub2.INTENT_URL}/pi_abc123",
        unreadable={"no-status": _json(200, {"id": "pi_abc123"})},
        timeout=httpx.ConnectTimeout,
    ),
    "hub2-transfer": StatusRead(
        adapter=HUB2,
        operation=hub2.operation("retrait", external_id="tr_555"),
        url=f"{hub2.TRANSFERS_URL}/tr_555",
        succeeded=_json(200, hub2.transfer("successful")),
        refused=_json(401, None),
    ),
    "wave-session": StatusRead(
        adapter=WAVE,
        operation=wave.operation("depot", session_id=wave.SESSION_ID),
        url=WAVE_SESSION,
        refused=_json(401, {"code": "no-matching-api-key"}),
    ),
    "wave-session-search": StatusRead(
        adapter=WAVE,
        operation=wave.operation("depot"),
        url=f"{wave.BASE}/v1/checkout/sessions/search",
        succeeded=_json(200, {"result": [wave.session(payment_status="succeeded")]}),
    ),
    "wave-payout-search": StatusRead(
        adapter=WAVE,
        operation=wave.operation("retrait"),
        url=f"{wave.BASE}/v1/payouts/search",
    ),
    "wave-payout": StatusRead(
        adapter=WAVE,
        operation=wave.operation("retrait", payout_id=wave.PAYOUT_ID),
        url=WAVE_PAYOUT,
        unreadable={
            "not-json": _text(200, "oops"),
            "no-status": _json(200, wave.payout(status=None)),
            "4xx": _json(422, {"code": "request-validation-error"}),
        },
    ),
    "orange_money": StatusRead(
        adapter=ORANGE_MONEY,
        operation=orange_money.operation(),
        url=orange_money.STATUS_URL,
        method="POST",
        succeeded=lambda: orange_money.status_answer("SUCCESS"),
        unreadable={
            "not-json": _text(200, "not json"),
            "no-status": _json(200, {"txnid": "MP1"}),
            "unknown-status": _json(200, {"status": "MAYBE"}),
            "bad-amount": _json(200, {"status": "SUCCESS", "amount": "50.5"}),
        },
        refused=_json(403, {"code": 50}),
    ),
    "mtn_momo": StatusRead(
        adapter=MTN_MOMO,
        operation=mtn_momo.operation(),
        url=mtn_momo.REQUEST_TO_PAY_STATUS_URL,
        succeeded=_json(200, mtn_momo.status_body("SUCCESSFUL")),
        unreadable={
            "html": _text(200, "<html>maintenance</html>"),
            "a-list": _json(200, ["PENDING"]),
            "no-status": _json(200, {"amount": "5000", "externalId": mtn_momo.REFERENCE}),
            "unknown-status": _json(200, mtn_momo.status_body("TELEPORTED")),
            "bad-amount": _json(200, mtn_momo.status_body("SUCCESSFUL", amount="50.5")),
            "4xx": _json(400, {"code": "BAD_REQUEST", "message": "message"}),
        },
    ),
}


def _reads(having: str) -> list[Any]:
    return [pytest.param(read, id=name) for name, read in READS.items() if getattr(read, having)]


def _unreadable() -> Iterator[Any]:
    for name, read in READS.items():
        for answer_id, answer in read.unreadable.items():
            yield pytest.param(read, answer, id=f"{name}-{answer_id}")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


class TestStatusRead:
    @pytest.mark.parametrize("read", _reads("succeeded"))
    async def test_a_5xx_is_retried_with_the_same_request(
        self, read: StatusRead, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        assert read.succeeded is not None
        provider, route = read.answered(
            client, respx_mock, side_effect=[httpx.Response(500), read.succeeded()]
        )

        answer = await provider.status(read.operation)

        assert answer.outcome is Outcome.SUCCEEDED
        assert route.call_count == 2
        first, second = (call.request for call in route.calls)
        assert (first.url, first.content) == (second.url, second.content)

    @pytest.mark.parametrize("read", _reads("timeout"))
    async def test_timeouts_are_retried_then_unreachable(
        self, read: StatusRead, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        provider, route = read.answered(client, respx_mock, side_effect=read.timeout("slow"))

        with pytest.raises(ProviderUnreachable) as caught:
            await provider.status(read.operation)

        assert type(caught.value) is ProviderUnreachable  # an outage, nothing more precise
        assert caught.value.detail == f"{read.adapter.name}: timeout"
        assert route.call_count == 3

    @pytest.mark.parametrize(("read", "answer"), list(_unreadable()))
    async def test_an_unreadable_answer_is_a_protocol_error(
        self,
        read: StatusRead,
        answer: Answer,
        client: httpx.AsyncClient,
        respx_mock: respx.MockRouter,
    ) -> None:
        provider, _ = read.answered(client, respx_mock, return_value=answer())

        with pytest.raises(ProviderProtocolError):
            await provider.status(read.operation)

    @pytest.mark.parametrize("read", _reads("refused"))
    async def test_our_credentials_refused_is_a_misconfiguration(
        self, read: StatusRead, client: httpx.AsyncClient, respx_mock: respx.MockRouter
    ) -> None:
        assert read.refused is not None
        provider, _ = read.answered(client, respx_mock, return_value=read.refused())

        with pytest.raises(ProviderMisconfigured):
            await provider.status(read.operation)


@dataclass(frozen=True)
class SignedCallbacks:
    """An adapter whose notifications are signed with a shared secret."""

    build: Callable[[httpx.AsyncClient, str | None], Provider]  # with this webhook secret, or none
    secret: str  # the secret `headers` signs with
    body: Callable[[], bytes]  # a notification it accepts once signed
    headers: Callable[[bytes], dict[str, str]]  # the signature of a body, with `secret`
    tamper: tuple[bytes, bytes]  # a change to that body after signing
    now: float
    missing: str  # the words refusing a notification without its signature
    not_configured: str  # …and every notification, when no secret is configured
    bad_signature: str | None = None  # …and a body changed after signing


CALLBACKS: dict[str, SignedCallbacks] = {
    "djamo": SignedCallbacks(
        build=lambda client, secret: djamo.djamo(client, secret=secret),
        secret=djamo.SECRET,
        body=lambda: djamo.notification("transactions/started", "pending"),
        headers=lambda body: {"x-djamo-hmac-sha256": djamo.sign_hex(body)},
        tamper=(b'"pending"', b'"completed"'),
        now=djamo.NOW,
        missing="missing",
        not_configured="not configured",
    ),
    "hub2": SignedCallbacks(
        build=lambda client, secret: hub2.hub2(client, secret=secret),
        secret=hub2.SECRET,
        body=lambda: hub2.envelope("transfer.succeeded", hub2.transfer("pending")),
        headers=lambda body: {"Hub2-Signature": f"s1={hub2.sign(body)}"},
        tamper=(b'"pending"', b'"successful"'),
        now=hub2.NOW,
        missing="missing",
        not_configured="not configured",
    ),
    "wave": SignedCallbacks(
        build=lambda client, secret: WaveProvider(
            api_key=wave.KEY, webhook_secret=secret, base_url=f"{wave.BASE}/", client=client
        ),
        secret=wave.SECRET,
        body=wave.event,
        headers=wave.signed_headers,
        tamper=(b'"5000"', b'"500000"'),
        now=wave.NOW,
        missing="missing Wave-Signature",
        not_configured="no webhook secret configured",
        bad_signature="bad signature",
    ),
}

SIGNED = [pytest.param(callbacks, id=name) for name, callbacks in CALLBACKS.items()]


class TestSignedCallback:
    @pytest.mark.parametrize("signed", SIGNED)
    def test_a_valid_signature_is_accepted(
        self, signed: SignedCallbacks, client: httpx.AsyncClient
    ) -> None:
        """What makes the refusals below meaningful: the same body, signed, is accepted."""
        body = signed.body()

        callback = signed.build(client, signed.secret).parse_callback(
            body, signed.headers(body), now=signed.now
        )

        assert callback.trusted is True

    @pytest.mark.parametrize("signed", SIGNED)
    def test_a_missing_signature_is_refused(
        self, signed: SignedCallbacks, client: httpx.AsyncClient
    ) -> None:
        provider = signed.build(client, signed.secret)

        with pytest.raises(InvalidCallback, match=signed.missing):
            provider.parse_callback(
                signed.body(), {"Content-Type": "application/json"}, now=signed.now
            )

    @pytest.mark.parametrize("signed", SIGNED)
    def test_a_body_changed_after_signing_is_refused(
        self, signed: SignedCallbacks, client: httpx.AsyncClient
    ) -> None:
        body = signed.body()
        headers = signed.headers(body)
        tampered = body.replace(*signed.tamper)
        assert tampered != body

        with pytest.raises(InvalidCallback, match=signed.bad_signature):
            signed.build(client, signed.secret).parse_callback(tampered, headers, now=signed.now)

    @pytest.mark.parametrize("signed", SIGNED)
    def test_without_a_configured_secret_nothing_is_accepted(
        self, signed: SignedCallbacks, client: httpx.AsyncClient
    ) -> None:
        body = signed.body()

        with pytest.raises(InvalidCallback, match=signed.not_configured):
            signed.build(client, None).parse_callback(body, signed.headers(body), now=signed.now)
