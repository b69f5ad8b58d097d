"""Escalation to a human: why to escalate, the interrupt payload, and applying the decision.

The graph splits escalation in three nodes so that resuming is safe: ``open_ticket`` writes the
ticket (idempotent per thread and turn), ``await_human`` only calls ``interrupt()`` (it re-runs on
resume, so it has no side effects), and ``apply_decision`` runs approved actions exactly once.

Exactly once, whatever re-runs ``apply_decision`` (a resume after a crash, a replay from an earlier
checkpoint, a fork through ``update_state``, a copied thread): every approved action has an
idempotency key made of its ticket (one per thread and turn), its place in the ticket and its tool
(:func:`approval_key`). The key is claimed in the ticket store's ledger before the tool runs and the
outcome recorded after it; a key found settled returns the recorded outcome and the tool does not
run. A key claimed but never settled (the process died in between) is handed to the tool again only
if the tool takes an ``idempotency_key`` argument, i.e. can check with the system it acts on whether
that key already happened (the demo ERP's ``freeze_card`` and ``report_fraud`` do); any other tool
is not run again (at most once) and the result says so, for a human to check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NotRequired

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from pydantic import BaseModel
from typing_extensions import TypedDict  # not typing's: pydantic (Studio's schemas) rejects it before 3.12

from crewline.errors import RunError
from crewline.memory.state.tickets import TicketStore
from crewline.nodes.guards import default_vault
from crewline.nodes.sync_async import Steps, blocking, drive
from crewline.nodes.tool_calls import run_tool_step
from crewline.nodes.types import Escalation, PendingAction, Subtask, SubtaskResult, Verdict
from crewline.tools.faults import fault_point

__all__ = [
    "APPROVE_PERMISSION",
    "DECISIONS",
    "DECISION_STATUS",
    "IDEMPOTENCY_ARG",
    "ApprovalRefused",
    "Decision",
    "apply_decision",
    "approval_key",
    "check_may_approve",
    "escalation_reason",
    "hands_over",
    "parse_decision",
    "takes_idempotency_key",
]

# the permission the server's auth handler gives the approver and admin roles
# (crewline.graphs.serving.services.ROLE_PERMISSIONS); the server puts the caller's permissions in
# every run's config as ``langgraph_auth_permissions``, after the client's own config, so no client
# can claim it
APPROVE_PERMISSION = "escalations:approve"
# the argument a tool declares to receive the idempotency key of the approved action it performs
IDEMPOTENCY_ARG = "idempotency_key"


class ApprovalRefused(RunError):
    """A caller without the approver role reached an approval step (a replay, a fork, a re-run)."""


def check_may_approve(config: RunnableConfig | None, what: str) -> None:
    """Refuse ``what`` unless the run's caller may approve. A run the LangGraph server admitted
    carries the caller's permissions; a run started in-process (Python, the CLI) has no server caller
    and is the application's own, so it may."""
    configurable = (config or {}).get("configurable") or {}
    if "langgraph_auth_permissions" not in configurable:
        return
    if APPROVE_PERMISSION in (configurable.get("langgraph_auth_permissions") or ()):
        return
    who = configurable.get("langgraph_auth_user_id") or configurable.get("user_id") or "this caller"
    raise ApprovalRefused(f"{what} needs the approver or admin role; {who} has neither")


def approval_key(ticket_id: str, index: int, tool: str) -> str:
    """The idempotency key of the ``index``-th approved action of a ticket. Not the arguments: a
    replayed turn may word them differently, and it is still the action the human approved once."""
    return f"approval:{ticket_id}:{index}:{tool}"


def takes_idempotency_key(tool: BaseTool) -> bool:
    """Whether ``tool`` declares an ``idempotency_key`` argument (and so can check for itself). Its
    full schema, not ``tool.args``: that leaves out injected arguments, as the key should be."""
    schema = tool.args_schema
    if isinstance(schema, Mapping):  # a JSON-schema tool (MCP)
        return IDEMPOTENCY_ARG in (schema.get("properties") or {})
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return IDEMPOTENCY_ARG in schema.model_fields
    return IDEMPOTENCY_ARG in (tool.args or {})


def _seal(key: str, output: Mapping[str, Any]) -> str:
    """An outcome as stored in the ledger: sealed (it may hold personal values), bound to its key."""
    return default_vault().seal(json.dumps(output, default=str), purpose=key.encode())


def _unseal(key: str, outcome: str | None) -> dict[str, Any] | None:
    text = default_vault().unseal(outcome, purpose=key.encode()) if outcome else None
    loaded = json.loads(text) if text else None
    return loaded if isinstance(loaded, dict) else None


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
    # the specialist the request should have gone to, when the human says so: a label the crew
    # learns from (crewline learn), checked against the crew's specialists; it changes no outcome
    route: NotRequired[str]


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
    parsed = Decision(
        decision=decision,  # type: ignore[typeddict-item]
        message=str(message) if message is not None else None,
        by=str(by) if by else None,
    )
    route = value.get("route")
    if route is not None:
        if not isinstance(route, str) or not route.strip():
            return "a route names the specialist the request should have gone to"
        parsed["route"] = route.strip()
    return parsed


