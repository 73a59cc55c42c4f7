"""The two open-data files, read and merged into establishments (no database).

The counts are the ones measured when the merge rules were chosen: a change of rule or of
data shows here first."""

from __future__ import annotations

from collections import Counter

import pytest

from hostolink.health.opendata import dataset, matching
from hostolink.health.opendata.dataset import Establishment, osm_category


@pytest.fixture(scope="module")
def directory() -> list[Establishment]:
    return dataset.build_directory()


def find(directory: list[Establishment], source_name: str) -> list[Establishment]:
    """Establishments one of whose source rows has this name (WHO or OSM spelling)."""
    return [
        e
        for e in directory
        if any(
            source_name in (p.donnees.get("Facility name"), p.donnees.get("name"))
            for p in e.provenances
        )
    ]


class TestCounts:
    def test_rows_and_merges(self, directory: list[Establishment]) -> None:
        sources = Counter(p.source for e in directory for p in e.provenances)
        assert sources == {matching.WHO: 1792, matching.OSM: 1800}  # 1 810 OSM lines, 10 twice
        assert len(directory) == 3474
        assert sum(sources.values()) - len(directory) == 118  # rows merged into another

    def test_kinds_of_merge(self, directory: list[Establishment]) -> None:
        shapes = Counter(
            (
                sum(p.source == matching.WHO for p in e.provenances),
                sum(p.source == matching.OSM for p in e.provenances),
            )
            for e in directory
        )
        assert shapes[(1, 1)] + shapes[(1, 2)] + shapes[(1, 4)] == 65  # in both files
        assert shapes[(2, 0)] == 6  # a WHO facility geocoded twice
        assert shapes[(0, 2)] + shapes[(0, 3)] == 38  # OSM duplicates
        assert max(w for w, _ in shapes) == 2  # never two WHO facilities in one place

    def test_other_figures(self, directory: list[Establishment]) -> None:
        assert sum(e.geo is None for e in directory) == 25  # WHO rows without coordinates
        assert sum(e.ouvert_24h for e in directory) == 137
        assert sum(e.urgences for e in directory) == 35
        phones = [p for e in directory for p in e.phones]
        assert (len(phones), sum(p.confiance == "a_verifier" for p in phones)) == (228, 3)


class TestKnownPlaces:
    def test_the_chu_of_cocody_is_one_establishment(self, directory: list[Establishment]) -> None:
        (chu,) = find(directory, "Cocody Hospitalier Universitaire")
        assert [p.source for p in chu.provenances] == [matching.WHO, matching.OSM]
        assert chu.provenances[1].donnees["name"] == (
            "Centre hospitalier universitaire de Cocody (CHU de Cocody)"
        )
        assert chu.nom == chu.provenances[1].donnees["name"]  # OSM spelling
        assert (chu.categorie, chu.secteur, chu.region) == ("chu", "public", "Abidjan")
        assert (chu.ville, chu.commune, chu.urgences) == ("Abidjan", "Cocody", True)
        osm = chu.provenances[1].donnees
        assert chu.geo == (float(osm["lon"]), float(osm["lat"]))  # OSM position

    def test_the_general_hospital_of_alepe(self, directory: list[Establishment]) -> None:
        (hospital,) = find(directory, "Alepe Hôpital Général")
        assert [p.identifiant_source for p in hospital.provenances][1] == "way/334188832"
        assert (hospital.categorie, hospital.region, hospital.ville) == (
            "hopital_general",
            "Lagunes",
            "Alépé",
        )

    def test_three_health_centres_of_daloa_stay_three(self, directory: list[Establishment]) -> None:
        assert len(find(directory, "Daloa Centre de Santé Urbain")) == 3

    def test_a_public_and_a_church_hospital_of_dabou_stay_two(
        self, directory: list[Establishment]
    ) -> None:
        assert {e.secteur for e in find(directory, "Dabou Hôpital Général")} == {
            "public",
            "confessionnel",
        }

    def test_the_red_cross_is_not_the_hospital_of_boundiali(
        self, directory: list[Establishment]
    ) -> None:
        (red_cross,) = find(directory, "Croix Rouge Boundiali")
        assert [p.source for p in red_cross.provenances] == [matching.OSM]

    def test_two_healers_with_the_same_name_stay_two(self, directory: list[Establishment]) -> None:
        healers = [e for e in find(directory, "Tradi-praticien") if e.region == "Abidjan"]
        assert sorted(len(e.provenances) for e in healers) == [1, 1, 2]  # 2: 20 m apart

    def test_a_who_place_name_reads_as_french(self, directory: list[Establishment]) -> None:
        (centre,) = find(directory, "Apprompronou Centre de Santé Rural")
        assert centre.nom == "Centre de santé rural d'Apprompronou"


