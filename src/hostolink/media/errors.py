"""Refusals of the media routes, each with an honest status and a French message."""

from __future__ import annotations

from hostolink.errors import (
    Conflict,
    HostolinkError,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
)


class Unprocessable(HostolinkError):
    status_code = 422
    message = "Image illisible."


class ImageTooHeavy(PayloadTooLarge):
    message = "Image trop volumineuse."

    def __init__(self, max_bytes: int) -> None:
        megabytes = max_bytes / (1024 * 1024)
        super().__init__(f"Image trop volumineuse : {megabytes:.4g} Mo au plus.")


class UnsupportedImage(UnsupportedMediaType):
    message = "Format d'image non pris en charge : envoyez une photo JPEG, PNG ou WebP."


class UnreadableImage(Unprocessable):
    message = "Cette image est illisible ou endommagée."


class ImageTooLarge(Unprocessable):
    message = "Cette image a trop de pixels."

    @classmethod
    def sides(cls, max_side: int) -> ImageTooLarge:
        return cls(f"Cette image est trop grande : {max_side} pixels de côté au plus.")


class UnknownMedia(Unprocessable):
    message = "Image inconnue : téléversez-la d'abord (POST /api/medias)."


class MediaNotFound(NotFound):
    message = "Image introuvable."


class MediaInUse(Conflict):
    message = "Cette image est encore utilisée (publication, message…) : retirez-la d'abord."


class StorageUnavailable(ServiceUnavailable):
    message = "Le service d'images est indisponible, réessayez plus tard."
