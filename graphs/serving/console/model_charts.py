"""The charts page's model figures: calls, latency, errors and cost per model version and specialist.

From the audit log's ``model.call`` entries (one per call, :mod:`crewline.graphs.serving.model_calls`).
A call's version is the one its entry names; else the registered version that answered its node in
that thread (a ``model_version`` guard verdict, which a crew on registered versions records); else
the model's name. So the split is per version wherever versions exist, per model otherwise.

Beside them, the live counters of this process: every crewline Prometheus metric with a ``version``
label (whatever adds one: ``crewline models`` counts calls per registered version), read from the
registry as it stands, so a new labelled metric appears without a change here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from crewline.evals.reports.plots import time_series_plot
from crewline.evals.reports.usage import percentile
from crewline.memory.operations.audit import AuditEntry

__all__ = [
    "LiveCounter",
    "ModelCall",
    "ModelRow",
    "live_version_counters",
    "model_calls",
    "model_plots",
    "model_rows",
]

VERSION_LABEL = "version"


@dataclass(frozen=True)
class ModelCall:
    at: datetime
    version: str
    specialist: str
    seconds: float
    cost_usd: float
    tokens: int
    error: bool


@dataclass(frozen=True)
class ModelRow:
    version: str
    specialist: str  # "all" for the version's total
    calls: int
    errors: int
    p50_s: float | None
    p95_s: float | None
    tokens: int
    cost_usd: float


@dataclass(frozen=True)
class LiveCounter:
    metric: str
    labels: str  # the other labels, "name=value, ..."
    version: str
    value: float


def _time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _answered_by(entries: Sequence[AuditEntry]) -> dict[tuple[str | None, str], str]:
    """(thread, node) -> the registered version a ``model_version`` verdict names for it."""
    found: dict[tuple[str | None, str], str] = {}
    for entry in entries:
        if entry.action != "guard.verdicts":
            continue
        data = entry.data
        for verdict in data.get("verdicts") or ():
            if not isinstance(verdict, dict) or verdict.get("guard") != "model_version":
                continue
            if verdict.get("reason"):  # "support v0002 (canary)": the version and its role
                found[(entry.thread_id, str(data.get("node") or ""))] = str(verdict["reason"])
    return found


def model_calls(entries: Sequence[AuditEntry], start: datetime, end: datetime) -> list[ModelCall]:
    """The window's model calls, each with its version (see the module's docstring)."""
    answered = _answered_by(entries)
    calls = []
    for entry in entries:
        if entry.action != "model.call":
            continue
        at = _time(entry.ts)
        if at is None or not start <= at <= end:
            continue
        data = entry.data
        node = str(data.get("node") or "")
        version = data.get("version") or answered.get((entry.thread_id, node)) or data.get("model") or "model"
        calls.append(
            ModelCall(
                at=at,
                version=str(version),
                specialist=node or "(crew)",
                seconds=float(data.get("duration_s") or 0.0),
                cost_usd=float(data.get("cost_usd") or 0.0),
                tokens=int(data.get("prompt_tokens") or 0) + int(data.get("completion_tokens") or 0),
                error=data.get("status") == "error",
            )
        )
    return calls


def _row(version: str, specialist: str, calls: Sequence[ModelCall]) -> ModelRow:
    times = [c.seconds for c in calls if not c.error]
    return ModelRow(
        version=version,
        specialist=specialist,
        calls=len(calls),
        errors=sum(c.error for c in calls),
        p50_s=percentile(times, 0.5),
        p95_s=percentile(times, 0.95),
        tokens=sum(c.tokens for c in calls),
        cost_usd=sum(c.cost_usd for c in calls),
    )


def model_rows(calls: Sequence[ModelCall]) -> list[ModelRow]:
    """Per version (``all``), then per version and specialist."""
    rows = []
    for version in sorted({c.version for c in calls}):
        mine = [c for c in calls if c.version == version]
        rows.append(_row(version, "all", mine))
        for specialist in sorted({c.specialist for c in mine}):
            rows.append(_row(version, specialist, [c for c in mine if c.specialist == specialist]))
    return rows


def model_plots(
    calls: Sequence[ModelCall], start: datetime, end: datetime, width: timedelta
) -> dict[str, Markup]:
    """One line per version: calls and p50 latency per bucket."""
    count = max(1, math.ceil((end - start) / width))
    middles = [start + width * i + width / 2 for i in range(count)]
    per_bucket: dict[str, list[list[ModelCall]]] = {}
    for call in calls:
        index = min(count - 1, int((call.at - start) / width))
        per_bucket.setdefault(call.version, [[] for _ in range(count)])[index].append(call)
    plot_end = start + width * count
    calls_series = [
        (version, list(zip(middles, [float(len(b)) for b in rows], strict=True)))
        for version, rows in sorted(per_bucket.items())
    ]
    latency_series = [
        (version, list(zip(middles, [_p50(b) for b in rows], strict=True)))
        for version, rows in sorted(per_bucket.items())
    ]
    return {
        "version-calls": time_series_plot(
            "Model calls per version", start, plot_end, calls_series, y_label="per bucket", y_format="{:.3g}"
        ),
        "version-latency": time_series_plot(
            "Model call latency p50 per version", start, plot_end, latency_series, y_label="seconds"
        ),
    }


def _p50(calls: Sequence[ModelCall]) -> float | None:
    return percentile([c.seconds for c in calls if not c.error], 0.5)


def live_version_counters(registry: Any, prefix: str = "crewline_") -> list[LiveCounter]:
    """Every sample of this process's ``prefix`` metrics that carries a ``version`` label (counters'
    totals); the process registry holds others' too (``python_info`` has a ``version`` of Python's)."""
    found = []
    for family in registry.collect():
        if not family.name.startswith(prefix):
            continue
        for sample in family.samples:
            labels = dict(sample.labels)
            version = labels.pop(VERSION_LABEL, None)
            if version is None or sample.name.endswith("_created"):
                continue
            others = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
            found.append(LiveCounter(sample.name, others, str(version), float(sample.value)))
    return sorted(found, key=lambda c: (c.metric, c.version, c.labels))
