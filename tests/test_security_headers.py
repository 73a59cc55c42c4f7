"""Protective headers (issue 21, #4): every page of the product (the web app, the API
documentation, the sandbox's pages, the share page, every back-office screen and its 404)
carries a strict Content-Security-Policy that cannot be framed, X-Frame-Options, nosniff and
a referrer policy; every other answer nosniff; HSTS in production only.

The pages are found from the route table itself (the API's GET routes and the back-office's
mounted routes), their path parameters filled with real rows, so a page added later is
checked without touching this file."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Route

from hostolink.app import create_app
from hostolink.config import Settings
from tests.backoffice.helpers import ORIGIN, post_form, sign_in
from tests.factories import asgi_client, member, production_values, user_id_of
from tests.media.conftest import media_settings
from tests.operations.helpers import deposit, sandbox_id
from tests.social.helpers import post
from tests.wallet.helpers import ADMIN, make_admin, person

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S | re.I)
_LINK = re.compile(r'href="(?:http://testserver)?(/admin/[^"?#]+)"')
# Back-office routes that are not screens: files, exports, an autocomplete's JSON.
_NOT_SCREENS = ("/export/", "/ajax/", "/download/", "/preview/")


@pytest.fixture
async def app(database_url: str, db_engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Any]:
    application = create_app(media_settings(tmp_path), database_url=database_url)
    yield application
    await application.state.db.dispose()


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def _digest(inline: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode() + "'"


def assert_protected_page(answer: httpx.Response, url: str) -> dict[str, list[str]]:
    """The headers of a page, and a policy under which its own inline blocks still run."""
    assert answer.headers["content-type"].startswith("text/html"), url
    headers = answer.headers
    assert headers.get_list("x-content-type-options") == ["nosniff"], url
    assert headers.get_list("x-frame-options") == ["DENY"], url
    assert headers.get("referrer-policy") in {"same-origin", "no-referrer"}, url
    assert len(headers.get_list("content-security-policy")) == 1, url
    policy = _directives(headers["content-security-policy"])
    assert policy.get("default-src") == ["'self'"], url
    assert policy.get("frame-ancestors") == ["'none'"], url
    assert policy.get("object-src") == ["'none'"], url
    assert policy.get("base-uri") == ["'self'"], url
    assert policy.get("form-action") == ["'self'"], url
    scripts = policy.get("script-src", [])
    styles = policy.get("style-src", [])
    assert "'self'" in scripts, url
    for forbidden in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        assert forbidden not in scripts, (url, forbidden)
    assert "'unsafe-inline'" not in styles, url
    # What the policy refuses would silently break the page: every inline block it carries
    # is allowed by its digest (JSON data blocks are not run), and no inline attribute.
    for attributes, body in _SCRIPT.findall(answer.text):
        if "src=" in attributes or "application/json" in attributes:
            continue
        assert _digest(body) in scripts, (url, "inline script not allowed", body[:80])
    for body in _STYLE.findall(answer.text):
        assert _digest(body) in styles, (url, "inline style not allowed", body[:80])
    assert re.search(r"<[^>]+\son[a-z]+\s*=", answer.text) is None, (url, "inline handler")
    assert re.search(r"<[^>]+\sstyle\s*=", answer.text) is None, (url, "style attribute")
    assert "javascript:" not in answer.text, url
    return policy


def assert_not_sniffed(answer: httpx.Response, url: str) -> None:
    assert answer.headers.get_list("x-content-type-options") == ["nosniff"], url
    assert answer.headers.get("referrer-policy") in {
        "strict-origin-when-cross-origin",
        "same-origin",
        "no-referrer",
    }, url
    if not answer.headers.get("content-type", "").startswith("text/html"):
        # Not a page: nothing to frame, no policy needed (a JSON answer has no scripts).
        assert "x-frame-options" not in answer.headers, url


def _api_get_routes(app: Any) -> Iterator[tuple[str, bool]]:
    """(path, declared as a page) of every GET route outside the back-office mount."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        response_class = route.response_class
        if isinstance(response_class, DefaultPlaceholder):
            response_class = response_class.value
        returns = route.endpoint.__annotations__.get("return")
        page = response_class is HTMLResponse or "HTMLResponse" in str(returns)
        yield str(context.path), page


def _fill(path: str, values: dict[str, str]) -> str:
    return _PARAM.sub(lambda match: values.get(match.group(1), "x"), path)


async def _rows(client: httpx.AsyncClient, app: Any, engine: AsyncEngine) -> dict[str, str]:
    """A real share link, a real sandbox operation (and its reference), a real person."""
    awa = await member(client, engine, 1)
    data = await post(client, awa, "Dépistage gratuit samedi.")
    shared = await client.post(
        f"/api/publications/{data['id_publication']}/partages",
        json={"plateforme": "whatsapp"},
        headers=awa.headers,
    )
    assert shared.status_code == 201, shared.text
    payer = await person(client, engine, 2)
    started = await deposit(client, payer, 5000)
    assert started.status_code == 202, started.text
    return {
        "jeton": shared.json()["data"]["jeton"],
        "operation_id": sandbox_id(started),
        "reference": started.json()["data"]["reference"],
        "id_user": str(awa.id),
    }


