"""``crewline report --html``: the ROI view — cost per interaction, containment, response time and
volume over time — beside the figures ``crewline report --json`` prints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from crewline.evals.reports.page import Section, Table, render_page
from crewline.evals.reports.plots import time_series_plot
from crewline.evals.reports.usage import Bucket, Interaction, bucket_width, buckets

__all__ = ["floor_time", "roi_report", "usage_plots"]


def usage_plots(
    found: Sequence[Interaction], start: datetime, end: datetime
) -> tuple[list[Bucket], dict[str, Markup]]:
    """The buckets over ``start``..``end`` and the plots drawn from them, by name."""
    width = bucket_width(end - start)
    start = floor_time(start, width)
    rows = buckets(found, start, end, width)
    at = [b.start + width / 2 for b in rows]  # a bucket's point sits in its middle
    end = start + len(rows) * width

    def line(values: list[float | None]) -> list[tuple[datetime, float | None]]:
        return list(zip(at, values, strict=True))

    plots = {
        "volume": time_series_plot(
            "Interactions",
            start,
            end,
            [
                ("answered", line([float(b.answered) for b in rows])),
                ("escalated", line([float(b.escalated) for b in rows])),
                ("blocked or failed", line([float(b.blocked + b.failed) for b in rows])),
            ],
            y_label=f"interactions per {_width_name(width.total_seconds())}",
            y_format="{:.3g}",
        ),
        "rates": time_series_plot(
            "Containment and escalation rates",
            start,
            end,
            [
                ("containment", line([b.containment for b in rows])),
                ("escalation", line([b.escalation_rate for b in rows])),
            ],
            y_label="share of interactions",
            y_format="{:.0%}",
            y_high=1.0,
        ),
        "cost": time_series_plot(
            "Cost per interaction",
            start,
            end,
            [("model cost", line([b.cost_per_interaction for b in rows]))],
            y_label="USD per interaction",
            y_format="${:.2g}",
        ),
        "latency": time_series_plot(
            "Response time",
            start,
            end,
            [
                ("p50", line([b.response_p50_s for b in rows])),
                ("p95", line([b.response_p95_s for b in rows])),
            ],
            y_label="seconds",
            y_format="{:.2g}",
        ),
    }
    return rows, plots


def floor_time(moment: datetime, width: timedelta) -> datetime:
    """``moment`` rounded down to a multiple of ``width`` since the epoch (buckets on round times)."""
    step = width.total_seconds()
    return datetime.fromtimestamp(moment.timestamp() // step * step, tz=moment.tzinfo)


def _width_name(seconds: float) -> str:
    names = {60: "minute", 300: "5 minutes", 900: "15 minutes", 3600: "hour", 86400: "day", 604800: "week"}
    return names.get(int(seconds), f"{seconds / 3600:g} h")


def roi_report(figures: Mapping[str, Any], found: Sequence[Interaction], subtitle: str = "") -> str:
    """The page: the report's figures, the four plots over the log's time span and the buckets."""
    if found:
        start, end = found[0].at, found[-1].at
        rows, plots = usage_plots(found, start, end)
    else:
        rows, plots = [], {}
    note = (
        "Response time runs from a turn's first audit entry to its last: the time before the first "
        "node wrote anything is not in the log."
    )
    sections = [
        Section("volume", "Volume over time", "", [plots["volume"]] if plots else []),
        Section(
            "containment",
            "Containment",
            "Answered without a human, per bucket.",
            [plots["rates"]] if plots else [],
        ),
        Section("cost", "Cost per interaction", "", [plots["cost"]] if plots else []),
        Section("response-time", "Response time", note, [plots["latency"]] if plots else []),
        Section(
            "buckets",
            "By period",
            "",
            (),
            Table(
                ("from (UTC)", "interactions", "containment", "cost per interaction (USD)", "p50 s", "p95 s"),
                [
                    (
                        b.start.strftime("%Y-%m-%d %H:%M"),
                        b.interactions,
                        b.containment,
                        b.cost_per_interaction,
                        b.response_p50_s,
                        b.response_p95_s,
                    )
                    for b in rows
                    if b.interactions
                ],
                limit=200,
            ),
        ),
    ]
    return render_page("crewline report", subtitle, figures, sections)
