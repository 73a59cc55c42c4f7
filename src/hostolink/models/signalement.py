"""`signalement`: a report of a post, comment or message, queued for moderation. The target
is exactly one of three nullable foreign keys (CHECK num_nonnulls = 1) — never a polymorphic
id — and a person reports a given target once (UNIQUE NULLS NOT DISTINCT, PostgreSQL 15+)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    foreign_key,
    primary_key,
    timestamp,
    timestamp_now,
    user_id,
)
from hostolink.models.types import one_of

MOTIFS = ("spam", "haine", "harcelement", "desinformation", "contenu_choquant", "autre")
STATUTS = ("en_attente", "contenu_masque", "rejete")


class Signalement(Base):
    __tablename__ = "signalement"
    __table_args__ = (
        CheckConstraint(
            "num_nonnulls(id_publication, id_commentaire, id_message) = 1", name="une_cible"
        ),
        CheckConstraint(one_of("motif", MOTIFS), name="motif_valide"),
        CheckConstraint(one_of("statut", STATUTS), name="statut_valide"),
        UniqueConstraint(
            "id_user",
            "id_publication",
            "id_commentaire",
            "id_message",
            postgresql_nulls_not_distinct=True,
        ),
        Index(
            "ix_signalement_file_moderation",
            "date_creation",
            postgresql_where=text("statut = 'en_attente'"),
        ),
        Index("ix_signalement_id_publication", "id_publication"),
        Index("ix_signalement_id_commentaire", "id_commentaire"),
        Index("ix_signalement_id_message", "id_message"),
        {"comment": "Signalement d'un contenu, file de modération."},
    )

    id_signalement: Mapped[int] = primary_key(BigInteger, "Identifiant.", "61")
    id_user: Mapped[int] = user_id("CASCADE", "Personne qui signale.", "1003")
    id_publication: Mapped[int | None] = foreign_key(
        BigInteger, "publication.id_publication", "CASCADE", "Publication signalée.", "5120"
    )
    id_commentaire: Mapped[int | None] = foreign_key(
        BigInteger, "commentaire.id_commentaire", "CASCADE", "Commentaire signalé.", ""
    )
    id_message: Mapped[int | None] = foreign_key(
        BigInteger, "message.id_message", "CASCADE", "Message signalé.", ""
    )
    motif: Mapped[str] = column(String(20), "Motif : " + ", ".join(MOTIFS) + ".", "spam")
    details: Mapped[str | None] = column(Text, "Précisions du signaleur.", "Publicité déguisée")
    statut: Mapped[str] = column(
        String(15),
        "Statut : " + ", ".join(STATUTS) + ".",
        "en_attente",
        server_default="en_attente",
    )
    id_moderateur: Mapped[int | None] = user_id(
        "SET NULL", "Administrateur qui a traité le signalement.", "1"
    )
    decision: Mapped[str | None] = column(
        Text, "Justification de la décision.", "Contenu publicitaire"
    )
    date_creation: Mapped[datetime] = timestamp_now(
        "Date du signalement.", "2026-03-01 14:00:00+00"
    )
    date_traitement: Mapped[datetime | None] = timestamp(
        "Date de la décision.", "2026-03-01 15:00:00+00"
    )
