"""`media`: one uploaded image (Cloudinary or local disk), referenced by posts, messages,
announcements, ads, rooms, establishments and identity documents.

References to a media are ON DELETE RESTRICT: a file is deleted only by the clean-up job once
nothing points at it (and the file itself is removed from storage first). The uploader is
SET NULL, so deleting a person never fails on their uploads; their private files (KYC) go
with the rows that reference them, and the clean-up job then purges the orphans."""

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
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.types import one_of

STOCKAGES = ("cloudinary", "local")
TYPES_MIME = ("image/jpeg", "image/png", "image/webp")
USAGES = (
    "photo_profil",
    "publication",
    "message",
    "thematique",
    "annonce",
    "publicite",
    "etablissement",
    "identite",
)


class Media(Base):
    __tablename__ = "media"
    __table_args__ = (
        CheckConstraint(one_of("stockage", STOCKAGES), name="stockage_valide"),
        CheckConstraint(one_of("type_mime", TYPES_MIME), name="type_mime_valide"),
        CheckConstraint(one_of("usage", USAGES), name="usage_valide"),
        CheckConstraint("largeur > 0 AND hauteur > 0 AND taille_octets > 0", name="dimensions"),
        # Identity documents are never public.
        CheckConstraint("usage <> 'identite' OR prive", name="identite_privee"),
        UniqueConstraint("stockage", "cle_stockage"),
        Index("ix_media_id_user", "id_user"),
        {"comment": "Image téléversée (Cloudinary ou disque local)."},
    )

    id_media: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "640"}
    )
    id_user: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="SET NULL"),
        comment="Personne qui a téléversé le fichier.",
        info={"exemple": "1001"},
    )
    stockage: Mapped[str] = mapped_column(
        String(12),
        nullable=False,
        comment="Où est le fichier : cloudinary ou local.",
        info={"exemple": "cloudinary"},
    )
    cle_stockage: Mapped[str] = mapped_column(
        String(255),
        nullable=False,
        comment="public_id Cloudinary ou chemin relatif local.",
        info={"exemple": "hostolink/publication/9f2c1e"},
    )
    url: Mapped[str | None] = mapped_column(
        String(500),
        comment="URL publique ; vide pour un fichier privé (lien signé à la demande).",
        info={"exemple": "https://res.cloudinary.com/…/9f2c1e.webp"},
    )
    type_mime: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        comment="Type détecté sur les octets : " + ", ".join(TYPES_MIME) + ".",
        info={"exemple": "image/webp"},
    )
    largeur: Mapped[int] = mapped_column(
        Integer, nullable=False, comment="Largeur en pixels.", info={"exemple": "1080"}
    )
    hauteur: Mapped[int] = mapped_column(
        Integer, nullable=False, comment="Hauteur en pixels.", info={"exemple": "1350"}
    )
    taille_octets: Mapped[int] = mapped_column(
        Integer, nullable=False, comment="Taille en octets.", info={"exemple": "184223"}
    )
    usage: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        comment="Usage : " + ", ".join(USAGES) + ".",
        info={"exemple": "publication"},
    )
    prive: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="Vrai : servi uniquement par lien signé et expirant.",
        info={"exemple": "false"},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de téléversement.",
        info={"exemple": "2026-03-01 12:00:00+00"},
    )
