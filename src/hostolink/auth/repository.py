"""Every query of the identity domain: people, their wallet row, roles, OTPs, refresh tokens,
lockout counters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hostolink.auth.roles import ROLE_IDS
from hostolink.jobs import queue
from hostolink.kit.account_numbers import new_account_number
from hostolink.kit.money import CURRENCY
from hostolink.models import (
    AppareilPush,
    Compte,
    JetonRafraichissement,
    Otp,
    Tache,
    TentativeAuthentification,
    Utilisateur,
    UtilisateurRole,
    VerificationCompte,
)
from hostolink.models.base import utcnow
from hostolink.models.otp import OTP_CODE_MASK

if TYPE_CHECKING:
    from hostolink.db import Database

ACCOUNT_NUMBER_TRIES = 5
NEW_DEVICE_MAX_ATTEMPTS = 5


def _identifier_clause(identifier: str) -> ColumnElement[bool]:
    column = Utilisateur.email if "@" in identifier else Utilisateur.telephone
    return column == identifier


async def user_by_identifier(
    session: AsyncSession, identifier: str, *, for_update: bool = False
) -> Utilisateur | None:
    query = select(Utilisateur).where(_identifier_clause(identifier))
    if for_update:
        query = query.with_for_update()
    result: Utilisateur | None = await session.scalar(query)
    return result


_PASSWORD_BY_EMAIL = select(Utilisateur.mdp).where(Utilisateur.email == bindparam("identifier"))
_PASSWORD_BY_PHONE = select(Utilisateur.mdp).where(Utilisateur.telephone == bindparam("identifier"))


async def stored_secret(db: Database, identifier: str) -> str | None:
    """The password hash of an identifier (None: unknown, or no password yet), read on its
    own short connection: the slow hash check that follows must not keep a request's
    transaction — and, behind a transaction pooler, a server connection — waiting."""
    statement = _PASSWORD_BY_EMAIL if "@" in identifier else _PASSWORD_BY_PHONE
    row = await db.read_one(statement, {"identifier": identifier})
    return None if row is None else row.mdp


def _status_by(column: InstrumentedAttribute[str | None]) -> Select[int, bool]:
    status = select(Utilisateur.id_user, Utilisateur.mdp.is_not(None))
    return status.where(column == bindparam("identifier"))


# (id, has a password) of an identifier: check-user, the hottest public route, reads these
# two columns with statements built once.
_STATUS_BY_EMAIL = _status_by(Utilisateur.email)
_STATUS_BY_PHONE = _status_by(Utilisateur.telephone)


def identifier_status(identifier: str) -> Select[int, bool]:
    return _STATUS_BY_EMAIL if "@" in identifier else _STATUS_BY_PHONE


async def insert_user(
    session: AsyncSession, *, email: str | None, telephone: str | None, invitation: str | None
) -> int:
    """The new person's id. A concurrent registration of the same identifier makes the
    unique index raise IntegrityError: the caller answers 409."""
    statement = (
        insert(Utilisateur)
        .values(
            email=email,
            telephone=telephone,
            code_invitation_utilise=invitation,
            date_inscription=utcnow().replace(tzinfo=None),
        )
        .returning(Utilisateur.id_user)
    )
    return int((await session.execute(statement)).scalar_one())


async def insert_wallet(session: AsyncSession, *, user_id: int, numero_compte: str) -> bool:
    """False when the random account number is already taken (draw another)."""
    statement = (
        insert(Compte)
        .values(
            numero_compte=numero_compte,
            type_compte="utilisateur",
            id_user=user_id,
            devise=CURRENCY,
            solde=0,
            statut="actif",
        )
        .on_conflict_do_nothing(index_elements=[Compte.numero_compte])
        .returning(Compte.id_compte)
    )
    return (await session.execute(statement)).first() is not None


async def open_wallet(session: AsyncSession, *, user_id: int) -> None:
    """The person's XOF wallet, with a random account number (drawn again on a collision)."""
    for _ in range(ACCOUNT_NUMBER_TRIES):
        if await insert_wallet(session, user_id=user_id, numero_compte=new_account_number()):
            return
    raise RuntimeError("could not draw a free account number")


async def create_person(
    session: AsyncSession, *, identifier: str, invitation: str | None = None
) -> int:
    """A new person from a normalised identifier, with their XOF wallet and the `user` role.
    Raises IntegrityError when the identifier is already registered (the unique index)."""
    is_email = "@" in identifier
    user_id = await insert_user(
        session,
        email=identifier if is_email else None,
        telephone=None if is_email else identifier,
        invitation=invitation,
    )
    await open_wallet(session, user_id=user_id)
    await grant_role(session, user_id=user_id, role_code="user")
    return user_id


