"""A report per ``crewline eval`` suite: its JSON figures, its plots and its errors listed.

Each builder takes the suite's figures (exactly what ``--json`` prints) and the per-example details
its ``run(args, details)`` filled in, and returns the page's HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from crewline.evals.reports.curves import (
    expected_calibration_error,
    operating_point,
    reliability_bins,
    roc_points,
    top_confusions,
    tradeoff_curve,
)
from crewline.evals.reports.page import Section, Table, render_page
from crewline.evals.reports.plots import confusion_bars, reliability_plot, roc_plot, tradeoff_plot
from crewline.evals.reports.svg import bar_chart

__all__ = ["REPORTS", "eval_report"]

Details = Mapping[str, Any]


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def routing_sections(figures: Mapping[str, Any], details: Details) -> list[Section]:
    examples = list(details.get("examples") or [])
    pairs = [(str(e["label"]), str(e["route"])) for e in examples]
    confusions = top_confusions(pairs, 15)
    scored = [e for e in examples if e.get("confidence") is not None]
    bins = reliability_bins(
        [float(e["confidence"]) for e in scored], [e["route"] == e["label"] for e in scored]
    )
    ece = expected_calibration_error(bins)
    wrong = [e for e in examples if e["route"] != e["label"]]
    return [
        Section(
            "confusions",
            "Confusions",
            f"{len(wrong)} of {len(examples)} test rows routed wrong; the most frequent pairs.",
            [confusion_bars(confusions)],
            Table(("expected", "predicted", "rows"), confusions),
        ),
        Section(
            "reliability",
            "Reliability: confidence against accuracy",
            "Each point is a bin of test rows by the router's confidence (ten bins of 0.1); on the "
            "diagonal the confidence says how often the route is right."
            + ("" if ece is None else f" Expected calibration error {ece:.3f}."),
            [reliability_plot(bins)] if bins else [],
            Table(
                ("confidence bin", "rows", "mean confidence", "accuracy"),
                [(f"{b.low:.1f}–{b.high:.1f}", b.n, b.confidence, b.accuracy) for b in bins],
            ),
        ),
        Section(
            "errors",
            "Rows routed wrong",
            "",
            (),
            Table(
                ("text", "expected", "predicted", "confidence"),
                [(_short(e["text"]), e["label"], e["route"], e.get("confidence")) for e in wrong],
                frozenset({0}),
            ),
        ),
    ]


def injection_sections(figures: Mapping[str, Any], details: Details) -> list[Section]:
    examples = list(details.get("examples") or [])
    labels = [int(e["label"]) for e in examples]
    scores = [float(e["score"]) for e in examples]
    threshold = float(figures.get("threshold") or 0.5)
    missed = [e for e in examples if e["label"] == 1 and not e["flagged"]]
    false_alarms = [e for e in examples if e["label"] == 0 and e["flagged"]]
    points = roc_points(labels, scores)
    return [
        Section(
            "roc",
            "ROC curve",
            "True- against false-positive rate as the threshold moves; the circle is the detector's "
            f"threshold ({threshold:.2f}), where the figures above are measured."
            + ("" if points else " Needs both injection and benign rows."),
            [roc_plot(points, operating_point(labels, scores, threshold), threshold)] if points else [],
        ),
        Section(
            "misses",
            f"Injections missed ({len(missed)})",
            "",
            (),
            Table(("text", "score"), [(_short(e["text"]), e["score"]) for e in missed], frozenset({0})),
        ),
        Section(
            "false-alarms",
            f"Benign texts flagged ({len(false_alarms)})",
            "",
            (),
            Table(("text", "score"), [(_short(e["text"]), e["score"]) for e in false_alarms], frozenset({0})),
        ),
    ]


def rag_sections(figures: Mapping[str, Any], details: Details) -> list[Section]:
    examples = list(details.get("examples") or [])
    answerable = [bool(e["answerable"]) for e in examples]
    confidences = [float(e["confidence"]) for e in examples]
    has_answer = [bool(e["has_answer"]) for e in examples]
    threshold = float(figures.get("threshold") or 0.0)
    curve = tradeoff_curve(answerable, confidences, has_answer)
    default = None
    if figures.get("unanswerable_abstained") is not None and figures.get("answerable_answered") is not None:
        default = (float(figures["unanswerable_abstained"]), float(figures["answerable_answered"]))
    answered = [c >= threshold and h for c, h in zip(confidences, has_answer, strict=True)]
    wrong = [
        (
            _short(e["question"]),
            "answerable" if e["answerable"] else "unanswerable",
            e["confidence"],
            "answered" if ok else "abstained",
        )
        for e, ok in zip(examples, answered, strict=True)
        if ok != e["answerable"]
    ]
    return [
        Section(
            "tradeoff",
            "Answered / abstained trade-off",
            "Raising the confidence threshold abstains on more unanswerable questions and answers fewer "
            f"answerable ones; the circle is the default threshold ({threshold:.2f})."
            + ("" if curve else " Needs both answerable and unanswerable questions."),
            [tradeoff_plot(curve, default, threshold)] if curve else [],
        ),
        Section(
            "errors",
            f"Questions on the wrong side of the threshold ({len(wrong)})",
            "",
            (),
            Table(("question", "kind", "confidence", "at the default"), wrong, frozenset({0})),
        ),
    ]


def decompose_sections(figures: Mapping[str, Any], details: Details) -> list[Section]:
    examples = list(details.get("examples") or [])
    wrong = [e for e in examples if e["predicted"] != e["expected"]]
    keys = ("exact_match", "set_match", "single_split_rate")
    bars = [(k, float(figures[k]), f"{figures[k]:.1%}") for k in keys if figures.get(k) is not None]
    return [
        Section("key", "Key figures", "", [bar_chart(bars, title="Share of requests")]),
        Section(
            "errors",
            f"Requests split or routed wrong ({len(wrong)})",
            "",
            (),
            Table(
                ("text", "expected routes", "predicted routes", "parts"),
                [
                    (
                        _short(e["text"]),
                        " → ".join(e["expected"]),
                        " → ".join(e["predicted"]),
                        " | ".join(e["parts"]),
                    )
                    for e in wrong
                ],
                frozenset({0, 3}),
            ),
        ),
    ]


def pii_sections(figures: Mapping[str, Any], details: Details) -> list[Section]:
    errors = list(details.get("errors") or [])
    by_type = figures.get("by_type") or {}
    bars = []
    for kind, row in by_type.items():
        for measure in ("recall", "precision"):
            if row.get(measure) is not None:
                bars.append((f"{kind} {measure}", float(row[measure]), f"{row[measure]:.1%}"))

    def spans(text: str, found: list[tuple[str, int, int]]) -> str:
        return "; ".join(f"{kind}: {text[start:end]!r}" for kind, start, end in found)

    return [
        Section(
            "by-type", "Recall and precision by type", "", [bar_chart(bars, title="By type", label_width=230)]
        ),
        Section(
            "errors",
            f"Rows with a missed span or a wrong detection ({len(errors)})",
            "",
            (),
            Table(
                ("row", "text", "missed", "wrongly detected"),
                [
                    (
                        e["row"],
                        _short(e["text"]),
                        spans(e["text"], e["missed"]),
                        spans(e["text"], e["spurious"]),
                    )
                    for e in errors
                ],
                frozenset({1, 2, 3}),
            ),
        ),
    ]


REPORTS: dict[str, Callable[[Mapping[str, Any], Details], list[Section]]] = {
    "routing": routing_sections,
    "injection": injection_sections,
    "rag": rag_sections,
    "decompose": decompose_sections,
    "pii": pii_sections,
}


def eval_report(suite: str, figures: Mapping[str, Any], details: Details, subtitle: str = "") -> str:
    """The HTML report of ``crewline eval SUITE``."""
    return render_page(f"crewline eval {suite}", subtitle, figures, REPORTS[suite](figures, details))
