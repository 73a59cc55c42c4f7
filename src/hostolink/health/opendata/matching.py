"""Which source rows of the seed are the same place (the same hospital in the WHO and the
OpenStreetMap files, or twice in one file), and the region of an OSM-only place. Split from
`opendata.dataset`, which reads the rows and builds the establishments. The row itself
(`SourceRow`, with its `Provenance`) is defined here: both modules need it, and `dataset`
imports this one, not the other way round."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from hostolink.health.categories import ABBREVIATIONS, LABELS, STOP_WORDS
from hostolink.health.hours import OpeningHours
from hostolink.health.opendata.phones import PhoneNumber
from hostolink.kit.geo import haversine_m as great_circle_m
from hostolink.kit.text import words
from hostolink.models.types import LonLat

# The two open-data sources (`provenance_etablissement.source`).
WHO = "who_kemri_2019"
OSM = "healthsites_osm_2020"


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
    return great_circle_m(a[1], a[0], b[1], b[0])


# Thresholds, chosen on the files (the counts they give are asserted in
# tests/health/opendata/test_dataset.py, so a change of rule shows):
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
