"""Establishment accounts: a person asks to manage an establishment of the health directory
and an administrator approves or refuses (`service`); an approved manager edits the
establishment, reaches its merchant wallet (balance, QR codes, receipts, withdrawals) and
invites health experts (`experts`). Routes in `endpoints`, bodies and answers in `schemas`;
the establishments themselves belong to `health`."""
