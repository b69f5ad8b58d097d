"""A copied thread (``POST /threads/{id}/copy``) through a real ``langgraph dev``: its escalation stays
decided on the thread that opened it.

Before, the copy looked like a thread that never escalated (tickets are keyed by the thread that opened
them): a ``user`` replaying the copy's approval step got HTTP 200 with ``ApprovalRefused`` / "An
internal error occurred", a replay from before ``open_ticket`` opened a second ticket for the same
fraud report, and an approver's approval of it filed the report twice. Copying another tenant's
thread answered 409 "Conflict". Now: a user gets the 403 the original gives, an approver a 409 naming
the thread to use, the report is filed once, and someone else's thread is a 404.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from crewline.evals.benchmarks.approval_replay import REQUEST, fraud_reports
from tests.integration.langgraph_server import LangGraphServer

pytestmark = pytest.mark.server

APPROVE = {"resume": {"decision": "approve"}}
LINEAGE_KEY = "crewline_copied_from"


@pytest.fixture(scope="module")
def server(default_server: LangGraphServer) -> LangGraphServer:
    return default_server


@dataclass
class Callers:
    user: httpx.Client  # owns the threads (bound to C-1005, whose fraud report the request asks for)
    user_id: str
    approver: httpx.Client  # same tenant
    approver_id: str
    colleague: httpx.Client  # another user of the same tenant
    stranger: httpx.Client  # an approver of another tenant


@pytest.fixture(scope="module")
def callers(server: LangGraphServer) -> Iterator[Callers]:
    tag = secrets.token_hex(3)

    def client(user: str, tenant: str, role: str = "user") -> httpx.Client:
        key = server.create_key(user, tenant, role=role, customers=("C-1005",))
        return httpx.Client(base_url=server.url, headers={"x-api-key": key}, timeout=120)

    made = Callers(
        user=client(f"uma-{tag}", "acme"),
        user_id=f"uma-{tag}",
        approver=client(f"abe-{tag}", "acme", "approver"),
        approver_id=f"abe-{tag}",
        colleague=client(f"cal-{tag}", "acme"),
        stranger=client(f"sid-{tag}", "globex", "approver"),
    )
    yield made
    for each in (made.user, made.approver, made.colleague, made.stranger):
        each.close()


def _wait(client: httpx.Client, thread: str, **body: Any) -> httpx.Response:
    return client.post(f"/threads/{thread}/runs/wait", json={"assistant_id": "support", **body})


def _escalated(callers: Callers) -> str:
    """A thread of the user's whose fraud report waits for an approver."""
    thread = str(callers.user.post("/threads", json={}).json()["thread_id"])
    asked = _wait(callers.user, thread, input={"messages": [{"role": "user", "content": REQUEST}]})
    assert asked.status_code == 200 and asked.json()["escalation"]["status"] == "pending", asked.text
    return thread


def _copy(client: httpx.Client, thread: str) -> str:
    copied = client.post(f"/threads/{thread}/copy")
    assert copied.status_code == 200, copied.text
    return str(copied.json()["thread_id"])


def _checkpoint(client: httpx.Client, thread: str, before: str) -> str:
    """The id of the thread's checkpoint whose next step is ``before``."""
    history = client.post(f"/threads/{thread}/history", json={"limit": 100}).json()
    return str(next(s["checkpoint"]["checkpoint_id"] for s in history if s["next"] == [before]))


def _reports(server: LangGraphServer) -> int:
    return fraud_reports(server.data_dir / "erp" / "demo_erp.sqlite")


def _refused(response: httpx.Response, status: int, *words: str) -> str:
    """The one-line reason of a refusal with ``status`` that says ``words``."""
    assert response.status_code == status, response.text
    detail = str(response.json()["detail"])
    assert "\n" not in detail and all(w in detail for w in words), detail
    return detail


def test_copying_a_thread_you_may_not_read_is_a_404(callers: Callers) -> None:
    thread = _escalated(callers)
    for outsider in (callers.stranger, callers.colleague):
        _refused(outsider.post(f"/threads/{thread}/copy"), 404, thread, "not found")
    copy = _copy(callers.user, thread)
    _refused(callers.stranger.post(f"/threads/{copy}/copy"), 404, "not found")
    # the approver of the user's tenant may read it, so may copy it
    assert callers.approver.post(f"/threads/{thread}/copy").status_code == 200


