"""``crewline guard train``: fit the trainable injection detector from labelled rows.

Rows are ``{"text", "label": "injection" | "benign"}``. The artifact (``.npz``, plain arrays, no
pickle) is what a crew spec's ``guards.detector`` points at; the command prints the threshold it
chose and its cross-validated rates.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from crewline.errors import UsageError
from crewline.settings import CrewlineSettings

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("guard", help="train and manage guard detectors")
    actions = parser.add_subparsers(dest="guard_command", required=True, metavar="COMMAND")
    fit = actions.add_parser("train", help="fit an injection detector from labelled JSONL rows")
    fit.add_argument("--dataset", required=True, type=Path, help="JSONL rows {text, label}")
    fit.add_argument("--out", required=True, type=Path, help="where to write the model (.npz)")
    fit.add_argument(
        "--target-fpr", type=float, default=0.01, help="false-positive rate the threshold aims for"
    )
    fit.set_defaults(handler=_train)


def _train(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.evals.injection import labelled
    from crewline.nodes.guards import sanitize
    from crewline.nodes.guards.trained import train

    if not 0 < args.target_fpr < 0.5:
        raise UsageError("--target-fpr must be between 0 and 0.5")
    if args.out.is_dir():
        raise UsageError(f"--out {args.out} is a directory; give a file name such as detector.npz")
    texts, labels = labelled(args.dataset)
    detector = train([sanitize(t) for t in texts], labels, target_fpr=args.target_fpr)
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        detector.save(args.out)
    except OSError as exc:
        raise UsageError(f"--out {args.out}: cannot write the detector ({exc.strerror or exc})") from None
    console.print(f"wrote {args.out}")
    print(json.dumps({"out": str(args.out), "threshold": round(detector.threshold, 4), **detector.meta}))
    return 0
