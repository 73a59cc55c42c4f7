"""`hostolink seed`: reference data the product needs, written idempotently (running it
again changes nothing)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth.roles import sync_roles
from hostolink.health.emergency import sync_emergency_numbers
from hostolink.support.faq.seed import seed_faq
from hostolink.wallet.reference_data import sync_wallet_reference_data


async def seed_reference_data(session: AsyncSession) -> list[str]:
    """Write every kind of reference data; return what was seeded, for the CLI to print."""
    await sync_roles(session)
    await sync_wallet_reference_data(session)
    await sync_emergency_numbers(session)
    seeded = [
        "rôles et permissions",
        "plafonds par niveau KYC",
        "comptes système",
        "numéros d'urgence",
    ]
    if await seed_faq(session):
        seeded.append("questions fréquentes")
    return seeded