async def grant_role(
    session: AsyncSession, *, user_id: int, role_code: str, granted_by: int | None = None
) -> None:
    # Role ids are reference data fixed in code (auth/roles.py) and written by the seed.
    role_id = ROLE_IDS[role_code]
    await session.execute(
        insert(UtilisateurRole)
        .values(id_user=user_id, id_role=role_id, attribue_par=granted_by)
        .on_conflict_do_nothing()
    )


async def register_device(session: AsyncSession, *, user_id: int, fcm_token: str) -> None:
    # A device belongs to whoever registered it last.
    statement = insert(AppareilPush).values(id_user=user_id, fcm_token=fcm_token)
    statement = statement.on_conflict_do_update(
        index_elements=[AppareilPush.fcm_token],
        set_={"id_user": user_id, "date_derniere_activite": func.now()},
    )
    await session.execute(statement)


async def record_verification(
    session: AsyncSession, *, user_id: int, channel: str, value: str
) -> None:
    session.add(VerificationCompte(id_user=user_id, canal=channel, valeur=value))


# ---------------------------------------------------------------------------------- OTP


async def otp_send_history(
    session: AsyncSession, *, user_id: int, since: datetime
) -> tuple[datetime | None, int]:
    """When the last code was sent to this person, and how many since `since`."""
    query = select(
        func.max(Otp.date_creation),
        func.count().filter(Otp.date_creation >= since),
    ).where(Otp.user_id == user_id)
    last, count = (await session.execute(query)).one()
    return last, int(count)


