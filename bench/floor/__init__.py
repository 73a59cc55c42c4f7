"""The floor: a minimal ASGI + asyncpg application doing the same work as Hostolink's hot
routes (same SQL, same answer), measured beside them in the same run (issue 23).

`app.py` is the application (no framework: a dict dispatch on method and path), `sql.py`
compiles the product's own statements to SQL text once per process, `__main__.py` serves it
with uvicorn on as many `SO_REUSEPORT` workers as `hostolink serve`, and `server.py` is what
the bench groups use: start it beside the bench's server, compare one answer with ours,
measure it under the same load.
"""
