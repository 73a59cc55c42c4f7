"""Alembic migrations, shipped inside the package so that an installed `hostolink` can migrate."""
