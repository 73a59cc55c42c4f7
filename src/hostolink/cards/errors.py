"""Refusals of the card domain, each with an honest status and a French message."""

from __future__ import annotations

from hostolink.errors import Conflict, ServiceUnavailable


class CardNotActivable(Conflict):
    message = "Cette carte est expirée ou annulée : elle ne peut plus être gelée ni dégelée."


class CardUnreadable(ServiceUnavailable):
    message = (
        "Les informations de votre carte sont momentanément indisponibles. "
        "Réessayez plus tard ou contactez le support Hostolink."
    )
