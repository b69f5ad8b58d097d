"""Audit entries for the console's timeline and charts tests, built in memory (no log, no hashes)."""

from __future__ import annotations

import json
from typing import Any

from crewline.memory.operations.audit import AuditEntry


def audit_entry(seq: int, ts: str, action: str, thread: str = "th-1", **detail: Any) -> AuditEntry:
    """An entry by ``ann`` of tenant ``acme`` at ``ts`` (ISO 8601), ``detail`` as its JSON data."""
    return AuditEntry(seq, ts, "ann", "acme", action, thread, json.dumps(detail), "", "")


def model_call(
    seq: int,
    ts: str,
    node: str,
    duration_s: float,
    *,
    model: str = "gpt-4o-mini",
    tokens: tuple[int, int] | None = None,
    cost_usd: float | None = None,
    status: str = "ok",
    thread: str = "th-1",
    **detail: Any,
) -> AuditEntry:
    """A ``model.call`` entry as the observer writes it; ``tokens`` is (prompt, completion), and
    the tokens and cost are left out when not given (a call that reported none)."""
    data: dict[str, Any] = {"node": node, "model": model, "duration_s": duration_s, "status": status}
    if tokens is not None:
        data["prompt_tokens"], data["completion_tokens"] = tokens
    if cost_usd is not None:
        data["cost_usd"] = cost_usd
    return audit_entry(seq, ts, "model.call", thread, **data, **detail)
