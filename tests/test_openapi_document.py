"""The OpenAPI document is what docs/openapi.json holds, byte for byte: a change of the API —
a route, a field, a message, a schema's name — shows in the diff of a commit, never by
accident (a restructure moved a module and renamed four schemas once: kit/openapi.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hostolink.cli import openapi_text
from hostolink.kit.openapi import PUBLISHED_NAMES, keep_published_names

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def test_the_document_is_the_published_one() -> None:
    assert openapi_text() == DOCUMENT.read_text(encoding="utf-8"), (
        "l'API a changé : relisez le diff, puis `hostolink openapi --output docs/openapi.json`"
    )


def test_a_moved_schema_keeps_its_published_name_and_every_reference_to_it() -> None:
    moved, published = next(iter(PUBLISHED_NAMES.items()))
    reference = {"$ref": f"#/components/schemas/{moved}"}
    document: dict[str, Any] = {
        "paths": {"/x": {"get": {"responses": {"200": {"schema": reference}}}}},
        "components": {
            "schemas": {
                moved: {"type": "object"},
                "Zeta": {"items": {"anyOf": [{"$ref": f"#/components/schemas/{moved}"}]}},
                "Alpha": {"type": "string"},
            }
        },
    }
    keep_published_names(document)
    schemas = document["components"]["schemas"]
    assert list(schemas) == sorted(["Alpha", "Zeta", published])
    assert reference == {"$ref": f"#/components/schemas/{published}"}
    assert schemas["Zeta"]["items"]["anyOf"] == [{"$ref": f"#/components/schemas/{published}"}]
    assert moved not in str(document)
