"""`publication` (owner's table): a post of the social network. The author is always one
person (`id_user`, from the caller's token): the previous back end's four optional author
ids (user, establishment, admin, expert) are gone — an establishment or an expert posts
through the person who manages or is it. Counters are kept exact by updating them in the
same database transaction as the like/comment/share row."""

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
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.types import one_of

STATUTS_CONTENU = ("publie", "masque", "supprime")


class Publication(Base):
    __tablename__ = "publication"
    __table_args__ = (
        CheckConstraint(one_of("statut", STATUTS_CONTENU), name="statut_valide"),
        CheckConstraint("length(btrim(contenu)) > 0", name="contenu_non_vide"),
        CheckConstraint(
            "compteur_like >= 0 AND nombre_commentaires >= 0 AND nombre_partages >= 0",
            name="compteurs_positifs",
        ),
        # The feed: newest first, cursor on (date_publication, id_publication).
        Index(
            "ix_publication_fil",
            "date_publication",
            "id_publication",
            postgresql_where=text("statut = 'publie'"),
        ),
        Index("ix_publication_id_user_date", "id_user", "date_publication", "id_publication"),
        {"comment": "Publication du réseau social."},
    )

    id_publication: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "5120"}
    )
    id_user: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        nullable=False,
        comment="Auteur (toujours la personne authentifiée).",
        info={"exemple": "1001"},
    )
    titre_publication: Mapped[str | None] = mapped_column(
        String(255), comment="Titre facultatif.", info={"exemple": "Journée de dépistage"}
    )
    contenu: Mapped[str] = mapped_column(
        Text,
        nullable=False,
        comment="Texte de la publication.",
        info={"exemple": "Dépistage gratuit samedi au CSU de Yopougon."},
    )
    statut: Mapped[str] = mapped_column(
        String(10),
        nullable=False,
        server_default="publie",
        comment="Statut : publie, masque (modération), supprime (par l'auteur).",
        info={"exemple": "publie"},
    )
    compteur_like: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        server_default="0",
        comment="Nombre de « j'aime » (= lignes de liker).",
        info={"exemple": "12"},
    )
    nombre_commentaires: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        server_default="0",
        comment="Nombre de commentaires publiés.",
        info={"exemple": "3"},
    )
    nombre_partages: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        server_default="0",
        comment="Nombre de partages.",
        info={"exemple": "1"},
    )
    date_publication: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de publication.",
        info={"exemple": "2026-03-01 12:00:00+00"},
    )
    date_modification: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date de dernière modification.",
        info={"exemple": "2026-03-01 12:30:00+00"},
    )
