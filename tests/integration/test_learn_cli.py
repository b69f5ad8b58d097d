"""``crewline feedback add`` and ``crewline learn`` as a user runs them: a turn recorded by
``crewline run``, feedback on it, a gated update the next ``crewline run`` routes with, history,
rollback, and one clear error (exit 2) for each kind of bad input."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from crewline.memory.learning.experiences import Clause, Feedback, Turn
from crewline.memory.learning.registry import RouterRegistry
from crewline.memory.learning.store import open_experience_store
from tests.support.cli import crewline

PLACES = [
    "station",
    "market",
    "airport",
    "gym",
    "pub",
    "beach",
    "cinema",
    "library",
    "park",
    "office",
    "bus stop",
    "museum",
    "stadium",
    "hotel",
    "car park",
]
# ways of asking the demo crew's specialists that its examples do not teach
TAUGHT = {
    "card_security": ["my plastic got nicked at the {p}", "someone pinched my plastic at the {p}"],
    "billing": ["what's the damage on my tab since the {p} trip"],
}


def _seed(data_dir: Path) -> None:
    """Turns people corrected, as ``crewline feedback add --route`` records them."""
    store = open_experience_store(f"sqlite:///{data_dir / 'experiences.sqlite'}")
    for route, templates in TAUGHT.items():
        for t, template in enumerate(templates):
            for place in PLACES:
                thread = f"seed-{route}-{t}-{place}"
                text = template.format(p=place)
                store.record_turn(
                    Turn(thread, 1, "support", text, (Clause(text, None, 0.3),), spec="support")
                )
                store.add_feedback(Feedback(thread, 1, route=route, recorded_at=time.time()))


def _last_route(result: str) -> str | None:
    route: str | None = json.loads(result)["subtasks"][0]["specialist"]
    return route


def test_feedback_on_a_recorded_turn_and_its_bad_input(crewline_data_dir: Path) -> None:
    ran = crewline(
        "run",
        "--json",
        "--thread",
        "t-1",
        "my plastic got nicked, mail me at jo@example.com",
        data_dir=crewline_data_dir,
    )
    assert ran.returncode == 0, ran.stderr
    added = crewline(
        "feedback",
        "add",
        "--thread",
        "t-1",
        "--route",
        "card_security",
        "--rating",
        "-1",
        "--note",
        "call jo@example.com",
        data_dir=crewline_data_dir,
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {"recorded": True, "thread_id": "t-1", "turn": 1, "crew": "support"}
    raw = b"".join(p.read_bytes() for p in crewline_data_dir.glob("experiences.sqlite*"))
    assert b"jo@example.com" not in raw  # the request and the note are pseudonymised
    for args, message in [
        (["--thread", "nope", "--rating", "1"], "unknown thread nope"),
        (["--thread", "t-1", "--route", "sales"], "'sales' is not a specialist of crew support"),
        (["--thread", "t-1", "--label", "spam"], "--label must be injection or benign"),
        (["--thread", "t-1", "--rating", "5"], "--rating must be -1, 0 or 1"),
    ]:
        bad = crewline("feedback", "add", *args, data_dir=crewline_data_dir)
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and message in bad.stderr, bad.stderr
    checked = crewline("learn", "check", "--json", data_dir=crewline_data_dir)
    report = json.loads(checked.stdout)
    assert report["experiences"] == {"route": 1}
    assert report["labels"]["route"]["counts"]["card_security"] >= 7
    # one labelled clause: too little to judge whether the labels look flipped
    assert report["label_noise"]["noise_z"] is None and report["label_noise"]["noisy"] is False


def test_learn_run_promotes_and_the_next_run_routes_with_it(crewline_data_dir: Path) -> None:
    before = crewline("run", "--json", "my plastic got nicked at the harbour", data_dir=crewline_data_dir)
    assert _last_route(before.stdout) != "card_security"
    _seed(crewline_data_dir)
    # this is the command line's flow (the gate's decisions: test_learning_gate.py); 45 templated
    # corrections teach two phrasings and may move one of the crew's 46 evaluation rows either way as
    # the planner changes, so the margin allows one row (2.2 points)
    learned = crewline("learn", "run", "--json", "--margin", "0.03", data_dir=crewline_data_dir)
    assert learned.returncode == 0, learned.stderr
    outcome = json.loads(learned.stdout)
    assert outcome["status"] == "promoted", outcome
    assert outcome["label_noise"].startswith("label noise not judged")  # seeded turns carry no plan
    assert outcome["candidate"]["experience_accuracy"] > outcome["current"]["experience_accuracy"]
    assert outcome["candidate"]["crew_eval_accuracy"] >= outcome["current"]["crew_eval_accuracy"] - 0.03
    after = crewline("run", "--json", "my plastic got nicked at the harbour", data_dir=crewline_data_dir)
    assert _last_route(after.stdout) == "card_security"

    history = json.loads(crewline("learn", "history", "--json", data_dir=crewline_data_dir).stdout)
    assert history["current"] == "v0001" and [v["status"] for v in history["versions"]] == ["promoted"]
    rolled = crewline("learn", "rollback", data_dir=crewline_data_dir)
    assert json.loads(rolled.stdout) == {"crew": "support", "kind": "router", "current": "base"}
    missing = crewline("learn", "rollback", "--to", "v0099", data_dir=crewline_data_dir)
    assert missing.returncode == 2 and "no version 'v0099'" in missing.stderr
    # (a crew routing with the restored version: tests/unit/test_learning_live.py)


def test_nothing_to_learn_and_a_second_run_at_once_are_refused(
    crewline_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = crewline("learn", "run", data_dir=crewline_data_dir)
    assert empty.returncode == 2 and "nothing to learn" in empty.stderr and "Traceback" not in empty.stderr
    _seed(crewline_data_dir)
    with RouterRegistry("support").exclusive():
        busy = crewline("learn", "run", data_dir=crewline_data_dir)
    assert busy.returncode == 2 and "in progress" in busy.stderr
    assert RouterRegistry("support").history() == []  # nothing half-written


def test_learn_run_rejects_labels_that_contradict_the_planners_sure_routes(crewline_data_dir: Path) -> None:
    """Every third label flipped on turns the planner routed surely: ``learn check`` warns and
    ``learn run`` keeps the candidate as rejected, naming the label noise."""
    store = open_experience_store(f"sqlite:///{crewline_data_dir / 'experiences.sqlite'}")
    for route, templates in TAUGHT.items():
        for t, template in enumerate(templates):
            for n, place in enumerate(PLACES):
                thread = f"sure-{route}-{t}-{place}"
                text = template.format(p=place)
                store.record_turn(
                    Turn(thread, 1, "support", text, (Clause(text, route, 0.95),), spec="support")
                )
                label = "refund" if n % 3 == 0 else route
                store.add_feedback(Feedback(thread, 1, route=label, recorded_at=time.time()))
    checked = json.loads(crewline("learn", "check", "--json", data_dir=crewline_data_dir).stdout)
    assert checked["verdict"] == "warn" and checked["label_noise"]["noisy"] is True
    assert checked["label_noise"]["by_route"]["card_security"][:2] == [30, 10]
    learned = crewline("learn", "run", "--json", data_dir=crewline_data_dir)
    outcome = json.loads(learned.stdout)
    reason = outcome["reason"]
    assert outcome["status"] == "rejected" and reason.startswith("rejected: label noise:"), outcome
    assert "--noise-z 0" in reason, reason
    assert outcome["checks"]["noise_disagreed"] == 15
    assert RouterRegistry("support").current_version() is None
