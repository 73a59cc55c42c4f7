"""Hostolink: the health and payments super-app back end for Côte d'Ivoire."""

__version__ = "0.1.0"
