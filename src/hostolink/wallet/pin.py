"""PIN confirmation of money movements.

A payment needs the sender's PIN (the account's secret, checked with argon2id and the same
lockout as login), either in the request body or as a short-lived confirmation token
(`X-Jeton-Pin`) obtained by typing the PIN once: the app can then send several payments
in a few minutes without asking again, and without an argon2 check on each (tens of
milliseconds of CPU on purpose). The token is a JWT of type `pin`: it cannot pass as an
access token, and an access token cannot pass as it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth.principal import Principal
from hostolink.auth.service import AuthService
from hostolink.auth.tokens import issue_token, read_token
from hostolink.kit.deps import client_ip
from hostolink.wallet.errors import InvalidPinToken, PinRequired

PIN_TOKEN_TYPE = "pin"  # noqa: S105 — a JWT type name, not a secret
PIN_TOKEN_HEADER = "X-Jeton-Pin"  # noqa: S105 — a header name


def issue_pin_token(user_id: int, *, key: str, ttl_seconds: int) -> str:
    return issue_token(user_id, key=key, ttl_seconds=ttl_seconds, kind=PIN_TOKEN_TYPE)


def read_pin_token(token: str, *, key: str) -> int:
    return read_token(token, key=key, kind=PIN_TOKEN_TYPE, invalid=InvalidPinToken)


def login_identifier(principal: Principal) -> str:
    """The identifier the PIN lockout counts against (the same counter as login's)."""
    identifier = principal.telephone or principal.email
    if identifier is None:  # the schema requires one of them
        raise PinRequired
    return identifier


@dataclass(frozen=True)
class PinCheck:
    """What a PIN is checked against: the auth service (argon2id, and the lockout of login)
    and the key of the confirmation tokens (`wallet.deps.PinCheckDep`)."""

    auth: AuthService
    signing_key: str


async def check_pin(
    session: AsyncSession, request: Request, check: PinCheck, *, principal: Principal, pin: str
) -> None:
    """The PIN itself: argon2id, with the per-account and per-address lockout of login."""
    await check.auth.verify_pin(
        session, identifier=login_identifier(principal), pin=pin, ip=client_ip(request)
    )


async def confirm_pin(
    session: AsyncSession,
    request: Request,
    check: PinCheck,
    *,
    principal: Principal,
    pin: str | None,
) -> None:
    """Refuse unless the caller proved their PIN: a valid `X-Jeton-Pin` of theirs, else the
    `pin` of the body."""
    token = request.headers.get(PIN_TOKEN_HEADER)
    if token:
        if read_pin_token(token, key=check.signing_key) != principal.id:
            raise InvalidPinToken
        return
    if pin:
        await check_pin(session, request, check, principal=principal, pin=pin)
        return
    raise PinRequired
