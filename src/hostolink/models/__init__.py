"""Every table, one file each; importing this package registers them all on `Base.metadata`."""

from hostolink.models.appareil_push import AppareilPush
from hostolink.models.base import Base
from hostolink.models.compte import Compte
from hostolink.models.jeton_rafraichissement import JetonRafraichissement
from hostolink.models.message_sortant import MessageSortant
from hostolink.models.otp import Otp
from hostolink.models.role_permission import RolePermission, UtilisateurRole
from hostolink.models.tentative_authentification import TentativeAuthentification
from hostolink.models.utilisateur import Utilisateur
from hostolink.models.verification_compte import VerificationCompte

__all__ = [
    "AppareilPush",
    "Base",
    "Compte",
    "JetonRafraichissement",
    "MessageSortant",
    "Otp",
    "RolePermission",
    "TentativeAuthentification",
    "Utilisateur",
    "UtilisateurRole",
    "VerificationCompte",
]
