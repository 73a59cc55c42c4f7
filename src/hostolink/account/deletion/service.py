"""Delete my account: the reasons it cannot be done now, and the deletion itself.

The deletion runs in the request's one transaction. It first locks the person's wallet row
FOR UPDATE: every movement of money on that wallet (a transfer in or out, a QR payment, a
deposit credited, a withdrawal opened or given back) locks the same row (wallet/ledger.py),
so the checks made under the lock stay true until the commit. Then either a transfer that
locked first has landed and the balance check refuses the deletion, or the deletion commits
first and the transfer finds a closed wallet (`statut = 'ferme'`) and is refused; a deposit
confirmed later for a closed wallet goes to the suspense account (operations/service.py).
Money never lands in a closed wallet.

What happens to each kind of data is the table of the README (« Supprimer mon compte »)
and rules RG-74 to RG-77 (docs/merise/regles-de-gestion.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.account.deletion import repository
from hostolink.account.deletion.errors import ConfirmationMissing, DeletionRefused
from hostolink.account.deletion.schemas import CONFIRMATION_WORD, EligibilityOut, ReasonOut
from hostolink.admin import audit
from hostolink.auth import repository as auth_repository
from hostolink.auth.principal import Principal
from hostolink.kit.masking import mask_phone
from hostolink.kit.money import format_xof
from hostolink.media import repository as media_repository
from hostolink.models import Media

# How a deleted person is named wherever others still see their trace (a transfer in a
# counterparty's history, a message in a room): the name columns hold this label.
DELETED_NAME = "Compte supprimé"
AUDIT_ACTION = "compte.suppression"
REVOKE_REASON = "suppression_compte"


@dataclass(frozen=True)
class Deleted:
    """What is left to do after the commit: the files of the removed images."""

    files: list[tuple[str, bool]]  # (storage key, private)


async def reasons(session: AsyncSession, *, user_id: int, lock: bool = False) -> list[ReasonOut]:
    """Why the person's account cannot be deleted now (nothing: it can). Each reason says
    what to do about it."""
    found: list[ReasonOut] = []
    wallet = await repository.wallet(session, user_id, lock=lock)
    if wallet is not None:
        if wallet.statut == "gele":
            found.append(
                ReasonOut(
                    code="compte_gele",
                    message="Votre portefeuille est gelé par l'équipe Hostolink.",
                    que_faire="Contactez le support Hostolink : la suppression sera possible "
                    "une fois le portefeuille débloqué et vidé.",
                )
            )
        if wallet.solde > 0:
            found.append(
                ReasonOut(
                    code="solde",
                    message=f"Votre solde est de {format_xof(wallet.solde)}.",
                    que_faire="Retirez-le d'abord (Retrait) ou envoyez-le à un proche, "
                    "puis revenez ici.",
                )
            )
        operations = await repository.pending_operations(session, wallet.id_compte)
        withdrawals = [o for o in operations if o.sens == "retrait"]
        deposits = [o for o in operations if o.sens == "depot"]
        if withdrawals:
            held = sum(o.montant + o.frais for o in withdrawals)
            checking = any(o.statut == "a_verifier" for o in withdrawals)
            found.append(
                ReasonOut(
                    code="retrait_en_cours",
                    message=f"Un retrait est en cours : {format_xof(held)} sont bloqués "
                    + (
                        "et en vérification par notre équipe."
                        if checking
                        else "en attendant la réponse de l'opérateur."
                    ),
                    que_faire="Attendez la fin du retrait (Profil › Mes opérations) : réussi, "
                    "l'argent est parti ; échoué, il revient sur votre solde.",
                )
            )
        if deposits:
            found.append(
                ReasonOut(
                    code="depot_en_cours",
                    message=f"{len(deposits)} dépôt(s) attendent encore la réponse de l'opérateur.",
                    que_faire="Attendez qu'ils soient réussis ou échoués (quelques minutes ; "
                    "30 minutes au plus pour un paiement non confirmé), puis revenez ici.",
                )
            )
    claims = await repository.claims_in_progress(session, user_id)
    if claims:
        found.append(
            ReasonOut(
                code="reclamation_en_cours",
                message=f"{claims} réclamation(s) attendent la décision du support : elle "
                "peut créditer ou débiter votre portefeuille.",
                que_faire="Attendez la décision (Profil › Aide et support), puis revenez ici.",
            )
        )
    for place in await repository.establishments_only_managed_by(session, user_id):
        found.append(
            ReasonOut(
                code="etablissement",
                message=f"Vous êtes le seul gestionnaire de « {place.nom} », dont le compte "
                f"détient {format_xof(place.solde)}"
                + (" avec une opération en cours." if place.en_cours else "."),
                que_faire="Retirez l'argent de l'établissement ou faites nommer un autre "
                "gestionnaire, puis revenez ici.",
            )
        )
    return found


async def eligibility(session: AsyncSession, *, principal: Principal) -> EligibilityOut:
    found = await reasons(session, user_id=principal.id)
    return EligibilityOut(possible=not found, raisons=found)


def check_confirmation(word: str) -> None:
    if word.strip() != CONFIRMATION_WORD:
        raise ConfirmationMissing


async def delete_account(
    session: AsyncSession, *, actor: audit.Actor, now: datetime | None = None
) -> Deleted:
    """Everything of the deletion, in the request's transaction (the PIN was checked before).
    Raises `DeletionRefused` (409, with the reasons) when money is held or owed."""
    principal = actor.principal
    moment = now or datetime.now(UTC)
    # The wallet row first (the lock every movement of money takes), then the person's.
    found = await reasons(session, user_id=principal.id, lock=True)
    if found:
        raise DeletionRefused(extra={"raisons": [r.model_dump() for r in found]})
    wallet = await repository.wallet(session, principal.id, lock=False)
    person = await repository.lock_person(session, principal.id)
    if person is None or person.date_suppression is not None:
        raise DeletionRefused("Ce compte est déjà supprimé.")
    medias = await repository.public_media(session, principal.id)
    masked = {
        "telephone": mask_phone(person.telephone) if person.telephone else None,
        "email": "***" if person.email else None,
    }
    before = repository.anonymise(person, name=DELETED_NAME, now=moment)
    await session.flush()
    if wallet is not None:
        await repository.close_wallet(session, wallet.id_compte, moment)
    await auth_repository.revoke_all_for_user(session, user_id=principal.id, reason=REVOKE_REASON)
    await repository.forget_devices_codes_contacts(session, principal.id)
    await repository.end_memberships_and_means(
        session, principal.id, wallet.id_compte if wallet else None, moment
    )
    await repository.remove_social(session, principal.id, moment)
    await repository.close_support(session, principal.id, moment)
    files = await _drop_media(session, medias)
    audit.record(
        session,
        actor=actor,
        action=AUDIT_ACTION,
        table="utilisateur",
        key=principal.id,
        before={**before, **masked, "compte": wallet.statut if wallet else None},
        after={
            "actif": False,
            "date_suppression": moment,
            "compte": "ferme" if wallet else None,
            "images_effacees": len(files),
        },
        motif="Suppression du compte demandée par la personne",
    )
    return Deleted(files=files)


async def _drop_media(session: AsyncSession, medias: list[Media]) -> list[tuple[str, bool]]:
    """The rows of the person's images nothing else needs any more (a room message keeps
    its picture); the files go after the commit."""
    files: list[tuple[str, bool]] = []
    for media in medias:
        if await media_repository.delete_unreferenced(session, media.id_media):
            files.append((media.cle_stockage, media.prive))
    return files
