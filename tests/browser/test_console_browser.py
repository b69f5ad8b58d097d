"""The console in a real browser: an approver approves a card freeze; markup in a request stays text;
a user cannot decide; the pages ask nothing of any other origin and stay small."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crewline.memory.state.tickets import default_ticket_store
from tests.browser.console_site import CONSOLE, ConsoleWorld, console_world, served
from tests.support import crews
from tests.support.fake_openai import FakeOpenAI

FREEZE = "please freeze the card of customer C-1001"
EVIL = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">'
MAX_PAGE_BYTES = 300_000


@pytest.fixture
def site() -> Iterator[tuple[ConsoleWorld, str]]:
    crews.FROZEN.clear()
    with console_world() as world, served(world.app) as base:
        yield world, base


class Watched:
    """Every request the page makes, to check that none leaves the console's origin."""

    def __init__(self, page: Any, origin: str) -> None:
        self.origin = origin
        self.urls: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))

    def foreign(self) -> list[str]:
        return [u for u in self.urls if not u.startswith(self.origin + "/")]


def _page_bytes(page: Any) -> int:
    """What the page weighed: the document and every resource it loaded (transfer sizes)."""
    return int(
        page.evaluate(
            "() => performance.getEntries().filter(e => 'transferSize' in e)"
            ".reduce((n, e) => n + Math.max(e.transferSize, e.encodedBodySize || 0), 0)"
        )
    )


def _sign_in(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}{CONSOLE}/")
    page.fill("#api_key", key)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Inbox')")


def test_an_approver_approves_a_card_freeze(
    page: Any, site: tuple[ConsoleWorld, str], screenshots: Path
) -> None:
    world, base = site
    thread_id, ticket_id = world.escalate(FREEZE)
    watched = Watched(page, base)
    page.goto(f"{base}{CONSOLE}/")
    page.screenshot(path=str(screenshots / "console_login.png"))
    _sign_in(page, base, world.key("bob", "approver"))
    card = page.locator(f"#ticket-{ticket_id}")
    assert "freeze_card" in card.inner_text() and "C-1001" in card.inner_text()
    assert page.inner_text("#pending-count") == "1"
    assert _page_bytes(page) < MAX_PAGE_BYTES
    page.screenshot(path=str(screenshots / "console_inbox.png"), full_page=True)

    card.locator("button[value=approve]").click()
    page.wait_for_selector("#outcome")
    assert page.inner_text("#outcome h1") == "Thread complete"
    assert page.inner_text("#ticket-status") == "approved"
    assert "escalation.decision" in page.inner_text("#audit-entry") and "bob" in page.inner_text(
        "#audit-entry"
    )
    page.screenshot(path=str(screenshots / "console_outcome.png"), full_page=True)
    assert crews.FROZEN == ["C-1001"]
    assert world.graph.get_state({"configurable": {"thread_id": thread_id}}).next == ()

    page.click(f"a[href='{CONSOLE}/threads/{thread_id}']")
    page.wait_for_selector("#timeline-steps")
    nodes = page.eval_on_selector_all("#timeline-steps > li", "items => items.map(i => i.dataset.node)")
    assert nodes[:3] == ["input_guard", "plan", "billing"] and "apply_decision" in nodes
    bar = page.eval_on_selector("#confidence-chart rect", "r => r.getBoundingClientRect().width")
    assert bar > 50  # a drawn bar, not a blank chart
    assert _page_bytes(page) < MAX_PAGE_BYTES
    assert watched.foreign() == []


def test_markup_in_a_request_renders_inert(page: Any, site: tuple[ConsoleWorld, str]) -> None:
    world, base = site
    thread_id, _ = world.escalate(f"{FREEZE} {EVIL}")
    # what a tool or a model might put in a ticket, past any input guard
    default_ticket_store().create(
        key="planted",
        thread_id=thread_id,
        kind="guard",
        reason=EVIL,
        transcript=f"user: {EVIL}",
        payload={"pending_actions": [{"tool": "freeze_card", "args": {"note": EVIL}}]},
        user_id="ann",
        tenant_id="acme",
    )
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    _sign_in(page, base, world.key("bob", "approver"))
    page.wait_for_timeout(300)  # give any injected handler the time to fire
    assert page.evaluate("() => window.__pwned") is None and dialogs == []
    assert page.locator("img").count() == 0
    scripts = page.eval_on_selector_all("script", "items => items.map(s => s.src)")
    assert scripts == [f"{base}{CONSOLE}/static/console.js"]
    assert "<script>window.__pwned = 1</script>" in page.inner_text("main")


