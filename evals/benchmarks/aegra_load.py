"""What the Aegra benchmarks send and read: the offline demo crew's request mix, the keys that send
it, background runs and approvals over the LangGraph server API, and the side effects they leave
(tickets and the approved-action ledger in the shared state, fraud reports in the one demo ERP).

The mix is fixed, not tuned: a balance, the open invoices, a how-to answered from the knowledge base,
an out-of-scope question (plain turns of the support crew), and a fraud report, which waits for an
approver (an approval-gated action; an approver's resume files it in the ERP, once).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from crewline.evals.benchmarks.aegra_cluster import AegraCluster
from crewline.evals.benchmarks.approval_replay import REQUEST as FRAUD_REQUEST
from crewline.tools.erp import open_demo_erp
from crewline.tools.erp_effects import ERPEffects

__all__ = [
    "FRAUD_REQUEST",
    "GRAPH",
    "LOOSE_RATE_LIMITS",
    "PLAIN_TURNS",
    "Keys",
    "LedgerAudit",
    "add_service_args",
    "audit_fraud_reports",
    "client",
    "fraud_reports",
    "make_keys",
    "new_thread",
    "percentile",
    "refusals",
    "resume",
    "submit",
]

GRAPH = "support"  # the demo crew
PLAIN_TURNS = (
    "what is the balance for customer C-1001?",
    "show the open invoices for customer C-1001",
    "How do I dispute a charge on my card?",
    "what is the capital of France?",
)
FRAUD_CUSTOMER = "0001005"  # C-1005 in the ERP's own key
# a benchmark measures the servers, not the rate limiter: no request may be refused for its rate
LOOSE_RATE_LIMITS = {"CREWLINE_RATE_LIMIT_USER": "1000000/s", "CREWLINE_RATE_LIMIT_TENANT": "1000000/s"}


def add_service_args(parser: argparse.ArgumentParser) -> None:
    """``--postgres`` and ``--redis``: the one PostgreSQL and one Redis every worker shares."""
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CREWLINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"),
        help="an admin URL: the benchmark creates a fresh database there and drops it afterwards",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("CREWLINE_TEST_REDIS", "redis://127.0.0.1:6379/0"),
        help="the benchmark uses db 7 of this server with key names of its own",
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Keys:
    user: str  # a plain user of tenant acme, for customers C-1001 and C-1005
    approver: str  # an approver of acme: resumes the user's escalations


def make_keys(cluster: AegraCluster) -> Keys:
    tag = secrets.token_hex(3)
    user = cluster.create_key(f"bench-user-{tag}", "acme", customers=("C-1001", "C-1005"))
    approver = cluster.create_key(f"bench-approver-{tag}", "acme", role="approver")
    return Keys(user=user, approver=approver)


def client(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"x-api-key": key}, timeout=60)


# requests a worker answered with a 5xx or dropped, then sent again (at most ATTEMPTS times): on the
# shared development machines, PostgreSQL's connection limit ("too many clients") is the usual cause
refusals: list[str] = []
ATTEMPTS = 7  # waits 1 + 2 + 4 + 8 + 10 + 10 s: the connection limit is hit in bursts


def _post(http: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body``; a server error is retried, anything else not 200 is an error of the benchmark."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            answer = http.post(path, json=body)
        except httpx.TransportError as exc:
            problem = f"{path}: {type(exc).__name__}"
        else:
            if answer.status_code == 200:
                reply: dict[str, Any] = answer.json()
                return reply
            problem = f"{path}: {answer.status_code} {answer.text[:200]}"
            if answer.status_code < 500:
                break
        refusals.append(problem)
        if attempt < ATTEMPTS:
            time.sleep(min(2 ** (attempt - 1), 10))
    raise RuntimeError(f"the server refused {path}: {problem}")


def new_thread(http: httpx.Client) -> str:
    """A thread of the key's user (made first: Aegra gives a run's own thread no tenant)."""
    return str(_post(http, "/threads", {})["thread_id"])


def _background(http: httpx.Client, thread_id: str, body: dict[str, Any]) -> str:
    return str(_post(http, f"/threads/{thread_id}/runs", {"assistant_id": GRAPH, **body})["run_id"])


def submit(http: httpx.Client, thread_id: str, text: str) -> str:
    """A background run of ``text`` on the thread: its run id (any worker may take it)."""
    return _background(http, thread_id, {"input": {"messages": [{"role": "user", "content": text}]}})


def resume(http: httpx.Client, thread_id: str) -> str:
    """The approver's approval of the thread's escalation, as a background run: its run id."""
    return _background(http, thread_id, {"command": {"resume": {"decision": "approve"}}})


@dataclass(frozen=True)
class LedgerAudit:
    """The approval-gated actions' side effects, counted in the ERP's business table and ledgers."""

    approved_tickets: int  # escalations an approver resumed to success
    fraud_reports_filed: int  # new FRAUD_RPT rows (the business table: what a customer would see)
    tickets_applied_twice: list[str]  # a ticket with more than one fraud report (effect ledger)
    tickets_not_applied: list[str]  # an approved ticket whose action is not in the ERP
    unkeyed_reports: int  # fraud reports no effect-ledger row accounts for
    duplicate_tickets: int  # threads with more than one ticket (an escalation re-run opened another)
    retried_in_flight: int  # ledger rows claimed more than once (a worker died between claim and settle)

    @property
    def applied_twice(self) -> int:
        return len(self.tickets_applied_twice) + self.unkeyed_reports + self.duplicate_tickets


def audit_fraud_reports(
    database_url: str, erp_path: Path, seeded_reports: int, resumed: dict[str, str]
) -> LedgerAudit:
    """Compare the ERP with the shared state: ``resumed`` maps each approved thread to its ticket."""
    import psycopg

    with psycopg.connect(database_url) as db:
        duplicates = db.execute(
            "SELECT count(*) FROM (SELECT thread_id FROM tickets GROUP BY thread_id HAVING count(*) > 1) d"
        ).fetchone()
        retried = db.execute("SELECT count(*) FROM approved_actions WHERE attempts > 1").fetchone()
    effects = [
        effect
        for effect in ERPEffects(open_demo_erp(erp_path.parent.parent)).effects()
        if effect.operation == "fraud_report" and effect.status == "applied"
    ]
    per_ticket: dict[str, int] = {}
    for effect in effects:  # keys are approval:<ticket>:<index>:<tool>
        ticket = effect.key.split(":")[1]
        per_ticket[ticket] = per_ticket.get(ticket, 0) + 1
    filed = fraud_reports(erp_path) - seeded_reports
    tickets = set(resumed.values())
    return LedgerAudit(
        approved_tickets=len(tickets),
        fraud_reports_filed=filed,
        tickets_applied_twice=sorted(t for t, n in per_ticket.items() if n > 1),
        tickets_not_applied=sorted(t for t in tickets if per_ticket.get(t, 0) == 0),
        unkeyed_reports=max(0, filed - len(effects)),
        duplicate_tickets=int(duplicates[0]) if duplicates else 0,
        retried_in_flight=int(retried[0]) if retried else 0,
    )


def fraud_reports(erp_path: Path) -> int:
    """C-1005's fraud reports in the ERP at ``erp_path`` (made from the seed if it is not there yet)."""
    open_demo_erp(erp_path.parent.parent)
    with contextlib.closing(sqlite3.connect(f"file:{erp_path}?mode=ro", uri=True)) as erp:
        query = "SELECT count(*) FROM FRAUD_RPT WHERE CUST_ID = ?"
        (count,) = erp.execute(query, (FRAUD_CUSTOMER,)).fetchone()
    return int(count)
