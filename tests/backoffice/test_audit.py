"""The audit hook of the generic screens: a change and its audit row commit together, with
the values before and after; a change that fails leaves neither."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.auth import principal as principals
from hostolink.backoffice.audit import audited_sessionmaker
from hostolink.backoffice.session import current_admin
from hostolink.models import PlafondKyc
from tests.factories import user_id_of
from tests.wallet.helpers import ADMIN, make_admin


async def _as_admin(engine: AsyncEngine) -> int:
    await make_admin(engine)
    admin_id = await user_id_of(engine, "email", ADMIN)
    async with engine.connect() as connection:
        row = (await connection.execute(principals.PRINCIPAL_BY_ID, {"user_id": admin_id})).one()
    current_admin.set(principals.from_row(row))
    return admin_id


async def _audit_rows(engine: AsyncEngine) -> list[dict[str, object]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT action, id_acteur, cle_cible, avant, apres FROM journal_audit"
                " WHERE action LIKE 'backoffice.%' ORDER BY id_audit"
            )
        )
        return [dict(row._mapping) for row in rows]


async def test_an_edit_records_only_what_changed_before_and_after(db_engine: AsyncEngine) -> None:
    admin_id = await _as_admin(db_engine)
    sessions = audited_sessionmaker(db_engine)
    async with sessions() as session:
        tier = await session.scalar(select(PlafondKyc).where(PlafondKyc.niveau_kyc == 1))
        assert tier is not None
        old = tier.plafond_envoi_journalier
        tier.plafond_envoi_journalier = old + 50_000
        await session.commit()
    rows = await _audit_rows(db_engine)
    assert rows == [
        {
            "action": "backoffice.plafond_kyc.modification",
            "id_acteur": admin_id,
            "cle_cible": "1",
            "avant": {"plafond_envoi_journalier": old},
            "apres": {"plafond_envoi_journalier": old + 50_000},
        }
    ]


async def test_a_refused_change_leaves_no_audit_row(db_engine: AsyncEngine) -> None:
    await _as_admin(db_engine)
    sessions = audited_sessionmaker(db_engine)
    async with sessions() as session:
        tier = await session.scalar(select(PlafondKyc).where(PlafondKyc.niveau_kyc == 1))
        assert tier is not None
        tier.solde_max = -1  # refused by the table's CHECK constraint
        with pytest.raises(IntegrityError):
            await session.commit()
    assert await _audit_rows(db_engine) == []