class TestEveryPage:
    async def test_every_public_page_is_protected(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        values = await _rows(client, app, db_engine)
        routes = list(_api_get_routes(app))
        declared = {path for path, page in routes if page}
        assert {"/sandbox", "/sandbox/paiement/{operation_id}", "/p/{jeton}", "/docs"} <= declared
        pages: set[str] = set()
        for path, _ in routes:
            url = _fill(path, values)
            answer = await client.get(url)
            assert_not_sniffed(answer, url)
            if answer.headers.get("content-type", "").startswith("text/html"):
                assert_protected_page(answer, url)
                pages.add(path)
        # The web app's shell is a file, not an HTMLResponse: found by what it answers.
        assert declared | {"/"} <= pages, declared - pages

    async def test_the_sandbox_payment_page_posts_to_itself(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        values = await _rows(client, app, db_engine)
        url = f"/sandbox/paiement/{values['operation_id']}"
        page = await client.get(url)
        assert "Confirmer le paiement" in page.text
        policy = assert_protected_page(page, url)
        assert policy["form-action"] == ["'self'"]
        assert f"action='{url}'" in page.text  # same origin: the form is allowed
        done = await client.post(url, data={"decision": "confirmer"})
        assert done.status_code == 303
        assert_not_sniffed(done, url)

    async def test_web_app_keeps_its_map_and_websocket(self, client: httpx.AsyncClient) -> None:
        answer = await client.get("/")
        policy = assert_protected_page(answer, "/")
        assert {"'self'", "ws:", "wss:"} <= set(policy["connect-src"])
        assert "https://tile.openstreetmap.org" in policy["img-src"]
        assert answer.headers.get_list("referrer-policy") == ["same-origin"]
        assert answer.headers["permissions-policy"].startswith("camera=(self)")

    async def test_docs_run_only_their_own_files(self, client: httpx.AsyncClient) -> None:
        answer = await client.get("/docs")
        policy = assert_protected_page(answer, "/docs")
        for src in re.findall(r'(?:src|href)="([^"]+)"', answer.text):
            assert src.startswith("/static/swagger/"), src  # served locally, no CDN
            assert (await client.get(src)).status_code == 200, src
        inline = [body for attributes, body in _SCRIPT.findall(answer.text) if not attributes]
        assert len(inline) == 1
        assert policy["script-src"] == ["'self'", _digest(inline[0])]
        assert (await client.get("/redoc")).status_code == 404
        # The wheel's folder is a Python package: only the page's files are served from it.
        for other in ("__init__.py", "__pycache__"):
            assert (await client.get(f"/static/swagger/{other}")).status_code == 404, other


class TestBackOffice:
    async def test_every_screen_and_its_404_is_protected(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        values = await _rows(client, app, db_engine)
        await make_admin(db_engine, super_admin=True)
        assert (await sign_in(client, ADMIN)).status_code == 302
        values["id_user"] = str(await user_id_of(db_engine, "email", ADMIN))
        site = app.state.backoffice
        identities = [view.identity for view in site._views if getattr(view, "is_model", False)]
        assert identities
        # Real rows: the first links of each list (details, edit) are opened too.
        found: dict[str, set[str]] = {}
        checked: set[str] = set()
        for route in site.admin.routes:
            if not isinstance(route, Route) or "GET" not in (route.methods or ()):
                continue
            if any(part in route.path for part in _NOT_SCREENS) or route.path == "/logout":
                continue
            if "{pk" in route.path:
                continue  # reached through the lists' links below
            names = _PARAM.findall(route.path)
            urls = (
                [
                    "/admin" + _fill(route.path, {**values, "identity": identity})
                    for identity in identities
                ]
                if "identity" in names
                else ["/admin" + _fill(route.path, values)]
            )
            for url in urls:
                answer = await client.get(url)
                assert_not_sniffed(answer, url)
                assert answer.status_code in {200, 403, 404}, (url, answer.status_code)
                if answer.headers.get("content-type", "").startswith("text/html"):
                    assert_protected_page(answer, url)
                    found.setdefault(route.path, set()).add(url)
                    checked.add(url)
                    for link in _LINK.findall(answer.text):
                        if "/details/" in link or "/edit/" in link:
                            found.setdefault("rows", set()).add(link)
                else:
                    assert url == "/admin/supervision/donnees", url  # the one JSON screen
        for url in sorted(found.get("rows", set()) - checked)[:60]:
            answer = await client.get(url)
            assert answer.status_code == 200, url
            assert_protected_page(answer, url)
        assert found.get("rows"), "no row of any list was opened"
        assert "/" in found
        assert "/login" in found
        assert "/fiche/{id_user:int}" in found
        assert "/operations/{reference}" in found

        for missing in (
            "/admin/inconnu/list",
            "/admin/transactions/HL-INCONNUE",
            f"/admin/kyc/{2**31 - 1}",
            "/admin/utilisateur/details/999999999",
        ):
            answer = await client.get(missing)
            assert answer.status_code == 404, missing
            assert_protected_page(answer, missing)

    async def test_login_page_and_redirects(self, client: httpx.AsyncClient) -> None:
        login = await client.get("/admin/login")
        assert_protected_page(login, "/admin/login")
        away = await client.get("/admin/tableau-de-bord")
        assert away.status_code == 302
        assert_not_sniffed(away, "/admin/tableau-de-bord")
        refused = await client.post("/admin/login", data={"username": ADMIN, "password": "x"})
        assert_not_sniffed(refused, "/admin/login")

    async def test_a_flash_message_needs_no_inline_script(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        await make_admin(db_engine, super_admin=True)
        assert (await sign_in(client, ADMIN)).status_code == 302
        me = await user_id_of(db_engine, "email", ADMIN)
        page = f"/admin/fiche/{me}"
        # A reason too short: the action is refused with a flash message on the page.
        refused = await post_form(client, page, f"{page}/suspension", motif="x")
        assert refused.status_code == 303
        shown = await client.get(page)
        assert "admin-toast" in shown.text
        assert_protected_page(shown, page)
        assert "/admin/statique/toasts.js" in shown.text
        script = await client.get("/admin/statique/toasts.js")
        assert script.status_code == 200
        assert "Toast" in script.text
        assert_not_sniffed(script, "/admin/statique/toasts.js")


class TestNotPages:
    async def test_json_and_files_are_not_sniffed(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        for url in (
            "/health",
            "/openapi.json",
            "/api/user/me",  # 401
            "/api/inconnue",  # 404
            "/app/app.css",
            "/app/js/main.js",
            "/static/swagger/swagger-ui-bundle.js",
            "/admin/statique/backoffice.css",
            "/manifest.webmanifest",
            "/sw.js",
        ):
            answer = await client.get(url)
            assert_not_sniffed(answer, url)
            assert "content-security-policy" not in answer.headers, url
        refused = await client.post(
            "/api/auth/login", content=b"a=b", headers={"Content-Type": "text/plain"}
        )
        assert refused.status_code == 415
        assert_not_sniffed(refused, "/api/auth/login")
        posted = await client.post("/admin/login", data={"username": "x"}, headers=ORIGIN)
        assert_not_sniffed(posted, "/admin/login")


class TestImages:
    async def test_an_svg_opened_on_its_own_runs_nothing(self) -> None:
        """Our SVGs (QR codes, the card's picture) may be opened as documents: they load
        nothing and run nothing."""
        from starlette.applications import Starlette  # noqa: PLC0415
        from starlette.responses import Response  # noqa: PLC0415
        from starlette.routing import Route as Plain  # noqa: PLC0415

        from hostolink.kit.security_headers import (  # noqa: PLC0415
            SVG_POLICY,
            SecurityHeadersMiddleware,
        )

        def picture(_: Any) -> Response:
            return Response("<svg xmlns='http://www.w3.org/2000/svg'/>", media_type="image/svg+xml")

        app = SecurityHeadersMiddleware(Starlette(routes=[Plain("/qr.svg", picture)]))
        async with asgi_client(app, base_url="http://t") as http:
            answer = await http.get("/qr.svg")
        assert answer.headers["content-security-policy"] == SVG_POLICY
        assert "default-src 'none'" in SVG_POLICY
        assert answer.headers["x-content-type-options"] == "nosniff"


def _production(database_url: str) -> Settings:
    values = {"DATABASE_URL": database_url, "LOG_JSON": False, "LOG_LEVEL": "WARNING"}
    return Settings.model_validate(production_values(**values))


class TestTransportSecurity:
    @pytest.mark.parametrize("url", ["/", "/health", "/admin/login", "/docs"])
    async def test_hsts_in_production(
        self, url: str, database_url: str, db_engine: AsyncEngine
    ) -> None:
        app = create_app(_production(database_url), database_url=database_url)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="https://testserver"
            ) as client:
                answer = await client.get(url)
        finally:
            await app.state.db.dispose()
        assert answer.headers.get_list("strict-transport-security") == [
            "max-age=31536000; includeSubDomains"
        ]
        assert_not_sniffed(answer, url)

    @pytest.mark.parametrize("env", ["development", "test"])
    async def test_never_hsts_outside_production(
        self, env: str, database_url: str, db_engine: AsyncEngine, tmp_path: Path
    ) -> None:
        app = create_app(
            media_settings(tmp_path, HOSTOLINK_ENV=env),
            database_url=database_url,
        )
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            ) as client:
                for url in ("/", "/health", "/admin/login", "/docs", "/sandbox"):
                    answer = await client.get(url)
                    assert "strict-transport-security" not in answer.headers, url
        finally:
            await app.state.db.dispose()
