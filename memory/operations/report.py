"""Business figures from the audit trail: cost per interaction, containment rate and an ROI estimate.

An *interaction* is one user turn the server finished (an ``interaction.finished`` audit entry). It is
*contained* when the crew answered it without a human (outcome ``answered``); ``escalated`` went to a
person, ``declined`` was out of scope (the crew said it cannot help), ``blocked`` was refused by a
guard. Hours saved are the contained interactions times the
minutes a person would have spent on each; ROI compares their value at an hourly rate with the model
cost (plus any fixed cost you add).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from crewline.errors import ConfigurationError
from crewline.memory.operations.audit import AuditEntry

__all__ = ["UsageReport", "VersionFigures", "usage_report", "version_report"]


@dataclass(frozen=True)
class UsageReport:
    interactions: int
    answered: int
    escalated: int
    declined: int  # out of scope: the crew said it cannot help, no human asked
    blocked: int
    failed: int
    containment_rate: float | None  # answered / interactions
    model_cost_usd: float
    cost_per_interaction_usd: float | None
    model_calls: int
    tokens: int
    minutes_saved_per_interaction: float
    hourly_rate_usd: float
    fixed_cost_usd: float
    hours_saved: float
    value_saved_usd: float
    net_savings_usd: float
    roi: float | None  # (value saved - total cost) / total cost; None when nothing was spent
    feedback_up: int
    feedback_down: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def usage_report(
    entries: Iterable[AuditEntry],
    *,
    minutes_saved: float = 6.0,
    hourly_rate: float = 30.0,
    fixed_cost: float = 0.0,
) -> UsageReport:
    """Aggregate ``interaction.finished``, ``run.failed`` and ``feedback`` entries."""
    for name, value in (
        ("minutes_saved", minutes_saved),
        ("hourly_rate", hourly_rate),
        ("fixed_cost", fixed_cost),
    ):
        if not 0 <= value < math.inf:
            raise ConfigurationError(f"{name} must be a finite number >= 0, not {value!r}")
    outcomes: Counter[str] = Counter()
    ratings: Counter[str] = Counter()
    cost, calls, tokens = 0.0, 0, 0
    for entry in entries:
        if entry.action == "interaction.finished":
            data = entry.data
            outcomes[str(data.get("outcome"))] += 1
            cost += float(data.get("cost_usd") or 0.0)
            usage = data.get("usage") or {}
            calls += int(usage.get("model_calls", 0))
            tokens += int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0))
        elif entry.action == "run.failed":
            outcomes["failed"] += 1
        elif entry.action == "feedback":
            ratings[str(entry.data.get("rating"))] += 1
    interactions = sum(outcomes.values())
    answered = outcomes["answered"]
    hours = answered * minutes_saved / 60.0
    value = hours * hourly_rate
    total_cost = cost + fixed_cost
    return UsageReport(
        interactions=interactions,
        answered=answered,
        escalated=outcomes["escalated"],
        declined=outcomes["declined"],
        blocked=outcomes["blocked"],
        failed=outcomes["failed"],
        containment_rate=round(answered / interactions, 4) if interactions else None,
        model_cost_usd=round(cost, 6),
        cost_per_interaction_usd=round(cost / interactions, 8) if interactions else None,
        model_calls=calls,
        tokens=tokens,
        minutes_saved_per_interaction=minutes_saved,
        hourly_rate_usd=hourly_rate,
        fixed_cost_usd=fixed_cost,
        hours_saved=round(hours, 3),
        value_saved_usd=round(value, 2),
        net_savings_usd=round(value - total_cost, 2),
        roi=round((value - total_cost) / total_cost, 3) if total_cost > 0 else None,
        feedback_up=ratings["up"],
        feedback_down=ratings["down"],
    )


@dataclass(frozen=True)
class VersionFigures:
    """One registered model version's interactions (``crewline models``), from the audit log."""

    name: str  # crew or crew/specialist
    version: str
    interactions: int
    answered: int
    escalated: int
    declined: int
    blocked: int
    containment_rate: float | None
    model_cost_usd: float
    cost_per_interaction_usd: float | None
    model_calls: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def version_report(
    entries: Iterable[AuditEntry], threads: Mapping[str, Sequence[tuple[str, str]]]
) -> list[VersionFigures]:
    """Per model version: the ``interaction.finished`` entries of the threads it served (``threads``:
    thread id -> ``(name, version)`` pairs in the order they served it, from the model registry; a
    thread served by two versions of one name, around a rollback, counts for the later one)."""
    outcomes: dict[tuple[str, str], Counter[str]] = {}
    cost: dict[tuple[str, str], float] = {}
    calls: Counter[tuple[str, str]] = Counter()
    for entry in entries:
        if entry.action != "interaction.finished" or not entry.thread_id:
            continue
        latest = dict(threads.get(entry.thread_id, ()))  # the last version per name wins
        data = entry.data
        for key in latest.items():
            outcomes.setdefault(key, Counter())[str(data.get("outcome"))] += 1
            cost[key] = cost.get(key, 0.0) + float(data.get("cost_usd") or 0.0)
            calls[key] += int((data.get("usage") or {}).get("model_calls", 0))
    figures = []
    for (name, version), counted in sorted(outcomes.items()):
        total = sum(counted.values())
        spent = cost.get((name, version), 0.0)
        figures.append(
            VersionFigures(
                name=name,
                version=version,
                interactions=total,
                answered=counted["answered"],
                escalated=counted["escalated"],
                declined=counted["declined"],
                blocked=counted["blocked"],
                containment_rate=round(counted["answered"] / total, 4) if total else None,
                model_cost_usd=round(spent, 6),
                cost_per_interaction_usd=round(spent / total, 8) if total else None,
                model_calls=calls[(name, version)],
            )
        )
    return figures
