"""The reports' plots: a suite's per-example results in, one SVG (escaped markup) out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from markupsafe import Markup

from crewline.evals.reports.curves import ReliabilityBin
from crewline.evals.reports.svg import Axis, Marker, Series, bar_chart, line_plot

__all__ = ["confusion_bars", "reliability_plot", "roc_plot", "time_series_plot", "tradeoff_plot"]

_RATE_TICKS = tuple((v / 4, f"{v / 4:.2f}") for v in range(5))


def roc_plot(
    points: Sequence[tuple[float, float]], operating: tuple[float, float] | None, threshold: float
) -> Markup:
    """ROC curve with the chance diagonal and the detector's operating point at ``threshold``."""
    markers = (
        [Marker(f"threshold {threshold:.2f}: TPR {operating[1]:.2f}, FPR {operating[0]:.2f}", *operating)]
        if operating
        else []
    )
    return line_plot(
        [Series("detector", points), Series("chance", [(0.0, 0.0), (1.0, 1.0)], dashed=True)],
        Axis("false-positive rate", ticks=_RATE_TICKS),
        Axis("true-positive rate", ticks=_RATE_TICKS),
        title="ROC curve",
        markers=markers,
    )


def reliability_plot(bins: Sequence[ReliabilityBin]) -> Markup:
    """Accuracy against mean confidence per bin, with the diagonal of perfect calibration."""
    return line_plot(
        [
            Series("router", [(b.confidence, b.accuracy) for b in bins], dots=True),
            Series("perfectly calibrated", [(0.0, 0.0), (1.0, 1.0)], dashed=True),
        ],
        Axis("confidence (mean of the bin)", ticks=_RATE_TICKS),
        Axis("accuracy", ticks=_RATE_TICKS),
        title="Reliability diagram",
    )


def tradeoff_plot(
    curve: Sequence[tuple[float, float, float]], default: tuple[float, float] | None, threshold: float
) -> Markup:
    """Answerable answered against unanswerable abstained as the threshold moves; the default marked."""
    markers = (
        [Marker(f"default {threshold:.2f}: {default[1]:.0%} answered, {default[0]:.0%} abstained", *default)]
        if default
        else []
    )
    return line_plot(
        [Series("as the threshold rises", [(abstained, answered) for _, abstained, answered in curve])],
        Axis("unanswerable questions abstained", ticks=_RATE_TICKS),
        Axis("answerable questions answered", ticks=_RATE_TICKS),
        title="Answered / abstained trade-off",
        markers=markers,
    )


def confusion_bars(confusions: Sequence[tuple[str, str, int]]) -> Markup:
    """The largest confusions as bars labelled ``expected → predicted``."""
    return bar_chart(
        [(f"{gold} → {predicted}", float(n), str(n)) for gold, predicted, n in confusions],
        title="Largest confusions (expected → predicted)",
        width=560,
        label_width=320,
    )


def _time_ticks(start: datetime, end: datetime) -> list[tuple[float, str]]:
    span = (end - start).total_seconds() or 1.0
    fmt = "%H:%M:%S" if span < 3600 else "%H:%M" if span <= 2 * 86400 else "%m-%d %H:%M"
    return [(span * i / 4, (start + timedelta(seconds=span * i / 4)).strftime(fmt)) for i in range(5)]


def time_series_plot(
    title: str,
    start: datetime,
    end: datetime,
    series: Sequence[tuple[str, Sequence[tuple[datetime, float | None]]]],
    *,
    y_label: str,
    y_format: str = "{:.2g}",
    y_high: float | None = None,
) -> Markup:
    """Lines over time (a None value breaks nothing: that point is left out); y from 0."""
    values = [v for _, points in series for _, v in points if v is not None]
    high = y_high if y_high is not None else max(values, default=0.0) * 1.1 or 1.0
    span = (end - start).total_seconds() or 1.0
    return line_plot(
        [
            Series(name, [((t - start).total_seconds(), v) for t, v in points if v is not None], dots=True)
            for name, points in series
        ],
        Axis("time (UTC)", 0.0, span, ticks=_time_ticks(start, end)),
        Axis(y_label, 0.0, high, ticks=[(high * i / 4, y_format.format(high * i / 4)) for i in range(5)]),
        title=title,
    )
