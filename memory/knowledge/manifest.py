"""A knowledge-base index's manifest: what a new one holds, and the checks an existing one must pass.

The manifest pins the index format, the embedder (name, version, dimension) and the chunker settings,
so that an index built with another embedder or chunker is refused with a one-line reason, never
mixed with this one's vectors (:func:`checked_manifest`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from crewline.memory.knowledge.encoding import chunker_settings, embedder_manifest
from crewline.memory.knowledge.files import MANIFEST, KnowledgeBaseError, read_json

__all__ = ["FORMAT_VERSION", "checked_manifest", "new_manifest"]

FORMAT_VERSION = 2


def new_manifest(embedder: Embeddings) -> dict[str, Any]:
    """The manifest of an index with no documents yet, for ``embedder``."""
    dimension = int(getattr(embedder, "dimension", 0) or len(embedder.embed_query("dimension probe")))
    return {
        "format": "crewline-knowledge-base",
        "format_version": FORMAT_VERSION,
        "embedder": {**embedder_manifest(embedder), "dimension": dimension},
        "chunker": chunker_settings(),
        "documents": {},
        "chunk_count": 0,
        "next_chunk_id": 0,
        "generation": 0,
    }


def checked_manifest(index_dir: Path, embedder: Embeddings) -> dict[str, Any]:
    """The manifest in ``index_dir``; ``FileNotFoundError`` without one, :class:`KnowledgeBaseError`
    when another format, embedder or chunker made it."""
    if not (index_dir / MANIFEST).is_file():
        raise FileNotFoundError(f"no knowledge base index in {index_dir} (missing {MANIFEST})")
    manifest = read_json(index_dir / MANIFEST)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise KnowledgeBaseError(
            f"{index_dir}: unsupported index format {manifest.get('format_version')!r}; rebuild it"
        )
    ours = embedder_manifest(embedder)
    theirs = {key: (manifest.get("embedder") or {}).get(key) for key in ours}
    if ours["dimension"] is None:
        ours["dimension"] = theirs["dimension"]
    if theirs != ours:
        raise KnowledgeBaseError(
            f"{index_dir} was built with embedder {theirs}, not {ours}; "
            "re-ingest it into a new knowledge base"
        )
    if manifest.get("chunker") != chunker_settings():
        raise KnowledgeBaseError(f"{index_dir} was built with chunker {manifest.get('chunker')}; rebuild it")
    return manifest
