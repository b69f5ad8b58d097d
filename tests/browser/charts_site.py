"""Audited runs for the charts tests: requests through the small crew with the server's observer
attached, so the audit log holds what a served crew writes (plans, verdicts, finished turns)."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from langchain_core.messages import HumanMessage

from crewline.graphs.serving.observer import ServingObserver, observer_installed
from tests.browser.console_site import ConsoleWorld

ANSWERED = ("what's the weather in Oslo", "how is the air quality in Paris", "will it rain tomorrow in Rome")
ESCALATED = "please freeze the card of customer C-1001"


def observed_run(
    world: ConsoleWorld,
    request: str,
    user: str = "ann",
    tenant: str | None = "acme",
    metadata: dict[str, Any] | None = None,
) -> str:
    """Run ``request`` as ``user`` of ``tenant`` as the server would (audited): its thread id.
    ``metadata``: more run metadata (``model_version``: the version its model calls are counted for)."""
    thread_id = str(uuid.uuid4())
    config = {
        "configurable": {"thread_id": thread_id, "user_id": user, "tenant_id": tenant},
        # the server's own observer when this process has it (a test imported the app), else one
        "callbacks": [] if observer_installed() else [ServingObserver(world.services)],
        "metadata": {
            "crewline_user": user,
            "crewline_tenant": tenant,
            "thread_id": thread_id,
            **(metadata or {}),
        },
    }
    run = world.graph.ainvoke({"messages": [HumanMessage(request)]}, config)
    with ThreadPoolExecutor(1) as worker:  # a loop of its own: Playwright may hold this thread's
        worker.submit(asyncio.run, run).result()
    return thread_id


def seed_interactions(world: ConsoleWorld) -> None:
    """Three answered turns and one escalated for acme's ann, one answered for globex's gil."""
    for request in ANSWERED:
        observed_run(world, request)
    observed_run(world, ESCALATED)
    observed_run(world, "what's the weather in Lima", user="gil", tenant="globex")
