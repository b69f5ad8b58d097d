"""The runs of a recovery round on Aegra: sent as a load through both workers' APIs, watched in
Aegra's ``runs`` table and Redis queue, and the victim SIGKILLed while it runs one of them.

Split from :mod:`crewline.evals.benchmarks.aegra_recovery` (the rounds and the command): this module
only sends, reads and kills; it judges nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from crewline.evals.benchmarks.aegra_cluster import AegraCluster, AegraInstance
from crewline.evals.benchmarks.aegra_load import (
    FRAUD_REQUEST,
    PLAIN_TURNS,
    Keys,
    client,
    new_thread,
    resume,
    submit,
)

__all__ = [
    "EXPECTED",
    "TERMINAL",
    "Kind",
    "RunRow",
    "Submitted",
    "kill_when_busy",
    "observe",
    "run_rows",
    "stranded_runs",
    "submit_load",
    "waiting_threads",
]

Kind = Literal["plain", "escalation", "approval"]
EXPECTED: dict[Kind, str] = {"plain": "success", "escalation": "interrupted", "approval": "success"}
TERMINAL = frozenset({"success", "interrupted", "error", "timeout"})
POLL_S = 0.1
SUBMITTERS = 8  # clients sending a round's runs at once


@dataclass(frozen=True)
class Submitted:
    run_id: str
    thread_id: str
    kind: Kind


@dataclass(frozen=True)
class RunRow:
    status: str
    claimed_by: str | None
    updated_at: float  # Aegra sets it when a run starts, is re-queued and ends (wall-clock seconds)


def run_rows(db: Any, runs: Iterable[Submitted]) -> dict[str, RunRow]:
    ids = [run.run_id for run in runs]
    found = db.execute(
        "SELECT run_id, status, claimed_by, updated_at FROM runs WHERE run_id = ANY(%s)", (ids,)
    ).fetchall()
    return {str(r[0]): RunRow(str(r[1]), r[2], float(r[3].timestamp())) for r in found}


def _submit_one(url: str, keys: Keys, kind: Kind, what: str) -> Submitted | None:
    """One run sent, or ``None`` when the server refused it every time (counted in ``refusals``: a
    run never accepted cannot be lost)."""
    try:
        if kind == "approval":  # ``what``: the thread waiting for its approval
            with client(url, keys.approver) as approver:
                return Submitted(resume(approver, what), what, kind)
        with client(url, keys.user) as user:
            thread_id = new_thread(user)
            return Submitted(submit(user, thread_id, what), thread_id, kind)
    except RuntimeError as refused:
        print(f"not sent: {refused}", file=sys.stderr, flush=True)
        return None


def submit_load(
    workers: list[AegraInstance], keys: Keys, plain: int, escalations: int, approvals: list[str]
) -> list[Submitted]:
    """The round's runs, sent at once by several clients and alternately to each worker's API, as a
    load balancer would: a load, not a trickle that one worker drains alone."""
    plan: list[tuple[Kind, str]] = [("approval", thread) for thread in approvals]
    plan += [("plain", PLAIN_TURNS[i % len(PLAIN_TURNS)]) for i in range(plain)]
    plan += [("escalation", FRAUD_REQUEST) for _ in range(escalations)]
    with ThreadPoolExecutor(max_workers=SUBMITTERS) as pool:
        futures = [
            pool.submit(_submit_one, workers[index % len(workers)].url, keys, kind, what)
            for index, (kind, what) in enumerate(plan)
        ]
        return [sent for future in futures if (sent := future.result()) is not None]


def _held(db: Any, runs: list[Submitted], prefix: str) -> tuple[list[Kind], set[Kind]]:
    """The kinds of ``runs`` the victim is running, and the kinds of those that have not ended."""
    kinds = {run.run_id: run.kind for run in runs}
    rows = run_rows(db, runs)
    held = [
        kinds[run_id]
        for run_id, row in rows.items()
        if row.status == "running" and (row.claimed_by or "").startswith(prefix)
    ]
    unended = {run.kind for run in runs if run.run_id not in rows or rows[run.run_id].status not in TERMINAL}
    return held, unended


def kill_when_busy(
    db: Any, victim: AegraInstance, runs: list[Submitted], prefix: str, prefer: Kind | None, jitter: float
) -> float | None:
    """SIGKILL the victim while it runs one of ``runs`` (``prefer``'s kind while one of those has
    not ended elsewhere), ``jitter`` seconds after it was first seen busy: the kill's wall-clock
    time, or ``None`` when every run ended first."""
    start = time.monotonic()
    kill_at: float | None = None
    while time.monotonic() - start < 60:
        held, unended = _held(db, runs, prefix)
        if not unended:
            return None
        wanted = bool(held) and (prefer is None or prefer in held or prefer not in unended)
        if not wanted:
            kill_at = None  # what it held has ended: wait for the next one
        elif kill_at is None:
            kill_at = time.monotonic() + jitter
        elif time.monotonic() >= kill_at:
            killed_at = time.time()
            victim.kill()
            return killed_at
        time.sleep(0.02)
    return None


def stranded_runs(db: Any, cluster: AegraCluster, runs: list[Submitted]) -> set[str]:
    """Runs pending, unclaimed and missing from the queue twice 0.5 s apart: popped by the victim."""
    import redis

    queue = f"aegra-{cluster.tag}:jobs"
    seen: list[set[str]] = []
    with redis.Redis.from_url(cluster.redis_url, decode_responses=True) as broker:
        for _ in range(2):
            queued = set(broker.lrange(queue, 0, -1))
            rows = run_rows(db, runs)
            seen.append(
                {
                    run_id
                    for run_id, row in rows.items()
                    if row.status == "pending" and row.claimed_by is None and run_id not in queued
                }
            )
            time.sleep(0.5)
    return seen[0] & seen[1]


def observe(
    db: Any, runs: list[Submitted], prefix: str, timeout: float
) -> tuple[dict[str, RunRow], dict[str, float]]:
    """Poll until every run has ended (or ``timeout``): the last rows and, for the runs another
    worker started again, when it did."""
    restarted: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    rows = run_rows(db, runs)
    while time.monotonic() < deadline:
        rows = run_rows(db, runs)
        for run_id, row in rows.items():
            taken = row.claimed_by is not None and not row.claimed_by.startswith(prefix)
            if row.status in ("running", "pending") and (taken or row.status == "pending"):
                restarted.setdefault(run_id, row.updated_at)  # re-queued, or started elsewhere
                if taken and row.status == "running":
                    restarted[run_id] = max(restarted[run_id], row.updated_at)
        if len(rows) == len(runs) and all(row.status in TERMINAL for row in rows.values()):
            break
        time.sleep(POLL_S)
    return rows, restarted


def waiting_threads(db: Any, batch: list[Submitted]) -> list[str]:
    """The batch's fraud requests that wait at the approval: their threads, for the next approvals."""
    requests = [run for run in batch if run.kind == "escalation"]
    rows = run_rows(db, requests)
    return [
        run.thread_id for run in requests if run.run_id in rows and rows[run.run_id].status == "interrupted"
    ]
