"""What the reports plot, from an evaluation's per-example results: pure functions, no drawing.

ROC points come from scikit-learn (already what ``eval injection`` scores AUROC with); the
reliability bins, the largest confusions and the answered/abstained trade-off are counted here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ReliabilityBin",
    "expected_calibration_error",
    "operating_point",
    "reliability_bins",
    "roc_points",
    "top_confusions",
    "tradeoff_curve",
]


def roc_points(labels: Sequence[int], scores: Sequence[float]) -> list[tuple[float, float]]:
    """``(false-positive rate, true-positive rate)`` from (0, 0) to (1, 1); empty with one class only."""
    if len(set(labels)) < 2:
        return []
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(list(labels), list(scores))
    points = [(float(a), float(b)) for a, b in zip(fpr, tpr, strict=True)]
    if points[0] != (0.0, 0.0):
        points.insert(0, (0.0, 0.0))
    if points[-1] != (1.0, 1.0):
        points.append((1.0, 1.0))
    return points


def operating_point(
    labels: Sequence[int], scores: Sequence[float], threshold: float
) -> tuple[float, float] | None:
    """The ``(fpr, tpr)`` of flagging every score at or above ``threshold``; None with one class only."""
    flagged = [s >= threshold for s in scores]
    positives = [f for f, y in zip(flagged, labels, strict=True) if y == 1]
    negatives = [f for f, y in zip(flagged, labels, strict=True) if y == 0]
    if not positives or not negatives:
        return None
    return sum(negatives) / len(negatives), sum(positives) / len(positives)


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    n: int
    confidence: float  # mean confidence of the bin's examples
    accuracy: float  # share of them that were right


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> list[ReliabilityBin]:
    """Equal-width confidence bins over [0, 1] (empty bins left out); 1.0 falls in the last bin."""
    members: dict[int, list[tuple[float, bool]]] = {}
    for confidence, right in zip(confidences, correct, strict=True):
        index = min(bins - 1, max(0, int(confidence * bins)))
        members.setdefault(index, []).append((confidence, right))
    return [
        ReliabilityBin(
            low=index / bins,
            high=(index + 1) / bins,
            n=len(items),
            confidence=sum(c for c, _ in items) / len(items),
            accuracy=sum(r for _, r in items) / len(items),
        )
        for index, items in sorted(members.items())
    ]


def expected_calibration_error(bins: Sequence[ReliabilityBin]) -> float | None:
    """The bins' |accuracy - confidence| weighted by their size."""
    total = sum(b.n for b in bins)
    if not total:
        return None
    return sum(b.n * abs(b.accuracy - b.confidence) for b in bins) / total


def top_confusions(pairs: Sequence[tuple[str, str]], k: int = 10) -> list[tuple[str, str, int]]:
    """The ``k`` most frequent ``(expected, predicted, count)`` with expected != predicted."""
    counts = Counter((gold, predicted) for gold, predicted in pairs if gold != predicted)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(gold, predicted, n) for (gold, predicted), n in ranked[:k]]


def tradeoff_curve(
    answerable: Sequence[bool], confidences: Sequence[float], has_answer: Sequence[bool]
) -> list[tuple[float, float, float]]:
    """``(threshold, unanswerable abstained, answerable answered)`` for every useful threshold.

    A question is answered at threshold ``t`` when its confidence is at least ``t`` and the draft has
    an answer at all; the curve runs from answering everything it can (t = 0) to abstaining always.
    """
    good = [c for c, a, h in zip(confidences, answerable, has_answer, strict=True) if a and h]
    bad = [c for c, a, h in zip(confidences, answerable, has_answer, strict=True) if not a and h]
    n_good = sum(answerable)
    n_bad = len(answerable) - n_good
    if not n_good or not n_bad:
        return []
    thresholds = sorted({0.0, *confidences, max(confidences, default=0.0) + 1e-9})
    return [(t, 1 - sum(c >= t for c in bad) / n_bad, sum(c >= t for c in good) / n_good) for t in thresholds]
