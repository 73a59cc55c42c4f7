"""The wallet's tests. Where each money flaw of the previous back end
(reference/previous-backend.md §3.10) is proven absent:

- M-1 negative amounts, M-2 fractional amounts: test_transfers.py::TestAmountsAreStrictIntegers,
  test_qr_payments.py::TestIntegrity::test_negative_amount, test_history_and_admin.py
  ::TestAdjustments (negative admin credit).
- M-3 overdraft races: test_concurrency.py::TestDraining, ::TestRandomTransfers.
- M-4 lost updates: test_concurrency.py::TestAdminCreditsDuringTransfers.
- M-5 leaked connections: test_concurrency.py::TestConnectionsAreReturned.
- M-6 failures after commit: test_history_and_admin.py::TestNotificationFailure.
- M-7 QR integrity: test_qr_payments.py (signature, expiry, single use, credited account
  never chosen by the client) and tests/qr/.
- M-8 repeatable reversals: test_history_and_admin.py::TestReversal.
- M-9, M-10 (Wave webhook and payout): the deposits and withdrawals issue.
- M-11 unenforced limits: test_transfers.py::TestLimits.
- M-12 fee links: test_transfers.py::TestFees (one fee per transaction, in its header and
  as an entry on the fee account; `ledger verify` checks header = entries).
- M-13 inconsistent history: test_history_and_admin.py::TestHistory (both sides of every
  movement in their own history; one status vocabulary, enforced by CHECK constraints).
"""
