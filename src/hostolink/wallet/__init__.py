"""The wallet: accounts, the double-entry ledger, transfers, limits, fees, idempotency.

What other domains use (operations, cards, QR codes, establishments, the back-office):
`ledger` (posting movements on locked accounts), `idempotency` (claims and stored answers),
`reference_data` (the system accounts), `pin` and `deps` (PIN confirmation, the notice
writer), `notify` and `repository.Notice` (notices after commit), `history` and the
statement `schemas` (statements and receipts), `admin` (reversals and adjustments), and the
refusals of `errors`; operations also posts its transactions through `repository.post`.
`service` and `endpoints` (transfers between people) are the wallet's own."""
