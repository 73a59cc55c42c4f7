"""Tests of the directory's seed from open data."""
