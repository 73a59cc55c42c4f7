"""Profile photo, deleting one's image, and lending images to other packages."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.errors import HostolinkError
from hostolink.media.service import owned_media
from tests.factories import numbered
from tests.media.helpers import image_bytes, media_rows, post_image
from tests.wallet.helpers import Person, person


async def me(client: httpx.AsyncClient, who: Person) -> dict[str, object]:
    data: dict[str, object] = (await client.get("/api/user/me", headers=who.headers)).json()["data"]
    return data


async def upload(client: httpx.AsyncClient, who: Person, usage: str = "publication") -> int:
    response = await post_image(client, who.headers, image_bytes("PNG"), name="a.png", usage=usage)
    assert response.status_code == 201, response.text
    media_id: int = response.json()["data"]["id_media"]
    return media_id


class TestProfilePhoto:
    async def test_sets_my_photo(self, client: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        someone = await person(client, db_engine, 1)

        response = await client.post(
            "/api/user/photo",
            files={"fichier": ("moi.jpg", image_bytes("JPEG"), "image/jpeg")},
            headers=someone.headers,
        )

        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert (await me(client, someone))["photo_profile"] == data["url"]
        [row] = await media_rows(db_engine)
        assert row["usage"] == "photo_profil"

    async def test_refused_image_keeps_the_old_photo(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        someone = await person(client, db_engine, 1)
        first = await client.post(
            "/api/user/photo",
            files={"fichier": ("moi.png", image_bytes("PNG"), "image/png")},
            headers=someone.headers,
        )

        response = await client.post(
            "/api/user/photo",
            files={"fichier": ("moi.jpg", b"pas une image", "image/jpeg")},
            headers=someone.headers,
        )

        assert response.status_code == 415
        assert (await me(client, someone))["photo_profile"] == first.json()["data"]["url"]

    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/user/photo", files={"fichier": ("moi.png", image_bytes("PNG"), "image/png")}
        )

        assert response.status_code == 401


class TestDelete:
    async def test_owner_deletes_row_and_file(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, tmp_path: Path
    ) -> None:
        someone = await person(client, db_engine, 1)
        media_id = await upload(client, someone)
        [row] = await media_rows(db_engine)
        path = tmp_path / "media" / row["cle_stockage"]
        assert path.exists()

        response = await client.delete(f"/api/medias/{media_id}", headers=someone.headers)

        assert response.status_code == 200, response.text
        assert await media_rows(db_engine) == []
        assert not path.exists()
        assert (await client.get(f"/media/{row['cle_stockage']}")).status_code == 404

    async def test_someone_else_gets_404(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        owner, other = await numbered(person, client, db_engine, 2)
        media_id = await upload(client, owner)

        response = await client.delete(f"/api/medias/{media_id}", headers=other.headers)
        missing = await client.delete(f"/api/medias/{media_id + 1000}", headers=other.headers)

        assert response.status_code == 404
        assert response.json() == missing.json()
        assert len(await media_rows(db_engine)) == 1

    async def test_deleting_my_profile_photo_clears_it(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        someone = await person(client, db_engine, 1)
        photo = await client.post(
            "/api/user/photo",
            files={"fichier": ("moi.png", image_bytes("PNG"), "image/png")},
            headers=someone.headers,
        )
        media_id = photo.json()["data"]["id_media"]

        response = await client.delete(f"/api/medias/{media_id}", headers=someone.headers)

        assert response.status_code == 200
        assert (await me(client, someone))["photo_profile"] is None

    async def test_image_still_used_is_kept(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        someone = await person(client, db_engine, 1)
        media_id = await upload(client, someone, usage="thematique")
        async with db_engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO thematiques (titre, description, id_media) "
                    "VALUES ('Diabète', 'Entraide', :m)"
                ),
                {"m": media_id},
            )

        response = await client.delete(f"/api/medias/{media_id}", headers=someone.headers)

        assert response.status_code == 409, response.text
        assert "encore utilisée" in response.json()["message"]
        assert len(await media_rows(db_engine)) == 1


class TestOwnedMedia:
    async def test_mine_in_the_order_asked(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, db_session: AsyncSession
    ) -> None:
        someone = await person(client, db_engine, 1)
        first, second = await upload(client, someone), await upload(client, someone)
        user_id = (await me(client, someone))["id_user"]
        assert isinstance(user_id, int)

        found = await owned_media(
            db_session, user_id=user_id, ids=[second, first], usage="publication"
        )

        assert [media.id_media for media in found] == [second, first]

    async def test_someone_elses_or_unknown_or_other_usage(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine, db_session: AsyncSession
    ) -> None:
        owner, other = await numbered(person, client, db_engine, 2)
        theirs = await upload(client, owner)
        mine = await upload(client, other, usage="message")
        other_id = (await me(client, other))["id_user"]
        assert isinstance(other_id, int)

        cases = (
            ([theirs], None),
            ([mine, 999_999], None),
            ([mine], "publication"),
            ([mine, mine], None),
        )
        for ids, usage in cases:
            with pytest.raises(HostolinkError) as caught:
                await owned_media(db_session, user_id=other_id, ids=ids, usage=usage)
            assert caught.value.status == 422
        assert await owned_media(db_session, user_id=other_id, ids=[mine], usage="message")