async def latest_otp(session: AsyncSession, *, user_id: int) -> Otp | None:
    """The last code created for this person, whatever its purpose or state."""
    query = (
        select(Otp)
        .where(Otp.user_id == user_id)
        .order_by(Otp.date_creation.desc(), Otp.id.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def invalidate_otps(session: AsyncSession, *, user_id: int, purpose: str) -> None:
    await session.execute(
        update(Otp)
        .where(Otp.user_id == user_id, Otp.objet == purpose, Otp.is_valid.is_(True))
        .values(is_valid=False)
    )


async def add_otp(
    session: AsyncSession,
    *,
    user_id: int,
    code_hash: str,
    purpose: str,
    channel: str,
    expires_at: datetime,
) -> Otp:
    otp = Otp(
        user_id=user_id,
        otp_code=OTP_CODE_MASK,
        code_hash=code_hash,
        objet=purpose,
        moyen_envoyer=channel,
        expires_at=expires_at.replace(tzinfo=None),
        is_valid=True,
        tentatives=0,
    )
    session.add(otp)
    await session.flush()
    return otp


@dataclass(frozen=True)
class OtpAttempt:
    otp_id: int
    code_hash: str
    attempts: int
    channel: str


async def take_otp_attempt(
    session: AsyncSession, *, user_id: int, purpose: str, now: datetime, max_attempts: int
) -> OtpAttempt | None:
    """Count one try against the person's current code *before* comparing it, atomically:
    however many guesses arrive at once, at most `max_attempts` are ever compared."""
    current = (
        select(Otp.id)
        .where(
            Otp.user_id == user_id,
            Otp.objet == purpose,
            Otp.is_valid.is_(True),
            Otp.expires_at > now.replace(tzinfo=None),
            Otp.tentatives < max_attempts,
        )
        .order_by(Otp.date_creation.desc())
        .limit(1)
        .scalar_subquery()
    )
    # The guards are repeated on the updated row itself: when this UPDATE waits for another
    # one on the same row, PostgreSQL re-checks the row's own conditions after the wait, but
    # not the sub-select's.
    statement = (
        update(Otp)
        .where(Otp.id == current, Otp.is_valid.is_(True), Otp.tentatives < max_attempts)
        .values(tentatives=Otp.tentatives + 1)
        .returning(Otp.id, Otp.code_hash, Otp.tentatives, Otp.moyen_envoyer)
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    return OtpAttempt(otp_id=row[0], code_hash=row[1], attempts=row[2], channel=row[3])


async def consume_otp(session: AsyncSession, *, otp_id: int) -> bool:
    """Single use: only one request can flip a code from valid to used."""
    statement = (
        update(Otp)
        .where(Otp.id == otp_id, Otp.is_valid.is_(True))
        .values(is_valid=False, date_utilisation=func.now())
        .returning(Otp.id)
    )
    return (await session.execute(statement)).first() is not None


async def burn_otp(session: AsyncSession, *, otp_id: int) -> None:
    await session.execute(update(Otp).where(Otp.id == otp_id).values(is_valid=False))


# ---------------------------------------------------------------------- refresh tokens


async def add_refresh_token(
    session: AsyncSession,
    *,
    user_id: int,
    family: uuid.UUID,
    token_hash: str,
    expires_at: datetime,
    ip: str | None,
    device: str | None,
    user_agent: str | None,
    place: str | None,
    signed_in_at: datetime,
) -> None:
    """The next token of a session (rotation): its device and sign-in time carried over."""
    session.add(
        JetonRafraichissement(
            id_user=user_id,
            famille=family,
            hash_jeton=token_hash,
            date_expiration=expires_at,
            adresse_ip=ip,
            appareil=device,
            agent_utilisateur=user_agent,
            lieu=place,
            date_connexion=signed_in_at,
        )
    )
    await session.flush()


async def open_session_token(
    session: AsyncSession,
    *,
    user_id: int,
    family: uuid.UUID,
    token_hash: str,
    expires_at: datetime,
    ip: str | None,
    device: str,
    user_agent: str | None,
    place: str | None,
    new_device_job: str | None,
    window_days: int,
) -> None:
    """The first token of a new session, and — in the same statement — the new-device job
    (`new_device_job`) when the person had an earlier session with a recorded device but none
    from `device` in the last `window_days` days. The statement's sub-queries see the table
    as it was before the insert, so the new session does not count as an earlier one."""
    token = JetonRafraichissement.__table__
    inserted = (
        insert(JetonRafraichissement)
        .values(
            id_user=user_id,
            famille=family,
            hash_jeton=token_hash,
            date_expiration=expires_at,
            adresse_ip=ip,
            appareil=device,
            agent_utilisateur=user_agent,
            lieu=place,
        )
        .returning(token.c.famille)
    )
    if new_device_job is None:
        await session.execute(inserted)
        return
    new_token = inserted.cte("nouveau_jeton")
    earlier = token.alias("anterieur")
    # A session of before devices were recorded (no `appareil`) does not count: the first
    # sign-in after the upgrade records the device without telling everyone at once.
    had_a_session = exists().where(earlier.c.id_user == user_id, earlier.c.appareil.is_not(None))
    seen_device = exists().where(
        earlier.c.id_user == user_id,
        earlier.c.appareil == device,
        earlier.c.date_connexion > func.now() - func.make_interval(0, 0, 0, window_days),
    )
    payload = func.jsonb_build_object(
        "id_user", user_id, "famille", func.cast(new_token.c.famille, String)
    )
    chosen = select(
        literal(queue.DEFAULT_QUEUE),
        literal(new_device_job),
        payload,
        literal(NEW_DEVICE_MAX_ATTEMPTS),
        func.now(),
    ).where(had_a_session, ~seen_device)
    await session.execute(
        insert(Tache).from_select(
            ["file", "nom", "charge", "tentatives_max", "date_execution"],
            chosen.select_from(new_token),
        )
    )


async def refresh_token_for_update(
    session: AsyncSession, token_hash: str
) -> JetonRafraichissement | None:
    query = (
        select(JetonRafraichissement)
        .where(JetonRafraichissement.hash_jeton == token_hash)
        .with_for_update()
    )
    result: JetonRafraichissement | None = await session.scalar(query)
    return result


async def _revoke(session: AsyncSession, which: ColumnElement[bool], reason: str) -> None:
    await session.execute(
        update(JetonRafraichissement)
        .where(which, JetonRafraichissement.date_revocation.is_(None))
        .values(date_revocation=func.now(), motif_revocation=reason)
    )


async def revoke_family(session: AsyncSession, *, family: uuid.UUID, reason: str) -> None:
    await _revoke(session, JetonRafraichissement.famille == family, reason)


async def revoke_all_for_user(
    session: AsyncSession, *, user_id: int, reason: str, keep_family: uuid.UUID | None = None
) -> None:
    which = JetonRafraichissement.id_user == user_id
    if keep_family is not None:
        which = and_(which, JetonRafraichissement.famille != keep_family)
    await _revoke(session, which, reason)


# ------------------------------------------------------------------------------ lockout


async def lockout_row_for_update(
    session: AsyncSession, identifier: str
) -> TentativeAuthentification:
    """The counter row of an identifier, created on first use, locked for this transaction."""
    await session.execute(
        insert(TentativeAuthentification)
        .values(identifiant=identifier, echecs=0, nb_verrouillages=0)
        .on_conflict_do_nothing()
    )
    row = await session.scalar(
        select(TentativeAuthentification)
        .where(TentativeAuthentification.identifiant == identifier)
        .with_for_update()
    )
    if row is None:  # inserted just above, in this transaction
        raise RuntimeError(f"lockout row missing for {identifier!r}")
    return row


async def clear_lockout(session: AsyncSession, identifier: str) -> None:
    await session.execute(
        update(TentativeAuthentification)
        .where(
            TentativeAuthentification.identifiant == identifier,
            or_(
                TentativeAuthentification.echecs > 0,
                TentativeAuthentification.nb_verrouillages > 0,
            ),
        )
        .values(echecs=0, nb_verrouillages=0, verrouille_jusqu_a=None)
    )


def lock_delay(base_seconds: int, max_seconds: int, previous_locks: int) -> timedelta:
    """1 min, 2 min, 4 min… capped: each new lock doubles the previous one."""
    return timedelta(seconds=min(max_seconds, base_seconds * 2 ** min(previous_locks, 30)))
