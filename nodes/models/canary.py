"""Canary rollout of registered chat-model versions: which version answers a thread, and the
automatic rollback of a canary that does worse than the stable version.

**Assignment.** A thread's bucket is a hash of the registered name and the thread id (a number in
[0, 100)); a thread is in the canary when its bucket is below the canary's percentage. The bucket
does not depend on the version or on time, so a conversation stays on one version for as long as
the rollout does not change, and raising the share from 10 to 20 % keeps the first 10 % where they
were. A run without a thread id has nothing to stay on and gets the stable version. With
``models.rollout.assign_by: user`` the run's user id is hashed instead, so all of a user's
conversations share a version.

**Judging.** After each count (a model call, in :mod:`crewline.nodes.models.versioned`; a finished
turn, :func:`record_turn`) the canary is compared with the stable version
(:func:`crewline.memory.learning.rollout.breaches`) and, on a breach, rolled back with the reason
recorded as the rollback's event.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from crewline.memory.learning.model_registry import ModelEntry, ModelRegistry, models_url
from crewline.memory.learning.rollout import RolloutThresholds, VersionStats, breaches
from crewline.nodes.models.budget import RunScope

__all__ = [
    "bucket",
    "in_canary",
    "judge_canary",
    "record_turn",
    "registry_in_use",
    "shared_registry",
    "thread_of",
    "version_metrics",
]

log = logging.getLogger(__name__)


def bucket(name: str, key: str) -> float:
    """A stable number in [0, 100) for ``key`` (a thread or user id) under ``name``."""
    digest = hashlib.sha256(f"{name}\x1f{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100.0


def in_canary(entry: ModelEntry, key: str | None) -> bool:
    return bool(entry.canary) and key is not None and bucket(entry.name, key) < entry.percent


def thread_of(scope: RunScope) -> str | None:
    """The thread id of a run scope (``thread:turn``); ``None`` for a run without a thread."""
    if scope.run_key.startswith("anonymous-"):
        return None
    thread, sep, _turn = scope.run_key.rpartition(":")
    return thread if sep else scope.run_key


def registry_in_use(url: str | None = None) -> bool:
    """Whether a registry exists to read (a default SQLite file is not created just to look)."""
    url = url or models_url()
    if url.startswith("sqlite:///"):
        from pathlib import Path

        return Path(url.removeprefix("sqlite:///")).exists()
    return True


_registries: dict[str, ModelRegistry] = {}


def shared_registry() -> ModelRegistry:
    """The process's registry at :func:`models_url` (opened once per URL: its schema is applied once)."""
    url = models_url()
    registry = _registries.get(url)
    if registry is None:
        registry = _registries[url] = ModelRegistry(url)
    return registry


def version_metrics() -> Any:
    """The process metrics when prometheus-client is installed (the server extra), else ``None``."""
    try:
        from crewline.memory.operations.metrics import default_metrics
    except ImportError:
        return None
    return default_metrics()


def judge_canary(
    registry: ModelRegistry, name: str, version: str, thresholds: RolloutThresholds
) -> str | None:
    """Roll ``version`` back when it is ``name``'s canary and breaches ``thresholds`` against the
    stable version; the reason when it did."""
    entry = registry.entry(name)
    if entry is None or entry.canary != version:
        return None
    stats = registry.stats(name)
    found = breaches(stats.get(version, VersionStats()), stats.get(entry.stable, VersionStats()), thresholds)
    if not found:
        return None
    reason = "automatic rollback: " + "; ".join(found)
    if registry.rollback(name, reason=reason, only_canary=version) is None:
        return None  # another process rolled it back first
    log.warning("canary %s@%s rolled back: %s", name, version, reason)
    metrics = version_metrics()
    if metrics is not None:
        metrics.version_rollbacks.labels(name, version).inc()
    return reason


def record_turn(
    thread_id: str | None,
    verdicts: Sequence[Mapping[str, Any]] = (),
    *,
    outcome: str | None = None,
    rejected: bool = False,
    thresholds: RolloutThresholds | None = None,
    registry: ModelRegistry | None = None,
) -> None:
    """Count a finished turn (or a human's rejection) for the versions that served ``thread_id``:
    escalated, declined as out of scope, failed groundedness. Never raises (the serving observer
    calls it: figures must not break a run)."""
    if not thread_id:
        return
    try:
        if registry is None:
            if not registry_in_use():
                return
            registry = shared_registry()
        served: dict[str, str] = dict(registry.thread_versions(thread_id))  # the latest per name
        ungrounded = any(v.get("guard") == "groundedness" and v.get("action") != "pass" for v in verdicts)
        counts = {
            "escalations": int(outcome == "escalated"),
            "out_of_scope": int(outcome == "declined"),
            "ungrounded": int(ungrounded),
            "rejections": int(rejected),
        }
        if not any(counts.values()):
            return
        metrics = version_metrics()
        for name, version in served.items():
            registry.count(name, version, **counts)
            if metrics is not None:
                for what, n in counts.items():
                    if n:
                        metrics.version_outcomes.labels(name, version, what).inc(n)
            entry = registry.entry(name)
            if entry is not None and entry.canary == version:
                judge_canary(registry, name, version, thresholds or RolloutThresholds())
    except Exception as exc:
        log.error("cannot record the turn's outcome for its model versions: %s", exc)
