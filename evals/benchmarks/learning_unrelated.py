"""Requests the demo crew should decline, for the learning benchmark: how many of them the crew sends
to a specialist before and after it learns.

* ``clinc_oos``: CLINC150's out-of-scope rows (train and val, 200), read from
  ``../shared/data/clinc150`` beside the checkout (or ``CREWLINE_CLINC150``), never copied; left out
  when the data is not there.
* ``clinc_other_domains``: CLINC150's val rows of six domains a bank's customer service does not
  serve (kitchen and dining, home, auto and commute, travel, utility, small talk; 1,800).
* ``errands``: the gate's own out-of-scope check (:data:`crewline.nodes.learning.out_of_scope.ERRANDS`):
  the candidate's threshold is set on these, so they show the calibration held, not how it generalises.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["accepted", "unrelated_sets"]

_OTHER_DOMAINS = ("kitchen_and_dining", "home", "auto_and_commute", "travel", "utility", "small_talk")


def _clinc_dir() -> Path:
    given = os.environ.get("CREWLINE_CLINC150")
    if given:
        return Path(given)
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "clinc150"


def _rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def unrelated_sets() -> dict[str, list[str]]:
    """The sets by name (the CLINC150 ones only when its files are there)."""
    from crewline.nodes.learning.out_of_scope import ERRANDS

    sets: dict[str, list[str]] = {"errands": list(ERRANDS)}
    folder = _clinc_dir()
    if (folder / "train.jsonl").is_file() and (folder / "val.jsonl").is_file():
        train, val = _rows(folder / "train.jsonl"), _rows(folder / "val.jsonl")
        sets["clinc_oos"] = [r["text"] for r in [*train, *val] if r["intent"] == "oos"]
        sets["clinc_other_domains"] = [r["text"] for r in val if r["domain"] in _OTHER_DOMAINS]
    return sets


def accepted(planner: Any, texts: Sequence[str]) -> float:
    """Share of ``texts`` for which the planner sends some part to a specialist."""
    taken = 0
    for text in texts:
        subtasks = planner.plan(text, turn=1, context={}).subtasks
        taken += any(s["specialist"] is not None for s in subtasks)
    return round(taken / len(texts), 4) if texts else 0.0
