"""Compound requests on the demo crew: does the planner split them into the right parts and specialists?

Reads ``compound_requests.yaml`` beside this file (or ``--data``): requests written for this benchmark
with many linking words and shapes (lists, "as well as", "plus", "after that", "; also", chained
questions, bullets, numbered steps, shouting) and single requests that hold an "and" they must keep.
Its ``dev`` and ``fresh`` parts were used to change the decomposer, its ``held_out`` and
``held_out2`` parts never were; ``held_out3``, ``held_out4`` and ``held_out5`` were each written before
a later round of changes and then used in one, ``held_out6`` before session 15's and never used,
``held_out7`` before session 16's (then used), ``held_out8`` before session 17's and never read (the
file's header holds every part's runs, first runs included).

The demo crew's planner (``graphs/crews/support.yaml``: its router fit on the specialists'
descriptions and examples, offline, no model) plans every request. Figures per part:

* ``exact_match`` — the ordered specialists of the plan equal the expected ones (the domain figure);
* ``parts_exact`` — that, and every part's words equal the expected part's (case, punctuation and
  a polite "please", "kindly" or "could you" at a part's edges aside: the sets' writers disagree on
  whether the "Could you" of "Could you A and B" belongs to A);
* ``routing_oracle`` — the share of rows whose expected parts, each routed alone as the planner
  routes a clause (lexical router, semantic stage, documents; before session 16: the lexical router
  alone), all go to their specialists: what a perfect split would reach with this routing;
* ``single_split`` — the share of rows asking one specialist (one expected subtask) that the plan
  splits: the false splits;
* ``p50_ms`` — planning time per request.

``--clinc`` adds compounds of CLINC150 val requests in each of the shapes (``JOINS``, and apart
``MORE_JOINS``: run-ons, a polite wrapper, a lead-in; 40 per shape, parts from different domains)
split by the decomposer with a domain router fit on train: the decomposer's figure with a router
that knows its domains well; and ``clinc150_single_val``: the share of the 3,100 single val requests
(out-of-scope ones included) that the decomposer splits.

    python -m crewline.evals.benchmarks.compound_planning [--data FILE] [--clinc] [--failures] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from crewline.evals.datasets import DatasetError, clinc150_dir
from crewline.evals.decompose import evaluate_decomposition, single_split_rate
from crewline.evals.routing import LabelledRow, fit_router, read_labelled
from crewline.graphs.spec import load_spec
from crewline.memory.paths import data_dir
from crewline.nodes.planning.extract import entity_patterns
from crewline.nodes.planning.planner import Planner, RouteExamples, build_planner
from crewline.nodes.specialist import tool_examples
from crewline.tools.registry import ToolContext, resolve_tools

__all__ = ["JOINS", "MORE_JOINS", "CompoundRow", "clinc_compounds", "demo_planner", "evaluate", "read_rows"]

DATA = Path(__file__).with_name("compound_requests.yaml")
NONE = "none"  # the expected specialist of a part nobody handles


@dataclass(frozen=True)
class CompoundRow:
    text: str
    parts: tuple[tuple[str, str], ...]  # (specialist, text) with neighbours of one specialist merged


def _merged(text: str, parts: Sequence[Sequence[str]], where: str) -> tuple[tuple[str, str], ...]:
    """The expected subtasks: neighbouring parts for one specialist are one subtask over their span."""
    spans: list[tuple[str, int, int]] = []
    at = 0
    for part in parts:
        if len(part) != 2 or not all(isinstance(item, str) for item in part):
            raise DatasetError(f"{where}: every part must be [specialist, text]")
        specialist, piece = part
        start = text.find(piece, at)
        if start < 0:
            raise DatasetError(f"{where}: part {piece!r} is not in the request after the previous part")
        at = start + len(piece)
        if spans and spans[-1][0] == specialist:
            spans[-1] = (specialist, spans[-1][1], at)
        else:
            spans.append((specialist, start, at))
    return tuple((specialist, text[start:end]) for specialist, start, end in spans)


def read_rows(path: Path) -> dict[str, list[CompoundRow]]:
    """The file's sets (``dev``, ``held_out``, ...) as rows; a malformed file is one ``DatasetError``."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DatasetError(f"{path}: {str(exc).splitlines()[0]}") from None
    if not isinstance(loaded, dict) or not loaded:
        raise DatasetError(f"{path}: expected a mapping of sets (dev, held_out) to rows")
    sets: dict[str, list[CompoundRow]] = {}
    for name, rows in loaded.items():
        if not isinstance(rows, list) or not rows:
            raise DatasetError(f"{path}: set {name!r} must be a non-empty list of rows")
        sets[str(name)] = []
        for number, row in enumerate(rows, start=1):
            where = f"{path}: {name} row {number}"
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise DatasetError(f"{where}: a row needs 'text' and 'parts'")
            if not isinstance(row.get("parts"), list) or not row["parts"]:
                raise DatasetError(f"{where}: 'parts' must be a non-empty list")
            sets[str(name)].append(CompoundRow(row["text"], _merged(row["text"], row["parts"], where)))
    return sets


