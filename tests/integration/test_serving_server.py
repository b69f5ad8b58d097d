"""The serving layer behind a real ``langgraph dev``: authentication, tenant isolation on every thread
endpoint, approval roles, rate limits, the audit trail, metrics and the custom routes.

One server for the module. Users: alice and bob (plain users of tenant acme), carol (approver in
acme), eve (admin of another tenant), a rate-limit user and a fuzzing user.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from crewline.cli import main
from crewline.memory.operations.keys import KeyStore
from tests.integration.langgraph_server import LangGraphServer, langgraph_server
from tests.integration.serving_probes import (
    FEEDBACK_BODIES,
    JSON_VALUES,
    ROLE_GATED,
    thread_probes,
    what_a_caller_learns,
)

pytestmark = pytest.mark.server

LOST_CARD = "I lost my card, and what is the current balance for customer C-1001?"
RATE_LIMIT = 80  # per user, refilled over 4 s (see the server's env below)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LangGraphServer]:
    import os

    env = {"CREWLINE_RATE_LIMIT_USER": f"{RATE_LIMIT}/4s", "CREWLINE_RATE_LIMIT_TENANT": "1000/s"}
    if os.environ.get("CREWLINE_TEST_REDIS"):
        env["CREWLINE_REDIS_URL"] = os.environ["CREWLINE_TEST_REDIS"]
    with langgraph_server(tmp_path_factory.mktemp("serving"), env=env) as running:
        yield running


@dataclass
class Users:
    alice: str
    bob: str
    carol: str
    eve: str


@pytest.fixture(scope="module")
def users(server: LangGraphServer) -> Users:
    tag = secrets.token_hex(3)  # unique names: a shared Redis keeps buckets between runs
    return Users(
        alice=server.create_key(f"alice-{tag}", "acme"),
        bob=server.create_key(f"bob-{tag}", "acme"),
        carol=server.create_key(f"carol-{tag}", "acme", role="approver"),
        eve=server.create_key(f"eve-{tag}", f"evil-{tag}", role="admin"),
    )


def _http(server: LangGraphServer, key: str | None) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"x-api-key": key} if key else {}, timeout=60)


def _run(client: httpx.Client, thread_id: str, **body: Any) -> httpx.Response:
    return client.post(f"/threads/{thread_id}/runs/wait", json={"assistant_id": "support", **body})


@dataclass
class Escalated:
    thread_id: str
    run_id: str
    state: dict[str, Any]


@pytest.fixture(scope="module")
def escalated(server: LangGraphServer, users: Users) -> Escalated:
    """Alice's lost-card request, waiting at the escalation for an approver."""
    with _http(server, users.alice) as alice:
        created = alice.post(
            "/threads", json={"metadata": {"owner": "bob", "tenant_id": "evil", "topic": "card"}}
        )
        assert created.status_code == 200, created.text
        thread_id = created.json()["thread_id"]
        assert (
            _run(alice, thread_id, input={"messages": [{"role": "user", "content": LOST_CARD}]}).status_code
            == 200
        )
        state = alice.get(f"/threads/{thread_id}/state").json()
        run_id = alice.get(f"/threads/{thread_id}/runs").json()[0]["run_id"]
    assert state["next"] == ["await_human"]
    return Escalated(thread_id, run_id, state)


def test_no_or_bad_credentials_get_401(server: LangGraphServer, users: Users) -> None:
    for headers in (
        {},
        {"x-api-key": "cl_000000000000_nope-nope-nope-nope-nope"},
        {"authorization": "Bearer junk"},
    ):
        response = httpx.post(f"{server.url}/threads/search", json={}, headers=headers)
        assert response.status_code == 401, (headers, response.text)
    assert httpx.post(
        f"{server.url}/threads/search", json={}, headers={"authorization": f"Bearer {users.bob}"}
    ).is_success
    revoked = server.create_key("revoked-user", "acme")
    assert httpx.post(f"{server.url}/threads/search", json={}, headers={"x-api-key": revoked}).is_success
    KeyStore(server.data_dir / "keys.sqlite").revoke(revoked.split("_")[1])
    assert (
        httpx.post(f"{server.url}/threads/search", json={}, headers={"x-api-key": revoked}).status_code == 401
    )


