"""The model registry: a crew's (or one specialist's) chat-model choices as numbered versions, one of
them stable, at most one in canary on a share of threads, with their live figures.

A *name* is a crew (``support``) or one of its specialists (``support/billing``). ``register`` adds
a version (a ``provider:model`` and its fallbacks); a name's first version is stable at once, later
ones wait as candidates. ``canary`` sends a share of threads to a candidate, ``promote`` makes it (or
the canary) stable, ``rollback`` ends a canary or, without one, restores the stable version before
the current one. Every change is an event with its reason, automatic rollbacks included.

The registry lives where the other shared state does: ``CREWLINE_MODELS_URL``, else
``CREWLINE_STATE_URL`` when it names a database, else ``models.sqlite`` in the data directory; so
every host serving a crew routes the same threads to the same versions and counts into the same
figures. Each change is one transaction that re-reads what it decides on (``FOR UPDATE`` on
PostgreSQL, the write lock on SQLite): two hosts rolling back the same canary roll it back once.
The records, the schema and the reading of a name's history are in
:mod:`crewline.memory.learning.model_registry_records` (re-exported here).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from crewline.memory.learning.model_registry_records import (
    COUNTERS,
    SCHEMA,
    ModelEntry,
    ModelRegistryError,
    ModelVersion,
    check_name,
    known_version,
    newest_version,
    promoted_before,
    version_from_row,
)
from crewline.memory.learning.rollout import VersionStats
from crewline.memory.shared.database import Database, Session, open_database
from crewline.memory.shared.urls import state_url

__all__ = [
    "ModelEntry",
    "ModelRegistry",
    "ModelRegistryError",
    "ModelVersion",
    "check_name",
    "models_url",
    "open_model_registry",
]


def models_url() -> str:
    """``CREWLINE_MODELS_URL``, else ``CREWLINE_STATE_URL`` when it names a database, else
    ``models.sqlite`` in the data directory (the shared-state kind ``models``)."""
    return state_url("models")


class ModelRegistry:
    """The registered chat-model versions (see the module docstring). ``url``: default :func:`models_url`."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or models_url()
        self.db: Database = open_database(self.url, what="model registry")
        self.db.apply_schema(SCHEMA)
        self._lock_rows = " FOR UPDATE" if self.db.kind == "postgres" else ""

    # --- reading ---------------------------------------------------------------------------------
    def entry(self, name: str) -> ModelEntry | None:
        with self.db.read() as conn:
            return self._entry(conn, name)

    def _entry(self, conn: Session, name: str, lock: bool = False) -> ModelEntry | None:
        row = conn.execute(
            f"SELECT name, stable, canary, percent FROM model_entries WHERE name = ?"
            f"{self._lock_rows if lock else ''}",
            (name,),
        ).fetchone()
        if row is None:
            return None
        versions = conn.execute(
            "SELECT * FROM model_versions WHERE name = ? ORDER BY version", (name,)
        ).fetchall()
        return ModelEntry(
            name=row["name"],
            stable=row["stable"],
            canary=row["canary"],
            percent=float(row["percent"]),
            versions=tuple(version_from_row(v) for v in versions),
        )

    def entries(self, prefix: str | None = None) -> list[ModelEntry]:
        """Every registered name (only ``prefix`` and ``prefix/...`` when given)."""
        with self.db.read() as conn:
            names = [r[0] for r in conn.execute("SELECT name FROM model_entries ORDER BY name").fetchall()]
            if prefix is not None:
                names = [n for n in names if n == prefix or n.startswith(prefix + "/")]
            return [e for n in names if (e := self._entry(conn, n)) is not None]

    def events(self, name: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT at, action, from_version, to_version, reason FROM model_events "
                "WHERE name = ? ORDER BY at",
                (name,),
            ).fetchall()
        return [{"at": float(r[0]), "action": r[1], "from": r[2], "to": r[3], "reason": r[4]} for r in rows]

    def stats(self, name: str) -> dict[str, VersionStats]:
        """Each version's live figures (versions that served nothing yet are absent)."""
        with self.db.read() as conn:
            rows = conn.execute("SELECT * FROM model_stats WHERE name = ?", (name,)).fetchall()
        return {
            row["version"]: VersionStats(
                **{c: int(row[c]) for c in COUNTERS}, cost_usd=float(row["cost_usd"])
            )
            for row in rows
        }

    def thread_versions(self, thread_id: str) -> list[tuple[str, str]]:
        """``(name, version)`` pairs that served ``thread_id`` (for per-version reports)."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT name, version FROM model_threads WHERE thread_id = ? ORDER BY at", (thread_id,)
            ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def threads(self) -> dict[str, list[tuple[str, str]]]:
        """Every thread's ``(name, version)`` pairs."""
        found: dict[str, list[tuple[str, str]]] = {}
        with self.db.read() as conn:
            rows = conn.execute("SELECT thread_id, name, version FROM model_threads ORDER BY at").fetchall()
            for row in rows:
                found.setdefault(row[0], []).append((row[1], row[2]))
        return found

    # --- changing which version serves ------------------------------------------------------------
    @contextmanager
    def _changing(self, name: str) -> Iterator[tuple[Session, ModelEntry]]:
        with self.db.transaction() as conn:
            entry = self._entry(conn, check_name(name), lock=True)
            if entry is None:
                raise ModelRegistryError(
                    f"no model registered for {name!r}: crewline models register {name} ..."
                )
            yield conn, entry

    def _event(
        self, conn: Session, name: str, action: str, old: str | None, new: str | None, why: str
    ) -> None:
        conn.execute(
            "INSERT INTO model_events (name, at, action, from_version, to_version, reason) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, time.time(), action, old, new, why),
        )

    def _status(self, conn: Session, name: str, version: str, status: str) -> None:
        conn.execute(
            "UPDATE model_versions SET status = ? WHERE name = ? AND version = ?", (status, name, version)
        )

    def register(self, name: str, model: str, fallbacks: Sequence[str] = ()) -> ModelVersion:
        """A new version of ``name``; stable at once when it is the name's first."""
        check_name(name)
        if not model.strip():
            raise ModelRegistryError("a model is required: --model provider:model")
        now = time.time()
        with self.db.transaction() as conn:
            entry = self._entry(conn, name, lock=True)
            numbers = [int(v.version[1:]) for v in entry.versions] if entry else []
            version = f"v{1 + max(numbers, default=0):04d}"
            status = "stable" if entry is None else "candidate"
            conn.execute(
                "INSERT INTO model_versions (name, version, model, fallbacks, status, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, version, model.strip(), json.dumps([f.strip() for f in fallbacks]), status, now),
            )
            if entry is None:
                conn.execute(
                    "INSERT INTO model_entries (name, stable, canary, percent, updated) "
                    "VALUES (?, ?, NULL, 0, ?)",
                    (name, version, now),
                )
            self._event(conn, name, "register", None, version, f"{model} registered as {status}")
        return ModelVersion(name, version, model.strip(), tuple(fallbacks), status, now)

    def canary(self, name: str, percent: float, version: str | None = None) -> ModelEntry:
        """Send ``percent`` % of ``name``'s threads to ``version`` (default: the canary already
        running, else the newest candidate)."""
        if not 0 < percent <= 100:
            raise ModelRegistryError(f"a canary share is a percentage in (0, 100], not {percent:g}")
        with self._changing(name) as (conn, entry):
            target = version or entry.canary or newest_version(entry, "candidate")
            if target is None:
                raise ModelRegistryError(
                    f"{name} has no candidate version to canary: "
                    "register one first (crewline models register)"
                )
            chosen = known_version(entry, target)
            if chosen.version == entry.stable:
                raise ModelRegistryError(f"{target} is {name}'s stable version already")
            if chosen.status == "rolled_back" and version is None:
                raise ModelRegistryError(f"{target} was rolled back; name it with --version to try it again")
            if entry.canary and entry.canary != chosen.version:
                self._status(conn, name, entry.canary, "candidate")
            self._status(conn, name, chosen.version, "canary")
            conn.execute(
                "UPDATE model_entries SET canary = ?, percent = ?, updated = ? WHERE name = ?",
                (chosen.version, float(percent), time.time(), name),
            )
            self._event(conn, name, "canary", entry.stable, chosen.version, f"{percent:g}% of threads")
        return self._must(name)

    def promote(
        self, name: str, version: str | None = None, *, reason: str = "manual promotion"
    ) -> ModelEntry:
        """Make ``version`` (default: the canary, else the newest candidate) stable for every thread."""
        with self._changing(name) as (conn, entry):
            target = version or entry.canary or newest_version(entry, "candidate")
            if target is None:
                raise ModelRegistryError(f"{name} has no canary or candidate version to promote")
            chosen = known_version(entry, target)
            if chosen.version == entry.stable:
                raise ModelRegistryError(f"{target} is {name}'s stable version already")
            self._status(conn, name, entry.stable, "retired")
            self._status(conn, name, chosen.version, "stable")
            conn.execute(
                "UPDATE model_entries SET stable = ?, canary = NULL, percent = 0, updated = ? WHERE name = ?",
                (chosen.version, time.time(), name),
            )
            self._event(conn, name, "promote", entry.stable, chosen.version, reason)
        return self._must(name)

    def rollback(
        self, name: str, *, reason: str = "manual rollback", only_canary: str | None = None
    ) -> ModelEntry | None:
        """End the canary (its threads return to stable); without one, restore the stable version
        promoted before the current one. ``only_canary``: roll back only while that version is the
        canary (an automatic rollback: ``None`` returned when another host did it first)."""
        with self._changing(name) as (conn, entry):
            if only_canary is not None and entry.canary != only_canary:
                return None
            if entry.canary:
                self._status(conn, name, entry.canary, "rolled_back")
                conn.execute(
                    "UPDATE model_entries SET canary = NULL, percent = 0, updated = ? WHERE name = ?",
                    (time.time(), name),
                )
                self._event(conn, name, "rollback", entry.canary, entry.stable, reason)
            else:
                earlier = promoted_before(conn, entry)
                if earlier is None:
                    raise ModelRegistryError(
                        f"{name} has no canary and no earlier stable version: nothing to roll back"
                    )
                self._status(conn, name, entry.stable, "rolled_back")
                self._status(conn, name, earlier, "stable")
                conn.execute(
                    "UPDATE model_entries SET stable = ?, updated = ? WHERE name = ?",
                    (earlier, time.time(), name),
                )
                self._event(conn, name, "rollback", entry.stable, earlier, reason)
        return self._must(name)

    def _must(self, name: str) -> ModelEntry:
        entry = self.entry(name)
        assert entry is not None
        return entry

    # --- live figures ------------------------------------------------------------------------------
    def count(self, name: str, version: str, cost_usd: float = 0.0, **counters: int) -> None:
        """Add to ``version``'s figures (``calls=1, errors=1``, ``interactions=1, escalations=1``, ...)."""
        unknown = set(counters) - set(COUNTERS)
        if unknown:
            raise ValueError(f"unknown counters {sorted(unknown)}")
        columns = [c for c in COUNTERS if counters.get(c)]
        sets = ", ".join(
            [f"{c} = model_stats.{c} + ?" for c in columns] + ["cost_usd = model_stats.cost_usd + ?"]
        )
        values = [int(counters[c]) for c in columns]
        with self.db.transaction(durable=False) as conn:
            conn.execute(
                "INSERT INTO model_stats (name, version) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (name, version),
            )
            conn.execute(
                f"UPDATE model_stats SET {sets} WHERE name = ? AND version = ?",
                (*values, float(cost_usd), name, version),
            )

    def served(self, thread_id: str, name: str, version: str) -> None:
        """Remember that ``version`` of ``name`` answered on ``thread_id``."""
        with self.db.transaction(durable=False) as conn:
            conn.execute(
                "INSERT INTO model_threads (thread_id, name, version, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (thread_id, name, version, time.time()),
            )


def open_model_registry(url: str | None = None) -> ModelRegistry:
    """The registry at ``url`` (default :func:`models_url`); a bad URL is one line."""
    return ModelRegistry(url)
