"""One interface for every injection detector, and the factory a crew spec's ``guards.detector`` names.

``"builtin"``: attack-family patterns (:mod:`crewline.nodes.guards.rules`), no data, no download.
``PATH`` (a ``.npz`` written by ``crewline guard train``): a model fit on labelled rows
(:mod:`crewline.nodes.guards.trained`). ``"hub:PATH"``: a local Hugging Face text-classification model
(:mod:`crewline.nodes.guards.hub`); nothing is ever downloaded.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

from crewline.errors import ConfigurationError

__all__ = ["DetectorError", "InjectionDetector", "load_detector"]


class DetectorError(ConfigurationError):
    """A detector that cannot be loaded; the one-line message names the artifact and the problem."""


@runtime_checkable
class InjectionDetector(Protocol):
    """Scores text for prompt injection: ``score(text) -> (probability-like score, reason)``."""

    name: str
    threshold: float  # the detector's calibrated decision threshold

    def score(self, text: str) -> tuple[float, str]: ...


_CACHE: dict[tuple[str, float], InjectionDetector] = {}
_LOCK = threading.Lock()


def load_detector(spec: str = "builtin") -> InjectionDetector:
    """The detector ``spec`` names, loaded once per process (reloaded when the artifact changes)."""
    spec = spec.strip()
    if spec in ("", "builtin"):
        key: tuple[str, float] = ("builtin", 0.0)
    else:
        target = Path(spec.removeprefix("hub:")).expanduser()
        try:
            key = (spec, target.stat().st_mtime)
        except OSError:
            raise DetectorError(f"injection detector {spec!r}: no such file or directory") from None
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        detector = _build(spec)
        _CACHE[key] = detector
        return detector


def _build(spec: str) -> InjectionDetector:
    if spec in ("", "builtin"):
        from crewline.nodes.guards.rules import RuleDetector

        return RuleDetector()
    if spec.startswith("hub:"):
        from crewline.nodes.guards.hub import HubDetector

        return HubDetector(Path(spec.removeprefix("hub:")).expanduser())
    from crewline.nodes.guards.trained import TrainedDetector

    return TrainedDetector.load(Path(spec).expanduser())
