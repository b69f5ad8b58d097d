"""Crews that learn: does a gated update from people's corrections route new phrasings better without
losing what the crew could do, and is a poisoned stream of corrections stopped?

The requests (``learning_stream.yaml``, 199 written by hand for the demo crew in the words customers
use: slang, indirect, terse, long-winded, other vocabulary) are split by a hash of their text: about
40 % are **held out** (never replayed, never learned from) and measure the change; the rest are the
**stream**. Each stream request is sent to the demo crew (``build_crew("support")``, offline, its
experience recorder attached). A person decides every escalated turn: approve when the crew routed it
where they would, else reject and re-route it (the resume's ``route``); every other turn gets
feedback: ``--rating 1`` when routed right, ``--rating -1 --route NAME`` when not. ``learn run``
follows (the crew's own evaluation rows, ``graphs/crews/support.eval.jsonl``, are the original
evaluation set; 30 % of the experiences are held back by the gate). ``--record PATH`` writes how the
crew routed each stream request on its first run (``learning_stream_first_run.jsonl`` is seed 0's).

Routing accuracy is the planner's: every subtask of the request goes to the right specialist (the
crew's planner before learning: its lexical router and, with the ``semantic`` extra, the MiniLM
stage; after: the live router ``build_crew`` installs once the crew has learned).

**Poisoning**: the same stream with 30 % of the labels naming a wrong specialist, in a fresh data
directory; the gate's decision and figures are printed, and the original set's accuracy in service
(whatever version is current afterwards) against before.

    python -m crewline.evals.benchmarks.learning [--json] [--poison 0.3] [--held-out 0.4] [--lexical]
        [--seed N] [--record PATH]

``--seed`` names the stream's threads, and so which experiences the gate holds back (a hash of each
one's thread): one seed gives the same figures on every run; different seeds show how much the gate's
decision depends on which few dozen experiences it evaluates on.

``--lexical`` measures the planner without its semantic stage (the default install, without the
``semantic`` extra); the stream is replayed through the crew as built either way.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Phrasing", "load_phrasings", "main"]

STREAM = Path(__file__).with_name("learning_stream.yaml")
PHRASINGS = Path(__file__).with_name("learning_phrasings.yaml")  # the first slice's (mostly routed right)


@dataclass(frozen=True)
class Phrasing:
    text: str
    route: str
    style: str


def load_phrasings(path: Path = STREAM) -> list[Phrasing]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Phrasing(str(text), str(route), str(style))
        for route, styles in data.items()
        for style, texts in styles.items()
        for text in texts
    ]


def _flipped(route: str, routes: Sequence[str]) -> str:
    return routes[(list(routes).index(route) + 1) % len(routes)]


def _right(planner: Any, text: str, route: str | None) -> bool:
    routes = [s["specialist"] for s in planner.plan(text, turn=1, context={}).subtasks]
    return bool(routes) and all(r == route for r in routes)


def _accuracy(planner: Any, rows: Sequence[tuple[str, str | None]]) -> float:
    return round(sum(_right(planner, text, route) for text, route in rows) / len(rows), 4)


def _by_style(planner: Any, rows: Sequence[Phrasing]) -> dict[str, str]:
    """Right / rows per style (how the crew routes each way of asking)."""
    right: dict[str, int] = {}
    total: dict[str, int] = {}
    for row in rows:
        total[row.style] = total.get(row.style, 0) + 1
        right[row.style] = right.get(row.style, 0) + _right(planner, row.text, row.route)
    return {style: f"{right[style]}/{total[style]}" for style in total}


def _human(state: dict[str, Any], label: str) -> dict[str, Any] | None:
    """What the person deciding an escalated turn answers: approve when every part went to the
    route the person would choose, else reject the answer and name that route (a re-route)."""
    if not state.get("__interrupt__"):
        return None
    if all(s["specialist"] == label for s in state["subtasks"]) and state["subtasks"]:
        return {"decision": "approve", "by": "benchmark"}
    return {"decision": "reject", "message": f"passed to {label}", "route": label, "by": "benchmark"}


def _replay(stream: Sequence[Phrasing], labels: Sequence[str], seed: int) -> dict[str, Any]:
    """Send the stream to the demo crew; a person decides every escalated turn (approve, or re-route
    with the route they chose) and corrects the others with feedback (``--route`` when the crew
    routed it elsewhere, ``--rating 1`` when right). Returns how the crew did, request by request."""
    from langchain_core.messages import HumanMessage
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command

    from crewline import build_crew
    from crewline.memory.learning.recorder import ExperienceRecorder
    from crewline.memory.learning.store import open_experience_store
    from crewline.nodes.learning.feedback import record_feedback

    crew = build_crew("support", checkpointer=InMemorySaver())
    store = open_experience_store()
    recorder = ExperienceRecorder(store)
    first_run: list[dict[str, Any]] = []
    for index, (row, label) in enumerate(zip(stream, labels, strict=True)):
        # the gate holds experiences back by a hash of their thread: named by seed and place, the
        # split is the same on every run of one seed
        thread = f"learning-{seed}-{index}"
        config: Any = {
            "configurable": {"thread_id": thread},
            "callbacks": [recorder],
            "metadata": {"crew": "support"},
        }
        state = crew.invoke({"messages": [HumanMessage(row.text)]}, config)
        routes = [s["specialist"] for s in state["subtasks"]]
        escalation = state.get("escalation") or {}
        decision = _human(state, label)
        if decision is not None:
            crew.invoke(Command(resume=decision), config)
        elif routes and all(r == label for r in routes):
            record_feedback(thread, rating=1, actor="benchmark", store=store)
        else:
            record_feedback(thread, rating=-1, route=label, actor="benchmark", store=store)
        first_run.append(
            {
                "text": row.text,
                "route": row.route,
                "style": row.style,
                "routed": routes,
                "escalated": escalation.get("kind"),
                "decided": decision["decision"] if decision else None,
            }
        )
    return {
        "requests": len(stream),
        "escalated": sum(bool(r["escalated"]) for r in first_run),
        "misrouted": sum(not r["routed"] or any(x != r["route"] for x in r["routed"]) for r in first_run),
        "rerouted": sum(r["decided"] == "reject" for r in first_run),
        "first_run": first_run,
    }


def _scenario(
    stream: Sequence[Phrasing],
    labels: Sequence[str],
    held_out: Sequence[Phrasing],
    original: Sequence[Any],
    lexical: bool,
    seed: int,
    background_oos: bool = False,
) -> dict[str, Any]:
    from crewline.commands.learn_data import crew_examples, crew_planner, experiences_of
    from crewline.graphs import load_spec
    from crewline.memory.learning.registry import RouterRegistry
    from crewline.memory.learning.store import open_experience_store
    from crewline.nodes.learning.planning import follow_learned, planner_routing
    from crewline.nodes.learning.train import learn_router
    from crewline.nodes.planning.background import BACKGROUND

    spec = load_spec("support")
    test = [(p.text, p.route) for p in held_out]
    original_rows = [(r.text, r.route) for r in original]
    planner = crew_planner(spec)
    if lexical:  # the default install: no semantic stage
        planner.semantic = None
    before = {
        "held_out": _accuracy(planner, test),
        "original": _accuracy(planner, original_rows),
        "held_out_by_style": _by_style(planner, held_out),
    }
    replay = _replay(stream, labels, seed)
    started = time.perf_counter()
    result = learn_router(
        RouterRegistry("support"),
        crew_examples(spec),
        original,
        experiences_of(open_experience_store(), "support"),
        routing=planner_routing(planner),
        out_of_scope=list(BACKGROUND) if background_oos else (),
    )
    learn_s = round(time.perf_counter() - started, 2)
    follow_learned(planner, "support")  # what build_crew does for a crew that has learned
    after = {
        "held_out": _accuracy(planner, test),
        "original": _accuracy(planner, original_rows),
        "held_out_by_style": _by_style(planner, held_out),
    }
    record = result.record
    return {
        "stream": replay,
        "before": before,
        "after": after,
        "gate": {
            "status": record.status,
            "reason": record.reason,
            "candidate": record.figures,
            "current": record.baseline,
            "train_rows": record.train_rows,
            "eval_rows": record.eval_rows,
            "learn_s": learn_s,
        },
    }


def _in_fresh_data_dir(run: Any) -> dict[str, Any]:
    previous = os.environ.get("CREWLINE_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="crewline-learning-") as folder:
        os.environ["CREWLINE_DATA_DIR"] = folder
        try:
            figures: dict[str, Any] = run()
            return figures
        finally:
            if previous is None:
                os.environ.pop("CREWLINE_DATA_DIR", None)
            else:
                os.environ["CREWLINE_DATA_DIR"] = previous


def run(
    held_out_share: float = 0.4,
    poison: float = 0.3,
    lexical: bool = False,
    seed: int = 0,
    background_oos: bool = False,
) -> dict[str, Any]:
    from crewline.commands.learn_data import default_eval_file, read_eval_rows
    from crewline.graphs import load_spec
    from crewline.nodes.learning.train import held_back

    spec = load_spec("support")
    routes = [s.name for s in spec.specialists]
    eval_file = default_eval_file(spec)
    assert eval_file is not None, "graphs/crews/support.eval.jsonl is missing"
    original = read_eval_rows(eval_file, set(routes))
    phrasings = load_phrasings()
    held_out = [p for p in phrasings if held_back("heldout:" + p.text, held_out_share)]
    stream = [p for p in phrasings if not held_back("heldout:" + p.text, held_out_share)]
    honest = [p.route for p in stream]
    poisoned = [
        _flipped(p.route, routes) if held_back("poison:" + p.text, poison) else p.route for p in stream
    ]
    return {
        "planner": "lexical" if lexical else "lexical + semantic stage when installed",
        "seed": seed,
        "background_oos": background_oos,
        "phrasings": len(phrasings),
        "held_out": len(held_out),
        "stream": len(stream),
        "original_rows": len(original),
        "learning": _in_fresh_data_dir(
            lambda: _scenario(stream, honest, held_out, original, lexical, seed, background_oos)
        ),
        "poisoning": {
            "flipped": sum(a != b for a, b in zip(honest, poisoned, strict=True)),
            **_in_fresh_data_dir(
                lambda: _scenario(stream, poisoned, held_out, original, lexical, seed, background_oos)
            ),
        },
    }


def _print(figures: dict[str, Any]) -> None:
    oos = "; candidate learns out of scope from generic requests" if figures["background_oos"] else ""
    print(f"planner: {figures['planner']}; seed {figures['seed']}{oos}")
    print(
        f"{figures['phrasings']} phrasings: {figures['stream']} replayed, {figures['held_out']} held out; "
        f"original evaluation set {figures['original_rows']} rows"
    )
    for name in ("learning", "poisoning"):
        part = figures[name]
        gate = part["gate"]
        flipped = f" ({part['flipped']} corrections flipped)" if name == "poisoning" else ""
        print(f"\n{name}{flipped}: {gate['status']} ({gate['reason']})")
        stream = part["stream"]
        print(
            f"  stream: {stream['escalated']} of {stream['requests']} first answers escalated, "
            f"{stream['misrouted']} misrouted; {stream['rerouted']} re-routed by the person deciding"
        )
        for metric in ("held_out", "original"):
            print(f"  {metric:<9} accuracy {part['before'][metric]:.3f} -> {part['after'][metric]:.3f}")
        styles = (part["before"]["held_out_by_style"], part["after"]["held_out_by_style"])
        print(f"  held out by style: {styles[0]} -> {styles[1]}")
        print(f"  gate figures: candidate {gate['candidate']} vs current {gate['current']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--held-out", type=float, default=0.4, help="share of phrasings never replayed")
    parser.add_argument("--poison", type=float, default=0.3, help="share of corrections flipped")
    parser.add_argument("--lexical", action="store_true", help="measure without the semantic stage")
    parser.add_argument("--seed", type=int, default=0, help="names the stream's threads: the gate's split")
    parser.add_argument(
        "--background-oos",
        action="store_true",
        help="as learn run --background-oos: the candidate learns out of scope from generic requests",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--record", type=Path, help="write the stream's first-run routing here (JSONL)")
    args = parser.parse_args(argv)
    figures = run(args.held_out, args.poison, args.lexical, args.seed, args.background_oos)
    if args.record is not None:
        rows = figures["learning"]["stream"]["first_run"]
        args.record.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for part in ("learning", "poisoning"):
        figures[part]["stream"].pop("first_run")
    if args.json:
        print(json.dumps(figures))
    else:
        _print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
