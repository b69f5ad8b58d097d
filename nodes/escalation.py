"""Escalation to a human: why to escalate, the interrupt payload, and applying the decision.

The graph splits escalation in three nodes so that resuming is safe: ``open_ticket`` writes the
ticket (idempotent per thread and turn), ``await_human`` only calls ``interrupt()`` (it re-runs on
resume, so it has no side effects), and ``apply_decision`` runs approved actions exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from langchain_core.tools import BaseTool
from typing_extensions import TypedDict  # not typing's: pydantic (Studio's schemas) rejects it before 3.12

from crewline.nodes.sync_async import Steps, drive
from crewline.nodes.tool_calls import run_tool_step
from crewline.nodes.types import Escalation, PendingAction, Subtask, SubtaskResult, Verdict

__all__ = [
    "DECISIONS",
    "DECISION_STATUS",
    "Decision",
    "apply_decision",
    "escalation_reason",
    "parse_decision",
]

DECISIONS = ("approve", "reject", "edit")
DECISION_STATUS: dict[str, Literal["approved", "rejected", "edited"]] = {
    "approve": "approved",
    "reject": "rejected",
    "edit": "edited",
}


class Decision(TypedDict):
    decision: Literal["approve", "reject", "edit"]
    message: str | None
    by: str | None


def parse_decision(value: object) -> Decision | str:
    """A valid decision, or a one-line error saying what a resume value must look like."""
    if isinstance(value, str):
        value = {"decision": value}
    if not isinstance(value, Mapping):
        return "resume with {'decision': 'approve' | 'reject' | 'edit', 'message': ...}"
    decision = str(value.get("decision", "")).strip().lower()
    if decision not in DECISIONS:
        return f"unknown decision {value.get('decision')!r}; use approve, reject or edit"
    message = value.get("message")
    if decision == "edit" and not (isinstance(message, str) and message.strip()):
        return "an edit needs a message: the reply the customer should get"
    by = value.get("by")
    return Decision(
        decision=decision,  # type: ignore[typeddict-item]
        message=str(message) if message is not None else None,
        by=str(by) if by else None,
    )


def escalation_reason(
    subtasks: Sequence[Subtask], pending: Sequence[PendingAction], verdicts: Sequence[Verdict]
) -> tuple[Literal["approval", "out_of_scope", "guard", "low_confidence"], str] | None:
    """The first reason a human must look at this turn (approval first), or ``None``."""
    if pending:
        actions = "; ".join(action["description"] for action in pending)
        return "approval", f"needs approval: {actions}"
    out_of_scope = [s["task"] for s in subtasks if s["specialist"] is None and s["status"] != "courtesy"]
    if out_of_scope:
        return "out_of_scope", "no specialist handles: " + "; ".join(out_of_scope)
    for verdict in verdicts:
        if verdict["action"] == "escalate" and verdict["guard"] != "confidence_gate":
            return "guard", f"{verdict['guard']}: {verdict['reason']}"
    for verdict in verdicts:
        if verdict["action"] == "escalate":
            return "low_confidence", f"{verdict['guard']}: {verdict['reason']}"
    return None


def apply_decision(
    decision: Decision,
    *,
    escalation: Escalation,
    answer: str,
    results: Mapping[str, SubtaskResult],
    pending: Sequence[PendingAction],
    tools: Mapping[str, BaseTool],
) -> dict[str, Any]:
    """The state update a human decision makes: run approved actions, or record the refusal."""
    return drive(
        apply_decision_steps(
            decision, escalation=escalation, answer=answer, results=results, pending=pending, tools=tools
        )
    )


def apply_decision_steps(
    decision: Decision,
    *,
    escalation: Escalation,
    answer: str,
    results: Mapping[str, SubtaskResult],
    pending: Sequence[PendingAction],
    tools: Mapping[str, BaseTool],
) -> Steps[dict[str, Any]]:
    """:func:`apply_decision` as steps: approved tools are awaited under ``ainvoke``."""
    updated: dict[str, SubtaskResult] = {}
    note = f" ({decision['message']})" if decision["message"] and decision["decision"] != "edit" else ""
    for action in pending:
        result = results.get(action["subtask_id"])
        if result is None:
            continue
        if decision["decision"] == "approve":
            tool = tools.get(action["tool"])
            gone = {"error": f"tool {action['tool']} is gone"}
            output = (yield from run_tool_step(tool, action["args"])) if tool else gone
            if "error" in output:
                updated[action["subtask_id"]] = {
                    **result,
                    "status": "failed",
                    "answer": f"{action['description']} was approved but failed: {output['error']}",
                }
            else:
                updated[action["subtask_id"]] = {
                    **result,
                    "status": "approved",
                    "answer": str(output.get("summary", "Done.")),
                    "confidence": 1.0,
                }
        else:
            updated[action["subtask_id"]] = {
                **result,
                "status": "rejected",
                "answer": f"A colleague declined {action['description']}{note}.",
            }
    if decision["decision"] == "edit":
        new_answer = str(decision["message"])
    elif decision["decision"] == "reject" and not pending:
        new_answer = f"A colleague reviewed this request and could not help with it{note}."
    else:
        new_answer = answer
        for subtask_id, result in updated.items():
            new_answer = new_answer.replace(results[subtask_id]["answer"], result["answer"])
    status = DECISION_STATUS[decision["decision"]]
    return {
        "results": updated,
        "answer": new_answer,
        "pending_actions": [],
        "escalation": {**escalation, "status": status},
    }
