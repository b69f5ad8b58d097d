"""Learned routers in the shared model registry, so every host serves the versions any host learned.

On one machine a crew's router versions live in its data directory (:mod:`.registry`: a JSON file
and the artifacts beside it). When the model registry is shared (``CREWLINE_MODELS_URL`` or
``CREWLINE_STATE_URL`` naming PostgreSQL) the same registry document and artifacts are also written
there, and read from there: the database is the truth, the data directory a cache of the artifacts.
Each registry is one row (its JSON document and a change counter, what a running crew polls); each
artifact one row of bytes, written in the same transaction that names it, so no host ever sees a
version without its artifact.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any

from crewline.memory.checkpoint.urls import parse
from crewline.memory.learning.model_registry import models_url
from crewline.memory.shared.database import Database, open_database

__all__ = ["SharedRouters", "shared_routers"]

POLL_S = 1.0  # how stale a running crew's view of a shared router registry may be

_SCHEMA = """
CREATE TABLE IF NOT EXISTS router_registries (
    key      TEXT PRIMARY KEY,
    document TEXT NOT NULL,
    changes  BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS router_artifacts (
    key      TEXT NOT NULL,
    artifact TEXT NOT NULL,
    content  BYTEA NOT NULL,
    PRIMARY KEY (key, artifact)
)
"""


class SharedRouters:
    """Router registry documents and artifacts in PostgreSQL (see the module docstring)."""

    def __init__(self, url: str) -> None:
        self.db: Database = open_database(url, what="model registry")
        self.db.apply_schema(_SCHEMA)
        self._polled: dict[str, tuple[float, int | None]] = {}

    def load(self, key: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT document FROM router_registries WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row is not None else None

    def keys(self) -> list[str]:
        with self.db.read() as conn:
            return [r[0] for r in conn.execute("SELECT key FROM router_registries ORDER BY key").fetchall()]

    def changes(self, key: str) -> int | None:
        """The registry's change counter (``None``: not there), re-read at most once a :data:`POLL_S`."""
        now = time.monotonic()
        kept = self._polled.get(key)
        if kept is not None and now - kept[0] < POLL_S:
            return kept[1]
        with self.db.read() as conn:
            row = conn.execute("SELECT changes FROM router_registries WHERE key = ?", (key,)).fetchone()
        value = int(row[0]) if row is not None else None
        self._polled[key] = (now, value)
        return value

    def save(self, key: str, document: dict[str, Any], artifact: tuple[str, bytes] | None = None) -> None:
        """Store ``document`` (and a new artifact it names) in one transaction."""
        text = json.dumps(document, ensure_ascii=False)
        with self.db.transaction() as conn:
            if artifact is not None:
                conn.execute(
                    "INSERT INTO router_artifacts (key, artifact, content) VALUES (?, ?, ?) "
                    "ON CONFLICT (key, artifact) DO UPDATE SET content = excluded.content",
                    (key, artifact[0], artifact[1]),
                )
            conn.execute(
                "INSERT INTO router_registries (key, document, changes) VALUES (?, ?, 1) "
                "ON CONFLICT (key) DO UPDATE SET document = excluded.document, "
                "changes = router_registries.changes + 1",
                (key, text),
            )
        self._polled.pop(key, None)

    def artifact(self, key: str, artifact: str) -> bytes | None:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT content FROM router_artifacts WHERE key = ? AND artifact = ?", (key, artifact)
            ).fetchone()
        return bytes(row[0]) if row is not None else None

    @contextlib.contextmanager
    def exclusive(self, key: str) -> Iterator[bool]:
        """Hold the registry's lock across hosts for the block; yields ``False`` when another holds it."""
        with self.db.read() as conn:
            digest = hashlib.blake2b(f"crewline-router:{key}".encode(), digest_size=8).digest()
            lock = int.from_bytes(digest, "big", signed=True)
            got = bool(conn.execute("SELECT pg_try_advisory_lock(?)", (lock,)).fetchone()[0])
            try:
                yield got
            finally:
                if got:
                    conn.execute("SELECT pg_advisory_unlock(?)", (lock,))


_opened: dict[str, SharedRouters] = {}


def shared_routers() -> SharedRouters | None:
    """The shared store when the model registry is PostgreSQL, else ``None`` (one machine)."""
    url = models_url()
    if parse(url).kind != "postgres":
        return None
    store = _opened.get(url)
    if store is None:
        store = _opened[url] = SharedRouters(url)
    return store
