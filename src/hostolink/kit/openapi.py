"""The OpenAPI document as published: FastAPI's, with the schema names that clients know
kept when the code that declares them moves.

FastAPI names a schema after its class, and two classes of the same name (KYC's and the
establishments' `PersonOut`) after their Python module instead
(`hostolink__kyc__schemas__PersonOut`). Moving a module would then rename a schema, and
the classes a client generator made from it (the Flutter app's, for one). A name that was
published keeps its name here; tests/test_openapi_document.py compares the whole document
with docs/openapi.json, so a rename cannot go unnoticed again.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_PREFIX = "#/components/schemas/"

# Name as the code gives it now → name as published (the establishments' schemas were
# published from `health/management_schemas.py`).
PUBLISHED_NAMES = {
    f"hostolink__establishments__schemas__{name}": f"hostolink__health__management_schemas__{name}"
    for name in ("DecisionAnswer", "MembershipAnswer", "MembershipOut", "PersonOut")
}


def keep_published_names(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with every schema of `PUBLISHED_NAMES` under its published name (its
    entry, and every `$ref` to it), in FastAPI's order (by name)."""
    components = document.get("components", {})
    schemas = components.get("schemas")
    if schemas:
        renamed = {PUBLISHED_NAMES.get(name, name): schema for name, schema in schemas.items()}
        components["schemas"] = {name: renamed[name] for name in sorted(renamed)}
    _rename_references(document)
    return document


def _rename_references(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and value.startswith(_PREFIX):
                published = PUBLISHED_NAMES.get(value.removeprefix(_PREFIX))
                if published is not None:
                    node[key] = _PREFIX + published
            else:
                _rename_references(value)
    elif isinstance(node, list):
        for item in node:
            _rename_references(item)


def install(app: FastAPI) -> None:
    """`app.openapi()` (and `/openapi.json`) serves the document with its published names."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = keep_published_names(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
