"""Every area of the product, end to end, as production runs it: money in through Wave
(simulated at its HTTP boundary, paying and calling our webhook through nginx), transfers and
QR payments, money out, images on Cloudinary (simulated), the social network, live rooms
across the two instances (Redis fan-out), the directory, notifications, identity
verification, the back-office, and the ledger proved by the CLI."""

from __future__ import annotations

import asyncio
import io
import json
import time
import uuid
from typing import Any

import httpx
import websockets
from PIL import Image

from tests_production.people import (
    PASSWORD,
    Person,
    admin,
    backoffice_cookies,
    balance,
    client,
    deposit_through_wave,
    enrol,
    new_email,
    pin_token,
    settled,
)
from tests_production.stack import Stack


def _png(colour: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_money_in_between_and_out(stack: Stack) -> None:
    payer = await enrol(stack)
    payee = await enrol(stack, identifier=new_email("payee"))  # e-mail: the code went by SMTP

    deposit = await deposit_through_wave(stack, payer, 20_000)
    assert deposit["statut"] == "reussie", deposit
    assert await balance(payer) == 20_000

    jeton = await pin_token(payer)
    key = str(uuid.uuid4())
    body = {"destinataire": payee.identifier, "montant": 3_000}
    headers = {"Idempotency-Key": key, "X-Jeton-Pin": jeton}
    sent = await payer.post("/api/transferts", json=body, headers=headers)
    assert sent.status_code == 201, sent.text
    replay = await payer.post("/api/transferts", json=body, headers=headers)
    assert replay.status_code == 201
    assert replay.json()["data"] == sent.json()["data"]  # the first answer, not a second debit
    assert await balance(payer) == 17_000
    assert await balance(payee) == 3_000

    qr = await payee.get("/api/qr/statique")
    assert qr.status_code == 200, qr.text
    paid = await payer.post(
        "/api/qr/payer",
        json={"payload": qr.json()["data"]["payload"], "montant": 2_000},
        headers={"Idempotency-Key": str(uuid.uuid4()), "X-Jeton-Pin": jeton},
    )
    assert paid.status_code == 201, paid.text
    assert await balance(payee) == 5_000

    withdrawal = await payer.post(
        "/api/retraits",
        json={"fournisseur": "wave", "montant": 5_000, "numero": "0701020304"},
        headers={"Idempotency-Key": str(uuid.uuid4()), "X-Jeton-Pin": jeton},
    )
    assert withdrawal.status_code in (200, 201, 202), withdrawal.text
    done = await settled(payer, withdrawal.json()["data"]["reference"])
    assert done["statut"] == "reussie", done
    assert await balance(payer) == 10_000 - done["frais"]

    history = await payer.get("/api/transactions")
    assert history.status_code == 200
    assert len(history.json()["data"]) >= 4
    notices = await payer.get("/api/notifications")
    assert notices.status_code == 200
    assert notices.json()["data"]["notifications"], "a deposit tells its owner"


async def test_images_on_cloudinary_and_the_social_network(stack: Stack) -> None:
    author = await enrol(stack)
    uploaded = await author.post(
        "/api/medias",
        files={"fichier": ("photo.png", _png(), "image/png")},
        data={"usage": "publication"},
    )
    assert uploaded.status_code == 201, uploaded.text
    media = uploaded.json()["data"]
    assert media["url"].startswith(stack.fakes_url), media  # Cloudinary's URL, not our disk
    async with httpx.AsyncClient() as plain:
        image = await plain.get(media["url"])
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"

    post = await author.post(
        "/api/publications",
        json={"contenu": "Journée de dépistage à Cocody", "medias": [media["id_media"]]},
    )
    assert post.status_code == 201, post.text
    post_id = post.json()["data"]["id_publication"]
    reader = await enrol(stack)
    assert (
        await reader.http.put(f"/api/publications/{post_id}/like", headers=reader.auth)
    ).status_code in (200, 201, 204)
    comment = await reader.post(
        f"/api/publications/{post_id}/commentaires", json={"contenu": "Merci !"}
    )
    assert comment.status_code == 201, comment.text
    feed = await reader.get("/api/publications")
    assert any(p["id_publication"] == post_id for p in feed.json()["data"]["publications"])
    share = await author.post(f"/api/publications/{post_id}/partages", json={})
    assert share.status_code == 201, share.text
    async with client(stack.url) as anonymous:
        page = await anonymous.get(f"/p/{share.json()['data']['jeton']}")
    assert page.status_code == 200
    assert "Journée de dépistage" in page.text


async def _socket(stack: Stack, instance: str, room: int, token: str) -> Any:
    url = f"ws://127.0.0.1:{stack.ports[instance]}/ws/thematiques/{room}"
    socket = await websockets.connect(url, subprotocols=["bearer", token])  # type: ignore[list-item]
    welcome = json.loads(await asyncio.wait_for(socket.recv(), 30))
    assert welcome["type"] == "bienvenue", welcome
    return socket


async def next_frame(socket: Any, kind: str, seconds: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        frame: dict[str, Any] = json.loads(
            await asyncio.wait_for(socket.recv(), deadline - time.monotonic())
        )
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


async def open_room(stack: Stack, *people: Person) -> int:
    boss = await admin(stack)
    created = await boss.post(
        "/api/admin/thematiques", json={"titre": f"Salon {uuid.uuid4().hex[:6]}"}
    )
    assert created.status_code == 201, created.text
    room: int = created.json()["data"]["id_thematique"]
    for person in people:
        joined = await person.post(f"/api/thematiques/{room}/membres")
        assert joined.status_code in (200, 201), joined.text
    return room


async def test_a_message_posted_on_one_instance_reaches_a_socket_on_the_other(stack: Stack) -> None:
    speaker, listener = await enrol(stack), await enrol(stack)
    room = await open_room(stack, speaker, listener)
    on_b = await _socket(stack, "b", room, listener.token)
    try:
        async with client(stack.instance_url("a")) as http:
            speaker.http = http
            posted = await speaker.post(
                f"/api/thematiques/{room}/messages", json={"contenu": "Bonjour depuis A"}
            )
        assert posted.status_code == 201, posted.text
        frame = await next_frame(on_b, "message")
        assert frame["data"]["contenu"] == "Bonjour depuis A"
    finally:
        await on_b.close()


async def test_directory_and_emergency_numbers(stack: Stack) -> None:
    async with client(stack.url) as http:
        numbers = await http.get("/api/numeros-urgence")
        assert numbers.status_code == 200
        assert any(n["numero"] == "185" for n in numbers.json()["data"])
        near = await http.get(
            "/api/etablissements/proches", params={"lat": 5.3453, "lon": -3.9866, "rayon": 5000}
        )
        assert near.status_code == 200, near.text
        found = near.json()["data"]
        assert found, "Abidjan has health facilities within 5 km"
        detail = await http.get(f"/api/etablissements/{found[0]['id_etablissement']}")
        assert detail.status_code == 200
        search = await http.get("/api/etablissements/recherche", params={"q": "hopitl bouake"})
        assert search.status_code == 200
        assert search.json()["data"]


async def test_identity_documents_go_private_and_the_admin_reviews_them(stack: Stack) -> None:
    person = await enrol(stack)
    submitted = await person.post(
        "/api/verifications-identite",
        data={"type_document": "passeport", "numero_document": "PA1234567", "niveau_demande": "1"},
        files={
            "recto": ("recto.png", _png((200, 10, 10)), "image/png"),
            "selfie": ("selfie.png", _png((10, 200, 10)), "image/png"),
        },
    )
    assert submitted.status_code == 201, submitted.text
    boss = await admin(stack)
    queue = await boss.get("/api/admin/verifications-identite")
    assert queue.status_code == 200, queue.text
    mine = [v for v in queue.json()["data"] if v["personne"]["id_user"] == person.user_id]
    assert mine, queue.text
    detail = await boss.get(f"/api/admin/verifications-identite/{mine[0]['id_verification']}")
    assert detail.status_code == 200, detail.text
    link = detail.json()["data"]["recto"]["url"]
    async with httpx.AsyncClient(base_url=stack.url, follow_redirects=True) as plain:
        document = await plain.get(link)
    assert document.status_code == 200, document.text
    assert document.content.startswith(b"\x89PNG") or document.content[:3] == b"\xff\xd8\xff"


async def test_the_back_office_signs_in_and_shows_its_dashboard(stack: Stack) -> None:
    async with client(stack.url) as http:
        cookie = await backoffice_cookies(stack, http)
        dashboard = await http.get("/admin/", headers={"Cookie": cookie})
    assert dashboard.status_code == 200, dashboard.text[:500]
    assert "Tableau de bord" in dashboard.text


def test_the_ledger_is_sound(stack: Stack) -> None:
    proved = stack.hostolink("ledger", "verify")
    assert proved.returncode == 0, proved.stdout
    assert PASSWORD not in proved.stdout
