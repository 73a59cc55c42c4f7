"""The synthetic part of the directory benchmark: establishments of Côte d'Ivoire made from
word lists (places, quarters, saints, surnames), written with COPY next to the real ones.

Names read like the real directory's (« Pharmacie Sainte Marie d'Angré », « Centre de santé
urbain de Niangon », « CSR Taabo »), so that the search vocabulary and the number of matches
per word stay realistic. Positions fall in Côte d'Ivoire's bounding box with the density of
real life: 40 % within 30 km of Abidjan (around its communes), 45 % around the towns
(weighted by size), 15 % anywhere (health centres of rural places, mostly).
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

ABIDJAN = (5.33, -4.03)  # lat, lon
ABIDJAN_RADIUS_KM = 30.0
LAT_RANGE = (4.35, 10.74)  # Côte d'Ivoire's bounding box
LON_RANGE = (-8.6, -2.49)
SHARES = {"abidjan": 0.40, "town": 0.45, "rural": 0.15}  # of the synthetic establishments

# --------------------------------------------------------------------------------------------
# Synthetic establishments: places and word lists of Côte d'Ivoire
# --------------------------------------------------------------------------------------------


def _split(names: str) -> tuple[str, ...]:
    return tuple(names.split(", "))


@dataclass(frozen=True)
class Place:
    region: str
    ville: str
    commune: str | None
    lat: float
    lon: float
    weight: float
    quarters: tuple[str, ...]


def _abidjan(commune: str, lat: float, lon: float, weight: float, quarters: str) -> Place:
    return Place("Abidjan", "Abidjan", commune, lat, lon, weight, _split(quarters))


ABIDJAN_COMMUNES: tuple[Place, ...] = (
    _abidjan(
        "Yopougon",
        5.345,
        -4.085,
        25,
        "Niangon, Selmer, Sideci, Wassakara, Toits Rouges, Kouté, Maroc, Andokoi, "
        "Millionnaire, Banco, Gesco, Siporex, Ananeraie, Port-Bouët 2",
    ),
    _abidjan(
        "Abobo",
        5.425,
        -4.020,
        20,
        "Abobo Baoulé, Avocatier, PK 18, Anonkoua, Sagbé, N'Dotré, Abobo Gare, Akeikoi, "
        "Belle Ville, Dokui, Samaké, Kennedy",
    ),
    _abidjan(
        "Cocody",
        5.360,
        -3.985,
        12,
        "la Riviera, Riviera 2, Riviera 3, Riviera Palmeraie, Angré, les Deux Plateaux, "
        "Vallon, Blockhauss, Danga, Mermoz, Attoban, Faya, M'Pouto, Bonoumin",
    ),
    _abidjan(
        "Koumassi",
        5.295,
        -3.950,
        8,
        "Koumassi Campement, Grand Campement, Remblais, Sicogi, Prodomo, Soweto",
    ),
    _abidjan(
        "Adjamé",
        5.362,
        -4.022,
        6,
        "Williamsville, 220 Logements, Bracodi, Liberté, Mirador, Paillet, Dallas",
    ),
    _abidjan(
        "Port-Bouët",
        5.255,
        -3.930,
        6,
        "Vridi, Gonzagueville, Adjouffou, Derrière Wharf, Anani, Jean Folly",
    ),
    _abidjan("Attécoubé", 5.337, -4.040, 5, "Locodjro, Santé, Agban, Boribana, Abobodoumé"),
    _abidjan(
        "Marcory",
        5.303,
        -3.980,
        5,
        "Zone 4, Biétry, Anoumabo, Marcory Résidentiel, Champroux, Hibiscus",
    ),
    _abidjan(
        "Treichville", 5.292, -4.008, 4, "Arras, Biafra, Belleville, Avenue 16, Gare de Bassam"
    ),
    _abidjan("Plateau", 5.322, -4.020, 2, "le Plateau, Indénié, Cité Administrative"),
    _abidjan("Bingerville", 5.355, -3.890, 3, "Akandjé, Gbagba, Feh Kessé, Cité Cadre"),
    _abidjan("Anyama", 5.495, -4.052, 3, "Anyama Centre, Ebimpé, Zossonkoi"),
    _abidjan("Songon", 5.320, -4.250, 1, "Songon Agban, Songon Kassemblé, Songon Dagbé"),
)

TOWN_QUARTERS = (
    "Commerce, Dioulabougou, Air France, Kennedy, Belleville, Résidentiel, Koko, Sokoura, "
    "Lycée, Gare Routière, Grand Marché, Habitat, Cité Sogefiha, Nouveau Quartier"
)
BOUAKE_QUARTERS = (
    "Koko, Dar-Es-Salam, Air France, Sokoura, Belleville, Kennedy, Ahougnansou, Nimbo, "
    "Commerce, N'Gattakro, Zone Industrielle"
)


def _town(ville: str, region: str, at: tuple[float, float], weight: float, q: str = "") -> Place:
    return Place(region, ville, None, at[0], at[1], weight, _split(q or TOWN_QUARTERS))


TOWNS: tuple[Place, ...] = (
    _town("Bouaké", "Gbêkê", (7.690, -5.030), 10, BOUAKE_QUARTERS),
    _town("Yamoussoukro", "Yamoussoukro", (6.820, -5.276), 6),
    _town("Daloa", "Haut-Sassandra", (6.877, -6.450), 6),
    _town("San-Pédro", "San-Pédro", (4.748, -6.636), 6),
    _town("Korhogo", "Poro", (9.458, -5.630), 6),
    _town("Man", "Tonkpi", (7.412, -7.554), 4),
    _town("Gagnoa", "Gôh", (6.131, -5.951), 4),
    _town("Divo", "Lôh-Djiboua", (5.838, -5.357), 4),
    _town("Abengourou", "Indénié-Djuablin", (6.730, -3.490), 3),
    _town("Soubré", "Nawa", (5.785, -6.606), 3),
    _town("Agboville", "Agnéby-Tiassa", (5.928, -4.213), 3),
    _town("Grand-Bassam", "Sud-Comoé", (5.211, -3.739), 3),
    _town("Séguéla", "Worodougou", (7.961, -6.673), 2),
    _town("Odienné", "Kabadougou", (9.510, -7.569), 2),
    _town("Bondoukou", "Gontougo", (8.040, -2.800), 2),
    _town("Ferkessédougou", "Tchologo", (9.593, -5.198), 2),
    _town("Dabou", "Grands-Ponts", (5.326, -4.377), 2),
    _town("Aboisso", "Sud-Comoé", (5.467, -3.207), 2),
    _town("Adzopé", "La Mé", (6.107, -3.860), 2),
    _town("Bouaflé", "Marahoué", (6.990, -5.744), 2),
    _town("Guiglo", "Cavally", (6.544, -7.493), 2),
    _town("Duékoué", "Guémon", (6.741, -7.349), 2),
    _town("Sassandra", "Gbôklé", (4.952, -6.086), 1),
    _town("Katiola", "Hambol", (8.138, -5.101), 1),
    _town("Dimbokro", "N'Zi", (6.647, -4.706), 1),
    _town("Boundiali", "Bagoué", (9.522, -6.487), 1),
    _town("Touba", "Bafing", (8.283, -7.683), 1),
    _town("Mankono", "Béré", (8.059, -6.189), 1),
    _town("Bongouanou", "Moronou", (6.651, -4.204), 1),
    _town("Daoukro", "Iffou", (7.059, -3.963), 1),
    _town("Toumodi", "Bélier", (6.552, -5.019), 1),
    _town("Issia", "Haut-Sassandra", (6.492, -6.586), 1),
    _town("Tabou", "San-Pédro", (4.423, -7.353), 1),
    _town("Bouna", "Bounkani", (9.270, -3.000), 1),
    _town("Tengréla", "Bagoué", (10.482, -6.409), 1),
)

VILLAGES = _split(
    "Ahouanou, Taabo, Tiassalé, Kouassi-Kouassikro, Bonon, Zuénoula, Vavoua, Sinfra, Oumé, "
    "Lakota, Guéyo, Méagui, Buyo, Zouan-Hounien, Danané, Biankouma, Kouibly, Bangolo, "
    "Facobly, Kani, Dianra, Sirasso, Niakara, Dabakala, Kong, Téhini, Nassian, Tanda, "
    "Koun-Fao, Agnibilékrou, Bettié, Ayamé, Adiaké, Tiapoum, Alépé, Akoupé, Grand-Lahou, "
    "Jacqueville, Fresco, Guitry, Hiré, Prikro, M'Bahiakro, Bocanda, Kouto, Samatiguila, "
    "Madinani, Gbéléban, Kaniasso, Sandégué, Transua, Botro, Béoumi, Sakassou, Tiébissou"
)
SAINTS = _split(
    "Saint Jean, Sainte Marie, Saint Michel, Saint Joseph, Sainte Anne, Saint Pierre, "
    "Saint Paul, Sainte Thérèse, Saint Gabriel, Sainte Famille, Saint Luc, Saint Martin, "
    "Sainte Cécile, Saint Antoine, Sainte Rita, Saint Viateur, Notre-Dame, Saint Raphaël, "
    "Sainte Bernadette, Saint Augustin, Saint Benoît, Sainte Claire, Saint François, "
    "Saint Jacques, Saint Marc"
)
WORDS = _split(
    "Espérance, Les Grâces, Bethel, Providence, La Paix, Bonheur, Soleil, Les Palmiers, "
    "Les Lauriers, Emmanuel, Shalom, El Shaddaï, Médina, Al Baraka, Siloé, Canaan, Elohim, "
    "La Grâce, Du Progrès, La Vie, Santé Plus, Bien-Être, Harmonie, Victoire, Lumière, "
    "Étoile, Confiance, Les Oliviers, Horizon, Renaissance"
)
SURNAMES = _split(
    "Kouassi, Koffi, Konan, Kouamé, Yao, N'Guessan, Traoré, Coulibaly, Ouattara, Koné, "
    "Diabaté, Bamba, Touré, Diallo, Zadi, Gnagne, Aka, Assi, Brou, Kacou, Ehui, Dago, "
    "Tanoh, Séri, Gueu, Dosso, Fofana, Sangaré, Yéo, Soro"
)
SERVICES = ("urgences", "maternité", "pédiatrie", "radiologie", "laboratoire", "vaccination")

# Category weights per kind of place (pharmacies and private practices crowd Abidjan;
# rural places have health centres).
CATEGORY_WEIGHTS: dict[str, dict[str, float]] = {
    "abidjan": {
        "pharmacie": 40,
        "clinique": 15,
        "cabinet_medical": 12,
        "centre_sante_urbain": 10,
        "laboratoire": 6,
        "dentiste": 5,
        "centre_medico_social": 3,
        "autre": 3,
        "hopital_general": 1,
        "chu": 0.05,
    },
    "town": {
        "pharmacie": 30,
        "centre_sante_urbain": 15,
        "clinique": 8,
        "cabinet_medical": 6,
        "laboratoire": 4,
        "centre_medico_social": 3,
        "autre": 3,
        "dentiste": 2,
        "hopital_general": 2,
        "centre_hospitalier_regional": 0.3,
    },
    "rural": {"centre_sante_rural": 70, "pharmacie": 10, "centre_sante_urbain": 5, "autre": 5},
}


@dataclass(frozen=True)
class Synthetic:
    nom: str
    categorie: str
    secteur: str
    adresse: str
    place: tuple[str, str | None, str | None]  # region, ville, commune
    lat: float
    lon: float
    ouvert_24h: bool
    urgences: bool
    services: tuple[str, ...]


def _of(name: str) -> str:
    """« de » + a place name, with French elision and contractions."""
    lowered = name.lower()
    if lowered.startswith("le "):
        return "du " + name[3:]
    if lowered.startswith("les "):
        return "des " + name[4:]
    if lowered[:1] in "aeiouyéèêâîôû" or lowered.startswith("h"):
        return "d'" + name
    return "de " + name


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _name(rng: random.Random, category: str, quarter: str, town: str) -> str:  # noqa: PLR0911
    saint, word = rng.choice(SAINTS), rng.choice(WORDS)
    bare = quarter.removeprefix("la ").removeprefix("le ").removeprefix("les ")
    if category == "pharmacie":
        return rng.choice(
            (
                f"Pharmacie {saint}",
                f"Pharmacie {_of(quarter)}",
                f"Pharmacie {saint} {_of(quarter)}",
                f"Pharmacie {word}",
                f"Grande Pharmacie {_of(quarter)}",
                f"Pharmacie {word} {_of(quarter)}",
            )
        )
    if category == "clinique":
        return rng.choice(
            (
                f"Clinique {saint}",
                f"Clinique médicale {word}",
                f"Polyclinique {_of(quarter)}",
                f"Clinique {saint} {_of(quarter)}",
            )
        )
    if category == "centre_sante_urbain":
        return rng.choice((f"Centre de santé urbain {_of(quarter)}", f"CSU {bare}"))
    if category == "centre_sante_rural":
        return rng.choice((f"Centre de santé rural {_of(town)}", f"CSR {town}"))
    if category == "centre_medico_social":
        return rng.choice((f"Centre médico-social {_of(quarter)}", f"CMS {saint}"))
    if category == "laboratoire":
        return rng.choice(
            (f"Laboratoire d'analyses médicales {word}", f"Laboratoire {saint}", f"Labo {bare}")
        )
    if category == "cabinet_medical":
        surname = rng.choice(SURNAMES)
        return rng.choice((f"Cabinet médical {saint}", f"Cabinet médical Dr {surname}"))
    if category == "dentiste":
        return rng.choice((f"Cabinet dentaire {_of(quarter)}", f"Cabinet dentaire {word}"))
    if category == "hopital_general":
        return f"Hôpital général {_of(town)}"
    if category == "chu":
        return f"CHU {_of(town)}"
    if category == "centre_hospitalier_regional":
        return f"CHR {_of(town)}"
    return rng.choice(
        (
            f"Centre de santé {word}",
            f"Centre d'imagerie médicale {saint}",
            f"Centre de kinésithérapie {_of(quarter)}",
        )
    )


def _km_from(lat: float, lon: float, centre: tuple[float, float]) -> float:
    dy = (lat - centre[0]) * 110.57
    dx = (lon - centre[1]) * 111.32 * math.cos(math.radians(centre[0]))
    return math.hypot(dx, dy)


def _in_box(lat: float, lon: float) -> tuple[float, float]:
    return (
        round(min(max(lat, LAT_RANGE[0]), LAT_RANGE[1]), 6),
        round(min(max(lon, LON_RANGE[0]), LON_RANGE[1]), 6),
    )


def _around(rng: random.Random, place: Place, spread_deg: float) -> tuple[float, float]:
    while True:
        lat = rng.gauss(place.lat, spread_deg)
        lon = rng.gauss(place.lon, spread_deg)
        if place.commune is None or _km_from(lat, lon, ABIDJAN) <= ABIDJAN_RADIUS_KM:
            return _in_box(lat, lon)


def _weighted(rng: random.Random, places: Sequence[Place]) -> Place:
    return rng.choices(places, weights=[p.weight for p in places])[0]


def _nearest_town(lat: float, lon: float) -> Place:
    return min(TOWNS, key=lambda town: _km_from(lat, lon, (town.lat, town.lon)))


def _position(rng: random.Random, zone: str) -> tuple[tuple[float, float], Place]:
    if zone == "abidjan":
        commune = _weighted(rng, ABIDJAN_COMMUNES)
        return _around(rng, commune, 0.018), commune
    if zone == "town":
        town = _weighted(rng, TOWNS)
        return _around(rng, town, 0.03 if town.weight >= 6 else 0.015), town
    lat, lon = rng.uniform(*LAT_RANGE), rng.uniform(*LON_RANGE)
    return _in_box(lat, lon), _nearest_town(lat, lon)


def synthetic_establishments(count: int, rng: random.Random) -> list[Synthetic]:
    zones = rng.choices(list(SHARES), weights=list(SHARES.values()), k=count)
    rows = []
    for zone in zones:
        (lat, lon), place = _position(rng, zone)
        category = _pick(rng, CATEGORY_WEIGHTS[zone])
        # In a town, a name may carry the town itself (« Pharmacie de Man », « CSU Bouaké »).
        quarter = rng.choice(place.quarters + ((place.ville,) if zone == "town" else ()))
        where: tuple[str, str | None, str | None]
        if zone == "rural":
            village = rng.choice(VILLAGES)
            town, where = village, (place.region, village, None)
            address = village
        else:
            town = place.commune or place.ville
            where = (place.region, place.ville, place.commune)
            address = quarter if quarter == town else f"{quarter}, {town}"
        hospital = category in {"chu", "hopital_general", "centre_hospitalier_regional"}
        rows.append(
            Synthetic(
                nom=_name(rng, category, quarter, town),
                categorie=category,
                secteur="public" if hospital or zone == "rural" else "prive",
                adresse=address,
                place=where,
                lat=lat,
                lon=lon,
                ouvert_24h=hospital or rng.random() < 0.05,
                urgences=hospital or (category == "clinique" and rng.random() < 0.3),
                services=tuple(rng.sample(SERVICES, rng.randint(0, 3))) if hospital else (),
            )
        )
    return rows


def near_points(rng: random.Random, count: int) -> list[tuple[float, float]]:
    """Where people ask from: every other point in Abidjan, the others in a town or
    anywhere in the country."""
    points = []
    for index in range(count):
        zone = "abidjan" if index % 2 == 0 else ("town" if rng.random() < 0.7 else "rural")
        (lat, lon), _ = _position(rng, zone)
        points.append((round(lat, 5), round(lon, 5)))
    return points


def phone_number(rng: random.Random) -> str:
    """An Ivorian number of the 2021 ten-digit plan: a landline (27…) or a mobile."""
    prefix = rng.choice(("27", "27", "07", "05", "01"))
    return f"+225{prefix}{rng.randrange(10**8):08d}"


# --------------------------------------------------------------------------------------------
# Seeding: count what `hostolink seed` wrote, add the synthetic rows with COPY
# --------------------------------------------------------------------------------------------

COUNT_SQL = """
    SELECT (SELECT count(*) FROM etablissement_sante
             WHERE visible AND id_fusionne_dans IS NULL) AS live,
           (SELECT count(*) FROM etablissement_sante) AS all_rows,
           (SELECT count(*) FROM etablissement_sante WHERE geo IS NOT NULL) AS located,
           (SELECT count(*) FROM liste_numero_etablissement_sante
             WHERE id_etablissement IS NOT NULL) AS phones"""
BY_SOURCE_SQL = """
    SELECT source, count(DISTINCT id_etablissement) AS n FROM provenance_etablissement
     GROUP BY source ORDER BY source"""
SEQUENCE = "pg_get_serial_sequence('etablissement_sante', 'id_etablissement')"
PLACES_SQL = """
    INSERT INTO localisation (pays, region, ville, commune)
    SELECT 'CI', region, ville, commune
      FROM unnest($1::text[], $2::text[], $3::text[]) AS t(region, ville, commune)
    ON CONFLICT DO NOTHING"""


async def count_establishments(url: str) -> dict[str, Any]:
    connection = await asyncpg.connect(url, timeout=15)
    try:
        row = await connection.fetchrow(COUNT_SQL)
        sources = await connection.fetch(BY_SOURCE_SQL)
    finally:
        await connection.close()
    counts: dict[str, Any] = {key: int(value) for key, value in (row or {}).items()}
    counts["by_source"] = {str(r["source"]): int(r["n"]) for r in sources}
    return counts


async def _place_ids(
    connection: asyncpg.Connection, rows: list[Synthetic]
) -> dict[tuple[str, str | None, str | None], int]:
    wanted = sorted({row.place for row in rows}, key=str)
    await connection.execute(
        PLACES_SQL, [p[0] for p in wanted], [p[1] for p in wanted], [p[2] for p in wanted]
    )
    found = await connection.fetch(
        "SELECT id_localisation, region, ville, commune FROM localisation WHERE pays = 'CI'"
    )
    return {(r["region"], r["ville"], r["commune"]): int(r["id_localisation"]) for r in found}


ESTABLISHMENT_COLUMNS = (
    "id_etablissement",
    "nom",
    "nom_normalise",
    "texte_recherche",
    "categorie",
    "secteur",
    "adresse",
    "id_localisation",
    "geo",
    "ouvert_24h",
    "urgences",
    "services",
)
PHONE_COLUMNS = ("id_etablissement", "numero", "libelle", "type_numero", "confiance", "ordre")
PROVENANCE_COLUMNS = ("id_etablissement", "source", "identifiant_source", "licence")


def _establishment_records(
    rows: list[Synthetic], first: int, places: dict[tuple[str, str | None, str | None], int]
) -> list[tuple[Any, ...]]:
    return [
        (
            first + n,
            row.nom,
            _normalized_name(row.nom),
            _search_text(row),
            row.categorie,
            row.secteur,
            row.adresse,
            places[row.place],
            (row.lon, row.lat),  # point(x = longitude, y = latitude)
            row.ouvert_24h,
            row.urgences,
            list(row.services),
        )
        for n, row in enumerate(rows)
    ]


async def seed_synthetic(url: str, rows: list[Synthetic], rng: random.Random) -> dict[str, Any]:
    """The synthetic establishments, their places, one phone per 3, a provenance row each;
    ids reserved from the table's sequence, so that every COPY knows them."""
    started = time.perf_counter()
    connection = await asyncpg.connect(url, timeout=15)
    try:
        async with connection.transaction():
            places = await _place_ids(connection, rows)
            last = await connection.fetchval(
                f"SELECT setval({SEQUENCE}, nextval({SEQUENCE}) + $1 - 1)", len(rows)
            )
            first = int(last) - len(rows) + 1
            await connection.copy_records_to_table(
                "etablissement_sante",
                records=_establishment_records(rows, first, places),
                columns=ESTABLISHMENT_COLUMNS,
            )
            phones = [
                (first + n, phone_number(rng), "Accueil", "standard", "a_verifier", 0)
                for n in range(0, len(rows), 3)
            ]
            await connection.copy_records_to_table(
                "liste_numero_etablissement_sante", records=phones, columns=PHONE_COLUMNS
            )
            provenance = [
                (first + n, "administrateur", f"bench:{n}", "bench") for n in range(len(rows))
            ]
            await connection.copy_records_to_table(
                "provenance_etablissement", records=provenance, columns=PROVENANCE_COLUMNS
            )
        copied = time.perf_counter() - started
        await connection.execute("VACUUM (ANALYZE)")
    finally:
        await connection.close()
    return {
        "establishments": len(rows),
        "phones": len(phones),
        "places": len({row.place for row in rows}),
        "copy_s": round(copied, 2),
        "with_vacuum_s": round(time.perf_counter() - started, 2),
        "ids": [first, first + len(rows) - 1],
        "zones": dict(Counter(_zone_of(row) for row in rows)),
        "categories": dict(Counter(row.categorie for row in rows).most_common()),
    }


def _zone_of(row: Synthetic) -> str:
    if row.place[2] is not None:
        return "abidjan"
    return "town" if any(row.place[1] == town.ville for town in TOWNS) else "rural"


def _normalized_name(nom: str) -> str:
    # The application's own folding (imported here: `python -m bench onboarding` must not
    # need the directory's code to import).
    from hostolink.health.categories import normalized_name  # noqa: PLC0415

    return normalized_name(nom)


def _search_text(row: Synthetic) -> str:
    from hostolink.health.categories import search_text  # noqa: PLC0415

    region, ville, commune = row.place
    return search_text(
        nom=row.nom,
        categorie=row.categorie,
        commune=commune,
        ville=ville,
        region=region,
        adresse=row.adresse,
        services=row.services,
    )


async def live_ids(url: str) -> list[int]:
    connection = await asyncpg.connect(url, timeout=15)
    try:
        rows = await connection.fetch(
            "SELECT id_etablissement FROM etablissement_sante"
            " WHERE visible AND id_fusionne_dans IS NULL ORDER BY 1"
        )
    finally:
        await connection.close()
    return [int(row[0]) for row in rows]
