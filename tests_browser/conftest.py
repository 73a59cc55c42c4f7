"""Browser tests: the real product, started as a subprocess, driven by Chromium.

The server is `python -m hostolink serve` on a throwaway database, created on the server of
`DATABASE_URL` when set, else on the embedded PostgreSQL (the default install). Development
mode: the sandbox provider and the development outbox (codes read back by `outbox`) are on.
One server per test session; each test makes its own people through the UI or the API.

Chromium is Debian's (`/usr/bin/chromium`, or `$CHROMIUM_PATH`): nothing is downloaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import text

from hostolink import embedded
from hostolink.db import create_engine
from hostolink.kit.identifiers import parse_identifier
from hostolink_devtools import scratch

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ROOT / "docs" / "captures"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE_VIEWPORT = {"width": 390, "height": 844}
READY_TIMEOUT_SECONDS = 180
_CODE = re.compile(r"\b(\d{6})\b")


def _run(coroutine: Any) -> Any:
    """Runs a coroutine on its own loop in a thread (Playwright's sync API owns this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    server = os.environ.get("DATABASE_URL") or embedded.start(ROOT / ".hostolink-test")
    name = f"hostolink_browser_{os.getpid()}"
    url: str = _run(scratch.create_database(server, name))
    yield url
    _run(scratch.drop_database(server, name))


@pytest.fixture(scope="session")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the running product (http://127.0.0.1:<port>)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HOSTOLINK_ENV": "development",
        "HOSTOLINK_PUBLIC_URL": base,
        "HOSTOLINK_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        # A fresh secret per run: nothing secret lives in the repository.
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
        "RATE_LIMIT_PER_IP_PER_MINUTE": "100000",
        "RATE_LIMIT_PER_IDENTIFIER_PER_MINUTE": "100000",
        "DIRECTORY_RATE_LIMIT_PER_MINUTE": "100000",
        "OTP_RESEND_INTERVAL_SECONDS": "0",
        "OTP_MAX_PER_HOUR": "1000",
        "SANDBOX_DUPLICATE_RATE": "0",
        "SANDBOX_PAYOUT_DELAY_SECONDS": "0.5",
        "HOSTOLINK_DB_CONNECTIONS": "8",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
        "LOG_JSON": "false",
        "REDIS_URL": "",
        "CORS_ORIGINS": "",
    }
    log = (tmp_path_factory.mktemp("server") / "server.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "hostolink", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready(base, process, log.name)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(base: str, process: subprocess.Popen[bytes], log_path: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {Path(log_path).read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the server never became ready: {Path(log_path).read_text()[-3000:]}")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


# What the pages' Content-Security-Policy refused during the running test (see below).
_csp_violations: list[str] = []


def _record_csp_violation(message: ConsoleMessage) -> None:
    if message.type == "error" and "Content Security Policy" in message.text:
        _csp_violations.append(f"{message.location.get('url', '?')}: {message.text}")


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # --lang: the browser's own widgets (file pickers…) in French, as on a French phone.
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--lang=fr-FR"],
        env={**os.environ, "LANGUAGE": "fr_FR", "LANG": "fr_FR.UTF-8"},
    )
    # Every context, however a test opens it, reports what a page's CSP refused.
    open_context = chromium.new_context

    def new_context(*args: Any, **kwargs: Any) -> BrowserContext:
        context = open_context(*args, **kwargs)
        context.on("console", _record_csp_violation)
        return context

    chromium.new_context = new_context  # type: ignore[method-assign]
    yield chromium
    chromium.close()


@pytest.fixture(autouse=True)
def no_csp_violation() -> Iterator[None]:
    """Fails any test during which a page's Content-Security-Policy refused something (an
    inline script or style, a file from elsewhere): the page is silently broken there."""
    _csp_violations.clear()
    yield
    found = list(_csp_violations)
    _csp_violations.clear()
    assert found == [], "Content-Security-Policy violations in the browser console"


@pytest.fixture
def new_phone(browser: Browser, live_server: str) -> Iterator[Callable[[], Page]]:
    """Opens more phones (two people in one test)."""
    contexts = []

    def open_phone() -> Page:
        context = browser.new_context(
            base_url=live_server,
            viewport=PHONE_VIEWPORT,
            device_scale_factor=1,
            is_mobile=True,
            has_touch=True,
            locale="fr-FR",
            timezone_id="Africa/Abidjan",
            geolocation={"latitude": 5.3484, "longitude": -4.0305},  # Abidjan, Plateau
            permissions=["geolocation"],
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def phone(new_phone: Callable[[], Page]) -> Page:
    """A phone-sized Chromium page (390x844, fr-FR, Abidjan), base URL the live server."""
    return new_phone()


@pytest.fixture(scope="session")
def outbox(database_url: str) -> Callable[[str], str]:
    """outbox(identifier) -> the last 6-digit code the development sender "sent" to it."""

    async def last_body(destination: str) -> str | None:
        engine = create_engine(database_url, pool_size=1)
        try:
            async with engine.connect() as connection:
                body: str | None = await connection.scalar(
                    text(
                        "SELECT corps FROM message_sortant WHERE destinataire = :to "
                        "ORDER BY id DESC LIMIT 1"
                    ),
                    {"to": destination},
                )
                return body
        finally:
            await engine.dispose()

    def read(identifier: str) -> str:
        body = _run(last_body(parse_identifier(identifier).value))
        assert body, f"no message sent to {identifier}"
        match = _CODE.search(body)
        assert match, "the message carries no 6-digit code"
        return match.group(1)

    return read


@pytest.fixture(scope="session")
def shoot() -> Callable[..., Path]:
    """shoot(page, name) saves docs/captures/<name>.png (the screen as the person sees it;
    toasts removed unless `toasts=True`)."""
    CAPTURES.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str, *, toasts: bool = False) -> Path:
        path = CAPTURES / f"{name}.png"
        if not toasts:  # transient messages would hide the screen under them
            page.evaluate("document.querySelectorAll('#toasts > *').forEach((t) => t.remove())")
        # A poll or a camera may keep the network busy: the screen is drawn anyway.
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_load_state("networkidle", timeout=5_000)
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        return path

    return take


