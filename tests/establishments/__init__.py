"""Tests of establishment accounts: managers, merchant wallet, experts."""
