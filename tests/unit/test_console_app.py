"""The console app over the small test crew: sign-in, CSRF, who may decide what, and a decision
resuming the thread once, audited like the server API's."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from crewline.graphs.serving.console import CONTENT_SECURITY_POLICY
from tests.browser.console_site import CONSOLE, ConsoleWorld, console_world
from tests.support import crews

FREEZE = "please freeze the card of customer C-1001"


@pytest.fixture
def world() -> Iterator[ConsoleWorld]:
    crews.FROZEN.clear()
    with console_world() as found:
        yield found


def _client(world: ConsoleWorld) -> TestClient:
    return TestClient(world.app, base_url="http://127.0.0.1")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _signed_in(world: ConsoleWorld, key: str) -> tuple[TestClient, str]:
    client = _client(world)
    form = client.get(f"{CONSOLE}/login")
    done = client.post(
        f"{CONSOLE}/login", data={"csrf": _csrf(form.text), "api_key": key}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    inbox = client.get(f"{CONSOLE}/")
    assert inbox.status_code == 200
    return client, _csrf(inbox.text)


def _audit(world: ConsoleWorld, action: str) -> list[object]:
    return list(world.services.audit.entries(action=action))


def test_sign_in_gives_a_strict_httponly_session_and_every_page_a_csp(world: ConsoleWorld) -> None:
    client = _client(world)
    assert client.get(f"{CONSOLE}/", follow_redirects=False).headers["location"] == f"{CONSOLE}/login"
    form = client.get(f"{CONSOLE}/login")
    assert form.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    bad = client.post(f"{CONSOLE}/login", data={"csrf": _csrf(form.text), "api_key": "cl_nope"})
    assert bad.status_code == 401 and "invalid" in bad.text
    key = world.key("bob", "approver")
    done = client.post(
        f"{CONSOLE}/login", data={"csrf": _csrf(form.text), "api_key": key}, follow_redirects=False
    )
    cookie = done.headers["set-cookie"].lower()
    assert "crewline_console=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert key not in done.text and key not in cookie
    page = client.get(f"{CONSOLE}/")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]


def test_sign_in_without_the_forms_token_is_refused(world: ConsoleWorld) -> None:
    response = _client(world).post(f"{CONSOLE}/login", data={"api_key": world.key("bob", "approver")})
    assert response.status_code == 403 and "crewline_console=" not in response.headers.get("set-cookie", "")


def test_an_approver_decides_once_and_the_decision_is_audited(world: ConsoleWorld) -> None:
    thread_id, ticket_id = world.escalate(FREEZE)
    client, csrf = _signed_in(world, world.key("bob", "approver"))
    assert client.get(f"{CONSOLE}/api/pending").json() == {"pending": 1}
    url = f"{CONSOLE}/tickets/{ticket_id}/decision"
    done = client.post(url, data={"csrf": csrf, "decision": "approve"})
    assert done.status_code == 200 and "Thread complete" in done.text and "escalation.decision" in done.text
    assert crews.FROZEN == ["C-1001"]
    assert world.graph.get_state({"configurable": {"thread_id": thread_id}}).next == ()
    again = client.post(url, data={"csrf": csrf, "decision": "approve"})
    assert again.status_code == 409 and crews.FROZEN == ["C-1001"]
    decisions = world.services.audit.entries(action="escalation.decision")
    assert [(e.actor, e.thread_id) for e in decisions] == [("bob", thread_id)]
    # the resumed run is recorded as the server records one: the applied action, by its approver
    applied = world.services.audit.entries(action="escalation.applied")
    assert [(e.actor, e.thread_id, e.data["status"]) for e in applied] == [("bob", thread_id, "approved")]
    assert client.get(f"{CONSOLE}/api/pending").json() == {"pending": 0}


def test_a_second_different_decision_is_refused(world: ConsoleWorld) -> None:
    _, ticket_id = world.escalate(FREEZE)
    client, csrf = _signed_in(world, world.key("bob", "approver"))
    url = f"{CONSOLE}/tickets/{ticket_id}/decision"
    assert client.post(url, data={"csrf": csrf, "decision": "reject"}).status_code == 200
    refused = client.post(url, data={"csrf": csrf, "decision": "approve"})
    assert refused.status_code == 409 and "already rejected" in refused.text
    assert crews.FROZEN == []


def test_a_user_sees_their_thread_read_only_and_cannot_decide(world: ConsoleWorld) -> None:
    _thread_id, ticket_id = world.escalate(FREEZE, user="ann")
    client, csrf = _signed_in(world, world.key("ann", "user"))
    page = client.get(f"{CONSOLE}/")
    assert ticket_id in page.text and 'name="decision"' not in page.text
    forged = client.post(
        f"{CONSOLE}/tickets/{ticket_id}/decision", data={"csrf": csrf, "decision": "approve"}
    )
    assert forged.status_code == 403 and crews.FROZEN == []
    assert [e.actor for e in world.services.audit.entries(action="escalation.refused")] == ["ann"]
    assert world.services.audit.entries(action="escalation.decision") == []


def test_a_decision_without_the_csrf_token_is_refused(world: ConsoleWorld) -> None:
    _, ticket_id = world.escalate(FREEZE)
    client, _ = _signed_in(world, world.key("bob", "approver"))
    url = f"{CONSOLE}/tickets/{ticket_id}/decision"
    assert client.post(url, data={"decision": "approve"}).status_code == 403
    assert client.post(url, data={"decision": "approve", "csrf": "forged"}).status_code == 403
    cross_site = client.post(url, data={"decision": "approve"}, headers={"origin": "http://evil.test"})
    assert cross_site.status_code == 403
    assert crews.FROZEN == [] and world.services.audit.entries(action="escalation.decision") == []


def test_another_tenants_ticket_is_not_found_and_the_attempt_audited(world: ConsoleWorld) -> None:
    _, ticket_id = world.escalate(FREEZE, tenant="globex")
    client, csrf = _signed_in(world, world.key("bob", "approver"))
    assert ticket_id not in client.get(f"{CONSOLE}/").text
    refused = client.post(
        f"{CONSOLE}/tickets/{ticket_id}/decision", data={"csrf": csrf, "decision": "approve"}
    )
    assert refused.status_code == 404 and crews.FROZEN == []
    assert [e.detail for e in world.services.audit.entries(action="escalation.refused")] != []


def test_sign_out_needs_the_token_and_ends_the_session(world: ConsoleWorld) -> None:
    client, csrf = _signed_in(world, world.key("bob", "approver"))
    assert client.post(f"{CONSOLE}/logout", data={}).status_code == 403
    assert client.get(f"{CONSOLE}/api/pending").status_code == 200
    client.post(f"{CONSOLE}/logout", data={"csrf": csrf})
    assert client.get(f"{CONSOLE}/api/pending").status_code == 401


def test_a_revoked_key_ends_its_sessions(world: ConsoleWorld) -> None:
    key = world.key("bob", "approver")
    client, _ = _signed_in(world, key)
    record = world.services.keys.lookup(key)
    assert record is not None
    world.services.keys.revoke(record.key_id)
    assert client.get(f"{CONSOLE}/api/pending").status_code == 401


def test_the_timeline_shows_the_steps_of_a_thread(world: ConsoleWorld) -> None:
    thread_id, _ = world.escalate(FREEZE)
    client, _ = _signed_in(world, world.key("bob", "approver"))
    page = client.get(f"{CONSOLE}/threads/{thread_id}")
    nodes = re.findall(r'<li data-node="([^"]+)"', page.text)
    assert nodes[:3] == ["input_guard", "plan", "billing"] and "await_human" in nodes
    assert "<svg" in page.text and "<rect" in page.text
    stranger, _ = _signed_in(world, world.key("eve", "approver", tenant="globex"))
    assert stranger.get(f"{CONSOLE}/threads/{thread_id}").status_code == 404


def test_edit_sends_the_approvers_reply_and_needs_one(world: ConsoleWorld) -> None:
    _, ticket_id = world.escalate(FREEZE)
    client, csrf = _signed_in(world, world.key("bob", "approver"))
    url = f"{CONSOLE}/tickets/{ticket_id}/decision"
    assert client.post(url, data={"csrf": csrf, "decision": "edit", "message": " "}).status_code == 422
    reply = "We have blocked the card by phone; a new one is on its way."
    done = client.post(url, data={"csrf": csrf, "decision": "edit", "message": reply})
    assert done.status_code == 200 and reply in done.text and "edited" in done.text
