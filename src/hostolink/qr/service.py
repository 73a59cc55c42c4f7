"""Payment QR codes: each wallet's static code (any amount, never expires), dynamic codes
(a fixed amount, an expiry, single use), their signed payloads, and what a payer sees.

No timers: a dynamic code's expiry is compared with the database clock when it is used
(`lock_for_payment`) or shown; its row keeps `statut = 'actif'` until paid or revoked.
The wallet's payment route calls `lock_for_payment` then, once the money moved, `mark_used`,
in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.config import Settings
from hostolink.errors import WalletMissing
from hostolink.kit.keys import KeyRing, parse_keyring
from hostolink.kit.masking import display_name, mask_phone
from hostolink.qr import payload as payloads
from hostolink.qr import repository
from hostolink.qr.errors import (
    InvalidQrCode,
    MalformedQrCode,
    QrCodeAlreadyPaid,
    QrCodeExpired,
    QrCodeNotFound,
    QrCodeRevoked,
    StaticQrNotRevocable,
    WalletCannotReceive,
)
from hostolink.qr.repository import QrRow
from hostolink.qr.schemas import QrImages, QrOut, RecipientOut, Resolution

# Shown for a person without a first name (a lone initial would confirm nothing).
ANONYMOUS = "Utilisateur Hostolink"
# A new random code collides with an existing one once in 2^60 / rows: a few tries is ample.
CODE_TRIES = 5


@dataclass(frozen=True)
class PaymentTarget:
    """What a verified, payable QR code pays into (its row is locked FOR UPDATE)."""

    id_qr_code: int
    id_compte: int
    type_qr: str  # "statique" (any amount) | "dynamique" (fixed amount, single use)
    montant: int | None
    libelle: str | None


def keyring(settings: Settings) -> KeyRing:
    raw = settings.qr_signing_keys.get_secret_value() if settings.qr_signing_keys else None
    ring = parse_keyring(raw, fallback_secret=settings.signing_key(), label="hostolink/qr")
    payloads.keys_by_id(ring)  # refuses ids that differ only by case, at start-up
    return ring


def verified_code(ring: KeyRing, payload: str) -> str:
    try:
        return payloads.verify(ring, payload)
    except payloads.MalformedPayload as exc:
        raise MalformedQrCode from exc
    except payloads.BadSignature as exc:
        raise InvalidQrCode from exc


def ensure_payable(row: QrRow) -> None:
    """Refuse a code that can no longer be paid, in the order a payer can act on."""
    if row.statut == repository.USED:
        raise QrCodeAlreadyPaid
    if row.statut == repository.REVOKED:
        raise QrCodeRevoked
    if row.statut != repository.ACTIVE or row.expired:
        raise QrCodeExpired


# ------------------------------------------------------------ interface of the wallet


async def static_payload(session: AsyncSession, *, ring: KeyRing, compte_id: int) -> str:
    """The signed payload of the account's static QR code (created on first use)."""
    return payloads.sign(ring, (await _static_row(session, compte_id=compte_id)).code)


async def _static_row(session: AsyncSession, *, compte_id: int) -> QrRow:
    """INSERT … ON CONFLICT DO NOTHING, then read: whether this request inserted the row or
    a concurrent first request did (its commit awaited by the INSERT), the read sees it."""
    row = await repository.active_static(session, compte_id=compte_id)
    tries = 0
    while row is None:
        if tries == CODE_TRIES:
            raise RuntimeError("could not create the static QR code")
        await repository.insert_static(session, compte_id=compte_id, code=payloads.new_code())
        row = await repository.active_static(session, compte_id=compte_id)
        tries += 1
    return row


async def lock_for_payment(session: AsyncSession, *, ring: KeyRing, payload: str) -> PaymentTarget:
    """Verify the payload (signature, key id), lock its row, refuse it if expired, used or
    revoked (French errors), and return what it pays into."""
    code = verified_code(ring, payload)
    row = await repository.by_code(session, code=code, for_update=True)
    if row is None:
        raise QrCodeNotFound
    ensure_payable(row)
    return PaymentTarget(
        id_qr_code=row.id_qr_code,
        id_compte=row.id_compte,
        type_qr=row.type_qr,
        montant=row.montant,
        libelle=row.libelle,
    )


async def mark_used(session: AsyncSession, *, qr_id: int) -> None:
    """A dynamic QR code was paid: it can never be paid again. A static code stays active."""
    if await repository.mark_used(session, qr_id=qr_id) is not None:
        return
    current = await repository.type_and_status(session, qr_id=qr_id)
    if current is None:
        raise QrCodeNotFound
    if current[0] == repository.DYNAMIC:
        # Only reachable without `lock_for_payment` first: the lock makes this impossible.
        raise QrCodeAlreadyPaid


# ----------------------------------------------------------- the owner's own QR codes


async def receiving_wallet(session: AsyncSession, *, user_id: int) -> repository.WalletRow:
    wallet = await repository.user_wallet(session, user_id=user_id)
    if wallet is None:
        raise WalletMissing
    if wallet.statut != "actif":
        raise WalletCannotReceive
    return wallet


def static_images() -> QrImages:
    return QrImages(png="/api/qr/statique.png", svg="/api/qr/statique.svg")


def code_images(code: str) -> QrImages:
    return QrImages(png=f"/api/qr/{code}.png", svg=f"/api/qr/{code}.svg")


