"""Change my phone number or e-mail address (RG-71 to RG-73).

1. `request_change`: the current PIN is checked with the lockout and the failure counting
   of verify-pin (the same counter as sign-in: the PIN is the password); an identifier that
   already belongs to someone answers 409 (what check-user already tells anyone), the
   person's own one 422. The request is recorded (`changement_identifiant`, replacing a
   pending one) and a code is sent to the NEW identifier through the OTP machinery (purpose
   `nouvel_identifiant`: hashed, 5 minutes, 5 tries, resends throttled).
2. `confirm`: the code is checked (tries counted as in verify-otp), then the new identifier
   is written in a savepoint. The unique constraints of `utilisateur` decide a race (two
   people confirming the same number, or a registration of it): the loser's savepoint is
   rolled back, their request closed `refuse` and the endpoint answers 409 — the closing
   and the used code commit with that answer, nothing of the identifier is half-written.
   The winner's change is recorded in `verification_compte` (the code proved the new
   identifier), their other sessions end (the current one stays), the replaced identifier
   is told (SMS or e-mail, with the new one masked) and an in-app notification is written.

Services never commit: the request's session commits after the endpoint returns.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.account.identifier import messages, repository
from hostolink.auth import repository as auth_repository
from hostolink.auth.otp import Channel, Purpose
from hostolink.auth.principal import Principal
from hostolink.auth.service import AuthService
from hostolink.errors import Conflict, HostolinkError
from hostolink.messaging.senders import SenderError
from hostolink.models import Utilisateur
from hostolink.models.base import utcnow
from hostolink.notifications import service as notifications

logger = logging.getLogger("hostolink.account.identifier")

PURPOSE: Purpose = "nouvel_identifiant"
REVOCATION_REASON = "changement_identifiant"


class SameIdentifier(HostolinkError):
    status_code = 422
    message = "C'est déjà l'identifiant de votre compte : saisissez un autre numéro ou e-mail."


class IdentifierInUse(Conflict):
    message = "Cet identifiant est déjà utilisé par un compte Hostolink."

    @classmethod
    def of(cls, kind: str) -> IdentifierInUse:
        if kind == "email":
            return cls("Cette adresse e-mail est déjà utilisée par un compte Hostolink.")
        return cls("Ce numéro est déjà utilisé par un compte Hostolink.")


class NoPendingChange(Conflict):
    message = "Aucune demande de changement d'identifiant en attente. Recommencez la demande."


def kind_of(value: str) -> str:
    return "email" if "@" in value else "telephone"


def channel_of_kind(kind: str) -> Channel:
    return "email" if kind == "email" else "sms"


def sign_in_identifier(principal: Principal) -> str:
    """The identifier whose lockout counter the PIN check uses: the phone, else the e-mail
    (a person has at least one, a CHECK of `utilisateur`)."""
    identifier = principal.telephone or principal.email
    if identifier is None:
        raise RuntimeError("unreachable: a person has a phone or an e-mail")
    return identifier


@dataclass(frozen=True)
class Requested:
    kind: str
    value: str
    channel: Channel


@dataclass(frozen=True)
class Confirmed:
    kind: str
    email: str | None
    telephone: str | None


@dataclass(frozen=True)
class Refused:
    """Someone else took the identifier first: the request is closed."""

    error: IdentifierInUse


class IdentifierChangeService:
    def __init__(self, auth: AuthService, *, otp_ttl_seconds: int) -> None:
        self._auth = auth
        self.otp_ttl_seconds = otp_ttl_seconds

    async def request_change(
        self,
        session: AsyncSession,
        *,
        principal: Principal,
        new_value: str,
        pin: str,
        ip: str | None,
    ) -> Requested:
        kind = kind_of(new_value)
        current = principal.email if kind == "email" else principal.telephone
        if new_value == current:
            raise SameIdentifier
        # Before the request's transaction is first used (see AuthService._check_secret).
        await self._auth.verify_pin(
            session, identifier=sign_in_identifier(principal), pin=pin, ip=ip
        )
        exists, _ = await self._auth.status(new_value)
        if exists:
            raise IdentifierInUse.of(kind)
        await repository.lock_identifiers(session, principal.id)
        await repository.close_pending(session, user_id=principal.id, status="annule")
        await repository.add_pending(session, user_id=principal.id, kind=kind, value=new_value)
        user = await session.get(Utilisateur, principal.id)
        if user is None:
            raise RuntimeError("unreachable: the row was locked above")
        channel = channel_of_kind(kind)
        await self._auth.otp.send(
            session, user=user, channel=channel, purpose=PURPOSE, to=new_value
        )
        return Requested(kind=kind, value=new_value, channel=channel)

    async def confirm(
        self,
        session: AsyncSession,
        *,
        principal: Principal,
        code: str,
        current_session: uuid.UUID | None,
    ) -> Confirmed | Refused:
        # The try is counted in a transaction of its own, before `session` is used.
        await self._auth.otp.verify(session, user_id=principal.id, code=code, purpose=PURPOSE)
        before = await repository.lock_identifiers(session, principal.id)
        change = await repository.pending(session, user_id=principal.id)
        if change is None:
            raise NoPendingChange
        kind, value = change.type_identifiant, change.nouvelle_valeur
        try:
            async with session.begin_nested():
                await repository.set_identifier(
                    session, user_id=principal.id, kind=kind, value=value
                )
        except IntegrityError:  # RG-73: another person holds it now; their write won
            await repository.finish(session, change_id=change.id_changement, status="refuse")
            return Refused(IdentifierInUse.of(kind))
        previous = before.of(kind)
        await repository.finish(
            session, change_id=change.id_changement, status="confirme", previous=previous
        )
        channel = channel_of_kind(kind)
        await auth_repository.record_verification(
            session, user_id=principal.id, channel=channel, value=value
        )
        await self._auth.refresh_tokens.revoke_all(
            session, user_id=principal.id, keep_family=current_session, reason=REVOCATION_REASON
        )
        await self._tell(session, principal.id, before, kind=kind, value=value)
        email = value if kind == "email" else before.email
        telephone = value if kind == "telephone" else before.telephone
        return Confirmed(kind=kind, email=email, telephone=telephone)

    async def _tell(
        self,
        session: AsyncSession,
        user_id: int,
        before: repository.Identifiers,
        *,
        kind: str,
        value: str,
    ) -> None:
        """Tell the replaced identifier (or, when one was only added, the other one) and
        write the in-app notification. A message that cannot leave does not undo the
        change: it is logged, the notification stays."""
        at = utcnow()
        previous = before.of(kind)
        other = "telephone" if kind == "email" else "email"
        to_kind, to = (kind, previous) if previous else (other, before.of(other))
        if to is not None:
            message = messages.notice(
                to=to,
                channel=channel_of_kind(to_kind),
                kind=kind,
                new_value=value,
                at=at,
                replaced=previous is not None,
            )
            try:
                async with session.begin_nested():
                    await self._auth.senders.send(session, message)
            except SenderError:
                logger.warning("identifier change notice not sent", extra={"channel": to_kind})
        await notifications.notify(
            session,
            user_id=user_id,
            kind="systeme",
            title=messages.NOTIFICATION_TITLE,
            text=messages.sentence(kind, value, at, replaced=previous is not None),
            data={"type_identifiant": kind},
        )
