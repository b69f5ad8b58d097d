"""The console's targets on the offline demo crew, in Chromium: decision round trip, new escalation
to inbox badge, and page weights.

The demo crew (``support``) runs in this process behind the console (``LocalCrew``, as ``crewline
console`` serves it) on a loopback uvicorn server; each run is audited as the server audits it, so the
charts page has data. Per round: an approver's inbox is open, a customer's card-freeze request
escalates, and the time from the ticket's creation (stamped inside the run) until the inbox's count
badge changes (it polls ``/api/pending``) is one *badge* sample; then the approver clicks approve and
the time until the page shows "Thread complete" is one *round trip* (click → thread resumed →
outcome shown). Page weight is the document plus every
resource it loaded (transfer sizes) of the inbox, a run timeline (with the crew's graph) and the charts
page; every request any page made is checked to stay on the console's origin. Targets (issue 19):
badge < 2 s, round trip < 1 s, every page < 300 KB, no request to another origin. Needs Playwright
and Debian's Chromium.

    python -m crewline.evals.benchmarks.console [--rounds 10] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TARGETS = {"badge_p90_s": 2.0, "round_trip_p90_s": 1.0, "page_bytes": 300_000}
FREEZE = "My card was stolen, please freeze it. Customer C-1005."
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
WEIGHT_JS = (
    "() => performance.getEntries().filter(e => 'transferSize' in e)"
    ".reduce((n, e) => n + Math.max(e.transferSize, e.encodedBodySize || 0), 0)"
)
CONSOLE = "/crewline/console"


@contextmanager
def _served(app: Any) -> Iterator[str]:
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


class _Demo:
    """The demo crew behind the console, and audited runs of it."""

    def __init__(self) -> None:
        from langgraph.checkpoint.memory import InMemorySaver
        from starlette.applications import Starlette
        from starlette.routing import Mount

        from crewline.graphs import build_crew, load_spec
        from crewline.graphs.serving.console import LocalCrew, create_console
        from crewline.graphs.serving.services import get_services

        self.graph = build_crew(load_spec("support"), checkpointer=InMemorySaver())
        self.app = Starlette(routes=[Mount(CONSOLE, create_console(LocalCrew.of(self.graph)))])
        self.services = get_services()
        self.key, _ = self.services.keys.create(user_id="bob", tenant_id="acme", role="approver")

    def ticket_created_at(self, ticket_id: str) -> float:
        """When the ticket was stored (a Unix time, as ``time.time()``)."""
        from crewline.memory.state.tickets import default_ticket_store

        ticket = default_ticket_store().get(ticket_id)
        assert ticket is not None, f"no ticket {ticket_id}"
        return ticket.created_at.timestamp()

    def escalate(self) -> tuple[str, str]:
        from langchain_core.messages import HumanMessage
        from langchain_core.runnables import RunnableConfig

        from crewline.graphs.serving.observer import ServingObserver

        thread = str(uuid.uuid4())
        config: RunnableConfig = {
            "configurable": {"thread_id": thread, "user_id": "ann", "tenant_id": "acme"},
            "callbacks": [ServingObserver(self.services)],
            "metadata": {"crewline_user": "ann", "crewline_tenant": "acme", "thread_id": thread},
        }
        run = self.graph.ainvoke({"messages": [HumanMessage(FREEZE)]}, config)
        with ThreadPoolExecutor(1) as worker:  # Playwright's sync API holds this thread's loop
            worker.submit(asyncio.run, run).result()
        return thread, str(self.graph.get_state(config).values["escalation"]["ticket_id"])


def _sign_in(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}{CONSOLE}/")
    page.fill("#api_key", key)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Inbox')")


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": round(statistics.median(ordered), 3),
        "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
        "max": round(ordered[-1], 3),
    }


def measure(rounds: int, chromium: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    demo = _Demo()
    trips: list[float] = []
    badge: list[float] = []
    weights: dict[str, int] = {}
    asked: list[str] = []  # every URL the pages requested (the rounds' and the weighed pages')
    with _served(demo.app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        page = browser.new_page()
        page.on("request", lambda request: asked.append(request.url))
        _sign_in(page, base, demo.key)
        for _ in range(rounds):
            page.goto(f"{base}{CONSOLE}/")
            before = page.inner_text("#pending-count")
            _, ticket = demo.escalate()
            page.wait_for_function(
                f"() => document.getElementById('pending-count').textContent !== '{before}'", timeout=10_000
            )
            # from the ticket's creation (inside the run), not from the run's end
            created = demo.ticket_created_at(ticket)
            badge.append(time.time() - created)
            page.goto(f"{base}{CONSOLE}/")
            started = time.monotonic()
            page.locator(f"#ticket-{ticket} button[value=approve]").click()
            page.wait_for_selector("#outcome h1:has-text('Thread complete')")
            trips.append(time.monotonic() - started)
        thread, _ = demo.escalate()  # one pending escalation on the inbox weighed
        for name, path in (
            ("inbox", "/"),
            ("timeline", f"/threads/{thread}"),
            ("charts", "/charts?window=1h"),
        ):
            fresh = browser.new_page()  # nothing cached from the rounds above
            _sign_in(fresh, base, demo.key)
            fresh.on("request", lambda request: asked.append(request.url))
            fresh.goto(f"{base}{CONSOLE}{path}")
            fresh.wait_for_load_state("networkidle")
            weights[name] = int(fresh.evaluate(WEIGHT_JS))
            fresh.close()
        browser.close()
    figures: dict[str, Any] = {
        "rounds": rounds,
        "badge_s": _summary(badge),
        "round_trip_s": _summary(trips),
        "page_bytes": weights,
        "requests": len(asked),
        "other_origin_requests": [u for u in asked if not u.startswith(base + "/")],
    }
    figures["targets"] = TARGETS
    figures["targets_met"] = {
        "badge": figures["badge_s"]["p90"] < TARGETS["badge_p90_s"],
        "round_trip": figures["round_trip_s"]["p90"] < TARGETS["round_trip_p90_s"],
        "page_weight": max(weights.values()) < TARGETS["page_bytes"],
        "no_other_origin": not figures["other_origin_requests"],
    }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="escalate-and-approve rounds (default 10)")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the browser to drive")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if not Path(args.chromium).exists():
        print(f"console benchmark: no browser at {args.chromium} (apt-get install chromium)", file=sys.stderr)
        return 2
    # run as a script, this folder is first on the path and its secrets.py would shadow the stdlib's
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    os.environ["CREWLINE_DATA_DIR"] = tempfile.mkdtemp(prefix="crewline-bench-console-")
    print(json.dumps(measure(args.rounds, args.chromium), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
