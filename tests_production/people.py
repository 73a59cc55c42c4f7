"""Clients of the production stack: each from its own loopback address (nginx sees them as
different people), enrolled the way the Flutter app does it, with the code the simulated
Twilio or SMTP server received."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests_production.stack import Stack

PASSWORD = "Prod-Stage-" + secrets.token_urlsafe(9)
_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_next_source = iter(range(1, 250 * 250))


def new_source() -> str:
    """A fresh loopback address (127.0.x.y): the whole 127/8 reaches this machine."""
    n = next(_next_source)
    return f"127.{10 + n // 250}.{n % 250 + 1}.1"


@dataclass
class Tally:
    """Every answer the stage received, by status: the figures of the closing note."""

    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)

    async def record(self, response: httpx.Response) -> None:
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            await response.aread()
            self.server_errors.append(
                f"{response.request.method} {response.request.url.path} → "
                f"{response.status_code} {response.text[:300]}"
            )


TALLY = Tally()


def client(base_url: str, *, source: str | None = None, timeout: float = 60) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=source or new_source(), retries=0)
    return httpx.AsyncClient(
        base_url=base_url,
        transport=transport,
        timeout=timeout,
        event_hooks={"response": [TALLY.record]},
    )


async def code_sent_to(stack: Stack, identifier: str, *, after: int = 0) -> str:
    """The newest code Twilio or the SMTP server received for `identifier`."""
    async with httpx.AsyncClient(base_url=stack.fakes_url, timeout=10) as fakes:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            messages = (await fakes.get("/_fake/messages", params={"to": identifier})).json()
            if len(messages) > after:
                match = _CODE.search(messages[0]["body"])
                assert match, messages[0]
                return match.group(1)
            await asyncio.sleep(0.2)
    raise AssertionError(f"no code reached {identifier}")


async def messages_to(stack: Stack, identifier: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=stack.fakes_url, timeout=10) as fakes:
        found: list[dict[str, Any]] = (
            await fakes.get("/_fake/messages", params={"to": identifier})
        ).json()
        return found


@dataclass
class Person:
    identifier: str
    token: str
    http: httpx.AsyncClient
    user_id: int = 0
    account: str = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(path, headers=self.auth, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        return await self.http.post(path, headers=headers, **kwargs)


def new_phone() -> str:
    return f"+22507{secrets.randbelow(10**8):08d}"


def new_email(prefix: str = "prod") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}@example.ci"


async def enrol(
    stack: Stack, *, identifier: str | None = None, base_url: str | None = None
) -> Person:
    """register-user → define-password (a code is sent) → verify-otp, from a fresh address."""
    identifier = identifier or new_phone()
    http = client(base_url or stack.url)
    answer = await http.post("/api/register-user", json={"identifier": identifier})
    assert answer.status_code in (200, 201), answer.text
    body = {"identifier": identifier, "password": PASSWORD, "confirmPassword": PASSWORD}
    answer = await http.post("/api/define-password", json=body)
    assert answer.status_code in (200, 201), answer.text
    code = await code_sent_to(stack, identifier)
    answer = await http.post("/api/verify-otp", json={"identifier": identifier, "otpCode": code})
    assert answer.status_code == 200, answer.text
    person = Person(identifier, answer.json()["token"], http)
    me = await person.get("/api/user/me")
    assert me.status_code == 200, me.text
    wallet = await person.get("/api/portefeuille")
    assert wallet.status_code == 200, wallet.text
    person.user_id = int(me.json()["data"]["id_user"])
    person.account = wallet.json()["data"]["numero_compte"]
    return person


async def admin(stack: Stack) -> Person:
    http = client(stack.url)
    answer = await http.post(
        "/api/auth/login",
        json={"identifier": stack.admin_identifier, "password": stack.admin_password},
    )
    assert answer.status_code == 200, answer.text
    return Person(stack.admin_identifier, answer.json()["token"], http)


async def deposit_through_wave(stack: Stack, person: Person, amount: int) -> dict[str, Any]:
    """A real deposit: Wave (simulated) opens a checkout session, the payer pays, Wave calls
    our webhook through nginx; the wallet is credited by the job that follows."""
    answer = await person.post(
        "/api/depots",
        json={"fournisseur": "wave", "montant": amount, "numero": "0701020304"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code in (200, 201, 202), answer.text
    operation = answer.json()["data"]
    async with httpx.AsyncClient(base_url=stack.fakes_url, timeout=30) as fakes:
        state = (await fakes.get("/_fake/wave/state")).json()
        sessions = [
            s for s in state["sessions"] if s.get("client_reference") == operation["reference"]
        ]
        assert sessions, f"Wave never saw the deposit {operation['reference']}"
        paid = await fakes.post(f"/_fake/wave/checkout/{sessions[0]['id']}/pay")
        assert paid.status_code == 200, paid.text
        assert paid.json()["delivered"], paid.text
    return await settled(person, operation["reference"])


async def settled(person: Person, reference: str, *, seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        current = (await person.get(f"/api/operations/{reference}")).json()["data"]
        if current["statut"] in ("reussie", "echouee", "expiree"):
            return dict(current)
        await asyncio.sleep(0.3)
    raise AssertionError(f"operation {reference} still {current['statut']} after {seconds} s")


async def balance(person: Person) -> int:
    answer = await person.get("/api/portefeuille")
    assert answer.status_code == 200, answer.text
    return int(answer.json()["data"]["solde"])


async def pin_token(person: Person) -> str:
    answer = await person.post("/api/portefeuille/jeton-pin", json={"pin": PASSWORD})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["jeton_pin"]
    return token


async def backoffice_cookies(stack: Stack, http: httpx.AsyncClient) -> str:
    """A signed-in back-office session, as the `Cookie` header to send. The session cookie
    is Secure in production (Render serves HTTPS); this stage speaks plain HTTP to nginx,
    so the cookie is carried by hand."""
    form = await http.get("/admin/login")
    assert form.status_code == 200
    cookies = {
        raw.split("=", 1)[0]: raw.split("=", 1)[1].split(";")[0]
        for raw in form.headers.get_list("set-cookie")
    }
    token = ""
    if 'name="csrf_token" value="' in form.text:
        token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed_in = await http.post(
        "/admin/login",
        data={
            "username": stack.admin_identifier,
            "password": stack.admin_password,
            "csrf_token": token,
        },
        headers={
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Origin": stack.url,
        },
    )
    assert signed_in.status_code in (302, 303), signed_in.text[:500]
    for raw in signed_in.headers.get_list("set-cookie"):
        name, value = raw.split("=", 1)
        cookies[name] = value.split(";")[0]
    return "; ".join(f"{k}={v}" for k, v in cookies.items())
