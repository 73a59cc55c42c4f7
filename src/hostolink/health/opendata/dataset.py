"""The directory's seed data: the two open-data files of Côte d'Ivoire (package data,
`hostolink/data/sante/`, see its README for licences), read and merged into establishments.
Pure Python, no database: `opendata.seed` writes what `build_directory()` returns.

Per source row:
- category: WHO "Facility type"; OSM `amenity`/`healthcare`, refined by what the name says
  ("CHU …", "Centre de santé urbain …", "Clinique …", "Laboratoire …"), see `osm_category`;
- sector: WHO Ownership (Public, FBO → confessionnel, CBO → communautaire), OSM
  `operator_type` (local_authority counts as public);
- emergencies: OSM `emergency=yes`, and every CHU and CHR. CHU and CHR are the reference
  hospitals of the Ivorian pyramid and run the emergency departments patients are sent to;
  a hôpital général usually has one too, but the files do not say so, so it is not assumed;
- phones (`opendata.phones`), hours (`health.hours`), OSM specialities as services.

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
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from hostolink.health.categories import LABELS
from hostolink.health.hours import Interval, parse_opening_hours
from hostolink.health.opendata.matching import (
    OSM,
    WHO,
    Provenance,
    RegionLocator,
    SourceRow,
    expanded_words,
    group_rows,
)
from hostolink.health.opendata.phones import PhoneNumber, parse_contact_numbers
from hostolink.kit.text import fold
from hostolink.models.types import LonLat

WHO_FILE = "civ_health_facilities_who_kemri_2019.csv"
OSM_FILE = "civ_healthsites_io_osm_2020-03.csv"

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
