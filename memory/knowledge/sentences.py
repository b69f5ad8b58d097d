"""The sentences of retrieved chunks, read once and kept: spans, content terms and unit vectors.

Answering a question reads every sentence of the chunks it retrieved (which of the question's words
each one holds, how similar each one is to the question). Splitting, stemming and embedding those
sentences again for every question was most of a query's time, and popular chunks come back often,
so a :class:`SentenceCache` keeps the reading of the most recently used chunks (least recently used
out first). Misses are embedded together in one batch.

Given a :class:`crewline.memory.knowledge.sentence_store.SentenceStore` (embedders whose sentences are
expensive to
embed), the vectors are looked up there first and only misses are embedded (and written back);
:meth:`SentenceCache.precompute` fills the store at ingest so that queries embed no chunk sentence.

An entry is keyed by chunk id and checked against the chunk's text, so a chunk id reused by a
rebuilt index never serves another text's sentences.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from crewline.memory.knowledge.chunking import Chunk, split_sentences
from crewline.memory.knowledge.embeddings import content_terms
from crewline.memory.knowledge.sentence_store import SentenceStore

__all__ = ["CACHED_CHUNKS", "ChunkSentences", "SentenceCache", "sentence_texts"]

CACHED_CHUNKS = 512  # ~6 sentences x 8 KB (2,048 float32) each: about 25 MB at most

Embed = Callable[[Sequence[str]], NDArray[np.float32]]


@dataclass(frozen=True)
class ChunkSentences:
    """One chunk's sentences: ``text[start:end]`` spans, their content terms and unit vectors."""

    text: str
    spans: tuple[tuple[int, int], ...]
    terms: tuple[frozenset[str], ...]  # stemmed content words of each sentence
    heading_terms: frozenset[str]  # of the chunk's title and section
    vectors: NDArray[np.float32]  # one row per sentence: the embedding of "section\nsentence"


def sentence_texts(chunk: Chunk, spans: Sequence[tuple[int, int]]) -> list[str]:
    """The texts embedded for a chunk's sentences: each under its section heading."""
    return [f"{chunk.section}\n{chunk.text[start:end]}" for start, end in spans]


class SentenceCache:
    """A bounded, thread-safe map from chunk to :class:`ChunkSentences`; see the module docstring."""

    def __init__(self, embed: Embed, size: int = CACHED_CHUNKS, store: SentenceStore | None = None) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        self._embed = embed
        self.store = store
        self._size = size
        self._entries: OrderedDict[int, ChunkSentences] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, chunks: Sequence[Chunk]) -> list[ChunkSentences]:
        """The sentences of each chunk, in order; the chunks not cached are read in one batch."""
        found: dict[int, ChunkSentences] = {}
        with self._lock:
            for chunk in chunks:
                entry = self._entries.get(chunk.chunk_id)
                if entry is not None and entry.text == chunk.text:
                    self._entries.move_to_end(chunk.chunk_id)
                    found[chunk.chunk_id] = entry
        missing = list({c.chunk_id: c for c in chunks if c.chunk_id not in found}.values())
        if missing:
            for chunk, entry in zip(missing, self._read(missing), strict=True):
                found[chunk.chunk_id] = entry
            with self._lock:
                for chunk in missing:
                    self._entries[chunk.chunk_id] = found[chunk.chunk_id]
                    self._entries.move_to_end(chunk.chunk_id)
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        return [found[chunk.chunk_id] for chunk in chunks]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def precompute(self, chunks: Sequence[Chunk]) -> int:
        """Embed the not-yet-stored sentences of ``chunks`` in one batch and store them (no store: 0).

        Returns how many texts were embedded.
        """
        if self.store is None:
            return 0
        texts = list(dict.fromkeys(t for c in chunks for t in sentence_texts(c, split_sentences(c.text))))
        missing = [text for text, vector in zip(texts, self.store.get(texts), strict=True) if vector is None]
        if missing:
            self.store.put(missing, self._embed(missing))
        return len(missing)

    def prune(self, chunks: Sequence[Chunk]) -> int:
        """Drop the stored vectors of every sentence but those of ``chunks`` (no store: 0)."""
        if self.store is None:
            return 0
        return self.store.retain([t for c in chunks for t in sentence_texts(c, split_sentences(c.text))])

    def _vectors(self, texts: list[str]) -> NDArray[np.float32]:
        if self.store is None:
            return self._embed(texts)
        stored = self.store.get(texts)
        misses = [i for i, vector in enumerate(stored) if vector is None]
        if len(misses) == len(texts):
            vectors = self._embed(texts)
            self.store.put(texts, vectors)
            return vectors
        if misses:
            embedded = self._embed([texts[i] for i in misses])
            self.store.put([texts[i] for i in misses], embedded)
            for i, vector in zip(misses, embedded, strict=True):
                stored[i] = vector
        return np.stack([v for v in stored if v is not None]).astype(np.float32, copy=False)

    def _read(self, chunks: Sequence[Chunk]) -> list[ChunkSentences]:
        spans = [tuple(split_sentences(chunk.text)) for chunk in chunks]
        texts = [
            text for chunk, chunk_spans in zip(chunks, spans, strict=True)
            for text in sentence_texts(chunk, chunk_spans)
        ]  # fmt: skip
        vectors = self._vectors(texts)
        out, row = [], 0
        for chunk, chunk_spans in zip(chunks, spans, strict=True):
            out.append(
                ChunkSentences(
                    chunk.text,
                    chunk_spans,
                    tuple(frozenset(content_terms(chunk.text[s:e])) for s, e in chunk_spans),
                    frozenset(content_terms(f"{chunk.title}\n{chunk.section}")),
                    vectors[row : row + len(chunk_spans)],
                )
            )
            row += len(chunk_spans)
        return out
