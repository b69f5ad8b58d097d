"""The dense half of a knowledge base: a FAISS inner-product index over unit vectors, ids = chunk ids.

Small knowledge bases use exact search (``IndexIDMap2(IndexFlatIP)``). From :data:`IVF_MIN_VECTORS`
vectors on, the index becomes an ``IndexIVFFlat`` (inverted lists over k-means cells, trained on a
sample): a query scans only ``nprobe`` cells, which keeps a 100,000-chunk query in milliseconds while
finding (measured by ``evals/benchmarks/knowledge_scale.py``) nearly all of exact search's top 10.
Both kinds add and remove vectors by id in place, so a changed document never forces a rebuild. HNSW
is not used because FAISS's HNSW indexes cannot remove vectors.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faiss as _faiss
import numpy as np
from numpy.typing import NDArray

__all__ = ["IVF_MIN_VECTORS", "VectorIndex"]

faiss: Any = _faiss  # its bundled type stubs miss much of the SWIG API used here

IVF_MIN_VECTORS = 20_000
TRAIN_SAMPLE = 25_000  # vectors k-means sees when an IVF index is trained
NPROBE_SHARE = 0.03  # share of the cells a query scans (at least MIN_NPROBE)
MIN_NPROBE = 16
EXACT_FILTERED = 4096  # a filter that leaves at most this many chunks is searched exactly


# One query at a time gains nothing from OpenMP threads and loses much when the cores are busy;
# training and bulk adds use every core (see _all_cores).
faiss.omp_set_num_threads(1)


@contextlib.contextmanager
def _all_cores() -> Iterator[None]:
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(1)


def _ids(ids: Any) -> NDArray[np.int64]:
    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64).ravel())


def nlist_for(count: int) -> int:
    """Cells of an IVF index for ``count`` vectors: about ``4 * sqrt(count)``, a power of two."""
    return int(2 ** round(math.log2(max(64.0, 4.0 * math.sqrt(count)))))


class VectorIndex:
    """A FAISS index with the operations a knowledge base needs; see the module docstring."""

    def __init__(self, index: Any) -> None:
        self.index = index
        if self.is_ivf:
            ivf = faiss.extract_index_ivf(index)
            ivf.nprobe = max(MIN_NPROBE, math.ceil(NPROBE_SHARE * ivf.nlist))
            if ivf.direct_map.type != faiss.DirectMap.Hashtable:  # vectors can be read back by any id
                ivf.set_direct_map_type(faiss.DirectMap.Hashtable)

    @classmethod
    def create(cls, dimension: int) -> VectorIndex:
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))

    @classmethod
    def trained_ivf(cls, vectors: NDArray[np.float32], ids: NDArray[np.int64] | None = None) -> VectorIndex:
        """An IVF index trained on (a sample of) ``vectors``; ``ids`` given: they are added too."""
        count, dimension = vectors.shape
        nlist = nlist_for(count)
        quantizer = faiss.IndexFlatIP(dimension)
        ivf = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.max_points_per_centroid = max(1, TRAIN_SAMPLE // nlist)  # FAISS subsamples to this
        rng = np.random.default_rng(0)
        sample = vectors if count <= TRAIN_SAMPLE else vectors[rng.choice(count, TRAIN_SAMPLE, replace=False)]
        with _all_cores():
            ivf.train(np.ascontiguousarray(sample))
        ivf.own_fields = True
        quantizer.this.disown()  # the IVF index owns its quantizer from here on
        index = cls(ivf)
        if ids is not None:
            index.add(vectors, ids)
        return index

    @property
    def is_ivf(self) -> bool:
        return isinstance(self.index, faiss.IndexIVF) or "IVF" in type(self.index).__name__

    @property
    def kind(self) -> str:
        if self.is_ivf:
            ivf = faiss.extract_index_ivf(self.index)
            return f"ivf-flat(nlist={ivf.nlist}, nprobe={ivf.nprobe})"
        return "flat"

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> NDArray[np.int64]:
        if self.is_ivf:
            ivf = faiss.extract_index_ivf(self.index)
            lists = ivf.invlists
            return np.concatenate(
                [faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy() for i in range(ivf.nlist)]
                or [np.zeros(0, dtype=np.int64)]
            ).astype(np.int64)
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)  # type: ignore[no-any-return]

    def vectors(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        out = np.zeros((len(ids), self.dimension), dtype=np.float32)
        for row, chunk_id in enumerate(ids.tolist()):
            out[row] = self.index.reconstruct(int(chunk_id))
        return out

    # -- changes -------------------------------------------------------------------------------

    def add(self, vectors: NDArray[np.float32], ids: Any) -> None:
        if len(vectors):
            with _all_cores():
                self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), _ids(ids))

    def remove(self, ids: Any) -> int:
        ids = _ids(ids)
        if not len(ids):
            return 0
        if self.is_ivf:  # an IVF index with a hashtable direct map removes only through an IDSelectorArray
            return int(self.index.remove_ids(faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids))))
        return int(self.index.remove_ids(faiss.IDSelectorBatch(len(ids), faiss.swig_ptr(ids))))

    def grown(self) -> VectorIndex:
        """This index, or an IVF copy of it once it holds :data:`IVF_MIN_VECTORS` vectors or more."""
        if self.is_ivf or self.count < IVF_MIN_VECTORS:
            return self
        ids = self.ids()
        return VectorIndex.trained_ivf(self.vectors(ids), ids)

    # -- search --------------------------------------------------------------------------------

    def search(
        self, vector: NDArray[np.float32], k: int, allowed: NDArray[np.int64] | None = None
    ) -> list[tuple[int, float]]:
        """``(chunk id, inner product)`` of the ``k`` nearest vectors; ``allowed`` restricts the ids."""
        k = min(k, self.count)
        if k <= 0:
            return []
        params = None
        if allowed is not None:
            allowed = _ids(allowed)
            if not len(allowed):
                return []
            if len(allowed) <= EXACT_FILTERED:  # few candidates: score them all, exactly
                scores_ = self.vectors(allowed) @ vector.ravel()
                top = np.argsort(-scores_, kind="stable")[:k]
                return [(int(allowed[i]), float(scores_[i])) for i in top]
            selector = faiss.IDSelectorBatch(len(allowed), faiss.swig_ptr(allowed))
            if self.is_ivf:
                ivf = faiss.extract_index_ivf(self.index)
                params = faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe)
            else:
                params = faiss.SearchParameters(sel=selector)
            params._keep = (selector, allowed)  # keep both alive while FAISS reads them
        scores, ids = self.index.search(np.ascontiguousarray(vector.reshape(1, -1)), k, params=params)
        return [
            (int(i), float(s)) for s, i in zip(scores[0].tolist(), ids[0].tolist(), strict=True) if i >= 0
        ]

    # -- files ---------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        return cls(faiss.read_index(str(path)))
