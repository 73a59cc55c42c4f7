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
    CheckConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, flag, primary_key, timestamp_now, user_id
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
    "assistance",
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
        # Help-desk attachments (receipts, screenshots of a wallet) are private too.
        CheckConstraint("usage <> 'assistance' OR prive", name="assistance_privee"),
        UniqueConstraint("stockage", "cle_stockage"),
        Index("ix_media_id_user", "id_user"),
        {"comment": "Image téléversée (Cloudinary ou disque local)."},
    )

    id_media: Mapped[int] = primary_key(BigInteger, "Identifiant.", "640")
    id_user: Mapped[int | None] = user_id(
        "SET NULL", "Personne qui a téléversé le fichier.", "1001"
    )
    stockage: Mapped[str] = column(
        String(12), "Où est le fichier : cloudinary ou local.", "cloudinary"
    )
    cle_stockage: Mapped[str] = column(
        String(255), "public_id Cloudinary ou chemin relatif local.", "hostolink/publication/9f2c1e"
    )
    url: Mapped[str | None] = column(
        String(500),
        "URL publique ; vide pour un fichier privé (lien signé à la demande).",
        "https://res.cloudinary.com/…/9f2c1e.webp",
    )
    type_mime: Mapped[str] = column(
        String(20), "Type détecté sur les octets : " + ", ".join(TYPES_MIME) + ".", "image/webp"
    )
    largeur: Mapped[int] = column(Integer, "Largeur en pixels.", "1080")
    hauteur: Mapped[int] = column(Integer, "Hauteur en pixels.", "1350")
    taille_octets: Mapped[int] = column(Integer, "Taille en octets.", "184223")
    usage: Mapped[str] = column(String(20), "Usage : " + ", ".join(USAGES) + ".", "publication")
    prive: Mapped[bool] = flag(
        False, "Vrai : servi uniquement par lien signé et expirant.", "false"
    )
    date_creation: Mapped[datetime] = timestamp_now(
        "Date de téléversement.", "2026-03-01 12:00:00+00"
    )