def demo_planner(spec: str = "support") -> Planner:
    """The planner ``build_crew(spec)`` builds, without a model (offline routing only)."""
    crew = load_spec(spec)
    context = ToolContext(data_dir=data_dir())
    routes: list[RouteExamples] = []
    tools = []
    for specialist in crew.specialists:
        own = resolve_tools(specialist.tools, context)
        tools.extend(own)
        routes.append(
            RouteExamples(
                specialist.name, specialist.description, [*specialist.examples, *tool_examples(own)]
            )
        )
    return build_planner(
        routes,
        entity_patterns=entity_patterns(tools),
        model=None,
        settings=crew.planner,
        default_threshold=crew.guards.confidence_threshold,
    )


# The sets' writers disagree on whether "Could you" belongs to the first part of "Could you A and B"
# (it asks for both), so a polite opening ("could you", "I was wondering if you could", "sorry to
# bother you, but") or "please" at a part's end is no word of the part.
_POLITE_OPENING = re.compile(
    r"^(?:(?:please|pls|plz|kindly|(?:can|could|would|will)\s+(?:you|u)|i\s+(?:was|am|m)\s+(?:wondering|hoping)"
    r"(?:\s+(?:if|whether|that))?(?:\s+you\s+(?:could|can|would|might))?|would\s+you\s+be\s+able\s+to"
    r"|would\s+it\s+be\s+possible\s+to|sorry\s+to\s+bother\s+you(?:\s+but)?)\s+)+"
)
_POLITE_END = re.compile(r"(?:\s+(?:please|pls|plz))+$")


def _words(text: str) -> list[str]:
    """A part's words, without case, punctuation and politeness at its edges."""
    words = " ".join(re.findall(r"[a-z0-9]+", text.lower()))
    return _POLITE_END.sub("", _POLITE_OPENING.sub("", words)).split()


def _plan(planner: Planner, text: str) -> list[tuple[str, str]]:
    plan = planner.plan(text, turn=1, context={})
    return [(subtask["specialist"] or NONE, subtask["task"]) for subtask in plan.subtasks]


