"""Typo tolerance for folded search words (`kit.text.words`): a word no indexed text
contains is replaced by the nearest words of the vocabulary by Levenshtein distance. Used by
the directory's search and the FAQ's."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

# Words of 3 letters or fewer are never "corrected": too many neighbours ("chu"/"chr").
MIN_CORRECTED_LENGTH = 4


def has_prefix(vocabulary: Sequence[str], prefix: str) -> bool:
    """Whether a word of the sorted `vocabulary` starts with `prefix` (bisection)."""
    index = bisect.bisect_left(vocabulary, prefix)
    return index < len(vocabulary) and vocabulary[index].startswith(prefix)


def corrections(word: str, vocabulary: Sequence[str], known: frozenset[str]) -> list[str]:
    """`word` itself when the sorted `vocabulary` has it (or a word it starts), or it is
    short; else up to three nearest words (1 edit up to 5 letters, 2 beyond), nearest first;
    `word` itself when none is near enough."""
    if word in known or has_prefix(vocabulary, word) or len(word) < MIN_CORRECTED_LENGTH:
        return [word]
    allowed = 1 if len(word) <= 5 else 2
    found = process.extract(
        word, vocabulary, scorer=Levenshtein.distance, score_cutoff=allowed, limit=3
    )
    return [match for match, _, _ in sorted(found, key=lambda f: (f[1], f[0]))] or [word]
