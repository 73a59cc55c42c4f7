"""The errors of account deletion."""

from __future__ import annotations

from hostolink.errors import Conflict, HostolinkError


class DeletionRefused(Conflict):
    """409 with the reasons (`raisons`: code, message, que_faire) in the body."""

    message = "Votre compte ne peut pas être supprimé pour le moment."


class ConfirmationMissing(HostolinkError):
    status_code = 422
    message = "Pour confirmer, écrivez SUPPRIMER en majuscules dans le champ « confirmation »."
