"""Change the account's secret while signed in.

The current secret is checked by the auth service exactly as login checks it (argon2id,
the per-identifier lockout — 423 —, the per-address failure count); the new one follows
the PIN-or-password policy (auth.secret_policy), including « not the digits of my own
number », which needs the person's identifiers, read here rather than from the body. Every
other session is ended at once (their access tokens answer 401 `SessionEnded` on the next
request, their refresh tokens are revoked); the caller's own session goes on. The person is
told in the app and by SMS (or e-mail without a phone): a secret changed by someone else is
the first sign of a stolen phone.
"""

from __future__ import annotations

import logging
import uuid

from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.account.security import repository
from hostolink.auth.principal import Principal
from hostolink.auth.secret_policy import WeakSecret, check_secret_for
from hostolink.auth.service import AuthService
from hostolink.errors import Unauthorized
from hostolink.messaging.senders import OutgoingMessage, SenderError
from hostolink.notifications.service import notify

logger = logging.getLogger("hostolink.account.security")

NOTICE_TITLE = "Mot de passe changé"
# GSM-7 only (see messaging.templates): one SMS segment, no « » nor ’.
NOTICE_TEXT = (
    "Votre mot de passe Hostolink a été changé. Si ce n'est pas vous, utilisez vite "
    "Mot de passe oublié puis contactez le support Hostolink."
)


class WrongCurrentPassword(Unauthorized):
    message = "Mot de passe actuel incorrect."


class NoIdentifier(Unauthorized):
    message = "Ce compte n'a ni téléphone ni e-mail : impossible de vérifier son mot de passe."


def _refuse_own_digits(new: str, principal: Principal) -> None:
    for identifier in (principal.telephone, principal.email):
        if identifier is None:
            continue
        try:
            check_secret_for(new, identifier)
        except WeakSecret as exc:
            raise RequestValidationError(
                [
                    {
                        "type": "value_error",
                        "loc": ("body", "nouveau_mot_de_passe"),
                        "msg": str(exc),
                        "ctx": {"error": str(exc)},
                    }
                ]
            ) from exc


def _notice(principal: Principal) -> OutgoingMessage | None:
    if principal.telephone:
        return OutgoingMessage(
            channel="sms", to=principal.telephone, subject=None, text=NOTICE_TEXT
        )
    if principal.email:
        return OutgoingMessage(
            channel="email",
            to=principal.email,
            subject="Votre mot de passe Hostolink a été changé",
            text=f"Bonjour,\n\n{NOTICE_TEXT}\n\nL'équipe Hostolink\n",
        )
    return None


async def change_password(
    session: AsyncSession,
    auth: AuthService,
    *,
    principal: Principal,
    current_session: uuid.UUID,
    current: str,
    new: str,
    ip: str | None,
) -> int:
    """Replace the secret; the number of other sessions ended."""
    identifier = principal.telephone or principal.email
    if identifier is None:  # the schema requires one of them
        raise NoIdentifier
    _refuse_own_digits(new, principal)
    # No query before the secret is checked: a wrong one must not hold a connection while
    # it waits for the hashing threads (see AuthService._check_secret).
    await auth.replace_secret(
        session,
        identifier=identifier,
        current=current,
        new=new,
        ip=ip,
        keep_family=current_session,
        error=WrongCurrentPassword,
        reason=repository.REASON,
    )
    others = await repository.sessions_just_ended(session, user_id=principal.id)
    await notify(
        session, user_id=principal.id, kind="systeme", title=NOTICE_TITLE, text=NOTICE_TEXT
    )
    message = _notice(principal)
    if message is not None:
        try:
            async with session.begin_nested():
                await auth.senders.send(session, message)
        except SenderError:
            # The in-app notification is written; a provider outage must not undo the change.
            logger.warning("password change notice not delivered", extra={"user": principal.id})
    return others
