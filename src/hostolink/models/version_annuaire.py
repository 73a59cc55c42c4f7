"""`version_annuaire`: one row, a number that changes with every write to the tables the
public directory answers are made of. Each API process keeps the directory's answers
(near me, search, detail) in a small cache of its own and re-reads this number at most
once a second: a different number empties its cache. So an edit (back-office, managers,
open-data import, plain SQL) reaches every worker of every instance within about a second,
without a connection kept listening (LISTEN/NOTIFY does not pass transaction poolers).

The number is bumped by statement-level triggers (plain DDL, `DIRECTORY_VERSION_DDL`: run by
`create_all` through the `after_create` event below and by the Alembic revision), at most
once per statement whatever the number of rows. It is a time in microseconds, or the last
one plus one: a table emptied (TRUNCATE of this row) never brings an old number back.
"""

from __future__ import annotations

from sqlalchemy import DDL, BigInteger, CheckConstraint, SmallInteger, event
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, primary_key

# The tables a public directory answer reads (media: an establishment's photo).
DIRECTORY_TABLES: tuple[str, ...] = (
    "etablissement_sante",
    "liste_numero_etablissement_sante",
    "horaire_etablissement",
    "provenance_etablissement",
    "localisation",
)

DIRECTORY_VERSION_DDL: tuple[str, ...] = (
    """\
CREATE OR REPLACE FUNCTION version_annuaire_suivante() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO version_annuaire AS v (id, version)
    VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
    ON CONFLICT (id) DO UPDATE SET version = greatest(v.version + 1, excluded.version);
    RETURN NULL;
END;
$$""",
    """\
CREATE OR REPLACE FUNCTION version_annuaire_photo() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM etablissement_sante WHERE id_media = OLD.id_media) THEN
        INSERT INTO version_annuaire AS v (id, version)
        VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
        ON CONFLICT (id) DO UPDATE SET version = greatest(v.version + 1, excluded.version);
    END IF;
    RETURN NULL;
END;
$$""",
    *(
        f"""\
CREATE TRIGGER tr_{table}_version_annuaire
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION version_annuaire_suivante()"""
        for table in DIRECTORY_TABLES
    ),
    """\
CREATE TRIGGER tr_media_version_annuaire AFTER UPDATE OF url, prive ON media
FOR EACH ROW WHEN (OLD.url IS DISTINCT FROM NEW.url OR OLD.prive IS DISTINCT FROM NEW.prive)
EXECUTE FUNCTION version_annuaire_photo()""",
)
"""Run after every table exists (upgrade); `DIRECTORY_VERSION_DDL_DROP` reverses it."""

DIRECTORY_VERSION_DDL_DROP: tuple[str, ...] = (
    "DROP TRIGGER IF EXISTS tr_media_version_annuaire ON media",
    *(
        f"DROP TRIGGER IF EXISTS tr_{table}_version_annuaire ON {table}"
        for table in DIRECTORY_TABLES
    ),
    "DROP FUNCTION IF EXISTS version_annuaire_photo()",
    "DROP FUNCTION IF EXISTS version_annuaire_suivante()",
)


class VersionAnnuaire(Base):
    __tablename__ = "version_annuaire"
    __table_args__ = (
        CheckConstraint("id = 1", name="une_seule_ligne"),
        {
            "comment": "Version de l'annuaire santé : change à chaque écriture des tables de "
            "l'annuaire ; vide les caches des réponses publiques de chaque processus."
        },
    )

    id: Mapped[int] = primary_key(SmallInteger, "Toujours 1 : une seule ligne.", "1")
    version: Mapped[int] = column(
        BigInteger,
        "Numéro de version (microsecondes depuis 1970 à la dernière écriture, ou la "
        "précédente plus un).",
        "1764914400000000",
        nullable=False,
    )


def _ddl(statement: str) -> DDL:
    # DDL() formats its text with `%`: a literal percent sign must be doubled.
    return DDL(statement.replace("%", "%%"))  # type: ignore[no-untyped-call]


for _statement in DIRECTORY_VERSION_DDL:
    event.listen(Base.metadata, "after_create", _ddl(_statement))
for _statement in DIRECTORY_VERSION_DDL_DROP:
    event.listen(Base.metadata, "before_drop", _ddl(_statement))
