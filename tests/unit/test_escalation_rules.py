"""Synthesis of results and the escalation rules, without a graph."""

from __future__ import annotations

from langchain_core.tools import tool

from crewline.nodes.escalation import apply_decision, escalation_reason, parse_decision
from crewline.nodes.synthesis import synthesize
from crewline.nodes.types import Escalation, PendingAction, Subtask, SubtaskResult


def _subtask(sid: str, specialist: str | None, confidence: float = 0.9) -> Subtask:
    return Subtask(id=sid, task=f"task {sid}", specialist=specialist, confidence=confidence, status="planned")


def _result(sid: str, answer: str, sources: list[dict[str, str]], **kw: object) -> SubtaskResult:
    base = SubtaskResult(
        subtask_id=sid,
        specialist="s",
        status="done",
        answer=answer,
        confidence=1.0,
        sources=sources,
        path="offline",
        tool=None,
        pending_action=None,
    )  # type: ignore[typeddict-item]
    return {**base, **kw}  # type: ignore[typeddict-item]


def test_synthesis_keeps_order_and_renumbers_citations() -> None:
    subtasks = [_subtask("a", "kb"), _subtask("b", "kb", 0.6)]
    results = {
        "b": _result("b", "Second [1].", [{"id": "doc2", "title": "Two"}]),
        "a": _result("a", "First [1][2].", [{"id": "doc1", "title": "One"}, {"id": "doc2", "title": "Two"}]),
    }
    merged = synthesize(subtasks, results)
    assert merged.answer == "First [1][2].\n\nSecond [2]."
    assert [s["id"] for s in merged.sources] == ["doc1", "doc2"]
    assert merged.confidence == 0.6


def test_missing_result_and_out_of_scope_lower_confidence_to_zero() -> None:
    merged = synthesize([_subtask("a", None), _subtask("b", "kb")], {})
    assert merged.confidence == 0.0
    assert [s["status"] for s in merged.subtasks] == ["out_of_scope", "failed"]


def test_approval_comes_before_other_reasons() -> None:
    action = PendingAction(subtask_id="a", specialist="cards", tool="freeze", args={}, description="freeze()")
    kind, reason = escalation_reason([_subtask("a", None)], [action], []) or ("", "")
    assert kind == "approval" and "freeze()" in reason
    assert escalation_reason([_subtask("a", "kb")], [], []) is None


def test_parse_decision_validates() -> None:
    assert parse_decision("approve") == {"decision": "approve", "message": None, "by": None}
    assert isinstance(parse_decision({"decision": "maybe"}), str)
    assert isinstance(parse_decision({"decision": "edit"}), str)
    assert isinstance(parse_decision(42), str)


def test_approve_runs_the_action_and_reject_does_not() -> None:
    calls: list[str] = []

    @tool
    def freeze(customer_id: str) -> dict[str, object]:
        """Freeze a card."""
        calls.append(customer_id)
        return {"summary": f"Card of {customer_id} frozen.", "sources": [], "confidence": 1.0}

    action = PendingAction(
        subtask_id="a",
        specialist="cards",
        tool="freeze",
        args={"customer_id": "C-1"},
        description="freeze(customer_id='C-1')",
    )
    results = {
        "a": _result("a", "I have prepared freeze.", [], status="needs_approval", pending_action=action)
    }
    escalation = Escalation(reason="r", kind="approval", ticket_id="T-1", status="pending")
    common = {
        "escalation": escalation,
        "answer": "I have prepared freeze.\n\nBalance is $5.",
        "results": results,
        "pending": [action],
        "tools": {"freeze": freeze},
    }
    rejected = apply_decision(parse_decision("reject"), **common)  # type: ignore[arg-type]
    assert calls == [] and rejected["results"]["a"]["status"] == "rejected"
    assert "declined" in rejected["answer"] and "Balance is $5." in rejected["answer"]
    approved = apply_decision(parse_decision("approve"), **common)  # type: ignore[arg-type]
    assert calls == ["C-1"]
    assert approved["answer"] == "Card of C-1 frozen.\n\nBalance is $5."
    assert approved["escalation"]["status"] == "approved"
