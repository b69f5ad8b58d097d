"""One interface for every injection detector, and the factory a crew spec's ``guards.detector`` names.

``"builtin"``: attack-family patterns (:mod:`crewline.nodes.guards.rules`), no data, no download.
``PATH`` (a ``.npz`` written by ``crewline guard train``): a model fit on labelled rows
(:mod:`crewline.nodes.guards.trained`). ``"hub:PATH"``: a local Hugging Face text-classification model
(:mod:`crewline.nodes.guards.hub`); nothing is ever downloaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from pathlib import Path
from typing import Protocol, runtime_checkable

from crewline.errors import ConfigurationError

__all__ = ["DetectorError", "InjectionDetector", "load_detector"]


class DetectorError(ConfigurationError):
    """A detector that cannot be loaded; the one-line message names the artifact and the problem."""


@runtime_checkable
class InjectionDetector(Protocol):
    """Scores text for prompt injection: ``score(text) -> (probability-like score, reason)``."""

    # read-only: a plain attribute satisfies them, and so does a detector that follows versions
    @property
    def name(self) -> str: ...

    @property
    def threshold(self) -> float: ...  # the detector's calibrated decision threshold

    def score(self, text: str) -> tuple[float, str]: ...


_CACHE: dict[tuple[str, float], InjectionDetector] = {}
_LOCK = threading.Lock()
RECHECK_S = 5.0  # how often an artifact's modification time is looked at again
# spec -> (when its artifact was last looked at (monotonic), the cache key then); a stat is a
# blocking call: at most one per spec every RECHECK_S, and never on a running event loop
_SEEN: dict[str, tuple[float, tuple[str, float]]] = {}


def load_detector(spec: str = "builtin") -> InjectionDetector:
    """The detector ``spec`` names, loaded once per process (reloaded when the artifact changes).

    A file's modification time is looked at on the first load and again at most every
    :data:`RECHECK_S` seconds. Called on a running event loop (a guard under ``ainvoke``), the
    look is made in a worker thread and the detector already loaded answers meanwhile: the loop
    never waits on the file system once the detector is loaded (load it at build time for that).
    """
    spec = spec.strip()
    if spec in ("", "builtin"):
        key: tuple[str, float] = ("builtin", 0.0)
    else:
        key = _artifact_key(spec)
    cached = _CACHE.get(key)  # a dict read is atomic: no lock on the hot path
    if cached is not None:
        return cached
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            cached = _CACHE[key] = _build(spec)
        return cached


def _artifact_key(spec: str) -> tuple[str, float]:
    seen = _SEEN.get(spec)
    now = time.monotonic()
    if seen is None or seen[1] not in _CACHE:
        return _look(spec, now)  # nothing loaded yet: this call loads it anyway
    if now - seen[0] >= RECHECK_S:
        _SEEN[spec] = (now, seen[1])  # one look at a time per spec
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return _look(spec, now)
        loop.run_in_executor(None, _look_quietly, spec, now)
    return seen[1]


def _look(spec: str, now: float) -> tuple[str, float]:
    target = Path(spec.removeprefix("hub:")).expanduser()
    try:
        key = (spec, target.stat().st_mtime)
    except OSError:
        _SEEN.pop(spec, None)
        raise DetectorError(f"injection detector {spec!r}: no such file or directory") from None
    _SEEN[spec] = (now, key)
    return key


def _look_quietly(spec: str, now: float) -> None:
    # in the background: a vanished artifact is reported by the next load that looks in the foreground
    with contextlib.suppress(DetectorError):
        _look(spec, now)


def _build(spec: str) -> InjectionDetector:
    if spec in ("", "builtin"):
        from crewline.nodes.guards.rules import RuleDetector

        return RuleDetector()
    if spec.startswith("hub:"):
        from crewline.nodes.guards.hub import HubDetector

        return HubDetector(Path(spec.removeprefix("hub:")).expanduser())
    from crewline.nodes.guards.trained import TrainedDetector

    return TrainedDetector.load(Path(spec).expanduser())
