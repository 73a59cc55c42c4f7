"""Resolving a payload: whom and how much it pays, for the payer to confirm, with no more
personal data than needed to recognise the recipient; dead codes refused."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.qr import payload as payloads
from hostolink.qr.service import mark_used, static_payload
from tests.auth.helpers import assert_failure
from tests.qr.helpers import app_ring, create_dynamic, expire, person
from tests.qr.helpers import static_payload as my_static_payload


async def _resolve(
    client: httpx.AsyncClient, headers: dict[str, str], payload: str
) -> httpx.Response:
    return await client.post("/api/qr/resoudre", json={"payload": payload}, headers=headers)


async def _merchant_payload(engine: AsyncEngine, name: str) -> str:
    async with engine.begin() as connection:
        etablissement = await connection.scalar(
            text(
                "INSERT INTO etablissement_sante (nom, nom_normalise, categorie) "
                "VALUES (:nom, :normalise, 'pharmacie') RETURNING id_etablissement"
            ),
            {"nom": name, "normalise": name.lower()},
        )
        compte = await connection.scalar(
            text(
                "INSERT INTO compte (numero_compte, type_compte, id_etablissement) "
                "VALUES ('HL9000000001', 'marchand', :id) RETURNING id_compte"
            ),
            {"id": etablissement},
        )
    async with AsyncSession(engine) as session, session.begin():
        return await static_payload(session, ring=app_ring(), compte_id=compte)


class TestRecipient:
    async def test_static_code_of_a_person(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 1, prenom="Awa", nom="Kouassi")
        kofi = await person(client, db_engine, 2)
        response = await _resolve(client, kofi.headers, await my_static_payload(client, awa))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["success"] is True
        assert body["data"] == {
            "type_qr": "statique",
            "montant": None,
            "libelle": None,
            "devise": "XOF",
            "destinataire": {
                "nom_affiche": "Awa K.",
                "telephone_masque": "+225 07 •• •• •• 01",
                "type": "utilisateur",
            },
            "date_expiration": None,
        }
        for identifier in (
            awa.phone,
            awa.phone[4:],
            "Kouassi",
            awa.numero_compte,
            "email",
            "id_user",
            "id_compte",
        ):
            assert identifier not in response.text, identifier

    async def test_dynamic_code_shows_amount_and_expiry(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 1, prenom="Awa", nom="Kouassi")
        kofi = await person(client, db_engine, 2)
        data = await create_dynamic(client, awa, 7500, libelle="Pharmacie")
        response = await _resolve(client, kofi.headers, data["payload"])
        assert response.status_code == 200, response.text
        resolved = response.json()["data"]
        assert resolved["type_qr"] == "dynamique"
        assert resolved["montant"] == 7500
        assert resolved["libelle"] == "Pharmacie"
        assert resolved["date_expiration"] == data["date_expiration"]
        assert resolved["destinataire"]["nom_affiche"] == "Awa K."

    @pytest.mark.parametrize(
        ("prenom", "nom", "shown"),
        [
            (None, None, "Utilisateur Hostolink"),
            (None, "Kouassi", "Utilisateur Hostolink"),
            ("Awa", None, "Awa"),
            ("  Awa   Marie ", "kouassi", "Awa Marie K."),
        ],
    )
    async def test_incomplete_names(
        self,
        client: httpx.AsyncClient,
        db_engine: AsyncEngine,
        prenom: str | None,
        nom: str | None,
        shown: str,
    ) -> None:
        awa = await person(client, db_engine, 1, prenom=prenom, nom=nom)
        response = await _resolve(client, awa.headers, await my_static_payload(client, awa))
        recipient = response.json()["data"]["destinataire"]
        assert recipient["nom_affiche"] == shown
        assert recipient["telephone_masque"] == "+225 07 •• •• •• 01"

    async def test_resolving_my_own_code_is_allowed(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        response = await _resolve(client, awa.headers, await my_static_payload(client, awa))
        assert response.status_code == 200

    async def test_merchant_shows_the_establishment(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        kofi = await person(client, db_engine)
        payload = await _merchant_payload(db_engine, "Pharmacie des Deux Plateaux")
        response = await _resolve(client, kofi.headers, payload)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["destinataire"] == {
            "nom_affiche": "Pharmacie des Deux Plateaux",
            "telephone_masque": None,
            "type": "marchand",
        }

    async def test_whitespace_around_the_payload_is_forgiven(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        payload = await my_static_payload(client, awa)
        assert (await _resolve(client, awa.headers, f" {payload}\r\n")).status_code == 200

    async def test_requires_a_token(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        assert_failure(await _resolve(client, {}, "HL1.1.AAAAAAAAAAAA.B"), 401)


class TestRefusals:
    @pytest.mark.parametrize(
        "payload",
        ["bonjour", "https://hostolink.ci", "HL1.1.AAAAAAAAAAAA", "hl1.1.aaaaaaaaaaaa.x"],
    )
    async def test_not_a_payload_is_400(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, payload: str
    ) -> None:
        awa = await person(client, db_engine)
        assert_failure(await _resolve(client, awa.headers, payload), 400, "MalformedQrCode")

    @pytest.mark.parametrize("body", [{}, {"payload": ""}, {"payload": 12}, {"payload": "A" * 300}])
    async def test_bad_body_is_422(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, body: dict[str, object]
    ) -> None:
        awa = await person(client, db_engine)
        response = await client.post("/api/qr/resoudre", json=body, headers=awa.headers)
        assert_failure(response, 422, "ValidationError")

    async def test_forged_payloads_get_one_generic_answer(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        payload = await my_static_payload(client, awa)
        version, kid, code, signature = payload.split(".")
        other_code = "A" * 12 if code != "A" * 12 else "B" * 12
        flipped = ("B" if signature[0] != "B" else "C") + signature[1:]
        forged = [
            ".".join([version, kid, other_code, signature]),
            ".".join([version, kid, code, flipped]),
            ".".join([version, "ZZ", code, signature]),
        ]
        messages = set()
        for candidate in forged:
            response = await _resolve(client, awa.headers, candidate)
            assert_failure(response, 400, "InvalidQrCode")
            messages.add(response.json()["message"])
        assert messages == {"QR code invalide ou révoqué."}

    async def test_a_well_signed_unknown_code_is_404(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine)
        payload = payloads.sign(app_ring(), payloads.new_code())
        assert_failure(await _resolve(client, awa.headers, payload), 404, "QrCodeNotFound")

    async def test_expired(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa)
        await expire(db_engine, data["code"])
        response = await _resolve(client, awa.headers, data["payload"])
        assert_failure(response, 410, "QrCodeExpired")
        assert response.json()["message"] == "Ce QR code a expiré."

    async def test_used(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa)
        async with AsyncSession(db_engine) as session, session.begin():
            qr_id = await session.scalar(
                text("SELECT id_qr_code FROM qr_code_paiement WHERE code = :code"),
                {"code": data["code"]},
            )
            await mark_used(session, qr_id=qr_id)
        response = await _resolve(client, awa.headers, data["payload"])
        assert_failure(response, 409, "QrCodeAlreadyPaid")
        assert response.json()["message"] == "Ce QR code a déjà été payé."

    async def test_revoked(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        awa = await person(client, db_engine)
        data = await create_dynamic(client, awa)
        await client.post(f"/api/qr/{data['code']}/revoquer", headers=awa.headers)
        assert_failure(await _resolve(client, awa.headers, data["payload"]), 410, "QrCodeRevoked")
