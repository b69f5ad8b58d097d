"""``crewline learn check | run | history | rollback``: a crew's router learns from its experiences.

``check`` reports the training data's quality (per-label counts, duplicates, conflicting
near-duplicates, thin labels, a verdict); ``run`` fits a candidate router from the crew's examples and
its accepted experiences and promotes it only when the gate says it is better on the frozen
evaluation set (:mod:`crewline.nodes.learning.train`); ``history`` lists every version with its
figures; ``rollback`` restores an earlier one (or ``base``, the crew's own router). A running crew
follows the current version without a restart. Exit codes: 0 done (a rejected candidate included:
the gate worked), 2 bad input or refused data, 1 anything else.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from crewline.settings import CrewlineSettings

if TYPE_CHECKING:
    from crewline.memory.learning.registry import RouterRegistry

__all__ = ["register"]


def _spec(args: argparse.Namespace, settings: CrewlineSettings) -> Any:
    from crewline.graphs import load_spec

    return load_spec(args.crew or settings.crew)


def cmd_check(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.commands.learn_data import crew_examples, experiences_of
    from crewline.memory.learning.noise import label_noise
    from crewline.memory.learning.quality import by_label_kind, check_examples
    from crewline.memory.learning.store import open_experience_store
    from crewline.nodes.learning.train import training_examples

    spec = _spec(args, settings)
    experiences = by_label_kind(experiences_of(open_experience_store(), spec.name))
    reports = {
        "route": check_examples([*training_examples(crew_examples(spec)), *experiences.get("route", [])]),
    }
    if experiences.get("injection"):
        reports["injection"] = check_examples(experiences["injection"])
    noise = label_noise(experiences.get("route", []))
    verdicts = [r.verdict for r in reports.values()] + (["warn"] if noise.noisy() else [])
    overall = "fail" if "fail" in verdicts else "warn" if "warn" in verdicts else "pass"
    summary = {
        "crew": spec.name,
        "verdict": overall,
        "experiences": {kind: len(found) for kind, found in experiences.items()},
        "labels": {kind: report.as_dict() for kind, report in reports.items()},
        "label_noise": {
            **noise.as_dict(),
            "noisy": noise.noisy(),
            "summary": noise.describe(),
            # per route the planner chose: [clauses, labelled otherwise, expected] (where the flips are)
            "by_route": {route: list(figures) for route, figures in noise.by_route.items()},
            # corrections that agree with each other, left out of the count: "planned -> label": n
            "consistent": noise.consistent,
        },
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        for kind, report in reports.items():
            console.print(f"[bold]{kind} labels[/bold]: {report.verdict}", highlight=False)
            for label, count in report.counts.items():
                print(f"  {label:<24} {count}")
            for reason in report.reasons:
                print(f"  - {reason}")
        flag = " (looks flipped: learn run would reject it)" if noise.noisy() else ""
        print(f"label noise: {noise.describe()}{flag}")
        print(f"verdict: {overall}")
    return 0 if overall != "fail" else 1


def _guard_eval(path: str | None) -> list[Any]:
    """The injection detector's frozen evaluation rows: ``--guard-eval``, else the guard corpus the
    project measures detectors on (``../shared/data/guard/injection_dev.jsonl``) when present."""
    from crewline.errors import UsageError
    from crewline.evals.datasets import DatasetError, shared_data_dir
    from crewline.evals.injection import labelled
    from crewline.nodes.learning.detector import LabelledText

    if path is None:
        shared = shared_data_dir()
        found = shared / "guard" / "injection_dev.jsonl" if shared is not None else None
        if found is None or not found.is_file():
            return []
        source = found
    else:
        source = Path(path)
    try:
        texts, labels = labelled(source)
    except (DatasetError, OSError) as exc:
        raise UsageError(f"--guard-eval {source}: {exc}") from None
    return [LabelledText(t, bool(y)) for t, y in zip(texts, labels, strict=True)]


def _router_update(args: argparse.Namespace, spec: Any, registry: Any, experiences: list[Any]) -> Any:
    from crewline.commands.learn_data import crew_examples, crew_planner, default_eval_file, read_eval_rows
    from crewline.nodes.learning.planning import planner_routing
    from crewline.nodes.learning.train import LearnOptions, learn_router_locked

    base = crew_examples(spec)
    eval_file = Path(args.eval) if args.eval else default_eval_file(spec)
    rows = read_eval_rows(eval_file, set(base)) if eval_file is not None else []
    options = LearnOptions(
        holdout=args.holdout,
        margin=args.margin,
        routing=planner_routing(crew_planner(spec)),  # measured as the crew routes: clauses, semantic stage
        out_of_scope=() if args.no_background_oos else None,  # None: the generic background requests
        noise_z=LearnOptions().noise_z if args.noise_z is None else (args.noise_z or None),  # 0: no test
    )
    return learn_router_locked(registry, base, rows, experiences, options)


def _summary(record: Any) -> dict[str, Any]:
    return {
        "version": record.version,
        "status": record.status,
        "reason": record.reason,
        "candidate": record.figures,
        "current": {"version": record.baseline_version, **record.baseline},
        "train_rows": record.train_rows,
        "eval_rows": record.eval_rows,
        **({"checks": record.checks} if record.checks else {}),
    }


def cmd_run(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.commands.learn_data import crew_examples, experiences_of
    from crewline.memory.learning.registry import LearningError, RouterRegistry
    from crewline.memory.learning.store import open_experience_store
    from crewline.nodes.learning.detector import detector_registry, learn_detector

    spec = _spec(args, settings)
    experiences = experiences_of(open_experience_store(), spec.name)
    registry = RouterRegistry(spec.name)
    injection = [e for e in experiences if e.kind == "injection"]
    summary: dict[str, Any] = {"crew": spec.name}
    # one lock for the crew across both updates: a second learn run (or a rollback) is refused whole
    with registry.exclusive():
        if injection and not any(e.kind == "route" for e in experiences):
            router = None  # only injection labels: the router has nothing to learn, the detector has
        else:
            router = _router_update(args, spec, registry, experiences)
            summary.update(_summary(router.record))
            summary["data"] = router.quality.verdict
            summary["dropped_experiences"] = router.dropped
            summary["label_noise"] = router.noise.describe()
        if injection:
            try:
                detector = learn_detector(
                    detector_registry(spec.name),
                    injection,
                    _guard_eval(args.guard_eval),
                    benign=[text for texts in crew_examples(spec).values() for text in texts],
                    spec=spec.guards.detector,
                    holdout=args.holdout,
                    margin=args.margin,
                )
            except LearningError as exc:
                if router is None:
                    raise
                summary["injection_detector"] = {"status": "not fit", "reason": str(exc)}
            else:
                summary["injection_detector"] = _summary(detector.record)
    if args.json:
        print(json.dumps(summary))
        return 0
    parts = [("router", summary)] if router is not None else []
    if isinstance(summary.get("injection_detector"), dict):
        parts.append(("injection detector", summary["injection_detector"]))
    for name, part in parts:
        console.print(f"{name} {part.get('version', '')}: {part['reason']}", highlight=False)
        for metric, value in part.get("candidate", {}).items():
            before = part["current"].get(metric, float("nan"))
            print(f"  {metric:<22} {before:.3f} -> {value:.3f}")
        if "label_noise" in part and part["label_noise"] not in part["reason"]:
            print(f"  {part['label_noise']}")
    return 0


def _when(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")


def cmd_history(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from dataclasses import asdict

    from crewline.memory.learning.registry import BASE

    spec = _spec(args, settings)
    registry = _versions_of(args, spec.name)
    versions = registry.history()
    current = registry.current_version() or BASE
    if args.json:
        print(
            json.dumps(
                {
                    "crew": spec.name,
                    "current": current,
                    "versions": [asdict(v) for v in versions],
                    "events": registry.events(),
                }
            )
        )
        return 0
    table = Table("version", "status", "created", "accuracy (crew eval / experiences)", "reason")
    for v in versions:
        figures = f"{v.figures.get('crew_eval_accuracy', '-')} / {v.figures.get('experience_accuracy', '-')}"
        mark = " *" if v.version == current else ""
        table.add_row(v.version + mark, v.status, _when(v.created), figures, v.reason)
    Console(soft_wrap=True).print(table)
    print(f"current: {current}")
    return 0


def _versions_of(args: argparse.Namespace, crew: str) -> RouterRegistry:
    """The versions ``--detector`` asks for: the crew's learned injection detector, else its router."""
    from crewline.memory.learning.registry import RouterRegistry
    from crewline.nodes.learning.detector import detector_registry

    return detector_registry(crew) if args.detector else RouterRegistry(crew)


