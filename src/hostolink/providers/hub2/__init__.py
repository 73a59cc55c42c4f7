"""Hub2 aggregator: Moov Money deposits and withdrawals, Orange Money withdrawals (and MTN MoMo
or Wave when the merchant account has them)."""

from hostolink.providers.hub2.adapter import Hub2Provider, build

__all__ = ["Hub2Provider", "build"]
