"""The console inside crewline's server app under ``langgraph dev`` (``/crewline/console``): an
approver approves the demo crew's card freeze in the browser, through the server API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_sync_client

from tests.integration.langgraph_server import LangGraphServer, langgraph_server

pytestmark = pytest.mark.server

STOLEN_CARD = "My card was stolen, please freeze it. Customer C-1005."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LangGraphServer]:
    with langgraph_server(tmp_path_factory.mktemp("console-server")) as running:
        yield running


def test_an_approver_approves_the_demo_card_freeze_on_the_server(
    page: Any, server: LangGraphServer, screenshots: Path
) -> None:
    customer = server.create_key("ann", "acme", customers=("C-1005",))
    approver = server.create_key("bob", "acme", role="approver")
    client = get_sync_client(url=server.url, api_key=customer)
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, "support", input={"messages": [{"role": "user", "content": STOLEN_CARD}]})
    assert client.threads.get_state(thread_id)["next"], "the demo crew did not escalate"

    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server.url}/crewline/console/")
    page.fill("#api_key", approver)
    page.click("button[type=submit]")
    card = page.locator("article.ticket", has_text=thread_id)
    assert "freeze_card" in card.inner_text()
    page.screenshot(path=str(screenshots / "console_server_inbox.png"), full_page=True)
    card.locator("button[value=approve]").click()
    page.wait_for_selector("#outcome")
    assert page.inner_text("#outcome h1") == "Thread complete", page.inner_text("#outcome")
    assert "escalation.decision" in page.inner_text("#audit-entry")
    assert [u for u in requests if not u.startswith(server.url + "/")] == []
    final = client.threads.get_state(thread_id)
    assert not final["next"]
    # the run timeline, with the crew's graph as the server API describes it (what Studio draws)
    page.click(f"#outcome a[href$='/threads/{thread_id}']")
    page.wait_for_selector("#crew-graph")
    names = page.eval_on_selector_all("#crew-graph .graph-node", "gs => gs.map(g => g.dataset.node)")
    handled = {str(t["specialist"]) for t in final["values"]["subtasks"]}  # the freeze's specialist
    assert {"input_guard", "plan", "synthesize", "await_human", "apply_decision"} | handled <= set(names)
    visited = page.eval_on_selector_all(
        "#crew-graph .graph-node.visited", "gs => gs.map(g => g.dataset.node)"
    )
    assert {"plan", "apply_decision"} | handled <= set(visited)
    assert "apply_decision" in page.eval_on_selector_all(
        "#timeline-steps > li", "items => items.map(i => i.dataset.node)"
    )
    assert [u for u in requests if not u.startswith(server.url + "/")] == []


def _console_session(server: LangGraphServer, key: str) -> tuple[Any, str]:
    """An HTTP client signed in to the server's console with ``key``, and its session's CSRF token."""
    import re

    import httpx

    client = httpx.Client(base_url=server.url, timeout=60)
    form = client.get("/crewline/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token, form.text
    client.post("/crewline/console/login", data={"csrf": token.group(1), "api_key": key})
    inbox = client.get("/crewline/console/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', inbox.text)
    assert csrf, inbox.text
    return client, csrf.group(1)


def test_a_user_and_another_tenants_approver_are_refused_by_the_api_and_the_console(
    server: LangGraphServer,
) -> None:
    import sqlite3

    import httpx

    customer = server.create_key("cat", "acme", customers=("C-1005",))
    stranger = server.create_key("eve", "globex", role="approver")
    client = get_sync_client(url=server.url, api_key=customer)
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, "support", input={"messages": [{"role": "user", "content": STOLEN_CARD}]})
    ticket_id = client.threads.get_state(thread_id)["values"]["escalation"]["ticket_id"]
    resume = {"resume": {"decision": "approve"}}

    # the server API (its auth handler): 403 for the user, 404 for another tenant's approver
    for key, status in ((customer, 403), (stranger, 404)):
        caller = get_sync_client(url=server.url, api_key=key)
        with pytest.raises(httpx.HTTPStatusError) as refused:
            caller.runs.wait(thread_id, "support", command=resume)  # type: ignore[arg-type]
        assert refused.value.response.status_code == status
    # the console on the same server: the same people refused, the same way
    for key, status in ((customer, 403), (stranger, 404)):
        console, csrf = _console_session(server, key)
        done = console.post(
            f"/crewline/console/tickets/{ticket_id}/decision", data={"csrf": csrf, "decision": "approve"}
        )
        assert done.status_code == status, done.text
    assert client.threads.get_state(thread_id)["next"], "a refused decision resumed the thread"
    with sqlite3.connect(server.data_dir / "audit.sqlite") as db:
        actors = [
            row[0]
            for row in db.execute(
                "SELECT actor FROM audit_log WHERE action = 'escalation.refused' AND thread_id = ?",
                (thread_id,),
            )
        ]
        decided = db.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'escalation.decision' AND thread_id = ?",
            (thread_id,),
        ).fetchone()[0]
    assert {"cat", "eve"} <= set(actors) and decided == 0
