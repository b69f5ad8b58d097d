"""A promoted learned router is rolled back when its live figures (from the experience store) breach
the thresholds against the version it replaced, and kept when they do not."""

from __future__ import annotations

import time

import pytest

from crewline.memory.learning.experiences import Clause, Turn
from crewline.memory.learning.registry import RouterRegistry, VersionRecord
from crewline.memory.learning.rollout import RolloutThresholds
from crewline.memory.learning.router_watch import router_figures, watch_learned_router

LIMITS = RolloutThresholds(min_samples=10)


def _turns(start: float, count: int, *, out_of_scope: int = 0, rejected: int = 0) -> list[Turn]:
    turns = []
    for i in range(count):
        route = None if i < out_of_scope else "billing"
        decision = "reject" if i < rejected else None
        turns.append(
            Turn(
                f"t-{start}-{i}", 1, "learners", "owe?", (Clause("owe?", route, 0.9),),
                escalation_status="rejected" if decision else None, decision=decision,
                recorded_at=start + i * 0.001,
            )
        )  # fmt: skip
    return turns


def _promoted(registry: RouterRegistry) -> float:
    record = VersionRecord(version="", status="promoted", created=time.time(), reason="gate passed")
    before = time.time() - 50
    registry.add_version(record, lambda path: path.write_bytes(b"artifact"), promote=True)
    return before


def test_a_worse_learned_router_is_rolled_back_to_the_one_it_replaced() -> None:
    registry = RouterRegistry("learners")
    before = _promoted(registry)
    after = time.time() + 1
    turns = _turns(before, 30, out_of_scope=1) + _turns(after, 9, out_of_scope=9)
    assert watch_learned_router(registry, turns, LIMITS) is None  # 9 turns: under min_samples
    turns += _turns(after + 1, 1, out_of_scope=1)
    figures = router_figures(registry, turns)
    assert (figures["base"].interactions, figures["v0001"].interactions) == (30, 10)
    reason = watch_learned_router(registry, turns, LIMITS)
    assert reason is not None and reason.startswith(
        "automatic rollback of v0001 to base: out_of_scope_rate 1.000"
    )
    assert registry.current_version() is None  # base again
    assert registry.events()[-1]["reason"] == reason


def test_a_learned_router_within_the_thresholds_is_kept() -> None:
    registry = RouterRegistry("learners")
    before = _promoted(registry)
    after = time.time() + 1
    turns = _turns(before, 30, out_of_scope=3, rejected=1) + _turns(after, 30, out_of_scope=4, rejected=2)
    assert watch_learned_router(registry, turns, LIMITS) is None
    assert registry.current_version() == "v0001"
    # more human rejections than allowed: rolled back
    turns += _turns(after + 1, 20, rejected=20)
    reason = watch_learned_router(registry, turns, LIMITS)
    assert reason is not None and "rejection_rate" in reason


def test_a_crew_following_its_learned_router_rolls_a_worse_one_back_by_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uuid

    from langchain_core.messages import HumanMessage

    from crewline import build_crew
    from crewline.memory.learning import router_watch
    from crewline.memory.learning.store import open_experience_store
    from crewline.nodes.learning.train import EvalRow, learn_router
    from tests.support.learning import BASE, SPECIALISTS, experiences

    monkeypatch.setattr(router_watch, "_checked", {})
    store = open_experience_store()
    for turn in _turns(time.time() - 100, 30):  # the crew's own router: in scope, not escalated
        store.record_turn(turn)
    registry = RouterRegistry("learners")
    rows = [EvalRow("what's the weather in Paris", "weather"), EvalRow("how much do I owe", "billing")]
    assert learn_router(registry, BASE, rows, experiences()).record.status == "promoted"
    for turn in _turns(time.time() + 1, 20, out_of_scope=20):  # since the promotion: nothing in scope
        store.record_turn(turn)
    crew = build_crew("learners", specialists=SPECIALISTS)
    crew.invoke(
        {"messages": [HumanMessage("what's the weather in Oslo")]},
        {"configurable": {"thread_id": uuid.uuid4().hex}},
    )
    assert registry.current_version() is None  # back on the crew's own router
    assert registry.events()[-1]["reason"].startswith(
        "automatic rollback of v0001 to base: out_of_scope_rate"
    )


