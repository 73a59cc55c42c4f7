"""`publication_media`: the images of a post, in order (a post has 0..n images)."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class PublicationMedia(Base):
    __tablename__ = "publication_media"
    __table_args__ = (
        CheckConstraint("position BETWEEN 1 AND 10", name="position_valide"),
        Index("ix_publication_media_id_media", "id_media"),
        {"comment": "Images d'une publication, dans l'ordre d'affichage."},
    )

    id_publication: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("publication.id_publication", ondelete="CASCADE"),
        primary_key=True,
        comment="Publication.",
        info={"exemple": "5120"},
    )
    position: Mapped[int] = mapped_column(
        SmallInteger,
        primary_key=True,
        autoincrement=False,
        comment="Rang de l'image (1 à 10).",
        info={"exemple": "1"},
    )
    id_media: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("media.id_media", ondelete="RESTRICT"),
        nullable=False,
        comment="Image.",
        info={"exemple": "640"},
    )
