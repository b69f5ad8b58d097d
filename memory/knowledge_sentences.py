"""The sentences of retrieved chunks, read once and kept: spans, content terms and unit vectors.

Answering a question reads every sentence of the chunks it retrieved (which of the question's words
each one holds, how similar each one is to the question). Splitting, stemming and embedding those
sentences again for every question was most of a query's time, and popular chunks come back often,
so a :class:`SentenceCache` keeps the reading of the most recently used chunks (least recently used
out first). Misses are embedded together in one batch.

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

from memory.chunking import Chunk, split_sentences
from memory.embeddings import content_terms

__all__ = ["CACHED_CHUNKS", "ChunkSentences", "SentenceCache"]

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


class SentenceCache:
    """A bounded, thread-safe map from chunk to :class:`ChunkSentences`; see the module docstring."""

    def __init__(self, embed: Embed, size: int = CACHED_CHUNKS) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        self._embed = embed
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

    def _read(self, chunks: Sequence[Chunk]) -> list[ChunkSentences]:
        spans = [tuple(split_sentences(chunk.text)) for chunk in chunks]
        texts = [
            f"{chunk.section}\n{chunk.text[start:end]}"
            for chunk, chunk_spans in zip(chunks, spans, strict=True)
            for start, end in chunk_spans
        ]
        vectors = self._embed(texts)
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
