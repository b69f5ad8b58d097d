"""crewline on Aegra: two instances on loopback sharing one PostgreSQL database and one Redis.

Each instance has its own data directory; crewline's state is shared through ``CREWLINE_STATE_URL``.
An escalation paused on A is approved on B after A was SIGKILLed, and its action is applied once;
runs A accepted finish on B; auth is the same as under ``langgraph dev`` (401, another tenant's 404,
a user's resume 403, an approver's resume, 429 with ``Retry-After``); an approver acts for a
colleague's thread only within the tenant and a ``user`` gains nothing; no personal value reaches any
PostgreSQL table; the server refuses to start without crewline's auth.

Users: alice and bob (plain users of acme), carol (approver of acme), eve (admin of another tenant).
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from crewline.tools.erp import legacy_customer_id
from tests.integration.aegra_instances import AegraCluster, AegraInstance, aegra_cluster

pytestmark = pytest.mark.server

LOST_CARD = "I lost my card, and what is the current balance for customer C-1001?"
PLANTED = "zed.planted.4417@example.org"
RATE_LIMIT = 60  # per user, refilled over 4 s


def _service_urls() -> tuple[str, str]:
    postgres, redis = os.environ.get("CREWLINE_TEST_POSTGRES"), os.environ.get("CREWLINE_TEST_REDIS")
    if postgres and redis:
        return postgres, redis
    reason = "CREWLINE_TEST_POSTGRES and CREWLINE_TEST_REDIS are needed for Aegra"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class Users:
    alice: str
    bob: str
    carol: str
    eve: str


@dataclass
class Pair:
    cluster: AegraCluster
    a: AegraInstance
    b: AegraInstance
    users: Users


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    postgres, redis = _service_urls()
    env = {"CREWLINE_RATE_LIMIT_USER": f"{RATE_LIMIT}/4s", "CREWLINE_RATE_LIMIT_TENANT": "1000/s"}
    with aegra_cluster(tmp_path_factory.mktemp("aegra"), postgres, redis, env=env) as cluster:
        (a,) = cluster.start("a")  # alone first: two instances migrating a fresh database at once fail
        (b,) = cluster.start("b")
        tag = secrets.token_hex(3)
        users = Users(
            alice=cluster.create_key(f"alice-{tag}", "acme"),
            bob=cluster.create_key(f"bob-{tag}", "acme"),
            carol=cluster.create_key(f"carol-{tag}", "acme", role="approver"),
            eve=cluster.create_key(f"eve-{tag}", f"evil-{tag}", role="admin"),
        )
        yield Pair(cluster, a, b, users)


def _http(instance: AegraInstance, key: str | None) -> httpx.Client:
    return httpx.Client(base_url=instance.url, headers={"x-api-key": key} if key else {}, timeout=60)


def _escalate(instance: AegraInstance, key: str, text: str = LOST_CARD) -> str:
    """A new thread of the key's user whose request waits at the escalation; its id."""
    with _http(instance, key) as client:
        created = client.post("/threads", json={"metadata": {"owner": "bob", "tenant_id": "evil"}})
        assert created.status_code == 200, created.text
        thread_id = str(created.json()["thread_id"])
        ran = client.post(
            f"/threads/{thread_id}/runs/wait",
            json={"assistant_id": "support", "input": {"messages": [{"role": "user", "content": text}]}},
        )
        assert ran.status_code == 200, ran.text
        state = client.get(f"/threads/{thread_id}/state").json()
    assert state["next"] == ["await_human"], state
    return thread_id


def _resume(client: httpx.Client, thread_id: str, decision: str = "approve") -> httpx.Response:
    command = {"resume": {"decision": decision, "by": "somebody-else"}}
    return client.post(
        f"/threads/{thread_id}/runs/wait", json={"assistant_id": "support", "command": command}
    )


