"""Hostolink's development tools: the Postman collection's builder and its flows, the MERISE
documents' generator, throwaway databases for the test suite, the web app's icon drawer.

They run from a clone of the repository only (the editable install of `run.py` puts `src/`
on the path). This package never ships: the wheel carries `hostolink` alone
(pyproject.toml, tests/test_packaging.py), and no runtime module imports it at module level.
"""
