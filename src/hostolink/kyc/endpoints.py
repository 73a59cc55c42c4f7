"""Routes of kyc (being written)."""

from __future__ import annotations

from fastapi import Depends

from hostolink.deps import admin_principal, authenticated_router, public_router

router = authenticated_router(tags=["Vérification d'identité"])
public = public_router(tags=["Vérification d'identité"])
admin_router = authenticated_router(
    tags=["Administration — vérification d'identité"], dependencies=[Depends(admin_principal)]
)
