"""Server-side SVG charts: line plots and horizontal bars, as escaped markup.

Each builder is a pure function of its data and returns ``markupsafe.Markup``: every number is
formatted by the builder and every label goes through ``Markup.format``, which escapes it, so a
label taken from a dataset, a user or a model is text in the picture, never markup. Coordinates are
data mapped into a fixed ``viewBox`` (the picture scales with the page) and clamped to the plot area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

__all__ = ["PALETTE", "Axis", "Marker", "Series", "bar_chart", "line_plot"]

PALETTE = ("#2554c7", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207")
_INK = "#1d2330"


def _text(
    x: float, y: float, label: str, *, anchor: str = "start", fill: str = _INK, extra: str = ""
) -> Markup:
    """One escaped text element (``extra``: fixed attributes chosen by this module, never data)."""
    return Markup(
        '<text x="{}" y="{}" font-family="system-ui, sans-serif" font-size="12" fill="{}" '
        'text-anchor="{}"{}>{}</text>'
    ).format(_n(x), _n(y), fill, anchor, Markup(extra), label)


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[float, float]]
    dashed: bool = False
    dots: bool = False  # a marker at every point (bins of a reliability diagram)


@dataclass(frozen=True)
class Marker:
    """One labelled point (an operating point, a default threshold)."""

    label: str
    x: float
    y: float


@dataclass(frozen=True)
class Axis:
    label: str
    low: float = 0.0
    high: float = 1.0
    ticks: Sequence[tuple[float, str]] = field(default_factory=tuple)  # empty: five even ticks

    def position(self, value: float, start: float, length: float) -> float:
        span = (self.high - self.low) or 1.0
        share = min(1.0, max(0.0, (value - self.low) / span))
        return start + share * length

    def tick_marks(self) -> Sequence[tuple[float, str]]:
        if self.ticks:
            return self.ticks
        step = (self.high - self.low) / 4
        return [(self.low + i * step, f"{self.low + i * step:.3g}") for i in range(5)]


def _n(value: float) -> str:
    return f"{value:.1f}"


def line_plot(
    series: Sequence[Series],
    x: Axis,
    y: Axis,
    *,
    title: str,
    markers: Sequence[Marker] = (),
    width: int = 480,
    height: int = 320,
) -> Markup:
    """Lines (and dots) in a box with axes, ticks, a legend and labelled markers."""
    left, right, top, bottom = 56, 30, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(value: float) -> float:
        return x.position(value, left, plot_w)

    def py(value: float) -> float:
        return y.position(value, top + plot_h, -plot_h)

    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        ).format(width, height, title),
        _text(left, 16, title, extra=' font-weight="600"'),
        Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#c8ced8"/>').format(
            left, top, plot_w, plot_h
        ),
    ]
    for value, label in x.tick_marks():
        parts.append(_text(px(value), top + plot_h + 16, label, anchor="middle"))
    for value, label in y.tick_marks():
        parts.append(_text(left - 6, py(value) + 4, label, anchor="end"))
    parts.append(_text(left + plot_w / 2, height - 8, x.label, anchor="middle"))
    middle = _n(top + plot_h / 2)
    parts.append(
        _text(12, top + plot_h / 2, y.label, anchor="middle", extra=f' transform="rotate(-90 12 {middle})"')
    )
    for i, line in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        coords = " ".join(f"{_n(px(a))},{_n(py(b))}" for a, b in line.points)
        dash = Markup(' stroke-dasharray="5 4"') if line.dashed else Markup("")
        if len(line.points) > 1:
            parts.append(
                Markup(
                    '<polyline class="series" points="{}" fill="none" stroke="{}" stroke-width="2"{}/>'
                ).format(coords, colour, dash)
            )
        if line.dots or len(line.points) == 1:
            for a, b in line.points:
                parts.append(
                    Markup('<circle cx="{}" cy="{}" r="3" fill="{}"/>').format(_n(px(a)), _n(py(b)), colour)
                )
        # the legend sits on the title's line, right-aligned: it never covers a curve
        legend_x = width - right - sum(7 * len(other.name) + 16 for other in series[:i])
        parts.append(_text(legend_x, 16, line.name, anchor="end", fill=colour))
    for marker in markers:
        mx, my = px(marker.x), py(marker.y)
        parts.append(
            Markup(
                '<circle class="marker" cx="{}" cy="{}" r="5" fill="none" stroke="#b91c1c" stroke-width="2"/>'
            ).format(_n(mx), _n(my))
        )
        anchor = "end" if mx > left + plot_w / 2 else "start"
        label_y = my + 20 if my < top + plot_h / 2 else my - 10  # beside the curve, not on it
        parts.append(
            _text(mx + (-8 if anchor == "end" else 8), label_y, marker.label, anchor=anchor, fill="#b91c1c")
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def bar_chart(
    bars: Sequence[tuple[str, float, str]],
    *,
    title: str,
    width: int = 480,
    bar_height: int = 18,
    label_width: int = 200,
) -> Markup:
    """Horizontal bars ``(label, value, shown value)``, scaled to the largest value."""
    gap, top = 6, 28
    height = top + max(1, len(bars)) * (bar_height + gap) + 8
    longest = max((value for _, value, _ in bars), default=0.0) or 1.0
    room = width - label_width - 70
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        ).format(width, height, title),
        _text(0, 16, title, extra=' font-weight="600"'),
    ]
    if not bars:
        parts.append(_text(0, top + 14, "no data"))
    for i, (label, value, shown) in enumerate(bars):
        y = top + i * (bar_height + gap)
        w = room * max(0.0, value) / longest
        fits = max(8, int(label_width / 6.8))  # characters of 12 px text the label column holds
        shortened = label if len(label) <= fits else label[: fits - 1] + "…"
        parts.append(
            Markup("<g><title>{}</title>{}</g>").format(label, _text(0, y + bar_height - 5, shortened))
        )
        parts.append(
            Markup('<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}"/>').format(
                label_width, y, _n(w), bar_height, PALETTE[0]
            )
        )
        parts.append(_text(label_width + w + 6, y + bar_height - 5, shown))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
