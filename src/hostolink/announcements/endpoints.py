"""Routes of announcements (being written)."""

from __future__ import annotations

from fastapi import Depends

from hostolink.deps import admin_principal, authenticated_router, public_router

router = authenticated_router(tags=["announcements"])
public = public_router(tags=["announcements"])
admin_router = authenticated_router(tags=["announcements"], dependencies=[Depends(admin_principal)])
