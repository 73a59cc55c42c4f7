"""A deleted person in the back-office: their page says « compte supprimé le … » and offers
no action; an administrator cannot reactivate the account (its identifiers are gone)."""

from __future__ import annotations

from datetime import UTC

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.account.helpers import delete
from tests.auth.helpers import bearer
from tests.backoffice.helpers import sign_in
from tests.factories import scalar
from tests.wallet.helpers import admin_token, person

MOTIF = "Vérification de la suppression"


class TestDeletedPersonInTheBackOffice:
    async def test_page_says_deleted_and_reactivation_is_refused(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = await admin_token(client, db_engine)
        awa = await person(client, db_engine, 1)
        awa_id = await scalar(
            db_engine, "SELECT id_user FROM utilisateur WHERE telephone = :t", t=awa.phone
        )
        assert (await delete(client, awa)).status_code == 200

        reactivated = await client.post(
            f"/api/admin/utilisateurs/{awa_id}/reactivation",
            json={"motif": MOTIF},
            headers=bearer(admin),
        )
        assert reactivated.status_code == 409, reactivated.text
        assert "supprimé" in reactivated.json()["message"]

        assert (await sign_in(client)).status_code in (302, 303)
        page = await client.get(f"/admin/fiche/{awa_id}")
        assert page.status_code == 200, page.text[:300]
        deleted_at = await scalar(
            db_engine, "SELECT date_suppression FROM utilisateur WHERE id_user = :u", u=awa_id
        )
        shown = deleted_at.astimezone(UTC).strftime("%d/%m/%Y à %H:%M")
        assert f"compte supprimé le {shown}" in page.text
        assert "Réactiver le compte" not in page.text
        assert "Enregistrer les rôles" not in page.text
