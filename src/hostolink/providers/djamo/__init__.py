"""Djamo Business API: withdrawals to Djamo accounts (deposits have no public API)."""

from hostolink.providers.djamo.adapter import (
    MISSING_BASE_URL,
    DjamoProvider,
    base_url_missing,
    build,
)

__all__ = ["MISSING_BASE_URL", "DjamoProvider", "base_url_missing", "build"]
