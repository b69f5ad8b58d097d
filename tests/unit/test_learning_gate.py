"""The gated update: a candidate that routes new phrasings better is promoted, one trained on wrong
labels is rejected; versions are kept, listed and restored; bad input is refused."""

from __future__ import annotations

import pytest

from crewline.memory.learning.experiences import LabelledExample
from crewline.memory.learning.gate import decide
from crewline.memory.learning.registry import LearnBusy, LearningError, RouterRegistry
from crewline.nodes.learning.train import EvalRow, held_back, learn_router
from tests.support.learning import BASE, experiences

CREW_ROWS = [
    EvalRow("what's the weather in Paris", "weather"),
    EvalRow("will it rain in Madrid tomorrow", "weather"),
    EvalRow("how much do I owe this month", "billing"),
    EvalRow("what is my balance today", "billing"),
    EvalRow("dollar to euro exchange rate", "rates"),
    EvalRow("how many yen for a euro", "rates"),
]


def test_the_gate_promotes_only_a_candidate_better_somewhere_and_worse_nowhere() -> None:
    guarded = ["a", "b"]
    assert decide({"a": 0.9, "b": 0.8}, {"a": 0.9, "b": 0.5}, guarded).promote
    worse = decide({"a": 0.85, "b": 0.99}, {"a": 0.9, "b": 0.5}, guarded, margin=0.01)
    assert not worse.promote and "a 0.900 -> 0.850" in worse.reason
    assert not decide({"a": 0.9, "b": 0.5}, {"a": 0.9, "b": 0.5}, guarded).promote
    assert not decide({}, {}, guarded).promote


def _poisoned() -> list[LabelledExample]:
    """The training share of the experiences with wrong labels; the held-back share keeps the truth."""
    flipped = {e.key: e for e in experiences(flip=True)}
    return [e if held_back(e.key, 0.3) else flipped[e.key] for e in experiences()]


def test_a_candidate_that_learned_new_phrasings_is_promoted() -> None:
    registry = RouterRegistry("learners")
    result = learn_router(registry, BASE, CREW_ROWS, experiences())
    assert result.record.status == "promoted", result.record.reason
    figures, before = result.record.figures, result.record.baseline
    assert figures["experience_accuracy"] >= before["experience_accuracy"] + 0.3
    assert figures["crew_eval_accuracy"] >= before["crew_eval_accuracy"] - 0.01
    assert registry.current_version() == result.record.version == "v0001"
    assert (registry.folder / "versions" / "v0001.npz").is_file()


def test_a_candidate_trained_on_flipped_labels_is_rejected_and_kept() -> None:
    registry = RouterRegistry("learners")
    result = learn_router(registry, BASE, CREW_ROWS, _poisoned())
    assert result.record.status == "rejected"
    assert result.record.reason.startswith("rejected:")
    assert registry.current_version() is None  # the crew keeps its own router
    assert [v.status for v in registry.history()] == ["rejected"]


def test_history_and_rollback() -> None:
    registry = RouterRegistry("learners")
    first = learn_router(registry, BASE, CREW_ROWS, experiences()[::2]).record
    second = learn_router(registry, BASE, CREW_ROWS, experiences()).record
    assert first.status == "promoted", first.reason
    assert [v.version for v in registry.history()] == ["v0001", "v0002"]
    if second.status == "promoted":
        assert registry.rollback() == "v0001"
    assert registry.rollback() == "base"
    assert registry.current_version() is None
    assert registry.rollback("v0001") == "v0001"
    assert registry.current_version() == "v0001"
    with pytest.raises(LearningError, match="no version 'v0042'"):
        registry.rollback("v0042")
    actions = [e["action"] for e in registry.events()]
    assert actions.count("rollback") >= 2


def test_a_rejected_version_cannot_be_restored() -> None:
    registry = RouterRegistry("learners")
    learn_router(registry, BASE, CREW_ROWS, _poisoned())
    with pytest.raises(LearningError, match="rejected"):
        registry.rollback("v0001")
    with pytest.raises(LearningError, match="nothing to roll back"):
        registry.rollback()


def test_nothing_to_learn_is_refused() -> None:
    registry = RouterRegistry("learners")
    with pytest.raises(LearningError, match="no labelled experiences"):
        learn_router(registry, BASE, CREW_ROWS, [])
    # labels for routes the crew does not have teach nothing either
    strangers = [e.__class__(key=e.key, text=e.text, label="sales") for e in experiences()]
    with pytest.raises(LearningError, match="no labelled experiences"):
        learn_router(registry, BASE, CREW_ROWS, strangers)
    assert not registry.exists()  # nothing was written


def test_only_held_back_experiences_are_refused() -> None:
    registry = RouterRegistry("learners")
    held = [e for e in experiences() if held_back(e.key, 0.3)][:1]
    with pytest.raises(LearningError, match="held back"):
        learn_router(registry, BASE, CREW_ROWS, held)


def test_contradictory_training_data_is_refused_with_the_reason() -> None:
    registry = RouterRegistry("learners")
    both = experiences() + [e.__class__(key=e.key + "b", text=e.text, label="billing") for e in experiences()]
    with pytest.raises(LearningError, match="conflicting labels"):
        learn_router(registry, BASE, CREW_ROWS, both)


def test_a_second_learn_run_at_once_is_refused() -> None:
    registry = RouterRegistry("learners")
    with registry.exclusive(), pytest.raises(LearnBusy, match="in progress"):
        learn_router(RouterRegistry("learners"), BASE, CREW_ROWS, experiences())
    assert not registry.history()
