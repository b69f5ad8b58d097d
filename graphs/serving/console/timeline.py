"""A thread's run timeline from its checkpoint history, and its confidence chart as server-side SVG.

Each checkpoint records which nodes run next; the step between two checkpoints is those nodes (the
specialists of one plan run side by side in one step), its duration the time between the two
checkpoints, and the later checkpoint's values say what they did (the guard's verdicts, the plan's
routes and confidences, a specialist's result and tool, the answer, the escalation and the decision).
The audit log adds what happened inside a step: each model call (model, version, duration, tokens,
cost: ``model.call``, :mod:`crewline.graphs.serving.model_calls`) and each tool call
(``agent.action``), placed in the step of their node whose time span holds them.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from crewline.graphs.serving.console.graph_svg import GraphShape, graph_svg
from crewline.graphs.serving.console.pages import plan_steps, redact_text, render, verdict_views
from crewline.graphs.serving.console.sessions import Session
from crewline.memory.operations.audit import AuditEntry

__all__ = [
    "ModelCallView",
    "TimelineStep",
    "ToolCallView",
    "confidence_chart",
    "timeline_page",
    "timeline_steps",
]

_SLACK_S = 0.5  # an audit entry is written as its call ends, a hair after the step's checkpoint


@dataclass(frozen=True)
class ModelCallView:
    model: str
    version: str
    duration_s: float
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    status: str


@dataclass(frozen=True)
class ToolCallView:
    tool: str
    args: str
    status: str
    result: str


@dataclass(frozen=True)
class TimelineStep:
    turn: int
    node: str
    summary: str
    details: tuple[str, ...] = ()
    duration_s: float | None = None  # of the whole step (its parallel nodes together)
    lanes: int = 1  # how many nodes ran side by side in this step
    model_calls: tuple[ModelCallView, ...] = ()
    tool_calls: tuple[ToolCallView, ...] = ()

    @property
    def cost_usd(self) -> float:
        return sum(c.cost_usd for c in self.model_calls)

    @property
    def model_seconds(self) -> float:
        return sum(c.duration_s for c in self.model_calls)


def timeline_steps(
    history: Sequence[Mapping[str, Any]], audit: Iterable[AuditEntry] = ()
) -> list[TimelineStep]:
    """The steps between consecutive checkpoints, oldest first (the ``__start__`` input excluded),
    with the model and tool calls of ``audit`` (the thread's entries) placed in their steps."""
    calls = _Calls(audit)
    steps: list[TimelineStep] = []
    for before, after in itertools.pairwise(history):
        values = after.get("values") or {}
        turn = int(values.get("turn") or 1)
        nodes = [str(n) for n in before.get("next") or () if n != "__start__"]
        start, end = _time(before.get("created_at")), _time(after.get("created_at"))
        duration = (end - start).total_seconds() if start and end else None
        for node in nodes:
            summary, details = _describe(node, values, before.get("values") or {})
            model_calls, tool_calls = calls.take(node, start, end)
            steps.append(
                TimelineStep(turn, node, summary, details, duration, len(nodes), model_calls, tool_calls)
            )
    if history:  # what the thread stopped before: an interrupt waiting for a human, or a crash
        values = history[-1].get("values") or {}
        escalation = values.get("escalation") or {}
        waiting = escalation.get("status") == "pending"
        for node in history[-1].get("next") or ():
            summary = "waiting for a decision" if waiting else "not run yet (the turn stopped here)"
            steps.append(TimelineStep(int(values.get("turn") or 1), str(node), summary))
    return steps


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class _Calls:
    """The thread's model and tool calls from the audit log, each taken by the first step of its node
    whose time span holds it."""

    def __init__(self, audit: Iterable[AuditEntry]) -> None:
        self.left: list[tuple[datetime, str, str, dict[str, Any]]] = []
        for entry in audit:
            if entry.action not in ("model.call", "agent.action"):
                continue
            at, data = _time(entry.ts), entry.data
            node = str(data.get("node") or data.get("specialist") or "")
            if at is not None:
                self.left.append((at, entry.action, node, data))

    def take(
        self, node: str, start: datetime | None, end: datetime | None
    ) -> tuple[tuple[ModelCallView, ...], tuple[ToolCallView, ...]]:
        if start is None or end is None:
            return (), ()
        mine = [
            c
            for c in self.left
            if c[2] == node and start <= c[0] and (c[0] - end).total_seconds() <= _SLACK_S
        ]
        self.left = [c for c in self.left if c not in mine]
        models = tuple(_model_call(d) for _, action, _, d in mine if action == "model.call")
        tools = tuple(_tool_call(d) for _, action, _, d in mine if action == "agent.action")
        return models, tools


def _model_call(data: Mapping[str, Any]) -> ModelCallView:
    return ModelCallView(
        model=str(data.get("model") or "model"),
        version=str(data.get("version") or ""),
        duration_s=float(data.get("duration_s") or 0.0),
        prompt_tokens=int(data.get("prompt_tokens") or 0),
        completion_tokens=int(data.get("completion_tokens") or 0),
        cost_usd=float(data.get("cost_usd") or 0.0),
        status=str(data.get("status") or ""),
    )


def _tool_call(data: Mapping[str, Any]) -> ToolCallView:
    args = data.get("args")
    if not isinstance(args, str):
        args = json.dumps(args, ensure_ascii=False, sort_keys=True, default=str)
    return ToolCallView(
        tool=str(data.get("tool") or ""),
        args=redact_text(args),
        status=str(data.get("status") or ""),
        result=redact_text(str(data.get("result") or ""))[:300],
    )


def _describe(
    node: str, values: Mapping[str, Any], previous: Mapping[str, Any]
) -> tuple[str, tuple[str, ...]]:
    new_verdicts = verdict_views((values.get("verdicts") or [])[len(previous.get("verdicts") or []) :])
    verdict_lines = tuple(f"{v.guard}: {v.action} ({v.reason})" for v in new_verdicts)
    if node == "plan":
        steps = plan_steps(values.get("subtasks") or [])
        lines = tuple(
            f"{s.subtask_id} → {s.specialist}"
            + (f" (confidence {s.confidence:.2f})" if s.confidence is not None else "")
            + f": {s.task}"
            for s in steps
        )
        return f"{len(steps)} subtask(s) planned", lines + verdict_lines
    if node in ("synthesize",):
        return "answer drafted", (redact_text(str(values.get("answer") or "")),)
    if node in ("open_ticket", "await_human"):
        escalation = values.get("escalation") or {}
        return f"escalation {escalation.get('status', '')}", (
            f"{escalation.get('kind', '')}: {redact_text(str(escalation.get('reason', '')))} "
            f"(ticket {escalation.get('ticket_id', '')})",
        )
    if node == "apply_decision":
        decision = values.get("decision") or {}
        by = decision.get("by") if isinstance(decision, Mapping) else None
        what = decision.get("decision") if isinstance(decision, Mapping) else decision
        return f"decision: {what}" + (f" by {by}" if by else ""), (
            redact_text(str(values.get("answer") or "")),
        )
    results = values.get("results") or {}
    mine = [r for r in results.values() if isinstance(r, Mapping) and r.get("specialist") == node]
    if mine:
        lines = tuple(
            f"{r.get('subtask_id')}: {r.get('status')}"
            + (f", tool {r.get('tool')}" if r.get("tool") else "")
            + f", path {r.get('path', '')}: {redact_text(str(r.get('answer') or ''))}"
            for r in mine
        )
        # the step's verdicts on this specialist's subtasks only (its neighbours ran in the same step)
        ids = {r.get("subtask_id") for r in mine}
        added = (values.get("verdicts") or [])[len(previous.get("verdicts") or []) :]
        own = verdict_views(
            [v for v in added if isinstance(v, Mapping) and v.get("subtask_id") in ids | {None}]
        )
        return f"specialist {node}", lines + tuple(f"{v.guard}: {v.action} ({v.reason})" for v in own)
    if verdict_lines:
        return f"{len(verdict_lines)} verdict(s)", verdict_lines
    return "", ()


def confidence_chart(subtasks: Sequence[Any], width: int = 560, bar_height: int = 22) -> dict[str, Any]:
    """The plan's route confidences as bars (geometry only; the template draws it, escaped)."""
    steps = [s for s in plan_steps(subtasks) if s.confidence is not None]
    label_w, gap = 180, 6
    bars = [
        {
            "y": i * (bar_height + gap),
            "w": round((width - label_w - 50) * max(0.0, min(1.0, s.confidence or 0.0)), 1),
            "label": f"{s.subtask_id} → {s.specialist}",
            "value": f"{s.confidence:.2f}",
        }
        for i, s in enumerate(steps)
    ]
    return {
        "width": width,
        "height": max(1, len(bars)) * (bar_height + gap) + 20,
        "label_w": label_w,
        "bar_h": bar_height,
        "bars": bars,
    }


def timeline_page(
    thread_id: str,
    history: Sequence[Mapping[str, Any]],
    *,
    base: str,
    session: Session,
    pending_count: int,
    audit: Iterable[AuditEntry] = (),
    graph: GraphShape | None = None,
) -> str:
    last = history[-1].get("values") if history else {}
    steps = timeline_steps(history, audit)
    drawn = graph_svg(graph, visited={s.node for s in steps}) if graph else Markup("")
    return render(
        "timeline.html",
        base=base,
        session=session,
        pending_count=pending_count,
        thread_id=thread_id,
        steps=steps,
        chart=confidence_chart((last or {}).get("subtasks") or []),
        graph=drawn,
        model_calls=sum(len(s.model_calls) for s in steps),
        cost_usd=sum(s.cost_usd for s in steps),
    )
