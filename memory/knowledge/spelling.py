"""A misspelt question word finds the word the knowledge base uses ("interst" → "interest").

Offline answering matches words: a question that misspells its topic word ("interst rate",
"authorised user", "recieve") looked like a question about a topic the articles never mention, the
strongest sign of an unanswerable question. :func:`close_terms` gives, for a stemmed question term
the knowledge base never uses, the terms it does use that are one edit away (a letter inserted,
dropped, replaced, or two neighbours swapped) and start with the same letter. Short words are left
alone (one edit turns "loan" into "load", and a word of four letters has too many such neighbours
for a match to mean a typo), and so is a first letter: typos rarely hit it, while real words one
letter apart mostly differ there ("joint" is no typo of "point").

Candidates come from a deletion index (every term and each of its one-letter deletions, as SymSpell
does), built once per vocabulary and kept while it lives; a candidate is confirmed by the ``regex``
module's fuzzy matching, so a lookup costs a few dictionary probes however large the vocabulary.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Mapping

import regex

__all__ = ["MIN_LENGTH", "SpellingIndex", "close_terms"]

MIN_LENGTH = 5  # a question term and its match both have at least this many letters


def _deletions(term: str) -> set[str]:
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


def _one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by one insertion, deletion, substitution or adjacent swap."""
    if regex.fullmatch(rf"(?:{regex.escape(b)}){{e<=1}}", a):
        return True
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    return len(a) == len(b) and len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]


class SpellingIndex:
    """The deletion index of one vocabulary (stemmed terms)."""

    def __init__(self, terms: Iterable[str]) -> None:
        self._index: dict[str, set[str]] = {}
        for term in terms:
            if len(term) >= MIN_LENGTH and term.isalpha():
                for key in _deletions(term) | {term}:
                    self._index.setdefault(key, set()).add(term)

    def close(self, term: str) -> frozenset[str]:
        """The indexed terms one edit from ``term`` (none for a short or non-alphabetic term)."""
        if len(term) < MIN_LENGTH or not term.isalpha():
            return frozenset()
        found: set[str] = set()
        for key in _deletions(term) | {term}:
            found |= self._index.get(key, set())
        return frozenset(t for t in found if t != term and t[0] == term[0] and _one_edit(term, t))


# One index per vocabulary object, dropped with it (a rebuilt knowledge base gets a new vocabulary).
_INDEXES: weakref.WeakKeyDictionary[object, SpellingIndex] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def close_terms(term: str, owner: object, vocabulary: Mapping[str, object]) -> frozenset[str]:
    """The terms of ``vocabulary`` one edit from ``term``; ``owner`` (the object holding the
    vocabulary, e.g. a BM25 index) keys the cached deletion index."""
    with _LOCK:
        index = _INDEXES.get(owner)
        if index is None:
            index = _INDEXES[owner] = SpellingIndex(vocabulary)
    return index.close(term)
