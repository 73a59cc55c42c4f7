"""Routes of social (being written)."""

from __future__ import annotations

from fastapi import Depends

from hostolink.deps import admin_principal, authenticated_router, public_router

router = authenticated_router(tags=["social"])
public = public_router(tags=["social"])
admin_router = authenticated_router(tags=["social"], dependencies=[Depends(admin_principal)])
