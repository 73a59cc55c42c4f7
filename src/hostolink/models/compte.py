"""`compte`: a wallet account. One per user and currency, one per merchant (health
establishment), and system accounts (fees, provider clearing, suspense) for double entry.
A system account's balance is the sum of its buckets (`sous_compte_systeme`, which says
why); its own `solde` stays 0.

The limit counters (`cumul_*`, of the day and month of `date_cumul`) live on the row that a
payment locks anyway: checking "sent today + this amount ≤ the daily cap" after the lock is
then exact under concurrency and costs no extra query, where summing the day's entries
would. A counter of a past day or month reads as zero (the wallet service rolls them over
when it writes)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    and_,
    func,
    literal,
    text,
)
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from hostolink.kit.money import CURRENCY
from hostolink.models.base import Base

USER_WALLET = "utilisateur"


class Compte(Base):
    __tablename__ = "compte"
    __table_args__ = (
        CheckConstraint(
            "type_compte IN ('utilisateur', 'marchand', 'systeme')", name="type_compte_valide"
        ),
        CheckConstraint("statut IN ('actif', 'gele', 'ferme')", name="statut_valide"),
        CheckConstraint("devise ~ '^[A-Z]{3}$'", name="devise_iso4217"),
        # Only system accounts (clearing, suspense) may go below zero.
        CheckConstraint("solde >= 0 OR type_compte = 'systeme'", name="solde_positif"),
        # A system account's balance lives in its buckets (sous_compte_systeme), never here.
        CheckConstraint("type_compte <> 'systeme' OR solde = 0", name="solde_systeme_nul"),
        CheckConstraint(
            "(type_compte = 'utilisateur' AND id_user IS NOT NULL)"
            " OR (type_compte = 'marchand' AND id_etablissement IS NOT NULL)"
            " OR (type_compte = 'systeme' AND code_systeme IS NOT NULL)",
            name="proprietaire_coherent",
        ),
        CheckConstraint(
            "cumul_envoi_jour >= 0 AND cumul_envoi_mois >= 0"
            " AND cumul_retrait_jour >= 0 AND cumul_retrait_mois >= 0",
            name="cumuls_positifs",
        ),
        # Plain index for the foreign key (ON DELETE CASCADE from utilisateur, admin search).
        Index("ix_compte_id_user", "id_user"),
        # RG: a person has one wallet account per currency.
        Index(
            "uq_compte_utilisateur_devise",
            "id_user",
            "devise",
            unique=True,
            postgresql_where=text("type_compte = 'utilisateur'"),
        ),
        # RG: an establishment has one merchant account per currency.
        Index(
            "uq_compte_marchand_devise",
            "id_etablissement",
            "devise",
            unique=True,
            postgresql_where=text("type_compte = 'marchand'"),
        ),
    )

    id_compte: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    numero_compte: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    type_compte: Mapped[str] = mapped_column(String(20), nullable=False)
    id_user: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("utilisateur.id_user", ondelete="CASCADE")
    )
    id_etablissement: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("etablissement_sante.id_etablissement", ondelete="RESTRICT"), index=True
    )
    code_systeme: Mapped[str | None] = mapped_column(String(60), unique=True)
    devise: Mapped[str] = mapped_column(String(3), nullable=False, server_default="XOF")
    solde: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    statut: Mapped[str] = mapped_column(String(10), nullable=False, server_default="actif")
    cumul_envoi_jour: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    cumul_envoi_mois: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    cumul_retrait_jour: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    cumul_retrait_mois: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    date_cumul: Mapped[date | None] = mapped_column(Date)
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    date_modification: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def is_user_wallet() -> ColumnElement[bool]:
    """`compte` is a person's XOF wallet.

    The constants are literals, not bind parameters: a prepared statement's generic plan can
    use the partial unique index uq_compte_utilisateur_devise only if it sees them (with
    parameters it scanned the whole table on every request)."""
    return and_(
        Compte.type_compte == literal(USER_WALLET, literal_execute=True),
        Compte.devise == literal(CURRENCY, literal_execute=True),
    )


def user_wallet_of(
    user: ColumnElement[int] | InstrumentedAttribute[int] | int,
) -> ColumnElement[bool]:
    """`compte` is the XOF wallet of `user` (a column to join on, or an id)."""
    return and_(Compte.id_user == user, is_user_wallet())
