"""Approval-gated actions a specialist proposes: one, or several from one request.

"Freeze the card of C-1001 and report fraud on it" asks one specialist for two side effects. The
supervisor's decomposer keeps it one subtask (both parts go to the same specialist); the specialist
splits it again with the same splitter (:func:`crewline.nodes.planning.decompose.split_request`),
its routes being its own tools. Every clause its tool router is sure of
(:data:`SURE_OF_A_CLAUSE`) that asks for a different approval-gated tool becomes an action, in the
order the request asks; arguments come from the clause, and what the clause leaves out ("report
fraud on *it*") from the whole task and context. The ticket lists them all; approval applies each
once, in order, under its own idempotency key; a rejection applies none
(:func:`crewline.nodes.escalation.apply_decision_steps`).

An action on a customer the caller may not act for is a certain refusal, not a ticket: one such
action refuses the whole proposal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.tools import BaseTool

from crewline.memory.state.access import proposal_refusal
from crewline.nodes.planning.decompose import split_request
from crewline.nodes.planning.extract import extract_arguments
from crewline.nodes.planning.router import RouteScore
from crewline.nodes.types import AnswerPath, Handoff, PendingAction, SubtaskResult

__all__ = ["SURE_OF_A_CLAUSE", "describe_call", "gated_calls", "propose", "requires_approval"]

SURE_OF_A_CLAUSE = 0.6  # as sure as a local tool call must be (crewline.nodes.specialist)

Call = tuple[BaseTool, dict[str, Any]]
ResultMaker = Callable[..., SubtaskResult]


def requires_approval(tool: BaseTool) -> bool:
    return bool((tool.metadata or {}).get("requires_approval"))


def describe_call(tool: str, args: Mapping[str, Any]) -> str:
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items() if k not in ("reason", "description", "query"))
    return f"{tool}({shown})"


def _arguments(tool: BaseTool, clause: str, handoff: Handoff) -> dict[str, Any] | None:
    """The clause's arguments, what it leaves out taken from the whole task; ``None``: still missing."""
    own = extract_arguments(tool, clause, handoff["context"])
    if not own.missing:
        return dict(own.args)
    whole = extract_arguments(tool, handoff["task"], handoff["context"])
    args = {**whole.args, **own.args}
    return None if any(name not in args for name in own.missing) else args


def gated_calls(
    handoff: Handoff, tools: Mapping[str, BaseTool], route: Callable[[str], RouteScore]
) -> list[Call]:
    """The approval-gated calls ``handoff``'s task asks for, in order, when it asks for more than one
    (see the module docstring); ``[]`` otherwise (the one-tool path decides)."""
    if sum(requires_approval(tool) for tool in tools.values()) < 2:
        return []  # most specialists: no second gated tool to propose, so no split to pay for
    calls: list[Call] = []
    for clause in split_request(handoff["task"], route, threshold=SURE_OF_A_CLAUSE):
        name = clause.score.route
        if name is None or clause.score.confidence < SURE_OF_A_CLAUSE or name not in tools:
            continue
        tool = tools[name]
        if not requires_approval(tool) or any(known is tool for known, _ in calls):
            continue
        args = _arguments(tool, clause.text, handoff)
        if args is None:
            return []  # an action it cannot fill: the one-tool path asks for what is missing
        calls.append((tool, args))
    return calls if len(calls) > 1 else []


def propose(
    handoff: Handoff, specialist: str, calls: Sequence[Call], path: AnswerPath, make: ResultMaker
) -> SubtaskResult:
    """The result that waits for approval of ``calls`` (``make``: the specialist's result maker),
    or the refusal when one of them acts for a customer the caller may not act for."""
    for tool, args in calls:
        refused = proposal_refusal(tool.name, args)  # another customer's action is no approver's ticket
        if refused:
            return make(handoff, status="failed", answer=refused, confidence=1.0, path=path, tool=tool.name)
    actions = [
        PendingAction(
            subtask_id=handoff["subtask_id"],
            specialist=specialist,
            tool=tool.name,
            args=dict(args),
            description=describe_call(tool.name, args),
        )
        for tool, args in calls
    ]
    listed = ", then ".join(action["description"] for action in actions)
    wait = "it needs a colleague's approval before it runs"
    if len(actions) > 1:
        wait = "they need a colleague's approval before they run"
    answer = f"I have prepared {listed}; {wait}."
    return make(
        handoff,
        status="needs_approval",
        answer=answer,
        confidence=1.0,
        path=path,
        tool=calls[0][0].name,
        pending=actions,
    )
