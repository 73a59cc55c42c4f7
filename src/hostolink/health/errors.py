"""Refusals of the health directory, each with an honest status and a French message."""

from __future__ import annotations

from hostolink.errors import NotFound


class EstablishmentNotFound(NotFound):
    message = "Établissement introuvable."