class TestPlaces:
    def test_an_osm_place_takes_the_region_of_the_nearest_who_facility(
        self, directory: list[Establishment]
    ) -> None:
        (police,) = find(directory, "Hôpital de police du Plateau")
        assert (police.region, police.region_derivee) == ("Abidjan", True)
        assert (police.ville, police.commune) == ("Abidjan", "Plateau")

    def test_a_quarter_named_plateau_elsewhere_is_not_abidjan(
        self, directory: list[Establishment]
    ) -> None:
        (centre,) = find(directory, "Centre de santé urbain de buyo plateau")
        assert (centre.region, centre.ville, centre.commune) == ("Bas-Sassandra", None, None)

    def test_every_place_has_a_region(self, directory: list[Establishment]) -> None:
        assert len({e.region for e in directory}) == 14
        assert all(not e.region_derivee for e in directory if e.geo is None)


class TestProvenance:
    def test_osm_rows_carry_the_odbl_attribution(self, directory: list[Establishment]) -> None:
        osm = [p for e in directory for p in e.provenances if p.source == matching.OSM]
        assert all(p.licence == "ODbL-1.0" for p in osm)
        assert all(p.attribution == "© OpenStreetMap contributors / healthsites.io" for p in osm)
        assert all(p.identifiant_source.startswith(("node/", "way/")) for p in osm)

    def test_who_rows_do_not_claim_a_licence(self, directory: list[Establishment]) -> None:
        who = [p for e in directory for p in e.provenances if p.source == matching.WHO]
        assert {p.licence for p in who} == {"non établie (attribution requise)"}
        assert {p.attribution for p in who} == {"Maina et al. 2019, OMS / KEMRI-Wellcome"}

    def test_ids_are_unique_and_fit_their_columns(self, directory: list[Establishment]) -> None:
        keys = [(p.source, p.identifiant_source) for e in directory for p in e.provenances]
        assert len(keys) == len(set(keys)) == len(dataset.source_keys())
        assert all(len(key) <= 100 for _, key in keys)
        assert all(len(p.licence) <= 40 for e in directory for p in e.provenances)

    def test_the_raw_row_is_kept(self, directory: list[Establishment]) -> None:
        (chu,) = find(directory, "Cocody Hospitalier Universitaire")
        assert chu.provenances[0].donnees["Ownership"] == "Public"
        assert chu.provenances[1].donnees["osm_id"] == "327402561"


class TestCategories:
    @pytest.mark.parametrize(
        ("amenity", "healthcare", "name", "expected"),
        [
            ("pharmacy", "", "Pharmacie du CHU", "pharmacie"),
            ("dentist", "", "Cabinet dentaire", "dentiste"),
            ("hospital", "", "CHU d'Angré", "chu"),
            ("hospital", "", "CHR Korhogo", "centre_hospitalier_regional"),
            ("hospital", "", "Maternité du CHR", "hopital_general"),
            ("hospital", "", "Hôpital général de Tabou", "hopital_general"),
            ("hospital", "", "CSU Tafiré", "centre_sante_urbain"),
            ("clinic", "", "Clinique Les Arcades", "clinique"),
            ("clinic", "", "Centre de santé Yaou", "clinique"),
            ("clinic", "", "Centre de Santé urbain Azaguié", "centre_sante_urbain"),
            ("doctors", "", "Cabinet médical Saint Jean", "cabinet_medical"),
            ("doctors", "", "Centre de Santé Urbain de Gbagba", "centre_sante_urbain"),
            ("doctors", "", "Centre de santé Nadjate", "autre"),
            ("doctors", "", "Laboratoire R+", "laboratoire"),
            ("", "laboratory", "La Rosette Laboratoire", "laboratoire"),
            ("", "hospital", "CHR Gagnoa", "centre_hospitalier_regional"),
            ("", "physiotherapist", "Yah-Kindo", "autre"),
        ],
    )
    def test_osm_tags_and_names(
        self, amenity: str, healthcare: str, name: str, expected: str
    ) -> None:
        assert osm_category(amenity, healthcare, name) == expected

    def test_who_gives_the_category_of_a_merged_place(self, directory: list[Establishment]) -> None:
        (centre,) = find(directory, "Centre de Santé d'Edjambo")  # OSM: hospital, "autre"
        assert centre.categorie == "centre_sante_rural"

    def test_sectors(self, directory: list[Establishment]) -> None:
        sectors = Counter(e.secteur for e in directory)
        assert sectors == {
            "public": 1830,
            None: 1302,
            "prive": 219,
            "communautaire": 65,
            "confessionnel": 58,
        }
