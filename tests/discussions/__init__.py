"""Tests of discussions."""
