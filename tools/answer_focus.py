"""Whether an answer's passage is about every topic the question names.

A near-topic question joins two topics the knowledge base covers and asks what neither article says:
"do I earn interest on my secured card's deposit" (rewards earn, secured cards take a deposit), "can
an authorized user get their own statements" (authorized users; statements). Its best sentences come
from one topic's passage and score well on the words they share with it, so the confidence clears the
gate and the answer is about something else. The other topic shows as a question word that is one of
the knowledge base's own topic words (a word of an article title or a section heading) that neither a
chosen sentence nor a sentence of a chosen one's passage (what a reader sees around it) supports.

Only words of some weight count (IDF at least :data:`TOPIC_MIN_WEIGHT`): "card", "account", "pay"
head sections of every help centre and are in most questions without naming a topic. Such a miss
lowers the confidence by a factor (:data:`crewline.tools.answering.TOPIC_MISSING_FACTOR`), not to
zero: the asker's word may be a heading word in another sense ("wallet" lost on vacation vs "Digital
Wallets"), and a well-supported answer still clears the gate.
"""

from __future__ import annotations

import weakref

from crewline.memory.knowledge.embeddings import content_terms
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.synonyms import GENERIC
from crewline.tools.answer_sentences import Sentence
from crewline.tools.question_terms import Question

__all__ = ["TOPIC_MIN_WEIGHT", "topic_words", "unsupported_topics"]

# An IDF over the knowledge base's chunks: a word in every chunk weighs ~0.1, one in a single chunk of
# a hundred ~4.4; "card" weighs 0.6 and "credit" 1.3 in the demo help centre, "deposit" 2.9.
TOPIC_MIN_WEIGHT = 2.0

# per knowledge base (while its chunks are the same): the content words of its titles and headings
_TOPICS: weakref.WeakKeyDictionary[KnowledgeBase, tuple[object, frozenset[str]]] = weakref.WeakKeyDictionary()


def topic_words(kb: KnowledgeBase) -> frozenset[str]:
    """The stemmed content words of the knowledge base's section headings (an article's title names its
    passages' own topic, which a collection of one-passage articles names in every question)."""
    chunks, words = _TOPICS.get(kb, (None, frozenset()))
    if chunks is not kb.chunks:
        words = frozenset(t for chunk in kb.chunks for t in content_terms(chunk.section))
        _TOPICS[kb] = (kb.chunks, words)
    return words


def unsupported_topics(
    kb: KnowledgeBase, question: Question, sentences: list[Sentence], chosen: list[Sentence]
) -> frozenset[str]:
    """The question's topic words (see the module docstring) that neither a chosen sentence nor a
    sentence of a chosen one's passage supports."""
    topics = topic_words(kb)
    named = frozenset(
        t
        for t in question.terms - question.value_terms - GENERIC
        if question.weights[t] >= TOPIC_MIN_WEIGHT
        and (t in topics or any(a in topics for a in question.alternatives.get(t, ())))
    )
    if not named:
        return named
    ranks = {s.hit_rank for s in chosen}
    near = frozenset().union(*(s.supported for s in sentences if s.hit_rank in ranks))
    return named - near
