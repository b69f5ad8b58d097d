"""The versions of a crew's learned router: every candidate kept, one of them (or none) current.

On disk, under ``<data dir>/learning/<crew>/``: ``registry.json`` (every version with its figures,
the current one, the promotions and rollbacks with their reasons) and ``versions/vNNNN.npz`` (the
router artifacts). Both are written atomically (a temporary file in the same folder, then
``os.replace``): a reader sees the old file or the new one, never half of one, and a crash leaves no
version without its artifact. Readers (a running crew) notice a change by the registry file's
modification stamp, one ``stat`` per check.

With a shared model registry (PostgreSQL: ``CREWLINE_MODELS_URL`` or ``CREWLINE_STATE_URL``) the
registry document and the artifacts are kept there too, and read from there
(:mod:`.router_shared`): every host follows the versions any host learned, the data directory keeps
a cache of the artifacts, and the lock below holds across hosts.

``current`` is ``None`` while no learned version has been promoted (or after a rollback to ``base``):
the crew then routes with the router fit from its own examples. Only one ``learn run`` (or rollback)
per crew at a time: :meth:`RouterRegistry.exclusive` holds an advisory lock and refuses a second one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crewline.errors import ConfigurationError
from crewline.memory.learning.gate import GateDecision
from crewline.memory.learning.router_shared import shared_routers
from crewline.memory.paths import data_dir

__all__ = ["BASE", "LearnBusy", "LearningError", "RouterRegistry", "VersionRecord", "learning_root"]

BASE = "base"  # the crew's own router, fit from its specialists' examples


class LearningError(ConfigurationError):
    """Bad input to learning: an unknown version, crew, thread or route, data that fails the checks."""


class LearnBusy(LearningError):
    """Another ``learn run`` or rollback holds the crew's registry."""


@dataclass(frozen=True)
class VersionRecord:
    version: str  # "v0001", ...
    status: str  # "promoted" | "rejected"
    created: float
    reason: str  # why promoted or rejected (the gate's words)
    figures: dict[str, Any] = field(default_factory=dict)  # the candidate's metrics
    baseline: dict[str, Any] = field(default_factory=dict)  # the version it was compared with
    baseline_version: str = BASE
    train_rows: int = 0
    eval_rows: int = 0
    artifact: str = ""  # file name under versions/
    checks: dict[str, Any] = field(default_factory=dict)  # what the data checks found (label noise)

    @classmethod
    def gated(
        cls,
        decision: GateDecision,
        *,
        figures: dict[str, Any],
        baseline: dict[str, Any],
        baseline_version: str,
        train_rows: int,
        eval_rows: int,
        checks: dict[str, Any] | None = None,
    ) -> VersionRecord:
        """A new candidate's record as the gate decided it (its version is given when it is added)."""
        return cls(
            version="",
            status="promoted" if decision.promote else "rejected",
            created=time.time(),
            reason=decision.reason,
            figures=figures,
            baseline=baseline,
            baseline_version=baseline_version,
            train_rows=train_rows,
            eval_rows=eval_rows,
            checks=checks or {},
        )


def learning_root() -> Path:
    return data_dir() / "learning"