def test_a_user_cannot_decide_and_forged_decisions_are_refused(
    page: Any, site: tuple[ConsoleWorld, str]
) -> None:
    world, base = site
    _, mine = world.escalate(FREEZE, user="ann")
    _, foreign = world.escalate(FREEZE, user="zed", tenant="globex")
    _sign_in(page, base, world.key("ann", "user"))
    assert page.locator(f"#ticket-{mine}").count() == 1
    assert page.locator("button[name=decision]").count() == 0
    token = page.get_attribute("input[name=csrf]", "value")  # the sign-out form's: a real session token
    post = """([url, body]) => fetch(url, {method: 'POST', body: new URLSearchParams(body),
              headers: {'content-type': 'application/x-www-form-urlencoded'}}).then(r => r.status)"""
    decision = f"{base}{CONSOLE}/tickets/{mine}/decision"
    assert page.evaluate(post, [decision, {"decision": "approve"}]) == 403  # no CSRF token
    assert page.evaluate(post, [decision, {"decision": "approve", "csrf": token}]) == 403  # a user
    page.context.clear_cookies()
    _sign_in(page, base, world.key("bob", "approver"))
    token = page.get_attribute("input[name=csrf]", "value")
    other = f"{base}{CONSOLE}/tickets/{foreign}/decision"
    assert page.evaluate(post, [other, {"decision": "approve", "csrf": token}]) == 404  # another tenant
    assert crews.FROZEN == []
    assert world.services.audit.entries(action="escalation.decision") == []


def test_the_badge_counts_a_new_escalation_without_a_reload(
    page: Any, site: tuple[ConsoleWorld, str]
) -> None:
    world, base = site
    _sign_in(page, base, world.key("bob", "approver"))
    assert page.inner_text("#pending-count") == "0"
    world.escalate(FREEZE)
    started = time.monotonic()
    page.wait_for_function(
        "() => document.getElementById('pending-count').textContent === '1'", timeout=10_000
    )
    assert time.monotonic() - started < 10
    assert page.is_visible("#new-items")


COMPOUND = "Freeze the card of customer C-1001, and what's the weather in Oslo?"


def test_the_timeline_shows_model_calls_specialists_side_by_side_and_the_crews_graph(
    page: Any, monkeypatch: pytest.MonkeyPatch, screenshots: Path
) -> None:
    crews.FROZEN.clear()
    with FakeOpenAI(crews.crew_agent) as model:
        monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        with console_world() as world, served(world.app) as base:
            thread_id, _ = world.escalate(COMPOUND, observed=True)
            watched = Watched(page, base)
            _sign_in(page, base, world.key("bob", "approver"))
            page.goto(f"{base}{CONSOLE}/threads/{thread_id}")
            page.wait_for_selector("#timeline-steps")
            # the two specialists of the plan ran in one step: drawn side by side
            billing, weather = page.locator("li[data-node=billing]"), page.locator("li[data-node=weather]")
            left, right = billing.bounding_box(), weather.bounding_box()
            assert left and right and abs(left["y"] - right["y"]) < 2 and left["x"] != right["x"]
            # each made one model call, with its duration and cost; weather's tool call beside it
            for lane in (billing, weather):
                duration = lane.locator(".model-duration").inner_text()
                assert re.fullmatch(r"\d+\.\d{3} s", duration) and float(duration[:-2]) > 0
                assert lane.locator(".model-cost").inner_text().startswith("$")
            assert "forecast" in weather.locator(".tool-calls").inner_text()
            assert "2 model call(s)" in page.inner_text("#model-summary")
            # the crew's graph, server-drawn: its node names, the visited ones marked
            names = page.eval_on_selector_all("#crew-graph .graph-node", "gs => gs.map(g => g.dataset.node)")
            assert {"input_guard", "plan", "billing", "weather", "air", "synthesize"} <= set(names)
            visited = page.eval_on_selector_all(
                "#crew-graph .graph-node.visited", "gs => gs.map(g => g.dataset.node)"
            )
            assert {"plan", "billing", "weather"} <= set(visited) and "air" not in visited
            box = page.locator("#crew-graph").bounding_box()
            assert box and box["height"] > 200
            page.screenshot(path=str(screenshots / "console_timeline.png"), full_page=True)
            assert _page_bytes(page) < MAX_PAGE_BYTES and watched.foreign() == []
