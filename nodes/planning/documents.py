"""Routes backed by documents: a clause no route took goes to the route whose documents hold its words.

A help-centre specialist learns its route from a handful of example questions, but answers from a
folder of articles that name far more of its topics ("text alerts", "paperless", "branch", the card
products). A clause that no route's examples share enough with ("tell me how to turn on text alerts")
is out of scope for the router, though the articles cover every word of it. The planner's settings
may name such a folder per specialist (``planner.documents``); a clause the router and the semantic
stage leave to *none* then goes to the one route whose documents

* hold every content word of it, compared by a light stemmer (``alerts``/``alert``, ``times``/``time``,
  ``fees``/``fee``: the knowledge index's own), since an everyday question shares some words with
  any set of articles ("what time is it in Tokyo" has "time", not "Tokyo"); and
* hold two of its topic words in one document: a topic word is one few of the documents use (not
  "day", "need", "help" in a help centre) and no everyday English word ("good", "time", "book");
  two of them together in one article is what says the clause is about that article ("text
  alerts"). One topic word alone is a coincidence of everyday English: "what is 15 times 7", "who
  programmed you", "when is the next holiday" each share one word with a bank's articles, and
  "create a reminder" two that no article has together.

A how-to question may go there too when another route took it only by function words or unsure
(see ``Planner``): documents say how things are done; the
specialists act on records, and one whose examples name the clause's objects keeps it.

The documents' index is kept per folder and file list with sizes and times, so a crew built again
(each test, each ``crewline run``) reads an unchanged folder once.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from crewline.errors import ConfigurationError
from crewline.memory.knowledge.embeddings import stem
from crewline.memory.word_vectors import word_vectors
from crewline.nodes.planning.features import word_ngrams
from crewline.nodes.planning.router_content import is_function_word

__all__ = [
    "DOCUMENT_SUFFIXES",
    "TOPICAL_SHARE",
    "DocumentWords",
    "asks_how_to",
    "content_stems",
    "covering_route",
    "folder_vocabulary",
    "names_module_attr",
    "resolve_folder",
    "topic_candidates",
]

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".rst")
_MAX_BYTES = 20_000_000  # a folder of articles, not a corpus: a bigger one is a configuration mistake
# A word most of the documents use says nothing of what a request is about ("day", "need", "help" in
# a help centre's articles); one that at most this share of them use names one of their topics.
TOPICAL_SHARE = 0.25
_TOPIC_WORDS = 2  # topic words of the clause that one document must hold together
# The shipped word-vector table ranks words by how common they are in English (MiniLM's vocabulary
# order, the table's own SIF weighting): the thousand most common ("time", "day", "good", "book",
# "turn", "change") are everyday words, never a topic, however few articles use them.
_EVERYDAY_RANK = 1000


def _content_words(text: str) -> list[str]:
    """``text``'s word unigrams that are no function word nor a number."""
    return [
        word
        for word in word_ngrams(text)
        if " " not in word and not word.isdigit() and not is_function_word(word)
    ]


# The shared stemmer strips "-ence" and "-ency" but leaves "-ent" ("difference" -> "differenc",
# "different" -> "different"), so a request asking "the difference between" shares no word with a
# document saying "different": the noun's stem takes the adjective's ending (and "-ance"/"-ancy" the
# "-ant" of theirs: "importance", "important"). Documents and requests go through the same mapping.
_NOUN_ENDINGS = (("enci", "ent"), ("enc", "ent"), ("anci", "ant"), ("anc", "ant"))
_MIN_NOUN_STEM = 6  # "fence", "dance" keep their own stems


def _stem(word: str) -> str:
    stemmed = stem(word)
    if len(stemmed) >= _MIN_NOUN_STEM:
        for ending, adjective in _NOUN_ENDINGS:
            if stemmed.endswith(ending):
                return stemmed[: -len(ending)] + adjective
    return stemmed


def content_stems(text: str) -> frozenset[str]:
    """The stems of ``text``'s content words."""
    return frozenset(_stem(word) for word in _content_words(text))


def _everyday(word: str) -> bool:
    row = word_vectors.row(word)
    return row is not None and row < _EVERYDAY_RANK


def topic_candidates(text: str) -> frozenset[str]:
    """The stems of ``text``'s content words that are no everyday English word: those that may name
    a topic of the documents."""
    return frozenset(_stem(word) for word in _content_words(text) if not _everyday(word))


