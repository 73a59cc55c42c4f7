"""The wallet: accounts, the double-entry ledger, transfers, limits, fees, idempotency.

What other domains use (operations, cards, QR codes, establishments, the back-office), and
nothing else: `ledger` (posting movements on locked accounts), `idempotency` (claims and
stored answers), `reference_data` (the system accounts), `pin` and `deps` (PIN
confirmation, the notice writer), `notify` (notices after commit), `history` (statements
and receipts), `admin` (reversals and adjustments). The rest (`service`, `repository`,
`endpoints`…) is the wallet's own business: transfers between people."""
