"""`publication_media`: the images of a post, in order (a post has 0..n images)."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Index, SmallInteger
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import foreign_key, media_id, primary_key


class PublicationMedia(Base):
    __tablename__ = "publication_media"
    __table_args__ = (
        CheckConstraint("position BETWEEN 1 AND 10", name="position_valide"),
        Index("ix_publication_media_id_media", "id_media"),
        {"comment": "Images d'une publication, dans l'ordre d'affichage."},
    )

    id_publication: Mapped[int] = foreign_key(
        BigInteger,
        "publication.id_publication",
        "CASCADE",
        "Publication.",
        "5120",
        primary_key=True,
    )
    position: Mapped[int] = primary_key(
        SmallInteger, "Rang de l'image (1 à 10).", "1", autoincrement=False
    )
    id_media: Mapped[int] = media_id("RESTRICT", "Image.", "640")
