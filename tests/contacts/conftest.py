"""The two people of the contacts tests: Moussa, whose contacts are read, and Awa."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.contacts.helpers import Person, person


@pytest.fixture
async def owner(client: httpx.AsyncClient, db_engine: AsyncEngine) -> Person:
    return await person(client, db_engine, 1, prenom="Moussa", nom="Traoré")


@pytest.fixture
def me(owner: Person) -> Person:
    """Moussa, when the test speaks in his name."""
    return owner


@pytest.fixture
async def awa(client: httpx.AsyncClient, db_engine: AsyncEngine) -> Person:
    return await person(client, db_engine, 2, prenom="Awa", nom="Koné")
