"""Routes backed by documents: a clause no route took goes to the route whose documents hold its words.

A help-centre specialist learns its route from a handful of example questions, but answers from a
folder of articles that name far more of its topics ("text alerts", "paperless", "branch", the card
products). A clause that no route's examples share enough with ("tell me how to turn on text alerts")
is out of scope for the router, though the articles cover every word of it. The planner's settings
may name such a folder per specialist (``planner.documents``); a clause the router and the semantic
stage leave to *none* then goes to the one route whose documents hold every content word of it (an
inflection counts: "alerts", "alert") and one word that few of them use (a topic of theirs). Every
word, not most: a world question shares some everyday words with any set of articles ("what time is
it in Tokyo" has "time", not "Tokyo"); and a topic word, since "what time is it" has nothing else.
A how-to question ("how do I change my billing address") goes there too when another route took it
in that route's words: documents say how things are done; the specialists act on records.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from crewline.errors import ConfigurationError
from crewline.nodes.planning.features import word_ngrams
from crewline.nodes.planning.router_content import is_function_word

__all__ = [
    "DOCUMENT_SUFFIXES",
    "TOPICAL_SHARE",
    "Vocabulary",
    "asks_how_to",
    "content_stems",
    "covering_route",
    "folder_vocabulary",
    "resolve_folder",
]

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".rst")
_MAX_BYTES = 20_000_000  # a folder of articles, not a corpus: a bigger one is a configuration mistake
# A word most of the documents use says nothing of what a request is about ("time", "need", "help" in
# a help centre's articles); one that at most this share of them use names one of their topics.
TOPICAL_SHARE = 0.25


def _stem(word: str) -> str:
    """A word's first five letters, as the router's content check compares inflections."""
    return word[:5]


def content_stems(text: str) -> frozenset[str]:
    """The stems of ``text``'s content words: word unigrams that are no function word nor a number."""
    return frozenset(
        _stem(word)
        for word in word_ngrams(text)
        if " " not in word and not word.isdigit() and not is_function_word(word)
    )


# "how do I ...", "how can we ...", "can you tell me how do I ...": asks how to do something.
_HOW_TO = re.compile(
    r"\s*(?:(?:can|could)\s+you\s+tell\s+me\s+)?how\s+(?:do|can|should|would)\s+(?:i|we)\b", re.I
)


def asks_how_to(text: str) -> bool:
    """Whether ``text`` asks how to do something: documents answer that, whoever acts on records."""
    return _HOW_TO.match(text) is not None


def resolve_folder(where: str) -> Path:
    """A folder from a path or a ``package.module:ATTR`` naming one (so a spec need not know where a
    package is installed); ``ConfigurationError`` when it is not a readable folder."""
    if ":" in where and not Path(where).exists():
        module_name, _, attr = where.partition(":")
        try:
            value = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigurationError(f"planner.documents: cannot import {where!r}: {exc}") from None
        folder = Path(value)
    else:
        folder = Path(where).expanduser()
    if not folder.is_dir():
        raise ConfigurationError(f"planner.documents: {where!r} is not a folder")
    return folder


@dataclass(frozen=True)
class Vocabulary:
    """The content stems of a folder's documents, and those few of its documents use: its topics."""

    words: frozenset[str]
    topical: frozenset[str]

    def covers(self, stems: frozenset[str]) -> bool:
        """Every stem is the documents' and one names a topic of theirs ("alerts", not "time")."""
        return bool(stems) and stems <= self.words and bool(stems & self.topical)


def folder_vocabulary(folder: Path) -> Vocabulary:
    """The vocabulary of the documents under ``folder`` (``DOCUMENT_SUFFIXES``): a stem is topical
    when at most ``TOPICAL_SHARE`` of them (and at least one) use it."""
    documents: list[frozenset[str]] = []
    total = 0
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in DOCUMENT_SUFFIXES or not path.is_file():
            continue
        total += path.stat().st_size
        if total > _MAX_BYTES:
            raise ConfigurationError(f"planner.documents: {folder} holds over {_MAX_BYTES} bytes of text")
        documents.append(content_stems(path.read_text(encoding="utf-8", errors="replace")))
    counts = Counter(stem for stems in documents for stem in stems)
    most = max(1.0, TOPICAL_SHARE * len(documents))
    return Vocabulary(frozenset(counts), frozenset(stem for stem, count in counts.items() if count <= most))


def covering_route(text: str, vocabularies: Mapping[str, Vocabulary]) -> str | None:
    """The one route whose documents cover ``text`` (``Vocabulary.covers``; None: none or several)."""
    stems = content_stems(text)
    found = [route for route, vocabulary in vocabularies.items() if vocabulary.covers(stems)]
    return found[0] if len(found) == 1 else None
