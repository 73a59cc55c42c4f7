"""The identity checks' request dependency: the key of the signed links to the documents'
images."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from hostolink.kit.deps import SigningKeyDep
from hostolink.kyc import links


async def get_link_key(signing_key: SigningKeyDep) -> bytes:
    return links.link_key(signing_key)


LinkKeyDep = Annotated[bytes, Depends(get_link_key)]
