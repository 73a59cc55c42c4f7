"""`liste_numero_etablissement_sante` (owner's table): phone numbers to tap and call — an
establishment's numbers (E.164) and the national emergency numbers (short codes such as
SAMU 185), which belong to no establishment."""

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
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.types import one_of

TYPES_NUMERO = ("standard", "urgence", "numero_vert", "whatsapp", "fax")
CONFIANCES = ("confirme", "probable", "a_verifier")


class ListeNumeroEtablissementSante(Base):
    __tablename__ = "liste_numero_etablissement_sante"
    __table_args__ = (
        # E.164 for subscriber numbers; 2 to 6 digits for short codes (unchanged by the
        # 2021 ten-digit plan). Anything else is not dialable and stays out.
        CheckConstraint(r"numero ~ '^(\+[1-9][0-9]{6,14}|[0-9]{2,6})$'", name="numero_composable"),
        CheckConstraint(one_of("type_numero", TYPES_NUMERO), name="type_numero_valide"),
        CheckConstraint(one_of("confiance", CONFIANCES), name="confiance_valide"),
        # A national number (no establishment) must say which service answers it.
        CheckConstraint(
            "id_etablissement IS NOT NULL OR service IS NOT NULL", name="national_service"
        ),
        Index("ix_liste_numero_etablissement_sante_id_etablissement", "id_etablissement"),
        Index(
            "ix_liste_numero_etablissement_sante_nationaux",
            "ordre",
            postgresql_where=text("id_etablissement IS NULL"),
        ),
        Index(
            "uq_liste_numero_etablissement_sante_cle_reference",
            "cle_reference",
            unique=True,
            postgresql_where=text("cle_reference IS NOT NULL"),
        ),
        {"comment": "Numéros de téléphone des établissements et numéros d'urgence nationaux."},
    )

    id_numero: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant du numéro.", info={"exemple": "7"}
    )
    id_etablissement: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("etablissement_sante.id_etablissement", ondelete="CASCADE"),
        comment="Établissement ; vide pour un numéro national.",
        info={"exemple": "42"},
    )
    numero: Mapped[str] = mapped_column(
        String(16),
        nullable=False,
        comment="Numéro composable : E.164 ou numéro court.",
        info={"exemple": "+2252722480000"},
    )
    libelle: Mapped[str] = mapped_column(
        String(100), nullable=False, comment="Libellé affiché.", info={"exemple": "Accueil"}
    )
    type_numero: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        server_default="standard",
        comment="Type : " + ", ".join(TYPES_NUMERO) + ".",
        info={"exemple": "urgence"},
    )
    service: Mapped[str | None] = mapped_column(
        String(100),
        comment="Service qui répond (numéros nationaux).",
        info={"exemple": "SAMU"},
    )
    description: Mapped[str | None] = mapped_column(
        Text, comment="Quand appeler ce numéro.", info={"exemple": "Urgences médicales"}
    )
    confiance: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        server_default="a_verifier",
        comment="Fiabilité : " + ", ".join(CONFIANCES) + ".",
        info={"exemple": "confirme"},
    )
    numero_source: Mapped[str | None] = mapped_column(
        String(40),
        comment="Numéro tel qu'écrit dans la source (avant conversion au plan à 10 chiffres).",
        info={"exemple": "+225 22 48 00 00"},
    )
    cle_reference: Mapped[str | None] = mapped_column(
        String(40),
        comment=(
            "Clé d'un numéro semé par Hostolink (ex. samu) : le semis ne l'ajoute qu'une fois, "
            "un administrateur peut ensuite le modifier ou le retirer."
        ),
        info={"exemple": "samu"},
    )
    ordre: Mapped[int] = mapped_column(
        SmallInteger,
        nullable=False,
        server_default="0",
        comment="Ordre d'affichage.",
        info={"exemple": "1"},
    )
    actif: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=text("true"),
        comment="Faux quand le numéro est retiré de l'affichage.",
        info={"exemple": "true"},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date d'ajout.",
        info={"exemple": "2026-01-15 10:00:00+00"},
    )
    date_modification: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date de modification (ETag de la liste publique).",
        info={"exemple": "2026-02-01 08:30:00+00"},
    )
