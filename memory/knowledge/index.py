"""A knowledge base on disk: documents → heading-aware chunks → a FAISS index plus a BM25 index.

An index directory holds ``manifest.json`` (format, embedder name/version/dimension, chunker settings,
the vector index kind, per-document source, hash, title, metadata and chunk ids, ``next_chunk_id``, a
``generation`` counter), ``chunks.json`` (id, doc id, title, section, text, offsets, in row order),
``index.faiss`` (:class:`crewline.memory.knowledge.vectors.VectorIndex`, ids = chunk ids) and
``lexical.npz`` / ``lexical.vocab.json`` (:class:`crewline.memory.knowledge.bm25.BM25Index`, rows in
chunk order): JSON, FAISS's and scipy's formats, no pickle.

Documents are added, updated and deleted by id (:meth:`KnowledgeBase.upsert`, :meth:`delete`,
:meth:`sync`): only the changed documents are chunked and embedded, and their vectors are removed
from / added to the FAISS index in place. Every change writes a complete new directory beside the
old one and swaps it in under a file lock (write, then swap), so a failed ingest leaves the previous
index intact and no reader sees a half-written one. An index built with another embedder (name,
version or dimension) or chunker is refused, never mixed (:mod:`crewline.memory.knowledge.manifest`).
The file handling (lock, write, swap) is :mod:`crewline.memory.knowledge.files`; how chunks become
vectors is :mod:`crewline.memory.knowledge.encoding`; search filters are
:mod:`crewline.memory.knowledge.filters`; how a query is scored and ranked is
:mod:`crewline.memory.knowledge.retrieval` (a query's scores are computed once by
:meth:`KnowledgeBase.query_scores` and may be ranked several times by :meth:`KnowledgeBase.ranked`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from numpy.typing import NDArray

from crewline.memory.knowledge.bm25 import BM25Index
from crewline.memory.knowledge.chunking import Chunk, chunk_document, split_sentences
from crewline.memory.knowledge.embeddings import HashingEmbedder
from crewline.memory.knowledge.encoding import chunk_vectors, embed_texts
from crewline.memory.knowledge.files import (
    CHUNKS,
    INDEX,
    MANIFEST,
    KnowledgeBaseError,
    locked,
    read_json,
    write_index,
)
from crewline.memory.knowledge.filters import Filters, allowed
from crewline.memory.knowledge.loaders import Document, folder_documents
from crewline.memory.knowledge.manifest import checked_manifest, new_manifest
from crewline.memory.knowledge.retrieval import QueryScores, fuse, score_query
from crewline.memory.knowledge.sentence_store import sentence_store_for
from crewline.memory.knowledge.sentences import ChunkSentences, SentenceCache
from crewline.memory.knowledge.vectors import VectorIndex

__all__ = ["Chunk", "Document", "Filters", "Hit", "IngestReport", "KnowledgeBase", "split_sentences"]


@dataclass(frozen=True)
class Hit(Chunk):
    """A search result: the chunk, its fused ``score`` and the dense and lexical scores, all in [0, 1]."""

    score: float
    dense: float = 0.0
    lexical: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- the knowledge base


class KnowledgeBase:
    """Chunks, their vectors and their terms; open with :meth:`open`/:meth:`load`/:meth:`open_or_build`."""

    def __init__(
        self,
        index_dir: Path,
        manifest: dict[str, Any],
        chunks: Sequence[Chunk],
        vectors: VectorIndex,
        lexical: BM25Index,
        embedder: Embeddings,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        store = sentence_store_for(self.index_dir, embedder, int(manifest["embedder"]["dimension"] or 0))
        self._sentences = SentenceCache(self.embed, store=store)  # store: sentence vectors on disk
        self._set(manifest, chunks, vectors, lexical)

    def _set(
        self, manifest: dict[str, Any], chunks: Sequence[Chunk], vectors: VectorIndex, lexical: BM25Index
    ) -> None:
        self.manifest = manifest
        self.chunks: tuple[Chunk, ...] = tuple(chunks)
        self.vectors = vectors
        self.lexical = lexical
        self._row = {chunk.chunk_id: row for row, chunk in enumerate(self.chunks)}
        self._row_doc = np.array([c.doc_id for c in self.chunks], dtype=object)

    def __repr__(self) -> str:
        where, docs = str(self.index_dir), len(self.documents)
        return f"KnowledgeBase({where!r}, documents={docs}, chunks={len(self.chunks)})"

    @property
    def documents(self) -> dict[str, dict[str, Any]]:
        docs: dict[str, dict[str, Any]] = self.manifest["documents"]
        return docs

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def empty(cls, index_dir: Path, embedder: Embeddings | None = None) -> KnowledgeBase:
        """A knowledge base with no documents yet (nothing is written before the first change)."""
        embedder = embedder or HashingEmbedder()
        manifest = new_manifest(embedder)
        dimension = int(manifest["embedder"]["dimension"])
        return cls(Path(index_dir), manifest, [], VectorIndex.create(dimension), BM25Index.empty(), embedder)

    @classmethod
    def load(cls, index_dir: Path, embedder: Embeddings | None = None) -> KnowledgeBase:
        """Open an existing index; ``ValueError`` if another embedder or chunker built it or it is damaged."""
        with locked(Path(index_dir), exclusive=False):
            return cls._load_locked(Path(index_dir), embedder or HashingEmbedder())

    @classmethod
    def open(cls, index_dir: Path, embedder: Embeddings | None = None) -> KnowledgeBase:
        """The index in ``index_dir`` if there is one, else an empty knowledge base to add to."""
        if (Path(index_dir) / MANIFEST).is_file():
            return cls.load(index_dir, embedder)
        return cls.empty(index_dir, embedder)

    @classmethod
    def _load_locked(cls, index_dir: Path, embedder: Embeddings) -> KnowledgeBase:
        manifest = checked_manifest(index_dir, embedder)
        try:
            chunks = [Chunk(**row) for row in read_json(index_dir / CHUNKS)["chunks"]]
            vectors = VectorIndex.load(index_dir / INDEX)
            lexical = BM25Index.load(index_dir)
            ids = set(vectors.ids().tolist())
            expected = (manifest["chunk_count"], manifest["embedder"]["dimension"])
        except KnowledgeBaseError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, RuntimeError, OSError) as exc:
            raise KnowledgeBaseError(
                f"{index_dir}: damaged knowledge base index ({exc!r}); rebuild it"
            ) from exc
        if (
            ids != {c.chunk_id for c in chunks}
            or (len(ids), vectors.dimension) != expected
            or lexical.rows != len(chunks)
        ):
            raise KnowledgeBaseError(f"{index_dir}: index, chunks and manifest disagree; rebuild the index")
        return cls(index_dir, manifest, chunks, vectors, lexical, embedder)

    def _refresh_locked(self) -> None:
        """Re-read the index if another process changed it since this object last saw it."""
        if not (self.index_dir / MANIFEST).is_file():
            return
        on_disk = read_json(self.index_dir / MANIFEST).get("generation")
        if on_disk != self.manifest.get("generation"):
            fresh = self._load_locked(self.index_dir, self.embedder)
            self._set(fresh.manifest, fresh.chunks, fresh.vectors, fresh.lexical)

    # -- changing ------------------------------------------------------------------------------

    def upsert(self, documents: Sequence[Document]) -> IngestReport:
        """Add new documents and replace changed ones (by ``doc_id``); unchanged ones are left alone."""
        return self._change(documents, delete=(), prune=False)

    def delete(self, doc_ids: Sequence[str]) -> IngestReport:
        """Remove documents by id; unknown ids are ignored."""
        return self._change((), delete=doc_ids, prune=False)

    def sync(self, documents: Sequence[Document]) -> IngestReport:
        """Make the knowledge base hold exactly ``documents`` (upsert them, delete every other one)."""
        return self._change(documents, delete=(), prune=True)

    def _change(self, documents: Sequence[Document], delete: Sequence[str], prune: bool) -> IngestReport:
        with locked(self.index_dir, exclusive=True):
            self._refresh_locked()
            return self._change_locked(documents, delete, prune)

    def _change_locked(
        self, documents: Sequence[Document], delete: Sequence[str], prune: bool, replaces: bool = False
    ) -> IngestReport:
        """The change; ``replaces``: this (empty) knowledge base replaces the index on disk, whose
        sentence rows are pruned too once the new index is in place."""
        report = IngestReport()
        known = self.documents
        incoming = {doc.doc_id: doc for doc in documents}
        gone = {d for d in delete if d in known} | (
            {d for d in known if d not in incoming} if prune else set()
        )
        new: list[Document] = []
        for doc in incoming.values():
            if doc.doc_id in known and known[doc.doc_id]["sha256"] == doc.sha256:
                report.unchanged.append(doc.doc_id)
                continue
            (report.updated if doc.doc_id in known else report.added).append(doc.doc_id)
            gone.add(doc.doc_id) if doc.doc_id in known else None
            new.append(doc)
        report.deleted = sorted(d for d in gone if d not in incoming)
        if not gone and not new and not replaces:
            return report
        next_id = int(self.manifest["next_chunk_id"])
        new_chunks: list[Chunk] = []
        entries: dict[str, dict[str, Any]] = {}
        for doc in new:
            doc_chunks = chunk_document(
                doc.text, doc.doc_id, first_id=next_id + len(new_chunks), title=doc.title
            )
            entries[doc.doc_id] = {
                "source": doc.source,
                "sha256": doc.sha256,
                "title": doc_chunks[0].title if doc_chunks else (doc.title or doc.doc_id),
                "metadata": dict(doc.metadata),
                "chunk_ids": [c.chunk_id for c in doc_chunks],
            }
            new_chunks.extend(doc_chunks)
        vectors = chunk_vectors(
            self.embedder, new_chunks
        )  # the step most likely to fail: nothing changed yet
        if len(new_chunks) and vectors.shape != (len(new_chunks), self.vectors.dimension):
            raise ValueError(
                f"embedder returned vectors of shape {vectors.shape} for {len(new_chunks)} chunks"
            )
        self._sentences.precompute(new_chunks)  # content-addressed: rows of a failed ingest are unused
        keep = np.array([c.doc_id not in gone for c in self.chunks], dtype=bool)
        removed = [c.chunk_id for c in self.chunks if c.doc_id in gone]
        lexical = self.lexical.with_rows(
            keep, [BM25Index.terms_of(c.title, c.section, c.text) for c in new_chunks]
        )
        chunks = [c for c, k in zip(self.chunks, keep.tolist(), strict=True) if k] + new_chunks
        manifest = dict(self.manifest)
        manifest["documents"] = {d: e for d, e in known.items() if d not in gone} | entries
        manifest.update(
            chunk_count=len(chunks),
            next_chunk_id=next_id + len(new_chunks),
            generation=int(self.manifest.get("generation", 0)) + 1,
            updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        report.chunks_added, report.chunks_removed = len(new_chunks), len(removed)
        index = self.vectors
        try:
            index.remove(removed)
            index.add(vectors, [c.chunk_id for c in new_chunks])
            index = index.grown()
            manifest["vector_index"] = index.kind
            write_index(self.index_dir, manifest, chunks, index, lexical)
        except BaseException:
            with contextlib.suppress(Exception):  # the index object may be half-changed: re-read the old one
                self._set(*self._reloaded_parts())
            raise
        self._set(manifest, chunks, index, lexical)
        if removed or replaces:  # after the swap: a failed change keeps every row the old index uses
            self._sentences.prune(chunks)
        return report

    def _reloaded_parts(self) -> tuple[dict[str, Any], tuple[Chunk, ...], VectorIndex, BM25Index]:
        if (self.index_dir / MANIFEST).is_file():
            fresh = self._load_locked(self.index_dir, self.embedder)
            return fresh.manifest, fresh.chunks, fresh.vectors, fresh.lexical
        empty = self.empty(self.index_dir, self.embedder)
        return empty.manifest, empty.chunks, empty.vectors, empty.lexical

    # -- building from a folder ----------------------------------------------------------------

    @classmethod
    def build(cls, source_dir: Path, index_dir: Path, embedder: Embeddings | None = None) -> KnowledgeBase:
        """A fresh index of the files in ``source_dir`` (replacing ``index_dir``; kept if this fails)."""
        documents = folder_documents(Path(source_dir))
        with locked(Path(index_dir), exclusive=True):
            kb = cls.empty(Path(index_dir), embedder)
            if (kb.index_dir / MANIFEST).is_file():  # continue its chunk ids and generations
                old = read_json(kb.index_dir / MANIFEST)
                kb.manifest["generation"] = int(old.get("generation", 0))
            kb._change_locked(documents, (), prune=True, replaces=True)
            return kb

    @classmethod
    def open_or_build(
        cls, source_dir: Path, index_dir: Path, embedder: Embeddings | None = None
    ) -> KnowledgeBase:
        """The index of ``source_dir``, brought up to date: changed files re-indexed, removed ones dropped.

        A missing, damaged or foreign (other embedder or chunker) index is rebuilt. Safe to call from
        several threads or processes at once.
        """
        source_dir, index_dir = Path(source_dir), Path(index_dir)
        embedder = embedder or HashingEmbedder()
        documents = folder_documents(source_dir)
        with locked(index_dir, exclusive=True):
            try:
                kb, replaces = cls._load_locked(index_dir, embedder), False
            except (FileNotFoundError, ValueError):
                kb, replaces = cls.empty(index_dir, embedder), True
            kb._change_locked(documents, (), prune=True, replaces=replaces)
            return kb

    # -- searching -----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 4,
        filters: Filters | None = None,
        feedback: Mapping[str, float] | None = None,
    ) -> list[Hit]:
        """The ``k`` best chunks for ``query``, hybrid dense + BM25 (see
        :mod:`crewline.memory.knowledge.retrieval`).

        ``filters`` keeps documents whose ``doc_id``, ``title``, ``source`` or metadata fields equal a
        given value (or one of a list of values). ``feedback``: weighted stemmed terms of an expanded
        query, ranked by BM25 as a third vote in the fusion (:mod:`crewline.memory.knowledge.feedback`).
        """
        if k <= 0 or not query.strip() or not self.chunks:
            return []
        return self.ranked(self.query_scores(query, k, filters), k, feedback)

    def query_scores(self, query: str, k: int = 4, filters: Filters | None = None) -> QueryScores:
        """``query``'s own scores (its vector, the dense candidates, BM25 over every chunk) for
        rankings of up to ``k`` hits: computed once, ranked by :meth:`ranked` as often as needed."""
        rows, ids = allowed(filters, self.documents, self.chunks, self._row_doc)
        vector = embed_texts(self.embedder, [query])[0]
        return score_query(query, vector, self.vectors, self.lexical, self._row.get, k, rows, ids)

    def ranked(self, scores: QueryScores, k: int, feedback: Mapping[str, float] | None = None) -> list[Hit]:
        """The ``k`` best chunks by a query's ``scores`` (see :meth:`search`)."""
        if k <= 0 or not self.chunks:
            return []
        fused = fuse(
            scores,
            lambda rows_: self.vectors.vectors(
                np.array([self.chunks[r].chunk_id for r in rows_], dtype=np.int64)
            ),
            k,
            self.lexical.weighted_scores(feedback) if feedback else None,
        )
        return [
            Hit(
                **vars(self.chunks[s.row]),  # a shallow copy: asdict's deep copy cost ~1 ms a query
                score=round(s.score, 6),
                dense=round(s.dense, 6),
                lexical=round(s.lexical, 6),
            )
            for s in fused
        ]

    def chunk_terms(self, chunk: Chunk) -> dict[str, float]:
        """The indexed terms of ``chunk`` (one of this index's) and their counts; none if it is gone."""
        row = self._row.get(chunk.chunk_id)
        return self.lexical.row_terms(row) if row is not None else {}

    def close(self) -> None:
        """Release the sentence store's database connection (it reopens if the index is used again)."""
        if self._sentences.store is not None:
            self._sentences.store.close()

    def sentences(self, chunks: Sequence[Chunk]) -> list[ChunkSentences]:
        """The sentences of ``chunks`` (spans, terms, vectors), read once and cached by chunk."""
        return self._sentences.get(chunks)

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Unit vectors of ``texts`` in this index's space (for re-ranking sentences, for instance)."""
        return embed_texts(self.embedder, texts)
