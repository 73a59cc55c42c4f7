"""The virtual card of a wallet: issued on first sight, frozen and unfrozen by its holder,
shown in full only to them after PIN.

Logs name cards by id only: never a number, a CVV, a ciphertext or a fingerprint.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth.principal import Principal
from hostolink.cards import crypto, face, repository
from hostolink.cards.crypto import CardKeys, UndecryptableCard
from hostolink.cards.errors import CardNotActivable, CardUnreadable
from hostolink.cards.repository import NewCard
from hostolink.config import Settings
from hostolink.errors import WalletMissing
from hostolink.kit.keys import KeyRing
from hostolink.models import CarteBancaire
from hostolink.qr import service as qr_service

logger = logging.getLogger("hostolink.cards")

HOLDER_NAME_LENGTH = 26  # ISO/IEC 7813, and the column's size
FALLBACK_HOLDER = "CLIENT HOSTOLINK"
ISSUE_TRIES = 5
ACTIVE = "active"
FROZEN = "gelee"
EXPIRED = "expiree"
TOGGLEABLE = frozenset({ACTIVE, FROZEN})


def holder_name(prenom: str | None, nom: str | None) -> str:
    """The name as embossed, « PRENOM NOM »: upper case, no accents, only letters, spaces,
    hyphens and apostrophes, at most 26 characters (cut at a word when possible)."""
    raw = " ".join(part for part in (prenom, nom) if part)
    decomposed = unicodedata.normalize("NFKD", raw)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).upper()
    kept = "".join(char if "A" <= char <= "Z" or char in "-'" else " " for char in plain)
    name = " ".join(kept.split()).strip("-'")
    if len(name) > HOLDER_NAME_LENGTH:
        cut = name[: HOLDER_NAME_LENGTH + 1].rsplit(" ", 1)[0]
        name = cut if cut and len(cut) <= HOLDER_NAME_LENGTH else name[:HOLDER_NAME_LENGTH]
        name = name.rstrip(" -'")
    return name or FALLBACK_HOLDER


@dataclass(frozen=True)
class Issuer:
    """What issuing and reading cards needs: the BIN and the card keys (never printed)."""

    bin_prefix: str
    keys: CardKeys = field(repr=False)


def issuer_of(settings: Settings, *, signing_key: str) -> Issuer:
    return Issuer(settings.card_bin, crypto.card_keys(settings, signing_key=signing_key))


@dataclass(frozen=True)
class CardDetails:
    """The card with its secrets, for the details answer only (never printed)."""

    card: CarteBancaire
    pan: str = field(repr=False)
    cvv: str = field(repr=False)


def _is_past_expiry(card: CarteBancaire, now: datetime) -> bool:
    # A card is valid until the last day of its expiry month.
    return (now.year, now.month) > (card.annee_expiration, card.mois_expiration)


class CardService:
    async def card(
        self, session: AsyncSession, *, principal: Principal, issuer: Issuer
    ) -> CarteBancaire:
        """The caller's live virtual card, issued on the first call."""
        compte_id = await repository.wallet_id(session, user_id=principal.id)
        if compte_id is None:
            raise WalletMissing
        card = await self._live_or_issued(
            session, principal=principal, compte_id=compte_id, issuer=issuer
        )
        return await self._refreshed(session, card, principal=principal)

    async def _live_or_issued(
        self,
        session: AsyncSession,
        *,
        principal: Principal,
        compte_id: int,
        issuer: Issuer,
    ) -> CarteBancaire:
        card = await repository.live_virtual_card(session, compte_id=compte_id)
        if card is not None:
            return card
        for _ in range(ISSUE_TRIES):
            card_id = await repository.insert_card(
                session, self._new_card(principal, compte_id, issuer=issuer)
            )
            # Read again whatever happened: inserted; or a concurrent request issued the card
            # first (the insert waited for its commit, which this new statement now sees); or
            # the random PAN's fingerprint was taken (none found: draw another number).
            card = await repository.live_virtual_card(session, compte_id=compte_id)
            if card is not None:
                if card_id is not None:
                    logger.info("virtual card issued", extra={"id_carte": card_id})
                return card
        raise RuntimeError("could not issue a virtual card")  # pragma: no cover

    @staticmethod
    def _new_card(principal: Principal, compte_id: int, *, issuer: Issuer) -> NewCard:
        keys = issuer.keys
        pan = crypto.new_pan(issuer.bin_prefix)
        month, year = crypto.expiry_of(datetime.now(UTC).date())
        return NewCard(
            id_compte=compte_id,
            id_user=principal.id,
            nom_titulaire=holder_name(principal.prenom, principal.nom),
            bin=issuer.bin_prefix,
            derniers_chiffres=pan[-4:],
            pan_chiffre=crypto.encrypt_pan(pan, keys=keys, compte_id=compte_id),
            empreinte_pan=crypto.fingerprint(pan, keys=keys),
            mois_expiration=month,
            annee_expiration=year,
        )

    @staticmethod
    async def _refreshed(
        session: AsyncSession, card: CarteBancaire, *, principal: Principal
    ) -> CarteBancaire:
        changes: dict[str, str] = {}
        if card.statut in TOGGLEABLE and _is_past_expiry(card, datetime.now(UTC)):
            changes["statut"] = EXPIRED
        # A card looked at before the profile had a name carries the fallback: emboss the
        # name once it is known (a name already printed is never rewritten).
        if card.nom_titulaire == FALLBACK_HOLDER:
            name = holder_name(principal.prenom, principal.nom)
            if name != FALLBACK_HOLDER:
                changes["nom_titulaire"] = name
        if not changes:
            return card
        return await repository.update_card(session, card, **changes)

    async def details(
        self, session: AsyncSession, *, principal: Principal, issuer: Issuer
    ) -> CardDetails:
        """The full number and CVV. The caller must have confirmed their PIN."""
        card = await self.card(session, principal=principal, issuer=issuer)
        try:
            pan = crypto.decrypt_pan(card.pan_chiffre, keys=issuer.keys, compte_id=card.id_compte)
        except UndecryptableCard as exc:
            logger.error("card number does not decrypt", extra={"id_carte": card.id_carte})
            raise CardUnreadable from exc
        code = crypto.cvv(
            pan, month=card.mois_expiration, year=card.annee_expiration, keys=issuer.keys
        )
        logger.info("card details shown", extra={"id_carte": card.id_carte})
        return CardDetails(card=card, pan=pan, cvv=code)

    async def set_frozen(
        self,
        session: AsyncSession,
        *,
        principal: Principal,
        frozen: bool,
        issuer: Issuer,
    ) -> CarteBancaire:
        """Freeze or unfreeze; asking for the current state again changes nothing."""
        card = await self.card(session, principal=principal, issuer=issuer)
        if card.statut not in TOGGLEABLE:
            raise CardNotActivable
        wanted = FROZEN if frozen else ACTIVE
        if card.statut == wanted:
            return card
        logger.info("card status changed", extra={"id_carte": card.id_carte, "statut": wanted})
        return await repository.update_card(session, card, statut=wanted)

    async def face_svg(
        self,
        session: AsyncSession,
        *,
        principal: Principal,
        issuer: Issuer,
        qr_ring: KeyRing,
    ) -> str:
        card = await self.card(session, principal=principal, issuer=issuer)
        payload = await qr_service.static_payload(session, ring=qr_ring, compte_id=card.id_compte)
        return face.render(
            face.CardFace(
                nom_titulaire=card.nom_titulaire,
                numero_masque=crypto.masked(card.derniers_chiffres),
                mois_expiration=card.mois_expiration,
                annee_expiration=card.annee_expiration,
                statut=card.statut,
                qr_payload=payload,
            )
        )


card_service = CardService()
