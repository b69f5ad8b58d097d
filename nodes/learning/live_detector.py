"""An injection detector that follows a crew's learned versions without a restart.

:class:`LiveDetector` answers with the detector registry's current version (the crew's configured
detector *or* what it learned, :class:`~crewline.nodes.learning.detector.EitherDetector`), else with
the configured detector alone. Before each score it compares the registry file's stamp with the one
it loaded (one ``stat``); a version that cannot be loaded keeps the detector it had and logs why, as
the live router does (:mod:`.live_router`). Pass it where a detector is taken
(``check_input(..., detector=live_detector("support"))``).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from crewline.memory.learning.registry import RouterRegistry
from crewline.nodes.guards.detector import InjectionDetector, load_detector
from crewline.nodes.learning.detector import current_detector, detector_registry

__all__ = ["LiveDetector", "live_detector"]

logger = logging.getLogger(__name__)
_UNSET: Any = object()


class LiveDetector:
    """The registry's current injection detector of ``registry``'s crew, else ``spec``'s."""

    def __init__(self, registry: RouterRegistry, spec: str = "builtin") -> None:
        self.registry = registry
        self.spec = spec
        self.version: str | None = None  # None: the configured detector
        self._active: InjectionDetector = load_detector(spec)
        self._stamp: Any = _UNSET
        self._lock = threading.Lock()

    def active(self) -> InjectionDetector:
        stamp = self.registry.stamp()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._reload(stamp)
        return self._active

    def _reload(self, stamp: Any) -> None:
        try:
            version, detector = current_detector(self.registry, self.spec)
        except Exception as exc:  # keep screening with what we have
            logger.error(
                "cannot load the learned injection detector, keeping %s: %s", self.version or "base", exc
            )
        else:
            self._active, self.version = detector, None if version == "base" else version
        self._stamp = stamp

    @property
    def name(self) -> str:
        return self.active().name

    @property
    def threshold(self) -> float:
        return self.active().threshold

    def score(self, text: str) -> tuple[float, str]:
        return self.active().score(text)


def live_detector(crew: str, spec: str = "builtin") -> LiveDetector:
    """The injection detector ``crew`` screens with now: its learned version, else ``spec``'s."""
    return LiveDetector(detector_registry(crew), spec)
