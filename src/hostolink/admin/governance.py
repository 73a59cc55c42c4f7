"""Routes of roles, suspensions and the audit log (being written)."""

from __future__ import annotations

from fastapi import Depends

from hostolink.deps import admin_principal, authenticated_router

router = authenticated_router(
    tags=["Administration — rôles et journal"], dependencies=[Depends(admin_principal)]
)
