"""The providers' own documented examples, replayed against our adapters (respx at the HTTP
boundary). One folder per provider (`wave/`, `djamo/`…), one JSON file per example, a
README.md beside them naming each file's source. The format is in ./README.md; a provider
joins by adding its folder and one entry to `FACTORIES`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from hostolink.providers import base
from hostolink.providers.base import (
    CollectionRequest,
    InvalidCallback,
    OperationRef,
    PayoutRequest,
    Provider,
    ProviderAnswer,
    ProviderError,
)
from hostolink.providers.djamo import DjamoProvider
from hostolink.providers.hub2 import Hub2Provider
from hostolink.providers.mtn_momo import MtnMomoProvider
from hostolink.providers.mtn_momo.platform import PlatformConfig
from hostolink.providers.orange_money import OrangeMoneyProvider
from hostolink.providers.wave import WaveProvider

HERE = Path(__file__).parent
BASE = "https://provider.test"
KINDS = frozenset({"collect_response", "payout_response", "status_response", "webhook"})

Factory = Callable[[httpx.AsyncClient, Mapping[str, Any]], Provider]


def _wave(client: httpx.AsyncClient, config: Mapping[str, Any]) -> Provider:
    return WaveProvider(
        api_key="wave_ci_prod_conformance",
        webhook_secret=config.get("webhook_secret"),
        base_url=BASE,
        client=client,
    )


def _djamo(client: httpx.AsyncClient, config: Mapping[str, Any]) -> Provider:
    return DjamoProvider(
        api_key="djamo_staging_civ_conformance",
        webhook_secret=config.get("webhook_secret"),
        base_url=BASE,
        client=client,
    )


def _mtn_momo(client: httpx.AsyncClient, config: Mapping[str, Any]) -> Provider:
    platform = str(config.get("platform", "classic"))  # "classic" | "openapi"
    return MtnMomoProvider(
        platforms=[
            PlatformConfig(platform, BASE, "conformance-user", "conformance-key", "ck", "dk")
        ],
        active=platform,
        environment=str(config.get("environment", "mtnivorycoast")),
        currency="XOF",
        client=client,
    )


def _hub2(client: httpx.AsyncClient, config: Mapping[str, Any]) -> Provider:
    return Hub2Provider(
        api_key="hub2-conformance-key",
        merchant_id="hub2-conformance-merchant",
        environment="sandbox",
        webhook_secret=config.get("webhook_secret"),
        base_url=BASE,
        client=client,
    )


def _orange_money(client: httpx.AsyncClient, config: Mapping[str, Any]) -> Provider:
    return OrangeMoneyProvider(
        client_id="om-conformance-client",
        client_secret="om-conformance-secret",
        merchant_key=str(config.get("merchant_key", "om-conformance-merchant-key")),
        environment=str(config.get("environment", "ci")),  # "dev": Orange's sandbox paths
        base_url=BASE,
        client=client,
    )


# Folder name → the adapter under test, built from the case's optional "config" object.
FACTORIES: dict[str, Factory] = {
    "wave": _wave,
    "djamo": _djamo,
    "mtn_momo": _mtn_momo,
    "hub2": _hub2,
    "orange_money": _orange_money,
}


def _case_files() -> Iterator[Any]:
    for folder in sorted(p for p in HERE.iterdir() if p.is_dir() and not p.name.startswith("_")):
        for path in sorted(folder.glob("*.json")):
            yield pytest.param(path, id=f"{folder.name}/{path.stem}")


def _load(path: Path) -> dict[str, Any]:
    case = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(case, dict), "a case is a JSON object"
    assert isinstance(case.get("source"), str), "every case names its source"
    assert case["source"].strip(), "every case names its source"
    assert case.get("kind") in KINDS, f"kind must be one of {sorted(KINDS)}"
    assert isinstance(case.get("expect"), dict), "every case says what it expects"
    assert (path.parent / "README.md").is_file(), "each provider folder has its README.md"
    assert path.parent.name in FACTORIES, f"no factory for {path.parent.name!r} in FACTORIES"
    return case


def _answers(http: Any) -> list[dict[str, Any]]:
    exchanges = http if isinstance(http, list) else [http]
    assert all(isinstance(e, dict) for e in exchanges)
    return exchanges


def _response(exchange: Mapping[str, Any]) -> httpx.Response:
    status = int(exchange.get("status", 200))
    if "json" in exchange:
        return httpx.Response(status, json=exchange["json"])
    return httpx.Response(status, text=exchange.get("text", ""))


def _mock(router: respx.MockRouter, http: Any) -> list[respx.Route]:
    """One route per (method, path); several answers on one route are given in order."""
    grouped: dict[tuple[str, str], list[httpx.Response]] = {}
    for exchange in _answers(http):
        key = (str(exchange["method"]).upper(), str(exchange["path"]))
        grouped.setdefault(key, []).append(_response(exchange))
    return [
        router.route(method=method, url=f"{BASE}{path}").mock(side_effect=responses)
        for (method, path), responses in grouped.items()
    ]


def _check_sent(routes: list[respx.Route], sent: Mapping[str, Any]) -> None:
    """Every request we made must match: exact `json`, or `json_contains` (a subset),
    `headers` and `params` (subsets; header names case-insensitive)."""
    requests = [call.request for route in routes for call in route.calls]
    assert requests, "no request was sent"
    for request in requests:
        if "json" in sent or "json_contains" in sent:
            body = json.loads(request.content)
            if "json" in sent:
                assert body == sent["json"]
            for name, value in sent.get("json_contains", {}).items():
                assert body.get(name) == value, name
        for name, value in sent.get("headers", {}).items():
            assert request.headers.get(name) == value, name
        for name, value in sent.get("params", {}).items():
            assert request.url.params.get(name) == value, name


def _payout(folder: str, values: Mapping[str, Any]) -> PayoutRequest:
    defaults: dict[str, Any] = {
        "reference": "3f2b8c1e-9a47-4d2b-8f0e-1c5a7d9e2b64",
        "amount": 1000,
        "currency": "XOF",
        "msisdn": "+2250700000001",
        "rail": folder,
        "description": "",
        "callback_url": "https://api.hostolink.test/api/fournisseurs/notifications",
    }
    return PayoutRequest(**{**defaults, **values})


def _collection(folder: str, values: Mapping[str, Any]) -> CollectionRequest:
    defaults: dict[str, Any] = {
        "reference": "3f2b8c1e-9a47-4d2b-8f0e-1c5a7d9e2b64",
        "amount": 1000,
        "currency": "XOF",
        "msisdn": "+2250700000001",
        "rail": folder,
        "description": "",
        "callback_url": "https://api.hostolink.test/api/fournisseurs/notifications",
        "return_url": "https://app.hostolink.test/retour",
    }
    return CollectionRequest(**{**defaults, **values})


def _operation(folder: str, values: Mapping[str, Any]) -> OperationRef:
    defaults: dict[str, Any] = {
        "reference": "3f2b8c1e-9a47-4d2b-8f0e-1c5a7d9e2b64",
        "direction": "retrait",
        "amount": 1000,
        "currency": "XOF",
        "msisdn": "+2250700000001",
        "rail": folder,
    }
    return OperationRef(**{**defaults, **values})


async def _call(provider: Provider, folder: str, case: Mapping[str, Any]) -> Any:
    kind = case["kind"]
    if kind == "payout_response":
        return await provider.payout(_payout(folder, case.get("request", {})))
    if kind == "collect_response":
        return await provider.collect(_collection(folder, case.get("request", {})))
    if kind == "status_response":
        return await provider.status(_operation(folder, case.get("operation", {})))
    incoming = case["http"]
    return provider.parse_callback(
        incoming["body"].encode("utf-8"), incoming.get("headers", {}), now=float(case["now"])
    )


def _check_result(result: Any, expect: Mapping[str, Any]) -> None:
    outcome = getattr(result, "outcome", None)
    if "outcome" in expect:
        assert (None if outcome is None else outcome.value) == expect["outcome"]
    names = ("external_id", "amount", "reason", "expired", "event_id", "reference", "event_type")
    for name in names:
        if name in expect:
            assert getattr(result, name) == expect[name], name
    if "provider_data" in expect:
        assert isinstance(result, ProviderAnswer)
        for key, value in expect["provider_data"].items():
            assert result.provider_data.get(key) == value, key


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


@pytest.mark.parametrize("path", list(_case_files()))
async def test_a_documented_example(
    path: Path, client: httpx.AsyncClient, respx_mock: respx.MockRouter
) -> None:
    case = _load(path)
    folder = path.parent.name
    provider = FACTORIES[folder](client, case.get("config", {}))
    expect = case["expect"]
    routes = [] if case["kind"] == "webhook" else _mock(respx_mock, case["http"])

    if "error" in expect:
        error = getattr(base, expect["error"])
        assert isinstance(error, type)
        assert issubclass(error, ProviderError | InvalidCallback)
        with pytest.raises(error) as raised:
            await _call(provider, folder, case)
        assert type(raised.value) is error  # exactly: a protocol error is not an outage
        if "message" in expect:
            assert getattr(raised.value, "message", None) == expect["message"]
    else:
        _check_result(await _call(provider, folder, case), expect)
    if "sent" in expect:
        _check_sent(routes, expect["sent"])
    if "calls" in expect:
        assert sum(route.call_count for route in routes) == expect["calls"]
