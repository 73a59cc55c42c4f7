"""Establishments created through the administrators' API, as the back-office would."""

from __future__ import annotations

from typing import Any

import httpx

from tests.auth.helpers import bearer

# Known places, and their distances from PLATEAU computed with the spherical law of cosines
# (R = 6 371 008.8 m) — an independent formula from the haversine the service uses.
PLATEAU = (5.3197, -4.0168)
PLACES: dict[str, tuple[float, float, float]] = {
    # name: (lat, lon, metres from PLATEAU)
    "Pharmacie du Plateau": (5.3210, -4.0180, 196.3),
    "CHU de Treichville": (5.2931, -4.0048, 3242.5),
    "CHU de Cocody": (5.3453, -3.9866, 4391.2),
    "CHU de Bouaké": (7.6906, -5.0300, 286409.1),
    "CHR de San-Pédro": (4.7485, -6.6363, 297020.9),
}


async def create(client: httpx.AsyncClient, admin: str, **fields: Any) -> dict[str, Any]:
    body = {"region": "Abidjan", "categorie": "clinique", **fields}
    response = await client.post("/api/admin/etablissements", json=body, headers=bearer(admin))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def create_places(client: httpx.AsyncClient, admin: str) -> dict[str, int]:
    """The five PLACES, with categories, emergencies and 24/7 flags the filters can tell
    apart; returns their ids by name."""
    kinds = {
        "Pharmacie du Plateau": {
            "categorie": "pharmacie",
            "ouvert_24h": True,
            "commune": "Plateau",
            "ville": "Abidjan",
        },
        "CHU de Treichville": {
            "categorie": "chu",
            "urgences": True,
            "commune": "Treichville",
            "ville": "Abidjan",
        },
        "CHU de Cocody": {
            "categorie": "chu",
            "urgences": True,
            "commune": "Cocody",
            "ville": "Abidjan",
        },
        "CHU de Bouaké": {
            "categorie": "chu",
            "urgences": True,
            "region": "Vallée du Bandama",
            "ville": "Bouaké",
        },
        "CHR de San-Pédro": {
            "categorie": "centre_hospitalier_regional",
            "region": "Bas-Sassandra",
            "ville": "San-Pédro",
        },
    }
    ids = {}
    for name, (lat, lon, _) in PLACES.items():
        data = await create(client, admin, nom=name, lat=lat, lon=lon, **kinds[name])
        ids[name] = data["id_etablissement"]
    return ids
