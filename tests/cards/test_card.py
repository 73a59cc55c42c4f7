"""The caller's virtual card through the API: issuance, masking, details after PIN, freeze,
isolation between people, and what never reaches the database or the logs."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.cards import crypto
from hostolink.qr import service as qr_service
from tests.auth.helpers import PASSWORD, assert_failure, count
from tests.cards.helpers import (
    SVG,
    TEST_BIN,
    database_as_text,
    holder,
    keys_of,
    parse_svg,
    read_card_qr,
)
from tests.factories import execute, numbered

MASK = re.compile(r"^•••• •••• •••• (\d{4})$")


async def details(
    client: httpx.AsyncClient, headers: dict[str, str], pin: str | None = PASSWORD
) -> httpx.Response:
    body: dict[str, Any] = {} if pin is None else {"pin": pin}
    return await client.post("/api/carte/details", json=body, headers=headers)


async def revealed(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await details(client, headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


class TestMaskedCard:
    async def test_first_look_issues_the_card_masked(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        assert await count(db_engine, "carte_bancaire") == 0

        response = await client.get("/api/carte", headers=headers)

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["success"] is True
        data = body["data"]
        match = MASK.match(data["numero_masque"])
        assert match, data["numero_masque"]
        assert match.group(1) == data["derniers_chiffres"]
        assert data["statut"] == "active"
        assert data["type_carte"] == "virtuelle"
        assert data["nom_titulaire"] == "CLIENT HOSTOLINK"
        now = datetime.now(UTC)
        assert (data["mois_expiration"], data["annee_expiration"]) == (now.month, now.year + 5)
        assert not {"numero", "cvv", "pan", "pan_chiffre", "empreinte_pan"} & data.keys()
        assert await count(db_engine, "carte_bancaire") == 1

    async def test_the_full_number_is_nowhere_in_the_masked_answers(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        first = await client.get("/api/carte", headers=headers)
        pan = (await revealed(client, headers))["numero"]
        answers = [
            first,
            await client.get("/api/carte", headers=headers),
            await client.post("/api/carte/geler", headers=headers),
            await client.post("/api/carte/degeler", headers=headers),
        ]
        for answer in answers:
            assert answer.status_code == 200, answer.text
            assert pan not in answer.text
            assert crypto.grouped(pan) not in answer.text
            assert pan[:12] not in answer.text

    async def test_the_same_card_on_every_look(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        first = (await client.get("/api/carte", headers=headers)).json()["data"]
        second = (await client.get("/api/carte", headers=headers)).json()["data"]
        assert first == second
        assert await count(db_engine, "carte_bancaire") == 1

    async def test_the_card_carries_the_profile_name(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        await client.get("/api/carte", headers=headers)  # issued before the name was known
        response = await client.patch(
            "/api/user/me", json={"prenom": "Aïcha", "nom": "Kouamé"}, headers=headers
        )
        assert response.status_code == 200, response.text

        card = (await client.get("/api/carte", headers=headers)).json()["data"]
        assert card["nom_titulaire"] == "AICHA KOUAME"

        await client.patch("/api/user/me", json={"nom": "Traoré"}, headers=headers)
        card = (await client.get("/api/carte", headers=headers)).json()["data"]
        assert card["nom_titulaire"] == "AICHA KOUAME"  # what is printed stays printed

    async def test_without_a_wallet_the_answer_is_404_in_french(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        await execute(db_engine, "DELETE FROM compte WHERE type_compte = 'utilisateur'")

        for response in (
            await client.get("/api/carte", headers=headers),
            await client.post("/api/carte/geler", headers=headers),
            await details(client, headers),
        ):
            assert_failure(response, 404, "WalletMissing")
            assert "portefeuille" in response.json()["message"]
        assert await count(db_engine, "carte_bancaire") == 0

    async def test_anonymous_callers_are_refused(self, client: httpx.AsyncClient) -> None:
        for method, path in [
            ("GET", "/api/carte"),
            ("POST", "/api/carte/details"),
            ("POST", "/api/carte/geler"),
            ("POST", "/api/carte/degeler"),
            ("GET", "/api/carte/visuel.svg"),
        ]:
            assert_failure(await client.request(method, path), 401)


class TestIssuanceUnderConcurrency:
    async def test_ten_simultaneous_first_looks_issue_one_card(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)

        responses = await asyncio.gather(
            *(client.get("/api/carte", headers=headers) for _ in range(10))
        )

        assert [response.status_code for response in responses] == [200] * 10
        assert len({response.json()["data"]["derniers_chiffres"] for response in responses}) == 1
        assert await count(db_engine, "carte_bancaire") == 1


class TestDetails:
    async def test_refused_without_the_pin(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        response = await details(client, headers, pin=None)
        assert_failure(response, 403, "PinRequired")
        assert_failure(await client.post("/api/carte/details", headers=headers), 403, "PinRequired")

    async def test_refused_with_a_wrong_pin(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        response = await details(client, headers, pin="PasLeBonPin999")
        assert_failure(response, 401, "BadPin")
        assert "numero" not in response.text

    async def test_refused_with_someone_elses_or_a_forged_pin_token(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        alice, bob = await numbered(holder, client, db_engine, 2)
        bob_token = (
            await client.post("/api/portefeuille/jeton-pin", json={"pin": PASSWORD}, headers=bob)
        ).json()["jeton_pin"]
        for token in (bob_token, "pas-un-jeton"):
            response = await client.post(
                "/api/carte/details", headers={**alice, "X-Jeton-Pin": token}
            )
            assert_failure(response, 401, "InvalidPinToken")

    async def test_given_with_the_right_pin(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        masked = (await client.get("/api/carte", headers=headers)).json()["data"]

        response = await details(client, headers)

        assert response.status_code == 200, response.text
        assert "no-store" in response.headers["cache-control"]
        body = response.json()
        assert body["success"] is True
        assert "ne les communiquez à personne" in body["message"]
        data = body["data"]
        pan = data["numero"]
        assert len(pan) == 16
        assert pan.startswith(TEST_BIN)
        assert crypto.is_luhn_valid(pan)
        assert pan.endswith(masked["derniers_chiffres"])
        assert data["numero_formate"] == crypto.grouped(pan)
        assert re.fullmatch(r"\d{3}", data["cvv"])
        assert data["mois_expiration"] == masked["mois_expiration"]
        assert data["annee_expiration"] == masked["annee_expiration"]
        assert data["numero_masque"] == masked["numero_masque"]

    async def test_given_with_a_pin_token_and_stable_across_views(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        token = await client.post(
            "/api/portefeuille/jeton-pin", json={"pin": PASSWORD}, headers=headers
        )
        assert token.status_code == 200, token.text

        response = await client.post(
            "/api/carte/details", headers={**headers, "X-Jeton-Pin": token.json()["jeton_pin"]}
        )

        assert response.status_code == 200, response.text
        assert response.json()["data"] == await revealed(client, headers)

    async def test_the_cvv_is_the_keyed_derivation_of_number_and_expiry(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        data = await revealed(client, headers)
        expected = crypto.cvv(
            data["numero"],
            month=data["mois_expiration"],
            year=data["annee_expiration"],
            keys=keys_of(app),
        )
        assert data["cvv"] == expected


class TestAtRest:
    async def test_the_stored_ciphertext_decrypts_to_the_shown_number(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        data = await revealed(client, headers)
        async with db_engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT id_compte, bin, derniers_chiffres, pan_chiffre, empreinte_pan "
                        "FROM carte_bancaire"
                    )
                )
            ).one()
        keys = keys_of(app)
        pan = crypto.decrypt_pan(bytes(row.pan_chiffre), keys=keys, compte_id=row.id_compte)
        assert pan == data["numero"]
        assert row.bin == TEST_BIN
        assert row.derniers_chiffres == pan[-4:]
        assert row.empreinte_pan == crypto.fingerprint(pan, keys=keys)

    async def test_neither_the_number_nor_the_cvv_is_anywhere_in_the_database(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        people = [await holder(client, db_engine, number) for number in (1, 2)]
        shown = [await revealed(client, headers) for headers in people]
        for headers in people:
            await client.post("/api/carte/geler", headers=headers)

        everything = await database_as_text(db_engine)

        for data in shown:
            pan, cvv = data["numero"], data["cvv"]
            for form in (pan, crypto.grouped(pan), pan[:12], pan.encode().hex()):
                assert form not in everything
            # The CVV "in context": beside the number, under a name, or as the expiry's twin.
            for form in (pan + cvv, f"{cvv}{pan}", f'"cvv":"{cvv}"', f'"cvv": "{cvv}"'):
                assert form not in everything
        assert '"cvv"' not in everything.lower()
        async with db_engine.connect() as connection:
            columns = await connection.scalars(
                text(
                    "SELECT table_name || '.' || column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND (column_name ILIKE '%cvv%' "
                    "OR column_name ILIKE '%cryptogramme%')"
                )
            )
            assert list(columns) == []

    async def test_a_tampered_ciphertext_is_refused_not_shown(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
    ) -> None:
        headers = await holder(client, db_engine, 1)
        await client.get("/api/carte", headers=headers)
        # Flip one bit of the last byte (the GCM tag).
        await execute(
            db_engine,
            "UPDATE carte_bancaire SET pan_chiffre = set_byte(pan_chiffre, "
            "length(pan_chiffre) - 1, get_byte(pan_chiffre, length(pan_chiffre) - 1) # 1)",
        )
        caplog.set_level(logging.ERROR, logger="hostolink.cards")

        response = await details(client, headers)

        assert_failure(response, 503, "CardUnreadable")
        assert [record.getMessage() for record in caplog.records] == [
            "card number does not decrypt"
        ]


class TestIsolation:
    async def test_each_person_sees_only_their_own_card(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        alice, bob = await numbered(holder, client, db_engine, 2)

        alice_card = await revealed(client, alice)
        bob_card = await revealed(client, bob)

        assert alice_card["numero"] != bob_card["numero"]
        assert await count(db_engine, "carte_bancaire") == 2
        assert (await client.get("/api/carte", headers=alice)).json()["data"][
            "derniers_chiffres"
        ] == alice_card["derniers_chiffres"]
        assert (await client.get("/api/carte", headers=bob)).json()["data"][
            "derniers_chiffres"
        ] == bob_card["derniers_chiffres"]
        async with db_engine.connect() as connection:
            owners = (
                await connection.execute(
                    text(
                        "SELECT c.id_user = k.id_user AND k.type_compte = 'utilisateur' "
                        "FROM carte_bancaire c JOIN compte k USING (id_compte)"
                    )
                )
            ).scalars()
            assert list(owners) == [True, True]

    async def test_freezing_ones_card_leaves_the_others_alone(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        alice, bob = await numbered(holder, client, db_engine, 2)
        await client.get("/api/carte", headers=alice)

        await client.post("/api/carte/geler", headers=bob)

        assert (await client.get("/api/carte", headers=alice)).json()["data"]["statut"] == "active"
        assert (await client.get("/api/carte", headers=bob)).json()["data"]["statut"] == "gelee"


class TestFreeze:
    async def test_freeze_and_unfreeze_toggle_the_status_idempotently(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        await client.get("/api/carte", headers=headers)

        for expected, path in [
            ("gelee", "/api/carte/geler"),
            ("gelee", "/api/carte/geler"),
            ("active", "/api/carte/degeler"),
            ("active", "/api/carte/degeler"),
        ]:
            response = await client.post(path, headers=headers)
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["data"]["statut"] == expected
            assert MASK.match(body["data"]["numero_masque"])
            assert body["message"]
            got = (await client.get("/api/carte", headers=headers)).json()["data"]["statut"]
            assert got == expected
        assert await count(db_engine, "carte_bancaire") == 1

    async def test_a_frozen_card_details_stay_visible_to_its_owner(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        before = await revealed(client, headers)
        await client.post("/api/carte/geler", headers=headers)

        response = await details(client, headers)

        assert response.status_code == 200, response.text
        body = response.json()
        assert "gelée" in body["message"]
        assert body["data"]["statut"] == "gelee"
        assert body["data"]["numero"] == before["numero"]
        assert body["data"]["cvv"] == before["cvv"]

    async def test_an_expired_card_can_no_longer_be_frozen_or_unfrozen(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        await client.get("/api/carte", headers=headers)
        await execute(db_engine, "UPDATE carte_bancaire SET annee_expiration = 2020")

        card = (await client.get("/api/carte", headers=headers)).json()["data"]

        assert card["statut"] == "expiree"
        assert_failure(await client.post("/api/carte/geler", headers=headers), 409)
        assert_failure(await client.post("/api/carte/degeler", headers=headers), 409)
        assert await count(db_engine, "carte_bancaire") == 1


class TestNoCardDataInLogs:
    async def test_the_whole_flow_logs_neither_number_nor_cvv(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        # SQLAlchemy keeps its loggers at WARNING unless asked: every statement and its
        # parameters too (the number must never even travel to the database).
        caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
        headers = await holder(client, db_engine, 1)
        await client.get("/api/carte", headers=headers)
        token = (
            await client.post(
                "/api/portefeuille/jeton-pin", json={"pin": PASSWORD}, headers=headers
            )
        ).json()["jeton_pin"]
        data = await revealed(client, headers)
        await client.post("/api/carte/details", headers={**headers, "X-Jeton-Pin": token})
        await details(client, headers, pin="MauvaisPin000")
        await client.post("/api/carte/geler", headers=headers)
        await details(client, headers)
        await client.post("/api/carte/degeler", headers=headers)

        pan, cvv = data["numero"], data["cvv"]
        assert any(record.name == "hostolink.cards" for record in caplog.records)
        assert any(record.name.startswith("sqlalchemy.engine") for record in caplog.records)
        for record in caplog.records:
            logged = str(vars(record)) + record.getMessage()
            for form in (pan, crypto.grouped(pan), pan[:12], pan.encode().hex()):
                assert form not in logged, record.name
            assert "cvv" not in logged.lower(), record.name
            # Three digits may well appear by chance in a status code, a duration or an id:
            # among our own messages (not the access log's "METHOD /path STATUS"), none.
            if record.name.startswith("hostolink.") and record.name != "hostolink.access":
                assert cvv not in re.findall(r"\d+", record.getMessage()), record.getMessage()


class TestCardFace:
    async def test_an_svg_card_face_with_the_static_qr_code(
        self, app: Any, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        headers = await holder(client, db_engine, 1)
        card = (await client.get("/api/carte", headers=headers)).json()["data"]

        response = await client.get("/api/carte/visuel.svg", headers=headers)

        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.headers["cache-control"] == "private, no-cache"
        root = parse_svg(response.content)
        assert root.tag == f"{SVG}svg"
        texts = [element.text for element in root.iter(f"{SVG}text")]
        assert card["numero_masque"] in texts
        assert card["nom_titulaire"] in texts
        assert "Hostolink" in texts
        expiry = f"{card['mois_expiration']:02d}/{card['annee_expiration'] % 100:02d}"
        assert expiry in texts
        pan = (await revealed(client, headers))["numero"]
        assert pan not in response.text

        async with AsyncSession(db_engine) as session, session.begin():
            compte_id = await session.scalar(text("SELECT id_compte FROM carte_bancaire"))
            expected = await qr_service.static_payload(
                session, ring=qr_service.keyring(app.state.settings), compte_id=compte_id
            )
        assert read_card_qr(root) == expected
