"""Version de l'annuaire : une ligne, un numéro changé par des déclencheurs à chaque écriture
des tables de l'annuaire santé. Chaque processus de l'API garde ses réponses publiques
(proches, recherche, fiche) en cache et relit ce numéro au plus une fois par seconde : une
modification atteint tous les processus de toutes les instances en une seconde environ.

A new table and its triggers, nothing else touched: downgrading drops them (the processes
then serve from their databases, as before). Written by hand.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "version_annuaire"
# The triggers as models/version_annuaire.py writes them (copied: a revision does not change).
DIRECTORY_VERSION_DDL = (
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
    """\
CREATE TRIGGER tr_etablissement_sante_version_annuaire
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON etablissement_sante
FOR EACH STATEMENT EXECUTE FUNCTION version_annuaire_suivante()""",
    """\
CREATE TRIGGER tr_liste_numero_etablissement_sante_version_annuaire
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON liste_numero_etablissement_sante
FOR EACH STATEMENT EXECUTE FUNCTION version_annuaire_suivante()""",
    """\
CREATE TRIGGER tr_horaire_etablissement_version_annuaire
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON horaire_etablissement
FOR EACH STATEMENT EXECUTE FUNCTION version_annuaire_suivante()""",
    """\
CREATE TRIGGER tr_provenance_etablissement_version_annuaire
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON provenance_etablissement
FOR EACH STATEMENT EXECUTE FUNCTION version_annuaire_suivante()""",
    """\
CREATE TRIGGER tr_localisation_version_annuaire
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON localisation
FOR EACH STATEMENT EXECUTE FUNCTION version_annuaire_suivante()""",
    """\
CREATE TRIGGER tr_media_version_annuaire AFTER UPDATE OF url, prive ON media
FOR EACH ROW WHEN (OLD.url IS DISTINCT FROM NEW.url OR OLD.prive IS DISTINCT FROM NEW.prive)
EXECUTE FUNCTION version_annuaire_photo()""",
)
DIRECTORY_VERSION_DDL_DROP = (
    "DROP TRIGGER IF EXISTS tr_media_version_annuaire ON media",
    "DROP TRIGGER IF EXISTS tr_etablissement_sante_version_annuaire ON etablissement_sante",
    "DROP TRIGGER IF EXISTS tr_liste_numero_etablissement_sante_version_annuaire ON liste_numero_etablissement_sante",
    "DROP TRIGGER IF EXISTS tr_horaire_etablissement_version_annuaire ON horaire_etablissement",
    "DROP TRIGGER IF EXISTS tr_provenance_etablissement_version_annuaire ON provenance_etablissement",
    "DROP TRIGGER IF EXISTS tr_localisation_version_annuaire ON localisation",
    "DROP FUNCTION IF EXISTS version_annuaire_photo()",
    "DROP FUNCTION IF EXISTS version_annuaire_suivante()",
)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.SmallInteger(), nullable=False, comment="Toujours 1 : une seule ligne."),
        sa.Column(
            "version",
            sa.BigInteger(),
            nullable=False,
            comment="Numéro de version (microsecondes depuis 1970 à la dernière écriture, ou la "
            "précédente plus un).",
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_version_annuaire_une_seule_ligne")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version_annuaire")),
        comment="Version de l'annuaire santé : change à chaque écriture des tables de "
        "l'annuaire ; vide les caches des réponses publiques de chaque processus.",
    )
    for statement in DIRECTORY_VERSION_DDL:
        op.execute(statement)


def downgrade() -> None:
    for statement in DIRECTORY_VERSION_DDL_DROP:
        op.execute(statement)
    op.drop_table(TABLE)
