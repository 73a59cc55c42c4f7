"""Wave: Checkout sessions for deposits, Payout API for withdrawals, signed webhooks."""

from hostolink.providers.wave.adapter import WaveProvider, build

__all__ = ["WaveProvider", "build"]
