"""The API documentation at /docs in Chromium, as the app team reads it on a desktop: Swagger
UI (served from our own files, under the page's strict Content-Security-Policy) draws
FastAPI's OpenAPI 3.1 document, lists the operations with their French summaries, and says
nothing of « Unable to render this definition » (what Swagger UI 4.x showed for 3.1).
Saved in docs/captures/docs-api.png."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

DESKTOP = {"width": 1366, "height": 900}
Shoot = Callable[[Page, str], Path]


@pytest.fixture
def desk(browser: Browser, live_server: str) -> Iterator[Page]:
    """A desktop page that fails the test on any console error or uncaught script error."""
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.location.get('url', '?')}: {message.text}")

    page.on("console", on_console)
    yield page
    context.close()
    assert errors == [], errors


def test_the_app_team_reads_the_api_in_swagger_ui(desk: Page, shoot: Shoot) -> None:
    answer = desk.goto("/docs")
    assert answer is not None
    assert answer.ok
    # The operations list: drawn only once the OpenAPI document was read and understood.
    expect(desk.locator(".opblock").first).to_be_visible()
    expect(desk.locator(".info .title")).to_contain_text("Hostolink API")
    expect(desk.locator(".info .title")).to_contain_text("OAS 3.1")
    expect(desk.get_by_text("Unable to render this definition")).to_have_count(0)
    expect(desk.locator(".errors-wrapper")).to_have_count(0)
    shoot(desk, "docs-api")

    # Swagger UI 5 draws the operations as they scroll into view (a virtualised list): the
    # reader scrolls down to the login, as the app team would.
    login = desk.locator(".opblock-post").filter(
        has=desk.locator('.opblock-summary-path[data-path="/api/auth/login"]')
    )
    for _ in range(40):
        if login.count():
            break
        desk.mouse.wheel(0, 400)
        desk.wait_for_timeout(100)
    expect(login).to_have_count(1)
    login.scroll_into_view_if_needed()
    expect(login.locator(".opblock-summary-description")).to_have_text("Se connecter")
    expect(login.locator(".opblock-summary-description")).to_be_visible()
    # Opened: its request body, drawn from the 3.1 schema (the Flutter app's field names).
    login.locator(".opblock-summary-control").click()
    body = login.locator(".opblock-section-request-body")
    expect(body).to_contain_text('"identifier"')
    expect(body).to_contain_text('"password"')
