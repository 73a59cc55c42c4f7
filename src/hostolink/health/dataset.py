"""The directory's seed data: the two open-data files of Côte d'Ivoire (package data,
`hostolink/data/sante/`, see its README for licences), read and merged into establishments.
Pure Python, no database: `health.seed` writes what `build_directory()` returns.

Per source row:
- category: WHO "Facility type"; OSM `amenity`/`healthcare`, refined by what the name says
  ("CHU …", "Centre de santé urbain …", "Clinique …", "Laboratoire …"), see `osm_category`;
- sector: WHO Ownership (Public, FBO → confessionnel, CBO → communautaire), OSM
  `operator_type` (local_authority counts as public);
- emergencies: OSM `emergency=yes`, and every CHU and CHR. CHU and CHR are the reference
  hospitals of the Ivorian pyramid and run the emergency departments patients are sent to;
  a hôpital général usually has one too, but the files do not say so, so it is not assumed;
- phones (`health.phones`), hours (`health.hours`), OSM specialities as services.

Merging. The same place in both files, or twice in one, becomes one establishment with one
provenance per source row (rules: `_Matcher`; thresholds, and the counts behind them, just
above it). When rows merge, the WHO row gives category, sector and region (an official public list
with a controlled vocabulary), OSM gives name, position, phones and hours (mapped on the
ground or from imagery: WHO points were often digitised from a map or set at the village
centre, its names are "<place> <type>" labels).

Place: `region` is WHO Admin1 (a health district); an OSM-only place takes the Admin1 of the
nearest WHO facility (`region_derivee`: an inference, exact away from district borders).
`ville`/`commune` come from the name: an Abidjan commune in the Abidjan region, else a main
town named in the name and lying in its own district, else unknown.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from rapidfuzz import fuzz

from hostolink.health.categories import ABBREVIATIONS, LABELS, STOP_WORDS
from hostolink.health.hours import Interval, OpeningHours, parse_opening_hours
from hostolink.health.phones import PhoneNumber, parse_contact_numbers
from hostolink.kit.text import fold, words
from hostolink.models.types import LonLat

WHO_FILE = "civ_health_facilities_who_kemri_2019.csv"
OSM_FILE = "civ_healthsites_io_osm_2020-03.csv"

WHO = "who_kemri_2019"
OSM = "healthsites_osm_2020"
# No dataset licence was found for the WHO/KEMRI list (data/sante/README.md): say so.
WHO_LICENCE = "non établie (attribution requise)"
WHO_ATTRIBUTION = "Maina et al. 2019, OMS / KEMRI-Wellcome"
OSM_LICENCE = "ODbL-1.0"
OSM_ATTRIBUTION = "© OpenStreetMap contributors / healthsites.io"

# WHO "Facility type" → category, and how its "<place> <type>" label is shown.
WHO_TYPES = {
    "Centre de Santé Rural": ("centre_sante_rural", "Centre de santé rural"),
    "Centre de Santé Urbain": ("centre_sante_urbain", "Centre de santé urbain"),
    "Hôpital Général": ("hopital_general", "Hôpital général"),
    "Centre Médico-social": ("centre_medico_social", "Centre médico-social"),
    "Hospitalier Régional": ("centre_hospitalier_regional", "Centre hospitalier régional"),
    "Hospitalier Universitaire": ("chu", "Centre hospitalier universitaire"),
}
WHO_SECTORS = {"Public": "public", "FBO": "confessionnel", "CBO": "communautaire"}
OSM_SECTORS = {
    "private": "prive",
    "public": "public",
    "government": "public",
    "local_authority": "public",
    "religious": "confessionnel",
    "community": "communautaire",
    "ngo": "communautaire",
}
_SPECIALITIES = {
    "general": "médecine générale",
    "psychiatry": "psychiatrie",
    "ophtalmology": "ophtalmologie",
    "ophthalmology": "ophtalmologie",
    "maternity": "maternité",
    "birthing_center": "maternité",
    "blood_donation": "don de sang",
    "physiotherapist": "kinésithérapie",
}
# WHO Admin1 is written without accents.
_REGION_NAMES = {
    "Comoe": "Comoé",
    "Denguele": "Denguélé",
    "Goh-Djiboua": "Gôh-Djiboua",
    "Sassandra-Marahoue": "Sassandra-Marahoué",
    "Vallee du Bandama": "Vallée du Bandama",
}
URGENT_CATEGORIES = frozenset({"chu", "centre_hospitalier_regional"})

ABIDJAN = "Abidjan"
# Places named in establishment names, by district (WHO Admin1 spelling, checked against the
# WHO names): the communes of Abidjan, elsewhere the main towns. A place only counts inside
# its district ("Plateau" and "Man" also name quarters of other towns).
PLACES = {
    ABIDJAN: "Abobo Adjamé Attécoubé Cocody Koumassi Marcory Plateau Port-Bouët Treichville "
    "Yopougon Bingerville Songon Anyama",
    "Vallee du Bandama": "Bouaké Katiola Sakassou Béoumi",
    "Yamoussoukro": "Yamoussoukro",
    "Bas-Sassandra": "San-Pédro Soubré Sassandra Tabou",
    "Sassandra-Marahoue": "Daloa Bouaflé Sinfra Issia Vavoua Zuénoula",
    "Savanes": "Korhogo Ferkessédougou Boundiali Tengréla",
    "Montagnes": "Man Duékoué Guiglo Danané Biankouma Bangolo",
    "Goh-Djiboua": "Gagnoa Divo Oumé Lakota",
    "Comoe": "Abengourou Grand-Bassam Aboisso Bonoua Agnibilékrou Adiaké",
    "Denguele": "Odienné Minignan",
    "Zanzan": "Bondoukou Bouna Tanda",
    "Woroba": "Séguéla Touba Mankono",
    "Lagunes": "Dabou Agboville Adzopé Tiassalé Grand-Lahou Jacqueville Alépé",
    "Lacs": "Dimbokro Toumodi Daoukro Bongouanou Tiébissou Bocanda M'Bahiakro",
}


@dataclass(frozen=True)
class Provenance:
    source: str
    identifiant_source: str
    licence: str
    attribution: str
    donnees: dict[str, str]


@dataclass(frozen=True)
class SourceRow:
    """One row of one file, read."""

    provenance: Provenance
    nom: str | None  # None: the OSM row has no name
    categorie: str
    secteur: str | None
    geo: LonLat | None
    region: str | None  # WHO Admin1 (WHO rows only)
    urgences: bool
    services: tuple[str, ...]
    adresse: str | None
    phones: tuple[PhoneNumber, ...]
    hours: OpeningHours | None
    rank: tuple[Any, ...]  # OSM: the better row of a group sorts first


@dataclass(frozen=True)
class Establishment:
    nom: str
    categorie: str
    secteur: str | None
    geo: LonLat | None
    region: str
    region_derivee: bool  # True: Admin1 of the nearest WHO facility, not of a WHO row
    ville: str | None
    commune: str | None
    adresse: str | None
    urgences: bool
    ouvert_24h: bool
    services: tuple[str, ...]
    intervals: tuple[Interval, ...]
    phones: tuple[PhoneNumber, ...]
    provenances: tuple[Provenance, ...]


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("hostolink").joinpath("data", "sante", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def who_key(row: dict[str, str]) -> str:
    """A stable id for a WHO row (the file has none): its content, hashed."""
    fields = (row["Admin1"], row["Facility name"], row["Facility type"], row["Lat"], row["Long"])
    return "who:" + hashlib.sha256("|".join(fields).encode()).hexdigest()[:16]


def osm_key(row: dict[str, str]) -> str:
    return f"{row['osm_type']}/{row['osm_id']}"


def _osm_rows() -> list[dict[str, str]]:
    """One row per OSM element: 10 elements appear twice in the file (two versions with
    small edits); the later row is kept."""
    return list({osm_key(row): row for row in _read(OSM_FILE)}.values())


def source_keys() -> set[tuple[str, str]]:
    """(source, identifiant_source) of every row the seed writes, without merging (cheap:
    the seed's fast path)."""
    keys = {(WHO, who_key(row)) for row in _read(WHO_FILE)}
    return keys | {(OSM, osm_key(row)) for row in _osm_rows()}


def _who_name(name: str, facility_type: str) -> str:
    """The WHO label "Alepe Hôpital Général" shown as "Hôpital général d'Alepe"."""
    if not name.endswith(facility_type) or name == facility_type:
        return name
    place = name[: -len(facility_type)].strip()
    label = WHO_TYPES[facility_type][1]
    if " de " in f" {place} ":
        return f"{label} {place}"
    joiner = " d'" if fold(place[:1]) in tuple("aeiouy") else " de "
    return f"{label}{joiner}{place}"


def _who_row(row: dict[str, str]) -> SourceRow:
    geo = (float(row["Long"]), float(row["Lat"])) if row["Lat"] and row["Long"] else None
    categorie = WHO_TYPES[row["Facility type"]][0]
    return SourceRow(
        provenance=Provenance(WHO, who_key(row), WHO_LICENCE, WHO_ATTRIBUTION, row),
        nom=_who_name(row["Facility name"].strip(), row["Facility type"]),
        categorie=categorie,
        secteur=WHO_SECTORS.get(row["Ownership"]),
        geo=geo,
        region=row["Admin1"],
        urgences=categorie in URGENT_CATEGORIES,
        services=(),
        adresse=None,
        phones=(),
        hours=None,
        rank=(who_key(row),),
    )


# What a name says of its category. The kinds of hospital and health centre count when the
# name starts with them ("CHR Gagnoa", not "Maternité du CHR"); the others anywhere.
_LEADING_SIGNALS = (
    ("chu", re.compile(r"centre hospitalier universitaire\b")),
    ("centre_hospitalier_regional", re.compile(r"centre hospitalier regional\b")),
    ("centre_medico_social", re.compile(r"centre medico social\b")),
    ("centre_sante_urbain", re.compile(r"centre (?:de )?sante urbaine?\b")),
    ("centre_sante_rural", re.compile(r"centre (?:de )?sante rurale?\b")),
)
_SIGNALS = (
    ("laboratoire", re.compile(r"\blabo(?:ratoire)?s?\b")),
    ("clinique", re.compile(r"\b(?:poly)?cliniques?\b")),
    ("autre", re.compile(r"\bcentre (?:de )?sante\b")),
)


def _name_signal(name: str) -> str | None:
    """The category a name states, if any ("CSU Tafiré" → centre_sante_urbain)."""
    text = " ".join(expanded_words(name, keep_stop_words=True))
    leading = (category for category, pattern in _LEADING_SIGNALS if pattern.match(text))
    anywhere = (category for category, pattern in _SIGNALS if pattern.search(text))
    return next(leading, None) or next(anywhere, None)


# OSM tag → (category, name signals it ignores): a clinic named "Centre de santé X" stays a
# clinic, a hospital named "Laboratoire…" stays a hospital.
_TAG_CATEGORIES = {
    "clinic": ("clinique", ("autre",)),
    "doctors": ("cabinet_medical", ()),
    "hospital": ("hopital_general", ("laboratoire",)),
}
_FIXED_TAGS = {"pharmacy": "pharmacie", "dentist": "dentiste", "laboratory": "laboratoire"}


def osm_category(amenity: str, healthcare: str, name: str) -> str:
    """Category of an OSM row: its tags, refined by its name where the tag is loose (many
    urban health centres are tagged hospital or doctors)."""
    fixed = _FIXED_TAGS.get(amenity) or _FIXED_TAGS.get(healthcare)
    if fixed:
        return fixed
    signal = _name_signal(name)
    tag = amenity or ("hospital" if healthcare == "hospital" else "")
    default, ignored = _TAG_CATEGORIES.get(tag, ("autre", ()))
    return default if signal is None or signal in ignored else signal


def _services(row: dict[str, str]) -> tuple[str, ...]:
    raw = [*row["speciality"].split(";"), row["healthcare"]]
    found = (_SPECIALITIES.get(item.strip()) for item in raw if item.strip())
    return tuple(dict.fromkeys(service for service in found if service))


def _osm_row(row: dict[str, str]) -> SourceRow:
    name = " ".join(row["name"].split())
    completeness = float(row["completeness"] or 0)
    return SourceRow(
        provenance=Provenance(OSM, osm_key(row), OSM_LICENCE, OSM_ATTRIBUTION, row),
        nom=name or None,
        categorie=osm_category(row["amenity"], row["healthcare"], name),
        secteur=OSM_SECTORS.get(row["operator_type"]),
        geo=(float(row["lon"]), float(row["lat"])),
        region=None,
        urgences=row["emergency"] == "yes",
        services=_services(row),
        adresse=row["addr_full"].strip() or None,
        phones=tuple(parse_contact_numbers(row["contact_number"])),
        hours=parse_opening_hours(row["opening_hours"]),
        rank=(not name, -completeness, osm_key(row)),  # named and most complete first
    )


def load_rows() -> list[SourceRow]:
    """Every source row, read: WHO rows first, then OSM rows, each in file order."""
    return [*map(_who_row, _read(WHO_FILE)), *map(_osm_row, _osm_rows())]


def _place(names: Iterable[str], admin1: str) -> tuple[str | None, str | None]:
    """(ville, commune) named in one of `names`, consistent with the district."""
    folded = [f" {fold(name)} " for name in names]
    places = PLACES.get(admin1, "").split()
    found = next((p for text in folded for p in places if f" {fold(p)} " in text), None)
    if admin1 != ABIDJAN:
        return found, None
    if found or any(f" {fold(ABIDJAN)} " in text for text in folded):
        return ABIDJAN, found
    return None, None


def _establishment(rows: list[SourceRow], nearest_region: RegionLocator) -> Establishment:
    who = sorted((r for r in rows if r.provenance.source == WHO), key=lambda r: r.rank)
    osm = sorted((r for r in rows if r.provenance.source == OSM), key=lambda r: r.rank)
    first = who[0] if who else osm[0]
    named = [r.nom for r in (*osm, *who) if r.nom]
    geo = next((r.geo for r in (*osm, *who) if r.geo is not None), None)
    region = first.region if first.region else nearest_region(geo)
    ville, commune = _place(named, region)
    hours = next((r.hours for r in osm if r.hours is not None), None)
    phones: dict[str, PhoneNumber] = {}
    for phone in (p for r in osm for p in r.phones):
        phones.setdefault(phone.numero, phone)
    services = dict.fromkeys(s for r in osm for s in r.services)
    return Establishment(
        nom=named[0] if named else LABELS[first.categorie],
        categorie=first.categorie,
        secteur=next((r.secteur for r in (*who, *osm) if r.secteur), None),
        geo=geo,
        region=_REGION_NAMES.get(region, region),
        region_derivee=not who,
        ville=ville,
        commune=commune,
        adresse=next((r.adresse for r in osm if r.adresse), None),
        urgences=first.categorie in URGENT_CATEGORIES or any(r.urgences for r in osm),
        ouvert_24h=hours is not None and hours.always_open,
        services=tuple(services),
        intervals=hours.intervals if hours else (),
        phones=tuple(phones.values()),
        provenances=tuple(r.provenance for r in (*who, *osm)),
    )


def build_directory(rows: list[SourceRow] | None = None) -> list[Establishment]:
    """The establishments of the seed, merged, in a stable order (that of their first
    source row)."""
    rows = load_rows() if rows is None else rows
    groups = group_rows(rows)
    locate = RegionLocator([(r.geo, r.region) for r in rows if r.region and r.geo is not None])
    return [_establishment([rows[i] for i in group], locate) for group in groups]


# --- Matching: which rows are the same place ------------------------------------------------

# Words that name a kind of establishment, not a particular one: "Hôpital général de Sinfra"
# and "Sinfra Hôpital Général" share the distinctive word "sinfra".
GENERIC_WORDS = frozenset(
    words(
        """centre santé urbain urbaine rural rurale hôpital général générale hospitalier
        universitaire régional régionale médico social sociale pharmacie clinique polyclinique
        cabinet médical médicale dispensaire maternité infirmerie communautaire base formation
        sanitaire quartier"""
    )
)
_PARENTHESES = re.compile(r"\([^)]*\)")
_HOSPITALS = frozenset({"chu", "centre_hospitalier_regional", "hopital_general"})
_PRIMARY_CARE = frozenset({"centre_sante_urbain", "centre_sante_rural", "centre_medico_social"})


def expanded_words(name: str, *, keep_stop_words: bool = False) -> list[str]:
    """Folded words of a name, abbreviations expanded ("CSU" → "centre sante urbain"),
    parentheses dropped (WHO writes "Yaou (S/P Ayam?)")."""
    found: list[str] = []
    for word in words(_PARENTHESES.sub(" ", name)):
        found.extend(ABBREVIATIONS.get(word, word).split())
    return found if keep_stop_words else [w for w in found if w not in STOP_WORDS]


def haversine_m(a: LonLat, b: LonLat) -> float:
    """Great-circle distance in metres between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


EARTH_RADIUS_M = 6_371_008.8

# Thresholds, chosen on the files (the counts they give are asserted in
# tests/health/test_dataset.py, so a change of rule shows):
# - WHO coordinates are coarse (digitised from a map, or the village centre from Geonames):
#   the same hospital lies up to ~2.3 km from its OSM point (CHU de Yopougon 1.9 km, CHR
#   d'Abengourou 2.3 km): the 150 m of the first plan would have found 2 of the 65 places
#   found in both files. A cross-file pair may be this far apart when its names give strong
#   evidence (see `_Matcher`).
CROSS_MAX_M = 2_500.0
# - OSM points are precise: duplicates inside OSM lie within the 150 m of the first plan.
OSM_SELF_MAX_M = 150.0
# - Weak evidence only merges points this close: a name with no distinctive word ("Centre
#   de santé", "Cabinet dentaire"), one name's words a strict part of the other's ("Infirmerie
#   privée" / "Infirmerie privée du petit marché"), or only common words shared ("Gagnoa",
#   "Tradi-praticien": two healers 140 m apart are two healers).
NEAR_M = 60.0
# - The WHO list repeats a few names: the same name (parentheses aside), type and ownership
#   within 1 km is one place geocoded twice (6 pairs); "Daloa CSU" ×3, 5-8 km apart, are
#   three centres, and a Public and an FBO "Dabou HG" are two hospitals.
WHO_SELF_MAX_M = 1_000.0
NAME_MIN_SCORE = 90.0  # rapidfuzz score (0-100) for "the same words"
WORD_MIN_SCORE = 80.0  # two spellings of one word ("Adzopé" / "Azopé")
# A distinctive word found in at most this many names (both files) singles a place out; town
# names (Yopougon 23, Gagnoa 10, Korhogo 7) and "saint", "grâce"… do not.
RARE_MAX_NAMES = 6
_CELL_DEGREES = 0.025  # ≈ 2.8 km: a 3×3 block of cells covers CROSS_MAX_M
_CARE = frozenset(LABELS) - {"pharmacie", "dentiste", "laboratoire"}


@dataclass(frozen=True)
class _Entry:
    index: int
    source: str
    categorie: str
    geo: LonLat | None
    full: str  # expanded words
    distinct: tuple[str, ...]  # expanded words that are not generic
    owner: str  # WHO Ownership and type: only same-owner WHO rows merge


def _entry(index: int, row: SourceRow) -> _Entry:
    data = row.provenance.donnees
    expanded = expanded_words(data.get("Facility name") or row.nom or "")
    return _Entry(
        index=index,
        source=row.provenance.source,
        categorie=row.categorie,
        geo=row.geo,
        full=" ".join(expanded),
        distinct=tuple(dict.fromkeys(w for w in expanded if w not in GENERIC_WORDS)),
        owner=f"{data.get('Ownership', '')}|{data.get('Facility type', '')}",
    )


def _compatible(a: _Entry, b: _Entry) -> bool:
    """Whether two categories may describe one place (WHO lists public hospitals and
    health centres only; OSM tags urban health centres as hospital, clinic or doctors)."""
    if a.source == b.source:
        return a.categorie == b.categorie or (
            "autre" in (a.categorie, b.categorie) and {a.categorie, b.categorie} <= _CARE
        )
    who, osm = (a, b) if a.source == WHO else (b, a)
    if who.categorie in _HOSPITALS:
        return osm.categorie in {who.categorie, "hopital_general", "autre"}
    return osm.categorie in _PRIMARY_CARE | {"clinique", "cabinet_medical", "autre"}


class _Matcher:
    """Decides whether two rows are one place, and how sure that is. Names are compared by
    their distinctive words (abbreviations expanded, generic words dropped), with rapidfuzz.

    - Strong evidence, up to CROSS_MAX_M across files (OSM_SELF_MAX_M inside OSM): the same
      distinctive words, one of them rare (or, across files, the same whole name); or two
      hospitals of one category, the OSM name's words all in the WHO name.
    - Weak evidence, up to NEAR_M: a generic name, words of one name a part of the other's,
      the same common words only.
    - Two WHO rows: the same name, type and ownership, up to WHO_SELF_MAX_M.
    - Categories must be compatible (`_compatible`); then pairs join surest first (strong
      before weak, same category first, best name score, nearest), and a cross-file pair only
      joins a WHO-only group to an OSM-only one (`group_rows`).
    """

    def __init__(self, entries: list[_Entry]) -> None:
        self.names_with = Counter(word for entry in entries for word in entry.distinct)

    def _shared(self, a: tuple[str, ...], b: tuple[str, ...]) -> list[str]:
        """Words of `a` found in `b`, allowing a small spelling difference."""
        return [word for word in a if any(fuzz.ratio(word, other) >= WORD_MIN_SCORE for other in b)]

    def _within(self, small: tuple[str, ...], large: tuple[str, ...]) -> bool:
        return len(self._shared(small, large)) == len(small)

    def rank(self, a: _Entry, b: _Entry, metres: float) -> tuple[int, bool, float, float] | None:
        """None when `a` and `b` are not one place; else a sort key, surest pairs first:
        (evidence: 0 strong … 2 weak, categories differ, -name score, distance)."""
        if not a.full or not b.full or not _compatible(a, b):
            return None
        differ = a.categorie != b.categorie
        if a.source == b.source == WHO:
            same = a.full == b.full and a.owner == b.owner and metres <= WHO_SELF_MAX_M
            return (0, differ, -100.0, metres) if same else None
        within = OSM_SELF_MAX_M if a.source == b.source else CROSS_MAX_M
        if not a.distinct or not b.distinct:
            near = metres <= NEAR_M and fuzz.token_set_ratio(a.full, b.full) >= NAME_MIN_SCORE
            return (2, differ, -100.0, metres) if near else None
        distinct_a, distinct_b = " ".join(a.distinct), " ".join(b.distinct)
        score = fuzz.token_sort_ratio(distinct_a, distinct_b)
        same = score >= NAME_MIN_SCORE
        if not same:
            score = fuzz.token_set_ratio(distinct_a, distinct_b)
            if score < NAME_MIN_SCORE:
                return None
        if metres <= within and self._strong(a, b, same=same):
            return (0 if same else 1, differ, -score, metres)
        return (2, differ, -score, metres) if metres <= NEAR_M else None

    def _strong(self, a: _Entry, b: _Entry, *, same: bool) -> bool:
        if a.categorie == b.categorie and a.categorie in _HOSPITALS:
            # One hospital of a kind per town: "CHR Gagnoa" is "Gagnoa Hospitalier Régional".
            # The OSM name may say less than WHO's ("Hôpital Général de Treichville" for
            # "Jean Delafosse de Treichville Hôpital Général"), not more: "Croix Rouge
            # Boundiali", tagged hospital, is not Boundiali's general hospital.
            osm, who = (a, b) if a.source == OSM else (b, a)
            return same or self._within(osm.distinct, who.distinct)
        if not same:
            return False
        shared = self._shared(a.distinct, b.distinct)
        rare = any(self.names_with[word] <= RARE_MAX_NAMES for word in shared)
        cross = a.source != b.source
        return rare or (cross and fuzz.token_sort_ratio(a.full, b.full) >= NAME_MIN_SCORE)


def _cell(geo: LonLat) -> tuple[int, int]:
    return (math.floor(geo[0] / _CELL_DEGREES), math.floor(geo[1] / _CELL_DEGREES))


def match_pairs(rows: list[SourceRow]) -> list[tuple[tuple[int, bool, float, float], int, int]]:
    """Every pair of rows that may be one place, with its rank (see `_Matcher.rank`)."""
    entries = [_entry(i, row) for i, row in enumerate(rows)]
    grid: dict[tuple[int, int], list[_Entry]] = defaultdict(list)
    for entry in entries:
        if entry.geo is not None:
            grid[_cell(entry.geo)].append(entry)
    matcher = _Matcher(entries)
    pairs: list[tuple[tuple[int, bool, float, float], int, int]] = []
    for entry in entries:
        if entry.geo is None:
            continue
        x, y = _cell(entry.geo)
        for dx, dy in itertools.product((-1, 0, 1), repeat=2):
            for other in grid.get((x + dx, y + dy), ()):
                if other.index <= entry.index or other.geo is None:
                    continue
                rank = matcher.rank(entry, other, haversine_m(entry.geo, other.geo))
                if rank is not None:
                    pairs.append((rank, entry.index, other.index))
    pairs.sort()
    return pairs


def group_rows(rows: list[SourceRow]) -> list[list[int]]:
    """Rows grouped by place (indexes into `rows`), groups ordered by their first row.

    Pairs within one file join first; then cross-file pairs, best first, each joining a
    WHO-only group to an OSM-only group: a place is at most one group of each file, so a
    WHO facility never takes two OSM places nor the reverse."""
    parent = list(range(len(rows)))
    sources = [{row.provenance.source} for row in rows]

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = [(a, b) for _, a, b in match_pairs(rows)]
    cross = [rows[a].provenance.source != rows[b].provenance.source for a, b in pairs]
    ordered = [pair for pair, c in zip(pairs, cross, strict=True) if not c] + [
        pair for pair, c in zip(pairs, cross, strict=True) if c
    ]
    for a, b in ordered:
        ra, rb = root(a), root(b)
        is_cross = rows[a].provenance.source != rows[b].provenance.source
        if ra == rb or (is_cross and sources[ra] & sources[rb]):
            continue
        parent[rb] = ra
        sources[ra] |= sources[rb]
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(rows)):
        groups[root(index)].append(index)
    return sorted(groups.values(), key=lambda group: group[0])


class RegionLocator:
    """The WHO Admin1 of the facility nearest to a point (for OSM-only places)."""

    # Any facility outside the 3×3 cells around a point is more than one cell away (0.1°:
    # ≥ 10.9 km up to 11°N), so a nearer one found inside is the nearest; else all are
    # scanned (WHO facilities are rarely 11 km apart).
    CELL_DEGREES = 0.1
    CELL_M = 10_900.0

    def __init__(self, points: list[tuple[LonLat, str]]) -> None:
        self._points = points
        self._grid: dict[tuple[int, int], list[tuple[LonLat, str]]] = defaultdict(list)
        for geo, region in points:
            self._grid[self._cell(geo)].append((geo, region))

    def _cell(self, geo: LonLat) -> tuple[int, int]:
        return (math.floor(geo[0] / self.CELL_DEGREES), math.floor(geo[1] / self.CELL_DEGREES))

    def __call__(self, geo: LonLat | None) -> str:
        if geo is None:
            raise ValueError("an OSM-only place always has coordinates")
        x, y = self._cell(geo)
        near = [
            point
            for dx, dy in itertools.product((-1, 0, 1), repeat=2)
            for point in self._grid.get((x + dx, y + dy), ())
        ]
        distance, region = min((haversine_m(geo, p), r) for p, r in near or self._points)
        if distance > self.CELL_M:
            _, region = min((haversine_m(geo, p), r) for p, r in self._points)
        return region
