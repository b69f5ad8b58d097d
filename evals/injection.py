"""injection: true- and false-positive rates of the prompt-injection detector on labelled rows.

Rows are ``{"text", "label": "injection" | "benign"}``. Without ``--train`` the built-in detector is
measured (or ``--detector``: a model file, ``hub:PATH``); with ``--train T.jsonl`` a detector is fit
on T first (as ``crewline guard train`` does) and measured on ``--test``. Each text goes through the
input guard's sanitizer first, as in a crew. Figures are at the detector's default threshold:
``{"n", "tpr", "fpr", "auroc", "p50_ms", "by_length": {band: {"n", "tpr", "fpr"}}}``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crewline.evals.datasets import DatasetError, read_jsonl
from crewline.nodes.guards import InjectionDetector, load_detector, sanitize
from crewline.nodes.guards.trained import train

__all__ = ["BANDS", "add_arguments", "evaluate", "labelled", "run"]

BANDS = ((0, 200, "<200"), (200, 1000, "200-999"), (1000, 10**12, ">=1000"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--test", required=True, type=Path, help="JSONL rows {text, label}")
    parser.add_argument("--train", type=Path, help="fit a detector on these rows first")
    parser.add_argument("--detector", default="builtin", help="builtin (default), a model file or hub:PATH")


def labelled(path: Path) -> tuple[list[str], list[int]]:
    """Texts and 0/1 labels of a ``{text, label}`` file; a clear error for anything else."""
    texts, labels = [], []
    for number, row in enumerate(read_jsonl(path, required=("text", "label")), start=1):
        if not isinstance(row["text"], str) or row["label"] not in ("injection", "benign"):
            raise DatasetError(f"{path}: row {number}: 'text' must be a string, 'label' injection|benign")
        texts.append(row["text"])
        labels.append(1 if row["label"] == "injection" else 0)
    return texts, labels


def _rates(predicted: Sequence[bool], labels: Sequence[int]) -> dict[str, Any]:
    positives = [p for p, y in zip(predicted, labels, strict=True) if y == 1]
    negatives = [p for p, y in zip(predicted, labels, strict=True) if y == 0]
    return {
        "n": len(labels),
        "tpr": round(sum(positives) / len(positives), 4) if positives else None,
        "fpr": round(sum(negatives) / len(negatives), 4) if negatives else None,
    }


def evaluate(
    detector: InjectionDetector,
    texts: Sequence[str],
    labels: Sequence[int],
    examples: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The figures; ``examples``, when given, receives each text's label and score (for ``--report``)."""
    from sklearn.metrics import roc_auc_score

    scores, latencies = [], []
    for text in texts:
        start = time.perf_counter()
        score, _ = detector.score(sanitize(text))
        latencies.append((time.perf_counter() - start) * 1000)
        scores.append(score)
    predicted = [s >= detector.threshold for s in scores]
    if examples is not None:
        examples += [
            {"text": t, "label": y, "score": s, "flagged": p}
            for t, y, s, p in zip(texts, labels, scores, predicted, strict=True)
        ]
    figures: dict[str, Any] = {"detector": detector.name, "threshold": round(detector.threshold, 4)}
    figures.update(_rates(predicted, labels))
    figures["auroc"] = round(float(roc_auc_score(labels, scores)), 4) if len(set(labels)) == 2 else None
    figures["p50_ms"] = round(statistics.median(latencies), 4)
    figures["by_length"] = {
        name: _rates(
            [p for p, t in zip(predicted, texts, strict=True) if low <= len(t) < high],
            [y for y, t in zip(labels, texts, strict=True) if low <= len(t) < high],
        )
        for low, high, name in BANDS
    }
    return figures


def run(args: argparse.Namespace, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The figures; ``details``, when given, receives the per-text scores (``crewline eval --report``)."""
    texts, labels = labelled(args.test)
    if args.train is not None:
        train_texts, train_labels = labelled(args.train)
        detector: InjectionDetector = train([sanitize(t) for t in train_texts], train_labels)
    else:
        detector = load_detector(args.detector)
    examples = None if details is None else details.setdefault("examples", [])
    return evaluate(detector, texts, labels, examples)
