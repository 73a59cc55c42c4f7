"""Tests of kyc."""
