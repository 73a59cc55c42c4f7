"""Named permissions. A route names the one it needs (`deps.require`); a person holds the
union of the permissions of their roles, read from `role_permission` on every request, so
changing a role's permissions or a person's roles takes effect at the next request."""

from __future__ import annotations

# What every person may do with their own data (the `user` role).
PROFILE_MANAGE = "profil:gerer"
WALLET_USE = "portefeuille:utiliser"
SOCIAL_POST = "social:publier"
DISCUSSIONS_TAKE_PART = "discussions:participer"

# Establishment managers and experts.
ESTABLISHMENT_MANAGE = "etablissement:gerer"
PAYMENTS_RECEIVE = "paiements:recevoir"
DISCUSSIONS_ANSWER = "discussions:repondre"

# Support agents: answer the help desk; propose the resolution of a claim; edit the FAQ and
# the canned answers. Approving a claim's resolution above the threshold (the second pair
# of eyes) is an administrator's.
SUPPORT_ANSWER = "support:repondre"
CLAIMS_RESOLVE = "reclamations:traiter"
CLAIMS_APPROVE = "reclamations:approuver"
HELP_MANAGE = "aide:gerer"

# Administration.
USERS_READ = "utilisateurs:lire"
USERS_SUSPEND = "utilisateurs:suspendre"
KYC_REVIEW = "kyc:valider"
MODERATION = "moderation:gerer"
TRANSACTIONS_READ = "transactions:lire"
TRANSACTIONS_REVERSE = "transactions:annuler"
ACCOUNTS_ADJUST = "comptes:ajuster"
ACCOUNTS_STATUS = "comptes:geler"
DIRECTORY_MANAGE = "annuaire:gerer"
MANAGERS_VALIDATE = "gestionnaires:valider"
CONTENTS_MANAGE = "contenus:gerer"
OPERATIONS_READ = "operations:lire"
OPERATIONS_MANAGE = "operations:gerer"
AUDIT_READ = "journal:lire"
# The job desk: the background queue's state, and retrying or cancelling a job.
TASKS_READ = "taches:lire"
TASKS_MANAGE = "taches:gerer"
# The supervision page: the health of the service, its queues and counters (read only).
SUPERVISION_READ = "supervision:lire"

# Super-administration.
ROLES_ASSIGN = "roles:attribuer"
FEES_MANAGE = "frais:gerer"
# Referral campaigns: bonus amounts, budget and window (company money, like the fees).
REFERRAL_MANAGE = "parrainage:gerer"

ADMINISTRATION: tuple[str, ...] = (
    USERS_READ,
    USERS_SUSPEND,
    KYC_REVIEW,
    MODERATION,
    TRANSACTIONS_READ,
    TRANSACTIONS_REVERSE,
    ACCOUNTS_ADJUST,
    ACCOUNTS_STATUS,
    DIRECTORY_MANAGE,
    MANAGERS_VALIDATE,
    CONTENTS_MANAGE,
    OPERATIONS_READ,
    OPERATIONS_MANAGE,
    AUDIT_READ,
    TASKS_READ,
    TASKS_MANAGE,
    SUPERVISION_READ,
    SUPPORT_ANSWER,
    CLAIMS_RESOLVE,
    CLAIMS_APPROVE,
    HELP_MANAGE,
)
SUPER_ADMINISTRATION: tuple[str, ...] = (ROLES_ASSIGN, FEES_MANAGE, REFERRAL_MANAGE)
