"""Which out-of-scope parts become a ticket: only those a person can do something about (issue 16)."""

from __future__ import annotations

from crewline.nodes.escalation import escalation_reason, hands_over
from crewline.nodes.synthesis import synthesize
from crewline.nodes.types import PendingAction, Subtask, Verdict

SURE = 0.35  # the planner's threshold


def _oos(confidence: float) -> Subtask:
    return Subtask(
        id="t1.1",
        task="What is the capital of France?",
        specialist=None,
        confidence=confidence,
        status="planned",
    )


def test_a_sure_out_of_scope_part_is_declined_in_the_answer_with_no_ticket() -> None:
    merged = synthesize([_oos(0.95)], {}, sure_out_of_scope=SURE)
    assert "can't help" in merged.answer and "colleague" not in merged.answer
    assert merged.confidence == 0.95  # the refusal is as sure as the router: the confidence gate passes
    gate = Verdict(guard="confidence_gate", score=0.95, reason="confident", action="pass")
    assert escalation_reason(merged.subtasks, [], [gate], sure_out_of_scope=SURE) is None


def test_an_unsure_out_of_scope_part_goes_to_a_colleague() -> None:
    merged = synthesize([_oos(0.2)], {}, sure_out_of_scope=SURE)
    assert "passed it to a colleague" in merged.answer and merged.confidence == 0.0
    kind, reason = escalation_reason(merged.subtasks, [], [], sure_out_of_scope=SURE) or ("", "")
    assert kind == "out_of_scope" and "capital of France" in reason


def test_without_a_threshold_every_out_of_scope_part_is_handed_over() -> None:
    assert hands_over(_oos(0.99), None)
    assert not hands_over({**_oos(0.99), "specialist": "billing"}, None)  # routed: nothing to hand over


def test_an_approval_beside_a_declined_part_is_still_a_ticket() -> None:
    action = PendingAction(
        subtask_id="t1.2", specialist="cards", tool="freeze", args={}, description="freeze()"
    )
    kind, _ = escalation_reason([_oos(0.95)], [action], [], sure_out_of_scope=SURE) or ("", "")
    assert kind == "approval"
