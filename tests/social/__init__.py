"""Tests of social."""
