"""Pseudo-relevance feedback: widen a question with the words of the chunks it finds first (RM3).

A customer's question and the article that answers it often share only a word or two ("extra
cardholders" / "authorized users"); the sections that share them rank first, and they are usually
about the same topic as the answer, using its vocabulary. RM3 reads the best first-pass chunks and
builds a relevance model: each term's share of a chunk, averaged over the chunks weighted by their
score, P(w|R) = sum_d P(w|d) P(d|q). The expanded query keeps the question's own terms (weight
:data:`ORIGINAL_SHARE`) and adds the model's best :data:`TERMS` terms with the rest; a second search
ranks every chunk by BM25 for it, a third vote in the rank fusion
(:mod:`crewline.memory.knowledge.retrieval`), while each hit's scores stay the question's own. Generic
conversational words ("happen", "go") weigh little in it, so "what happens to my points" does not
rank every "What happens ..." heading first. Everything comes from the knowledge base itself: no word
list of a domain, nothing learnt elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping

from crewline.memory.knowledge.embeddings import content_terms
from crewline.memory.knowledge.index import Filters, Hit, KnowledgeBase
from crewline.memory.knowledge.synonyms import GENERIC

__all__ = ["FIRST_PASS", "ORIGINAL_SHARE", "TERMS", "expanded_query", "feedback_search"]

FIRST_PASS = 3  # chunks read for the relevance model
TERMS = 10  # feedback terms added
ORIGINAL_SHARE = 0.6  # RM3's lambda: the question's own terms keep this share of the weight
GENERIC_SHARE = 0.3  # a generic word's weight against a topic word's in the question


def expanded_query(kb: KnowledgeBase, query: str, first: list[Hit]) -> dict[str, float]:
    """The question's stemmed terms and the relevance model's best terms, weighted (sums to 1)."""
    own: dict[str, float] = {}
    for term in content_terms(query):
        own[term] = GENERIC_SHARE if term in GENERIC else 1.0
    if not own:
        return {}
    total = sum(own.values())
    weights = {term: ORIGINAL_SHARE * w / total for term, w in own.items()}
    model = _relevance_model(kb, first[:FIRST_PASS], frozenset(own))
    best = sorted(model.items(), key=lambda item: (-item[1], item[0]))[:TERMS]
    mass = sum(p for _, p in best)
    for term, p in best:
        weights[term] = weights.get(term, 0.0) + (1.0 - ORIGINAL_SHARE) * p / mass
    return weights


def _relevance_model(kb: KnowledgeBase, hits: list[Hit], own: frozenset[str]) -> dict[str, float]:
    """P(w|R) over ``hits``, without the question's own terms and generic words."""
    scores = [max(hit.score, 0.0) for hit in hits]
    norm = sum(scores)
    model: dict[str, float] = {}
    if not norm:
        return model
    for hit, score in zip(hits, scores, strict=True):
        counts = kb.chunk_terms(hit)
        length = sum(counts.values())
        if not length:
            continue
        for term, count in counts.items():
            if term not in own and term not in GENERIC:
                model[term] = model.get(term, 0.0) + (score / norm) * count / length
    return model


def feedback_search(kb: KnowledgeBase, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
    """The ``k`` best chunks for ``query`` with pseudo-relevance feedback (one first pass, then the
    fused search with the expanded query as a third ranking; the question is embedded and scored once
    for both)."""
    if k <= 0 or not query.strip():
        return []
    scores = kb.query_scores(query, max(k, FIRST_PASS), filters)  # the question's scores, once
    first = kb.ranked(scores, FIRST_PASS)
    if not first:
        return first
    weights: Mapping[str, float] = expanded_query(kb, query, first)
    return kb.ranked(scores, k, feedback=weights)
