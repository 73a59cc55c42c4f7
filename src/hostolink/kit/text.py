"""Text folding for search: lower case, no accents, punctuation as spaces.

The embedded PostgreSQL has no `unaccent` extension, so the application folds names before
they are stored (`nom_normalise`, `texte_recherche`) and folds queries the same way: "Hôpital
Général de Bouaké" and "hopital general bouake" become the same words.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z]+")
# Ligatures NFKD does not split.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def fold(text: str) -> str:
    """`text` lower-cased, without accents, with every run of non-alphanumerics as one space."""
    lowered = text.lower().translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", lowered)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", bare).strip()


def words(text: str) -> list[str]:
    """The folded words of `text`."""
    folded = fold(text)
    return folded.split() if folded else []
