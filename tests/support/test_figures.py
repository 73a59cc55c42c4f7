"""The service-level figures, computed on conversations with known timestamps."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.support.conversations.figures import figures
from tests.auth.helpers import bearer
from tests.factories import member
from tests.wallet.helpers import admin_token

# (statut, opened hours ago, first answer after minutes, resolved after hours)
ROWS: list[tuple[str, float, float | None, float | None]] = [
    ("nouvelle", 1, None, None),
    ("nouvelle", 2, None, None),
    ("en_cours", 3, 10, None),
    ("attente_utilisateur", 5, 20, None),
    ("resolue", 30, 30, 2),
    ("resolue", 40, 40, 4),
    # Outside a 30-day window: counted in the queue only if open, never in the delays.
    ("resolue", 24 * 60, 600, 48),
]


async def _insert(engine: AsyncEngine, user_id: int) -> None:
    async with engine.begin() as connection:
        for statut, hours, answered, resolved in ROWS:
            await connection.execute(
                text(
                    "INSERT INTO conversation_assistance (id_user, sujet, statut, id_agent,"
                    " date_creation, date_dernier_message, date_premiere_reponse, date_resolution)"
                    " SELECT CAST(:u AS integer), 'Sujet', CAST(:s AS text), :agent,"
                    " t, t, t + CAST(:a AS double precision) * interval '1 minute',"
                    " t + CAST(:r AS double precision) * interval '1 hour'"
                    " FROM (SELECT now() - CAST(:h AS double precision) * interval '1 hour'"
                    " AS t) x"
                ),
                {
                    "u": user_id,
                    "s": statut,
                    "agent": None if statut == "nouvelle" else user_id,
                    "h": hours,
                    "a": answered,
                    "r": resolved,
                },
            )


class TestFigures:
    async def test_figures_on_known_timestamps(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await member(client, db_engine, 1)
        await _insert(db_engine, awa.id)
        async with AsyncSession(db_engine) as session:
            found = await figures(session, 30)
        assert found.nouvelles == 2
        assert found.en_cours == 1
        assert found.attente_utilisateur == 1
        assert found.resolues_periode == 2
        # First answers of the period: 10, 20, 30, 40 min.
        assert found.premiere_reponse_mediane_min == 25.0
        assert found.premiere_reponse_p90_min == 37.0
        # Resolutions of the period: 2 h and 4 h.
        assert found.resolution_mediane_h == 3.0
        assert found.resolution_p90_h == 3.8
        assert found.reclamations_ouvertes == 0
        assert found.reclamations_a_approuver == 0

        async with AsyncSession(db_engine) as session:
            year = await figures(session, 365)
        assert year.resolues_periode == 3
        assert year.resolution_p90_h is not None
        assert year.resolution_p90_h > 4

    async def test_route_and_empty_period(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        admin = bearer(await admin_token(client, db_engine))
        response = await client.get("/api/admin/assistance/statistiques?jours=7", headers=admin)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        assert data["premiere_reponse_mediane_min"] is None
        assert data["nouvelles"] == 0
        bad = await client.get("/api/admin/assistance/statistiques?jours=0", headers=admin)
        assert bad.status_code == 422
