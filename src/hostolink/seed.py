"""`hostolink seed`: reference data the product needs, written idempotently (running it
again changes nothing)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth.roles import sync_roles


async def seed_reference_data(session: AsyncSession) -> list[str]:
    """Write every kind of reference data; return what was seeded, for the CLI to print."""
    await sync_roles(session)
    return ["rôles et permissions"]
