"""What the auth handler's rules read of a thread before a run or a decision on it: its record (as
stored, unfiltered), the line of a copy (:mod:`crewline.graphs.serving.lineage`), its tickets with
those a copy inherited, whether a checkpoint a run names is one of its own, and where a run's body
names that checkpoint."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from crewline.graphs.serving.aegra_server import on_aegra, read_thread
from crewline.graphs.serving.lineage import Hop, line_tickets, lineage
from crewline.memory.state.tickets import Ticket, TicketStore

__all__ = [
    "ThreadFacts",
    "checkpoint_missing",
    "copied_after",
    "never_ran",
    "requested_checkpoint",
    "thread_facts",
]


@dataclass(frozen=True)
class ThreadFacts:
    """A thread's record (``None``: no such thread), its line and its tickets, oldest first."""

    thread: dict[str, Any] | None
    hops: list[Hop]
    tickets: list[Ticket]

    def inherited_ticket(self, thread_id: Any) -> Ticket | None:
        """The latest ticket this copy inherited (opened on a thread it was copied from), if any."""
        theirs = [t for t in self.tickets if t.thread_id != str(thread_id)]
        return theirs[-1] if theirs else None

    def metadata(self) -> dict[str, Any]:
        return dict((self.thread or {}).get("metadata") or {})


async def thread_facts(thread_id: Any, tickets: Callable[[], TicketStore]) -> ThreadFacts:
    if not thread_id:
        return ThreadFacts(None, [], [])
    thread = await read_thread(str(thread_id))
    hops = lineage((thread or {}).get("metadata"))
    # opening the store and reading it is file I/O: off the event loop
    found = await asyncio.to_thread(lambda: line_tickets(tickets(), str(thread_id), hops))
    return ThreadFacts(thread, hops, found)


async def checkpoint_missing(thread_id: str, checkpoint_id: str) -> bool:
    """Whether ``checkpoint_id`` is certainly not one of the thread's checkpoints: a run from it would
    start the graph with no input and fail as HTTP 200 ``EmptyInputError``. False when the question
    fails (no such thread, an id the saver refuses): the API answers the run itself."""
    try:
        if on_aegra():
            return await _aegra_checkpoint_missing(thread_id, checkpoint_id)
        from langgraph_sdk import get_client  # the in-process client: not filtered by the auth handler

        state = await get_client().threads.get_state(thread_id, checkpoint_id=checkpoint_id)
    except Exception:  # whatever the client or the saver raises, this check decides nothing
        return False
    return state.get("created_at") is None  # the API's answer for a checkpoint it does not hold


async def _aegra_checkpoint_missing(thread_id: str, checkpoint_id: str) -> bool:
    from aegra_api.core.database import db_manager

    config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": "", "checkpoint_id": checkpoint_id}}
    return await db_manager.get_checkpointer().aget_tuple(config) is None


async def never_ran(thread_id: str) -> bool:
    """Whether the thread certainly has no checkpoint yet: a command (a resume) on it has nothing to
    resume, and the crew failed it as HTTP 200 ``TypeError``. ``langgraph dev`` only (Aegra refuses a
    resume of a thread not interrupted itself); False when the question fails."""
    if on_aegra():
        return False
    from langgraph_sdk import get_client

    try:
        state = await get_client().threads.get_state(thread_id)
    except Exception:  # no such thread: the API answers the run itself
        return False
    return state.get("created_at") is None


def requested_checkpoint(kwargs: Mapping[str, Any]) -> Any:
    """The checkpoint a run starts from, wherever the body put it: ``config.configurable`` (where
    ``langgraph dev`` folds ``checkpoint_id``, ``checkpoint`` and ``context`` in), or, under Aegra,
    the top-level ``checkpoint_id`` / ``checkpoint`` it folds in only after the auth handler ran."""
    for holder, key in (("config", "configurable"), ("checkpoint", None), ("context", None)):
        found = kwargs.get(holder)
        found = found.get(key) if key and isinstance(found, Mapping) else found
        if isinstance(found, Mapping) and found.get("checkpoint_id"):
            return found["checkpoint_id"]
    return kwargs.get("checkpoint_id")


def copied_after(thread_id: Any, ticket: Ticket) -> str:
    """How a refusal on a copy starts: which thread it was copied from, after which escalation."""
    copied = f"thread {thread_id} is a copy of thread {ticket.thread_id}"
    return f"{copied} made after its escalation {ticket.ticket_id}"
