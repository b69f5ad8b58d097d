"""Sentence vectors kept on disk, addressed by content: the embedder's identity and the exact text.

Answering a question ranks the sentences of the retrieved chunks by their similarity to it. With a
semantic embedder each sentence costs milliseconds to embed, and every ``crewline ask`` is a new
process, so an in-memory cache alone never helps it. A :class:`SentenceStore` keeps the vectors in
a SQLite file beside the index directory (``.NAME.sentences.sqlite``): the index directory is
replaced whole on every change (write, then swap), and the store must outlive those swaps.

A row's key is ``sha256(name, version, dimension, text)`` and its value the vector's float32 bytes,
so upserts need no bookkeeping (a changed text is another key) and a failed ingest leaves at worst
a few unused rows; a change that removes chunks prunes the rows no chunk uses any more. Readers and
an ingesting writer may overlap (WAL); writes go in short batches, so a reader's write-back of a
miss waits little.
A store that cannot be read or written is a cache miss, never an error: the vectors are recomputed.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings
from numpy.typing import NDArray

from crewline.memory.knowledge.embeddings import embedder_identity
from crewline.memory.sqlite_db import connect, immediate_transaction

__all__ = ["SentenceStore", "sentence_store_for", "store_path"]

log = logging.getLogger(__name__)

# A rowid table: WITHOUT ROWID would keep the 1.5 KB vectors in the key's B-tree, twice the size.
_SCHEMA = "CREATE TABLE IF NOT EXISTS sentence_vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
_LOOKUP_BATCH = 500  # keys per SELECT (SQLite allows 32,766 bound parameters; stay well below)
_WRITE_BATCH = 1_000  # rows per write transaction, so readers' write-backs never wait long


def store_path(index_dir: Path) -> Path:
    """Where the sentence store of the index in ``index_dir`` lives: beside it, like its lock file."""
    return index_dir.parent / f".{index_dir.name}.sentences.sqlite"


def sentence_store_for(index_dir: Path, embedder: Embeddings, dimension: int) -> SentenceStore | None:
    """The store of ``index_dir`` when ``embedder.precompute_sentences`` says its sentences are worth
    keeping (expensive to embed, small on disk); ``None`` otherwise (recomputing is cheaper)."""
    if not getattr(embedder, "precompute_sentences", False) or dimension < 1:
        return None
    return SentenceStore(store_path(Path(index_dir)), embedder_identity(embedder), dimension)


class SentenceStore:
    """A persistent map from (embedder, text) to a float32 unit vector; see the module docstring.

    The connection is opened on first use and shared by threads under a lock.
    """

    def __init__(self, path: Path, identity: tuple[str, str], dimension: int) -> None:
        if dimension < 1:
            raise ValueError(f"dimension must be at least 1, got {dimension}")
        self.path = Path(path)
        self.dimension = dimension
        self._prefix = "\0".join((*identity, str(dimension))).encode("utf-8") + b"\0\0"
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._failed = False  # after one failure the store is left alone (logged once)

    def __repr__(self) -> str:
        return f"SentenceStore({str(self.path)!r}, dimension={self.dimension})"

    def key(self, text: str) -> bytes:
        return hashlib.sha256(self._prefix + text.encode("utf-8", "surrogatepass")).digest()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = connect(self.path, check_same_thread=False)
            conn.execute(_SCHEMA)
            self._conn = conn
        return self._conn

    def _fail(self, action: str, exc: Exception) -> None:
        if not self._failed:
            log.warning("sentence store %s: cannot %s (%s); embedding instead", self.path, action, exc)
        self._failed = True

    def get(self, texts: Sequence[str]) -> list[NDArray[np.float32] | None]:
        """The stored vector of each text, or ``None`` where there is none (or the store is unusable)."""
        keys = [self.key(text) for text in texts]
        found: dict[bytes, NDArray[np.float32]] = {}
        if keys and not self._failed:
            width = self.dimension * 4
            try:
                with self._lock:
                    conn = self._connection()
                    unique = list(dict.fromkeys(keys))
                    for start in range(0, len(unique), _LOOKUP_BATCH):
                        batch = unique[start : start + _LOOKUP_BATCH]
                        marks = ",".join("?" * len(batch))
                        rows = conn.execute(
                            f"SELECT key, vector FROM sentence_vectors WHERE key IN ({marks})", batch
                        ).fetchall()
                        for key, blob in rows:
                            if len(blob) == width:  # another width cannot be ours: treat as a miss
                                found[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
            except (sqlite3.Error, OSError) as exc:
                self._fail("read", exc)
        return [found.get(key) for key in keys]

    def put(self, texts: Sequence[str], vectors: NDArray[np.float32]) -> None:
        """Store one vector per text (existing rows are kept: the same key means the same vector)."""
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
        if not len(texts) or self._failed:
            return
        rows = np.ascontiguousarray(vectors, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != self.dimension:
            raise ValueError(f"vectors of shape {rows.shape}, expected (n, {self.dimension})")
        pairs = [(self.key(text), row.tobytes()) for text, row in zip(texts, rows, strict=True)]
        try:
            with self._lock:
                conn = self._connection()
                for start in range(0, len(pairs), _WRITE_BATCH):
                    with immediate_transaction(conn):
                        conn.executemany(
                            "INSERT OR IGNORE INTO sentence_vectors (key, vector) VALUES (?, ?)",
                            pairs[start : start + _WRITE_BATCH],
                        )
        except (sqlite3.Error, OSError) as exc:
            self._fail("write", exc)

    def retain(self, texts: Sequence[str]) -> int:
        """Delete every row but those of ``texts`` (the sentences still indexed); returns how many went.

        A reader holding an older index may write a deleted chunk's rows back: harmless, merely unused.
        """
        if self._failed:
            return 0
        keep = [(self.key(text),) for text in dict.fromkeys(texts)]
        try:
            with self._lock:
                conn = self._connection()
                with immediate_transaction(conn):
                    conn.execute("CREATE TEMP TABLE IF NOT EXISTS retained (key BLOB PRIMARY KEY)")
                    conn.execute("DELETE FROM retained")
                    conn.executemany("INSERT OR IGNORE INTO retained (key) VALUES (?)", keep)
                    gone = conn.execute(
                        "DELETE FROM sentence_vectors WHERE key NOT IN (SELECT key FROM retained)"
                    ).rowcount
                    conn.execute("DELETE FROM retained")
        except (sqlite3.Error, OSError) as exc:
            self._fail("prune", exc)
            return 0
        return int(gone)

    def __len__(self) -> int:
        try:
            with self._lock:
                row = self._connection().execute("SELECT count(*) FROM sentence_vectors").fetchone()
        except (sqlite3.Error, OSError):
            return 0
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
