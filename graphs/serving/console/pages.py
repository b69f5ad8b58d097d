"""The console's page builders: tickets and thread values in, plain data and HTML out.

Pure functions over small inputs (the unit tests feed them fixtures). Rendering goes through one
Jinja2 environment with autoescaping on for every template, so a string from a user, a tool or a
model is text on the page, never markup; what comes from a thread's state is redacted again first
(a server may hand an approver revealed values; the console shows placeholders).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from crewline.memory.state.tickets import Ticket
from crewline.nodes.guards import default_vault

__all__ = ["TicketView", "inbox_tickets", "render", "ticket_view"]

_ENV = Environment(
    loader=PackageLoader("crewline.graphs.serving.console", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **context: Any) -> str:
    return _ENV.get_template(template).render(**context)


@dataclass(frozen=True)
class PlanStep:
    subtask_id: str
    task: str
    specialist: str
    confidence: float | None
    status: str


@dataclass(frozen=True)
class VerdictView:
    guard: str
    action: str
    reason: str
    score: float | None


@dataclass(frozen=True)
class ActionView:
    tool: str
    specialist: str
    args: str  # JSON, as the tool will receive it


@dataclass(frozen=True)
class TicketView:
    ticket_id: str
    thread_id: str
    kind: str
    reason: str
    status: str
    transcript: str
    created_at: str
    age: str
    user_id: str
    decided_by: str
    actions: tuple[ActionView, ...]
    plan: tuple[PlanStep, ...]
    verdicts: tuple[VerdictView, ...]


def inbox_tickets(
    tickets: Iterable[Ticket],
    *,
    tenant_id: str,
    user_id: str,
    whole_tenant: bool,
    kind: str | None = None,
    max_age_s: float | None = None,
    untenanted: bool = False,
    now: datetime | None = None,
) -> list[Ticket]:
    """The open tickets this person may see, newest first: their tenant's (approvers and admins) or
    their own (users), optionally of one ``kind`` and no older than ``max_age_s``. ``untenanted``:
    tickets of runs without a tenant too (``crewline run`` on this machine)."""
    now = now or datetime.now(UTC)
    chosen = [
        t
        for t in tickets
        if t.is_open
        and (t.tenant_id == tenant_id or (untenanted and t.tenant_id is None))
        and (whole_tenant or t.user_id == user_id)
        and (not kind or t.kind == kind)
        and (max_age_s is None or (now - t.created_at).total_seconds() <= max_age_s)
    ]
    return sorted(chosen, key=lambda t: (t.created_at, t.ticket_id), reverse=True)


def ticket_view(
    ticket: Ticket, values: Mapping[str, Any] | None = None, now: datetime | None = None
) -> TicketView:
    """One ticket as the inbox shows it; ``values`` (the thread's state) adds the plan and verdicts."""
    values = values or {}
    pending = ticket.payload.get("pending_actions") or values.get("pending_actions") or []
    return TicketView(
        ticket_id=ticket.ticket_id,
        thread_id=ticket.thread_id,
        kind=ticket.kind,
        reason=redact_text(ticket.reason),
        status=ticket.status,
        transcript=ticket.transcript,
        created_at=ticket.created_at.isoformat(timespec="seconds"),
        age=_age((now or datetime.now(UTC)) - ticket.created_at),
        user_id=ticket.user_id or "",
        decided_by=ticket.decided_by or "",
        actions=tuple(_action(a) for a in pending if isinstance(a, Mapping)),
        plan=plan_steps(values.get("subtasks") or []),
        verdicts=verdict_views(values.get("verdicts") or []),
    )


def plan_steps(subtasks: Sequence[Any]) -> tuple[PlanStep, ...]:
    return tuple(
        PlanStep(
            subtask_id=str(s.get("id", "")),
            task=redact_text(str(s.get("task", ""))),
            specialist=str(s.get("specialist") or "(none)"),
            confidence=_number(s.get("confidence")),
            status=str(s.get("status", "")),
        )
        for s in subtasks
        if isinstance(s, Mapping)
    )


def verdict_views(verdicts: Sequence[Any]) -> tuple[VerdictView, ...]:
    return tuple(
        VerdictView(
            guard=str(v.get("guard", "")) + (f" ({v['subtask_id']})" if v.get("subtask_id") else ""),
            action=str(v.get("action", "")),
            reason=redact_text(str(v.get("reason", ""))),
            score=_number(v.get("score")),
        )
        for v in verdicts
        if isinstance(v, Mapping)
    )


def _action(action: Mapping[str, Any]) -> ActionView:
    args = json.dumps(action.get("args") or {}, ensure_ascii=False, sort_keys=True, default=str)
    return ActionView(str(action.get("tool", "")), str(action.get("specialist", "")), redact_text(args))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def redact_text(text: str) -> str:
    """``text`` with personal values replaced by placeholders (state a server revealed included)."""
    return default_vault().redact(text) if text else text


def _age(delta: Any) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"
