"""Every query of account deletion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hostolink.models import (
    AppareilPush,
    CarteBancaire,
    ChangementIdentifiant,
    CodeParrainage,
    Commentaire,
    Compte,
    ContactsEnregistres,
    ConversationAssistance,
    EtablissementSante,
    ExportDonnees,
    Liker,
    Media,
    MembreEtablissement,
    MembreThematique,
    MessageAssistance,
    Notification,
    OperationFournisseur,
    Otp,
    Publication,
    PublicationMedia,
    QrCodePaiement,
    Reclamations,
    Utilisateur,
    UtilisateurRole,
    VerificationCompte,
)
from hostolink.models.assistance import STATUTS_OUVERTS
from hostolink.models.compte import user_wallet_of
from hostolink.models.operation_fournisseur import STATUTS_EN_COURS
from hostolink.models.reclamations import STATUTS_EN_COURS as CLAIMS_IN_PROGRESS


@dataclass(frozen=True)
class WalletState:
    id_compte: int
    solde: int
    statut: str


@dataclass(frozen=True)
class PendingOperation:
    sens: str
    statut: str
    montant: int
    frais: int


@dataclass(frozen=True)
class HeldEstablishment:
    nom: str
    solde: int
    en_cours: int


async def wallet(session: AsyncSession, user_id: int, *, lock: bool) -> WalletState | None:
    """The person's XOF wallet; locked FOR UPDATE for the deletion itself: a transfer, a
    deposit or a withdrawal locks the same row (wallet/ledger.py), so none can land between
    the checks and the closing."""
    statement = select(Compte.id_compte, Compte.solde, Compte.statut).where(user_wallet_of(user_id))
    if lock:
        statement = statement.with_for_update(of=Compte)
    row = (await session.execute(statement)).first()
    return None if row is None else WalletState(row.id_compte, row.solde, row.statut)


async def pending_operations(session: AsyncSession, account_id: int) -> list[PendingOperation]:
    rows = await session.execute(
        select(
            OperationFournisseur.sens,
            OperationFournisseur.statut,
            OperationFournisseur.montant,
            OperationFournisseur.frais,
        )
        .where(OperationFournisseur.id_compte == account_id)
        .where(OperationFournisseur.statut.in_(STATUTS_EN_COURS))
    )
    return [PendingOperation(r.sens, r.statut, r.montant, r.frais) for r in rows]


async def establishments_only_managed_by(
    session: AsyncSession, user_id: int
) -> list[HeldEstablishment]:
    """Establishments whose merchant account holds money (or has a withdrawal or deposit not
    final) and whose only active manager is this person: nobody else could move it."""
    other = aliased(MembreEtablissement)
    pending = (
        select(func.count())
        .where(OperationFournisseur.id_compte == Compte.id_compte)
        .where(OperationFournisseur.statut.in_(STATUTS_EN_COURS))
        .correlate(Compte)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(EtablissementSante.nom, Compte.solde, pending.label("en_cours"))
        .select_from(MembreEtablissement)
        .join(
            EtablissementSante,
            EtablissementSante.id_etablissement == MembreEtablissement.id_etablissement,
        )
        .join(
            Compte,
            (Compte.id_etablissement == MembreEtablissement.id_etablissement)
            & (Compte.type_compte == "marchand"),
        )
        .where(
            MembreEtablissement.id_user == user_id,
            MembreEtablissement.role == "gestionnaire",
            MembreEtablissement.statut == "actif",
        )
        .where(
            ~select(other.id_user)
            .where(
                other.id_etablissement == MembreEtablissement.id_etablissement,
                other.id_user != user_id,
                other.role == "gestionnaire",
                other.statut == "actif",
            )
            .exists()
        )
    )
    return [
        HeldEstablishment(r.nom, int(r.solde), int(r.en_cours))
        for r in rows
        if r.solde > 0 or r.en_cours > 0
    ]


async def lock_person(session: AsyncSession, user_id: int) -> Utilisateur | None:
    """The person's row, locked and read afresh: the PIN check loaded it earlier in this
    transaction, and a deletion that committed meanwhile must be seen."""
    return await session.scalar(
        select(Utilisateur)
        .where(Utilisateur.id_user == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def close_wallet(session: AsyncSession, account_id: int, now: datetime) -> None:
    await session.execute(
        update(Compte)
        .where(Compte.id_compte == account_id)
        .values(statut="ferme", date_modification=now)
    )


async def forget_devices_codes_contacts(session: AsyncSession, user_id: int) -> None:
    """Push devices, one-time codes, verification proofs (they hold the identifiers), the
    address book both ways (theirs, and others' entries naming this closed wallet), the
    person's own notifications, roles and memberships of rooms."""
    for statement in (
        delete(AppareilPush).where(AppareilPush.id_user == user_id),
        delete(Otp).where(Otp.user_id == user_id),
        delete(VerificationCompte).where(VerificationCompte.id_user == user_id),
        delete(ContactsEnregistres).where(
            (ContactsEnregistres.id_user == user_id)
            | (ContactsEnregistres.id_user_contact == user_id)
        ),
        delete(Notification).where(Notification.id_user == user_id),
        delete(UtilisateurRole).where(UtilisateurRole.id_user == user_id),
        delete(MembreThematique).where(MembreThematique.id_user == user_id),
        # A pending change of identifier holds the old and new phone numbers or e-mails.
        delete(ChangementIdentifiant).where(ChangementIdentifiant.id_user == user_id),
        # The invitation code: its link (/i/<code>) no longer invites to a closed account.
        # The referrals made stay (the inviter still sees them; rewards keep their hash).
        delete(CodeParrainage).where(CodeParrainage.id_user == user_id),
        # Data exports: one being prepared stops (the job finds it no longer in progress);
        # a ready archive expires now, so its link answers 410 and the retention sweep
        # erases the file at its next pass (RG-80).
        update(ExportDonnees)
        .where(
            ExportDonnees.id_user == user_id,
            ExportDonnees.statut.in_(("en_attente", "en_cours")),
        )
        .values(statut="echoue", erreur="Compte supprimé avant que l'export soit prêt."),
        update(ExportDonnees)
        .where(ExportDonnees.id_user == user_id, ExportDonnees.statut == "pret")
        .values(date_expiration=func.now()),
    ):
        await session.execute(statement)


async def end_memberships_and_means(
    session: AsyncSession, user_id: int, account_id: int | None, now: datetime
) -> None:
    """Establishment memberships withdrawn, QR codes revoked, cards cancelled."""
    await session.execute(
        update(MembreEtablissement)
        .where(
            MembreEtablissement.id_user == user_id,
            MembreEtablissement.statut.in_(("demande", "invite", "actif")),
        )
        .values(statut="retire", motif="Compte supprimé par la personne", date_traitement=now)
    )
    if account_id is not None:
        await session.execute(
            update(QrCodePaiement)
            .where(QrCodePaiement.id_compte == account_id, QrCodePaiement.statut == "actif")
            .values(statut="revoque")
        )
    await session.execute(
        update(CarteBancaire)
        .where(CarteBancaire.id_user == user_id, CarteBancaire.statut.in_(("active", "gelee")))
        .values(statut="annulee", date_modification=now)
    )


async def remove_social(session: AsyncSession, user_id: int, now: datetime) -> None:
    """Posts and comments leave public view (status `supprime`, text replaced), likes are
    removed, and every counter follows."""
    liked = (
        await session.scalars(
            delete(Liker).where(Liker.id_user == user_id).returning(Liker.id_publication)
        )
    ).all()
    for post_id in liked:
        await session.execute(
            update(Publication)
            .where(Publication.id_publication == post_id)
            .values(compteur_like=func.greatest(Publication.compteur_like - 1, 0))
        )
    commented = (
        await session.scalars(
            update(Commentaire)
            .where(Commentaire.id_user == user_id, Commentaire.statut == "publie")
            .values(statut="supprime", contenu=REMOVED_TEXT, date_modification=now)
            .returning(Commentaire.id_publication)
        )
    ).all()
    for post_id in commented:
        await session.execute(
            update(Publication)
            .where(Publication.id_publication == post_id)
            .values(nombre_commentaires=func.greatest(Publication.nombre_commentaires - 1, 0))
        )
    await session.execute(
        update(Commentaire).where(Commentaire.id_user == user_id).values(contenu=REMOVED_TEXT)
    )
    posts = select(Publication.id_publication).where(Publication.id_user == user_id)
    await session.execute(
        delete(PublicationMedia).where(PublicationMedia.id_publication.in_(posts))
    )
    await session.execute(
        update(Publication)
        .where(Publication.id_user == user_id)
        .values(
            statut="supprime", titre_publication=None, contenu=REMOVED_TEXT, date_modification=now
        )
    )


REMOVED_TEXT = "Contenu supprimé"


async def claims_in_progress(session: AsyncSession, user_id: int) -> int:
    """The person's claims still waiting for a decision (it may move their money)."""
    count = await session.scalar(
        select(func.count())
        .select_from(Reclamations)
        .where(Reclamations.id_user == user_id, Reclamations.statut.in_(CLAIMS_IN_PROGRESS))
    )
    return int(count or 0)


async def close_support(session: AsyncSession, user_id: int, now: datetime) -> None:
    """The person's help-desk conversations are resolved and what they wrote is erased
    (subjects, messages; their attachments go with the other images). The agents' answers
    and the claims stay: a claim is the record of a decision on a ledger transaction."""
    mine = select(ConversationAssistance.id_conversation).where(
        ConversationAssistance.id_user == user_id
    )
    await session.execute(
        update(MessageAssistance)
        .where(
            MessageAssistance.id_conversation.in_(mine), MessageAssistance.auteur == "utilisateur"
        )
        .values(contenu=REMOVED_TEXT, id_media=None)
    )
    await session.execute(
        update(ConversationAssistance)
        .where(
            ConversationAssistance.id_user == user_id,
            ConversationAssistance.statut.in_(STATUTS_OUVERTS),
        )
        .values(statut="resolue", date_resolution=now)
    )
    await session.execute(
        update(ConversationAssistance)
        .where(ConversationAssistance.id_user == user_id)
        .values(sujet=REMOVED_TEXT)
    )


async def public_media(session: AsyncSession, user_id: int) -> list[Media]:
    """The person's images that are not identity documents (those are kept for the legal
    period: jobs/retention.py)."""
    rows = await session.scalars(
        select(Media).where(Media.id_user == user_id, Media.usage != "identite")
    )
    return list(rows)


def anonymise(person: Utilisateur, *, name: str, now: datetime) -> dict[str, Any]:
    """Every personal column emptied; what it was, for the audit line (identifiers masked by
    the caller)."""
    before = {"actif": person.actif, "niveau_kyc": person.niveau_kyc}
    person.nom = None
    person.prenom = name
    person.email = None
    person.telephone = None
    person.pays = None
    person.photo_profile = None
    person.mdp = None
    person.code_confirmation = None
    person.code_invitation_utilise = None
    person.compte_verifier = False
    person.actif = False
    person.raison_suspension = "Compte supprimé par la personne"
    person.date_modification = now
    person.date_suppression = now
    return before
