"""Every table, one file each; importing this package registers them all on `Base.metadata`."""

from hostolink.models.annonce import Annonce
from hostolink.models.appareil_push import AppareilPush
from hostolink.models.assistance import ConversationAssistance, MessageAssistance, ReponseType
from hostolink.models.bareme_frais import BaremeFrais
from hostolink.models.base import Base
from hostolink.models.carte_bancaire import CarteBancaire
from hostolink.models.changement_identifiant import ChangementIdentifiant
from hostolink.models.cle_idempotence import CleIdempotence
from hostolink.models.commentaire import Commentaire
from hostolink.models.compte import Compte
from hostolink.models.contacts_enregistres import ContactsEnregistres
from hostolink.models.controle_grand_livre import ControleGrandLivre
from hostolink.models.ecriture import Ecriture
from hostolink.models.etablissement_sante import EtablissementSante
from hostolink.models.export_donnees import ExportDonnees
from hostolink.models.historique_operation import HistoriqueOperation
from hostolink.models.horaire_etablissement import HoraireEtablissement
from hostolink.models.jeton_rafraichissement import JetonRafraichissement
from hostolink.models.journal_audit import JournalAudit
from hostolink.models.liker import Liker
from hostolink.models.liste_numero_etablissement_sante import ListeNumeroEtablissementSante
from hostolink.models.localisation import Localisation
from hostolink.models.media import Media
from hostolink.models.membre_etablissement import MembreEtablissement
from hostolink.models.membre_thematique import MembreThematique
from hostolink.models.message import Message
from hostolink.models.message_sortant import MessageSortant
from hostolink.models.notification import Notification
from hostolink.models.operation_bac_a_sable import OperationBacASable
from hostolink.models.operation_fournisseur import OperationFournisseur
from hostolink.models.otp import Otp
from hostolink.models.parrainage import (
    CampagneParrainage,
    CodeParrainage,
    Parrainage,
    RecompenseParrainage,
)
from hostolink.models.partages import Partages
from hostolink.models.plafond_kyc import PlafondKyc
from hostolink.models.provenance_etablissement import ProvenanceEtablissement
from hostolink.models.publication import Publication
from hostolink.models.publication_media import PublicationMedia
from hostolink.models.publicite import Publicite
from hostolink.models.qr_code_paiement import QrCodePaiement
from hostolink.models.question_frequente import QuestionFrequente
from hostolink.models.reclamations import Reclamations
from hostolink.models.role_permission import RolePermission, UtilisateurRole
from hostolink.models.signalement import Signalement
from hostolink.models.sous_compte_systeme import SousCompteSysteme
from hostolink.models.tache import Tache
from hostolink.models.tentative_authentification import TentativeAuthentification
from hostolink.models.thematiques import Thematiques
from hostolink.models.transaction import Transaction
from hostolink.models.utilisateur import Utilisateur
from hostolink.models.verification_compte import VerificationCompte
from hostolink.models.verification_identite import VerificationIdentite
from hostolink.models.version_annuaire import VersionAnnuaire
from hostolink.models.visite_partage import VisitePartage
from hostolink.models.webhook_entrant import WebhookEntrant

__all__ = [
    "Annonce",
    "AppareilPush",
    "BaremeFrais",
    "Base",
    "CampagneParrainage",
    "CarteBancaire",
    "ChangementIdentifiant",
    "CleIdempotence",
    "CodeParrainage",
    "Commentaire",
    "Compte",
    "ContactsEnregistres",
    "ControleGrandLivre",
    "ConversationAssistance",
    "Ecriture",
    "EtablissementSante",
    "ExportDonnees",
    "HistoriqueOperation",
    "HoraireEtablissement",
    "JetonRafraichissement",
    "JournalAudit",
    "Liker",
    "ListeNumeroEtablissementSante",
    "Localisation",
    "Media",
    "MembreEtablissement",
    "MembreThematique",
    "Message",
    "MessageAssistance",
    "MessageSortant",
    "Notification",
    "OperationBacASable",
    "OperationFournisseur",
    "Otp",
    "Parrainage",
    "Partages",
    "PlafondKyc",
    "ProvenanceEtablissement",
    "Publication",
    "PublicationMedia",
    "Publicite",
    "QrCodePaiement",
    "QuestionFrequente",
    "Reclamations",
    "RecompenseParrainage",
    "ReponseType",
    "RolePermission",
    "Signalement",
    "SousCompteSysteme",
    "Tache",
    "TentativeAuthentification",
    "Thematiques",
    "Transaction",
    "Utilisateur",
    "UtilisateurRole",
    "VerificationCompte",
    "VerificationIdentite",
    "VersionAnnuaire",
    "VisitePartage",
    "WebhookEntrant",
]
