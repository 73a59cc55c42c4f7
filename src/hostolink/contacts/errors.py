"""Refusals of the saved-contacts routes, each with an honest status and a French message.

Another person's contact answers exactly like a contact that does not exist (404, never
403): its existence is not revealed."""

from __future__ import annotations

from typing import Any

from hostolink.errors import BadRequest, Conflict, NotFound


class ContactNotFound(NotFound):
    message = "Contact introuvable."


class UnknownUser(NotFound):
    # A suspended person is "unknown" too: whether an account exists and why it is
    # unavailable is nobody else's business.
    message = "Aucun utilisateur Hostolink n'utilise cet identifiant."


class CannotSaveSelf(BadRequest):
    message = "Vous ne pouvez pas vous enregistrer vous-même comme contact."


class ContactAlreadySaved(Conflict):
    message = "Ce contact est déjà enregistré."

    def __init__(self, *, id_contact: int | None) -> None:
        # The existing contact's id, so that the app can open it instead.
        extra: dict[str, Any] = {"id_contact": id_contact} if id_contact else {}
        super().__init__(extra=extra)


class TooManyContacts(Conflict):
    def __init__(self, *, limit: int) -> None:
        super().__init__(
            f"Vous avez atteint le nombre maximal de contacts enregistrés ({limit}). "
            "Supprimez-en un pour en ajouter un autre."
        )
