"""The export's request dependencies: the key of its signed links, and its storage."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hostolink.account.export import links
from hostolink.account.export.storage import ExportStorage
from hostolink.kit.deps import SigningKeyDep


async def get_link_key(signing_key: SigningKeyDep) -> bytes:
    return links.link_key(signing_key)


async def get_storage(request: Request) -> ExportStorage:
    storage: ExportStorage = request.app.state.exports.storage
    return storage


LinkKeyDep = Annotated[bytes, Depends(get_link_key)]
StorageDep = Annotated[ExportStorage, Depends(get_storage)]
