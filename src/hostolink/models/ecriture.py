"""`ecriture`: one ledger entry — a signed amount on one account within one `transaction`
(positive credits the account, negative debits it). Each account's balance equals the sum of
its entries; each transaction has ≥2 entries summing to zero.

The database enforces what it can, so that a bug in one code path cannot corrupt the ledger:
- ON DELETE RESTRICT towards `compte` and `transaction`;
- a trigger rejects UPDATE and DELETE (append-only; corrections are reversal transactions);
- a deferred constraint trigger checks, at COMMIT, that every transaction touched has ≥2
  entries summing to zero (deferred because the entries are inserted one by one).
The triggers are plain DDL (`LEDGER_DDL`): `create_all` runs it through the `after_create`
event below, and the Alembic revision must run the same statements (Alembic's autogenerate
does not see triggers).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL,
    BigInteger,
    CheckConstraint,
    Index,
    SmallInteger,
    event,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, foreign_key, primary_key, timestamp_now
from hostolink.models.transaction import Transaction

LEDGER_DDL: tuple[str, ...] = (
    """\
CREATE OR REPLACE FUNCTION ecriture_ajout_seul() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'le grand livre est en ajout seul : % interdit sur ecriture', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$""",
    """\
CREATE OR REPLACE FUNCTION transaction_equilibree() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    nombre integer;
    somme bigint;
BEGIN
    SELECT count(*), coalesce(sum(montant), 0) INTO nombre, somme
    FROM ecriture WHERE id_transaction = NEW.id_transaction;
    IF nombre < 2 OR somme <> 0 THEN
        RAISE EXCEPTION 'transaction % déséquilibrée : % écriture(s), somme %',
            NEW.id_transaction, nombre, somme
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$""",
    """\
CREATE TRIGGER tr_ecriture_ajout_seul BEFORE UPDATE OR DELETE ON ecriture
FOR EACH ROW EXECUTE FUNCTION ecriture_ajout_seul()""",
    """\
CREATE CONSTRAINT TRIGGER tr_ecriture_equilibre AFTER INSERT ON ecriture
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION transaction_equilibree()""",
    """\
CREATE CONSTRAINT TRIGGER tr_transaction_equilibre AFTER INSERT ON transaction
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION transaction_equilibree()""",
)
"""Run after both tables exist (upgrade); `LEDGER_DDL_DROP` reverses it (downgrade)."""

LEDGER_DDL_DROP: tuple[str, ...] = (
    "DROP TRIGGER IF EXISTS tr_transaction_equilibre ON transaction",
    "DROP TRIGGER IF EXISTS tr_ecriture_equilibre ON ecriture",
    "DROP TRIGGER IF EXISTS tr_ecriture_ajout_seul ON ecriture",
    "DROP FUNCTION IF EXISTS transaction_equilibree()",
    "DROP FUNCTION IF EXISTS ecriture_ajout_seul()",
)


class Ecriture(Base):
    __tablename__ = "ecriture"
    __table_args__ = (
        CheckConstraint("montant <> 0", name="montant_non_nul"),
        Index("ix_ecriture_id_transaction", "id_transaction"),
        # An account's statement and its daily/monthly limit sums: range scan by date,
        # cursor on (date_creation, id_ecriture).
        Index("ix_ecriture_id_compte_date_creation", "id_compte", "date_creation", "id_ecriture"),
        {"comment": "Écriture du grand livre : montant signé sur un compte, en ajout seul."},
    )

    id_ecriture: Mapped[int] = primary_key(BigInteger, "Identifiant de l'écriture.", "180421")
    id_transaction: Mapped[int] = foreign_key(
        BigInteger,
        "transaction.id_transaction",
        "RESTRICT",
        "Transaction dont l'écriture fait partie.",
        "90211",
    )
    id_compte: Mapped[int] = foreign_key(
        BigInteger, "compte.id_compte", "RESTRICT", "Compte mouvementé.", "12"
    )
    montant: Mapped[int] = column(
        BigInteger, "Montant signé en francs CFA : positif = crédit, négatif = débit.", "-5000"
    )
    solde_apres: Mapped[int] = column(
        BigInteger,
        "Solde du compte juste après cette écriture (relevé, vérification) ; pour un compte "
        "système, solde de son sous-compte.",
        "20000",
    )
    sous_compte: Mapped[int | None] = column(
        SmallInteger,
        "Sous-compte (sous_compte_systeme) d'un compte système ; vide pour les autres comptes.",
        "17",
    )
    date_creation: Mapped[datetime] = timestamp_now(
        "Date de comptabilisation.", "2026-03-01 12:00:00+00"
    )


def _ddl(statement: str) -> DDL:
    # DDL() formats its text with `%`: a literal percent sign must be doubled.
    return DDL(statement.replace("%", "%%"))  # type: ignore[no-untyped-call]


for _statement in LEDGER_DDL:
    event.listen(Ecriture.__table__, "after_create", _ddl(_statement))
# The functions outlive `ecriture`: `transaction` (dropped after it) still has a trigger.
for _statement in LEDGER_DDL_DROP[3:]:
    event.listen(Transaction.__table__, "after_drop", _ddl(_statement))
