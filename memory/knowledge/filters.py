"""Which chunks a search may return: documents kept by their id, title, source or metadata fields.

A filter maps a field to a value or a list of values; a document passes when every field it names
has one of them. A search needs the answer twice, as a row mask for the lexical side and as chunk
ids for the dense side (:func:`allowed`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crewline.memory.knowledge.chunking import Chunk

__all__ = ["Filters", "allowed"]

Filters = Mapping[str, str | Sequence[str]]


def _fields(doc_id: str, entry: Mapping[str, Any]) -> dict[str, str]:
    """What a filter can name: the document's metadata, id, title and source."""
    return {
        **entry.get("metadata", {}),
        "doc_id": doc_id,
        "title": entry.get("title", ""),
        "source": entry.get("source", ""),
    }


def allowed(
    filters: Filters | None,
    documents: Mapping[str, Mapping[str, Any]],
    chunks: Sequence[Chunk],
    row_doc: NDArray[Any],
) -> tuple[NDArray[np.bool_] | None, NDArray[np.int64] | None]:
    """The row mask and chunk ids of ``chunks`` (whose document ids are ``row_doc``) that ``filters``
    keeps; ``(None, None)`` without filters (everything passes)."""
    if not filters:
        return None, None
    wanted = {k: {v} if isinstance(v, str) else set(v) for k, v in filters.items()}
    docs = [d for d, e in documents.items() if all(_fields(d, e).get(k) in v for k, v in wanted.items())]
    rows = np.isin(row_doc, np.array(docs, dtype=object)) if docs else np.zeros(len(chunks), bool)
    ids = np.array([c.chunk_id for c, ok in zip(chunks, rows.tolist(), strict=True) if ok], dtype=np.int64)
    return rows, ids
