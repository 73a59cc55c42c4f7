"""Tests of the health directory."""
