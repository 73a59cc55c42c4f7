"""Routes of discussions (being written)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from hostolink.deps import admin_principal, authenticated_router, public_router

router = authenticated_router(tags=["discussions"])
public = public_router(tags=["discussions"])
admin_router = authenticated_router(tags=["discussions"], dependencies=[Depends(admin_principal)])
# WebSocket routes: authenticated at the handshake by the route itself (HTTPBearer is an
# HTTP dependency), so they live on a router without the HTTP auth dependency.
ws_router = APIRouter()
