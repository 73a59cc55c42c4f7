"""Refusals of the QR code routes, each with an honest status and a French message."""

from __future__ import annotations

from hostolink.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    HostolinkError,
    NotFound,
    UnsupportedMediaType,
)


class Gone(HostolinkError):
    status_code = 410
    message = "Cette ressource n'est plus disponible."


class Unprocessable(HostolinkError):
    status_code = 422
    message = "Contenu illisible."


class MalformedQrCode(BadRequest):
    message = "Ce QR code n'est pas un QR code de paiement Hostolink."


class InvalidQrCode(BadRequest):
    # Forged, altered, or signed with a retired key: one message for all, so that nobody
    # learns which part of a forgery was wrong.
    message = "QR code invalide ou révoqué."


class QrCodeNotFound(NotFound):
    message = "QR code introuvable."


class QrCodeExpired(Gone):
    message = "Ce QR code a expiré."


class QrCodeRevoked(Gone):
    message = "Ce QR code a été désactivé par son propriétaire."


class QrCodeAlreadyPaid(Conflict):
    message = "Ce QR code a déjà été payé."


class StaticQrNotRevocable(Conflict):
    message = (
        "Le QR code statique de votre compte ne peut pas être révoqué : seuls les QR codes "
        "à montant fixe peuvent l'être."
    )


class WalletCannotReceive(Forbidden):
    message = (
        "Votre portefeuille est gelé ou fermé : il ne peut pas recevoir de paiement. "
        "Contactez le support Hostolink."
    )


class UnsupportedImage(UnsupportedMediaType):
    message = "Envoyez une image JPEG, PNG ou WebP (champ « image »)."


class UnreadableImage(Unprocessable):
    message = "Cette image est illisible ou endommagée."


class ImageTooLarge(Unprocessable):
    message = "Cette image a trop de pixels. Envoyez une photo de 40 mégapixels au plus."


class NoQrCodeFound(Unprocessable):
    message = "Aucun QR code lisible sur cette image"
