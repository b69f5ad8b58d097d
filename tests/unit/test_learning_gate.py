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


# requests none of the learners crew's specialists serves, written for this test (not the gate's set)
UNRELATED = [
    "book a dentist appointment for friday", "turn the heating down a notch", "who won the cup final",
    "play my running playlist", "how do i fix a dripping tap", "order sushi for two", "set an alarm for 7",
    "what's a good film for tonight", "my laptop won't turn on", "text mum that i'm running late",
    "how tall is the eiffel tower", "recipe for banana bread", "find a gym near the office",
    "when does the library close", "how do i reset my smart speaker", "is the pharmacy open sunday",
    "what's the capital of peru", "translate goodbye into italian", "walk the dog at noon reminder",
    "best route to the stadium", "tell me a fun fact about octopuses", "how many miles is a 10k",
    "spell necessary", "what's 15 times 17", "cheap flights to dublin in may",
]  # fmt: skip


def test_a_learned_router_declines_unrelated_requests_as_the_crews_own_router_did() -> None:
    """Corrections teach new words for the routes, and unrelated requests sharing them came in with
    them: the candidate fit on the experiences alone declined 17 of these 25 where the crew's router
    declines 22. Its threshold now keeps the current version's count on the gate's generic set."""
    from crewline.nodes.learning.out_of_scope import ERRANDS
    from crewline.nodes.planning.router import Router
    from crewline.nodes.planning.router_cache import fit_router

    registry = RouterRegistry("learners")
    result = learn_router(registry, BASE, CREW_ROWS, experiences())
    assert result.record.status == "promoted", result.record.reason
    assert result.record.figures["experience_accuracy"] >= result.record.baseline["experience_accuracy"] + 0.3
    _, artifact = registry.current()
    assert artifact is not None
    learned, own = Router.load(artifact), fit_router(BASE)

    def declined(router: Router, texts: list[str]) -> int:
        return sum(router.route(text).route is None for text in texts)

    assert declined(learned, UNRELATED) >= declined(own, UNRELATED) - 1
    checks = result.record.checks
    assert checks["oos_check_rows"] == len(ERRANDS)
    assert checks["oos_check_declined_candidate"] >= checks["oos_check_declined_current"]
    assert result.record.figures["out_of_scope_declined"] >= result.record.baseline["out_of_scope_declined"]


def test_the_out_of_scope_check_can_stop_a_candidate_and_never_promotes_one() -> None:
    guarded, checks = ["a"], ["declined"]
    fewer = decide({"a": 0.95, "declined": 0.60}, {"a": 0.90, "declined": 0.80}, guarded, checks=checks)
    assert not fewer.promote and "declined 0.800 -> 0.600" in fewer.reason
    # declining more and routing the same is no reason to promote: the threshold was set on that set
    same = decide({"a": 0.9, "declined": 0.9}, {"a": 0.9, "declined": 0.8}, guarded, checks=checks)
    assert not same.promote
