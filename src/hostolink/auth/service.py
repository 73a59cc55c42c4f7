"""The onboarding flow of API_CONTRACT.md: check, register, define the password, OTP,
PIN/password checks with lockout, tokens.

Services never commit: the request's session commits after the endpoint returns. Counters
that must survive a failed request (lockout, OTP tries, refresh-token reuse) are written in
short transactions of their own by `Lockout`, `OtpService` and `RefreshTokens`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth import repository
from hostolink.auth.lockout import Lockout
from hostolink.auth.otp import Channel, ChannelUnavailable, OtpService
from hostolink.auth.refresh_tokens import RefreshTokens
from hostolink.auth.tokens import issue_access_token
from hostolink.config import Settings
from hostolink.db import Database
from hostolink.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized
from hostolink.kit.crypto import PasswordHashing
from hostolink.kit.metrics import LOGINS
from hostolink.kit.ratelimit import RateLimiter
from hostolink.messaging.senders import Senders
from hostolink.models import Utilisateur
from hostolink.models.base import utcnow

CLIENT_FAILURE_WINDOW = 15 * 60

# (session, new person's id, invitation code typed or None)
RegistrationHook = Callable[[AsyncSession, int, str | None], Awaitable[None]]


class UnknownAccount(NotFound):
    message = "Aucun compte n'est associé à cet identifiant."


class IdentifierTaken(Conflict):
    message = "Cet identifiant est déjà utilisé. Connectez-vous ou définissez votre mot de passe."


class PasswordAlreadySet(Conflict):
    message = "Ce compte a déjà un mot de passe. Pour le changer, utilisez « Mot de passe oublié »."


class BadCredentials(Unauthorized):
    message = "Identifiant ou mot de passe incorrect."


class BadPin(Unauthorized):
    message = "PIN incorrect."


class AccountSuspended(Forbidden):
    message = "Ce compte est suspendu. Contactez le support Hostolink."


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str
    expires_in: int


def password_hashing(settings: Settings) -> PasswordHashing:
    return PasswordHashing(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        concurrency=settings.hashing_concurrency,
    )


def _known(user: Utilisateur | None) -> Utilisateur:
    if user is None:
        raise RuntimeError("unreachable: the secret check refuses unknown identifiers")
    return user


def channel_of(identifier: str) -> Channel:
    return "email" if "@" in identifier else "sms"


def channel_label(channel: Channel) -> str:
    return "par SMS" if channel == "sms" else "par email"


class AuthService:
    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        hashing: PasswordHashing,
        senders: Senders,
        limiter: RateLimiter,
    ) -> None:
        self._db = db
        self._settings = settings
        self._hashing = hashing
        self._limiter = limiter
        self._key = settings.signing_key()
        self.senders = senders  # also the new-device notice's (account.sessions.notice)
        self.otp = OtpService(db, settings, senders)
        self.lockout = Lockout(db, settings)
        self.refresh_tokens = RefreshTokens(db, settings)
        # Other domains' steps of a registration, in its transaction (the referral's code and
        # invitation): set by the application, so this domain imports none of them.
        self.on_registered: list[RegistrationHook] = []

    # ------------------------------------------------------------------ onboarding steps

    async def status(self, identifier: str) -> tuple[bool, bool]:
        """(exists, has a password), read outside any transaction."""
        statement = repository.identifier_status(identifier)
        row = await self._db.read_one(statement, {"identifier": identifier})
        return (False, False) if row is None else (True, bool(row[1]))

    async def _user_id(self, identifier: str) -> int | None:
        """The person's id, read outside the request's transaction."""
        statement = repository.identifier_status(identifier)
        row = await self._db.read_one(statement, {"identifier": identifier})
        return None if row is None else int(row[0])

    async def register(
        self,
        session: AsyncSession,
        *,
        identifier: str,
        invitation: str | None,
        fcm_token: str | None,
    ) -> int:
        """The person, their XOF wallet (`compte`) and the `user` role, in one transaction.
        Two simultaneous registrations of one identifier: the unique index lets one win."""
        try:
            user_id = await repository.create_person(
                session, identifier=identifier, invitation=invitation
            )
        except IntegrityError as exc:  # the unique index: this person is already registered
            raise IdentifierTaken from exc
        if fcm_token:
            await repository.register_device(session, user_id=user_id, fcm_token=fcm_token)
        for hook in self.on_registered:
            await hook(session, user_id, invitation)
        return user_id

    async def define_password(
        self, session: AsyncSession, *, identifier: str, password: str
    ) -> Channel:
        """Only for an account without a password or never verified (restarting enrolment);
        a verified account changes its password through the OTP-proven reset."""
        user = await repository.user_by_identifier(session, identifier, for_update=True)
        if user is None:
            raise UnknownAccount
        if user.mdp is not None and user.compte_verifier:
            raise PasswordAlreadySet
        user.mdp = await self._hashing.hash(password)
        user.date_modification = utcnow()
        channel = channel_of(identifier)
        await self.otp.send(session, user=user, channel=channel, purpose="verification")
        return channel

    async def send_code(
        self, session: AsyncSession, *, identifier: str, channel: Channel | None
    ) -> tuple[Channel, int | None]:
        """(channel, None) when a code was sent; (channel, seconds) when the code sent
        moments ago on that channel (by define-password, the owner's order) is still valid
        and is the one to type: nothing is sent, the seconds are the cooldown left."""
        user = await repository.user_by_identifier(session, identifier)
        if user is None:
            raise UnknownAccount
        chosen = channel or channel_of(identifier)
        wait = await self.otp.send(
            session, user=user, channel=chosen, purpose="verification", reuse_recent=True
        )
        return chosen, wait

    async def verify_code(
        self,
        session: AsyncSession,
        *,
        identifier: str,
        code: str,
        ip: str | None,
        user_agent: str | None = None,
    ) -> Tokens:
        # No row lock here: consuming the code is atomic, and marking verified is idempotent.
        # The request's transaction starts after the attempt is counted (OtpService.verify).
        channel = await self.otp.verify(
            session, user_id=await self._user_id(identifier), code=code, purpose="verification"
        )
        user = _known(await repository.user_by_identifier(session, identifier))
        self._ensure_active(user)
        await self._mark_verified(session, user, channel)
        return await self._open_session(session, user, ip=ip, user_agent=user_agent)

    async def verify_pin(
        self, session: AsyncSession, *, identifier: str, pin: str, ip: str | None
    ) -> None:
        await self._check_secret(session, identifier, pin, ip=ip, error=BadPin)

    async def login(
        self,
        session: AsyncSession,
        *,
        identifier: str,
        password: str,
        ip: str | None,
        user_agent: str | None = None,
    ) -> Tokens | Channel:
        """Tokens for a verified account; an unverified one is sent a code instead (the
        channel it went to is returned) and must verify it."""
        user = await self._check_secret(session, identifier, password, ip=ip, error=BadCredentials)
        if not user.compte_verifier:
            channel = channel_of(identifier)
            try:
                async with session.begin_nested():
                    await self.otp.send(session, user=user, channel=channel, purpose="verification")
            except TooManyRequests:
                pass  # a code was sent moments ago: it is still the one to type
            return channel
        return await self._open_session(session, user, ip=ip, user_agent=user_agent)

    async def refresh(self, session: AsyncSession, *, token: str, ip: str | None) -> Tokens:
        user_id, family, refresh = await self.refresh_tokens.rotate(session, token, ip=ip)
        user = await session.get(Utilisateur, user_id)
        if user is None:
            raise Unauthorized
        self._ensure_active(user)
        access = self._access_token(user_id, family)
        return Tokens(access, refresh, self._settings.access_token_ttl_seconds)

    async def logout(self, session: AsyncSession, *, token: str) -> None:
        await self.refresh_tokens.revoke(session, token)

    async def forgot_password(
        self, session: AsyncSession, *, identifier: str, channel: Channel | None
    ) -> Channel | None:
        """Send a reset code, if the account exists and may be sent one now. The caller
        answers alike in every case (issue 21: a 429 for a known identifier and a 200 for an
        unknown one told which accounts exist), so a throttled resend (a code sent moments
        ago, the hourly cap) or a channel the account lacks sends nothing and changes
        nothing, silently: the code already sent stays the one to type."""
        user = await repository.user_by_identifier(session, identifier)
        chosen = channel or channel_of(identifier)
        if user is None:
            return None
        try:
            async with session.begin_nested():
                await self.otp.send(session, user=user, channel=chosen, purpose="reinitialisation")
        except (TooManyRequests, ChannelUnavailable):
            return None
        return chosen

    async def reset_password(
        self, session: AsyncSession, *, identifier: str, code: str, password: str
    ) -> None:
        channel = await self.otp.verify(
            session, user_id=await self._user_id(identifier), code=code, purpose="reinitialisation"
        )
        user = _known(await repository.user_by_identifier(session, identifier))
        user.mdp = await self._hashing.hash(password)
        user.date_modification = utcnow()
        await self._mark_verified(session, user, channel)
        # A new password closes every open session and lifts the lock it was meant to end.
        await self.refresh_tokens.revoke_all(session, user_id=user.id_user)
        await self.lockout.succeeded(identifier)

    async def replace_secret(
        self,
        session: AsyncSession,
        *,
        identifier: str,
        current: str,
        new: str,
        ip: str | None,
        keep_family: uuid.UUID | None,
        error: type[Unauthorized],
        reason: str,
    ) -> Utilisateur:
        """A signed-in person changes their secret: the current one is checked exactly as
        login checks it (same lockout, same failure counts), then every session but
        `keep_family` (the caller's own) is ended."""
        user = await self._check_secret(session, identifier, current, ip=ip, error=error)
        user.mdp = await self._hashing.hash(new)
        user.date_modification = utcnow()
        await self.refresh_tokens.revoke_all(
            session, user_id=user.id_user, keep_family=keep_family, reason=reason
        )
        return user

    # ------------------------------------------------------------------------- helpers

    async def _check_secret(
        self,
        session: AsyncSession,
        identifier: str,
        secret: str,
        *,
        ip: str | None,
        error: type[Unauthorized],
    ) -> Utilisateur:
        client_key = f"authfail:{ip or 'inconnu'}"
        limit = self._settings.rate_limit_per_ip_per_minute
        if (
            self._settings.rate_limit_enabled
            and await self._limiter.peek(client_key, CLIENT_FAILURE_WINDOW) >= limit
        ):
            raise TooManyRequests(
                "Trop de tentatives incorrectes depuis cette connexion. Réessayez plus tard.",
                retry_after=CLIENT_FAILURE_WINDOW,
            )
        await self.lockout.reserve(identifier)
        # The request's own transaction opens only once the secret is known to be right:
        # a burst of wrong secrets queued for the hashing threads then holds no database
        # connection of the request pool (nor a pooler's server connection) while it waits.
        stored = await repository.stored_secret(self._db, identifier)
        kind = "pin" if error is BadPin else "password"
        if not await self._hashing.verify(stored, secret):
            LOGINS.labels(secret=kind, result="failure").inc()
            await self._limiter.hit(client_key, limit, CLIENT_FAILURE_WINDOW)
            await self.lockout.failed(identifier)
            raise error
        LOGINS.labels(secret=kind, result="success").inc()
        await self.lockout.succeeded(identifier)
        user = _known(await repository.user_by_identifier(session, identifier))
        self._ensure_active(user)
        return user

    @staticmethod
    def _ensure_active(user: Utilisateur) -> None:
        if not user.actif:
            raise AccountSuspended

    async def _mark_verified(
        self, session: AsyncSession, user: Utilisateur, channel: Channel
    ) -> None:
        user.compte_verifier = True
        value = user.telephone if channel == "sms" else user.email
        await repository.record_verification(
            session, user_id=user.id_user, channel=channel, value=value or ""
        )

    async def _open_session(
        self, session: AsyncSession, user: Utilisateur, *, ip: str | None, user_agent: str | None
    ) -> Tokens:
        user.derniere_connexion = utcnow()
        # The session (family): its refresh tokens, its access tokens, its device.
        family, refresh = await self.refresh_tokens.open(
            session, user_id=user.id_user, ip=ip, user_agent=user_agent
        )
        return Tokens(
            self._access_token(user.id_user, family),
            refresh,
            self._settings.access_token_ttl_seconds,
        )

    def _access_token(self, user_id: int, family: uuid.UUID) -> str:
        return issue_access_token(
            user_id,
            key=self._key,
            ttl_seconds=self._settings.access_token_ttl_seconds,
            session=family,
        )
