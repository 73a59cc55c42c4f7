"""Rate limits on the public onboarding routes: per client address and per identifier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.app import create_app
from tests.auth.helpers import assert_failure
from tests.conftest import make_settings


@pytest.fixture
async def limited(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[Any]:
    def build(**limits: int) -> httpx.AsyncClient:
        app = create_app(make_settings(**limits), database_url=database_url)
        apps.append(app)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")

    apps: list[Any] = []
    yield build
    for app in apps:
        await app.state.db.dispose()


class TestPerClient:
    async def test_one_address_is_throttled_across_identifiers(self, limited: Any) -> None:
        async with limited(RATE_LIMIT_PER_IP_PER_MINUTE=3) as client:
            answers = [
                await client.post("/api/check-user", json={"identifier": f"070102030{n}"})
                for n in range(5)
            ]
        assert [a.status_code for a in answers[:3]] == [200, 200, 200]
        assert_failure(answers[3], 429, "TooManyRequests")
        assert int(answers[3].headers["Retry-After"]) > 0


class TestPerIdentifier:
    async def test_one_identifier_is_throttled_in_any_writing(self, limited: Any) -> None:
        writings = ["0701020304", "07 01 02 03 04", "+2250701020304", "002250701020304"]
        async with limited(RATE_LIMIT_PER_IDENTIFIER_PER_MINUTE=3) as client:
            answers = [
                await client.post("/api/check-user", json={"identifier": w}) for w in writings
            ]
            other = await client.post("/api/check-user", json={"identifier": "0509080706"})
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert other.status_code == 200  # another person is not affected


class TestDirectory:
    async def test_public_directory_reads_are_throttled_per_address(self, limited: Any) -> None:
        """Its own budget: browsing the map does not spend the onboarding routes' one."""
        async with limited(
            DIRECTORY_RATE_LIMIT_PER_MINUTE=3, RATE_LIMIT_PER_IP_PER_MINUTE=10_000
        ) as client:
            answers = [await client.get("/api/numeros-urgence") for _ in range(3)]
            answers.append(
                await client.get("/api/etablissements/proches", params={"lat": 5.3, "lon": -4})
            )
            onboarding = await client.post("/api/check-user", json={"identifier": "0701020304"})
        assert [a.status_code for a in answers[:3]] == [200, 200, 200]
        assert_failure(answers[3], 429, "TooManyRequests")
        assert int(answers[3].headers["Retry-After"]) > 0
        assert onboarding.status_code == 200
