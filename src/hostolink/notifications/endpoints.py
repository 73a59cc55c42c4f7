"""Routes of notifications (being written)."""

from __future__ import annotations

from hostolink.deps import authenticated_router

router = authenticated_router(tags=["Notifications"])
