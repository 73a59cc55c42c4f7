"""`hostolink seed`, directory part, on PostgreSQL: what it writes, and that running it again
changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink.health.opendata.seed import seed_directory
from tests.auth.helpers import count

TABLES = (
    "etablissement_sante",
    "localisation",
    "horaire_etablissement",
    "liste_numero_etablissement_sante",
    "provenance_etablissement",
)


async def seed(engine: AsyncEngine) -> list[str]:
    async with AsyncSession(engine) as session, session.begin():
        return await seed_directory(session)


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as connection:
        return await connection.scalar(text(sql), params)


async def snapshot(engine: AsyncEngine) -> dict[str, Any]:
    counts = {table: await count(engine, table) for table in TABLES}
    async with engine.connect() as connection:
        stamps = (
            await connection.execute(
                text(
                    "SELECT id_etablissement, date_creation, date_modification "
                    "FROM etablissement_sante ORDER BY 1"
                )
            )
        ).all()
    return {"counts": counts, "establishments": stamps}


class TestFirstRun:
    async def test_writes_the_directory(self, db_engine: AsyncEngine) -> None:
        summary = await seed(db_engine)
        assert summary == [
            "annuaire : 3 474 établissements créés (1 792 + 1 800 lignes sources, 118 fusionnées)"
        ]
        assert await count(db_engine, "etablissement_sante") == 3474
        assert await count(db_engine, "provenance_etablissement") == 3592
        assert await count(db_engine, "horaire_etablissement") == 1103
        assert (
            await scalar(db_engine, "SELECT count(*) FROM etablissement_sante WHERE verifie") == 0
        )
        assert (
            await scalar(db_engine, "SELECT count(*) FROM etablissement_sante WHERE geo IS NULL")
            == 25
        )

    async def test_the_chu_of_cocody(self, db_engine: AsyncEngine) -> None:
        await seed(db_engine)
        async with db_engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT e.nom, e.nom_normalise, e.categorie, e.urgences, e.geo[0], "
                        "e.geo[1], l.region, l.ville, l.commune, e.texte_recherche, "
                        "(SELECT count(*) FROM provenance_etablissement p "
                        " WHERE p.id_etablissement = e.id_etablissement) "
                        "FROM etablissement_sante e JOIN localisation l USING (id_localisation) "
                        "WHERE e.vecteur_recherche @@ to_tsquery('simple', 'chu & cocody') "
                        "AND e.categorie = 'chu'"
                    )
                )
            ).one()
        assert row[:4] == (
            "Centre hospitalier universitaire de Cocody (CHU de Cocody)",
            "centre hospitalier universitaire de cocody chu de cocody",
            "chu",
            True,
        )
        assert (round(row[4], 4), round(row[5], 4)) == (-3.9936, 5.3428)  # (lon, lat)
        assert row[6:9] == ("Abidjan", "Abidjan", "Cocody")
        assert "hopital" in row[9].split()
        assert row[10] == 2

    async def test_provenance_and_attribution(self, db_engine: AsyncEngine) -> None:
        await seed(db_engine)
        duplicates = await scalar(
            db_engine,
            "SELECT count(*) FROM (SELECT source, identifiant_source FROM "
            "provenance_etablissement GROUP BY 1, 2 HAVING count(*) > 1) d",
        )
        assert duplicates == 0
        without_odbl = await scalar(
            db_engine,
            "SELECT count(DISTINCT p.id_etablissement) FROM provenance_etablissement p "
            "WHERE p.source = 'healthsites_osm_2020' AND NOT EXISTS ("
            " SELECT 1 FROM provenance_etablissement o WHERE o.id_etablissement = "
            " p.id_etablissement AND o.licence = 'ODbL-1.0' AND o.attribution = "
            " '© OpenStreetMap contributors / healthsites.io')",
        )
        assert without_odbl == 0
        osm_sourced = await scalar(
            db_engine,
            "SELECT count(DISTINCT id_etablissement) FROM provenance_etablissement "
            "WHERE licence = 'ODbL-1.0'",
        )
        assert osm_sourced == 1753  # 1 688 OSM-only establishments + 65 in both files

    async def test_numbers(self, db_engine: AsyncEngine) -> None:
        await seed(db_engine)
        async with db_engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT numero, confiance, numero_source, libelle, type_numero, ordre, "
                        "numero ~ '^(\\+[1-9][0-9]{6,14}|[0-9]{2,6})$' "
                        "FROM liste_numero_etablissement_sante WHERE id_etablissement IS NOT NULL"
                    )
                )
            ).all()
        assert len(rows) == 228
        assert all(row.libelle == "Standard" and row.type_numero == "standard" for row in rows)
        assert all(row[6] for row in rows)  # the CHECK's own pattern
        assert all(row.numero_source and row.ordre >= 1 for row in rows)
        assert sum(row.confiance == "a_verifier" for row in rows) == 3
        converted = {row.numero_source: row.numero for row in rows}
        assert converted["+22508972339"] == "+2250708972339"


class TestRunningAgain:
    async def test_changes_nothing(self, db_engine: AsyncEngine) -> None:
        await seed(db_engine)
        before = await snapshot(db_engine)
        assert await seed(db_engine) == ["annuaire : à jour (3 592 lignes sources déjà importées)"]
        assert await snapshot(db_engine) == before

    async def test_a_missing_row_attaches_to_its_establishment(
        self, db_engine: AsyncEngine
    ) -> None:
        await seed(db_engine)
        async with db_engine.begin() as connection:
            id_chu = await connection.scalar(
                text(
                    "DELETE FROM provenance_etablissement WHERE identifiant_source = "
                    "'way/327402561' RETURNING id_etablissement"
                )
            )
        before = await snapshot(db_engine)
        summary = await seed(db_engine)
        assert summary[0].startswith("annuaire : 0 établissement créé")
        assert summary[0].endswith(", 1 ligne rattachée à des fiches existantes")
        after = await snapshot(db_engine)
        assert after["establishments"] == before["establishments"]
        assert after["counts"]["provenance_etablissement"] == 3592
        attached = await scalar(
            db_engine,
            "SELECT id_etablissement FROM provenance_etablissement "
            "WHERE identifiant_source = 'way/327402561'",
        )
        assert attached == id_chu

    async def test_a_deleted_establishment_comes_back_once(self, db_engine: AsyncEngine) -> None:
        await seed(db_engine)
        async with db_engine.begin() as connection:
            await connection.execute(
                text(
                    "DELETE FROM etablissement_sante WHERE id_etablissement = (SELECT "
                    "id_etablissement FROM provenance_etablissement WHERE identifiant_source "
                    "= 'way/327402561')"
                )
            )
        summary = await seed(db_engine)
        assert summary[0].startswith("annuaire : 1 établissement créé (")
        assert await count(db_engine, "etablissement_sante") == 3474

    async def test_two_seeds_at_once_write_once(self, db_engine: AsyncEngine) -> None:
        results = await asyncio.gather(seed(db_engine), seed(db_engine))
        created = sorted(summary[0].split(" établissement")[0] for summary in results)
        assert created == ["annuaire : 0", "annuaire : 3 474"]
        assert await count(db_engine, "etablissement_sante") == 3474
