"""The migrated database holds the owner's 23 tables, and `utilisateur` and `otp` are column
for column what SEED.md gives (columns may be added, none changed)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# SEED.md's 22 tables and `otp`; `migrations` is Alembic's `alembic_version`.
OWNER_TABLES = {
    "annonce",
    "carte_bancaire",
    "commentaire",
    "compte",
    "contacts_enregistres",
    "etablissement_sante",
    "liker",
    "liste_numero_etablissement_sante",
    "localisation",
    "message",
    "notification",
    "partages",
    "publication",
    "publicite",
    "qr_code_paiement",
    "role_permission",
    "thematiques",
    "transaction",
    "utilisateur",
    "verification_compte",
    "verification_identite",
    "otp",
}
MIGRATIONS_TABLE = "alembic_version"

# column → (data_type, max length, nullable, default pattern or None)
UTILISATEUR = {
    "id_user": ("integer", None, "NO", "nextval("),
    "nom": ("character varying", None, "YES", None),
    "prenom": ("character varying", None, "YES", None),
    "email": ("character varying", None, "YES", None),
    "telephone": ("character varying", None, "YES", None),
    "pays": ("character varying", None, "YES", None),
    "photo_profile": ("character varying", None, "YES", None),
    "mdp": ("character varying", None, "YES", None),
    "date_inscription": ("timestamp without time zone", None, "YES", "now()"),
    "code_confirmation": ("character varying", 10, "YES", None),
}
OTP = {
    "id": ("integer", None, "NO", "nextval("),
    "user_id": ("integer", None, "NO", None),
    "otp_code": ("character varying", 6, "NO", None),
    "expires_at": ("timestamp without time zone", None, "NO", None),
    "is_valid": ("boolean", None, "YES", "true"),
}


async def _columns(session: AsyncSession, table: str) -> dict[str, Any]:
    rows = await session.execute(
        text(
            "SELECT column_name, data_type, character_maximum_length, is_nullable,"
            " column_default FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name = :t"
        ),
        {"t": table},
    )
    return {name: rest for name, *rest in rows}


async def _single_column_keys(session: AsyncSession, table: str, kind: str) -> set[str]:
    rows = await session.execute(
        text(
            "SELECT kcu.column_name FROM information_schema.table_constraints tc"
            " JOIN information_schema.key_column_usage kcu"
            " ON kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name"
            " WHERE tc.table_schema = 'public' AND tc.table_name = :t"
            " AND tc.constraint_type = :kind"
            " AND (SELECT count(*) FROM information_schema.key_column_usage k2"
            "      WHERE k2.constraint_name = tc.constraint_name) = 1"
        ),
        {"t": table, "kind": kind},
    )
    return set(rows.scalars())


async def _delete_rule(session: AsyncSession, table: str, column: str) -> str:
    rule = await session.scalar(
        text(
            "SELECT rc.delete_rule FROM information_schema.referential_constraints rc"
            " JOIN information_schema.key_column_usage kcu"
            " ON kcu.constraint_name = rc.constraint_name"
            " JOIN information_schema.constraint_column_usage ccu"
            " ON ccu.constraint_name = rc.constraint_name"
            " WHERE kcu.table_name = :t AND kcu.column_name = :c"
            " AND ccu.table_name = 'utilisateur' AND ccu.column_name = 'id_user'"
        ),
        {"t": table, "c": column},
    )
    assert rule is not None, f"{table}.{column} does not reference utilisateur(id_user)"
    return str(rule)


def _assert_columns(actual: dict[str, Any], expected: dict[str, tuple[Any, ...]]) -> None:
    for column, (data_type, length, nullable, default) in expected.items():
        assert column in actual, f"missing column {column}"
        got_type, got_length, got_nullable, got_default = actual[column]
        assert (got_type, got_length, got_nullable) == (data_type, length, nullable), column
        if default is None:
            assert got_default is None, f"{column} has an unexpected default {got_default}"
        else:
            assert got_default is not None, column
            assert got_default.startswith(default), f"{column}: {got_default}"


class TestOwnerTables:
    async def test_all_23_owner_tables_exist(self, db_session: AsyncSession) -> None:
        rows = await db_session.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
        present = set(rows.scalars())
        assert len(OWNER_TABLES | {MIGRATIONS_TABLE}) == 23
        assert OWNER_TABLES | {MIGRATIONS_TABLE} <= present
        assert "migrations" not in present

    async def test_utilisateur_matches_seed(self, db_session: AsyncSession) -> None:
        _assert_columns(await _columns(db_session, "utilisateur"), UTILISATEUR)
        assert await _single_column_keys(db_session, "utilisateur", "PRIMARY KEY") == {"id_user"}
        unique = await _single_column_keys(db_session, "utilisateur", "UNIQUE")
        assert {"email", "telephone"} <= unique

    async def test_otp_matches_seed(self, db_session: AsyncSession) -> None:
        _assert_columns(await _columns(db_session, "otp"), OTP)
        assert await _single_column_keys(db_session, "otp", "PRIMARY KEY") == {"id"}
        assert await _delete_rule(db_session, "otp", "user_id") == "CASCADE"

    @pytest.mark.parametrize(
        ("table", "column"),
        [
            ("carte_bancaire", "id_user"),
            ("commentaire", "id_user"),
            ("compte", "id_user"),
            ("contacts_enregistres", "id_user"),
            ("contacts_enregistres", "id_user_contact"),
            ("liker", "id_user"),
            ("partages", "id_user"),
            ("publication", "id_user"),
            ("verification_compte", "id_user"),
            ("verification_identite", "id_user"),
        ],
    )
    async def test_user_owned_tables_cascade(
        self, db_session: AsyncSession, table: str, column: str
    ) -> None:
        assert await _delete_rule(db_session, table, column) == "CASCADE"

    async def test_message_keeps_its_rows_when_the_author_goes(
        self, db_session: AsyncSession
    ) -> None:
        # SEED.md: `message` references utilisateur without cascade.
        assert await _delete_rule(db_session, "message", "id_user") == "SET NULL"