# "how do I ...", "how can we ...", "can you tell me how do I ...": asks how to do something.
_HOW_TO = re.compile(
    r"\s*(?:(?:can|could)\s+you\s+tell\s+me\s+)?how\s+(?:do|can|should|would)\s+(?:i|we)\b", re.I
)


def asks_how_to(text: str) -> bool:
    """Whether ``text`` asks how to do something: documents answer that, whoever acts on records."""
    return _HOW_TO.match(text) is not None


# 'package.module:ATTR' (a spec need not know where a package is installed), not a path with a colon.
_MODULE_ATTR = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def names_module_attr(where: str) -> bool:
    """Whether ``where`` names a folder as ``package.module:ATTR`` rather than by its path."""
    return _MODULE_ATTR.fullmatch(where) is not None and not Path(where).exists()


def resolve_folder(where: str) -> Path:
    """A folder from a path or a ``package.module:ATTR`` naming one; ``ConfigurationError`` when it
    is not a readable folder."""
    if names_module_attr(where):
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
class DocumentWords:
    """The content stems of a folder's documents; those few of them use (their topics); and each
    document's topic stems."""

    words: frozenset[str]
    topical: frozenset[str]
    topics_by_document: tuple[frozenset[str], ...] = ()

    def covers(self, stems: frozenset[str], candidates: frozenset[str] | None = None) -> bool:
        """Every stem is the documents' and one document holds ``_TOPIC_WORDS`` of its topic stems
        ("text alerts", not "good day" nor "create a reminder"); ``candidates``: the stems that may
        be topics (``topic_candidates``; all of them by default)."""
        if len(stems) < _TOPIC_WORDS or not stems <= self.words:
            return False
        topics = stems & self.topical & (stems if candidates is None else candidates)
        if len(topics) < _TOPIC_WORDS:
            return False
        return any(len(topics & document) >= _TOPIC_WORDS for document in self.topics_by_document)


_Key = tuple[tuple[str, int, int], ...]
_CACHE: dict[Path, tuple[_Key, DocumentWords]] = {}


def _document_paths(folder: Path) -> list[Path]:
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.suffix.lower() in DOCUMENT_SUFFIXES and path.is_file()
    ]


def _key(paths: list[Path]) -> _Key:
    """What says the folder changed: each document's path, size and modification time."""
    stats = [(str(path), path.stat()) for path in paths]
    return tuple((name, stat.st_size, stat.st_mtime_ns) for name, stat in stats)


def folder_vocabulary(folder: Path) -> DocumentWords:
    """The vocabulary of the documents under ``folder`` (``DOCUMENT_SUFFIXES``): a stem is topical
    when at most ``TOPICAL_SHARE`` of them (and at least one) use it. Kept while the folder's
    documents are unchanged; a folder with none gets a warning and claims nothing."""
    paths = _document_paths(folder)
    key = _key(paths)
    cached = _CACHE.get(folder.resolve())
    if cached is not None and cached[0] == key:
        return cached[1]
    if sum(size for _, size, _ in key) > _MAX_BYTES:
        raise ConfigurationError(f"planner.documents: {folder} holds over {_MAX_BYTES} bytes of text")
    if not paths:
        log.warning(
            "planner.documents: %s holds no %s files; it claims no request",
            folder,
            "/".join(DOCUMENT_SUFFIXES),
        )
    documents = [content_stems(path.read_text(encoding="utf-8", errors="replace")) for path in paths]
    vocabulary = _vocabulary(documents)
    _CACHE[folder.resolve()] = (key, vocabulary)
    return vocabulary


def _vocabulary(documents: list[frozenset[str]]) -> DocumentWords:
    counts = Counter(stem for stems in documents for stem in stems)
    most = max(1.0, TOPICAL_SHARE * len(documents))
    topical = frozenset(stem for stem, count in counts.items() if count <= most)
    return DocumentWords(frozenset(counts), topical, tuple(stems & topical for stems in documents))


def covering_route(text: str, vocabularies: Mapping[str, DocumentWords]) -> str | None:
    """The one route whose documents cover ``text`` (``DocumentWords.covers``; None: none or several)."""
    stems, candidates = content_stems(text), topic_candidates(text)
    found = [route for route, vocabulary in vocabularies.items() if vocabulary.covers(stems, candidates)]
    return found[0] if len(found) == 1 else None
