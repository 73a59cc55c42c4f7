"""One-time codes: 6 digits from a CSPRNG, stored as a keyed hash, valid 5 minutes, single
use, at most 5 tries, resends throttled; delivered by SMS or e-mail, never returned."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth import repository
from hostolink.config import Settings
from hostolink.db import Database
from hostolink.errors import BadRequest, HostolinkError, TooManyRequests
from hostolink.kit.crypto import constant_time_equals, generate_otp, keyed_hash
from hostolink.kit.metrics import OTP_CHECKS, OTP_MESSAGES
from hostolink.messaging.senders import Senders
from hostolink.messaging.templates import otp_message
from hostolink.models import Utilisateur
from hostolink.models.base import utcnow

Channel = Literal["sms", "email"]
Purpose = Literal["verification", "reinitialisation", "nouvel_identifiant"]


class InvalidOtp(HostolinkError):
    status_code = 401
    message = "Code OTP incorrect."


class OtpExpired(HostolinkError):
    status_code = 400
    message = (
        "Aucun code valide : il a expiré, a déjà servi ou a été annulé. Demandez un nouveau code."
    )


class ChannelUnavailable(BadRequest):
    pass


def destination(user: Utilisateur, channel: Channel) -> str:
    value = user.telephone if channel == "sms" else user.email
    if value is None:
        what = "numéro de téléphone" if channel == "sms" else "adresse e-mail"
        raise ChannelUnavailable(f"Aucun {what} n'est enregistré pour ce compte.")
    return value


class OtpService:
    def __init__(self, db: Database, settings: Settings, senders: Senders) -> None:
        self._db = db
        self._settings = settings
        self._senders = senders
        self._key = settings.signing_key()

    def _hash(self, user_id: int, purpose: str, code: str) -> str:
        return keyed_hash(self._key, "otp", str(user_id), purpose, code)

    async def send(
        self,
        session: AsyncSession,
        *,
        user: Utilisateur,
        channel: Channel,
        purpose: Purpose,
        reuse_recent: bool = False,
        to: str | None = None,
    ) -> int | None:
        """Create a code and deliver it in the caller's transaction: if delivery fails the
        error propagates and the whole request (code, password…) is rolled back. `to`: an
        address that is not yet the person's (the new identifier of a change); by default
        the person's own phone or e-mail for `channel`.

        With `reuse_recent` (generate-otp), a request within the resend cooldown whose last
        code has the same purpose, went to the same channel and is still valid sends
        nothing and changes nothing: the seconds left before another may be asked are
        returned, and that code stays the one to type. Otherwise None (a code was sent)."""
        to = to or destination(user, channel)
        wait = await self._throttle(
            session, user.id_user, purpose=purpose, channel=channel, reuse_recent=reuse_recent
        )
        if wait is not None:  # nothing handed to a sender: not counted in OTP_MESSAGES
            return wait
        await repository.invalidate_otps(session, user_id=user.id_user, purpose=purpose)
        code = generate_otp()
        ttl = self._settings.otp_ttl_seconds
        await repository.add_otp(
            session,
            user_id=user.id_user,
            code_hash=self._hash(user.id_user, purpose, code),
            purpose=purpose,
            channel=channel,
            expires_at=utcnow() + timedelta(seconds=ttl),
        )
        message = otp_message(channel, to, code, purpose, max(1, ttl // 60))
        try:
            await self._senders.for_channel(channel).send(session, message)
        except Exception:
            OTP_MESSAGES.labels(channel=channel, outcome="failed").inc()
            raise
        OTP_MESSAGES.labels(channel=channel, outcome="sent").inc()
        return None

    async def _throttle(
        self,
        session: AsyncSession,
        user_id: int,
        *,
        purpose: Purpose,
        channel: Channel,
        reuse_recent: bool,
    ) -> int | None:
        """Raise `TooManyRequests` when no code may be sent now; with `reuse_recent`, the
        seconds left of the cooldown when the last code is still the one to type."""
        now = utcnow()
        last, sent_last_hour = await repository.otp_send_history(
            session, user_id=user_id, since=now - timedelta(hours=1)
        )
        # The hourly cap first: it is the abuse guard, and a reused code does not lift it.
        if sent_last_hour >= self._settings.otp_max_per_hour:
            raise TooManyRequests(
                "Trop de codes demandés en une heure. Réessayez plus tard.", retry_after=3600
            )
        interval = self._settings.otp_resend_interval_seconds
        if last is None or (now - last).total_seconds() >= interval:
            return None
        wait = max(1, interval - int((now - last).total_seconds()))
        if reuse_recent:
            latest = await repository.latest_otp(session, user_id=user_id)
            if latest is not None and latest.objet == purpose:
                if latest.moyen_envoyer != channel:
                    # Another channel (an SMS that does not arrive, the e-mail asked for
                    # instead): send there, within the hourly cap checked above.
                    return None
                if latest.is_valid and latest.expires_at > now.replace(tzinfo=None):
                    return wait
        raise TooManyRequests(
            f"Un code vient d'être envoyé. Patientez {wait} s avant d'en demander un autre.",
            retry_after=wait,
        )

    async def verify(
        self, session: AsyncSession, *, user_id: int | None, code: str, purpose: Purpose
    ) -> Channel:
        """Check a code and consume it; return the channel it was delivered on.

        The attempt is counted in a transaction of its own (it stays counted when the
        request fails) before `session` is first used: a request transaction waiting for a
        second connection could, behind a transaction pooler, wait for ever for a server
        connection that other such transactions hold."""
        if user_id is None:
            OTP_CHECKS.labels(result="expired").inc()
            raise OtpExpired
        maximum = self._settings.otp_max_attempts
        async with self._db.counters.begin() as side:
            attempt = await repository.take_otp_attempt(
                side, user_id=user_id, purpose=purpose, now=utcnow(), max_attempts=maximum
            )
        if attempt is None:
            OTP_CHECKS.labels(result="expired").inc()
            raise OtpExpired
        if not constant_time_equals(attempt.code_hash, self._hash(user_id, purpose, code)):
            OTP_CHECKS.labels(result="wrong").inc()
            left = maximum - attempt.attempts
            if left <= 0:
                async with self._db.counters.begin() as side:
                    await repository.burn_otp(side, otp_id=attempt.otp_id)
                raise InvalidOtp(
                    "Code OTP incorrect. Trop d'essais : ce code est annulé, "
                    "demandez-en un nouveau."
                )
            raise InvalidOtp(
                f"Code OTP incorrect. Il vous reste {left} essai{'s' if left > 1 else ''}."
            )
        if not await repository.consume_otp(session, otp_id=attempt.otp_id):
            OTP_CHECKS.labels(result="expired").inc()
            raise OtpExpired
        OTP_CHECKS.labels(result="valid").inc()
        channel: Channel = "sms" if attempt.channel == "sms" else "email"
        return channel
