"""A lexical (Okapi BM25) index over chunks, on scipy sparse matrices, updatable one document at a time.

Why hand-written on scipy rather than ``rank_bm25`` or ``bm25s``: both score a corpus fixed at build
time (adding or deleting one document means re-indexing everything) and return raw scores whose
scale depends on the query. Here the per-chunk term counts are a persisted CSR matrix whose rows
follow the knowledge base's chunks, so an update appends or drops rows; the BM25 weights are derived
from the counts in one vectorised pass when the index is opened or changed.

Terms are :func:`crewline.memory.knowledge.embeddings.content_terms` (the same stemmed, stop-word-free words
the embedder
and the answer extractor use). Scores are normalised per query: a chunk's BM25 score divided by the
score a chunk holding every query term at the saturation limit would get (``sum(idf * (k1 + 1))``),
so ``1.0`` means "all the question's words, weighted by rarity" and the number means the same for
every query.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from crewline.memory.knowledge.embeddings import content_terms

__all__ = ["BM25Index"]

K1 = 1.2
B = 0.75
TITLE_REPEAT = 2  # the title and section count twice: short passages keep their topic


class BM25Index:
    """Term counts of each chunk (rows in chunk order) plus the vocabulary; BM25 scoring on top."""

    def __init__(self, vocabulary: dict[str, int], counts: sp.csr_matrix) -> None:
        self.vocabulary = vocabulary
        self._names: list[str] | None = None  # column -> term, built on first use
        self._counts = counts.tocsr()
        self._refresh()

    @classmethod
    def empty(cls) -> BM25Index:
        return cls({}, sp.csr_matrix((0, 0), dtype=np.float32))

    @staticmethod
    def terms_of(title: str, section: str, text: str) -> list[str]:
        heading = content_terms(f"{title}\n{section}")
        return heading * TITLE_REPEAT + content_terms(text)

    # -- updates -------------------------------------------------------------------------------

    def with_rows(self, keep: NDArray[np.bool_], new_terms: Sequence[Iterable[str]]) -> BM25Index:
        """A new index: the rows where ``keep`` is true, then one row per entry of ``new_terms``."""
        vocabulary = dict(self.vocabulary)
        rows, cols, vals = [], [], []
        for row, terms in enumerate(new_terms):
            for term, count in Counter(terms).items():
                col = vocabulary.setdefault(term, len(vocabulary))
                rows.append(row)
                cols.append(col)
                vals.append(count)
        width = len(vocabulary)
        kept = self._counts[np.flatnonzero(keep)] if self._counts.shape[0] else self._counts
        kept = sp.csr_matrix(kept, shape=(kept.shape[0], width)) if kept.shape[0] else None
        added = sp.csr_matrix(
            (
                np.array(vals, dtype=np.float32),
                (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)),
            ),
            shape=(len(new_terms), width),
        )
        counts = sp.vstack([kept, added], format="csr") if kept is not None else added
        return BM25Index(vocabulary, counts)

    # -- persistence ---------------------------------------------------------------------------

    def save(self, directory: Path, stem: str = "lexical") -> list[str]:
        """Write ``<stem>.npz`` (counts) and ``<stem>.vocab.json``; returns the file names."""
        sp.save_npz(directory / f"{stem}.npz", self._counts, compressed=False)
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        (directory / f"{stem}.vocab.json").write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
        return [f"{stem}.npz", f"{stem}.vocab.json"]

    @classmethod
    def load(cls, directory: Path, stem: str = "lexical") -> BM25Index:
        terms = json.loads((directory / f"{stem}.vocab.json").read_text(encoding="utf-8"))
        if not isinstance(terms, list):
            raise ValueError(f"{directory}: damaged lexical vocabulary")
        counts = sp.load_npz(directory / f"{stem}.npz").tocsr()
        if counts.shape[1] != len(terms):
            raise ValueError(f"{directory}: lexical counts and vocabulary disagree")
        return cls({str(t): i for i, t in enumerate(terms)}, counts)

    # -- scoring -------------------------------------------------------------------------------

    @property
    def rows(self) -> int:
        return int(self._counts.shape[0])

    def _refresh(self) -> None:
        counts = self._counts
        n = counts.shape[0]
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        avg = float(lengths.mean()) if n else 0.0
        df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
        self.idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)) if n else np.zeros(counts.shape[1])
        weights = counts.copy().astype(np.float32)
        if n:
            norm = K1 * (1.0 - B + B * lengths / max(avg, 1e-9))
            row_norm = np.repeat(norm, np.diff(counts.indptr))
            tf = weights.data
            weights.data = (tf * (K1 + 1.0) / (tf + row_norm)).astype(np.float32)
        self._weights = weights.tocsc()  # columns: fast per-term slices at query time
        self.n = n

    def query_terms(self, query: str) -> dict[int, float]:
        """Known query terms (column -> idf), each counted once."""
        cols = {self.vocabulary[t] for t in content_terms(query) if t in self.vocabulary}
        return {col: float(self.idf[col]) for col in cols}

    def max_score(self, query: str) -> float:
        """What a chunk holding every query term at saturation would score (unknown terms count too)."""
        terms = set(content_terms(query))
        unknown_idf = float(np.log(1.0 + (self.n + 0.5) / 0.5))
        return sum(
            float(self.idf[self.vocabulary[t]]) if t in self.vocabulary else unknown_idf for t in terms
        ) * (K1 + 1.0)

    def scores(self, query: str) -> NDArray[np.float64]:
        """Normalised BM25 score of every row for ``query``, in [0, 1]."""
        out = np.zeros(self.n)
        top = self.max_score(query)
        if not top:
            return out
        for col, idf in self.query_terms(query).items():
            start, end = self._weights.indptr[col], self._weights.indptr[col + 1]
            out[self._weights.indices[start:end]] += idf * self._weights.data[start:end]
        return out / top

    def weighted_scores(self, weights: Mapping[str, float]) -> NDArray[np.float64]:
        """BM25 of every row for stemmed ``weights`` terms, each term's IDF times its weight (unknown
        terms add nothing). Unnormalised: for ranking rows against each other, not for a confidence."""
        out = np.zeros(self.n)
        for term, weight in weights.items():
            col = self.vocabulary.get(term)
            if col is None or weight <= 0:
                continue
            start, end = self._weights.indptr[col], self._weights.indptr[col + 1]
            out[self._weights.indices[start:end]] += weight * self.idf[col] * self._weights.data[start:end]
        return out

    def row_terms(self, row: int) -> dict[str, float]:
        """The terms of ``row`` and their counts (title and section counted as indexed)."""
        if self._names is None or len(self._names) != len(self.vocabulary):
            self._names = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        start, end = self._counts.indptr[row], self._counts.indptr[row + 1]
        cols, counts = self._counts.indices[start:end], self._counts.data[start:end]
        return {self._names[c]: float(n) for c, n in zip(cols.tolist(), counts.tolist(), strict=True)}

    def top(self, query: str, k: int, allowed: NDArray[np.bool_] | None = None) -> list[tuple[int, float]]:
        """``(row, normalised score)`` of the ``k`` best rows with a non-zero score, best first."""
        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if not len(candidates) or k <= 0:
            return []
        if len(candidates) > k:
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        order = candidates[np.lexsort((candidates, -scores[candidates]))]
        return [(int(row), float(scores[row])) for row in order]
