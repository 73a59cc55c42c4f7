"""`liste_numero_etablissement_sante` (owner's table): phone numbers to tap and call — an
establishment's numbers (E.164) and the national emergency numbers (short codes such as
SAMU 185), which belong to no establishment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    flag,
    foreign_key,
    primary_key,
    timestamp,
    timestamp_now,
    zero,
)
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

    id_numero: Mapped[int] = primary_key(BigInteger, "Identifiant du numéro.", "7")
    id_etablissement: Mapped[int | None] = foreign_key(
        Integer,
        "etablissement_sante.id_etablissement",
        "CASCADE",
        "Établissement ; vide pour un numéro national.",
        "42",
    )
    numero: Mapped[str] = column(
        String(16), "Numéro composable : E.164 ou numéro court.", "+2252722480000"
    )
    libelle: Mapped[str] = column(String(100), "Libellé affiché.", "Accueil")
    type_numero: Mapped[str] = column(
        String(20), "Type : " + ", ".join(TYPES_NUMERO) + ".", "urgence", server_default="standard"
    )
    service: Mapped[str | None] = column(
        String(100), "Service qui répond (numéros nationaux).", "SAMU"
    )
    description: Mapped[str | None] = column(Text, "Quand appeler ce numéro.", "Urgences médicales")
    confiance: Mapped[str] = column(
        String(20),
        "Fiabilité : " + ", ".join(CONFIANCES) + ".",
        "confirme",
        server_default="a_verifier",
    )
    numero_source: Mapped[str | None] = column(
        String(40),
        "Numéro tel qu'écrit dans la source (avant conversion au plan à 10 chiffres).",
        "+225 22 48 00 00",
    )
    cle_reference: Mapped[str | None] = column(
        String(40),
        "Clé d'un numéro semé par Hostolink (ex. samu) : le semis ne l'ajoute qu'une fois, "
        "un administrateur peut ensuite le modifier ou le retirer.",
        "samu",
    )
    ordre: Mapped[int] = zero(SmallInteger, "Ordre d'affichage.", "1")
    actif: Mapped[bool] = flag(True, "Faux quand le numéro est retiré de l'affichage.", "true")
    date_creation: Mapped[datetime] = timestamp_now("Date d'ajout.", "2026-01-15 10:00:00+00")
    date_modification: Mapped[datetime | None] = timestamp(
        "Date de modification (ETag de la liste publique).", "2026-02-01 08:30:00+00"
    )
