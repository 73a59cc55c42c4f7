"""Refusals of the wallet, each with an honest status and a French message."""

from __future__ import annotations

from hostolink.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    HostolinkError,
    NotFound,
    Unauthorized,
)


class PinRequired(Forbidden):
    message = (
        "Confirmez l'opération avec votre PIN (champ « pin » ou en-tête X-Jeton-Pin obtenu "
        "avec /api/portefeuille/jeton-pin)."
    )


class InvalidPinToken(Unauthorized):
    message = "Jeton de confirmation PIN invalide ou expiré. Saisissez à nouveau votre PIN."
    expired_message = message


class IdempotencyKeyRequired(BadRequest):
    message = (
        "L'en-tête Idempotency-Key est obligatoire pour un paiement (une valeur unique par "
        "paiement, réutilisée telle quelle en cas de nouvel essai)."
    )


class IdempotencyKeyReused(Conflict):
    message = (
        "Cette clé d'idempotence a déjà servi pour une autre requête. Utilisez une nouvelle "
        "clé pour un nouveau paiement."
    )


class IdempotencyInProgress(Conflict):
    message = "Une requête avec cette clé d'idempotence est en cours. Réessayez dans un instant."


class UnknownRecipient(NotFound):
    message = "Aucun utilisateur Hostolink ne correspond à ce destinataire."


class SelfTransfer(BadRequest):
    message = "Vous ne pouvez pas vous envoyer de l'argent à vous-même."


class SenderAccountFrozen(Forbidden):
    message = "Votre portefeuille est gelé ou fermé. Contactez le support Hostolink."


class RecipientAccountFrozen(Conflict):
    message = "Le portefeuille du destinataire ne peut pas recevoir d'argent pour le moment."
    # A closed wallet (its owner deleted the account, or the team closed it) never will.
    closed_message = (
        "Le portefeuille de ce destinataire est fermé (compte supprimé ou clôturé) : il ne "
        "peut plus recevoir d'argent. Rien n'a été débité."
    )


class InsufficientFunds(Conflict):
    message = "Solde insuffisant pour effectuer cette opération."


class LimitExceeded(Forbidden):
    message = "Plafond dépassé pour votre niveau de vérification."


class RecipientLimitExceeded(Conflict):
    message = (
        "Le destinataire ne peut pas recevoir ce montant : son solde dépasserait le plafond de "
        "son niveau de vérification."
    )


class TransactionNotFound(NotFound):
    message = "Transaction introuvable."


class AlreadyReversed(Conflict):
    message = "Cette transaction a déjà été contre-passée."


class NotReversible(Conflict):
    message = "Cette transaction ne peut pas être contre-passée."


class AmountRequired(HostolinkError):
    status_code = 422
    message = "Indiquez le montant : ce QR code accepte tout montant."


class AmountMismatch(HostolinkError):
    status_code = 422
    message = "Le montant ne correspond pas à celui du QR code."


class AccountNotEmpty(Conflict):
    message = "Un compte ne se ferme qu'avec un solde nul."