def _shared(database_url: str, query: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of crewline's shared state (CREWLINE_STATE_URL: the cluster's database)."""
    import psycopg

    with psycopg.connect(database_url) as db:
        return list(db.execute(query, args).fetchall())


def test_auth_probes(pair: Pair) -> None:
    thread_id = _escalate(pair.a, pair.users.alice)
    for instance in (pair.a, pair.b):
        with _http(instance, None) as anonymous:
            assert anonymous.post("/threads/search", json={}).status_code == 401
        with _http(instance, "cl_000000000000_nope-nope-nope-nope-nope") as forged:
            assert forged.get(f"/threads/{thread_id}").status_code == 401
        with _http(instance, pair.users.eve) as eve:  # another tenant's admin: it does not exist
            assert eve.get(f"/threads/{thread_id}").status_code == 404
            assert _resume(eve, thread_id).status_code == 404
    with _http(pair.b, pair.users.alice) as alice:
        metadata = alice.get(f"/threads/{thread_id}").json()["metadata"]
        assert metadata["owner"].startswith("alice-") and metadata["tenant_id"] == "acme"  # not clobbered
        refused = _resume(alice, thread_id)
        assert refused.status_code == 403 and "approver" in refused.text
        assert alice.get(f"/threads/{thread_id}/state").json()["next"] == ["await_human"]
        # v2 commands would resume past the approver check (input.respond): refused under Aegra
        respond = {"id": 1, "method": "input.respond", "params": {"response": {"decision": "approve"}}}
        assert alice.post(f"/threads/{thread_id}/commands", json=respond).status_code == 403
        assert alice.get(f"/threads/{thread_id}/state").json()["next"] == ["await_human"]
        rating = {"thread_id": thread_id, "rating": "up"}
        assert alice.post("/crewline/feedback", json=rating).status_code == 201
    with _http(pair.b, pair.users.eve) as eve:
        assert eve.post("/crewline/feedback", json=rating).status_code == 404


def test_crewline_routes_hide_nothing_of_aegras(pair: Pair) -> None:
    aegra_health = httpx.get(f"{pair.b.url}/health", timeout=30).json()
    assert aegra_health["database"] == "connected"  # Aegra's own, not crewline's
    ours = httpx.get(f"{pair.b.url}/crewline/health", timeout=30)
    assert ours.status_code == 200, ours.text
    assert ours.json()["checks"]["checkpointer"] == "ok" and ours.json()["checks"]["audit_log"] == "ok"
    assert httpx.get(f"{pair.b.url}/openapi.json", timeout=30).json()["paths"].get("/threads")
    # the console signs people in itself (a session from an API key): its page needs no key header
    console = httpx.get(f"{pair.b.url}/crewline/console/", timeout=30, follow_redirects=True)
    assert console.status_code == 200 and "<form" in console.text, console.text[:300]


def test_a_user_gains_nothing_from_the_approver_scheme(pair: Pair) -> None:
    """Bob, alice's colleague without the approver role, can neither see nor answer her thread."""
    thread_id = _escalate(pair.a, pair.users.alice)
    with _http(pair.b, pair.users.bob) as bob:
        assert bob.get(f"/threads/{thread_id}").status_code == 404
        assert bob.get(f"/threads/{thread_id}/state").status_code == 404
        assert _resume(bob, thread_id).status_code in (403, 404)
        assert thread_id not in {t["thread_id"] for t in bob.post("/threads/search", json={}).json()}
    with _http(pair.b, pair.users.carol) as carol:  # the approver reads it, but starts nothing on it
        assert carol.get(f"/threads/{thread_id}/state").json()["next"] == ["await_human"]
        message = {"messages": [{"role": "user", "content": "what is my balance? customer C-1001"}]}
        started = carol.post(
            f"/threads/{thread_id}/runs/wait", json={"assistant_id": "support", "input": message}
        )
        assert started.status_code == 404, started.text
        assert carol.delete(f"/threads/{thread_id}").status_code == 404
    with _http(pair.a, pair.users.alice) as alice:
        assert alice.get(f"/threads/{thread_id}").status_code == 200


def test_rate_limit_answers_429_with_retry_after(pair: Pair) -> None:
    key = pair.cluster.create_key(f"burst-{secrets.token_hex(3)}", "acme")
    with _http(pair.b, key) as client:
        for _ in range(5 * RATE_LIMIT):
            refused = client.post("/threads/search", json={"limit": 1})
            if refused.status_code != 200:
                break
        assert refused.status_code == 429, refused.text
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= 4
        time.sleep(retry_after)
        assert client.post("/threads/search", json={"limit": 1}).status_code == 200


def test_no_planted_personal_value_in_any_table(pair: Pair) -> None:
    import psycopg

    text = f"{LOST_CARD} Write to me at {PLANTED}."
    thread_id = _escalate(pair.a, pair.users.alice, text)
    with _http(pair.b, pair.users.carol) as carol:
        assert _resume(carol, thread_id, "reject").status_code == 200
        # a state write reaches Aegra's checkpointer with no run edge in between: only its serializer
        note = {"messages": [{"role": "user", "content": f"Call back via {PLANTED}"}]}
        written = carol.post(f"/threads/{thread_id}/state", json={"values": note})
        assert written.status_code == 200, written.text
    found: list[str] = []
    with psycopg.connect(pair.cluster.database_url) as db:
        tables = db.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        assert {"checkpoints", "checkpoint_blobs", "checkpoint_writes", "runs", "thread"} <= {
            t for _, t in tables
        }
        for schema, table in tables:
            # every column as text, bytea included (a blob is searched as its bytes)
            rows = db.execute(f'SELECT t::text, t FROM "{schema}"."{table}" t').fetchall()
            for as_text, _ in rows:
                if PLANTED in as_text or PLANTED.encode().hex() in as_text:
                    found.append(f"{schema}.{table}")
            if table == "checkpoint_blobs":
                blobs = db.execute('SELECT blob FROM "checkpoint_blobs" WHERE blob IS NOT NULL').fetchall()
                found += [f"{table} (blob)" for (blob,) in blobs if PLANTED.encode() in bytes(blob)]
    assert not found, f"{PLANTED} stored raw in {sorted(set(found))}"


