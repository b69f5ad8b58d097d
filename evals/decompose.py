"""Split compound requests and route each part: exact and set match of the ordered routes.

``crewline eval decompose --train T.jsonl --test X.jsonl --label-field intent [--val V.jsonl]``. Test
rows are ``{"text", "<label-field>s": [...]}`` with the parts' labels in the order they appear (a row
with a single ``"<label-field>"`` is a one-part request). Training rows are single (``"<label-field>"``)
or compound (``"<label-field>s"``); the router is fit on the single rows and on compound rows with
one label, and compound rows with several labels are skipped (their parts are not aligned with the
text). ``--val`` rows (single) calibrate the router as in ``eval routing``. A part predicted out of
scope counts as the label ``oos``. ``exact_match`` compares the ordered lists, ``set_match`` the sets.
``--singles S.jsonl`` (rows ``{"text", ...}``, each one request) adds ``single_split_rate``: the share
of them split into more than one part, which should stay near zero.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from typing import Any

from crewline.evals.datasets import DatasetError
from crewline.evals.routing import LabelledRow, check_known, fit_router, read_labelled
from crewline.nodes.planning.decompose import split_request
from crewline.nodes.planning.router import Router

__all__ = ["add_arguments", "evaluate_decomposition", "run", "single_split_rate"]


def evaluate_decomposition(
    router: Router,
    rows: Sequence[LabelledRow],
    *,
    oos_label: str,
    threshold: float = 0.35,
    examples: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The figures; ``examples``, when given, receives each row's expected and predicted routes."""
    exact = same_set = 0
    timings: list[float] = []
    for row in rows:
        started = time.perf_counter()
        clauses = split_request(row.text, router.route, threshold=threshold)
        timings.append((time.perf_counter() - started) * 1000)
        predicted = [clause.score.route or oos_label for clause in clauses]
        exact += predicted == list(row.labels)
        if examples is not None:
            parts = [clause.text for clause in clauses]
            examples.append(
                {"text": row.text, "expected": list(row.labels), "predicted": predicted, "parts": parts}
            )
        same_set += set(predicted) == set(row.labels)
    return {
        "n": len(rows),
        "exact_match": round(exact / len(rows), 4),
        "set_match": round(same_set / len(rows), 4),
        "p50_ms": round(statistics.median(timings), 4),
    }


def single_split_rate(router: Router, texts: Sequence[str], *, threshold: float = 0.35) -> float:
    """The share of ``texts`` (each a single request) that the decomposer splits."""
    if not texts:
        return 0.0
    split = sum(len(split_request(text, router.route, threshold=threshold)) > 1 for text in texts)
    return round(split / len(texts), 4)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train", required=True, help="JSONL rows to fit the router on")
    parser.add_argument("--test", required=True, help="JSONL compound requests to measure on")
    parser.add_argument("--label-field", default="intent", help="the label field (test rows: its plural)")
    parser.add_argument("--val", help="JSONL single rows to calibrate the router on")
    parser.add_argument("--oos-label", default="oos", help="the label of out-of-scope rows (default oos)")
    parser.add_argument("--oos-recall", type=float, default=0.8, help="out-of-scope recall to calibrate for")
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.35,
        help="confidence a short part (1-2 words) needs to be split off (0.35)",
    )
    parser.add_argument("--singles", help="JSONL single requests: report the share split (single_split_rate)")


def run(args: argparse.Namespace, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The figures; ``details``, when given, receives the per-row routes (``crewline eval --report``)."""
    if not 0 < args.oos_recall <= 1:
        raise DatasetError("--oos-recall must be in (0, 1]")
    if not 0 <= args.threshold <= 1:
        raise DatasetError("--threshold must be in [0, 1]")
    train = read_labelled(args.train, args.label_field, compound=True)
    test = read_labelled(args.test, args.label_field, compound=True)
    router = fit_router(args.train, args.label_field, oos_label=args.oos_label, train=train)
    known = {*router.routes, args.oos_label}
    check_known(test, known, args.test, args.train)
    if args.val:
        val = [row for row in read_labelled(args.val, args.label_field) if len(row.labels) == 1]
        check_known(val, known, args.val, args.train)
        router.calibrate(
            [r.text for r in val],
            [r.labels[0] for r in val],
            oos_label=args.oos_label,
            oos_recall=args.oos_recall,
        )
    examples = None if details is None else details.setdefault("examples", [])
    figures = evaluate_decomposition(
        router, test, oos_label=args.oos_label, threshold=args.threshold, examples=examples
    )
    if args.singles:
        singles = read_labelled(args.singles, args.label_field, compound=True)
        texts = [row.text for row in singles if len(row.labels) == 1]
        figures["single_split_rate"] = single_split_rate(router, texts, threshold=args.threshold)
    return figures
