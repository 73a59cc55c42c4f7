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
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, primary_key, timestamp, timestamp_now, user_id, zero
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

    id_publication: Mapped[int] = primary_key(BigInteger, "Identifiant.", "5120")
    id_user: Mapped[int] = user_id("CASCADE", "Auteur (toujours la personne authentifiée).", "1001")
    titre_publication: Mapped[str | None] = column(
        String(255), "Titre facultatif.", "Journée de dépistage"
    )
    contenu: Mapped[str] = column(
        Text, "Texte de la publication.", "Dépistage gratuit samedi au CSU de Yopougon."
    )
    statut: Mapped[str] = column(
        String(10),
        "Statut : publie, masque (modération), supprime (par l'auteur).",
        "publie",
        server_default="publie",
    )
    compteur_like: Mapped[int] = zero(BigInteger, "Nombre de « j'aime » (= lignes de liker).", "12")
    nombre_commentaires: Mapped[int] = zero(BigInteger, "Nombre de commentaires publiés.", "3")
    nombre_partages: Mapped[int] = zero(BigInteger, "Nombre de partages.", "1")
    date_publication: Mapped[datetime] = timestamp_now(
        "Date de publication.", "2026-03-01 12:00:00+00"
    )
    date_modification: Mapped[datetime | None] = timestamp(
        "Date de dernière modification.", "2026-03-01 12:30:00+00"
    )