# ------------------------------------------------------------------ people and money

PASSWORD = "Abidjan-2026!"  # a throwaway test password, per-run databases only
_numbers = iter(range(10_000_000, 99_999_999, 7_919))


def fresh_phone() -> str:
    """An unused Orange CI number, never ending in 95 to 99 (the sandbox's incident cases)."""
    while True:
        number = f"07{next(_numbers) + os.getpid() % 1000:08d}"[:10]
        if number[-2:] not in {"95", "96", "97", "98", "99"}:
            return number


class Person:
    def __init__(self, identifier: str, token: str, refresh_token: str) -> None:
        self.identifier = identifier
        self.password = PASSWORD
        self.token = token
        self.refresh_token = refresh_token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="session")
def make_person(live_server: str, outbox: Callable[[str], str]) -> Callable[..., Person]:
    """A verified person with a password, made through the public API (fast set-up)."""

    def make(identifier: str | None = None) -> Person:
        identifier = identifier or fresh_phone()
        with httpx.Client(base_url=live_server, timeout=30) as http:
            http.post("/api/register-user", json={"identifier": identifier}).raise_for_status()
            http.post(
                "/api/define-password",
                json={"identifier": identifier, "password": PASSWORD, "confirmPassword": PASSWORD},
            ).raise_for_status()
            answer = http.post(
                "/api/verify-otp", json={"identifier": identifier, "otpCode": outbox(identifier)}
            )
            answer.raise_for_status()
            body = answer.json()
        return Person(identifier, body["token"], body["refresh_token"])

    return make


def balance(live_server: str, person: Person) -> int:
    answer = httpx.get(f"{live_server}/api/portefeuille", headers=person.headers(), timeout=30)
    answer.raise_for_status()
    solde: int = answer.json()["data"]["solde"]
    return solde


@pytest.fixture(scope="session")
def fund(live_server: str) -> Callable[[Person, int], None]:
    """Deposits `amount` through the sandbox operator (API + its payment page), then waits
    until the wallet is credited (the operator's signed notification arrives)."""

    def deposit(person: Person, amount: int) -> None:
        before = balance(live_server, person)
        with httpx.Client(base_url=live_server, timeout=30) as http:
            answer = http.post(
                "/api/depots",
                json={"fournisseur": "sandbox", "montant": amount, "numero": fresh_phone()},
                headers={**person.headers(), "Idempotency-Key": secrets.token_hex(16)},
            )
            answer.raise_for_status()
            page = answer.json()["data"]["url_paiement"]
            confirmed = http.post(page, data={"decision": "confirmer"})
            assert confirmed.status_code == 303, confirmed.text
        deadline = time.monotonic() + 60
        while balance(live_server, person) < before + amount:
            assert time.monotonic() < deadline, "the sandbox deposit was never credited"
            time.sleep(0.3)

    return deposit


@pytest.fixture
def open_as(live_server: str) -> Callable[[Page, Person, str], None]:
    """Opens the app on `hash` already logged in as `person` (tokens as the login stores
    them): tests that are not about logging in skip the form."""

    def open_app(page: Page, person: Person, hash_: str = "#/") -> None:
        page.goto("/#/connexion")
        page.evaluate(
            "([t, r]) => { localStorage.setItem('hostolink.token', t);"
            " localStorage.setItem('hostolink.refresh', r); }",
            [person.token, person.refresh_token],
        )
        page.goto(f"/{hash_}")

    return open_app


@pytest.fixture
def page_errors(phone: Page) -> list[str]:
    """Uncaught script errors of `phone` (a test module may require none)."""
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def no_script_error(page_errors: list[str]) -> Iterator[None]:
    """Fails the test on any uncaught script error of `phone` (a module opts in with
    `pytestmark = pytest.mark.usefixtures("no_script_error")`)."""
    yield
    assert page_errors == [], "uncaught script errors in the page"


def xof(amount: int) -> str:
    """An amount as the app writes it: « 1 000 F CFA » with non-breaking spaces."""
    return f"{amount:,}".replace(",", "\u00a0") + "\u00a0F\u00a0CFA"