def test_ownership_is_stamped_not_taken_from_the_request(
    escalated: Escalated, server: LangGraphServer, users: Users
) -> None:
    with _http(server, users.alice) as alice:
        metadata = alice.get(f"/threads/{escalated.thread_id}").json()["metadata"]
        assert metadata["owner"].startswith("alice-") and metadata["tenant_id"] == "acme"
        assert metadata["topic"] == "card"
        # Alice cannot hand her thread to another tenant either.
        assert alice.patch(
            f"/threads/{escalated.thread_id}", json={"metadata": {"tenant_id": "evil"}}
        ).is_success
        assert alice.get(f"/threads/{escalated.thread_id}").json()["metadata"]["tenant_id"] == "acme"
    values = escalated.state["values"]
    assert values["tenant_id"] == "acme" and values["user_id"].startswith("alice-")


UNKNOWN_THREAD = "00000000-0000-4000-8000-000000000000"


def test_another_users_thread_is_invisible_on_every_endpoint(
    escalated: Escalated, server: LangGraphServer, users: Users
) -> None:
    """For each endpoint that takes a thread id, someone else's thread answers exactly as a thread
    that does not exist (404; 409 for copy and an SSE error event for streams, as the server answers
    for unknown threads), and nothing about the thread changes."""
    checkpoint_id = escalated.state["checkpoint"]["checkpoint_id"]
    leaks: list[str] = []
    probes = 0
    with _http(server, users.alice) as alice:
        before = alice.get(f"/threads/{escalated.thread_id}/state").json()
        runs_before = len(alice.get(f"/threads/{escalated.thread_id}/runs").json())
    ids = (escalated.thread_id, escalated.run_id, UNKNOWN_THREAD)
    for name, key in (("bob (same tenant)", users.bob), ("eve (other tenant, admin)", users.eve)):
        with _http(server, key) as other:
            theirs = thread_probes(escalated.thread_id, escalated.run_id, checkpoint_id)
            unknown = thread_probes(UNKNOWN_THREAD, escalated.run_id, checkpoint_id)
            for (method, path, body), (_, unknown_path, _) in zip(theirs, unknown, strict=True):
                probes += 1
                got = what_a_caller_learns(other.request(method, path, json=body), *ids)
                baseline = what_a_caller_learns(other.request(method, unknown_path, json=body), *ids)
                if got != baseline or not (got[0] >= 400 or "event: error" in got[1]):
                    leaks.append(f"{name}: {method} {path} -> {got} (unknown thread: {baseline})")
            for method, suffix, body in ROLE_GATED:
                probes += 1
                got = what_a_caller_learns(
                    other.request(method, f"/threads/{escalated.thread_id}{suffix}", json=body), *ids
                )
                baseline = what_a_caller_learns(
                    other.request(method, f"/threads/{UNKNOWN_THREAD}{suffix}", json=body), *ids
                )
                if got != baseline or got[0] not in (403, 404):
                    leaks.append(f"{name}: {method} {suffix} -> {got} (unknown thread: {baseline})")
            probes += 1
            found = other.post("/threads/search", json={"limit": 100}).json()
            if any(t["thread_id"] == escalated.thread_id for t in found):
                leaks.append(f"{name}: search lists the thread")
    assert leaks == [], f"{len(leaks)} leaks in {probes} probes:\n" + "\n".join(leaks)
    assert probes == 2 * (len(thread_probes("t", "r", "c")) + len(ROLE_GATED) + 1)
    with _http(server, users.alice) as alice:  # and nothing changed: 0 cross-tenant writes
        after = alice.get(f"/threads/{escalated.thread_id}/state").json()
        assert after["checkpoint"] == before["checkpoint"] and after["values"] == before["values"]
        assert len(alice.get(f"/threads/{escalated.thread_id}/runs").json()) == runs_before
        assert alice.get(f"/threads/{escalated.thread_id}").json()["metadata"]["owner"].startswith("alice-")


