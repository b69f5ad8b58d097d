"""State schemas of a crew: the supervisor's state, the specialist's private state and the handoff.

Everything in state is plain JSON-able data (TypedDicts), so checkpoints, the server API and Studio
all see the same shapes. Per-turn fields are reset by the input guard with ``Overwrite`` so a
conversation thread keeps its messages and context but never mixes one turn's results into the next.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from langgraph.types import StateSnapshot
from typing_extensions import TypedDict  # not typing's: pydantic (Studio's schemas) rejects it before 3.12

from crewline.nodes.escalation import Decision
from crewline.nodes.types import (
    Escalation,
    GuardAction,
    Handoff,
    PendingAction,
    Source,
    Subtask,
    SubtaskResult,
    Usage,
    Verdict,
)

__all__ = [
    "CrewInput",
    "CrewOutput",
    "CrewState",
    "SpecialistOutput",
    "SpecialistState",
    "merge_results",
    "merge_usage",
    "merge_vault",
    "turn_unfinished",
]


def merge_results(
    left: dict[str, SubtaskResult] | None, right: dict[str, SubtaskResult] | None
) -> dict[str, SubtaskResult]:
    """Results of parallel specialists, merged by subtask id (a later write for an id wins)."""
    return {**(left or {}), **(right or {})}


def append_verdicts(left: list[Verdict] | None, right: list[Verdict] | None) -> list[Verdict]:
    return [*(left or []), *(right or [])]


def merge_vault(left: dict[str, str] | None, right: dict[str, str] | None) -> dict[str, str]:
    """Sealed originals of pseudonymised values, by placeholder (a thread's vault only grows)."""
    return {**(left or {}), **(right or {})}


def merge_usage(left: Usage | None, right: Usage | None) -> Usage:
    """Usage counters add up across parallel branches."""
    total: dict[str, Any] = dict(left or {})
    for key, value in (right or {}).items():
        total[key] = total.get(key, 0) + value
    return total  # type: ignore[return-value]


class CrewInput(TypedDict, total=False):
    """What a caller sends: a user message (or messages) for this turn."""

    messages: Annotated[list[AnyMessage], add_messages]
    request_vault: dict[str, str]  # sealed originals of placeholders the server's edge put in the message


class CrewOutput(TypedDict, total=False):
    """What a caller gets back from a run (also everything in ``CrewState``)."""

    messages: Annotated[list[AnyMessage], add_messages]
    answer: str
    subtasks: list[Subtask]
    results: Annotated[dict[str, SubtaskResult], merge_results]
    confidence: float
    escalation: Escalation | None
    sources: list[Source]
    path: Literal["offline", "model"]
    verdicts: Annotated[list[Verdict], append_verdicts]
    usage: Annotated[Usage, merge_usage]
    # placeholder -> original of each value the answers show (the user's own, a tool's), sealed for the
    # edges alone (crewline.nodes.guards.reveal.SHOWN): every channel holds placeholders, and
    # crewline.reveal shows these values where a result leaves crewline
    answer_vault: Annotated[dict[str, str], merge_vault]


class CrewState(CrewOutput, total=False):
    """The supervisor's state for one conversation thread."""

    request: str  # this turn's request, sanitized by the input guard
    turn: int
    context: dict[str, str]  # entities carried across turns (customer id, order id, ...)
    pending_actions: list[PendingAction]
    decision: Decision | None  # the human's answer to an escalation
    user_id: str | None
    tenant_id: str | None
    request_vault: dict[str, str]  # this turn's edge-sealed originals (crewline.graphs.serving.redact_input)
    pii_vault: Annotated[dict[str, str], merge_vault]  # placeholder -> AES-GCM sealed original
    output_action: GuardAction  # worst action of this turn's output verdicts: after_output routes on it


class SpecialistState(TypedDict, total=False):
    """A specialist's private state: its handoff, its own messages and its report."""

    handoff: Handoff
    messages: Annotated[list[AnyMessage], add_messages]
    steps: int
    results: Annotated[dict[str, SubtaskResult], merge_results]
    verdicts: Annotated[list[Verdict], append_verdicts]
    usage: Annotated[Usage, merge_usage]
    pii_vault: Annotated[dict[str, str], merge_vault]  # sealed tool values, handed to the crew


class SpecialistOutput(TypedDict, total=False):
    """What a specialist hands back to the supervisor (merged by the supervisor's reducers)."""

    results: Annotated[dict[str, SubtaskResult], merge_results]
    verdicts: Annotated[list[Verdict], append_verdicts]
    usage: Annotated[Usage, merge_usage]
    pii_vault: Annotated[dict[str, str], merge_vault]


class SpecialistInput(TypedDict):
    handoff: Handoff


def turn_unfinished(snapshot: StateSnapshot) -> bool:
    """Whether a thread's turn has not finished: paused at an interrupt, or stopped mid-step.

    ``snapshot.next`` alone does not tell: it lists only the tasks still to run, so a process killed
    after a step's tasks saved their writes but before the step's checkpoint shows ``next == ()``
    while the step's successors (an approved action, say) have not run. The step's tasks are still
    listed in ``snapshot.tasks`` until its checkpoint is written; a finished turn has none.
    """
    return bool(snapshot.next or snapshot.tasks)
