"""`signalement`: a report of a post, comment or message, queued for moderation. The target
is exactly one of three nullable foreign keys (CHECK num_nonnulls = 1) — never a polymorphic
id — and a person reports a given target once (UNIQUE NULLS NOT DISTINCT, PostgreSQL 15+)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
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

    id_signalement: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "61"}
    )
    id_user: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        nullable=False,
        comment="Personne qui signale.",
        info={"exemple": "1003"},
    )
    id_publication: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("publication.id_publication", ondelete="CASCADE"),
        comment="Publication signalée.",
        info={"exemple": "5120"},
    )
    id_commentaire: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("commentaire.id_commentaire", ondelete="CASCADE"),
        comment="Commentaire signalé.",
        info={"exemple": ""},
    )
    id_message: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("message.id_message", ondelete="CASCADE"),
        comment="Message signalé.",
        info={"exemple": ""},
    )
    motif: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        comment="Motif : " + ", ".join(MOTIFS) + ".",
        info={"exemple": "spam"},
    )
    details: Mapped[str | None] = mapped_column(
        Text, comment="Précisions du signaleur.", info={"exemple": "Publicité déguisée"}
    )
    statut: Mapped[str] = mapped_column(
        String(15),
        nullable=False,
        server_default="en_attente",
        comment="Statut : " + ", ".join(STATUTS) + ".",
        info={"exemple": "en_attente"},
    )
    id_moderateur: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="SET NULL"),
        comment="Administrateur qui a traité le signalement.",
        info={"exemple": "1"},
    )
    decision: Mapped[str | None] = mapped_column(
        Text, comment="Justification de la décision.", info={"exemple": "Contenu publicitaire"}
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date du signalement.",
        info={"exemple": "2026-03-01 14:00:00+00"},
    )
    date_traitement: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date de la décision.",
        info={"exemple": "2026-03-01 15:00:00+00"},
    )
