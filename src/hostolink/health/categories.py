"""Categories of establishments, their French labels, and the searchable text of an
establishment (what `texte_recherche` holds)."""

from __future__ import annotations

from collections.abc import Iterable

from hostolink.kit.text import fold, words

LABELS: dict[str, str] = {
    "chu": "Centre hospitalier universitaire (CHU)",
    "hopital_general": "Hôpital général",
    "centre_hospitalier_regional": "Centre hospitalier régional (CHR)",
    "clinique": "Clinique",
    "centre_sante_urbain": "Centre de santé urbain",
    "centre_sante_rural": "Centre de santé rural",
    "centre_medico_social": "Centre médico-social",
    "pharmacie": "Pharmacie",
    "laboratoire": "Laboratoire d'analyses",
    "cabinet_medical": "Cabinet médical",
    "dentiste": "Cabinet dentaire",
    "autre": "Autre établissement de santé",
}

# Words a person may type for a category, beyond its label: abbreviations used in Côte
# d'Ivoire (CSU, CSR, HG, CHR…) and everyday words ("hopital" for a CHU).
_CATEGORY_WORDS: dict[str, str] = {
    "chu": "chu hopital centre hospitalier universitaire",
    "hopital_general": "hg hopital general",
    "centre_hospitalier_regional": "chr hopital centre hospitalier regional",
    "clinique": "clinique polyclinique",
    "centre_sante_urbain": "csu centre sante urbain",
    "centre_sante_rural": "csr centre sante rural",
    "centre_medico_social": "cms centre medico social",
    "pharmacie": "pharmacie",
    "laboratoire": "laboratoire analyses",
    "cabinet_medical": "cabinet medical medecin",
    "dentiste": "dentiste dentaire",
    "autre": "sante",
}

# Abbreviations expanded when two names are compared (deduplication of the seed) and when a
# query is read: "CSU Anonkoua" and "Centre de santé urbain d'Anonkoua" are the same words.
ABBREVIATIONS: dict[str, str] = {
    "chu": "centre hospitalier universitaire",
    "chr": "centre hospitalier regional",
    "hg": "hopital general",
    "csu": "centre sante urbain",
    "csr": "centre sante rural",
    "cms": "centre medico social",
    "ph": "pharmacie",
    "pharma": "pharmacie",
    "st": "saint",
    "ste": "sainte",
}

# Words that carry no meaning in a French place name; dropped from queries.
STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "d",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "sur",
        "un",
        "une",
    ]
)
# Dropped from queries only: « pharmacie de garde » would otherwise have « garde »
# "corrected" to « gare ». The directory has no on-duty rota yet, so the query reads as the
# pharmacies of the place named.
QUERY_IGNORED = STOP_WORDS | {"garde"}


def label(category: str) -> str:
    return LABELS.get(category, LABELS["autre"])


def search_text(
    *,
    nom: str,
    categorie: str,
    commune: str | None = None,
    ville: str | None = None,
    region: str | None = None,
    adresse: str | None = None,
    services: Iterable[str] = (),
) -> str:
    """The folded words an establishment is found by: its name, its category's words, its
    place and its services. PostgreSQL derives the full-text vector from this column."""
    parts = [nom, _CATEGORY_WORDS.get(categorie, ""), commune, ville, region, adresse, *services]
    seen: dict[str, None] = {}
    for part in parts:
        for word in words(part or ""):
            if word not in STOP_WORDS:
                seen.setdefault(word, None)
    return " ".join(seen)


def normalized_name(nom: str) -> str:
    """`nom_normalise`: the folded name (lower case, no accents)."""
    return fold(nom)[:255]
