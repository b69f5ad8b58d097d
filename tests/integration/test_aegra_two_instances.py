"""crewline on Aegra: two instances on loopback sharing one PostgreSQL database and one Redis.

Each instance has its own data directory; crewline's state is shared through ``CREWLINE_STATE_URL``
and both use one demo ERP, as a deployment has one. An escalation paused on A is approved on B after
A was SIGKILLed, and its action is applied once; runs a SIGKILLed instance accepted finish on the
other, among them a refund killed inside its ERP effect, which ends with one refund, the invoice
credited and the notification queued; auth is the same as under ``langgraph dev`` (401, another
tenant's 404, a user's resume 403, an approver's resume, 429 with ``Retry-After``); an approver lists
and acts on a colleague's thread only within the tenant and a ``user`` gains nothing; no personal
value reaches any PostgreSQL table; thirty concurrent runs over both, 0 errors; the server refuses to
start without crewline's auth.

Users: alice and bob (plain users of acme), carol (approver of acme), eve (admin of another tenant).
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from crewline.evals.benchmarks.workflow_crash import pristine_erp
from crewline.tools.erp import legacy_customer_id
from tests.integration.aegra_instances import aegra_cluster, service_urls
from tests.integration.aegra_pair import (
    LOST_CARD,
    Pair,
    Users,
    aegra_config,
    erp_rows,
    escalate,
    http_client,
    paused_instance,
    resume_run,
    shared_rows,
    start_run,
    wait_run,
)
from tests.integration.aegra_pause_graph import ARM_FILE, PAUSE_DIR_ENV, PAUSED_FILE

pytestmark = pytest.mark.server

PLANTED = "zed.planted.4417@example.org"
HOW_TO = "How do I dispute a charge on my card?"
HELP_PHONE = "1-800-555-0100"  # in the help-centre article that answers HOW_TO: a knowledge str channel
RATE_LIMIT = 60  # per user, refilled over 4 s
# where the worker running a refund is SIGKILLed: inside the refund effect, committed in the ERP but
# not yet returned to the saga, so not checkpointed: a retry that started the saga over (a new key)
# would refund again or fail, only one that reconciles by the step's key ends consistent
REFUND_KILL_POINT = "effect:refund:after_commit"
REFUND = {"order_id": "O-1001"}  # $45.00, refundable, under the approval limit: no approval step
# Aegra's PostgreSQL pools per instance (defaults 10 + 20 overflow and up to 20: ~58 connections a
# worker with crewline's 8): the test database server is shared, and two instances under the thirty
# concurrent runs reached its max_connections (100) with the defaults
SMALL_POOLS = {
    "SQLALCHEMY_POOL_SIZE": "2",
    "SQLALCHEMY_MAX_OVERFLOW": "4",
    "LANGGRAPH_MIN_POOL_SIZE": "1",
    "LANGGRAPH_MAX_POOL_SIZE": "4",
}


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    postgres, redis = service_urls()
    env = {
        "CREWLINE_RATE_LIMIT_USER": f"{RATE_LIMIT}/4s",
        "CREWLINE_RATE_LIMIT_TENANT": "1000/s",
        "AEGRA_CONFIG": str(aegra_config(tmp_path_factory.mktemp("config"))),
        PAUSE_DIR_ENV: str(tmp_path_factory.mktemp("pause")),
        **SMALL_POOLS,
    }
    # one ERP for both instances, as a deployment has one: an effect applied twice would show in it
    base = tmp_path_factory.mktemp("aegra")
    with aegra_cluster(base, postgres, redis, env=env, shared_erp=True) as cluster:
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


def test_auth_probes(pair: Pair) -> None:
    thread_id = escalate(pair.a, pair.users.alice)
    for instance in (pair.a, pair.b):
        with http_client(instance, None) as anonymous:
            assert anonymous.post("/threads/search", json={}).status_code == 401
        with http_client(instance, "cl_000000000000_nope-nope-nope-nope-nope") as forged:
            assert forged.get(f"/threads/{thread_id}").status_code == 401
        with http_client(instance, pair.users.eve) as eve:  # another tenant's admin: it does not exist
            assert eve.get(f"/threads/{thread_id}").status_code == 404
            assert resume_run(eve, thread_id).status_code == 404
    with http_client(pair.b, pair.users.alice) as alice:
        metadata = alice.get(f"/threads/{thread_id}").json()["metadata"]
        assert metadata["owner"].startswith("alice-") and metadata["tenant_id"] == "acme"  # not clobbered
        refused = resume_run(alice, thread_id)
        assert refused.status_code == 403 and "approver" in refused.text
        assert alice.get(f"/threads/{thread_id}/state").json()["next"] == ["await_human"]
        # v2 commands would resume past the approver check (input.respond): refused under Aegra
        respond = {"id": 1, "method": "input.respond", "params": {"response": {"decision": "approve"}}}
        assert alice.post(f"/threads/{thread_id}/commands", json=respond).status_code == 403
        assert alice.get(f"/threads/{thread_id}/state").json()["next"] == ["await_human"]
        rating = {"thread_id": thread_id, "rating": "up"}
        assert alice.post("/crewline/feedback", json=rating).status_code == 201
    with http_client(pair.b, pair.users.eve) as eve:
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
    thread_id = escalate(pair.a, pair.users.alice)
    with http_client(pair.b, pair.users.bob) as bob:
        assert bob.get(f"/threads/{thread_id}").status_code == 404
        assert bob.get(f"/threads/{thread_id}/state").status_code == 404
        assert resume_run(bob, thread_id).status_code in (403, 404)
        assert thread_id not in {t["thread_id"] for t in bob.post("/threads/search", json={}).json()}
    with http_client(pair.b, pair.users.carol) as carol:  # the approver reads it, but starts nothing on it
        assert carol.get(f"/threads/{thread_id}/state").json()["next"] == ["await_human"]
        message = {"messages": [{"role": "user", "content": "what is my balance? customer C-1001"}]}
        started = wait_run(carol, thread_id, {"assistant_id": "support", "input": message})
        assert started.status_code == 404, started.text
        assert carol.delete(f"/threads/{thread_id}").status_code == 404
    with http_client(pair.a, pair.users.alice) as alice:
        assert alice.get(f"/threads/{thread_id}").status_code == 200


def test_an_approver_lists_her_tenants_threads_and_nobody_else_does(pair: Pair) -> None:
    """``POST /threads/search`` as under ``langgraph dev``: an approver sees her tenant's threads,
    whoever owns them (filters, status and limits apply); a ``user`` only their own; another tenant's
    admin none of them."""
    thread_id = escalate(pair.a, pair.users.alice)
    with http_client(pair.b, pair.users.carol) as carol:
        found = carol.post("/threads/search", json={"status": "interrupted", "limit": 100})
        assert found.status_code == 200, found.text
        listed = {t["thread_id"]: t for t in found.json()}
        assert thread_id in listed and listed[thread_id]["metadata"]["owner"].startswith("alice-")
        assert all(t["metadata"]["tenant_id"] == "acme" for t in listed.values())
        assert all(t["status"] == "interrupted" for t in listed.values())
        owner = listed[thread_id]["metadata"]["owner"]
        mine = carol.post("/threads/search", json={"metadata": {"owner": owner}, "limit": 100}).json()
        assert thread_id in {t["thread_id"] for t in mine} and all(
            t["metadata"]["owner"] == owner for t in mine
        )
        assert len(carol.post("/threads/search", json={"limit": 1}).json()) == 1
        assert carol.post("/threads/search", json={"limit": 0}).status_code == 422  # Aegra's own check
    for outsider in (pair.users.bob, pair.users.eve):
        with http_client(pair.b, outsider) as client:
            seen = client.post("/threads/search", json={"limit": 100})
            assert seen.status_code == 200, seen.text
            assert thread_id not in {t["thread_id"] for t in seen.json()}


def test_rate_limit_answers_429_with_retry_after(pair: Pair) -> None:
    key = pair.cluster.create_key(f"burst-{secrets.token_hex(3)}", "acme")
    with http_client(pair.b, key) as client:
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
    thread_id = escalate(pair.a, pair.users.alice, text)
    with http_client(pair.b, pair.users.carol) as carol:
        assert resume_run(carol, thread_id, "reject").status_code == 200
        # a state write reaches Aegra's checkpointer with no run edge in between: only its serializer
        note = {"messages": [{"role": "user", "content": f"Call back via {PLANTED}"}]}
        written = carol.post(f"/threads/{thread_id}/state", json={"values": note})
        assert written.status_code == 200, written.text
    with http_client(pair.a, pair.users.alice) as alice:  # the knowledge specialist's answer is a str channel
        help_thread = alice.post("/threads", json={}).json()["thread_id"]
        question = {"messages": [{"role": "user", "content": HOW_TO}]}
        asked = wait_run(alice, help_thread, {"assistant_id": "support", "input": question})
        assert asked.status_code == 200 and HELP_PHONE in asked.text, asked.text[:500]
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
                for value in (PLANTED, HELP_PHONE):
                    if value in as_text or value.encode().hex() in as_text:
                        found.append(f"{value} in {schema}.{table}")
            if table == "checkpoint_blobs":
                blobs = db.execute('SELECT blob FROM "checkpoint_blobs" WHERE blob IS NOT NULL').fetchall()
                raw = [(value, bytes(blob)) for (blob,) in blobs for value in (PLANTED, HELP_PHONE)]
                found += [f"{value} in {table} (blob)" for value, blob in raw if value.encode() in blob]
    assert not found, f"stored raw: {sorted(set(found))}"


def test_thirty_concurrent_runs_across_both_instances(pair: Pair) -> None:
    from concurrent.futures import ThreadPoolExecutor

    message = {"messages": [{"role": "user", "content": "what is the balance for customer C-1001?"}]}
    tag = secrets.token_hex(3)  # a user each: the per-user rate limit is not what this measures
    keys = [pair.cluster.create_key(f"load-{tag}-{index}", "acme") for index in range(30)]

    def one(index: int) -> str:
        with http_client((pair.a, pair.b)[index % 2], keys[index]) as alice:
            created = alice.post("/threads", json={})
            if created.status_code != 200:
                return f"POST /threads {created.status_code}: {created.text[:200]}"
            thread_id = created.json()["thread_id"]
            ran = wait_run(alice, thread_id, {"assistant_id": "support", "input": message})
            if ran.status_code != 200:
                return f"{ran.status_code}: {ran.text[:200]}"
            runs = alice.get(f"/threads/{thread_id}/runs").json()
            return "ok" if [r["status"] for r in runs] == ["success"] else f"runs {runs}"

    with ThreadPoolExecutor(max_workers=30) as pool:
        outcomes = list(pool.map(one, range(30)))
    errors = [outcome for outcome in outcomes if outcome != "ok"]
    assert not errors, errors


@dataclass
class KilledMidLoad:
    """The instance SIGKILLed with a refund paused inside its effect and four runs it accepted, and how
    each ended on the survivor."""

    victim: str
    refund_run: tuple[str, str]  # (thread id, run id)
    refunds_when_killed: list[tuple[str, int, str]]  # the ERP's refunds of the order at the kill
    balance_runs: list[tuple[str, str]]
    statuses: dict[str, str]  # run id -> its status once every run ended, or at the deadline
    survivor_log: str


@pytest.fixture(scope="module")
def a_killed_mid_load(pair: Pair) -> KilledMidLoad:
    """A refund paused at :data:`REFUND_KILL_POINT` on whichever instance took it, four support runs
    sent to that instance, the instance SIGKILLed and every run waited for on the other; the killed one
    is started again only after that (so nothing else can have finished them), as ``pair.a``."""
    pause_dir = Path(pair.cluster.extra_env[PAUSE_DIR_ENV])
    (pause_dir / PAUSED_FILE).unlink(missing_ok=True)
    (pause_dir / ARM_FILE).write_text(REFUND_KILL_POINT)
    with http_client(pair.a, pair.users.alice) as alice:
        refund_run = start_run(alice, "refund", {"input": REFUND})
    victim = paused_instance(pair, pause_dir)
    survivor = pair.b if victim is pair.a else pair.a
    refunds_when_killed = erp_rows(pair.cluster, REFUND_ROWS)
    message = {"messages": [{"role": "user", "content": "what is the balance for customer C-1001?"}]}
    try:
        with http_client(victim, pair.users.alice) as alice:
            balance_runs = [start_run(alice, "support", message) for _ in range(4)]
        victim.kill()
        runs = [refund_run, *balance_runs]
        with http_client(survivor, pair.users.alice) as alice:
            deadline, statuses = time.monotonic() + 60, {}
            while time.monotonic() < deadline:
                statuses = {r: alice.get(f"/threads/{t}/runs/{r}").json()["status"] for t, r in runs}
                if all(s in ("success", "error", "interrupted", "timeout") for s in statuses.values()):
                    break
                time.sleep(0.5)
        return KilledMidLoad(
            victim.name, refund_run, refunds_when_killed, balance_runs, statuses, survivor.log_tail()
        )
    finally:
        victim.kill()
        (restarted,) = pair.cluster.start(f"{victim.name}2")
        pair.a, pair.b = restarted, survivor


REFUND_ROWS = "SELECT REF_KEY, AMT_CENTS, STAT_CD FROM REFUND_TXN WHERE ORD_ID = 'O-1001'"


def test_runs_of_a_killed_instance_finish_on_the_other(a_killed_mid_load: KilledMidLoad) -> None:
    """Runs a SIGKILLed instance had accepted (queued or running) are finished by the other once its
    leases lapse; none is lost."""
    killed = a_killed_mid_load
    assert len(killed.statuses) == 5
    assert all(s == "success" for s in killed.statuses.values()), (killed.statuses, killed.survivor_log)


def test_a_refund_killed_inside_its_effect_ends_with_one_refund(
    pair: Pair, a_killed_mid_load: KilledMidLoad, tmp_path: Path
) -> None:
    """The worker died with the refund committed but not returned: on the other instance the saga
    reconciles the refund by its key, credits the invoice and queues the notification, and the one ERP
    holds exactly one refund, one credit and one notification."""
    killed = a_killed_mid_load
    thread_id, run_id = killed.refund_run
    assert killed.statuses[run_id] == "success", (killed.statuses, killed.survivor_log)
    assert [(cents, status) for _, cents, status in killed.refunds_when_killed] == [(4500, "P")]
    with http_client(pair.b, pair.users.alice) as alice:  # pair.b: the survivor
        values = alice.get(f"/threads/{thread_id}/state").json()["values"]
    assert values["status"] == "completed", (values.get("error"), values.get("summary"))
    assert values["summary"].startswith("Refunded $45.00 for order O-1001"), values["summary"]
    steps = values["steps"]
    assert steps["refund_payment"]["key"] == killed.refunds_when_killed[0][0]  # the same key, reconciled
    customer = legacy_customer_id("C-1001")
    with sqlite3.connect(pristine_erp(tmp_path)) as seed:
        refunded_before = seed.execute(
            "SELECT REFUNDED_CENTS FROM ORDERS WHERE ORD_ID = 'O-1001'"
        ).fetchone()[0]
        owed_before = seed.execute(
            "SELECT SUM(AMT_CENTS) FROM INVHDR WHERE CUST_ID = ?", (customer,)
        ).fetchone()[0]
    cluster = pair.cluster
    assert erp_rows(cluster, REFUND_ROWS) == killed.refunds_when_killed  # exactly one refund
    (refunded,) = erp_rows(cluster, "SELECT REFUNDED_CENTS FROM ORDERS WHERE ORD_ID = 'O-1001'")
    assert refunded[0] - refunded_before == 4500
    credits = erp_rows(cluster, "SELECT REF_KEY, APPL_CENTS, STAT_CD FROM INVADJ WHERE ORD_ID = 'O-1001'")
    assert [(key, status) for key, _, status in credits] == [(steps["adjust_invoice"]["key"], "A")]
    ((owed_after,),) = erp_rows(cluster, "SELECT SUM(AMT_CENTS) FROM INVHDR WHERE CUST_ID = ?", customer)
    assert owed_before - owed_after == credits[0][1] > 0  # the invoice credited by what the credit says
    # the notification: one, queued (a saga started over would queue another under a new key)
    queued = "SELECT REF_KEY, STAT_CD FROM NOTIFY_Q WHERE CUST_ID = ? AND REF_KEY LIKE 'refund:%'"
    assert erp_rows(cluster, queued, customer) == [(steps["notify_customer"]["key"], "Q")]
    ledger = dict(erp_rows(cluster, "SELECT IDEM_KEY, STAT_CD FROM WF_EFFECT WHERE IDEM_KEY LIKE 'refund:%'"))
    expected = {steps[step]["key"]: "A" for step in ("refund_payment", "adjust_invoice", "notify_customer")}
    assert ledger == expected


def test_interrupt_on_a_kill_a_resume_on_b_applies_once(pair: Pair) -> None:
    thread_id = escalate(pair.a, pair.users.alice)
    with http_client(pair.a, pair.users.alice) as alice:
        ticket_id = alice.get(f"/threads/{thread_id}/state").json()["values"]["escalation"]["ticket_id"]
    pair.a.kill()  # for good: only the test after this one, which starts its own process, follows
    with http_client(pair.b, pair.users.carol) as carol:
        assert carol.get(f"/threads/{thread_id}").status_code == 200  # the approver sees her tenant's
        approved = resume_run(carol, thread_id)
        assert approved.status_code == 200, approved.text
        assert approved.json()["escalation"]["status"] == "approved"
        again = resume_run(carol, thread_id)  # Aegra refuses to resume a thread no longer interrupted
        assert again.status_code == 400, again.text
    url = pair.cluster.database_url
    ledger = "SELECT tool, status, attempts FROM approved_actions WHERE ticket_id = %s"
    applied = shared_rows(url, ledger, ticket_id)
    assert applied and all(status == "applied" and attempts == 1 for _, status, attempts in applied), applied
    ((decided_by,),) = shared_rows(url, "SELECT decided_by FROM tickets WHERE ticket_id = %s", ticket_id)
    assert decided_by.startswith("carol-")  # signed by who sent it, not the payload's "somebody-else"
    with sqlite3.connect(pair.b.data_dir / "erp" / "demo_erp.sqlite") as erp:  # B carried it out
        query = "SELECT FRZ_DT FROM CARDS WHERE CUST_ID = ? AND FRZ_DT IS NOT NULL"
        frozen = erp.execute(query, (legacy_customer_id("C-1001"),)).fetchall()
    assert frozen, "the approved freeze was not carried out"


def test_refuses_to_start_without_crewline_auth(pair: Pair, tmp_path: Path) -> None:
    broken = aegra_config(tmp_path, auth={"path": "crewline.graphs.serving.no_such_auth:auth"})
    served = pair.cluster.extra_env["AEGRA_CONFIG"]  # the module's instances take theirs from here
    pair.cluster.extra_env["AEGRA_CONFIG"] = str(broken)
    try:
        process, _, log_path = pair.cluster.launch("broken")
    finally:
        pair.cluster.extra_env["AEGRA_CONFIG"] = served
    try:
        code = process.wait(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code != 0
    assert "refusing to serve without it" in log_path.read_text(errors="replace")
