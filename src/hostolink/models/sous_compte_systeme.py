"""`sous_compte_systeme`: the balance of a system account (fees, a provider's float or
withdrawal hold, adjustments, suspense), spread over up to `SYSTEM_BUCKETS` rows.

A system account takes part in a large share of all postings (every fee, every deposit of a
provider): one balance row would make all of them queue on its row lock. So a posting adds
its system entries to one bucket chosen at random (`sous_compte`, 0 … SYSTEM_BUCKETS − 1),
written by an upsert in the posting's last statement and locked only until its commit. A
posting waits only when it meets, on the same bucket, one of the postings between their last
statement and their commit: with k of those in flight, a chance of about k / SYSTEM_BUCKETS
(with 64 buckets, k neared the 50 concurrent settlements of the bench, whose time goes mostly
in their commit; 1024 make such waits rare). Reading a balance sums at most 1024 rows of an
index range. The account's balance is the sum of its buckets; `compte.solde` of a system
account stays 0 (a CHECK). Each entry of a system account names its bucket
(`ecriture.sous_compte`) and carries the bucket's balance after it in `solde_apres`, so
`hostolink ledger verify` checks every bucket against its entries as it checks every
person's account. Buckets are created by the first posting that picks them (ON DELETE
RESTRICT: an account with entries is never deleted).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, SmallInteger
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, foreign_key, primary_key, timestamp

SYSTEM_BUCKETS = 1024
"""Buckets per system account: enough that concurrent postings rarely meet on one."""


class SousCompteSysteme(Base):
    __tablename__ = "sous_compte_systeme"
    __table_args__ = (
        CheckConstraint("sous_compte >= 0", name="sous_compte_positif"),
        {
            "comment": "Solde d'un compte système réparti en sous-comptes (le solde du compte "
            "est leur somme) : les écritures simultanées ne se disputent pas une seule ligne."
        },
    )

    id_compte: Mapped[int] = foreign_key(
        BigInteger,
        "compte.id_compte",
        "RESTRICT",
        "Compte système dont c'est une part.",
        "3",
        primary_key=True,
    )
    sous_compte: Mapped[int] = primary_key(
        SmallInteger, "Numéro du sous-compte (0 à 1023), tiré au hasard à chaque écriture.", "17"
    )
    solde: Mapped[int] = column(
        BigInteger,
        "Solde de ce sous-compte en francs CFA (= somme de ses écritures).",
        "-125000",
        nullable=False,
        server_default="0",
    )
    date_modification: Mapped[datetime | None] = timestamp(
        "Dernière écriture sur ce sous-compte.", "2026-03-01 12:00:00+00"
    )