def _write_atomically(path: Path, write: Callable[[Path], Any]) -> None:
    """``write(temp)`` then rename over ``path``; the temporary file never outlives a failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(handle)
    temp = Path(name)
    try:
        write(temp)
        with temp.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


class RouterRegistry:
    """One crew's router versions (see the module docstring)."""

    def __init__(self, crew: str, root: Path | None = None) -> None:
        if not crew or "/" in crew or crew.startswith("."):
            raise LearningError(f"not a crew name: {crew!r}")
        self.crew = crew
        self.folder = (root or learning_root()) / crew
        self.path = self.folder / "registry.json"
        self._shared = shared_routers()
        try:  # the same name on every host: relative to the learning root when under it
            self.key = self.folder.relative_to(learning_root()).as_posix()
        except ValueError:
            self.key = self.folder.as_posix()

    # --- reading ---------------------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        if self._shared is not None:
            shared = self._shared.load(self.key)
            return (
                shared
                if shared is not None
                else {"crew": self.crew, "current": None, "versions": [], "events": []}
            )
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"crew": self.crew, "current": None, "versions": [], "events": []}
        except (OSError, ValueError) as exc:
            raise LearningError(f"learning registry {self.path} is unreadable: {exc}") from None
        return data

    def stamp(self) -> tuple[int, int] | None:
        """What changes whenever the registry does (``None``: no registry yet): cheap to poll."""
        if self._shared is not None:
            changes = self._shared.changes(self.key)
            return None if changes is None else (changes, 0)
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def exists(self) -> bool:
        return self.stamp() is not None

    def history(self) -> list[VersionRecord]:
        return [VersionRecord(**v) for v in self._load()["versions"]]

    def events(self) -> list[dict[str, Any]]:
        return list(self._load().get("events", []))

    def current_version(self) -> str | None:
        current = self._load().get("current")
        return str(current) if current else None

    def current(self) -> tuple[str | None, Path | None]:
        """The current version and its artifact (``None, None``: the crew's own router)."""
        data = self._load()
        current = data.get("current")
        if not current:
            return None, None
        record = next((v for v in data["versions"] if v["version"] == current), None)
        if record is None:
            raise LearningError(f"learning registry {self.path}: current version {current} is not listed")
        path = self.folder / "versions" / record["artifact"]
        if self._shared is not None and not path.exists():  # learned on another host: cache it here
            content = self._shared.artifact(self.key, record["artifact"])
            if content is None:
                raise LearningError(f"learning registry {self.key}: the artifact of {current} is missing")
            _write_atomically(path, lambda temp: temp.write_bytes(content))
        return str(current), path

    # --- writing (under exclusive()) ---------------------------------------------------------------
    @contextlib.contextmanager
    def exclusive(self, what: str = "learn run") -> Iterator[None]:
        """Hold the crew's learning lock; a second holder is refused at once with :class:`LearnBusy`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "learn.lock").open("a+") as lock:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LearnBusy(
                    f"another learn run or rollback for crew {self.crew} is in progress; "
                    "try again when it ends"
                ) from None
            try:
                with self._shared_lock():
                    yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _shared_lock(self) -> Iterator[None]:
        if self._shared is None:
            yield
            return
        with self._shared.exclusive(self.key) as got:
            if not got:
                raise LearnBusy(
                    f"another learn run or rollback for crew {self.crew} is in progress on another host; "
                    "try again when it ends"
                )
            yield

    def _save(self, data: dict[str, Any], artifact: str | None = None) -> None:
        """Write the registry (``artifact``: a new artifact it names, already in the folder)."""
        if self._shared is not None:
            content = (self.folder / "versions" / artifact).read_bytes() if artifact else None
            self._shared.save(
                self.key, data, (artifact, content) if artifact and content is not None else None
            )
        text = json.dumps(data, indent=1, ensure_ascii=False)
        _write_atomically(self.path, lambda temp: temp.write_text(text, encoding="utf-8"))

    def add_version(
        self, record: VersionRecord, write_artifact: Callable[[Path], Any], *, promote: bool
    ) -> VersionRecord:
        """Store a new version (its number assigned here) with its artifact; make it current when
        ``promote``. The artifact is in place before the registry names it."""
        data = self._load()
        number = 1 + max((int(v["version"][1:]) for v in data["versions"]), default=0)
        version = f"v{number:04d}"
        artifact = f"{version}.npz"
        _write_atomically(self.folder / "versions" / artifact, write_artifact)
        stored = VersionRecord(**{**asdict(record), "version": version, "artifact": artifact})
        data["versions"].append(asdict(stored))
        if promote:
            data["events"].append(
                {"at": time.time(), "action": "promote", "from": data.get("current"), "to": version}
            )
            data["current"] = version
        self._save(data, artifact)
        return stored

    def rollback(self, to: str | None = None, *, reason: str = "manual rollback") -> str:
        """Make ``to`` current (a version promoted before, or ``base``); without ``to``, the latest
        promoted version before the current one (``base`` when there is none). Returns it."""
        data = self._load()
        current = data.get("current")
        promoted = [v["version"] for v in data["versions"] if v["status"] == "promoted"]
        if to is None:
            if not current:
                raise LearningError(f"crew {self.crew} runs its own router already: nothing to roll back")
            earlier = [v for v in promoted if v < current]
            target = earlier[-1] if earlier else BASE
        elif to == BASE:
            target = BASE
        elif to not in {v["version"] for v in data["versions"]}:
            known = ", ".join([BASE, *(v["version"] for v in data["versions"])])
            raise LearningError(f"crew {self.crew} has no version {to!r} (versions: {known})")
        elif to not in promoted:
            raise LearningError(
                f"version {to} of crew {self.crew} was rejected by the gate; it cannot be restored"
            )
        else:
            target = to
        data["events"].append(
            {"at": time.time(), "action": "rollback", "from": current, "to": target, "reason": reason}
        )
        data["current"] = None if target == BASE else target
        self._save(data)
        return target
