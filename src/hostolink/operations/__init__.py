"""Deposits and withdrawals through outside providers: initiation, callbacks (inbox), the
settlement that moves the money, reconciliation."""
