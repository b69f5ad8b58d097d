"""The model registry's records and tables: versions and entries as stored, the schema, name
checks, and the reading of a name's history (which version to canary, promote or roll back to).

:mod:`crewline.memory.learning.model_registry` changes them; this module only describes and reads
them, so the registry's operations are read apart from the shapes they work on.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from crewline.errors import ConfigurationError
from crewline.memory.shared.database import Session

__all__ = [
    "COUNTERS",
    "SCHEMA",
    "ModelEntry",
    "ModelRegistryError",
    "ModelVersion",
    "check_name",
    "known_version",
    "newest_version",
    "promoted_before",
    "version_from_row",
]

_NAME = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?$")
COUNTERS = ("calls", "errors", "interactions", "escalations", "ungrounded", "out_of_scope", "rejections")

SCHEMA = """
CREATE TABLE IF NOT EXISTS model_entries (
    name    TEXT PRIMARY KEY,
    stable  TEXT NOT NULL,
    canary  TEXT,
    percent DOUBLE PRECISION NOT NULL DEFAULT 0,
    updated DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS model_versions (
    name      TEXT NOT NULL,
    version   TEXT NOT NULL,
    model     TEXT NOT NULL,
    fallbacks TEXT NOT NULL,
    status    TEXT NOT NULL,
    created   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS model_events (
    name         TEXT NOT NULL,
    at           DOUBLE PRECISION NOT NULL,
    action       TEXT NOT NULL,
    from_version TEXT,
    to_version   TEXT,
    reason       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS model_events_name ON model_events (name, at);
CREATE TABLE IF NOT EXISTS model_stats (
    name         TEXT NOT NULL,
    version      TEXT NOT NULL,
    calls        BIGINT NOT NULL DEFAULT 0,
    errors       BIGINT NOT NULL DEFAULT 0,
    interactions BIGINT NOT NULL DEFAULT 0,
    escalations  BIGINT NOT NULL DEFAULT 0,
    ungrounded   BIGINT NOT NULL DEFAULT 0,
    out_of_scope BIGINT NOT NULL DEFAULT 0,
    rejections   BIGINT NOT NULL DEFAULT 0,
    cost_usd     DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS model_threads (
    thread_id TEXT NOT NULL,
    name      TEXT NOT NULL,
    version   TEXT NOT NULL,
    at        DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (thread_id, name, version)
)
"""


class ModelRegistryError(ConfigurationError):
    """Bad input to the registry: an unknown name or version, a share out of range, nothing to roll back."""


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: str  # "v0001", ...
    model: str  # "provider:model"
    fallbacks: tuple[str, ...]
    status: str  # candidate | canary | stable | retired | rolled_back
    created: float


@dataclass(frozen=True)
class ModelEntry:
    """Which versions of ``name`` serve now: ``stable`` everywhere but the canary's share."""

    name: str
    stable: str
    canary: str | None = None
    percent: float = 0.0
    versions: tuple[ModelVersion, ...] = field(default_factory=tuple)

    def version(self, version: str) -> ModelVersion:
        return next(v for v in self.versions if v.version == version)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise ModelRegistryError(f"not a crew or crew/specialist name: {name!r}")
    return name


def version_from_row(row: Any) -> ModelVersion:
    return ModelVersion(
        name=row["name"],
        version=row["version"],
        model=row["model"],
        fallbacks=tuple(json.loads(row["fallbacks"])),
        status=row["status"],
        created=float(row["created"]),
    )


def newest_version(entry: ModelEntry, status: str) -> str | None:
    found = [v.version for v in entry.versions if v.status == status]
    return found[-1] if found else None


def known_version(entry: ModelEntry, version: str) -> ModelVersion:
    try:
        return entry.version(version)
    except StopIteration:
        known = ", ".join(v.version for v in entry.versions)
        raise ModelRegistryError(f"{entry.name} has no version {version!r} (versions: {known})") from None


def promoted_before(conn: Session, entry: ModelEntry) -> str | None:
    """The stable version before the current one: the latest that became stable (first
    registration or promotion) and was not rolled back since."""
    rows = conn.execute(
        "SELECT action, to_version, reason FROM model_events WHERE name = ? ORDER BY at", (entry.name,)
    ).fetchall()
    order: list[str] = []
    for action, to, reason in rows:
        if action == "promote" or (action == "register" and reason.endswith("as stable")):
            order.append(to)
    statuses = {v.version: v.status for v in entry.versions}
    earlier = [v for v in order if v != entry.stable and statuses.get(v) == "retired"]
    return earlier[-1] if earlier else None
