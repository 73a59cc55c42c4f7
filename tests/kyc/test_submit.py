"""A person submits their identity document: private files, one pending request at a time."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.auth.helpers import assert_failure
from tests.factories import scalar, user_id_of
from tests.kyc.helpers import PATH, submit
from tests.media.helpers import image_bytes
from tests.wallet.helpers import person


class TestSubmit:
    async def test_submission_is_pending_and_files_are_private(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 1)
        response = await submit(client, awa.headers)
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        assert data["statut"] == "en_attente"
        assert data["niveau_demande"] == 2
        assert data["date_examen"] is None
        assert "id_media_recto" not in data
        me = await user_id_of(db_engine, "telephone", awa.phone)
        owner = await scalar(
            db_engine,
            "SELECT id_user FROM verification_identite WHERE id_verification = :v",
            v=data["id_verification"],
        )
        assert owner == me
        private = await scalar(
            db_engine,
            "SELECT count(*) FROM media WHERE id_user = :u AND usage = 'identite'"
            " AND prive AND url IS NULL",
            u=me,
        )
        assert private == 3

        mine = await client.get(PATH, headers=awa.headers)
        assert mine.status_code == 200
        [item] = mine.json()["data"]
        assert item["id_verification"] == data["id_verification"]
        assert item["statut"] == "en_attente"
        assert "cle_stockage" not in mine.text

    async def test_second_pending_submission_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 2)
        assert (await submit(client, awa.headers)).status_code == 201
        assert_failure(await submit(client, awa.headers), 409)
        count = await scalar(db_engine, "SELECT count(*) FROM verification_identite")
        assert count == 1

    async def test_anonymous_is_refused(self, client: httpx.AsyncClient) -> None:
        assert_failure(await submit(client, {}), 401)

    async def test_passport_without_back_but_card_needs_one(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 3)
        assert_failure(await submit(client, awa.headers, verso=False), 400)
        response = await submit(client, awa.headers, type_document="passeport", verso=False)
        assert response.status_code == 201, response.text

    async def test_unknown_document_type_and_tier_are_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 4)
        assert_failure(await submit(client, awa.headers, type_document="carte_fidelite"), 400)
        assert (await submit(client, awa.headers, niveau=4)).status_code == 422
        assert await scalar(db_engine, "SELECT count(*) FROM media") == 0

    async def test_not_an_image_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 5)
        response = await client.post(
            PATH,
            data={"type_document": "passeport", "numero_document": "P123456"},
            files={
                "recto": ("recto.png", b"%PDF-1.4 not an image", "image/png"),
                "selfie": ("s.png", image_bytes("PNG"), "image/png"),
            },
            headers=awa.headers,
        )
        assert response.status_code in (415, 422), response.text
        assert await scalar(db_engine, "SELECT count(*) FROM verification_identite") == 0

    async def test_others_cannot_see_my_verification(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(client, db_engine, 6)
        ali = await person(client, db_engine, 7)
        assert (await submit(client, awa.headers)).status_code == 201
        theirs = await client.get(PATH, headers=ali.headers)
        assert theirs.status_code == 200
        assert theirs.json()["data"] == []


class TestRefusedSubmissionLeavesNothing:
    async def test_bad_selfie_removes_the_stored_front_and_back(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, tmp_path: Path
    ) -> None:
        awa = await person(client, db_engine, 8)
        response = await client.post(
            PATH,
            data={"type_document": "cni", "numero_document": "CI0023456"},
            files={
                "recto": ("recto.png", image_bytes("PNG"), "image/png"),
                "verso": ("verso.png", image_bytes("PNG"), "image/png"),
                "selfie": ("selfie.png", b"GIF89a pas une image", "image/png"),
            },
            headers=awa.headers,
        )
        assert response.status_code in (415, 422), response.text
        assert await scalar(db_engine, "SELECT count(*) FROM media") == 0
        private = tmp_path / "media_prive"
        assert not private.exists() or list(private.iterdir()) == []
        # The good images were stored, then removed: a correct submission afterwards works.
        assert (await submit(client, awa.headers)).status_code == 201
        assert len(list(private.iterdir())) == 3
