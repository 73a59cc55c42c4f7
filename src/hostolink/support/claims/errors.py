"""The claims' refusals, in French."""

from __future__ import annotations

from hostolink.errors import Conflict, Forbidden, HostolinkError, NotFound


class ClaimNotFound(NotFound):
    message = "Réclamation introuvable."


class ConversationNotFound(NotFound):
    message = "Conversation introuvable."


class OperationNotFound(NotFound):
    message = "Opération introuvable."


class NoClaimObject(HostolinkError):
    status_code = 422
    message = (
        "Cette conversation ne porte sur aucune transaction ni opération : "
        "indiquez celle que vous contestez."
    )


class ClaimInProgress(Conflict):
    message = "Une réclamation est déjà en cours pour cette opération."


class NotAwaitingDecision(Conflict):
    message = "Cette réclamation n'attend pas de décision."


class NotAwaitingApproval(Conflict):
    message = "Cette réclamation n'a pas de décision en attente d'approbation."


class OwnProposal(Forbidden):
    message = "Vous avez proposé cette décision : une autre personne doit l'approuver."


class OperationInProgress(Conflict):
    message = (
        "L'opération est encore en cours auprès de l'opérateur : attendez son issue "
        "avant de la contre-passer."
    )


class NothingToReverse(Conflict):
    message = "Ce dépôt n'a rien crédité : il n'y a rien à contre-passer."


class NoWallet(Conflict):
    message = "Cette personne n'a pas de portefeuille à ajuster."
