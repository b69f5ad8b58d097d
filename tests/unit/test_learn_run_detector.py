"""``crewline learn run`` with injection labels in the store: the injection detector is fit and
gated too, under the same lock, and reported beside the router's outcome; a guard evaluation file
that is not labelled rows is one line, exit 2."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from crewline.memory.learning.experiences import Clause, Feedback, Turn
from crewline.memory.learning.store import open_experience_store
from crewline.nodes.learning.detector import detector_registry
from tests.support.cli import crewline
from tests.unit.test_learn_detector import FROZEN, LEAKS, PASSWORD_HELP

CITIES = ["Leeds", "York", "Bath", "Derby"]


def _seed(data_dir: Path) -> None:
    """Requests people labelled injection or benign (``crewline feedback add --label``)."""
    store = open_experience_store(f"sqlite:///{data_dir / 'experiences.sqlite'}")
    for label, texts in (("injection", LEAKS), ("benign", PASSWORD_HELP)):
        for i, text in enumerate(texts):
            for city in CITIES:
                thread = f"{label}-{i}-{city}"
                request = f"{text} (from {city})"
                store.record_turn(
                    Turn(thread, 1, "support", request, (Clause(request, None, 0.2),), spec="support")
                )
                store.add_feedback(Feedback(thread, 1, label=label, recorded_at=time.time()))  # type: ignore[arg-type]


def _frozen_eval(data_dir: Path) -> Path:
    """The guard evaluation file ``--guard-eval`` reads: the frozen rows as {text, label}."""
    frozen = data_dir / "guard_eval.jsonl"
    frozen.write_text(
        "".join(
            json.dumps({"text": r.text, "label": "injection" if r.injection else "benign"}) + "\n"
            for r in FROZEN
        )
    )
    return frozen


def test_learn_run_fits_and_gates_the_injection_detector(crewline_data_dir: Path) -> None:
    _seed(crewline_data_dir)
    frozen = _frozen_eval(crewline_data_dir)
    ran = crewline("learn", "run", "--json", "--guard-eval", str(frozen), data_dir=crewline_data_dir)
    assert ran.returncode == 0, ran.stderr
    outcome = json.loads(ran.stdout)
    assert "version" not in outcome  # no route labels: the router had nothing to learn
    detector = outcome["injection_detector"]
    assert detector["status"] == "promoted", detector
    assert detector["candidate"]["experience_tpr"] > detector["current"]["experience_tpr"]
    assert detector_registry("support").current_version() == detector["version"]

    bad = crewline_data_dir / "bad.jsonl"
    bad.write_text('{"text": "hi", "label": "maybe"}\n')
    refused = crewline("learn", "run", "--guard-eval", str(bad), data_dir=crewline_data_dir)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "--guard-eval" in refused.stderr, (
        refused.stderr
    )
    assert len(detector_registry("support").history()) == 1  # nothing written by the refused run


def test_a_crew_screens_with_its_learned_detector_and_follows_a_rollback(crewline_data_dir: Path) -> None:
    from langchain_core.messages import HumanMessage
    from langgraph.checkpoint.memory import InMemorySaver

    from crewline import build_crew
    from crewline.nodes.guards import load_detector

    _seed(crewline_data_dir)
    frozen = _frozen_eval(crewline_data_dir)
    assert crewline("learn", "run", "--guard-eval", str(frozen), data_dir=crewline_data_dir).returncode == 0
    builtin = load_detector("builtin")
    missed = [t for t in LEAKS if builtin.score(t)[0] < builtin.threshold]
    assert missed, "the built-in detector catches every labelled leak: nothing to learn"
    crew = build_crew("support", checkpointer=InMemorySaver())

    def input_verdict(thread: str) -> str:
        config: Any = {"configurable": {"thread_id": thread}}
        state = crew.invoke({"messages": [HumanMessage(missed[0])]}, config)
        return next(v["action"] for v in state["verdicts"] if v["guard"] == "input_guard")

    assert input_verdict("learned") != "pass"  # the learned version screens what the built-in missed
    assert (
        crewline("learn", "rollback", "--detector", "--to", "base", data_dir=crewline_data_dir).returncode
        == 0
    )
    assert input_verdict("rolled-back") == "pass"  # the same crew, no rebuild: back on the built-in