def cmd_rollback(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.memory.learning.registry import RouterRegistry

    spec = _spec(args, settings)
    # the crew's one lock (a learn run updates the router and the detector under it)
    with RouterRegistry(spec.name).exclusive("rollback"):
        restored = _versions_of(args, spec.name).rollback(args.to)
    print(
        json.dumps(
            {"crew": spec.name, "kind": "detector" if args.detector else "router", "current": restored}
        )
    )
    return 0


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), not {value:g}")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value:g}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    learn = sub.add_parser("learn", help="learn a crew's router from its experiences, gated by evaluation")
    actions = learn.add_subparsers(dest="learn_command", required=True)
    crew_help = "builtin crew name (support) or a crew spec YAML path"

    check = actions.add_parser("check", help="the training data's quality and a verdict")
    check.add_argument("--crew", help=crew_help)
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=cmd_check)

    run = actions.add_parser("run", help="fit a candidate router; promote it only if the gate passes")
    run.add_argument("--crew", help=crew_help)
    run.add_argument("--eval", metavar="PATH", help="JSONL evaluation rows (default: <spec>.eval.jsonl)")
    run.add_argument("--holdout", type=_share, default=0.3, help="experiences held back for evaluation")
    run.add_argument("--margin", type=_share, default=0.01, help="largest drop allowed on a guarded metric")
    out_of_scope = run.add_mutually_exclusive_group()
    out_of_scope.add_argument(
        "--background-oos",
        action="store_true",
        help="the candidate learns out of scope as a class of its own from generic requests (the default; "
        "kept for scripts)",
    )
    out_of_scope.add_argument(
        "--no-background-oos",
        action="store_true",
        help="the candidate's out-of-scope threshold comes from its examples alone (people's varied "
        "words then lower it)",
    )
    run.add_argument(
        "--noise-z",
        type=_non_negative,
        help="reject labels that contradict the planner's confident routes more than this many standard "
        "deviations over what its confidence predicts (flipped labels; default 2); 0: no test",
    )
    run.add_argument(
        "--guard-eval",
        metavar="PATH",
        help="JSONL {text, label: injection|benign}: the injection detector's frozen evaluation rows "
        "(default: ../shared/data/guard/injection_dev.jsonl when present)",
    )
    run.add_argument("--json", action="store_true")
    run.set_defaults(handler=cmd_run)

    history = actions.add_parser("history", help="every version with its figures")
    history.add_argument("--crew", help=crew_help)
    history.add_argument("--json", action="store_true")
    history.add_argument("--detector", action="store_true", help="the learned injection detector's versions")
    history.set_defaults(handler=cmd_history)

    rollback = actions.add_parser("rollback", help="restore an earlier version (default: the previous one)")
    rollback.add_argument("--crew", help=crew_help)
    rollback.add_argument("--to", metavar="VERSION", help="a promoted version (v0003) or base")
    rollback.add_argument("--detector", action="store_true", help="roll back the learned injection detector")
    rollback.set_defaults(handler=cmd_rollback)
