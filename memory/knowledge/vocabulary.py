"""How a question's everyday English is read against a knowledge base: a setting, with defaults.

The offline answer path matches words, so it reads customers' words as the articles' own: chat
shorthand written out ("dont" → "do not", :mod:`~crewline.memory.knowledge.informal`), phrasal verbs
and times given the knowledge base's wording (:mod:`~crewline.memory.knowledge.phrasal`), synonym
groups and one-way bridges (:mod:`~crewline.memory.knowledge.synonyms`). These lists are general
English for customer service; a knowledge base in another language or trade may want its own, or
none::

    from crewline.memory.knowledge.vocabulary import ENGLISH, NO_VOCABULARY, Vocabulary
    build_knowledge_graph(vocabulary=NO_VOCABULARY)  # words as typed, nothing rewritten
    build_knowledge_graph(vocabulary=replace(ENGLISH, groups=ENGLISH.groups + ("gym club studio",)))
    with using_vocabulary(NO_VOCABULARY):  # the plain tools (answer_question, retrieve)
        answer_question(kb, "...")

:data:`VOCABULARY` holds the one in force (a context variable: the knowledge graph sets its own around
each retrieval, so graphs with different settings can share a process).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType

from crewline.memory.knowledge.informal import INFORMAL
from crewline.memory.knowledge.phrasal import PHRASAL, TIMES, Rewrite
from crewline.memory.knowledge.synonyms import BRIDGES, GROUPS

__all__ = ["ENGLISH", "NO_VOCABULARY", "VOCABULARY", "Vocabulary", "using_vocabulary"]


@dataclass(frozen=True, repr=False)
class Vocabulary:
    """``shorthand``: informal spelling → its words (lowercase keys). ``rewrites``: phrase rewrites,
    applied where the knowledge base lacks the phrase and has the plain word. ``groups``: synonym groups
    (space-separated words). ``bridges``: (words, words they stand for where the knowledge base never
    uses them)."""

    shorthand: Mapping[str, str] = field(default_factory=lambda: MappingProxyType(dict(INFORMAL)))
    rewrites: tuple[Rewrite, ...] = PHRASAL + TIMES
    groups: tuple[str, ...] = GROUPS
    bridges: tuple[tuple[str, str], ...] = BRIDGES

    def __repr__(self) -> str:
        # The shipped ones by name: as a default argument (``build_knowledge_graph(vocabulary=ENGLISH)``)
        # the field-by-field form printed every list in help() and the docs.
        if self is ENGLISH:
            return "<the English vocabulary>"
        if self is NO_VOCABULARY:
            return "<no vocabulary>"
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__dataclass_fields__)
        return f"Vocabulary({fields})"


ENGLISH = Vocabulary()
NO_VOCABULARY = Vocabulary(shorthand=MappingProxyType({}), rewrites=(), groups=(), bridges=())
VOCABULARY: ContextVar[Vocabulary] = ContextVar("crewline_knowledge_vocabulary", default=ENGLISH)


@contextmanager
def using_vocabulary(vocabulary: Vocabulary) -> Iterator[Vocabulary]:
    """``vocabulary`` in force inside the block."""
    token = VOCABULARY.set(vocabulary)
    try:
        yield vocabulary
    finally:
        VOCABULARY.reset(token)
