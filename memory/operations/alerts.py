"""Alert rules over sliding windows, sent to the log and, optionally, a webhook.

A *signal* is a stream of numbers: ``error`` (1 for a failed request or run, 0 otherwise),
``confidence`` (each answer's confidence) and ``groundedness_failure`` (1 when an answer failed the
groundedness check: the hallucination proxy). A rule compares a signal's mean over the last
``window_s`` seconds with a threshold once the window holds ``min_samples`` values; it fires when the
comparison turns true and resolves when it turns false, one notification per change.

Defaults (the seed's): error rate > 5 %, mean confidence < 0.7, hallucination rate > 10 %, over five
minutes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from crewline.errors import ConfigurationError

__all__ = [
    "DEFAULT_RULES",
    "AlertEvent",
    "AlertMonitor",
    "AlertRule",
    "AlertSink",
    "LogSink",
    "SlidingWindow",
    "WebhookSink",
]

logger = logging.getLogger("crewline.alerts")

Signal = Literal["error", "confidence", "groundedness_failure"]


@dataclass(frozen=True)
class AlertRule:
    name: str
    signal: Signal
    op: Literal[">", "<"]
    threshold: float
    window_s: float = 300.0
    min_samples: int = 10

    def breached(self, value: float) -> bool:
        return value > self.threshold if self.op == ">" else value < self.threshold


DEFAULT_RULES: tuple[AlertRule, ...] = (
    AlertRule("error_rate_high", "error", ">", 0.05),
    AlertRule("confidence_low", "confidence", "<", 0.7),
    AlertRule("hallucination_rate_high", "groundedness_failure", ">", 0.10),
)


class SlidingWindow:
    """Values of the last ``window_s`` seconds with a running sum (O(1) amortised per value)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._values: deque[tuple[float, float]] = deque()
        self._sum = 0.0

    def add(self, value: float, now: float) -> None:
        self._values.append((now, value))
        self._sum += value
        self.prune(now)

    def prune(self, now: float) -> None:
        while self._values and self._values[0][0] <= now - self.window_s:
            self._sum -= self._values.popleft()[1]
        if not self._values:
            self._sum = 0.0  # no float drift once empty

    def __len__(self) -> int:
        return len(self._values)

    def mean(self) -> float | None:
        return self._sum / len(self._values) if self._values else None


@dataclass(frozen=True)
class AlertEvent:
    rule: str
    state: Literal["firing", "resolved"]
    signal: str
    value: float
    threshold: float
    op: str
    window_s: float
    samples: int
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def summary(self) -> str:
        verb = "FIRING" if self.state == "firing" else "resolved"
        return (
            f"alert {self.rule} {verb}: {self.signal} mean {self.value:.3f} {self.op} {self.threshold} "
            f"over {self.window_s:g}s ({self.samples} samples)"
        )


class AlertSink(Protocol):
    def send(self, event: AlertEvent) -> None: ...


class LogSink:
    """Alerts as log records on ``crewline.alerts`` (WARNING when firing, INFO when resolved)."""

    def send(self, event: AlertEvent) -> None:
        logger.log(logging.WARNING if event.state == "firing" else logging.INFO, event.summary())


class WebhookSink:
    """POST each alert as JSON to ``url``, in a background thread (a slow hook never blocks a request)."""

    def __init__(self, url: str, *, timeout_s: float = 3.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError(f"invalid alert webhook URL {url!r}: use http:// or https://")
        self.url, self.timeout_s = url, timeout_s

    def _post(self, event: AlertEvent) -> None:
        body = json.dumps({"text": event.summary(), **event.as_dict()}).encode("utf-8")
        request = urllib.request.Request(
            self.url, data=body, headers={"content-type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s):
                pass
        except (urllib.error.URLError, OSError) as exc:
            logger.error("alert webhook %s failed: %s", self.url, exc)

    def send(self, event: AlertEvent) -> None:
        threading.Thread(target=self._post, args=(event,), daemon=True, name="crewline-alert").start()


class AlertMonitor:
    """Feed it values with ``record``; it notifies its sinks when a rule starts or stops firing."""

    def __init__(
        self,
        rules: Sequence[AlertRule] = DEFAULT_RULES,
        sinks: Iterable[AlertSink] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rules = tuple(rules)
        self.sinks = list(sinks) or [LogSink()]
        self._clock = clock
        self._lock = threading.Lock()
        self._windows = {rule.name: SlidingWindow(rule.window_s) for rule in self.rules}
        self.firing: set[str] = set()

    def record(self, signal: Signal, value: float) -> list[AlertEvent]:
        """Add one value of ``signal``; returns (and sends) the alerts that changed state."""
        now = self._clock()
        with self._lock:
            for rule in self.rules:
                if rule.signal == signal:
                    self._windows[rule.name].add(float(value), now)
            events = self._evaluate(now, signal)
        for event in events:
            for sink in self.sinks:
                sink.send(event)
        return events

    def evaluate(self) -> list[AlertEvent]:
        """Re-check every rule now (values age out of their windows); sends what changed."""
        with self._lock:
            events = self._evaluate(self._clock(), None)
        for event in events:
            for sink in self.sinks:
                sink.send(event)
        return events

    def _evaluate(self, now: float, signal: str | None) -> list[AlertEvent]:
        events: list[AlertEvent] = []
        for rule in self.rules:
            if signal is not None and rule.signal != signal:
                continue
            window = self._windows[rule.name]
            window.prune(now)
            mean = window.mean()
            breached = mean is not None and len(window) >= rule.min_samples and rule.breached(mean)
            if breached == (rule.name in self.firing):
                continue
            (self.firing.add if breached else self.firing.discard)(rule.name)
            events.append(
                AlertEvent(
                    rule=rule.name,
                    state="firing" if breached else "resolved",
                    signal=rule.signal,
                    value=float(mean if mean is not None else 0.0),
                    threshold=rule.threshold,
                    op=rule.op,
                    window_s=rule.window_s,
                    samples=len(window),
                )
            )
        return events

    def means(self) -> dict[str, float | None]:
        """The current mean of each rule's window."""
        with self._lock:
            now = self._clock()
            for window in self._windows.values():
                window.prune(now)
            return {name: window.mean() for name, window in self._windows.items()}
