"""How a knowledge base turns chunks and queries into unit vectors, and the settings its manifest pins.

A chunk's vector is ``unit(embed(headings + text) + HEADING_WEIGHT * embed(headings))``, so a long
section keeps its topic; :func:`chunker_settings` and :func:`embedder_manifest` are what an index
records so that one built with another embedder or chunker is refused rather than mixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from numpy.typing import NDArray

from crewline.memory.knowledge.chunking import CHUNKER_VERSION, MAX_CHUNK_CHARS, Chunk
from crewline.memory.knowledge.embeddings import embedder_identity

__all__ = [
    "HEADING_WEIGHT",
    "chunk_vectors",
    "chunker_settings",
    "embed_texts",
    "embedder_manifest",
    "unit_rows",
]

HEADING_WEIGHT = 0.35  # a chunk's vector is unit(embed(headings + text) + HEADING_WEIGHT * embed(headings))


def unit_rows(vectors: Any) -> NDArray[np.float32]:
    out = np.array(vectors, dtype=np.float32, ndmin=2)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return np.ascontiguousarray(out)


def embed_texts(embedder: Embeddings, texts: Sequence[str]) -> NDArray[np.float32]:
    """Embed with ``embed_array`` when the embedder has one; rows are L2-normalised either way."""
    if not texts:
        return np.zeros((0, int(getattr(embedder, "dimension", 0) or 0)), dtype=np.float32)
    embed_array = getattr(embedder, "embed_array", None)
    return unit_rows(embed_array(texts) if callable(embed_array) else embedder.embed_documents(list(texts)))


def chunk_vectors(embedder: Embeddings, chunks: Sequence[Chunk]) -> NDArray[np.float32]:
    """Unit vectors of chunks, their headings weighted up so that long sections keep their topic."""
    body = embed_texts(embedder, [chunk.embedding_text() for chunk in chunks])
    if not len(body):
        return body
    return unit_rows(
        body + HEADING_WEIGHT * embed_texts(embedder, [chunk.heading_text() for chunk in chunks])
    )


def chunker_settings() -> dict[str, Any]:
    return {"version": CHUNKER_VERSION, "max_chars": MAX_CHUNK_CHARS, "heading_weight": HEADING_WEIGHT}


def embedder_manifest(embedder: Embeddings) -> dict[str, Any]:
    name, version = embedder_identity(embedder)
    return {"name": name, "version": version, "dimension": getattr(embedder, "dimension", None)}
