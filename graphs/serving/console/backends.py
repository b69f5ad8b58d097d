"""Where the console reads a thread and sends a decision: the server API, or a crew in this process.

Both take the decision the way their own API does: :class:`ServerApi` posts the resume ``Command`` to
the LangGraph server with the signed-in person's key (the server's auth handler authorizes and
audits it, exactly as for an SDK or curl client); :class:`crewline.graphs.serving.console.local.LocalCrew`
(``crewline console`` without a server) applies the same rules before it resumes the crew.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import httpx

from crewline.graphs.serving.console.sessions import Session
from crewline.memory.state.tickets import Ticket

__all__ = ["ConsoleBackend", "Decision", "DecisionOutcome", "ServerApi"]

DecisionName = Literal["approve", "reject", "edit"]


@dataclass(frozen=True)
class Decision:
    decision: DecisionName
    message: str | None = None

    def resume(self, by: str) -> dict[str, Any]:
        """The value the crew's ``interrupt()`` receives (what ``crewline resume`` sends)."""
        return {"decision": self.decision, "message": self.message, "by": by}


@dataclass(frozen=True)
class DecisionOutcome:
    """What became of a decision: ``completed`` (the thread ran on to its end), ``waiting`` (it
    stopped at another escalation) or ``refused`` (``status`` says why: 403, 404, 409)."""

    state: Literal["completed", "waiting", "refused"]
    status: int
    detail: str
    answer: str = ""
    values: dict[str, Any] = field(default_factory=dict)


class ConsoleBackend(Protocol):
    async def thread_values(self, session: Session, thread_id: str) -> dict[str, Any] | None:
        """The thread's current values, if this person may read the thread."""
        ...

    async def thread_history(self, session: Session, thread_id: str) -> list[dict[str, Any]] | None:
        """The thread's checkpoints, oldest first (``{"step", "next", "values", "created_at"}``)."""
        ...

    async def crew_graph(self, session: Session, thread_id: str) -> Any:
        """The thread's crew as Studio draws it (``get_graph()`` or the server's graph JSON), or ``None``."""
        ...

    async def decide(self, session: Session, ticket: Ticket, decision: Decision) -> DecisionOutcome: ...


class ServerApi:
    """The LangGraph server (``langgraph dev`` or Aegra) the console is mounted in, over loopback HTTP
    with the session's key: the same path, authorization and audit entry as any API client."""

    def __init__(self, timeout_s: float = 120.0) -> None:
        self.timeout_s = timeout_s

    def _client(self, session: Session) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=session.origin, headers={"x-api-key": session.api_key}, timeout=self.timeout_s
        )

    async def thread_values(self, session: Session, thread_id: str) -> dict[str, Any] | None:
        async with self._client(session) as client:
            response = await client.get(f"/threads/{thread_id}/state")
        if response.status_code != 200:
            return None
        values = response.json().get("values")
        return values if isinstance(values, dict) else None

    async def thread_history(self, session: Session, thread_id: str) -> list[dict[str, Any]] | None:
        async with self._client(session) as client:
            response = await client.post(f"/threads/{thread_id}/history", json={"limit": 200})
        if response.status_code != 200:
            return None
        return [
            {
                "step": (item.get("metadata") or {}).get("step"),
                "next": list(item.get("next") or ()),
                "values": item.get("values") or {},
                "created_at": item.get("created_at"),
            }
            for item in reversed(response.json())
        ]

    async def crew_graph(self, session: Session, thread_id: str) -> Any:
        """``GET /assistants/{graph}/graph``: what Studio draws (JSON nodes and edges)."""
        async with self._client(session) as client:
            thread = await client.get(f"/threads/{thread_id}")
            graph_id = (
                (thread.json().get("metadata") or {}).get("graph_id") if thread.status_code == 200 else None
            )
            if not graph_id:
                return None
            response = await client.get(f"/assistants/{graph_id}/graph")
        return response.json() if response.status_code == 200 else None

    async def decide(self, session: Session, ticket: Ticket, decision: Decision) -> DecisionOutcome:
        async with self._client(session) as client:
            thread = await client.get(f"/threads/{ticket.thread_id}")
            if thread.status_code != 200:
                return DecisionOutcome("refused", thread.status_code, _detail(thread))
            graph_id = (thread.json().get("metadata") or {}).get("graph_id")
            body = {
                "assistant_id": graph_id,
                "command": {"resume": decision.resume(session.identity.user_id)},
            }
            response = await client.post(f"/threads/{ticket.thread_id}/runs/wait", json=body)
            if response.status_code >= 400:
                return DecisionOutcome("refused", response.status_code, _detail(response))
            state = await client.get(f"/threads/{ticket.thread_id}/state")
        values = response.json() if isinstance(response.json(), dict) else {}
        waiting = state.status_code == 200 and bool(state.json().get("next"))
        return DecisionOutcome(
            "waiting" if waiting else "completed",
            200,
            "the thread is waiting for another decision" if waiting else "the thread ran to its end",
            str(values.get("answer") or ""),
            values,
        )


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return str(detail or response.reason_phrase or f"HTTP {response.status_code}")
