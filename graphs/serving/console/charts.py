"""The console's charts page: what the crew did over a window, drawn on the server as SVG.

Read from the audit log crewline already keeps (one ``interaction.finished`` entry per turn with its
outcome, confidence, specialists, usage and cost; ``guard.verdicts`` with the groundedness check's)
and from the process's alert monitor. Approvers and admins see their tenant's interactions, a user
only their own. Model calls (``model.call``) are split per model version and specialist
(:mod:`crewline.graphs.serving.console.model_charts`); turns by answer path (offline, model).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from crewline.evals.reports.curves import reliability_bins
from crewline.evals.reports.plots import time_series_plot
from crewline.evals.reports.roi import floor_time
from crewline.evals.reports.svg import bar_chart
from crewline.evals.reports.usage import (
    GroupRow,
    bucket_width,
    buckets,
    interactions,
    per_path,
    per_specialist,
    percentile,
)
from crewline.graphs.serving.console.model_charts import (
    LiveCounter,
    ModelRow,
    model_calls,
    model_plots,
    model_rows,
)
from crewline.graphs.serving.console.pages import render
from crewline.graphs.serving.console.sessions import Session
from crewline.memory.operations.alerts import AlertMonitor
from crewline.memory.operations.audit import AuditEntry

__all__ = [
    "WINDOWS",
    "AlertView",
    "ChartsView",
    "alert_views",
    "charts_page",
    "charts_view",
    "visible_entries",
]

WINDOWS: dict[str, timedelta] = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7)}


@dataclass(frozen=True)
class AlertView:
    rule: str
    state: str  # firing, ok
    condition: str
    current: str


@dataclass(frozen=True)
class ChartsView:
    window: str
    start: datetime
    end: datetime
    total: int
    containment: float | None
    escalation_rate: float | None
    cost_per_interaction: float | None
    response_p50_s: float | None
    response_p95_s: float | None
    groundedness_failures: int
    plots: dict[str, Markup]
    specialists: list[GroupRow]
    paths: list[GroupRow]
    models: list[ModelRow]  # per model version (and specialist), from the model calls


def visible_entries(
    entries: Iterable[AuditEntry], session: Session, *, untenanted: bool = False
) -> list[AuditEntry]:
    """The entries this person may chart: their tenant's (approvers, admins) or their own (users).

    ``untenanted``: entries without a tenant count as this machine's own (``crewline console``)."""
    who = session.identity
    whole_tenant = "tenant:read" in who.permissions
    shown = []
    for entry in entries:
        mine_tenant = entry.tenant_id == who.tenant_id or (untenanted and entry.tenant_id is None)
        if mine_tenant and (whole_tenant or entry.actor == who.user_id):
            shown.append(entry)
    return shown


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def charts_view(entries: Sequence[AuditEntry], window: str, now: datetime) -> ChartsView:
    """The window's figures and plots (``window`` one of :data:`WINDOWS`)."""
    width = bucket_width(WINDOWS[window])
    start = floor_time(now - WINDOWS[window], width)
    found = [i for i in interactions(entries) if start <= i.at <= now]
    rows = buckets(found, start, now, width)
    at = [b.start + width / 2 for b in rows]
    end = start + len(rows) * width

    def plot(title: str, series: list[tuple[str, list[float | None]]], y_label: str, **kw: Any) -> Markup:
        lines = [(name, list(zip(at, values, strict=True))) for name, values in series]
        return time_series_plot(title, start, end, lines, y_label=y_label, **kw)

    confidences = [i.confidence for i in found if i.confidence is not None and i.outcome != "blocked"]
    bins = reliability_bins(confidences, [True] * len(confidences))
    times = [i.response_s for i in found if i.response_s is not None]
    plots = {
        "requests": plot(
            "Requests",
            [("interactions", [float(b.interactions) for b in rows])],
            "per bucket",
            y_format="{:.3g}",
        ),
        "latency": plot(
            "Response time p50 / p95",
            [("p50", [b.response_p50_s for b in rows]), ("p95", [b.response_p95_s for b in rows])],
            "seconds",
        ),
        "rates": plot(
            "Escalation and containment rates",
            [
                ("containment", [b.containment for b in rows]),
                ("escalation", [b.escalation_rate for b in rows]),
            ],
            "share of interactions",
            y_format="{:.0%}",
            y_high=1.0,
        ),
        "groundedness": plot(
            "Groundedness failures",
            [("answers failing the check", [float(b.groundedness_failures) for b in rows])],
            "per bucket",
            y_format="{:.3g}",
        ),
        "cost": plot(
            "Cost per interaction",
            [("model cost", [b.cost_per_interaction for b in rows])],
            "USD",
            y_format="${:.2g}",
        ),
        "confidence": bar_chart(
            [(f"{b.low:.1f}–{b.high:.1f}", float(b.n), str(b.n)) for b in bins],
            title="Answer confidence (interactions per bin)",
            label_width=90,
        ),
    }
    calls = model_calls(entries, start, now)
    if calls:
        plots.update(model_plots(calls, start, end, width))
    outcomes = [i.outcome for i in found]
    return ChartsView(
        window=window,
        start=start,
        end=now,
        total=len(found),
        containment=_rate(outcomes.count("answered"), len(found)),
        escalation_rate=_rate(outcomes.count("escalated"), len(found)),
        cost_per_interaction=sum(i.cost_usd for i in found) / len(found) if found else None,
        response_p50_s=percentile(times, 0.5),
        response_p95_s=percentile(times, 0.95),
        groundedness_failures=sum(i.groundedness_failed for i in found),
        plots=plots,
        specialists=per_specialist(found),
        paths=per_path(found),
        models=model_rows(calls),
    )


def alert_views(monitor: AlertMonitor) -> list[AlertView]:
    """Each rule's state and its window's current mean (this process's monitor)."""
    means = monitor.means()
    views = []
    for rule in monitor.rules:
        mean = means.get(rule.name)
        views.append(
            AlertView(
                rule=rule.name,
                state="firing" if rule.name in monitor.firing else "ok",
                condition=f"mean {rule.signal} {rule.op} {rule.threshold:g} over {rule.window_s:g} s "
                f"(at least {rule.min_samples} values)",
                current="no values" if mean is None else f"{mean:.3f}",
            )
        )
    return views


def charts_page(
    view: ChartsView,
    alerts: Sequence[AlertView],
    *,
    base: str,
    session: Session,
    pending_count: int,
    live: Sequence[LiveCounter] = (),
    refresh_s: int = 0,
) -> str:
    return render(
        "charts.html",
        base=base,
        session=session,
        pending_count=pending_count,
        view=view,
        windows=list(WINDOWS),
        alerts=alerts,
        live=live,
        refresh_s=refresh_s,
    )
