"""A thread's run timeline from its checkpoint history, and its confidence chart as server-side SVG.

Each checkpoint records which nodes run next; the step between two checkpoints is those nodes, and
the later checkpoint's values say what they did (the guard's verdicts, the plan's routes and
confidences, a specialist's result and tool, the answer, the escalation and the decision).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crewline.graphs.serving.console.pages import plan_steps, redact_text, render, verdict_views
from crewline.graphs.serving.console.sessions import Session

__all__ = ["TimelineStep", "confidence_chart", "timeline_page", "timeline_steps"]


@dataclass(frozen=True)
class TimelineStep:
    turn: int
    node: str
    summary: str
    details: tuple[str, ...] = ()


def timeline_steps(history: Sequence[Mapping[str, Any]]) -> list[TimelineStep]:
    """The steps between consecutive checkpoints, oldest first (the ``__start__`` input excluded)."""
    steps: list[TimelineStep] = []
    for before, after in itertools.pairwise(history):
        values = after.get("values") or {}
        turn = int(values.get("turn") or 1)
        for node in before.get("next") or ():
            if node == "__start__":
                continue
            summary, details = _describe(str(node), values, before.get("values") or {})
            steps.append(TimelineStep(turn, str(node), summary, details))
    if history:  # what the thread stopped before: an interrupt waiting for a human, or a crash
        values = history[-1].get("values") or {}
        escalation = values.get("escalation") or {}
        waiting = escalation.get("status") == "pending"
        for node in history[-1].get("next") or ():
            summary = "waiting for a decision" if waiting else "not run yet (the turn stopped here)"
            steps.append(TimelineStep(int(values.get("turn") or 1), str(node), summary))
    return steps


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
        return f"specialist {node}", lines + verdict_lines
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
    thread_id: str, history: Sequence[Mapping[str, Any]], *, base: str, session: Session, pending_count: int
) -> str:
    last = history[-1].get("values") if history else {}
    return render(
        "timeline.html",
        base=base,
        session=session,
        pending_count=pending_count,
        thread_id=thread_id,
        steps=timeline_steps(history),
        chart=confidence_chart((last or {}).get("subtasks") or []),
    )
