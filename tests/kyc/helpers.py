"""Submitting identity documents through the API, and reading what the database holds."""

from __future__ import annotations

import httpx

from tests.media.helpers import image_bytes

PATH = "/api/verifications-identite"
ADMIN_PATH = "/api/admin/verifications-identite"


def documents(*, verso: bool = True) -> dict[str, tuple[str, bytes, str]]:
    files = {
        "recto": ("recto.png", image_bytes("PNG"), "image/png"),
        "selfie": ("selfie.jpg", image_bytes("JPEG", (60, 90)), "image/jpeg"),
    }
    if verso:
        files["verso"] = ("verso.webp", image_bytes("WEBP", (100, 70)), "image/webp")
    return files


async def submit(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    type_document: str = "cni",
    niveau: int = 2,
    verso: bool = True,
) -> httpx.Response:
    return await client.post(
        PATH,
        data={
            "type_document": type_document,
            "numero_document": "CI0023456",
            "niveau_demande": niveau,
        },
        files=documents(verso=verso),
        headers=headers,
    )


def path_of(url: str) -> str:
    """The path of an absolute link (the test client talks to the app directly)."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]
