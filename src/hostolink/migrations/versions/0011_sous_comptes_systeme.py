"""Sous-comptes des comptes système : le solde d'un compte système (frais, compensation d'un
fournisseur, retraits en attente, ajustements, attente) est réparti sur des sous-comptes tirés
au hasard à chaque écriture, pour que les dépôts d'un même fournisseur et les transferts avec
frais ne fassent plus la queue sur une seule ligne.

Upgrade: the new table, `ecriture.sous_compte`, and a CHECK that a system account's own
`solde` is 0. Each system account's balance moves to its bucket 0, and its existing entries
are filed under bucket 0 (the append-only trigger is disabled for that one UPDATE of a new
column; amounts and `solde_apres` are untouched: they were the account's running balance,
which bucket 0 continues). On a large ledger this rewrites every system entry once.
Downgrade: each system account's balance is the sum of its buckets again, and the
`solde_apres` of its entries its running balance in entry order (what it meant before:
postings on a locked row), so `hostolink ledger verify` of the previous revision is clean.
Written by hand.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-12 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "sous_compte_systeme"
CHECK = "ck_compte_solde_systeme_nul"
SOLDE_APRES_BEFORE = "Solde du compte juste après cette écriture (relevé, vérification)."
SOLDE_APRES_AFTER = (
    "Solde du compte juste après cette écriture (relevé, vérification) ; pour un compte "
    "système, solde de son sous-compte."
)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column(
            "id_compte",
            sa.BigInteger(),
            nullable=False,
            comment="Compte système dont c'est une part.",
        ),
        sa.Column(
            "sous_compte",
            sa.SmallInteger(),
            nullable=False,
            comment="Numéro du sous-compte (0 à 1023), tiré au hasard à chaque écriture.",
        ),
        sa.Column(
            "solde",
            sa.BigInteger(),
            server_default="0",
            nullable=False,
            comment="Solde de ce sous-compte en francs CFA (= somme de ses écritures).",
        ),
        sa.Column(
            "date_modification",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Dernière écriture sur ce sous-compte.",
        ),
        sa.CheckConstraint(
            "sous_compte >= 0", name=op.f("ck_sous_compte_systeme_sous_compte_positif")
        ),
        sa.ForeignKeyConstraint(
            ["id_compte"],
            ["compte.id_compte"],
            name=op.f("fk_sous_compte_systeme_id_compte_compte"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id_compte", "sous_compte", name=op.f("pk_sous_compte_systeme")),
        comment="Solde d'un compte système réparti en sous-comptes (le solde du compte est leur "
        "somme) : les écritures simultanées ne se disputent pas une seule ligne.",
    )
    op.add_column(
        "ecriture",
        sa.Column(
            "sous_compte",
            sa.SmallInteger(),
            nullable=True,
            comment="Sous-compte (sous_compte_systeme) d'un compte système ; vide pour les "
            "autres comptes.",
        ),
    )
    op.alter_column(
        "ecriture",
        "solde_apres",
        existing_type=sa.BigInteger(),
        existing_nullable=False,
        comment=SOLDE_APRES_AFTER,
        existing_comment=SOLDE_APRES_BEFORE,
    )
    op.execute(
        "INSERT INTO sous_compte_systeme (id_compte, sous_compte, solde, date_modification)"
        " SELECT id_compte, 0, solde, now() FROM compte WHERE type_compte = 'systeme'"
        " AND (solde <> 0 OR EXISTS (SELECT 1 FROM ecriture e"
        "      WHERE e.id_compte = compte.id_compte))"
    )
    op.execute("UPDATE compte SET solde = 0 WHERE type_compte = 'systeme' AND solde <> 0")
    op.execute("ALTER TABLE ecriture DISABLE TRIGGER tr_ecriture_ajout_seul")
    op.execute(
        "UPDATE ecriture e SET sous_compte = 0 FROM compte c"
        " WHERE c.id_compte = e.id_compte AND c.type_compte = 'systeme'"
    )
    op.execute("ALTER TABLE ecriture ENABLE TRIGGER tr_ecriture_ajout_seul")
    op.create_check_constraint(op.f(CHECK), "compte", "type_compte <> 'systeme' OR solde = 0")


def downgrade() -> None:
    op.drop_constraint(op.f(CHECK), "compte", type_="check")
    op.execute(
        "UPDATE compte c SET solde = s.total FROM (SELECT id_compte, sum(solde) AS total"
        " FROM sous_compte_systeme GROUP BY id_compte) s WHERE s.id_compte = c.id_compte"
    )
    op.execute("ALTER TABLE ecriture DISABLE TRIGGER tr_ecriture_ajout_seul")
    op.execute(
        "UPDATE ecriture e SET solde_apres = r.courant FROM ("
        " SELECT x.id_ecriture,"
        "  sum(x.montant) OVER (PARTITION BY x.id_compte ORDER BY x.id_ecriture) AS courant"
        " FROM ecriture x JOIN compte c ON c.id_compte = x.id_compte"
        " WHERE c.type_compte = 'systeme') r"
        " WHERE r.id_ecriture = e.id_ecriture AND e.solde_apres <> r.courant"
    )
    op.execute("ALTER TABLE ecriture ENABLE TRIGGER tr_ecriture_ajout_seul")
    op.alter_column(
        "ecriture",
        "solde_apres",
        existing_type=sa.BigInteger(),
        existing_nullable=False,
        comment=SOLDE_APRES_BEFORE,
        existing_comment=SOLDE_APRES_AFTER,
    )
    op.drop_column("ecriture", "sous_compte")
    op.drop_table(TABLE)
