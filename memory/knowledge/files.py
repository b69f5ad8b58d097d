"""The files of a knowledge-base index: the lock that serialises writers, JSON files, write-then-swap.

:func:`write_index` writes a complete new index directory beside the old one and :func:`swap` renames
it into place, so a reader sees the old index or the new one, never half of either; :func:`locked` holds a
``flock`` on a side file (and a thread lock) so that writers in several threads or processes take
turns.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from crewline.errors import ConfigurationError
from crewline.memory.knowledge.bm25 import BM25Index
from crewline.memory.knowledge.chunking import Chunk
from crewline.memory.knowledge.vectors import VectorIndex

__all__ = [
    "CHUNKS",
    "INDEX",
    "MANIFEST",
    "KnowledgeBaseError",
    "locked",
    "read_json",
    "swap",
    "write_index",
    "write_json",
]

MANIFEST, CHUNKS, INDEX = "manifest.json", "chunks.json", "index.faiss"


class KnowledgeBaseError(ConfigurationError):
    """A knowledge base that cannot be opened or written (a damaged index, a foreign directory, a
    source folder with nothing to index); the one-line message names the path."""


_THREAD_LOCKS: dict[Path, threading.RLock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def locked(index_dir: Path, exclusive: bool) -> Iterator[None]:
    """Serialise use of ``index_dir`` across threads and processes (flock on a side file)."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with _THREAD_LOCKS_GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(index_dir.resolve(), threading.RLock())
    with thread_lock, open(index_dir.parent / f".{index_dir.name}.lock", "a+b") as handle:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield  # the lock is released when the file is closed


def write_json(path: Path, payload: Any) -> None:
    # dumps, not dump: json.dump streams through the pure-Python encoder, several times slower
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def read_json(path: Path) -> dict[str, Any]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise KnowledgeBaseError(f"{path}: not valid JSON ({exc.msg}); rebuild the knowledge base") from None
    except UnicodeDecodeError:
        raise KnowledgeBaseError(f"{path}: not valid UTF-8; rebuild the knowledge base") from None
    if not isinstance(payload, dict):
        raise KnowledgeBaseError(f"{path} does not hold a JSON object; rebuild the knowledge base")
    return payload


def swap(tmp: Path, index_dir: Path) -> None:
    if not index_dir.exists():
        os.rename(tmp, index_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.old-", dir=index_dir.parent))
    os.rename(index_dir, old / "index")
    try:
        os.rename(tmp, index_dir)
    except BaseException:
        os.rename(old / "index", index_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_index(
    index_dir: Path,
    manifest: dict[str, Any],
    chunks: Sequence[Chunk],
    vectors: VectorIndex,
    lexical: BM25Index,
) -> None:
    """Write a complete index beside ``index_dir`` and swap it in; on any failure the old one stays."""
    if index_dir.exists() and any(index_dir.iterdir()) and not (index_dir / MANIFEST).exists():
        raise KnowledgeBaseError(
            f"{index_dir} exists and is not a knowledge base index; refusing to replace it"
        )
    for pattern in (f".{index_dir.name}.build-*", f".{index_dir.name}.old-*"):
        for stale in index_dir.parent.glob(pattern):  # left behind by a crashed writer
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.build-", dir=index_dir.parent))
    try:
        write_json(tmp / CHUNKS, {"chunks": [vars(chunk) for chunk in chunks]})  # asdict deep-copies
        vectors.save(tmp / INDEX)
        lexical.save(tmp)
        write_json(tmp / MANIFEST, manifest)  # written last: its presence marks a complete index
        swap(tmp, index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
