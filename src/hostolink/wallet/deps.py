"""The wallet's request dependencies: the notice writer (the notifications a money movement
sends after its commit) and what a PIN confirmation checks against (also used by the
deposits and withdrawals, the establishments and the card)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.applications import Starlette

from hostolink.auth.deps import AuthServiceDep
from hostolink.kit.deps import SigningKeyDep
from hostolink.wallet.notify import NoticeWriter
from hostolink.wallet.pin import PinCheck


def notices_of(app: Starlette) -> NoticeWriter:
    writer: NoticeWriter = app.state.notices
    return writer


async def get_notices(request: Request) -> NoticeWriter:
    return notices_of(request.app)


async def get_pin_check(auth: AuthServiceDep, signing_key: SigningKeyDep) -> PinCheck:
    return PinCheck(auth=auth, signing_key=signing_key)


NoticesDep = Annotated[NoticeWriter, Depends(get_notices)]
PinCheckDep = Annotated[PinCheck, Depends(get_pin_check)]
