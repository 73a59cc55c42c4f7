"""The media's request dependency: where uploaded files are stored (used by the media routes
and by the identity documents of `hostolink.kyc`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hostolink.kit.deps import SettingsDep
from hostolink.media.storage import Storage, build_storage


async def get_storage(request: Request, settings: SettingsDep) -> Storage:
    """Built from the settings on first use, then kept on `app.state.media_storage`."""
    storage: Storage | None = getattr(request.app.state, "media_storage", None)
    if storage is None:
        storage = build_storage(settings)
        request.app.state.media_storage = storage
    return storage


StorageDep = Annotated[Storage, Depends(get_storage)]