def test_thirty_concurrent_runs_across_both_instances(pair: Pair) -> None:
    from concurrent.futures import ThreadPoolExecutor

    message = {"messages": [{"role": "user", "content": "what is the balance for customer C-1001?"}]}
    tag = secrets.token_hex(3)  # a user each: the per-user rate limit is not what this measures
    keys = [pair.cluster.create_key(f"load-{tag}-{index}", "acme") for index in range(30)]

    def one(index: int) -> str:
        with _http((pair.a, pair.b)[index % 2], keys[index]) as alice:
            thread_id = alice.post("/threads", json={}).json()["thread_id"]
            body = {"assistant_id": "support", "input": message}
            ran = alice.post(f"/threads/{thread_id}/runs/wait", json=body)
            if ran.status_code != 200:
                return f"{ran.status_code}: {ran.text[:200]}"
            runs = alice.get(f"/threads/{thread_id}/runs").json()
            return "ok" if [r["status"] for r in runs] == ["success"] else f"runs {runs}"

    with ThreadPoolExecutor(max_workers=30) as pool:
        outcomes = list(pool.map(one, range(30)))
    errors = [outcome for outcome in outcomes if outcome != "ok"]
    assert not errors, errors


def test_runs_of_a_killed_instance_finish_on_the_other(pair: Pair) -> None:
    """Background runs A accepted are taken over by B once A's leases lapse; none is lost."""
    with _http(pair.a, pair.users.alice) as alice:
        runs: list[tuple[str, str]] = []
        for _ in range(4):
            thread_id = alice.post("/threads", json={}).json()["thread_id"]
            message = {"messages": [{"role": "user", "content": "what is the balance for customer C-1001?"}]}
            run = alice.post(f"/threads/{thread_id}/runs", json={"assistant_id": "support", "input": message})
            assert run.status_code == 200, run.text
            runs.append((thread_id, run.json()["run_id"]))
    pair.a.kill()
    try:
        with _http(pair.b, pair.users.alice) as alice:
            deadline = time.monotonic() + 60
            statuses: dict[str, str] = {}
            while time.monotonic() < deadline:
                statuses = {r: alice.get(f"/threads/{t}/runs/{r}").json()["status"] for t, r in runs}
                if all(s == "success" for s in statuses.values()):
                    break
                time.sleep(0.5)
            assert all(s == "success" for s in statuses.values()), (statuses, pair.b.log_tail())
    finally:
        (pair.a,) = pair.cluster.start("a2")


def test_interrupt_on_a_kill_a_resume_on_b_applies_once(pair: Pair) -> None:
    thread_id = _escalate(pair.a, pair.users.alice)
    with _http(pair.a, pair.users.alice) as alice:
        ticket_id = alice.get(f"/threads/{thread_id}/state").json()["values"]["escalation"]["ticket_id"]
    pair.a.kill()  # for good: only the test after this one, which starts its own process, follows
    with _http(pair.b, pair.users.carol) as carol:
        assert carol.get(f"/threads/{thread_id}").status_code == 200  # the approver sees her tenant's
        approved = _resume(carol, thread_id)
        assert approved.status_code == 200, approved.text
        assert approved.json()["escalation"]["status"] == "approved"
        again = _resume(carol, thread_id)  # Aegra refuses to resume a thread no longer interrupted
        assert again.status_code == 400, again.text
    url = pair.cluster.database_url
    ledger = "SELECT tool, status, attempts FROM approved_actions WHERE ticket_id = %s"
    applied = _shared(url, ledger, ticket_id)
    assert applied and all(status == "applied" and attempts == 1 for _, status, attempts in applied), applied
    ((decided_by,),) = _shared(url, "SELECT decided_by FROM tickets WHERE ticket_id = %s", ticket_id)
    assert decided_by.startswith("carol-")  # signed by who sent it, not the payload's "somebody-else"
    with sqlite3.connect(pair.b.data_dir / "erp" / "demo_erp.sqlite") as erp:  # B carried it out
        query = "SELECT FRZ_DT FROM CARDS WHERE CUST_ID = ? AND FRZ_DT IS NOT NULL"
        frozen = erp.execute(query, (legacy_customer_id("C-1001"),)).fetchall()
    assert frozen, "the approved freeze was not carried out"


def test_refuses_to_start_without_crewline_auth(pair: Pair, tmp_path: Path) -> None:
    config: dict[str, Any] = json.loads((Path(__file__).resolve().parents[2] / "aegra.json").read_text())
    repo = Path(__file__).resolve().parents[2]
    config["dependencies"] = [str(repo)]
    config["graphs"] = {
        k: str(repo / v.split(":")[0]) + ":" + v.split(":")[1] for k, v in config["graphs"].items()
    }
    config["auth"] = {"path": "crewline.graphs.serving.no_such_auth:auth"}
    broken = tmp_path / "aegra.json"
    broken.write_text(json.dumps(config))
    process, _, log_path = pair.cluster.launch("broken", broken)
    try:
        code = process.wait(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code != 0
    assert "refusing to serve without it" in log_path.read_text(errors="replace")