def test_answers_people_corrected_count_as_rejections_of_the_version_that_gave_them() -> None:
    """A confidently wrong route escalates nothing: only people's feedback shows it."""
    from crewline.memory.learning.experiences import Feedback

    registry = RouterRegistry("learners")
    before = _promoted(registry)
    after = time.time() + 1
    old, new = _turns(before, 30), _turns(after, 20)
    feedback = [Feedback(t.thread_id, 1, rating=1, recorded_at=after + 5) for t in old]
    # since the promotion people re-route half the answers and rate a quarter -1; the rest they confirm
    feedback += [Feedback(t.thread_id, 1, route="weather", recorded_at=after + 5) for t in new[:10]]
    feedback += [Feedback(t.thread_id, 1, rating=-1, recorded_at=after + 5) for t in new[10:15]]
    feedback += [Feedback(t.thread_id, 1, route="billing", recorded_at=after + 5) for t in new[15:]]
    figures = router_figures(registry, old + new, feedback)
    assert (figures["base"].rejections, figures["v0001"].rejections) == (0, 15)
    assert watch_learned_router(registry, old + new, LIMITS) is None  # the turns alone show nothing
    reason = watch_learned_router(registry, old + new, LIMITS, feedback)
    assert reason is not None and "rejection_rate 0.750 over 20 interactions" in reason
    assert registry.current_version() is None


def test_a_learned_router_whose_answers_fail_their_groundedness_check_is_rolled_back() -> None:
    """The recorder keeps the groundedness verdict of a turn, and the watch judges versions on it."""
    from crewline.memory.learning.recorder import turn_from_state

    state = {
        "turn": 1,
        "request": "owe?",
        "subtasks": [{"task": "owe?", "specialist": "billing", "confidence": 0.9, "status": "done"}],
        "verdicts": [
            {"guard": "input_guard", "action": "pass", "score": 0.0},
            {"guard": "groundedness", "action": "escalate", "score": 0.2},
            {"guard": "confidence_gate", "action": "pass", "score": 0.9},
        ],
    }
    recorded = turn_from_state(state, thread_id="t-g", crew="learners")
    assert recorded is not None
    assert [guard for guard, _, _ in recorded.verdicts] == ["input_guard", "groundedness"]

    registry = RouterRegistry("learners")
    before = _promoted(registry)
    after = time.time() + 1
    grounded = (("groundedness", "pass", 0.9),)

    def with_verdicts(turns: list[Turn], verdicts: tuple[tuple[str, str, float], ...]) -> list[Turn]:
        return [
            Turn(t.thread_id, 1, "learners", "owe?", t.clauses, verdicts=verdicts, recorded_at=t.recorded_at)
            for t in turns
        ]

    ungrounded = with_verdicts(_turns(after, 10), recorded.verdicts)
    # turns recorded before the recorder kept grounding verdicts: no comparison on that rate
    assert watch_learned_router(registry, _turns(before, 30) + ungrounded, LIMITS) is None
    turns = with_verdicts(_turns(before, 30), grounded) + ungrounded
    figures = router_figures(registry, turns)
    assert (figures["base"].ungrounded, figures["v0001"].ungrounded) == (0, 10)
    reason = watch_learned_router(registry, turns, LIMITS)
    assert reason is not None and "groundedness_failure_rate 1.000" in reason


def test_naming_the_route_a_turns_least_sure_clause_had_confirms_it() -> None:
    """Feedback names one route, for the clause the planner was least sure of (as labels read it)."""
    from crewline.memory.learning.experiences import Feedback

    registry = RouterRegistry("learners")
    _promoted(registry)
    after = time.time() + 1
    two_parts = [
        Turn(
            f"t-two-{i}", 1, "learners", "owe? and rain?",
            (Clause("owe?", "billing", 0.95), Clause("rain?", "weather", 0.6)), recorded_at=after + i * 0.001,
        )
        for i in range(20)
    ]  # fmt: skip
    confirmed = [Feedback(t.thread_id, 1, route="weather", recorded_at=after + 5) for t in two_parts]
    assert router_figures(registry, two_parts, confirmed)["v0001"].rejections == 0
    corrected = [Feedback(t.thread_id, 1, route="billing", recorded_at=after + 5) for t in two_parts]
    assert router_figures(registry, two_parts, corrected)["v0001"].rejections == 20


def test_two_unlucky_requests_over_twenty_turns_do_not_roll_an_honest_update_back() -> None:
    """Over 20 turns a rate moves by a tenth on two requests: the watch rolls back only an increase
    over the allowed one that chance does not explain (the demo stream's seed 5: out of scope 6 of 20
    turns against the crew's own router's 11 of 123 was rolled back, the update being honest)."""
    registry = RouterRegistry("learners")
    before = _promoted(registry)
    after = time.time() + 1
    turns = _turns(before, 123, out_of_scope=11) + _turns(after, 20, out_of_scope=6)
    assert watch_learned_router(registry, turns, RolloutThresholds()) is None
    assert registry.current_version() == "v0001"
    # a router that declines most requests is still rolled back at the 20th turn
    broken = _turns(before, 123, out_of_scope=11) + _turns(after, 20, out_of_scope=13)
    reason = watch_learned_router(registry, broken, RolloutThresholds())
    assert reason is not None and "out_of_scope_rate 0.650 over 20 interactions" in reason
    assert registry.current_version() is None