def test_a_cross_tenant_resume_is_audited_as_a_refusal(
    escalated: Escalated, server: LangGraphServer, users: Users
) -> None:
    """An admin of another tenant resuming the thread is refused (as if it did not exist), and the
    audit log records a refusal, never a decision."""
    resume = {"command": {"resume": {"decision": "approve"}}}
    with _http(server, users.eve) as eve:
        assert _run(eve, escalated.thread_id, **resume).status_code == 404
    rows = (
        sqlite3.connect(server.data_dir / "audit.sqlite")
        .execute("SELECT actor, action, detail FROM audit_log WHERE thread_id = ?", (escalated.thread_id,))
        .fetchall()
    )
    by_eve = [
        (action, json.loads(detail))
        for actor, action, detail in rows
        if actor.startswith("eve-") and action.startswith("escalation.")
    ]
    assert by_eve and all(action == "escalation.refused" for action, _ in by_eve), by_eve
    assert by_eve[-1][1]["refused"] == "not a thread of this tenant"


def test_only_an_approver_may_approve(escalated: Escalated, server: LangGraphServer, users: Users) -> None:
    resume = {"command": {"resume": {"decision": "approve", "by": "somebody-else"}}}
    with _http(server, users.alice) as alice:
        refused = _run(alice, escalated.thread_id, **resume)
        assert refused.status_code == 403 and "approver" in refused.text
        assert alice.get(f"/threads/{escalated.thread_id}/state").json()["next"] == ["await_human"]
    with _http(server, users.carol) as carol:  # an approver sees and answers her tenant's escalations
        assert carol.get(f"/threads/{escalated.thread_id}").is_success
        approved = _run(carol, escalated.thread_id, **resume)
        assert approved.status_code == 200, approved.text
        assert approved.json()["escalation"]["status"] == "approved"
    tickets = sqlite3.connect(server.data_dir / "tickets.sqlite")
    decided_by, tenant = tickets.execute(
        "SELECT decided_by, tenant_id FROM tickets WHERE ticket_id = ?",
        (escalated.state["values"]["escalation"]["ticket_id"],),
    ).fetchone()
    assert decided_by.startswith("carol-") and tenant == "acme"  # signed by who sent it, not the payload


def test_rate_limit_returns_429_then_recovers(server: LangGraphServer) -> None:
    key = server.create_key(f"burst-{secrets.token_hex(3)}", "acme")
    with _http(server, key) as client:
        admitted = 0
        for _ in range(5 * RATE_LIMIT):  # the bucket refills as we go: send until it runs dry
            refused = client.post("/threads/search", json={"limit": 1})
            if refused.status_code != 200:
                break
            admitted += 1
        assert refused.status_code == 429, refused.text
        assert admitted >= RATE_LIMIT  # the whole burst first
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= 3
        time.sleep(retry_after)
        assert client.post("/threads/search", json={"limit": 1}).status_code == 200
    with _http(server, server.api_key) as other:  # other users were never limited
        assert other.post("/threads/search", json={"limit": 1}).status_code == 200


def test_audit_trail_records_and_verify_catches_tampering(
    escalated: Escalated,
    server: LangGraphServer,
    users: Users,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log_path = server.data_dir / "audit.sqlite"
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(server.data_dir))  # the server's audit key and anchor
    assert main(["audit", "verify", "--url", f"sqlite:///{log_path}"]) == 0  # live, while it serves
    copy = tmp_path / "audit-copy.sqlite"
    with sqlite3.connect(log_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    url = f"sqlite:///{copy}"
    rows = (
        sqlite3.connect(copy)
        .execute("SELECT seq, actor, action, thread_id, detail FROM audit_log")
        .fetchall()
    )
    actions = {
        (actor.split("-")[0], action) for _, actor, action, thread, _ in rows if thread == escalated.thread_id
    }
    for expected in [
        ("alice", "thread.create"),
        ("alice", "run.create"),
        ("alice", "guard.verdicts"),
        ("alice", "agent.plan"),
        ("alice", "agent.result"),
        ("alice", "agent.action"),
        ("alice", "escalation.opened"),
        ("alice", "interaction.finished"),
        ("carol", "escalation.decision"),
        ("carol", "escalation.approval"),
        ("carol", "escalation.applied"),
    ]:
        assert expected in actions, (expected, sorted(actions))
    seq = next(s for s, _, action, _, _ in rows if action == "escalation.approval")
    with sqlite3.connect(copy) as conn:
        conn.execute(
            "UPDATE audit_log SET detail = replace(detail, 'approve', 'reject') WHERE seq = ?", (seq,)
        )
    assert main(["audit", "verify", "--url", url]) == 1


def test_metrics_parse_and_count_what_happened(escalated: Escalated, server: LangGraphServer) -> None:
    for path in ("/metrics", "/crewline/metrics"):
        response = httpx.get(server.url + path)
        assert response.status_code == 200
        families = {f.name: f for f in text_string_to_metric_families(response.text)}
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples
        }
        assert samples[("crewline_interactions_total", (("outcome", "escalated"),))] >= 1
        assert samples[("crewline_routed_subtasks_total", (("specialist", "card_security"),))] >= 1
        assert samples[("crewline_escalations_total", (("kind", "approval"),))] >= 1
        assert samples[("crewline_escalation_decisions_total", (("decision", "approve"),))] >= 1
        assert samples[("crewline_answer_confidence_count", ())] >= 1
        assert any(
            n == "crewline_http_requests_total" and ("status", "401") in labels for n, labels in samples
        )
        assert any(n == "crewline_rate_limited_total" for n, _ in samples) or path == "/metrics"
        for rule in ("error_rate_high", "confidence_low", "hallucination_rate_high"):
            assert (("crewline_alert_firing", (("rule", rule),))) in samples


