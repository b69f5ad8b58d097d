"""Where a copied thread came from, so its escalations stay decided where they were opened.

``POST /threads/{id}/copy`` gives a new thread id to the same checkpoints, escalations included, while
tickets are keyed by the thread that opened them. Without the line back, the copy looked like a thread
that never escalated: a ``user`` could replay its approval step (the crew then refused it as a run
error, an HTTP 200 "internal error"), and a replay from before ``open_ticket`` opened a second ticket
for the same action, which an approver's approval applied a second time.

So the edge records, on the copy's metadata under :data:`LINEAGE_KEY` (a key no client may write:
the auth handler drops it from what a client sends), each thread the copy descends from and when the
line left it. A copy of a copy inherits its parent's list (the server copies metadata) and adds one.
The auth handler then counts those threads' tickets (the ones opened before the copy) as the copy's
own, and treats a checkpoint older than the copy as inherited (see :func:`inherited`).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crewline.memory.state.tickets import Ticket, TicketStore

__all__ = [
    "LINEAGE_KEY",
    "MAX_HOPS",
    "Hop",
    "checkpoint_time",
    "copied_metadata",
    "inherited",
    "line_tickets",
    "lineage",
    "record_copy",
]

LINEAGE_KEY = "crewline_copied_from"
# UUID v1/v6 timestamps count 100 ns intervals since the Gregorian reform
_UUID_EPOCH = datetime(1582, 10, 15, tzinfo=UTC)


@dataclass(frozen=True)
class Hop:
    """One step of a copy's line: the thread it was copied from, and when."""

    thread_id: str
    at: datetime


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


MAX_HOPS = 64  # copies of copies kept in a line: each hop is one ticket lookup per run


def lineage(metadata: Mapping[str, Any] | None) -> list[Hop]:
    """The threads a thread was copied from, oldest first (``[]`` for a thread that is no copy)."""
    hops: list[Hop] = []
    line = (metadata or {}).get(LINEAGE_KEY)
    if not isinstance(line, list):  # only the edge writes it, as a list; anything else is no line
        return hops
    for entry in line[-MAX_HOPS:]:
        at = _parse_time(entry.get("at")) if isinstance(entry, Mapping) else None
        if at is not None and entry.get("thread_id"):
            hops.append(Hop(str(entry["thread_id"]), at))
    return hops


def copied_metadata(metadata: Mapping[str, Any] | None, source: str, at: datetime) -> list[dict[str, str]]:
    """The :data:`LINEAGE_KEY` value of a copy of ``source`` made at ``at``, whose copied metadata
    is ``metadata`` (the source's: it holds the source's own line)."""
    hops = [*lineage(metadata), Hop(source, at)]
    return [{"thread_id": hop.thread_id, "at": hop.at.isoformat()} for hop in hops]


def checkpoint_time(checkpoint_id: str) -> datetime | None:
    """When a checkpoint was written: LangGraph's checkpoint ids are UUID v6 (time first); ``None``
    for an id that is not one."""
    try:
        value = uuid.UUID(str(checkpoint_id))
    except ValueError:
        return None
    if value.version != 6:
        return None
    bits = value.int
    ticks = ((bits >> 96) << 28) | (((bits >> 80) & 0xFFFF) << 12) | ((bits >> 64) & 0x0FFF)
    return _UUID_EPOCH + timedelta(microseconds=ticks // 10)


def inherited(checkpoint_id: str, hops: Sequence[Hop]) -> bool:
    """Whether a checkpoint of a copy came with the copy (written before the last copy was made).
    An id whose time cannot be read counts as inherited: the stricter answer."""
    if not hops:
        return False
    written = checkpoint_time(checkpoint_id)
    return written is None or written <= hops[-1].at


def line_tickets(store: TicketStore, thread_id: str, hops: Sequence[Hop]) -> list[Ticket]:
    """A thread's tickets with those its copy inherited: each ancestor's opened before the line left
    it, oldest first."""
    found = list(store.list(thread_id))
    for hop in hops:
        found += [t for t in store.list(hop.thread_id) if t.created_at <= hop.at]
    return sorted(found, key=lambda t: t.created_at)


async def record_copy(source: str, answer: bytes) -> bytes | None:
    """Write the line onto the copy the server just made of ``source`` (``answer``: its JSON reply)
    and return the reply with it; ``None`` when that failed (the copy is then deleted, so no copy
    without its line exists). ``langgraph dev`` only: Aegra has no copy route."""
    from langgraph_sdk import get_client  # the in-process client: no auth handler, no edge

    try:
        thread = json.loads(answer)
        copy_id = str(thread["thread_id"])
        metadata = thread.get("metadata") or {}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    at = _parse_time(thread.get("created_at")) or datetime.now(UTC)
    line = copied_metadata(metadata, source, at)
    client = get_client()
    try:
        await client.threads.update(copy_id, metadata={LINEAGE_KEY: line})
    except Exception:  # whatever the client raises, the copy must not stay without its line
        # already gone or unreachable: the caller is told the copy failed either way
        with contextlib.suppress(Exception):
            await client.threads.delete(copy_id)
        return None
    thread["metadata"] = {**metadata, LINEAGE_KEY: line}
    return json.dumps(thread).encode()
