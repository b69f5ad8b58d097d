"""A console over the small test crew, as a user's Python app would serve it: the crew in process
(``LocalCrew``), keys from the key store, tickets from real runs that escalate."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from starlette.applications import Starlette
from starlette.routing import Mount

from crewline.graphs.serving.console import LocalCrew, create_console
from crewline.graphs.serving.services import Services, get_services, reset_services
from tests.support.crews import small_crew

CONSOLE = "/crewline/console"


@dataclass
class ConsoleWorld:
    graph: Any
    app: Starlette
    services: Services
    keys: dict[str, str] = field(default_factory=dict)

    def key(self, user: str, role: str, tenant: str = "acme") -> str:
        name = f"{user}@{tenant}"
        if name not in self.keys:
            self.keys[name], _ = self.services.keys.create(user_id=user, tenant_id=tenant, role=role)
        return self.keys[name]

    def escalate(
        self, request: str, user: str = "ann", tenant: str = "acme", *, observed: bool = False
    ) -> tuple[str, str]:
        """Run ``request`` as ``user`` until it escalates: ``(thread_id, ticket_id)``. ``observed``:
        recorded in the audit log as the server records a run it admitted (its model and tool calls)."""
        thread_id = str(uuid.uuid4())
        config: dict[str, Any] = {
            "configurable": {"thread_id": thread_id, "user_id": user, "tenant_id": tenant}
        }
        if observed:
            from crewline.graphs.serving.observer import ServingObserver, observer_installed

            # the process's observer when a test imported the server's auth or app, else one
            config["callbacks"] = [] if observer_installed() else [ServingObserver(self.services)]
            config["metadata"] = {"crewline_user": user, "crewline_tenant": tenant, "thread_id": thread_id}
        run = self.graph.ainvoke({"messages": [HumanMessage(request)]}, config)
        # a thread of its own: a browser test's Playwright holds an event loop in this one
        with ThreadPoolExecutor(1) as worker:
            worker.submit(asyncio.run, run).result()
        escalation = self.graph.get_state(config).values.get("escalation") or {}
        assert escalation.get("ticket_id"), f"the request did not escalate: {request!r}"
        return thread_id, str(escalation["ticket_id"])


@contextmanager
def console_world() -> Iterator[ConsoleWorld]:
    """The small crew with an in-memory checkpointer, and the console over it at ``/crewline/console``
    (the services re-read this test's data directory, and are dropped after)."""
    reset_services()
    try:
        graph = small_crew(checkpointer=InMemorySaver())
        app = Starlette(routes=[Mount(CONSOLE, create_console(LocalCrew.of(graph)))])
        yield ConsoleWorld(graph, app, get_services())
    finally:
        reset_services()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app: Starlette) -> Iterator[str]:
    """``app`` served by uvicorn on a loopback port in a thread: its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
