"""Refusals of deposits and withdrawals, each with an honest status and a French message."""

from __future__ import annotations

from hostolink.errors import Conflict, Forbidden, HostolinkError, NotFound, Unauthorized


class UnknownRail(NotFound):
    message = (
        "Moyen de paiement inconnu. Choisissez parmi : orange_money, mtn_momo, moov_money, "
        "wave, djamo, banque, sandbox (voir /api/fournisseurs)."
    )


class RailUnavailable(HostolinkError):
    status_code = 503
    message = "Ce moyen de paiement n'est pas disponible pour le moment."


class InvalidNumber(HostolinkError):
    status_code = 422
    message = "Numéro de téléphone invalide : indiquez un numéro ivoirien à 10 chiffres."


class WrongOperator(HostolinkError):
    status_code = 422
    message = "Ce numéro n'appartient pas à l'opérateur choisi."


class WalletNotActive(Forbidden):
    message = "Votre portefeuille est gelé ou fermé. Contactez le support Hostolink."


class DepositLimit(Forbidden):
    message = "Ce dépôt dépasse les plafonds de votre niveau de vérification."


class OperationNotFound(NotFound):
    message = "Opération introuvable."


class AlreadyFinal(Conflict):
    message = "Cette opération est déjà finalisée."


class PayoutNotAcknowledged(Conflict):
    message = (
        "Le fournisseur n'a pas encore accusé réception de ce retrait : attendez sa réponse "
        "ou son passage « à vérifier »."
    )


class CallbackRefused(Unauthorized):
    message = "Notification refusée : signature ou jeton invalide."


class UnknownProvider(NotFound):
    message = "Fournisseur inconnu ou non configuré."
