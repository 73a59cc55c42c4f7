"""`bareme_frais`: the fee schedule, editable by administrators. A row applies to an operation
type (and provider for deposits/withdrawals) over an amount range: fee = fixed part + rate in
basis points (integers only: 1 pb = 0,01 %), clamped to [frais_min, frais_max], rounded to
whole francs by the application. No row = no fee."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.types import one_of

TYPES_OPERATION = ("transfert", "paiement_marchand", "depot", "retrait")


class BaremeFrais(Base):
    __tablename__ = "bareme_frais"
    __table_args__ = (
        CheckConstraint(one_of("type_operation", TYPES_OPERATION), name="type_valide"),
        CheckConstraint("devise ~ '^[A-Z]{3}$'", name="devise_iso4217"),
        CheckConstraint("montant_min >= 1", name="montant_min_positif"),
        CheckConstraint("montant_max IS NULL OR montant_max >= montant_min", name="tranche_valide"),
        CheckConstraint("frais_fixe >= 0", name="frais_fixe_positif"),
        CheckConstraint("taux_points_base BETWEEN 0 AND 10000", name="taux_valide"),
        CheckConstraint("frais_min >= 0", name="frais_min_positif"),
        CheckConstraint("frais_max IS NULL OR frais_max >= frais_min", name="plafond_valide"),
        CheckConstraint("date_fin IS NULL OR date_fin > date_debut", name="periode_valide"),
        Index(
            "ix_bareme_frais_recherche",
            "type_operation",
            "fournisseur",
            "montant_min",
            postgresql_where=text("actif"),
        ),
        {"comment": "Barème des frais par type d'opération, fournisseur et tranche de montant."},
    )

    id_bareme: Mapped[int] = mapped_column(
        Integer, primary_key=True, comment="Identifiant.", info={"exemple": "3"}
    )
    type_operation: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        comment="Opération : " + ", ".join(TYPES_OPERATION) + ".",
        info={"exemple": "retrait"},
    )
    fournisseur: Mapped[str | None] = mapped_column(
        String(30),
        comment="Fournisseur concerné ; vide = tous (ou portefeuille à portefeuille).",
        info={"exemple": "wave"},
    )
    devise: Mapped[str] = mapped_column(
        String(3), nullable=False, server_default="XOF", comment="Devise.", info={"exemple": "XOF"}
    )
    montant_min: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        server_default="1",
        comment="Début de tranche (inclus), francs CFA.",
        info={"exemple": "1"},
    )
    montant_max: Mapped[int | None] = mapped_column(
        BigInteger,
        comment="Fin de tranche (incluse) ; vide = sans limite.",
        info={"exemple": "100000"},
    )
    frais_fixe: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        server_default="0",
        comment="Part fixe, francs CFA.",
        info={"exemple": "0"},
    )
    taux_points_base: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        server_default="0",
        comment="Part proportionnelle en points de base (100 = 1 %).",
        info={"exemple": "100"},
    )
    frais_min: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        server_default="0",
        comment="Frais minimum, francs CFA.",
        info={"exemple": "50"},
    )
    frais_max: Mapped[int | None] = mapped_column(
        BigInteger, comment="Frais maximum, francs CFA.", info={"exemple": "5000"}
    )
    actif: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=text("true"),
        comment="Faux pour désactiver la ligne.",
        info={"exemple": "true"},
    )
    date_debut: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Début de validité.",
        info={"exemple": "2026-01-01 00:00:00+00"},
    )
    date_fin: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Fin de validité.",
        info={"exemple": "2026-12-31 23:59:59+00"},
    )
    id_modifie_par: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="SET NULL"),
        comment="Administrateur auteur de la dernière modification.",
        info={"exemple": "1"},
    )
    date_modification: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de dernière modification.",
        info={"exemple": "2026-01-01 00:00:00+00"},
    )
