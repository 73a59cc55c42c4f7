"""A Moov Money deposit through Hub2 that asks the payer for the code the operator sent by
SMS: the deposit screen shows the code field, a wrong code is refused in French, the right
one credits the wallet.

The real product runs as a subprocess (as in conftest.py) with Hub2 configured: its
HUB2_BASE_URL points at a small HTTP server of this test that plays Hub2 at its HTTP
boundary (respx cannot reach another process); the credentials are random per run.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import (
    PASSWORD,
    PHONE_VIEWPORT,
    ROOT,
    Person,
    _free_port,
    _wait_ready,
    fresh_phone,
    xof,
)

Shoot = Callable[..., Path]

pytestmark = pytest.mark.usefixtures("no_script_error")

API_KEY = secrets.token_urlsafe(24)
MERCHANT_ID = f"merchant-{secrets.token_hex(4)}"
WEBHOOK_SECRET = secrets.token_urlsafe(32)
RIGHT_CODE = "482913"
WRONG_CODE = "000000"
MOOV_NUMBER = "0102030405"
PROMPT = "Saisissez le code reçu par SMS de Moov Money"


class FakeHub2:
    """Hub2's payment-intent routes as its documentation describes them (docs.hub2.io):
    an intent answers an id and a token; the attempt on it asks for a code (`nextAction`
    of type `otp`); the code is confirmed on `/authentication` with the intent's token."""

    def __init__(self) -> None:
        self.base_url = ""
        self.intents: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self.lock = threading.Lock()

    def handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        with self.lock:
            self.requests.append((method, path, headers, body))
            if headers.get("apikey") != API_KEY or headers.get("merchantid") != MERCHANT_ID:
                return 401, {"status": 401, "code": "Unauthorized", "message": "bad key"}
            parts = [p for p in path.split("?", maxsplit=1)[0].split("/") if p]
            if method == "POST" and parts == ["payment-intents"]:
                return self._create(body)
            if method == "GET" and parts == ["payment-intents"]:
                return 200, self._search(path)
            intent = self.intents.get(parts[1]) if len(parts) >= 2 else None
            if parts[:1] != ["payment-intents"] or intent is None:
                return 404, {"status": 404, "code": "Not Found", "message": path}
            return self._on_intent(method, parts[2:], intent, body)

    def _on_intent(
        self, method: str, rest: list[str], intent: dict[str, Any], body: Any
    ) -> tuple[int, Any]:
        if method == "GET" and not rest:
            return 200, intent
        if body is None or body.get("token") != intent["token"]:
            return 401, {"status": 401, "code": "Unauthorized", "message": "bad token"}
        if method == "POST" and rest == ["payments"]:
            return self._attempt(intent)
        if method == "POST" and rest == ["authentication"]:
            return self._authenticate(intent, body)
        return 404, {"status": 404, "code": "Not Found", "message": "/".join(rest)}

    def _search(self, path: str) -> list[dict[str, Any]]:
        query = parse_qs(urlsplit(path).query)
        wanted = query.get("purchaseReference", [""])[0]
        return [i for i in self.intents.values() if i["purchaseReference"] == wanted]

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        intent_id = f"pi_{secrets.token_hex(8)}"
        self.intents[intent_id] = {
            "id": intent_id,
            "merchantId": MERCHANT_ID,
            "purchaseReference": body["purchaseReference"],
            "customerReference": body["customerReference"],
            "amount": body["amount"],
            "currency": body["currency"],
            "overrideBusinessName": body.get("overrideBusinessName"),
            "token": secrets.token_urlsafe(32),
            "status": "payment_required",
            "payments": [],
            "mode": "sandbox",
        }
        return 201, self.intents[intent_id]

    def _attempt(self, intent: dict[str, Any]) -> tuple[int, Any]:
        intent["status"] = "action_required"
        intent["payments"] = [
            {
                "id": f"pay_{secrets.token_hex(6)}",
                "intentId": intent["id"],
                "status": "action_required",
                "method": "mobile_money",
                "provider": "moov",
                "amount": intent["amount"],
                "currency": intent["currency"],
                "nextAction": {"type": "otp", "message": "otp_required", "data": {}},
            }
        ]
        return 201, intent

    def _authenticate(self, intent: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
        if body.get("confirmationCode") != RIGHT_CODE:
            return 400, {"status": 400, "code": "Bad Request", "message": "wrong code"}
        intent["status"] = "successful"
        payment = intent["payments"][-1]
        payment["status"] = "successful"
        payment.pop("nextAction", None)
        return 201, intent

    def sent(self, method: str, suffix: str) -> list[Any]:
        with self.lock:
            return [b for m, p, _, b in self.requests if m == method and p.endswith(suffix)]


def _serve(hub2: FakeHub2) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer = hub2.handle(self.command, self.path, headers, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _answer  # noqa: N815 - http.server's names
        do_POST = _answer  # noqa: N815

        def log_message(self, *args: Any) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def hub2() -> Iterator[FakeHub2]:
    fake = FakeHub2()
    server = _serve(fake)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def product(
    database_url: str, hub2: FakeHub2, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The product with Hub2 configured (conftest.live_server's settings, plus HUB2_*)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HOSTOLINK_ENV": "development",
        "HOSTOLINK_PUBLIC_URL": base,
        "HOSTOLINK_DATA_DIR": str(tmp_path_factory.mktemp("data-hub2")),
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
        "RATE_LIMIT_PER_IP_PER_MINUTE": "100000",
        "RATE_LIMIT_PER_IDENTIFIER_PER_MINUTE": "100000",
        "OTP_RESEND_INTERVAL_SECONDS": "0",
        "OTP_MAX_PER_HOUR": "1000",
        "HOSTOLINK_DB_CONNECTIONS": "8",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
        "LOG_JSON": "false",
        "REDIS_URL": "",
        "CORS_ORIGINS": "",
        "HUB2_BASE_URL": hub2.base_url,
        "HUB2_API_KEY": API_KEY,
        "HUB2_MERCHANT_ID": MERCHANT_ID,
        "HUB2_ENVIRONMENT": "sandbox",
        "HUB2_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    log = (tmp_path_factory.mktemp("server-hub2") / "server.log").open("w")
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


def make_person(product: str, outbox: Callable[[str], str]) -> Person:
    identifier = fresh_phone()
    with httpx.Client(base_url=product, timeout=30) as http:
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


@pytest.fixture
def phone(browser: Browser, product: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=product,
        viewport={"width": PHONE_VIEWPORT["width"], "height": PHONE_VIEWPORT["height"]},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="fr-FR",
        timezone_id="Africa/Abidjan",
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_errors(phone: Page) -> list[str]:
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def open_as(page: Page, person: Person, hash_: str) -> None:
    page.goto("/#/connexion")
    page.evaluate(
        "([t, r]) => { localStorage.setItem('hostolink.token', t);"
        " localStorage.setItem('hostolink.refresh', r); }",
        [person.token, person.refresh_token],
    )
    page.goto(f"/{hash_}")


def wallet_balance(product: str, person: Person) -> int:
    answer = httpx.get(f"{product}/api/portefeuille", headers=person.headers(), timeout=30)
    answer.raise_for_status()
    solde: int = answer.json()["data"]["solde"]
    return solde


class TestMoovDepositWithACode:
    def test_the_code_received_by_sms_confirms_the_deposit(
        self,
        *,
        phone: Page,
        product: str,
        hub2: FakeHub2,
        outbox: Callable[[str], str],
        shoot: Shoot,
    ) -> None:
        person = make_person(product, outbox)
        open_as(phone, person, "#/depot")
        moov = phone.get_by_role("group", name="Moyen de paiement").locator(
            "[data-code='moov_money']"
        )
        moov.click()
        expect(moov).to_have_attribute("aria-pressed", "true")
        phone.get_by_label("Montant (F CFA)").fill("5000")
        phone.get_by_label("Numéro mobile money").fill(MOOV_NUMBER)
        phone.get_by_role("button", name="Déposer", exact=True).click()

        # The operator sent a code: the deposit screen asks for it, in French.
        expect(phone.locator("#statut")).to_have_text("En attente de confirmation")
        code = phone.get_by_label(PROMPT)
        expect(code).to_be_visible()
        expect(phone.locator("#payer-operateur")).to_have_count(0)
        shoot(phone, "depot-code-sms")

        code.fill(WRONG_CODE)
        phone.get_by_role("button", name="Valider le code").click()
        expect(phone.get_by_role("alert")).to_have_text(
            "L'opérateur n'a pas accepté ce code. Vérifiez le code reçu par SMS et réessayez."
        )
        expect(phone.locator("#statut")).to_have_text("En attente de confirmation")
        shoot(phone, "depot-code-refuse")

        code.fill(RIGHT_CODE)
        phone.get_by_role("button", name="Valider le code").click()
        expect(phone.locator("#statut")).to_have_text("Réussie", timeout=30_000)
        expect(
            phone.get_by_text(f"Votre portefeuille est crédité de {xof(5_000)}.", exact=True)
        ).to_be_visible()
        expect(phone.get_by_label(PROMPT)).to_have_count(0)
        shoot(phone, "depot-code-reussi")
        assert wallet_balance(product, person) == 5_000

        # What Hub2 received, as its documentation asks.
        (created,) = hub2.sent("POST", "/payment-intents")
        assert created["overrideBusinessName"] == "Hostolink"
        (attempted,) = hub2.sent("POST", "/payments")
        intent = next(iter(hub2.intents.values()))
        assert attempted["token"] == intent["token"]
        assert attempted["mobileMoney"]["msisdn"] == "+2250102030405"
        codes = hub2.sent("POST", "/authentication")
        assert [c["confirmationCode"] for c in codes] == [WRONG_CODE, RIGHT_CODE]
        assert all(c["token"] == intent["token"] for c in codes)
