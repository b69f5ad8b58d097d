"""pii: recall and precision of the PII and secret detector on labelled spans.

Rows are ``{"text", "pii": [{"type", "value", "start", "end"}], "hard_negative"?}``. Scored types are
the ones the detector covers: CREDIT_CARD, IBAN_CODE, EMAIL_ADDRESS, PHONE_NUMBER, US_SSN,
IP_ADDRESS and SECRET (cloud keys, tokens, private keys, JWTs, credentials); gold spans of other
types (PERSON, STREET_ADDRESS, ...) are not scored, and a detection overlapping one counts as a false
positive. A gold span is found when a detection of the same type overlaps it; a detection is correct
when it overlaps a gold span of its type. ``hard_negative_fpr``: share of rows marked
``hard_negative`` (near misses: a 16-digit number failing Luhn, an IBAN with a bad checksum) where
anything is detected. A detection whose type is a narrower kind of an unscored gold type that it
overlaps (a DATE_OF_BIRTH on a span a set labels DATE_TIME: "born on 8/5/1989") is counted neither
way: the set did not say whether that date is a birth date.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from crewline.evals.datasets import DatasetError, read_jsonl
from crewline.nodes.guards.pii import PII_TYPES, PiiSpan, detect_pii

__all__ = ["add_arguments", "evaluate", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--test", required=True, type=Path, help="JSONL rows {text, pii: [...]}")


# detected type -> the coarser gold types a data set may label the same span with
_COARSER = {"DATE_OF_BIRTH": ("DATE_TIME", "DATE")}


def _coarse_gold(row: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [
        (str(span["type"]), int(span["start"]), int(span["end"]))
        for span in row["pii"]
        if span.get("type") not in PII_TYPES
    ]


def _gold(row: dict[str, Any], where: str) -> list[tuple[str, int, int]]:
    spans = row.get("pii")
    if not isinstance(row.get("text"), str) or not isinstance(spans, list):
        raise DatasetError(f"{where}: 'text' must be a string and 'pii' a list")
    gold = []
    for span in spans:
        if not isinstance(span, dict) or not {"type", "start", "end"} <= span.keys():
            raise DatasetError(f"{where}: every pii span needs 'type', 'start' and 'end'")
        if span["type"] in PII_TYPES:
            gold.append((str(span["type"]), int(span["start"]), int(span["end"])))
    return gold


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate(
    rows: list[dict[str, Any]], *, source: str = "rows", errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Figures for ``rows`` (already read); ``errors``, when given, receives each row with a missed
    span or a wrong detection (for ``--report``)."""
    found_by_type: Counter[str] = Counter()
    gold_by_type: Counter[str] = Counter()
    correct_by_type: Counter[str] = Counter()
    predicted_by_type: Counter[str] = Counter()
    hard, hard_flagged = 0, 0
    latencies: list[float] = []
    for number, row in enumerate(rows, start=1):
        gold = _gold(row, f"{source}: row {number}")
        start = time.perf_counter()
        predicted: list[PiiSpan] = detect_pii(row["text"])
        latencies.append((time.perf_counter() - start) * 1000)
        missed, spurious = [], []
        for kind, g_start, g_end in gold:
            gold_by_type[kind] += 1
            if any(p.type == kind and _overlaps((p.start, p.end), (g_start, g_end)) for p in predicted):
                found_by_type[kind] += 1
            else:
                missed.append((kind, g_start, g_end))
        coarse = _coarse_gold(row)
        for p in predicted:
            coarser = _COARSER.get(p.type, ())
            if any(kind in coarser and _overlaps((p.start, p.end), (s, e)) for kind, s, e in coarse):
                continue
            predicted_by_type[p.type] += 1
            if any(kind == p.type and _overlaps((p.start, p.end), (s, e)) for kind, s, e in gold):
                correct_by_type[p.type] += 1
            else:
                spurious.append((p.type, p.start, p.end))
        if errors is not None and (missed or spurious):
            errors.append({"row": number, "text": row["text"], "missed": missed, "spurious": spurious})
        if row.get("hard_negative"):
            hard += 1
            hard_flagged += bool(predicted)

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    return {
        "n": len(rows),
        "recall": ratio(sum(found_by_type.values()), sum(gold_by_type.values())),
        "precision": ratio(sum(correct_by_type.values()), sum(predicted_by_type.values())),
        "hard_negative_fpr": ratio(hard_flagged, hard),
        "by_type": {
            kind: {
                "n": gold_by_type[kind],
                "recall": ratio(found_by_type[kind], gold_by_type[kind]),
                "precision": ratio(correct_by_type[kind], predicted_by_type[kind]),
            }
            for kind in PII_TYPES
            if gold_by_type[kind] or predicted_by_type[kind]
        },
        "types_scored": list(PII_TYPES),
        "p50_ms": round(statistics.median(latencies), 4) if latencies else None,
    }


def run(args: argparse.Namespace, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The figures; ``details``, when given, receives the rows in error (``crewline eval --report``)."""
    rows = read_jsonl(args.test, required=("text", "pii"))
    errors = None if details is None else details.setdefault("errors", [])
    return evaluate(rows, source=str(args.test), errors=errors)
