"""What the CLI shows: progress lines, the ``--json`` payload and the human-readable result."""

from __future__ import annotations

from typing import Any

from langgraph.types import StateSnapshot
from rich.console import Console

from crewline.nodes.guards import default_vault

__all__ = ["progress_line", "render_result", "result_payload", "resume_hints"]


def _route_name(subtask: dict[str, Any]) -> str:
    if subtask.get("status") == "courtesy":
        return "courtesy"
    return str(subtask.get("specialist") or "out of scope")


def progress_line(namespace: tuple[str, ...], update: Any) -> str | None:
    """One stderr line per finished supervisor step; specialists' inner steps stay quiet."""
    if namespace or not isinstance(update, dict):
        return None
    for node, change in update.items():
        if node == "__interrupt__":
            return "[yellow]› waiting for a human decision[/yellow]"
        change = change or {}
        if node == "plan":
            routes = ", ".join(_route_name(s) for s in change.get("subtasks", []))
            return f"[dim]› plan: {len(change.get('subtasks', []))} subtask(s) → {routes}[/dim]"
        if node == "input_guard":
            verdicts = change.get("verdicts")
            action = getattr(verdicts, "value", verdicts or [{}])[-1].get("action", "?")
            return f"[dim]› input guard: {action}[/dim]"
        if node == "open_ticket":
            return f"[dim]› escalated: ticket {(change.get('escalation') or {}).get('ticket_id')}[/dim]"
        results = change.get("results")
        if isinstance(results, dict) and results:
            statuses = ", ".join(f"{r['status']}" for r in results.values())
            return f"[dim]› {node}: {statuses}[/dim]"
        return f"[dim]› {node}[/dim]"
    return None


def _pending_interrupt(snapshot: StateSnapshot) -> dict[str, Any] | None:
    """An interrupt raised inside a specialist's own graph (a workflow's approval step, say)."""
    for task in snapshot.tasks:
        for pending in task.interrupts:
            value = pending.value if isinstance(pending.value, dict) else {"reason": str(pending.value)}
            return {
                "reason": str(value.get("reason", "waiting for a decision")),
                "kind": str(value.get("kind", "approval")),
                "ticket_id": value.get("ticket_id"),
                "status": "pending",
            }
    return None


def result_payload(
    thread_id: str, snapshot: StateSnapshot, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``--json`` object, from the run's last ``values`` (else the stored state).

    Stored state holds placeholders for personal data; the user who asked sees their own values
    again (restored from the thread's sealed vault).
    """
    values = {**(snapshot.values or {}), **(values or {})}
    vault = values.get("pii_vault") or {}

    def shown(text: str) -> str:
        return default_vault().restore(text, vault) if vault else text

    escalation = values.get("escalation") or _pending_interrupt(snapshot)
    return {
        "thread_id": thread_id,
        "answer": shown(values.get("answer", "")),
        "subtasks": [
            {
                "specialist": s["specialist"],
                "task": shown(s["task"]),
                "confidence": s["confidence"],
                "status": s["status"],
            }
            for s in values.get("subtasks", [])
        ],
        "confidence": values.get("confidence", 0.0),
        "escalation": None
        if not escalation
        else {
            "reason": shown(escalation["reason"]),
            "kind": escalation.get("kind", "approval"),
            "ticket_id": escalation["ticket_id"],
            "status": escalation["status"],
        },
        "sources": list(values.get("sources", [])),
        "path": values.get("path", "offline"),
    }


def resume_hints(thread_id: str, kind: str) -> list[str]:
    """The decisions that change something for an escalation of ``kind``, as commands to run.

    Approving only makes sense where there is something to approve: actions waiting for it, or a
    proposed answer the crew was unsure of. An out-of-scope part or a request a guard stopped has
    nothing to approve (approving would send the same reply); a person answers it or declines.
    """
    resume = f"crewline resume --thread {thread_id} --decision"
    if kind == "approval":
        return [f"approve: {resume} approve", f"decline: {resume} reject"]
    answer = f'answer the customer: {resume} edit --message "your reply"'
    if kind == "low_confidence":
        return [f"send the proposed answer: {resume} approve", answer, f"decline: {resume} reject"]
    return [answer, f"decline: {resume} reject"]


def render_result(payload: dict[str, Any], console: Console) -> None:
    console.print(payload["answer"] or "(no answer)", highlight=False)
    if payload["sources"]:
        console.print()
        for number, source in enumerate(payload["sources"], start=1):
            console.print(
                f"[dim][{number}] {source.get('title', source.get('id', ''))}[/dim]", highlight=False
            )
    console.print()
    for subtask in payload["subtasks"]:
        # "out of scope: out_of_scope" says it twice; the route name says it once
        status = "" if subtask["status"] == "out_of_scope" else f": {subtask['status']}"
        console.print(
            f"[dim]- {_route_name(subtask)}{status} (confidence {subtask['confidence']:.2f})[/dim]",
            highlight=False,
        )
    escalation = payload["escalation"]
    if escalation:
        console.print(
            f"[yellow]escalated ({escalation['status']}): {escalation['reason']} "
            f"— ticket {escalation['ticket_id']}[/yellow]",
            highlight=False,
        )
        if escalation["status"] == "pending":
            for line in resume_hints(payload["thread_id"], escalation["kind"]):
                console.print(line, highlight=False, markup=False)
    console.print(
        f"[dim]thread {payload['thread_id']} · path {payload['path']} · "
        f"confidence {payload['confidence']:.2f}[/dim]",
        highlight=False,
    )
