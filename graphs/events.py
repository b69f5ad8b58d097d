"""What a crew tells a ``stream_mode="custom"`` consumer while it runs: the plan, guard verdicts and
escalations, as plain JSON-able dicts with an ``event`` key.

    for mode, chunk in crew.stream(inputs, config, stream_mode=["custom", "messages"]):
        ...  # {"event": "plan", "subtasks": [...]}, {"event": "verdicts", "stage": "input", ...}

Everything here is what the state holds already (placeholders, never raw personal values). Outside
a graph run (a node called directly in a test) there is no writer and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langgraph.config import get_stream_writer

from crewline.nodes.types import Escalation, Subtask, Verdict

__all__ = ["emit_escalation", "emit_plan", "emit_verdicts"]

Stage = Literal["input", "output", "specialist"]


def _emit(event: dict[str, Any]) -> None:
    try:
        writer = get_stream_writer()
    except RuntimeError:  # not inside a graph run
        return
    writer(event)


def emit_plan(subtasks: Sequence[Subtask]) -> None:
    _emit({"event": "plan", "subtasks": [dict(s) for s in subtasks]})


def emit_verdicts(stage: Stage, verdicts: Sequence[Verdict]) -> None:
    if verdicts:
        _emit({"event": "verdicts", "stage": stage, "verdicts": [dict(v) for v in verdicts]})


def emit_escalation(escalation: Escalation) -> None:
    _emit({"event": "escalation", **escalation})
