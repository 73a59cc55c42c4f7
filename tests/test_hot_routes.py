"""The hot routes' shortcut (hostolink.hot_routes) answers exactly as FastAPI does.

Two applications on the same database: one as it runs, one whose shortcut hands every
request to FastAPI. The same requests — the usual case and every way of leaving it — get
the same status, headers (but the request id) and body bytes from both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from hostolink.hot_routes import HotRoutes
from hostolink.kit.metrics import HTTP_REQUESTS
from tests.auth.helpers import bearer, onboard
from tests.conftest import make_settings
from tests.factories import execute

PHONE = "+2250701020399"


def _shortcut(app: Any) -> HotRoutes:
    """The shortcut in the application's middleware stack (built on first use)."""
    if app.middleware_stack is None:
        app.middleware_stack = app.build_middleware_stack()
    layer = app.middleware_stack
    while not isinstance(layer, HotRoutes):
        layer = layer.app
    return layer


@pytest.fixture
async def both(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    settings = make_settings()
    fast = create_app(settings, database_url=database_url)
    slow = create_app(settings, database_url=database_url)
    _shortcut(slow).handlers.clear()  # every request goes to FastAPI
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        for app in (fast, slow)
    ]
    yield fast, clients
    for client, app in zip(clients, (fast, slow), strict=True):
        await client.aclose()
        await app.state.db.dispose()


def _same(fast: httpx.Response, slow: httpx.Response) -> None:
    headers = [(k, v) for k, v in fast.headers.multi_items() if k != "x-request-id"]
    assert headers == [(k, v) for k, v in slow.headers.multi_items() if k != "x-request-id"]
    assert (fast.status_code, fast.content) == (slow.status_code, slow.content)


def _without_wait(answer: httpx.Response) -> httpx.Response:
    """The answer with its Retry-After (header and body field) set aside."""
    body = answer.json()
    body.pop("retry_after", None)
    headers = [
        (k, v)
        for k, v in answer.headers.multi_items()
        if k not in {"retry-after", "content-length"}
    ]
    return httpx.Response(answer.status_code, headers=headers, json=body)


async def _ask_both(clients: list[httpx.AsyncClient], method: str, url: str, **kw: Any) -> int:
    fast, slow = [await client.request(method, url, **kw) for client in clients]
    _same(fast, slow)
    return fast.status_code


CHECK_USER_BODIES: list[tuple[str, Any]] = [
    ("application/json", {"identifier": PHONE}),  # exists, has a password
    ("application/json", {"identifier": "07 01 02 03 99"}),  # the same, written locally
    ("application/json", {"identifier": "+2250509080706"}),  # unknown
    ("application/json", {"identifier": "Quelqu.un@Exemple.ci"}),  # an e-mail, unknown
    ("application/json", {"identifier": PHONE, "autre": 1}),  # extra fields are ignored
    ("application/json; charset=utf-8", {"identifier": PHONE}),
    ("application/json", {"identifier": "12"}),  # not a number: 422
    ("application/json", {"identifier": 225070102}),  # not a string
    ("application/json", {"identifiant": PHONE}),  # missing field
    ("application/json", [PHONE]),
    ("application/json", "texte"),
    ("application/json", None),
]
CHECK_USER_RAW: list[tuple[str | None, bytes]] = [
    ("application/json", b""),
    ("application/json", b"{identifier:"),
    ("application/json", b"\xff\xfe"),
    ("text/plain", b'{"identifier": "+2250701020399"}'),
    (None, b'{"identifier": "+2250701020399"}'),
]


class TestCheckUser:
    async def test_the_same_answers_as_fastapi(self, both: Any, db_engine: AsyncEngine) -> None:
        _, clients = both
        await onboard(clients[0], db_engine, PHONE, PHONE)
        statuses = []
        for content_type, body in CHECK_USER_BODIES:
            headers = {"Content-Type": content_type}
            statuses.append(
                await _ask_both(clients, "POST", "/api/check-user", json=body, headers=headers)
            )
        for maybe_type, raw in CHECK_USER_RAW:
            headers = {"Content-Type": maybe_type} if maybe_type else {}
            statuses.append(
                await _ask_both(clients, "POST", "/api/check-user", content=raw, headers=headers)
            )
        # the usual case and each way out of it were both seen
        assert statuses.count(200) == 6
        assert {422, 415} <= set(statuses)

    async def test_limits_count_once_and_answer_as_fastapi(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        answers = []
        for shortcut in (True, False):
            app = create_app(
                make_settings(RATE_LIMIT_PER_IP_PER_MINUTE=3), database_url=database_url
            )
            if not shortcut:
                _shortcut(app).handlers.clear()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                answers.append(
                    [
                        await client.post("/api/check-user", json={"identifier": PHONE})
                        for _ in range(4)
                    ]
                )
            await app.state.db.dispose()
        fast, slow = answers
        assert [a.status_code for a in fast] == [200, 200, 200, 429]
        for one, other in zip(fast, slow, strict=True):
            if one.status_code != 429:
                _same(one, other)
                continue
            # The wait left depends on the moment each application was asked.
            assert int(one.headers["retry-after"]) > 0
            assert int(other.headers["retry-after"]) > 0
            _same(_without_wait(one), _without_wait(other))

    async def test_counted_under_the_route_template(self, both: Any) -> None:
        _, clients = both
        counter = HTTP_REQUESTS.labels(method="POST", route="/api/check-user", status="200")
        before = counter._value.get()
        await clients[0].post("/api/check-user", json={"identifier": "+2250509080706"})
        assert counter._value.get() == before + 1


class TestMe:
    async def test_the_same_answers_as_fastapi(self, both: Any, db_engine: AsyncEngine) -> None:
        fast_app, clients = both
        tokens = await onboard(clients[0], db_engine, PHONE, PHONE)
        token = tokens["token"]
        cases: list[dict[str, str]] = [
            bearer(token),
            {"Authorization": f"bearer {token}"},
            {},
            {"Authorization": "Bearer"},
            {"Authorization": "Bearer "},
            {"Authorization": f"Basic {token}"},
            {"Authorization": f"Bearer {token}x"},
            {"Authorization": "Bearer pas.un.jeton"},
        ]
        statuses = [await _ask_both(clients, "GET", "/api/user/me", headers=h) for h in cases]
        assert statuses[:2] == [200, 200]
        assert set(statuses[2:]) == {401}
        # a suspended account, then an ended session: the dependency's answers
        await execute(
            db_engine, "UPDATE utilisateur SET actif = false WHERE telephone = :p", p=PHONE
        )
        assert await _ask_both(clients, "GET", "/api/user/me", headers=bearer(token)) == 403
        await execute(
            db_engine, "UPDATE utilisateur SET actif = true WHERE telephone = :p", p=PHONE
        )
        logout = await clients[0].post(
            "/api/auth/logout",
            json={"refresh_token": tokens["refresh_token"]},
            headers=bearer(token),
        )
        assert logout.status_code == 200, logout.text
        assert await _ask_both(clients, "GET", "/api/user/me", headers=bearer(token)) == 401
        assert ("GET", "/api/user/me") in _shortcut(fast_app).handlers

    async def test_other_methods_and_paths_are_fastapis(self, both: Any) -> None:
        _, clients = both
        assert await _ask_both(clients, "DELETE", "/api/user/me") == 405
        assert await _ask_both(clients, "GET", "/api/user/me/") in {404, 307}
        assert await _ask_both(clients, "GET", "/api/check-user") == 405