def evaluate(planner: Planner, rows: Sequence[CompoundRow]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Figures for ``rows`` and the rows the planner got wrong (expected and planned parts)."""
    exact = parts = oracle = singles = split_singles = 0
    timings: list[float] = []
    failures: list[dict[str, Any]] = []
    for row in rows:
        started = time.perf_counter()
        planned = _plan(planner, row.text)
        timings.append((time.perf_counter() - started) * 1000)
        same_routes = [s for s, _ in planned] == [s for s, _ in row.parts]
        same_parts = same_routes and all(
            _words(got) == _words(want) for (_, got), (_, want) in zip(planned, row.parts, strict=True)
        )
        exact += same_routes
        if len(row.parts) == 1:
            singles += 1
            split_singles += len(planned) > 1
        parts += same_parts
        oracle += all(
            (planner.route_clause(text).route or NONE) == specialist for specialist, text in row.parts
        )
        if not same_parts:
            failures.append({"text": row.text, "expected": row.parts, "planned": planned})
    figures = {
        "n": len(rows),
        "exact_match": round(exact / len(rows), 4),
        "parts_exact": round(parts / len(rows), 4),
        "routing_oracle": round(oracle / len(rows), 4),
        # the false-split rate: rows asking one specialist for one thing that the plan splits
        "single_split": round(split_singles / singles, 4) if singles else 0.0,
        "p50_ms": round(statistics.median(timings), 3),
    }
    return figures, failures


# The shapes of the brief, over CLINC150 val requests ({0}, {1}, {2}: parts; capitalised with "^").
JOINS = {
    "list": "{0}, {1} and {2}",
    "as well as": "{0} as well as {1}",
    "plus": "{0} plus {1}",
    "after that": "{0}. After that, {1}",
    "then": "{0}, then {1}",
    "; also": "{0}; also {1}",
    "besides": "{0}. Besides, {1}",
    "on top of that": "{0}. On top of that, {1}",
    "in addition": "{0}; in addition, {1}",
    "and then": "{0} and then {1}",
    "questions": "^{0}? ^{1}?",
    "bullets": "- {0}\n- {1}\n- {2}",
    "numbered": "1. {0} 2. {1} 3. {2}",
    "lines": "^{0}\n^{1}",
    "and": "{0} and {1}",
}
# Shapes added in session 14 (reported apart, so the first fifteen's mean stays comparable): requests
# typed one after another without punctuation, a polite wrapper, a lead-in, thanks before the asks.
MORE_JOINS = {
    "run-on": "{0} {1}",
    "run-on three": "{0} {1} {2}",
    "polite wrapper": "If it's not too much trouble, could you tell me {0} and {1}?",
    "lead-in": "Please do three things: {0}, {1}, and {2}",
    "thanks first": "Thanks for your help earlier. ^{0}? Also, {1}",
    "? also": "^{0}? Also {1}.",
}


def clinc_compounds(
    data: Path, *, per_join: int = 40, seed: int = 0, joins: dict[str, str] = JOINS
) -> dict[str, list[LabelledRow]]:
    """Compounds of CLINC150 val requests from different domains, ``per_join`` for each shape."""
    rows = [row for row in read_labelled(data / "val.jsonl", "domain") if row.labels[0] != "oos"]
    rng = random.Random(seed)
    built: dict[str, list[LabelledRow]] = {}
    for name, template in joins.items():
        parts = 3 if "{2}" in template else 2
        built[name] = []
        while len(built[name]) < per_join:
            chosen = rng.sample(rows, parts)
            if len({row.labels[0] for row in chosen}) < parts:
                continue
            text = template
            for index, row in enumerate(chosen):
                text = text.replace(f"^{{{index}}}", row.text[:1].upper() + row.text[1:])
                text = text.replace(f"{{{index}}}", row.text)
            labels = tuple(row.labels[0] for row in chosen)
            built[name].append(LabelledRow(text, labels, line=len(built[name]) + 1))
    return built


def clinc_figures(data: Path) -> dict[str, dict[str, float]]:
    """Exact match (domains) per shape on CLINC150 compounds, with the router fit on train: the
    first fifteen shapes and (``more``) those added later, each with its mean."""
    router = fit_router(data / "train.jsonl", "domain", oos_label="oos")
    figures: dict[str, dict[str, float]] = {}
    for key, joins, seed in (("clinc150_compounds", JOINS, 0), ("clinc150_more_shapes", MORE_JOINS, 1)):
        shapes = {
            name: evaluate_decomposition(router, rows, oos_label="oos")["exact_match"]
            for name, rows in clinc_compounds(data, seed=seed, joins=joins).items()
        }
        figures[key] = {**shapes, "mean": round(statistics.mean(shapes.values()), 4)}
    singles = [row.text for row in read_labelled(data / "val.jsonl", "domain")]
    figures["clinc150_single_val"] = {"n": len(singles), "split": single_split_rate(router, singles)}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DATA, help="the requests file (default: beside this)")
    parser.add_argument("--failures", action="store_true", help="print the rows planned wrong")
    parser.add_argument(
        "--clinc", action="store_true", help="also CLINC150 compounds of each shape (../shared/data/clinc150)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        sets = read_rows(args.data)
    except DatasetError as exc:
        print(f"compound planning benchmark: {exc}", file=sys.stderr)
        return 2
    planner = demo_planner()
    results = {name: evaluate(planner, rows) for name, rows in sets.items()}
    output: dict[str, Any] = {name: figures for name, (figures, _) in results.items()}
    if args.clinc:
        clinc = clinc150_dir(needs="val.jsonl")
        if clinc is None:
            print("compound planning benchmark: no ../shared/data/clinc150 for --clinc", file=sys.stderr)
            return 2
        output.update(clinc_figures(clinc))
    if args.json:
        print(json.dumps(output))
    else:
        for name, figures in output.items():
            print(f"{name:10s} " + "  ".join(f"{k}={v}" for k, v in figures.items()))
    if args.failures:
        for name, (_, failures) in results.items():
            for failure in failures:
                print(f"[{name}] {json.dumps(failure)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
