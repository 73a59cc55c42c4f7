"""Refusals of establishment accounts and their experts, each with an honest status and a
French message. An establishment that does not exist is the directory's
`EstablishmentNotFound` (`health.errors`)."""

from __future__ import annotations

from hostolink.errors import Conflict, Forbidden, NotFound


class AlreadyMember(Conflict):
    message = (
        "Vous avez déjà une demande en cours pour cet établissement, ou vous en êtes déjà membre."
    )


class RequestNotFound(NotFound):
    message = "Demande de gestion introuvable."


class RequestNotPending(Conflict):
    message = "Cette demande a déjà été traitée."


class OwnRequest(Forbidden):
    message = "Vous ne pouvez pas approuver votre propre demande de gestion."


class NotManager(Forbidden):
    message = "Réservé aux gestionnaires approuvés de cet établissement."


class MerchantAccountMissing(NotFound):
    message = "Cet établissement n'a pas encore de compte marchand."


class MerchantCannotReceive(Forbidden):
    message = (
        "Le compte marchand de cet établissement est gelé ou fermé : il ne peut pas recevoir "
        "de paiement. Contactez le support Hostolink."
    )


class PersonNotFound(NotFound):
    message = "Aucun compte Hostolink ne correspond à cet identifiant."


class InvalidExpertIdentifier(NotFound):
    status_code = 422
    message = "Identifiant invalide : indiquez un numéro de téléphone ou une adresse e-mail."


class AlreadyInvited(Conflict):
    message = "Cette personne est déjà membre de l'établissement, ou déjà invitée."


class ExpertNotFound(NotFound):
    message = "Cet expert n'est pas rattaché à l'établissement."


class InvitationNotFound(NotFound):
    message = "Invitation introuvable."
