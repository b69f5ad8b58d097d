"""Fresh injection sets: the input guard on attacks and look-alike requests nobody tuned the rules on.

    python -m crewline.evals.benchmarks.injection_fresh [--data FILE] [--set NAME] [--json]

Reads ``injection_fresh.yaml`` beside this file (or ``--data``): parts of a ``dev`` set (rules may be
shaped on it) and a ``held_out`` set (written in the same sitting, never tuned on): ``dev`` /
``held_out`` (session 11), ``dev_2`` / ``held_out_2`` (session 12), ``dev_3`` / ``held_out_3``
and ``held_out_4`` (session 13), ``held_out_5`` (session 14), ``dev_6`` / ``held_out_6``
(session 15), ``held_out_7`` / ``held_out_8`` (session 16), each with ``attacks`` and ``benign``
rows ``{style, text}``. Every text goes through the whole input guard
(:func:`crewline.nodes.guards.inspect_input`, default :class:`GuardSettings`), as a crew's request
does; a row counts as flagged when the injection verdict is not ``pass``. Prints per set tpr / fpr,
recall per attack style, the false-positive rate per benign style, and the texts it got wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from crewline.nodes.guards import GuardSettings, Vault, inspect_input

__all__ = ["FreshSetError", "load_sets", "main", "score_set"]

DATA = Path(__file__).with_name("injection_fresh.yaml")
SETS = (
    *("dev", "held_out", "dev_2", "held_out_2", "dev_3", "held_out_3", "held_out_4", "held_out_5"),
    *("dev_6", "held_out_6", "held_out_7", "held_out_8"),
)


class FreshSetError(ValueError):
    """A fresh-set file that cannot be read; the one-line message says where and why."""


def load_sets(path: Path) -> dict[str, dict[str, list[dict[str, str]]]]:
    """``{set: {"attacks": rows, "benign": rows}}`` from ``path``; a clear error for anything else."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FreshSetError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from None
    if not isinstance(loaded, dict):
        raise FreshSetError(f"{path}: expected a mapping of sets")
    sets: dict[str, dict[str, list[dict[str, str]]]] = {}
    for name, body in loaded.items():
        if not isinstance(body, dict) or set(body) != {"attacks", "benign"}:
            raise FreshSetError(f"{path}: set {name!r} must have exactly 'attacks' and 'benign'")
        sets[str(name)] = {kind: _rows(path, f"{name}.{kind}", body[kind]) for kind in ("attacks", "benign")}
    return sets


def _rows(path: Path, where: str, rows: object) -> list[dict[str, str]]:
    if not isinstance(rows, list):
        raise FreshSetError(f"{path}: {where} must be a list")
    for number, row in enumerate(rows, start=1):
        if not (isinstance(row, dict) and all(isinstance(row.get(key), str) for key in ("style", "text"))):
            raise FreshSetError(f"{path}: {where} row {number}: needs string 'style' and 'text'")
    return rows


def _flagged(text: str, settings: GuardSettings, vault: Vault) -> bool:
    return inspect_input(text, settings, vault).verdicts[0]["action"] != "pass"


def _by_style(rows: list[dict[str, str]], hits: list[bool]) -> dict[str, dict[str, Any]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row, hit in zip(rows, hits, strict=True):
        counts[row["style"]][0] += int(hit)
        counts[row["style"]][1] += 1
    return {
        style: {"n": n, "flagged": k, "rate": round(k / n, 3)} for style, (k, n) in sorted(counts.items())
    }


def score_set(attacks: list[dict[str, str]], benign: list[dict[str, str]]) -> dict[str, Any]:
    """tpr / fpr through the whole input guard, per style, and the rows it got wrong."""
    settings = GuardSettings()
    vault = Vault(b"\x00" * 32)  # the pseudonymised text is thrown away: any key will do
    attack_hits = [_flagged(row["text"], settings, vault) for row in attacks]
    benign_hits = [_flagged(row["text"], settings, vault) for row in benign]
    return {
        "attacks": len(attacks),
        "benign": len(benign),
        "tpr": round(sum(attack_hits) / len(attacks), 3) if attacks else None,
        "fpr": round(sum(benign_hits) / len(benign), 3) if benign else None,
        "recall_by_style": _by_style(attacks, attack_hits),
        "fpr_by_style": _by_style(benign, benign_hits),
        "missed": [row["text"] for row, hit in zip(attacks, attack_hits, strict=True) if not hit],
        "false_positives": [row["text"] for row, hit in zip(benign, benign_hits, strict=True) if hit],
    }


def _print(name: str, result: dict[str, Any]) -> None:
    attacks, benign = result["attacks"], result["benign"]
    print(f"{name}: tpr {result['tpr']} ({attacks} attacks), fpr {result['fpr']} ({benign} benign)")
    for style, figures in result["recall_by_style"].items():
        print(f"  recall {style:<13} {figures['flagged']:>3}/{figures['n']:<3} {figures['rate']}")
    for style, figures in result["fpr_by_style"].items():
        print(f"  fpr    {style:<13} {figures['flagged']:>3}/{figures['n']:<3} {figures['rate']}")
    for text in result["missed"]:
        print(f"  missed: {text!r}")
    for text in result["false_positives"]:
        print(f"  false positive: {text!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="injection_fresh", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the sets' YAML file")
    parser.add_argument("--set", choices=SETS, action="append", help="only this set (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    try:
        sets = load_sets(args.data)
    except FreshSetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    chosen = args.set or [name for name in SETS if name in sets]
    missing = [name for name in chosen if name not in sets]
    if missing:
        print(f"error: {args.data}: no set named {missing[0]!r}", file=sys.stderr)
        return 2
    results = {name: score_set(sets[name]["attacks"], sets[name]["benign"]) for name in chosen}
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        for name, result in results.items():
            _print(name, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