def test_feedback_route(escalated: Escalated, server: LangGraphServer, users: Users) -> None:
    body = {"thread_id": escalated.thread_id, "rating": "up", "comment": "mail me at ada@example.com"}
    assert httpx.post(f"{server.url}/crewline/feedback", json=body).status_code == 401
    as_eve = httpx.post(f"{server.url}/crewline/feedback", json=body, headers={"x-api-key": users.eve})
    assert as_eve.status_code == 404
    bad = httpx.post(
        f"{server.url}/crewline/feedback", json={**body, "rating": "meh"}, headers={"x-api-key": users.alice}
    )
    assert bad.status_code == 422 and "rating" in bad.json()["detail"]
    ok = httpx.post(f"{server.url}/crewline/feedback", json=body, headers={"x-api-key": users.alice})
    assert ok.status_code == 201, ok.text
    (detail,) = (
        sqlite3.connect(server.data_dir / "audit.sqlite")
        .execute("SELECT detail FROM audit_log WHERE action = 'feedback' ORDER BY seq DESC LIMIT 1")
        .fetchone()
    )
    assert "ada@example.com" not in detail and "[email]" in detail
    # the crew learns from it: a +1 with the note pseudonymised, in the experience store
    (rating, note) = (
        sqlite3.connect(server.data_dir / "experiences.sqlite")
        .execute("SELECT rating, note FROM learning_feedback WHERE thread_id = ?", (escalated.thread_id,))
        .fetchone()
    )
    assert rating == 1 and "ada@example.com" not in note and "mail me at" in note
    health = httpx.get(f"{server.url}/crewline/health").json()
    assert health["status"] == "ok" and health["checks"]["audit_log"] == "ok"
    # the earlier paths still answer under langgraph dev, which has no routes of its own there
    assert httpx.get(f"{server.url}/health").json()["checks"] == health["checks"]
    again = httpx.post(f"{server.url}/feedback", json=body, headers={"x-api-key": users.alice})
    assert again.status_code == 201, again.text


def test_fuzzed_custom_routes_never_answer_5xx(server: LangGraphServer) -> None:
    key = server.create_key(f"fuzzer-{secrets.token_hex(3)}", "fuzz")
    document = httpx.get(f"{server.url}/crewline/openapi.json").json()
    operations = [(method.upper(), path) for path, item in document["paths"].items() for method in item]
    assert len(operations) == 3  # /crewline/metrics, /crewline/health, /crewline/feedback
    failures: list[str] = []

    @given(
        operation=st.sampled_from(operations),
        body=FEEDBACK_BODIES | JSON_VALUES,
        params=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=20), max_size=3),
        authorised=st.booleans(),
    )
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(operation: tuple[str, str], body: Any, params: dict[str, str], authorised: bool) -> None:
        method, path = operation
        headers = {"x-api-key": key if authorised else "wrong-key"}
        response = httpx.request(
            method,
            f"{server.url}{path}",
            params=params,
            headers=headers,
            json=body if method == "POST" else None,
            timeout=30,
        )
        if response.status_code >= 500:
            failures.append(f"{method} {path} -> {response.status_code}: {response.text[:200]}")

    check()
    assert failures == []
