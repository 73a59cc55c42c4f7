"""The back-office's generic screens: lists with search, sort and pagination, detail pages,
and edit forms for the reference data that has no rule beyond its constraints (fees, KYC
limits, rooms, announcements, ads, national emergency numbers). sqladmin draws them.

Money, people and anything with a rule of its own (reversals, suspensions, KYC decisions,
moderation, management requests) are never edited here: those rows are read-only and their
actions open the pages of `pages.py`, which go through the domain services.

Each view names the permission to read it and the one to change it (`PERMISSIONS`), checked
by `NamedPermissions` on every screen and button.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from markupsafe import Markup, escape
from sqladmin import ModelView
from sqladmin.formatters import BASE_FORMATTERS
from sqlalchemy import Select, select
from starlette.requests import Request

from hostolink.auth import permissions as p
from hostolink.backoffice.session import current_admin
from hostolink.models import (
    Annonce,
    BaremeFrais,
    Ecriture,
    EtablissementSante,
    JournalAudit,
    ListeNumeroEtablissementSante,
    OperationFournisseur,
    PlafondKyc,
    Publicite,
    Thematiques,
    Transaction,
    Utilisateur,
)

# identity → (permission to read, permission to change or None when read-only)
PERMISSIONS: dict[str, tuple[str, str | None]] = {}


def _link(url: str, text: Any) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url, escape(text))


class _View(ModelView):
    read_permission: ClassVar[str]
    write_permission: ClassVar[str | None] = None
    can_export = False
    page_size = 50
    page_size_options: ClassVar[list[int]] = [25, 50, 100]
    # Abidjan is on UTC all year: the stored instant is the local time.
    column_type_formatters: ClassVar[Any] = {
        **BASE_FORMATTERS,
        datetime: lambda value: value.strftime("%d/%m/%Y %H:%M"),
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        concrete = "read_permission" in cls.__dict__  # not the _Authored intermediate
        if concrete and cls.write_permission is None:
            cls.can_create = cls.can_edit = cls.can_delete = False


class PersonView(_View, model=Utilisateur):
    name = "Personne"
    name_plural = "Personnes"
    icon = "fa-solid fa-user"
    category = "Personnes"
    read_permission = p.USERS_READ
    column_list: ClassVar[Any] = [
        Utilisateur.id_user,
        Utilisateur.prenom,
        Utilisateur.nom,
        Utilisateur.telephone,
        Utilisateur.email,
        Utilisateur.niveau_kyc,
        Utilisateur.compte_verifier,
        Utilisateur.actif,
        Utilisateur.date_inscription,
    ]
    # Never a hash, a code or a token: only these columns exist for the screens.
    column_details_list: ClassVar[Any] = [
        *column_list,
        Utilisateur.pays,
        Utilisateur.raison_suspension,
        Utilisateur.derniere_connexion,
    ]
    column_searchable_list: ClassVar[Any] = [
        Utilisateur.telephone,
        Utilisateur.email,
        Utilisateur.nom,
        Utilisateur.prenom,
    ]
    column_sortable_list: ClassVar[Any] = [Utilisateur.id_user, Utilisateur.date_inscription]
    column_default_sort: ClassVar[Any] = [(Utilisateur.id_user, True)]
    column_labels: ClassVar[Any] = {
        Utilisateur.id_user: "N°",
        Utilisateur.prenom: "Prénom",
        Utilisateur.nom: "Nom",
        Utilisateur.telephone: "Téléphone",
        Utilisateur.email: "E-mail",
        Utilisateur.niveau_kyc: "Niveau KYC",
        Utilisateur.compte_verifier: "Vérifié",
        Utilisateur.actif: "Actif",
        Utilisateur.date_inscription: "Inscription",
        Utilisateur.pays: "Pays",
        Utilisateur.raison_suspension: "Motif de suspension",
        Utilisateur.derniere_connexion: "Dernière connexion",
    }
    column_formatters: ClassVar[Any] = {
        Utilisateur.id_user: lambda m, _a: _link(f"/admin/fiche/{m.id_user}", m.id_user),
    }


class TransactionView(_View, model=Transaction):
    name = "Transaction"
    name_plural = "Transactions"
    icon = "fa-solid fa-money-bill-transfer"
    category = "Argent"
    read_permission = p.TRANSACTIONS_READ
    column_list: ClassVar[Any] = [
        Transaction.reference,
        Transaction.type_transaction,
        Transaction.statut,
        Transaction.montant,
        Transaction.frais,
        Transaction.id_compte_source,
        Transaction.id_compte_destination,
        Transaction.id_user_initiateur,
        Transaction.date_creation,
    ]
    column_searchable_list: ClassVar[Any] = [Transaction.reference]
    column_sortable_list: ClassVar[Any] = [Transaction.date_creation, Transaction.montant]
    column_default_sort: ClassVar[Any] = [(Transaction.date_creation, True)]
    column_labels: ClassVar[Any] = {
        Transaction.reference: "Référence",
        Transaction.type_transaction: "Type",
        Transaction.statut: "Statut",
        Transaction.montant: "Montant (F CFA)",
        Transaction.frais: "Frais",
        Transaction.id_compte_source: "Compte débité",
        Transaction.id_compte_destination: "Compte crédité",
        Transaction.id_user_initiateur: "Initiée par",
        Transaction.date_creation: "Date",
    }
    column_formatters: ClassVar[Any] = {
        Transaction.reference: lambda m, _a: _link(
            f"/admin/transactions/{m.reference}", m.reference
        ),
        Transaction.id_user_initiateur: lambda m, _a: (
            _link(f"/admin/fiche/{m.id_user_initiateur}", m.id_user_initiateur)
            if m.id_user_initiateur
            else ""
        ),
    }


class LedgerView(_View, model=Ecriture):
    name = "Écriture"
    name_plural = "Écritures du grand livre"
    icon = "fa-solid fa-book"
    category = "Argent"
    read_permission = p.TRANSACTIONS_READ
    column_list: ClassVar[Any] = [
        Ecriture.id_ecriture,
        Ecriture.id_transaction,
        Ecriture.id_compte,
        Ecriture.montant,
        Ecriture.solde_apres,
        Ecriture.date_creation,
    ]
    column_sortable_list: ClassVar[Any] = [Ecriture.id_ecriture]
    column_default_sort: ClassVar[Any] = [(Ecriture.id_ecriture, True)]
    column_labels: ClassVar[Any] = {
        Ecriture.id_ecriture: "N°",
        Ecriture.id_transaction: "Transaction",
        Ecriture.id_compte: "Compte",
        Ecriture.montant: "Montant signé",
        Ecriture.solde_apres: "Solde après",
        Ecriture.date_creation: "Date",
    }


class OperationView(_View, model=OperationFournisseur):
    name = "Dépôt ou retrait"
    name_plural = "Dépôts et retraits"
    icon = "fa-solid fa-building-columns"
    category = "Argent"
    read_permission = p.OPERATIONS_READ
    column_list: ClassVar[Any] = [
        OperationFournisseur.reference,
        OperationFournisseur.sens,
        OperationFournisseur.fournisseur,
        OperationFournisseur.statut,
        OperationFournisseur.montant,
        OperationFournisseur.id_user,
        OperationFournisseur.nombre_verifications,
        OperationFournisseur.date_creation,
    ]
    column_details_exclude_list: ClassVar[Any] = [OperationFournisseur.empreinte_jeton]
    column_searchable_list: ClassVar[Any] = [
        OperationFournisseur.statut,
        OperationFournisseur.fournisseur,
    ]
    column_sortable_list: ClassVar[Any] = [OperationFournisseur.date_creation]
    column_default_sort: ClassVar[Any] = [(OperationFournisseur.date_creation, True)]
    column_labels: ClassVar[Any] = {
        OperationFournisseur.reference: "Référence",
        OperationFournisseur.sens: "Sens",
        OperationFournisseur.fournisseur: "Fournisseur",
        OperationFournisseur.statut: "Statut",
        OperationFournisseur.montant: "Montant",
        OperationFournisseur.id_user: "Personne",
        OperationFournisseur.nombre_verifications: "Vérifications",
        OperationFournisseur.date_creation: "Date",
    }
    column_formatters: ClassVar[Any] = {
        OperationFournisseur.reference: lambda m, _a: _link(
            f"/admin/operations/{m.reference}", m.reference
        ),
    }


class EstablishmentView(_View, model=EtablissementSante):
    name = "Établissement"
    name_plural = "Établissements de santé"
    icon = "fa-solid fa-hospital"
    category = "Santé"
    read_permission = p.DIRECTORY_MANAGE
    write_permission = p.DIRECTORY_MANAGE
    can_create = False  # a new place needs its position: POST /api/admin/etablissements
    can_delete = False  # hide it instead (« visible »): the seed would bring it back
    # The name feeds the search columns: renaming goes through the API, which rebuilds them.
    form_columns: ClassVar[Any] = [
        EtablissementSante.visible,
        EtablissementSante.verifie,
        EtablissementSante.urgences,
        EtablissementSante.description,
        EtablissementSante.adresse,
        EtablissementSante.email,
        EtablissementSante.site_web,
    ]
    column_list: ClassVar[Any] = [
        EtablissementSante.id_etablissement,
        EtablissementSante.nom,
        EtablissementSante.categorie,
        EtablissementSante.adresse,
        EtablissementSante.urgences,
        EtablissementSante.verifie,
        EtablissementSante.visible,
    ]
    column_details_exclude_list: ClassVar[Any] = [
        EtablissementSante.vecteur_recherche,
        EtablissementSante.texte_recherche,
        EtablissementSante.geo,
    ]
    column_searchable_list: ClassVar[Any] = [EtablissementSante.nom_normalise]
    column_sortable_list: ClassVar[Any] = [EtablissementSante.nom, EtablissementSante.categorie]
    column_default_sort: ClassVar[Any] = [(EtablissementSante.nom, False)]
    column_labels: ClassVar[Any] = {
        EtablissementSante.id_etablissement: "N°",
        EtablissementSante.nom: "Nom",
        EtablissementSante.categorie: "Catégorie",
        EtablissementSante.adresse: "Adresse",
        EtablissementSante.urgences: "Urgences",
        EtablissementSante.verifie: "Vérifié",
        EtablissementSante.visible: "Visible",
        EtablissementSante.description: "Description",
        EtablissementSante.email: "E-mail",
        EtablissementSante.site_web: "Site web",
    }


class EmergencyNumberView(_View, model=ListeNumeroEtablissementSante):
    name = "Numéro d'urgence"
    name_plural = "Numéros d'urgence nationaux"
    icon = "fa-solid fa-phone"
    category = "Santé"
    read_permission = p.DIRECTORY_MANAGE
    write_permission = p.DIRECTORY_MANAGE
    can_delete = False  # withdraw with « actif » instead: the seed would bring it back
    column_list: ClassVar[Any] = [
        ListeNumeroEtablissementSante.numero,
        ListeNumeroEtablissementSante.libelle,
        ListeNumeroEtablissementSante.service,
        ListeNumeroEtablissementSante.confiance,
        ListeNumeroEtablissementSante.ordre,
        ListeNumeroEtablissementSante.actif,
    ]
    form_columns: ClassVar[Any] = [
        ListeNumeroEtablissementSante.numero,
        ListeNumeroEtablissementSante.libelle,
        ListeNumeroEtablissementSante.type_numero,
        ListeNumeroEtablissementSante.service,
        ListeNumeroEtablissementSante.description,
        ListeNumeroEtablissementSante.confiance,
        ListeNumeroEtablissementSante.ordre,
        ListeNumeroEtablissementSante.actif,
    ]
    column_labels: ClassVar[Any] = {
        ListeNumeroEtablissementSante.numero: "Numéro",
        ListeNumeroEtablissementSante.libelle: "Libellé",
        ListeNumeroEtablissementSante.type_numero: "Type",
        ListeNumeroEtablissementSante.service: "Service",
        ListeNumeroEtablissementSante.description: "Description",
        ListeNumeroEtablissementSante.confiance: "Confiance",
        ListeNumeroEtablissementSante.ordre: "Ordre",
        ListeNumeroEtablissementSante.actif: "Affiché",
    }

    def list_query(self, request: Request) -> Select[Any]:
        return select(ListeNumeroEtablissementSante).where(
            ListeNumeroEtablissementSante.id_etablissement.is_(None)
        )


class _Authored(_View):
    """Content whose author is the signed-in administrator (never a form field)."""

    author_column: ClassVar[str]

    async def on_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        person = current_admin.get()
        if is_created and person is not None:
            setattr(model, self.author_column, person.id)


class RoomView(_Authored, model=Thematiques):
    name = "Salon thématique"
    name_plural = "Salons thématiques"
    icon = "fa-solid fa-comments"
    category = "Contenus"
    read_permission = p.CONTENTS_MANAGE
    write_permission = p.CONTENTS_MANAGE
    author_column = "id_createur"
    can_delete = False  # archive (actif) instead: messages keep their room
    column_list: ClassVar[Any] = [
        Thematiques.id_thematique,
        Thematiques.titre,
        Thematiques.sous_titre,
        Thematiques.actif,
        Thematiques.date_creation,
    ]
    form_columns: ClassVar[Any] = [
        Thematiques.titre,
        Thematiques.sous_titre,
        Thematiques.description,
        Thematiques.actif,
    ]
    column_labels: ClassVar[Any] = {
        Thematiques.id_thematique: "N°",
        Thematiques.titre: "Titre",
        Thematiques.sous_titre: "Sous-titre",
        Thematiques.description: "Description",
        Thematiques.actif: "Ouvert",
        Thematiques.date_creation: "Création",
    }


class AnnouncementView(_Authored, model=Annonce):
    name = "Annonce"
    name_plural = "Annonces"
    icon = "fa-solid fa-bullhorn"
    category = "Contenus"
    read_permission = p.CONTENTS_MANAGE
    write_permission = p.CONTENTS_MANAGE
    author_column = "id_auteur"
    column_list: ClassVar[Any] = [
        Annonce.titre,
        Annonce.emplacement,
        Annonce.priorite,
        Annonce.date_debut,
        Annonce.date_fin,
        Annonce.actif,
    ]
    form_columns: ClassVar[Any] = [
        Annonce.titre,
        Annonce.description,
        Annonce.lien,
        Annonce.emplacement,
        Annonce.priorite,
        Annonce.date_debut,
        Annonce.date_fin,
        Annonce.actif,
    ]
    column_labels: ClassVar[Any] = {
        Annonce.titre: "Titre",
        Annonce.description: "Texte",
        Annonce.lien: "Lien",
        Annonce.emplacement: "Emplacement",
        Annonce.priorite: "Priorité",
        Annonce.date_debut: "Début",
        Annonce.date_fin: "Fin",
        Annonce.actif: "Active",
    }


class AdView(_Authored, model=Publicite):
    name = "Publicité"
    name_plural = "Publicités"
    icon = "fa-solid fa-rectangle-ad"
    category = "Contenus"
    read_permission = p.CONTENTS_MANAGE
    write_permission = p.CONTENTS_MANAGE
    author_column = "id_auteur"
    column_list: ClassVar[Any] = [
        Publicite.annonceur,
        Publicite.titre,
        Publicite.emplacement,
        Publicite.date_debut,
        Publicite.date_fin,
        Publicite.actif,
        Publicite.nombre_impressions,
        Publicite.nombre_clics,
    ]
    form_columns: ClassVar[Any] = [
        Publicite.annonceur,
        Publicite.titre,
        Publicite.description,
        Publicite.url_cible,
        Publicite.emplacement,
        Publicite.priorite,
        Publicite.date_debut,
        Publicite.date_fin,
        Publicite.actif,
    ]
    column_labels: ClassVar[Any] = {
        Publicite.annonceur: "Annonceur",
        Publicite.titre: "Titre",
        Publicite.description: "Texte",
        Publicite.url_cible: "Lien",
        Publicite.emplacement: "Emplacement",
        Publicite.priorite: "Priorité",
        Publicite.date_debut: "Début",
        Publicite.date_fin: "Fin",
        Publicite.actif: "Active",
        Publicite.nombre_impressions: "Affichages",
        Publicite.nombre_clics: "Clics",
    }


class FeeView(_View, model=BaremeFrais):
    name = "Barème de frais"
    name_plural = "Barème des frais"
    icon = "fa-solid fa-percent"
    category = "Argent"
    read_permission = p.FEES_MANAGE
    write_permission = p.FEES_MANAGE
    can_delete = False  # end a rule with « date_fin » or « actif »: receipts refer to it
    column_list: ClassVar[Any] = [
        BaremeFrais.type_operation,
        BaremeFrais.fournisseur,
        BaremeFrais.montant_min,
        BaremeFrais.montant_max,
        BaremeFrais.frais_fixe,
        BaremeFrais.taux_points_base,
        BaremeFrais.frais_min,
        BaremeFrais.frais_max,
        BaremeFrais.actif,
    ]
    form_columns: ClassVar[Any] = [
        BaremeFrais.type_operation,
        BaremeFrais.fournisseur,
        BaremeFrais.montant_min,
        BaremeFrais.montant_max,
        BaremeFrais.frais_fixe,
        BaremeFrais.taux_points_base,
        BaremeFrais.frais_min,
        BaremeFrais.frais_max,
        BaremeFrais.actif,
        BaremeFrais.date_debut,
        BaremeFrais.date_fin,
    ]
    column_labels: ClassVar[Any] = {
        BaremeFrais.type_operation: "Opération",
        BaremeFrais.fournisseur: "Fournisseur",
        BaremeFrais.montant_min: "Montant min.",
        BaremeFrais.montant_max: "Montant max.",
        BaremeFrais.frais_fixe: "Frais fixes",
        BaremeFrais.taux_points_base: "Taux (points de base)",
        BaremeFrais.frais_min: "Frais min.",
        BaremeFrais.frais_max: "Frais max.",
        BaremeFrais.actif: "Actif",
        BaremeFrais.date_debut: "Début",
        BaremeFrais.date_fin: "Fin",
    }


class LimitView(_View, model=PlafondKyc):
    name = "Plafond KYC"
    name_plural = "Plafonds par niveau KYC"
    icon = "fa-solid fa-gauge"
    category = "Argent"
    read_permission = p.FEES_MANAGE
    write_permission = p.FEES_MANAGE
    can_create = False  # the three tiers are reference data
    can_delete = False
    column_list: ClassVar[Any] = [
        PlafondKyc.niveau_kyc,
        PlafondKyc.libelle,
        PlafondKyc.solde_max,
        PlafondKyc.montant_max_operation,
        PlafondKyc.plafond_envoi_journalier,
        PlafondKyc.plafond_envoi_mensuel,
        PlafondKyc.plafond_retrait_journalier,
        PlafondKyc.plafond_retrait_mensuel,
    ]
    form_columns: ClassVar[Any] = column_list[1:]
    column_labels: ClassVar[Any] = {
        PlafondKyc.niveau_kyc: "Niveau",
        PlafondKyc.libelle: "Libellé",
        PlafondKyc.solde_max: "Solde max.",
        PlafondKyc.montant_max_operation: "Par opération",
        PlafondKyc.plafond_envoi_journalier: "Envois / jour",
        PlafondKyc.plafond_envoi_mensuel: "Envois / mois",
        PlafondKyc.plafond_retrait_journalier: "Retraits / jour",
        PlafondKyc.plafond_retrait_mensuel: "Retraits / mois",
    }


class AuditView(_View, model=JournalAudit):
    name = "Action"
    name_plural = "Journal d'audit"
    icon = "fa-solid fa-clipboard-list"
    category = "Personnes"
    read_permission = p.AUDIT_READ
    column_list: ClassVar[Any] = [
        JournalAudit.date_action,
        JournalAudit.id_acteur,
        JournalAudit.action,
        JournalAudit.table_cible,
        JournalAudit.cle_cible,
        JournalAudit.motif,
    ]
    column_searchable_list: ClassVar[Any] = [JournalAudit.action, JournalAudit.cle_cible]
    column_sortable_list: ClassVar[Any] = [JournalAudit.date_action]
    column_default_sort: ClassVar[Any] = [(JournalAudit.date_action, True)]
    column_labels: ClassVar[Any] = {
        JournalAudit.date_action: "Date",
        JournalAudit.id_acteur: "Acteur",
        JournalAudit.action: "Action",
        JournalAudit.table_cible: "Table",
        JournalAudit.cle_cible: "Clé",
        JournalAudit.motif: "Motif",
        JournalAudit.avant: "Avant",
        JournalAudit.apres: "Après",
        JournalAudit.adresse_ip: "Adresse IP",
        JournalAudit.id_requete: "Requête",
    }


MODEL_VIEWS: tuple[type[_View], ...] = (
    PersonView,
    AuditView,
    TransactionView,
    LedgerView,
    OperationView,
    FeeView,
    LimitView,
    EstablishmentView,
    EmergencyNumberView,
    RoomView,
    AnnouncementView,
    AdView,
)
# sqladmin names each view after its model (« utilisateur », « transaction »…): its URLs are
# /admin/<identity>/list, /details/<pk>, /edit/<pk>.
PERMISSIONS.update(
    {view.identity: (view.read_permission, view.write_permission) for view in MODEL_VIEWS}
)
