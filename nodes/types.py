"""The data nodes pass around: verdicts, subtasks, handoffs, results. Plain TypedDicts (JSON-able)."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict  # not typing's: pydantic (Studio's schemas) rejects it before 3.12

GuardAction = Literal["pass", "redact", "retry", "fallback", "escalate", "block"]
SubtaskStatus = Literal[
    "planned",
    "done",
    "failed",
    "needs_input",
    "needs_approval",
    "approved",
    "rejected",
    "out_of_scope",
    "courtesy",  # a greeting or thanks and nothing else: answered in kind, no specialist, no ticket
]
AnswerPath = Literal["offline", "model"]


class Verdict(TypedDict):
    """A guard's decision as data: conditional edges route on ``action``."""

    guard: str
    score: float
    reason: str
    action: GuardAction
    subtask_id: NotRequired[str]


class Subtask(TypedDict):
    id: str
    task: str
    specialist: str | None  # None: out of scope, nobody can handle it
    confidence: float
    status: SubtaskStatus


class Handoff(TypedDict):
    """What a specialist receives instead of the raw history: its task, limits and relevant context."""

    subtask_id: str
    specialist: str
    task: str
    constraints: list[str]
    context: dict[str, str]


class Source(TypedDict, total=False):
    id: str
    title: str
    snippet: str


class PendingAction(TypedDict):
    """A side effect a specialist prepared but may not run before a human approves it."""

    subtask_id: str
    specialist: str
    tool: str
    args: dict[str, Any]
    description: str


class SubtaskResult(TypedDict):
    subtask_id: str
    specialist: str
    status: SubtaskStatus
    answer: str
    confidence: float
    sources: list[Source]
    path: AnswerPath
    tool: str | None
    pending_action: PendingAction | None  # the first of pending_actions (results written before it)
    pending_actions: NotRequired[list[PendingAction]]  # every action awaiting approval, in order


def result_actions(result: SubtaskResult) -> list[PendingAction]:
    """The actions ``result`` awaits approval for, in order (a result checkpointed before
    ``pending_actions`` existed carries its one action as ``pending_action``)."""
    if "pending_actions" in result:
        return list(result["pending_actions"])
    first = result.get("pending_action")
    return [first] if first is not None else []


class Escalation(TypedDict):
    reason: str
    kind: Literal["approval", "low_confidence", "out_of_scope", "guard"]
    ticket_id: str | None
    status: Literal["pending", "approved", "rejected", "edited"]


class Usage(TypedDict, total=False):
    model_calls: int
    prompt_tokens: int
    completion_tokens: int
    tool_calls: int
    cost_usd: float