def qr_out(ring: KeyRing, row: QrRow) -> QrOut:
    static = row.type_qr == repository.STATIC
    return QrOut(
        code=row.code,
        payload=payloads.sign(ring, row.code),
        type_qr="statique" if static else "dynamique",
        montant=row.montant,
        devise=row.devise,
        libelle=row.libelle,
        statut="expire" if row.expired and row.statut == repository.ACTIVE else row.statut,
        date_creation=row.date_creation,
        date_expiration=row.date_expiration,
        images=static_images() if static else code_images(row.code),
    )


async def my_static(session: AsyncSession, *, ring: KeyRing, user_id: int) -> QrOut:
    wallet = await receiving_wallet(session, user_id=user_id)
    return qr_out(ring, await _static_row(session, compte_id=wallet.id_compte))


async def create_dynamic(
    session: AsyncSession,
    *,
    ring: KeyRing,
    user_id: int,
    montant: int,
    libelle: str | None,
    ttl_seconds: int,
) -> QrOut:
    wallet = await receiving_wallet(session, user_id=user_id)
    return await create_dynamic_for_account(
        session,
        ring=ring,
        compte_id=wallet.id_compte,
        devise=wallet.devise,
        montant=montant,
        libelle=libelle,
        ttl_seconds=ttl_seconds,
    )


async def create_dynamic_for_account(
    session: AsyncSession,
    *,
    ring: KeyRing,
    compte_id: int,
    devise: str,
    montant: int,
    libelle: str | None,
    ttl_seconds: int,
) -> QrOut:
    """A dynamic code paying `compte_id` (a person's wallet or an establishment's merchant
    account); the caller has checked that the account may receive."""
    for _ in range(CODE_TRIES):
        row = await repository.insert_dynamic(
            session,
            compte_id=compte_id,
            code=payloads.new_code(),
            montant=montant,
            devise=devise,
            libelle=libelle,
            ttl_seconds=ttl_seconds,
        )
        if row is not None:
            return qr_out(ring, row)
    raise RuntimeError("could not draw a free QR code")


async def my_dynamic(session: AsyncSession, *, ring: KeyRing, user_id: int) -> list[QrOut]:
    wallet = await repository.user_wallet(session, user_id=user_id)
    if wallet is None:
        return []
    rows = await repository.active_dynamic(session, compte_id=wallet.id_compte)
    return [qr_out(ring, row) for row in rows]


async def my_code_payload(session: AsyncSession, *, ring: KeyRing, user_id: int, code: str) -> str:
    """The payload to draw for one of the person's own QR codes (someone else's: 404)."""
    if not payloads.CODE_PATTERN.fullmatch(code):
        raise QrCodeNotFound
    row = await repository.owned_by_user(session, code=code, user_id=user_id)
    if row is None:
        raise QrCodeNotFound
    ensure_payable(row)
    return payloads.sign(ring, row.code)


async def account_code_payload(
    session: AsyncSession, *, ring: KeyRing, compte_id: int, code: str
) -> str:
    """The payload to draw for one of an account's QR codes (another account's: 404)."""
    if not payloads.CODE_PATTERN.fullmatch(code):
        raise QrCodeNotFound
    row = await repository.by_code(session, code=code)
    if row is None or row.id_compte != compte_id:
        raise QrCodeNotFound
    ensure_payable(row)
    return payloads.sign(ring, row.code)


async def revoke(session: AsyncSession, *, ring: KeyRing, user_id: int, code: str) -> QrOut:
    if not payloads.CODE_PATTERN.fullmatch(code):
        raise QrCodeNotFound
    row = await repository.owned_by_user(session, code=code, user_id=user_id, for_update=True)
    if row is None:
        raise QrCodeNotFound
    if row.type_qr == repository.STATIC:
        raise StaticQrNotRevocable
    if row.statut == repository.USED:
        raise QrCodeAlreadyPaid
    if row.statut != repository.REVOKED:
        await repository.set_status(session, qr_id=row.id_qr_code, statut=repository.REVOKED)
        row = replace(row, statut=repository.REVOKED)
    return qr_out(ring, row)


# ------------------------------------------------------------------ what a payer sees


async def resolve(session: AsyncSession, *, ring: KeyRing, payload: str) -> Resolution:
    """Who and how much a payload pays, for the payer to confirm; refused like a payment
    would be (expired, used, revoked), without locking anything."""
    code = verified_code(ring, payload)
    row = await repository.by_code(session, code=code)
    if row is None:
        raise QrCodeNotFound
    ensure_payable(row)
    recipient = await repository.recipient(session, compte_id=row.id_compte)
    if recipient is None or recipient.type_compte not in {"utilisateur", "marchand"}:
        raise QrCodeNotFound
    if recipient.type_compte == "marchand":
        shown = RecipientOut(
            nom_affiche=recipient.etablissement or "Établissement de santé",
            telephone_masque=None,
            type="marchand",
        )
    else:
        shown = RecipientOut(
            nom_affiche=display_name(recipient.prenom, recipient.nom) or ANONYMOUS,
            telephone_masque=mask_phone(recipient.telephone),
            type="utilisateur",
        )
    return Resolution(
        type_qr="statique" if row.type_qr == repository.STATIC else "dynamique",
        montant=row.montant,
        libelle=row.libelle,
        devise=row.devise,
        destinataire=shown,
        date_expiration=row.date_expiration,
    )
