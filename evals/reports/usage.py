"""Interactions over time from the audit log: what the ROI report and the console's charts plot.

One :class:`Interaction` per ``interaction.finished`` entry (or ``run.failed``) with its outcome,
confidence, cost, specialists, whether a groundedness check failed during the turn, and its response
time: from the turn's first audit entry to its last. The log has no entry for the moment a request
arrived, so the time before the first node wrote anything (the input guard, usually) is not counted.
A turn starts after the thread's previous turn ended or a decision was taken on it.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

__all__ = [
    "Bucket",
    "GroupRow",
    "Interaction",
    "bucket_width",
    "buckets",
    "interactions",
    "per_path",
    "per_specialist",
    "percentile",
]

_ENDS = frozenset({"interaction.finished", "run.failed"})
# what happens between turns: a human's decision resumes the thread (its entries are not a turn's)
_RESUMES = frozenset(
    {"escalation.approval", "escalation.decision", "escalation.applied", "escalation.refused", "feedback"}
)


class _Entry(Protocol):  # crewline.memory.operations.audit.AuditEntry
    @property
    def ts(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def thread_id(self) -> str | None: ...
    @property
    def actor(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Interaction:
    at: datetime
    actor: str
    outcome: str  # answered, escalated, declined, blocked, failed
    confidence: float | None
    cost_usd: float
    specialists: tuple[str, ...]
    response_s: float | None
    groundedness_failed: bool
    path: str = ""  # how the answer was made: offline, model, ... (the crew's ``path``)


def _ungrounded(entry: _Entry) -> bool:
    verdicts = entry.data.get("verdicts") or []
    return any(
        isinstance(v, dict) and v.get("guard") == "groundedness" and v.get("action") != "pass"
        for v in verdicts
    )


def interactions(entries: Iterable[_Entry]) -> list[Interaction]:
    """The finished turns of ``entries`` (in log order), oldest first."""
    started: dict[str | None, datetime] = {}
    ungrounded: dict[str | None, bool] = {}
    found: list[Interaction] = []
    for entry in entries:
        at = datetime.fromisoformat(entry.ts)
        thread = entry.thread_id
        if entry.action in _ENDS:
            data = entry.data
            first = started.pop(thread, None)
            failed = entry.action == "run.failed"
            confidence = data.get("confidence")
            found.append(
                Interaction(
                    at=at,
                    actor=entry.actor,
                    outcome="failed" if failed else str(data.get("outcome")),
                    confidence=None if failed or confidence is None else float(confidence),
                    cost_usd=float(data.get("cost_usd") or 0.0),
                    specialists=tuple(str(s) for s in data.get("specialists") or ()),
                    response_s=None if first is None else (at - first).total_seconds(),
                    groundedness_failed=ungrounded.pop(thread, False),
                    path=str(data.get("path") or ""),
                )
            )
        elif entry.action in _RESUMES:
            started.pop(thread, None)  # a decision resumes the thread: the next entry starts a turn
            ungrounded.pop(thread, None)
        else:
            started.setdefault(thread, at)
            if entry.action == "guard.verdicts" and _ungrounded(entry):
                ungrounded[thread] = True
    return found


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank ``q`` quantile (0..1), or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Bucket:
    start: datetime
    interactions: int
    answered: int
    escalated: int
    blocked: int
    failed: int
    cost_usd: float
    response_p50_s: float | None
    response_p95_s: float | None
    groundedness_failures: int

    @property
    def containment(self) -> float | None:
        return self.answered / self.interactions if self.interactions else None

    @property
    def escalation_rate(self) -> float | None:
        return self.escalated / self.interactions if self.interactions else None

    @property
    def cost_per_interaction(self) -> float | None:
        return self.cost_usd / self.interactions if self.interactions else None


def bucket_width(span: timedelta, count: int = 24) -> timedelta:
    """A round width giving about ``count`` buckets over ``span`` (a minute at least)."""
    for width in (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400):
        if span.total_seconds() / width <= count:
            return timedelta(seconds=width)
    return timedelta(days=365)


def buckets(found: Sequence[Interaction], start: datetime, end: datetime, width: timedelta) -> list[Bucket]:
    """``found`` counted in consecutive buckets of ``width`` from ``start`` up to ``end`` (empty ones too)."""
    if width.total_seconds() <= 0 or end < start:
        return []
    count = int((end - start) / width) + 1
    members: list[list[Interaction]] = [[] for _ in range(count)]
    for item in found:
        if start <= item.at <= end:
            members[min(count - 1, int((item.at - start) / width))].append(item)
    result = []
    for index, items in enumerate(members):
        outcomes = [i.outcome for i in items]
        times = [i.response_s for i in items if i.response_s is not None]
        result.append(
            Bucket(
                start=start + index * width,
                interactions=len(items),
                answered=outcomes.count("answered"),
                escalated=outcomes.count("escalated"),
                blocked=outcomes.count("blocked"),
                failed=outcomes.count("failed"),
                cost_usd=sum(i.cost_usd for i in items),
                response_p50_s=percentile(times, 0.5),
                response_p95_s=percentile(times, 0.95),
                groundedness_failures=sum(i.groundedness_failed for i in items),
            )
        )
    return result


@dataclass(frozen=True)
class GroupRow:
    name: str  # a specialist, or an answer path
    interactions: int
    containment: float
    escalation_rate: float
    mean_confidence: float | None
    cost_per_interaction_usd: float
    response_p50_s: float | None


def _rows(groups: dict[str, list[Interaction]]) -> list[GroupRow]:
    rows = []
    for name, items in groups.items():
        confidences = [i.confidence for i in items if i.confidence is not None]
        rows.append(
            GroupRow(
                name=name,
                interactions=len(items),
                containment=sum(i.outcome == "answered" for i in items) / len(items),
                escalation_rate=sum(i.outcome == "escalated" for i in items) / len(items),
                mean_confidence=statistics.fmean(confidences) if confidences else None,
                cost_per_interaction_usd=sum(i.cost_usd for i in items) / len(items),
                response_p50_s=percentile([i.response_s for i in items if i.response_s is not None], 0.5),
            )
        )
    return sorted(rows, key=lambda r: (-r.interactions, r.name))


def per_specialist(found: Sequence[Interaction]) -> list[GroupRow]:
    """Figures per specialist over the interactions it took part in (busiest first)."""
    groups: dict[str, list[Interaction]] = {}
    for item in found:
        for name in item.specialists:
            groups.setdefault(name, []).append(item)
    return _rows(groups)


def per_path(found: Sequence[Interaction]) -> list[GroupRow]:
    """Figures per answer path (offline, model, ...; the audit log names no model version)."""
    groups: dict[str, list[Interaction]] = {}
    for item in found:
        if item.path:
            groups.setdefault(item.path, []).append(item)
    return _rows(groups)
