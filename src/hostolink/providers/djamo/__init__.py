"""Djamo Business API: withdrawals to Djamo accounts (deposits have no public API)."""

from hostolink.providers.djamo.adapter import DjamoProvider, build

__all__ = ["DjamoProvider", "build"]