def hands_over(subtask: Subtask, sure: float | None) -> bool:
    """Whether an out-of-scope ``subtask`` goes to a human (a ticket) rather than being declined.

    A ticket is worth opening only when a person can change the outcome. For an out-of-scope part
    that is when the router was unsure nobody here handles it (its out-of-scope confidence is below
    ``sure``, the planner's threshold): it may have missed a specialist, and the person answers the
    customer or sends it on. When the router is sure, no decision on a ticket would change anything
    (approving keeps the same refusal), so the crew declines it in its answer and opens none.
    ``sure=None`` hands every one over.
    """
    return subtask["specialist"] is None and (sure is None or subtask["confidence"] < sure)


def escalation_reason(
    subtasks: Sequence[Subtask],
    pending: Sequence[PendingAction],
    verdicts: Sequence[Verdict],
    *,
    sure_out_of_scope: float | None = None,
) -> tuple[Literal["approval", "out_of_scope", "guard", "low_confidence"], str] | None:
    """The first reason a human must look at this turn (approval first), or ``None``.

    Out-of-scope parts count only when :func:`hands_over` says a person can do something about them.
    """
    if pending:
        actions = "; ".join(action["description"] for action in pending)
        return "approval", f"needs approval: {actions}"
    out_of_scope = [
        s["task"] for s in subtasks if s["status"] != "courtesy" and hands_over(s, sure_out_of_scope)
    ]
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
    ledger: TicketStore | None = None,
) -> dict[str, Any]:
    """The state update a human decision makes: run approved actions, or record the refusal."""
    return drive(
        apply_decision_steps(
            decision,
            escalation=escalation,
            answer=answer,
            results=results,
            pending=pending,
            tools=tools,
            ledger=ledger,
        )
    )


def approved_action_steps(
    ledger: TicketStore | None, ticket_id: str | None, index: int, tool: BaseTool, action: PendingAction
) -> Steps[dict[str, Any]]:
    """Run one approved action at most once per key (see the module docstring): its result dict."""
    if ledger is None or not ticket_id:  # no ticket to key on (a caller of apply_decision without one)
        return (yield from run_tool_step(tool, action["args"]))
    key = approval_key(ticket_id, index, action["tool"])
    record, first = yield blocking(lambda: ledger.claim_action(key, ticket_id=ticket_id, tool=tool.name))
    if record.status != "started":  # it ran before: what happened then is the answer now
        recorded = _unseal(key, record.outcome)
        unreadable = f"{action['description']} already ran; its recorded outcome is unreadable"
        return recorded or {"error": unreadable}
    keyed = takes_idempotency_key(tool)
    if not first and not keyed:
        return {
            "error": f"an earlier attempt at {action['description']} stopped before its outcome was "
            "recorded, and the tool cannot check whether it happened, so it is not run again; "
            "please check by hand"
        }
    fault_point(f"approval:{tool.name}:claimed")
    args = {**action["args"], IDEMPOTENCY_ARG: key} if keyed else action["args"]
    output = yield from run_tool_step(tool, args)
    fault_point(f"approval:{tool.name}:returned")
    status = "failed" if "error" in output else "applied"
    yield blocking(lambda: ledger.settle_action(key, status=status, outcome=_seal(key, output)))
    fault_point(f"approval:{tool.name}:settled")
    return output


def _decided(
    result: SubtaskResult, said: Sequence[tuple[bool, str]], decision: str, note: str
) -> SubtaskResult:
    """A subtask's result after the decision on its actions (``said``: each one's outcome, or its
    description when declined): approved when every one was applied, rejected when declined, failed
    when any approved one failed; its answer says each outcome."""
    if decision != "approve":
        declined = " and ".join(text for _, text in said)
        return {**result, "status": "rejected", "answer": f"A colleague declined {declined}{note}."}
    answer = " ".join(text for _, text in said)
    if all(applied for applied, _ in said):
        return {**result, "status": "approved", "answer": answer, "confidence": 1.0}
    return {**result, "status": "failed", "answer": answer}


def apply_decision_steps(
    decision: Decision,
    *,
    escalation: Escalation,
    answer: str,
    results: Mapping[str, SubtaskResult],
    pending: Sequence[PendingAction],
    tools: Mapping[str, BaseTool],
    ledger: TicketStore | None = None,
) -> Steps[dict[str, Any]]:
    """:func:`apply_decision` as steps: approved tools are awaited under ``ainvoke``; with a
    ``ledger`` (the ticket store) each runs at most once per ticket (see the module docstring)."""
    outcomes: dict[str, list[tuple[bool, str]]] = {}  # per subtask, in order: (applied, what to say)
    note = f" ({decision['message']})" if decision["message"] and decision["decision"] != "edit" else ""
    for index, action in enumerate(pending):
        if action["subtask_id"] not in results:
            continue
        said = outcomes.setdefault(action["subtask_id"], [])
        if decision["decision"] != "approve":
            said.append((False, action["description"]))
            continue
        tool = tools.get(action["tool"])
        output: dict[str, Any] = {"error": f"tool {action['tool']} is gone"}
        if tool is not None:
            output = yield from approved_action_steps(ledger, escalation["ticket_id"], index, tool, action)
        if "error" in output:
            said.append((False, f"{action['description']} was approved but failed: {output['error']}"))
        else:
            said.append((True, str(output.get("summary", "Done."))))
    updated = {
        subtask_id: _decided(results[subtask_id], said, decision["decision"], note)
        for subtask_id, said in outcomes.items()
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
