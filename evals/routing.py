"""Route labelled requests: accuracy, out-of-scope recall and precision, latency and fit time.

``crewline eval routing --train T.jsonl --test X.jsonl --label-field intent [--val V.jsonl]``. Rows are
``{"text": ..., "<label-field>": ...}``; the label ``oos`` (``--oos-label``) marks out-of-scope rows,
which may appear in every file: in training they teach what is out of scope (and, from 20 of them
on, set the threshold for ``--oos-recall`` on their cross-fitted scores), in validation they set the
threshold instead, in test they are what ``oos_recall`` counts.
``accuracy`` is over in-scope test rows (predicting out of scope for one counts as wrong);
``oos_precision`` is the share of rows predicted out of scope that are. Latency is one request at a
time. A test or validation label the training data does not have is an error naming its line.

``--shots K [--seed S]`` measures routing from a handful of examples, as a crew is built: K training
rows per label, drawn at random (the same rows for the same seed), and no out-of-scope rows (a crew
has none; the router then sets its threshold from its own examples, ``crewline.nodes.planning.fewshot``).
``--label-descriptions`` adds each label's name (``exchange_rate`` -> "exchange rate") as one more
example, as a crew's specialist description is. ``--router cascade`` routes with the semantic
cascade (``crewline[semantic]``): the lexical router, and MiniLM for the clauses it is least sure of.
``--sub-label-field F`` fits each row's ``F`` (an intent inside a domain) as a sub-route of its route
(``crewline.nodes.planning.sub_routes``); ``--shots K`` then draws K rows per sub-label.
``--group-field F`` also reports ``group``: the routes' answers mapped to each row's coarser label
``F`` (a domain: ``--label-field intent --group-field domain``), out of scope decided once by the
route router (``crewline.nodes.planning.group_router``); the test rows need ``F`` too.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from crewline import json_input
from crewline.evals.datasets import DatasetError, iter_lines
from crewline.nodes.planning.router import Router

__all__ = [
    "LabelledRow",
    "add_arguments",
    "draw_shots",
    "evaluate_routing",
    "fit_router",
    "label_descriptions",
    "read_labelled",
    "run",
    "sample_shots",
    "semantic_router",
]


class _Routed(Protocol):
    @property
    def route(self) -> str | None: ...


class _RoutesText(Protocol):  # the lexical router, or any protocol router (a cascade)
    def route(self, text: str) -> _Routed: ...


@dataclass(frozen=True)
class LabelledRow:
    text: str
    labels: tuple[str, ...]  # one label, or the parts' labels in order for a compound row
    line: int


def _label(value: Any, where: str, field: str) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise DatasetError(f"{where}: {field!r} must be a non-empty string")
    return str(value).strip()


def read_labelled(path: str | Path, field: str, *, compound: bool = False) -> list[LabelledRow]:
    """Rows of ``{"text", field}`` (and with ``compound``, ``{"text", field + "s": [...]}``)."""
    path = Path(path)
    plural = f"{field}s"
    rows: list[LabelledRow] = []
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json_input.loads(line)  # depth-limited: one line, not a RecursionError
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise DatasetError(f"{where}: expected a JSON object, got {type(row).__name__}")
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            raise DatasetError(f"{where}: 'text' must be a non-empty string")
        if compound and plural in row:
            parts = row[plural]
            if not isinstance(parts, list) or not parts:
                raise DatasetError(f"{where}: {plural!r} must be a non-empty list of labels")
            labels = tuple(_label(p, where, plural) for p in parts)
        elif field in row:
            labels = (_label(row[field], where, field),)
        else:
            wanted = f"{field!r} or {plural!r}" if compound else repr(field)
            raise DatasetError(f"{where}: missing field {wanted}")
        rows.append(LabelledRow(text, labels, number))
    if not rows:
        raise DatasetError(f"{path}: no rows")
    return rows


def check_known(rows: Sequence[LabelledRow], known: set[str], path: str | Path, train: str | Path) -> None:
    """A label the router was not trained on can never be predicted: name the first such row."""
    for row in rows:
        for label in row.labels:
            if label not in known:
                raise DatasetError(f"{path}:{row.line}: label {label!r} does not occur in {train}")


def fit_router(
    train_path: str | Path,
    field: str,
    *,
    oos_label: str,
    train: Sequence[LabelledRow] | None = None,
    oos_recall: float | None = None,
    sublabel_of: dict[int, str] | None = None,
    dense_weight: float | None = None,
) -> Router:
    """A router fit on the single-label rows of ``train_path`` (compound rows are skipped).

    With ``oos_recall`` and enough ``oos_label`` rows, the fit sets the threshold for that recall on
    those rows' cross-fitted scores (see ``Router``); ``None`` keeps the scores' scale default, which routes
    more in-scope requests right and sends fewer out-of-scope ones to *none*. ``sublabel_of``: a finer
    label by row line (a domain's intent), fit as the routes' sub-routes. ``dense_weight``: the
    word-vector block's weight (``Router``; ``None``: the router's own choice).
    """
    rows = train if train is not None else read_labelled(train_path, field)
    singles = [row for row in rows if len(row.labels) == 1]
    in_scope = [row for row in singles if row.labels[0] != oos_label]
    if len(in_scope) < 2:
        raise DatasetError(
            f"{train_path}: {len(in_scope)} in-scope training row(s); a router needs at least 2"
        )
    sublabels = None if sublabel_of is None else [sublabel_of.get(r.line, "") for r in singles]
    return Router(oos_recall=oos_recall, dense_weight=dense_weight).fit_rows(
        [r.text for r in singles], [r.labels[0] for r in singles], oos_label=oos_label, sublabels=sublabels
    )


def sample_shots(rows: Sequence[LabelledRow], shots: int, *, seed: int, oos_label: str) -> list[LabelledRow]:
    """``shots`` single-label rows per in-scope label (all of a label's rows when it has fewer),
    drawn with ``seed``; out-of-scope and compound rows are left out. Labels keep their first-seen
    order and each label's draw does not depend on the others'."""
    by_label: dict[str, list[LabelledRow]] = {}
    for row in rows:
        if len(row.labels) == 1 and row.labels[0] != oos_label:
            by_label.setdefault(row.labels[0], []).append(row)
    sampled: list[LabelledRow] = []
    for label, labelled in by_label.items():
        draw = random.Random(f"{seed}:{label}")
        sampled += sorted(draw.sample(labelled, min(shots, len(labelled))), key=lambda r: r.line)
    return sampled


def label_descriptions(rows: Sequence[LabelledRow]) -> list[LabelledRow]:
    """One row per label whose text is the label's name in words: a specialist's description."""
    labels = dict.fromkeys(row.labels[0] for row in rows if len(row.labels) == 1)
    return [LabelledRow(label.replace("_", " ").replace("-", " "), (label,), 0) for label in labels]


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def evaluate_routing(
    router: _RoutesText,
    rows: Sequence[LabelledRow],
    *,
    oos_label: str,
    examples: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The figures; ``examples``, when given, receives each row's label, route and confidence (for
    ``--report``)."""
    timings: list[float] = []
    correct = in_scope = oos_hit = oos_total = predicted_oos = 0
    for row in rows:
        started = time.perf_counter()
        score = router.route(row.text)
        timings.append((time.perf_counter() - started) * 1000)
        label = row.labels[0]
        if examples is not None:
            confidence = getattr(score, "confidence", None)
            examples.append(
                {
                    "text": row.text,
                    "label": label,
                    "route": score.route or oos_label,
                    "confidence": confidence,
                }
            )
        predicted_oos += score.route is None
        if label == oos_label:
            oos_total += 1
            oos_hit += score.route is None
        else:
            in_scope += 1
            correct += score.route == label
    return {
        "n": len(rows),
        "accuracy": round(correct / in_scope, 4) if in_scope else None,
        "oos_recall": round(oos_hit / oos_total, 4) if oos_total else None,
        "oos_precision": round(oos_hit / predicted_oos, 4) if predicted_oos else None,
        "p50_ms": round(statistics.median(timings), 4),
        "p99_ms": round(_percentile(timings, 0.99), 4),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train", required=True, help="JSONL rows to fit the router on")
    parser.add_argument("--test", required=True, help="JSONL rows to measure on")
    parser.add_argument("--label-field", default="intent", help="the row field holding the route")
    parser.add_argument("--val", help="JSONL rows to calibrate the threshold and temperature on")
    parser.add_argument("--oos-label", default="oos", help="the label of out-of-scope rows (default oos)")
    parser.add_argument(
        "--oos-recall",
        type=float,
        default=0.8,
        help="out-of-scope recall the threshold is set for, on --val or held-out train rows (default 0.8)",
    )
    parser.add_argument(
        "--sub-label-field",
        help="a finer label inside each route (e.g. intent inside domain), fit as sub-routes; "
        "--shots then draws K rows per sub-label",
    )
    parser.add_argument(
        "--group-field",
        help="a coarser label for each route (e.g. domain over intent): also report the answers "
        "mapped to it, as 'group'",
    )
    parser.add_argument(
        "--shots", type=int, help="fit on this many training rows per label (no out-of-scope rows)"
    )
    parser.add_argument("--seed", type=int, default=0, help="which rows --shots draws (default 0)")
    parser.add_argument(
        "--label-descriptions",
        action="store_true",
        help="also fit on each label's name, as a specialist's description",
    )
    parser.add_argument(
        "--router",
        choices=("lexical", "cascade"),
        default="lexical",
        help="cascade: the lexical router, then MiniLM for its least certain requests (semantic extra)",
    )


def run(args: argparse.Namespace, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The figures; ``details``, when given, receives the per-row results (``crewline eval --report``)."""
    if not 0 < args.oos_recall <= 1:
        raise DatasetError("--oos-recall must be in (0, 1]")
    if args.shots is not None and args.shots < 1:
        raise DatasetError("--shots must be at least 1")
    train = read_labelled(args.train, args.label_field)
    test = read_labelled(args.test, args.label_field)
    val = read_labelled(args.val, args.label_field) if args.val else []
    sub_field = getattr(args, "sub_label_field", None)
    sublabel_of = None
    if sub_field:
        sublabel_of = {row.line: row.labels[0] for row in read_labelled(args.train, sub_field)}
    if args.shots is not None:
        train = draw_shots(train, args.shots, args.seed, args.oos_label, sublabel_of)
    if args.label_descriptions:
        train = [*train, *label_descriptions(train)]
    router = fit_router(
        args.train,
        args.label_field,
        oos_label=args.oos_label,
        train=train,
        oos_recall=args.oos_recall,
        sublabel_of=sublabel_of,
    )
    known = {*router.routes, args.oos_label}
    check_known(test, known, args.test, args.train)
    if val:
        check_known(val, known, args.val, args.train)
        router.calibrate(
            [r.text for r in val],
            [r.labels[0] for r in val],
            oos_label=args.oos_label,
            oos_recall=args.oos_recall,
        )
    routing: _RoutesText = router
    if args.router == "cascade":
        routing = semantic_router(router, train, oos_label=args.oos_label, sublabel_of=sublabel_of)
    examples = None if details is None else details.setdefault("examples", [])
    figures = evaluate_routing(routing, test, oos_label=args.oos_label, examples=examples)
    figures["fit_s"] = round(router.fit_seconds, 3)
    group_field = getattr(args, "group_field", None)
    if group_field:
        figures["group"] = grouped_figures(args, routing, group_field)
    return figures


def group_of_routes(path: str | Path, label_field: str, group_field: str, oos_label: str) -> dict[str, str]:
    """Each in-scope label's group, from rows holding both fields; a label in two groups is an
    error naming its line (its answers could not be mapped)."""
    groups: dict[str, str] = {}
    labels = read_labelled(path, label_field)
    for row, grouped in zip(labels, read_labelled(path, group_field), strict=True):
        label, group = row.labels[0], grouped.labels[0]
        if label == oos_label:
            continue
        if groups.setdefault(label, group) != group:
            raise DatasetError(
                f"{path}:{row.line}: {label!r} is in group {group!r} here, {groups[label]!r} before"
            )
    return groups


def grouped_figures(args: argparse.Namespace, routing: _RoutesText, group_field: str) -> dict[str, Any]:
    """``routing``'s answers mapped to their group (``GroupRouter``), measured on the test rows'
    ``group_field``."""
    from crewline.nodes.planning.group_router import GroupRouter
    from crewline.nodes.planning.routing_protocol import LocalRouter
    from crewline.nodes.planning.routing_protocol import Router as ProtocolRouter

    group_of = group_of_routes(args.train, args.label_field, group_field, args.oos_label)
    # The lexical router answers in its own type; the cascade is a protocol router already.
    inner = LocalRouter(routing) if isinstance(routing, Router) else cast(ProtocolRouter, routing)
    test = read_labelled(args.test, group_field)
    check_known(test, {*group_of.values(), args.oos_label}, args.test, args.train)
    return evaluate_routing(GroupRouter(inner, group_of), test, oos_label=args.oos_label)


def draw_shots(
    rows: Sequence[LabelledRow], shots: int, seed: int, oos_label: str, sublabel_of: dict[int, str] | None
) -> list[LabelledRow]:
    """``shots`` rows per label, or per sub-label when there are sub-labels (a few examples of each
    kind of request a route spans), as ``sample_shots`` draws them."""
    if sublabel_of is None:
        return sample_shots(rows, shots, seed=seed, oos_label=oos_label)
    route_of = {row.line: row.labels[0] for row in rows}
    by_sub = [
        LabelledRow(row.text, (sublabel_of.get(row.line, row.labels[0]),), row.line)
        for row in rows
        if row.labels != (oos_label,)
    ]
    drawn = sample_shots(by_sub, shots, seed=seed, oos_label=oos_label)
    return [LabelledRow(row.text, (route_of[row.line],), row.line) for row in drawn]


def semantic_router(
    router: Router,
    train: Sequence[LabelledRow],
    *,
    oos_label: str,
    sublabel_of: dict[int, str] | None = None,
) -> _RoutesText:
    """The margin cascade over ``router`` and MiniLM fit on the same rows (its out-of-scope rows set
    the semantic threshold; ``sublabel_of``, as the lexical router takes it, gives MiniLM the routes'
    sub-routes); without the extra, ``SemanticUnavailable`` (one line, exit 2)."""
    from crewline.nodes.planning.margin_cascade import margin_cascade

    examples: dict[str, list[str]] = {}
    subs: dict[str, list[str]] = {}
    for row in train:
        if len(row.labels) == 1 and row.labels[0] != oos_label:
            examples.setdefault(row.labels[0], []).append(row.text)
            if sublabel_of is not None:
                subs.setdefault(row.labels[0], []).append(sublabel_of.get(row.line, row.labels[0]))
    oos = [row.text for row in train if row.labels == (oos_label,)]
    cascade = margin_cascade(router, examples, oos_examples=oos, sub_routes=subs or None)
    cascade.warm_up()  # load the model and calibrate now: the latency measured is per request
    return cascade
