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
