"""Hybrid retrieval: dense (FAISS) and lexical (BM25) candidates, fused into one ranking and one score.

Each retriever proposes its best :data:`CANDIDATES` chunks; every candidate is then scored by *both*
(the cosine of its vector, its normalised BM25 score), so a chunk only one retriever found is not
penalised for the other's cut-off. The ranking is reciprocal rank fusion (RRF, ``k = 60``) of the two
orders, which needs no tuning across score scales; each hit's ``score`` is the mean of the two
absolute scores, both in [0, 1] and independent of the other chunks and of the query's length, so a
``score`` means the same for every query (the answer confidence builds on it).

A caller may add a third ranking, ``feedback``: lexical scores of every chunk for an expanded query
(the question's words plus words of the best first-pass chunks, weighted: pseudo-relevance feedback,
:mod:`crewline.memory.knowledge.feedback`). It proposes candidates and votes in the rank fusion like
the other two, so a chunk that shares the first hits' vocabulary but few of the question's words can
rise; each hit's absolute scores stay those of the question itself, so the confidence keeps its scale.
The question's own scores (:func:`score_query`) are computed once and reused by both rankings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from crewline.memory.knowledge.bm25 import BM25Index
from crewline.memory.knowledge.vectors import VectorIndex

__all__ = ["CANDIDATES", "RRF_K", "QueryScores", "Scored", "fuse", "score_query"]

CANDIDATES = 50
RRF_K = 60.0
DENSE_WEIGHT = 0.5
FEEDBACK_VOTE = 1.0  # the expanded query's ranking counts as much as each of the other two


@dataclass(frozen=True)
class Scored:
    row: int  # the chunk's row in the knowledge base
    score: float  # fused absolute relevance in [0, 1]
    dense: float  # cosine similarity clipped to [0, 1]
    lexical: float  # normalised BM25 in [0, 1]
    rrf: float


def _ranks(values: NDArray[np.float64]) -> NDArray[np.float64]:
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    return ranks


def _best_rows(scores: NDArray[np.float64], pool: int) -> NDArray[np.intp]:
    """The rows of the ``pool`` highest positive scores (unordered)."""
    rows = np.flatnonzero(scores > 0)
    if len(rows) > pool:
        rows = rows[np.argpartition(-scores[rows], pool - 1)[:pool]]
    return rows


@dataclass(frozen=True)
class QueryScores:
    """A query's own scores, computed once and reused by every ranking of it (a feedback search ranks
    the same question twice: its first pass and the fused search with the expanded query)."""

    vector: NDArray[np.float32]  # the query's unit vector
    dense: Mapping[int, float]  # row -> cosine of the dense retriever's candidates
    lexical: NDArray[np.float64]  # normalised BM25 score of every row (0 outside the filter)
    allowed_rows: NDArray[np.bool_] | None  # the filter's row mask, if any
    pool: int  # candidates each retriever proposes


def score_query(
    query: str,
    query_vector: NDArray[np.float32],
    vectors: VectorIndex,
    lexical: BM25Index,
    row_of: Callable[[int], int | None],
    k: int,
    allowed_rows: NDArray[np.bool_] | None = None,
    allowed_ids: NDArray[np.int64] | None = None,
) -> QueryScores:
    """The dense candidates and the lexical scores of ``query`` for rankings of up to ``k`` hits.

    ``row_of`` maps a chunk id to its row. A filter is given both as a row mask (lexical side) and as
    chunk ids (dense side)."""
    pool = max(CANDIDATES, 2 * k)
    dense: dict[int, float] = {}
    if np.any(query_vector):
        for chunk_id, cosine in vectors.search(query_vector, pool, allowed_ids):
            row = row_of(chunk_id)
            if row is not None:
                dense[row] = cosine
    lexical_all = lexical.scores(query)
    if allowed_rows is not None:
        lexical_all = np.where(allowed_rows, lexical_all, 0.0)
    return QueryScores(query_vector, dense, lexical_all, allowed_rows, pool)


def fuse(
    scores: QueryScores,
    chunk_vectors: Callable[[Sequence[int]], NDArray[np.float32]],
    k: int,
    feedback: NDArray[np.float64] | None = None,
) -> list[Scored]:
    """The ``k`` best chunks by the query's ``scores``; see the module docstring. ``chunk_vectors``
    reads the vectors of rows; ``feedback``: a score per row for an expanded query (higher is better),
    a third ranking in the fusion."""
    pool, lexical_all = max(scores.pool, 2 * k), scores.lexical
    dense = dict(scores.dense)
    proposed = {int(r) for r in _best_rows(lexical_all, pool)}
    if feedback is not None:
        if scores.allowed_rows is not None:
            feedback = np.where(scores.allowed_rows, feedback, 0.0)
        proposed |= {int(r) for r in _best_rows(feedback, pool)}
    rows = sorted(set(dense) | proposed)
    if not rows:
        return []
    missing = [r for r in rows if r not in dense]
    if missing and np.any(scores.vector):
        for row, cosine in zip(missing, (chunk_vectors(missing) @ scores.vector).tolist(), strict=True):
            dense[row] = cosine
    dense_scores = np.clip(np.array([dense.get(r, 0.0) for r in rows]), 0.0, 1.0)
    lexical_scores = np.clip(lexical_all[rows], 0.0, 1.0)
    rrf = 1.0 / (RRF_K + _ranks(dense_scores)) + 1.0 / (RRF_K + _ranks(lexical_scores))
    if feedback is not None:
        rrf += FEEDBACK_VOTE / (RRF_K + _ranks(feedback[rows]))
    fused = DENSE_WEIGHT * dense_scores + (1.0 - DENSE_WEIGHT) * lexical_scores
    related = [i for i in range(len(rows)) if fused[i] > 0]  # nothing in common: not a hit
    order = sorted(related, key=lambda i: (-rrf[i], -fused[i], rows[i]))[:k]
    return [
        Scored(rows[i], float(fused[i]), float(dense_scores[i]), float(lexical_scores[i]), float(rrf[i]))
        for i in order
    ]
