"""The wallet: accounts, the double-entry ledger, transfers, limits, fees, idempotency."""
