"""The MERISE documents in docs/merise/ are current: the generated ones match what
`hostolink merise` produces from the migrated database, and the hand-written ones name only
tables and constraints that exist."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink_devtools.merise import HEADER, render_documents

DOCS = Path(__file__).resolve().parent.parent / "docs" / "merise"
HAND_WRITTEN = ("README.md", "mcd.md", "regles-de-gestion.md")
_NAME = re.compile(r"`((?:ck|uq|fk|pk|ix|tr)_[a-z0-9_]+)`")


class TestGeneratedDocuments:
    async def test_generated_documents_are_current(self, db_engine: AsyncEngine) -> None:
        documents = await render_documents(db_engine)
        assert set(documents) == {"dictionnaire-des-donnees.md", "mld.md", "mpd.md"}
        stale = [
            name
            for name, content in sorted(documents.items())
            if not (DOCS / name).exists() or (DOCS / name).read_text(encoding="utf-8") != content
        ]
        assert not stale, f"documents périmés : {stale} — lancez `hostolink merise`"

    async def test_generated_documents_say_so(self, db_engine: AsyncEngine) -> None:
        for content in (await render_documents(db_engine)).values():
            assert content.startswith(HEADER)


class TestHandWrittenDocuments:
    def test_present_and_not_marked_generated(self) -> None:
        for name in HAND_WRITTEN:
            content = (DOCS / name).read_text(encoding="utf-8")
            assert "ne pas modifier à la main" not in content.splitlines()[0]

    async def test_rules_cite_existing_constraints(self, db_engine: AsyncEngine) -> None:
        async with db_engine.connect() as connection:
            names = set(
                await connection.scalars(
                    text(
                        "SELECT conname FROM pg_constraint"
                        " WHERE connamespace = 'public'::regnamespace"
                        " UNION SELECT relname FROM pg_class"
                        " WHERE relnamespace = 'public'::regnamespace AND relkind = 'i'"
                        " UNION SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                    )
                )
            )
        for name in HAND_WRITTEN:
            cited = set(_NAME.findall((DOCS / name).read_text(encoding="utf-8")))
            unknown = cited - names
            assert not unknown, f"{name} cite des objets absents de la base : {sorted(unknown)}"

    async def test_mcd_covers_every_table(self, db_engine: AsyncEngine) -> None:
        async with db_engine.connect() as connection:
            tables = set(
                await connection.scalars(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            )
        mcd = (DOCS / "mcd.md").read_text(encoding="utf-8")
        missing = {t for t in tables - {"alembic_version"} if f"`{t}`" not in mcd}
        assert not missing, f"tables absentes du MCD : {sorted(missing)}"
