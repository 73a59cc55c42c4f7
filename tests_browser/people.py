"""People for the browser tests of the health, social, rooms and profile screens: made
through the public API (fast), then signed in on a page by storing their tokens where
core.js keeps them (`hostolink.token`, `hostolink.refresh` in localStorage)."""

from __future__ import annotations

import os
import secrets
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Page

PASSWORD = "MonMotDePasse123"
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Person:
    identifier: str
    token: str
    refresh_token: str
    id_user: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_person(
    base: str, outbox: Callable[[str], str], prenom: str = "Awa", nom: str = "Koné"
) -> Person:
    """Registers a verified person with a name, through the onboarding API."""
    identifier = f"{prenom.lower()}.{secrets.token_hex(4)}@exemple.ci"
    with httpx.Client(base_url=base, timeout=30) as client:
        answer = client.post("/api/register-user", json={"identifier": identifier})
        assert answer.status_code == 201, answer.text
        body = {"identifier": identifier, "password": PASSWORD}
        answer = client.post("/api/define-password", json=body)
        assert answer.status_code == 200, answer.text
        code = outbox(identifier)
        answer = client.post("/api/verify-otp", json={"identifier": identifier, "otpCode": code})
        assert answer.status_code == 200, answer.text
        tokens = answer.json()
        headers = {"Authorization": f"Bearer {tokens['token']}"}
        answer = client.patch("/api/user/me", json={"prenom": prenom, "nom": nom}, headers=headers)
        assert answer.status_code == 200, answer.text
        id_user = int(answer.json()["data"]["id_user"])
    return Person(identifier, tokens["token"], tokens["refresh_token"], id_user)


def make_admin(base: str, database_url: str) -> Person:
    """An administrator made by `hostolink create-admin` on the live server's database."""
    identifier = f"admin.{secrets.token_hex(4)}@exemple.ci"
    password = secrets.token_urlsafe(18)
    env = {**os.environ, "DATABASE_URL": database_url, "HOSTOLINK_ADMIN_PASSWORD": password}
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "hostolink", "create-admin", "--identifier", identifier],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    with httpx.Client(base_url=base, timeout=30) as client:
        answer = client.post(
            "/api/auth/login", json={"identifier": identifier, "password": password}
        )
        assert answer.status_code == 200, answer.text
        tokens = answer.json()
        me = client.get("/api/user/me", headers={"Authorization": f"Bearer {tokens['token']}"})
    return Person(
        identifier, tokens["token"], tokens["refresh_token"], me.json()["data"]["id_user"]
    )


def sign_in(page: Page, person: Person, hash_: str = "#/") -> None:
    """Stores the person's tokens in the page's origin, then opens `hash_`."""
    page.goto("/")
    page.evaluate(
        "([token, refresh]) => {"
        " localStorage.setItem('hostolink.token', token);"
        " localStorage.setItem('hostolink.refresh', refresh); }",
        [person.token, person.refresh_token],
    )
    page.goto(f"/{hash_}")


def png(
    path: Path, width: int = 64, height: int = 48, rgb: tuple[int, int, int] = (10, 107, 79)
) -> Path:
    """A small solid-colour PNG written without an imaging library."""
    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    )
    return path
