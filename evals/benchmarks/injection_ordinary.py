"""Ordinary text through the input guard: how many texts nobody wrote as an attack get flagged.

    python -m crewline.evals.benchmarks.injection_ordinary [--show]

Reads CLINC150 train + val utterances and ClapNQ dev questions and passages from ``../shared/data``
(18,996 texts; not copied into the project) and sends each through the whole input guard
(:func:`crewline.nodes.guards.inspect_input`, default :class:`GuardSettings`), as a crew's request.
Prints how many were flagged (injection verdict not ``pass``) and, with ``--show``, which. Every
change to the injection rules keeps this count from rising: a rule that fires on ordinary questions
or encyclopaedia text would block real users however well it does on attack sets.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from crewline.evals.datasets import DatasetError, read_jsonl, shared_data_dir
from crewline.nodes.guards import GuardSettings, Vault, inspect_input

__all__ = ["main", "ordinary_texts"]

_SOURCES = (
    ("clinc150/train.jsonl", "text"),
    ("clinc150/val.jsonl", "text"),
    ("clapnq/questions_dev.jsonl", "question"),
    ("clapnq/passages.jsonl", "text"),
)


def ordinary_texts(shared: Path) -> Iterator[str]:
    """Every text of the four files, in order."""
    for name, field in _SOURCES:
        for row in read_jsonl(shared / name, required=(field,)):
            yield str(row[field])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="injection_ordinary", description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print the flagged texts")
    args = parser.parse_args(argv)
    shared = shared_data_dir()
    if shared is None:
        print("error: ../shared/data not found (set CREWLINE_SHARED_DATA)", file=sys.stderr)
        return 2
    settings, vault = GuardSettings(), Vault(b"\x00" * 32)
    try:
        texts = list(ordinary_texts(shared))
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    flagged = [text for text in texts if inspect_input(text, settings, vault).verdicts[0]["action"] != "pass"]
    print(f"ordinary text: {len(flagged)} of {len(texts):,} flagged")
    if args.show:
        for text in flagged:
            print(f"  flagged: {text[:200]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