def test_a_copy_names_the_thread_it_came_from_and_no_client_can_change_that(callers: Callers) -> None:
    thread = _escalated(callers)
    copied = callers.user.post(f"/threads/{thread}/copy").json()
    assert [hop["thread_id"] for hop in copied["metadata"][LINEAGE_KEY]] == [thread]
    again = callers.user.post(f"/threads/{copied['thread_id']}/copy").json()
    assert [hop["thread_id"] for hop in again["metadata"][LINEAGE_KEY]] == [thread, copied["thread_id"]]
    patched = callers.user.patch(f"/threads/{again['thread_id']}", json={"metadata": {LINEAGE_KEY: []}})
    assert patched.json()["metadata"][LINEAGE_KEY] == again["metadata"][LINEAGE_KEY]
    forged = callers.user.post("/threads", json={"metadata": {LINEAGE_KEY: [{"thread_id": thread}]}})
    assert LINEAGE_KEY not in forged.json()["metadata"]
    # a run that creates its thread gives it the run config's metadata: no line comes in that way
    created = str(uuid.uuid4())
    line = [{"thread_id": thread, "at": "2999-01-01T00:00:00+00:00"}]
    ran = _wait(
        callers.user,
        created,
        if_not_exists="create",
        input={"messages": [{"role": "user", "content": "hello"}]},
        config={"metadata": {LINEAGE_KEY: line, "owner": callers.approver_id}},
    )
    assert ran.status_code == 200, ran.text
    made = callers.user.get(f"/threads/{created}").json()["metadata"]
    assert LINEAGE_KEY not in made and made["owner"] == callers.user_id


def test_a_user_is_refused_on_a_copy_with_the_reason_not_an_internal_error(
    server: LangGraphServer, callers: Callers
) -> None:
    thread = _escalated(callers)
    copy = _copy(callers.user, thread)
    _refused(_wait(callers.user, copy, command=APPROVE), 403, "approver or admin role")
    for step in ("await_human", "open_ticket"):  # the pending escalation replayed
        replay = _wait(callers.user, copy, checkpoint_id=_checkpoint(callers.user, copy, step))
        _refused(replay, 403, "earlier checkpoint", "approver or admin role")
    # once approved on the original, a copy replayed from before apply_decision (the reported bug:
    # HTTP 200 with "An internal error occurred")
    assert _wait(callers.approver, thread, command=APPROVE).status_code == 200
    reports = _reports(server)
    later = _copy(callers.user, thread)
    replay = _wait(callers.user, later, checkpoint_id=_checkpoint(callers.user, later, "apply_decision"))
    _refused(replay, 403, "earlier checkpoint")
    assert _reports(server) == reports
    refusals = _audited(server, callers.user_id, "run.refused")
    assert {r.get("checkpoint_id") is not None for r in refusals} == {True} and len(refusals) >= 3


def test_an_approver_decides_on_the_original_and_the_report_is_filed_once(
    server: LangGraphServer, callers: Callers
) -> None:
    thread = _escalated(callers)
    copy = _copy(callers.user, thread)
    before = _reports(server)
    on_copy = _wait(callers.approver, copy, command=APPROVE)
    _refused(on_copy, 409, f"opened on thread {thread}", "decide it there")
    replay = _wait(callers.approver, copy, checkpoint_id=_checkpoint(callers.approver, copy, "open_ticket"))
    _refused(replay, 409, f"copy of thread {thread}", f"run thread {thread} instead")
    state = callers.approver.post(f"/threads/{copy}/state", json={"values": None, "as_node": "output_guard"})
    _refused(state, 409, f"write the state of thread {thread}")
    assert _reports(server) == before  # nothing filed, and no second ticket opened on the copy
    assert [t[1] for t in _tickets(server, copy, thread)] == [thread]

    done = _wait(callers.approver, thread, command=APPROVE)
    assert done.status_code == 200 and done.json()["escalation"]["status"] == "approved", done.text
    assert _reports(server) == before + 1
    _refused(
        _wait(callers.approver, copy, command={"resume": {"decision": "reject"}}), 409, "already approved"
    )
    _refused(_wait(callers.approver, copy, command=APPROVE), 409, "decide it there")
    assert _reports(server) == before + 1
    refused = _audited(server, callers.approver_id, "escalation.refused")
    assert any("copied from" in str(r.get("refused")) for r in refused)


def test_an_escalation_the_copy_opened_itself_is_decided_on_the_copy(
    server: LangGraphServer, callers: Callers
) -> None:
    thread = _escalated(callers)
    copy = _copy(callers.user, thread)
    more = "There are more charges I don't recognise, please report fraud. Customer C-1005."
    asked = _wait(callers.user, copy, input={"messages": [{"role": "user", "content": more}]})
    assert asked.status_code == 200 and asked.json()["escalation"]["status"] == "pending", asked.text
    before = _reports(server)
    approved = _wait(callers.approver, copy, command=APPROVE)
    assert approved.status_code == 200 and approved.json()["escalation"]["status"] == "approved"
    assert _reports(server) == before + 1


def _tickets(server: LangGraphServer, *threads: str) -> list[tuple[str, str]]:
    marks = ",".join("?" for _ in threads)
    with sqlite3.connect(server.data_dir / "tickets.sqlite") as conn:
        rows = conn.execute(f"SELECT ticket_id, thread_id FROM tickets WHERE thread_id IN ({marks})", threads)
        return [(str(r[0]), str(r[1])) for r in rows.fetchall()]


def _audited(server: LangGraphServer, actor: str, action: str) -> list[dict[str, Any]]:
    with sqlite3.connect(server.data_dir / "audit.sqlite") as conn:
        rows = conn.execute("SELECT detail FROM audit_log WHERE actor = ? AND action = ?", (actor, action))
        return [json.loads(r[0]) for r in rows.fetchall()]
