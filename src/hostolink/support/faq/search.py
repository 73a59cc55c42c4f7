"""Searching the FAQ: the query's words are folded (`kit.text`), a word no question or
answer contains is corrected to its nearest words (`kit.spelling`, as in the directory),
and each word matches as a word prefix. Questions holding every word come first, then those
holding any; among them, matches in the question rank above matches in the answer only.

The published FAQ is a few dozen rows: they are ranked here, in Python, from their stored
`texte_recherche` (the embedded server has no `unaccent`, and a table this small needs no
index to search)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hostolink.kit import spelling
from hostolink.kit.text import words
from hostolink.models import QuestionFrequente

MAX_QUERY_WORDS = 8
# Words a question is never found by: they are in almost every one.
IGNORED = frozenset(
    {
        "a",
        "au",
        "aux",
        "ce",
        "comment",
        "d",
        "de",
        "des",
        "du",
        "en",
        "est",
        "et",
        "il",
        "j",
        "je",
        "l",
        "la",
        "le",
        "les",
        "ma",
        "mes",
        "mon",
        "ne",
        "on",
        "ou",
        "pas",
        "pour",
        "puis",
        "qu",
        "que",
        "quel",
        "quelle",
        "qui",
        "se",
        "sur",
        "un",
        "une",
        "y",
    }
)


@dataclass(frozen=True)
class Found:
    rows: list[QuestionFrequente]
    corrected: str | None


def search_text(question: str, reponse: str, categorie: str) -> str:
    """The stored `texte_recherche`: folded words of the question, answer and category."""
    return " ".join(words(f"{question} {reponse} {categorie}"))


def _hits(alternatives: list[list[str]], vocabulary: Sequence[str]) -> int:
    return sum(
        any(word.startswith(alt) for alt in alts for word in vocabulary) for alts in alternatives
    )


def rank(rows: Sequence[QuestionFrequente], query: str) -> Found:
    """`rows` (published, in display order) that match `query`, best first."""
    typed = [w for w in words(query) if w not in IGNORED][:MAX_QUERY_WORDS]
    if not typed:
        return Found(list(rows), None)
    texts = {row.id_question: row.texte_recherche.split() for row in rows}
    vocabulary = sorted({word for text in texts.values() for word in text})
    known = frozenset(vocabulary)
    alternatives = [spelling.corrections(word, vocabulary, known) for word in typed]
    shown = [alts[0] for alts in alternatives]
    corrected = " ".join(shown) if shown != typed else None
    scored = []
    for position, row in enumerate(rows):
        anywhere = _hits(alternatives, texts[row.id_question])
        if anywhere:
            asked = words(row.question)
            in_question = _hits(alternatives, asked)
            # Among equals, the shorter question is the more specific one.
            key = (anywhere == len(alternatives), in_question, anywhere, -len(asked), -position)
            scored.append((key, row))
    complete = [s for s in scored if s[0][0]]
    chosen = complete or scored
    chosen.sort(key=lambda s: s[0], reverse=True)
    return Found([row for _, row in chosen], corrected)
