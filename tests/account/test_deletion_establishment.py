"""A manager's deletion: refused while they are the only active manager of an establishment
whose merchant account holds money (nobody else could move it); once a second manager is
approved, allowed, and their membership is withdrawn while the establishment's account and
money stay untouched."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.account.helpers import codes, delete, eligibility
from tests.establishments.test_management import establishment, manager, merchant_accounts
from tests.factories import scalar
from tests.wallet.helpers import admin_token, assert_ledger_clean, balance, credit


class TestOnlyManagerOfAnEstablishmentWithMoney:
    async def test_refused_until_someone_else_manages_it(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        clinic = await establishment(client, admin, "Clinique Sainte-Anne")
        awa = await manager(client, db_engine, admin, clinic, 1)
        (account,) = await merchant_accounts(db_engine, clinic)
        await credit(client, admin, account, 7_500)

        state = await eligibility(client, awa)
        assert codes(state["raisons"]) == ["etablissement"]
        assert "Clinique Sainte-Anne" in state["raisons"][0]["message"]
        assert "7 500 F CFA" in state["raisons"][0]["message"]
        assert (await delete(client, awa)).status_code == 409

        await manager(client, db_engine, admin, clinic, 2)
        assert await eligibility(client, awa) == {"possible": True, "raisons": []}
        assert (await delete(client, awa)).status_code == 200

        statut = await scalar(
            db_engine,
            "SELECT m.statut FROM membre_etablissement m JOIN utilisateur u"
            " ON u.id_user = m.id_user WHERE u.date_suppression IS NOT NULL",
        )
        assert statut == "retire"
        assert await balance(db_engine, account) == 7_500
        await assert_ledger_clean(db_engine)
