"""The QR codes' request dependency: the key ring that signs and reads payloads (used by the
QR routes, the wallet's payment of a code and the establishments' codes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hostolink.kit.deps import SettingsDep
from hostolink.kit.keys import KeyRing
from hostolink.qr import service


async def get_keyring(request: Request, settings: SettingsDep) -> KeyRing:
    """Built from the settings on first use, then kept on `app.state.qr_keyring`."""
    ring: KeyRing | None = getattr(request.app.state, "qr_keyring", None)
    if ring is None:
        ring = service.keyring(settings)
        request.app.state.qr_keyring = ring
    return ring


KeyRingDep = Annotated[KeyRing, Depends(get_keyring)]
