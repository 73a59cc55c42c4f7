"""Routes of media (being written)."""

from __future__ import annotations

from fastapi import Depends

from hostolink.deps import admin_principal, authenticated_router, public_router

router = authenticated_router(tags=["media"])
public = public_router(tags=["media"])
admin_router = authenticated_router(tags=["media"], dependencies=[Depends(admin_principal)])
