"""Recovery of crewline on Aegra: SIGKILL a worker mid-load, again and again, and check that its runs
finish on the other worker in time, none is lost and no approved action is applied twice.

Two Aegra workers share one fresh PostgreSQL database and one Redis (:mod:`.aegra_cluster`: lease 3 s,
heartbeat 1 s, reaper 1 s unless told otherwise) and one demo ERP. Each round submits background runs
through both workers' APIs: plain turns of the support crew, fraud reports that wait for an approver,
and the approver's resumes of the previous round's fraud reports (each files one report in the ERP).
As soon as the round's victim (the workers take turns) is running one of them (on odd rounds, an
approval if one comes within 3 s), it is SIGKILLed, after a random 0-0.3 s; then the victim is
restarted under the same name once every run of the round has ended.

For every run the victim was running at the kill: the time from the kill until it finished on the
other worker, against the bound ``lease + reaper interval + its run time there`` (its run time: from
its start on the other worker, read from Aegra's ``runs`` table, until it finished). Runs the victim
had taken off the queue but not started are re-queued by another rule (pending longer than
``STUCK_PENDING_THRESHOLD_SECONDS``) and reported apart. A run is *lost* if it does not end as it
should (turns ``success``, fraud requests ``interrupted`` at the approval, resumes ``success``) within
``--timeout`` seconds. *Applied twice*: a ticket whose report the ERP's effect ledger holds twice, a
fraud report no ledger row accounts for, a thread with two tickets. A turn that ended ``success`` but
whose answer, as the user reads it (the thread's state, revealed at the edge), still shows a
placeholder lost a value on the way and is reported apart (``answered_showing_a_placeholder``).

    python -m crewline.evals.benchmarks.aegra_recovery [--kills 20] [--plain 6] [--escalations 2]
        [--postgres postgresql://…] [--redis redis://…] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from crewline.evals.benchmarks.aegra_cluster import (
    TIMINGS,
    AegraCluster,
    AegraInstance,
    AegraUnavailable,
    BenchmarkFailed,
    aegra_cluster,
    seconds,
)
from crewline.evals.benchmarks.aegra_load import (
    FRAUD_REQUEST,
    LOOSE_RATE_LIMITS,
    PLAIN_TURNS,
    Keys,
    add_service_args,
    audit_fraud_reports,
    client,
    fraud_reports,
    make_keys,
    new_thread,
    percentile,
    refusals,
    resume,
    submit,
)
from crewline.nodes.guards.vault import PLACEHOLDER

__all__ = ["KillRound", "Recovery", "main"]

Kind = Literal["plain", "escalation", "approval"]
EXPECTED: dict[Kind, str] = {"plain": "success", "escalation": "interrupted", "approval": "success"}
TERMINAL = frozenset({"success", "interrupted", "error", "timeout"})
POLL_S = 0.1
JITTER_S = 0.3  # a kill lands anywhere in a run, not only right after its claim
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


@dataclass
class Recovery:
    """One run the victim was running when it was killed."""

    run_id: str
    kind: Kind
    status: str
    recovered_s: float | None  # kill → finished on the other worker
    restarted_s: float | None  # kill → started again on the other worker
    run_s: float | None  # its run there (start → finish)
    bound_s: float | None  # lease + reaper interval + run_s
    within: bool


@dataclass
class KillRound:
    round: int
    victim: str
    submitted: int
    in_flight: dict[str, int]  # runs the victim was running at the kill, by kind
    stranded: int  # runs it had taken off the queue but not started
    stranded_finished_s: list[float] = field(default_factory=list)  # kill → finished, those runs
    recoveries: list[Recovery] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # "kind run_id: status"


def _rows(db: Any, runs: Iterable[Submitted]) -> dict[str, RunRow]:
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


def _submit_load(
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
    rows = _rows(db, runs)
    held = [
        kinds[run_id]
        for run_id, row in rows.items()
        if row.status == "running" and (row.claimed_by or "").startswith(prefix)
    ]
    unended = {run.kind for run in runs if run.run_id not in rows or rows[run.run_id].status not in TERMINAL}
    return held, unended


def _kill_when_busy(
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


def _stranded(db: Any, cluster: AegraCluster, runs: list[Submitted]) -> set[str]:
    """Runs pending, unclaimed and missing from the queue twice 0.5 s apart: popped by the victim."""
    import redis

    queue = f"aegra-{cluster.tag}:jobs"
    seen: list[set[str]] = []
    with redis.Redis.from_url(cluster.redis_url, decode_responses=True) as broker:
        for _ in range(2):
            queued = set(broker.lrange(queue, 0, -1))
            rows = _rows(db, runs)
            seen.append(
                {
                    run_id
                    for run_id, row in rows.items()
                    if row.status == "pending" and row.claimed_by is None and run_id not in queued
                }
            )
            time.sleep(0.5)
    return seen[0] & seen[1]


def _observe(
    db: Any, runs: list[Submitted], prefix: str, timeout: float
) -> tuple[dict[str, RunRow], dict[str, float]]:
    """Poll until every run has ended (or ``timeout``): the last rows and, for the runs another
    worker started again, when it did."""
    restarted: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    rows = _rows(db, runs)
    while time.monotonic() < deadline:
        rows = _rows(db, runs)
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


def _recovery(
    run: Submitted, row: RunRow | None, killed_at: float, restarted: float | None, allowance: float
) -> Recovery:
    status = row.status if row else "missing"
    if row is None or status not in TERMINAL:
        return Recovery(run.run_id, run.kind, status, None, None, None, None, False)
    recovered = row.updated_at - killed_at
    run_s = row.updated_at - restarted if restarted is not None else None
    bound = allowance + run_s if run_s is not None else None
    within = status == EXPECTED[run.kind] and bound is not None and recovered <= bound
    restarted_s = restarted - killed_at if restarted is not None else None
    return Recovery(run.run_id, run.kind, status, recovered, restarted_s, run_s, bound, within)


def _kill_round(
    number: int,
    cluster: AegraCluster,
    workers: dict[str, AegraInstance],
    keys: Keys,
    approvals: list[str],
    args: argparse.Namespace,
    db: Any,
    rng: random.Random,
) -> tuple[KillRound, list[Submitted]]:
    names = sorted(workers)
    victim_name = names[number % len(names)]
    victim = workers[victim_name]
    prefix = f"{socket.gethostname()}-{victim.process.pid}-worker-"
    runs: list[Submitted] = []
    killed_at = None
    prefer: Kind | None = "approval" if number % 2 else None
    while killed_at is None:  # the other worker may take a whole batch before the victim takes one
        runs += _submit_load(list(workers.values()), keys, args.plain, args.escalations, approvals)
        approvals = []
        killed_at = _kill_when_busy(db, victim, runs, prefix, prefer, rng.uniform(0, JITTER_S))
        if len(runs) > 10 * (args.plain + args.escalations):
            raise RuntimeError(f"worker {victim_name} was never seen running one of {len(runs)} runs")
    at_kill = _rows(db, runs)
    in_flight = [
        run
        for run in runs
        if at_kill[run.run_id].status == "running"
        and (at_kill[run.run_id].claimed_by or "").startswith(prefix)
    ]
    stranded = _stranded(db, cluster, runs)
    rows, restarted = _observe(db, runs, prefix, args.timeout)
    allowance = seconds(cluster.timings, "LEASE_DURATION_SECONDS") + seconds(
        cluster.timings, "REAPER_INTERVAL_SECONDS"
    )
    report = KillRound(
        round=number,
        victim=victim_name,
        submitted=len(runs),
        in_flight={kind: sum(run.kind == kind for run in in_flight) for kind in EXPECTED},
        stranded=len(stranded),
        recoveries=[
            _recovery(run, rows.get(run.run_id), killed_at, restarted.get(run.run_id), allowance)
            for run in in_flight
        ],
        stranded_finished_s=[
            round(rows[run_id].updated_at - killed_at, 3) for run_id in stranded if run_id in rows
        ],
        lost=[
            f"{run.kind} {run.run_id}: {rows[run.run_id].status if run.run_id in rows else 'missing'}"
            for run in runs
            if run.run_id not in rows or rows[run.run_id].status != EXPECTED[run.kind]
        ],
    )
    (workers[victim_name],) = cluster.start(victim_name)  # same data directory: a host back up
    return report, runs


def _settle(
    db: Any,
    workers: dict[str, AegraInstance],
    keys: Keys,
    approvals: list[str],
    escalations: int,
    timeout: float,
) -> list[Submitted]:
    """Runs with no kill: the first round's fraud requests, or the last round's approvals."""
    runs = _submit_load(list(workers.values()), keys, 0, escalations, approvals)
    _observe(db, runs, "-", timeout)
    return runs


def _placeholders_shown(url: str, key: str, runs: list[Submitted]) -> list[str]:
    """Answered turns whose answer, as the user reads it (the thread's state, revealed at the edge),
    still shows a placeholder: a value the turn had and lost (a status of ``success`` hides it)."""
    shown: list[str] = []
    with client(url, key) as user:
        for run in runs:
            reply = user.get(f"/threads/{run.thread_id}/state")
            values = reply.json().get("values") if reply.status_code == 200 else None
            answer = str((values or {}).get("answer", ""))
            if reply.status_code != 200 or PLACEHOLDER.search(answer):
                shown.append(f"{run.run_id}: {reply.status_code} {answer[:200]}")
    return shown


def _waiting(db: Any, batch: list[Submitted]) -> list[str]:
    """The batch's fraud requests that wait at the approval: their threads, for the next approvals."""
    requests = [run for run in batch if run.kind == "escalation"]
    rows = _rows(db, requests)
    return [
        run.thread_id for run in requests if run.run_id in rows and rows[run.run_id].status == "interrupted"
    ]


def _summary(
    rounds: list[KillRound],
    allowance: float,
    audit: dict[str, Any],
    total_runs: int,
    lost: list[str],
    shown: list[str],
) -> dict[str, Any]:
    recoveries = [r for kill in rounds for r in kill.recoveries]
    recovered = [r.recovered_s for r in recoveries if r.recovered_s is not None]
    restarted = [r.restarted_s for r in recoveries if r.restarted_s is not None]
    over = [
        r.recovered_s - r.bound_s for r in recoveries if r.recovered_s is not None and r.bound_s is not None
    ]
    stranded = [s for kill in rounds for s in kill.stranded_finished_s]

    def spread(values: list[float]) -> dict[str, float] | None:
        if not values:
            return None
        return {
            "p50": round(statistics.median(values), 3),
            "p95": round(percentile(values, 0.95), 3),
            "max": round(max(values), 3),
        }

    return {
        "kills": len(rounds),
        "kills_with_runs_in_flight": sum(bool(sum(k.in_flight.values())) for k in rounds),
        "runs_submitted": total_runs,
        "runs_in_flight_at_kills": {kind: sum(k.in_flight.get(kind, 0) for k in rounds) for kind in EXPECTED},
        "recovered_within_bound": f"{sum(r.within for r in recoveries)}/{len(recoveries)}",
        "bound": f"lease + reaper interval ({allowance:g} s) + the run's own time on the other worker",
        "recovery_s": spread(recovered),
        "kill_to_restart_s": spread(restarted),
        "worst_recovery_minus_bound_s": round(max(over), 3) if over else None,
        "stranded_runs": len(stranded),
        "stranded_kill_to_finish_s": spread(stranded),
        "server_errors_retried": len(refusals),
        "lost": len(lost),
        "lost_runs": lost,
        "answered_showing_a_placeholder": len(shown),
        "placeholder_answers": shown,
        **audit,
    }


def _timings(args: argparse.Namespace) -> dict[str, str]:
    timings = dict(TIMINGS)
    timings.update(
        LEASE_DURATION_SECONDS=str(args.lease),
        HEARTBEAT_INTERVAL_SECONDS=str(args.heartbeat),
        REAPER_INTERVAL_SECONDS=str(args.reaper),
    )
    return timings


def _progress(kill: KillRound) -> None:
    done = [r for r in kill.recoveries if r.recovered_s is not None]
    worst = max(done, key=lambda r: r.recovered_s or 0.0, default=None)
    line = (
        f"kill {kill.round + 1:2d} ({kill.victim}): {sum(kill.in_flight.values())} in flight {kill.in_flight}"
    )
    if worst is not None and worst.bound_s is not None:
        line += f", slowest recovered in {worst.recovered_s:.1f} s (bound {worst.bound_s:.1f} s)"
    line += f", stranded {kill.stranded}, lost {len(kill.lost)}"
    print(line, file=sys.stderr, flush=True)


def _measure(cluster: AegraCluster, args: argparse.Namespace) -> dict[str, Any]:
    import psycopg

    rng = random.Random(args.seed)
    (first,) = cluster.start("w0")  # alone first: it migrates the fresh database
    (second,) = cluster.start("w1")
    workers = {"w0": first, "w1": second}
    keys = make_keys(cluster)
    seeded = fraud_reports(cluster.erp_path)
    with psycopg.connect(cluster.database_url, autocommit=True) as db:
        runs = _settle(db, workers, keys, [], args.escalations, args.timeout)
        waiting = _waiting(db, runs)
        rounds: list[KillRound] = []
        for number in range(args.kills):
            kill, batch = _kill_round(number, cluster, workers, keys, waiting, args, db, rng)
            rounds.append(kill)
            _progress(kill)
            runs += batch
            waiting = _waiting(db, batch)
        runs += _settle(db, workers, keys, waiting, 0, args.timeout)
        final = _rows(db, runs)
        lost = [
            run for run in runs if run.run_id not in final or final[run.run_id].status != EXPECTED[run.kind]
        ]
        resumed = [run.thread_id for run in runs if run.kind == "approval" and run not in lost]
        query = "SELECT thread_id, ticket_id FROM tickets WHERE thread_id = ANY(%s)"
        tickets = {str(thread): str(ticket) for thread, ticket in db.execute(query, (resumed,)).fetchall()}
        why: dict[str, str | None] = dict(
            db.execute(
                "SELECT run_id, error_message FROM runs WHERE run_id = ANY(%s)",
                ([run.run_id for run in lost],),
            ).fetchall()
        )
        # a turn that should have been answered and waits for a person: say why the crew escalated it
        escalated = "SELECT thread_id, kind, reason FROM tickets WHERE thread_id = ANY(%s)"
        for thread, kind, reason in db.execute(escalated, ([run.thread_id for run in lost],)).fetchall():
            for run in lost:
                if run.thread_id == str(thread) and not why.get(run.run_id):
                    why[run.run_id] = f"escalated ({kind}): {reason}"
    lost_runs = [
        f"{run.kind} {run.run_id}: {final[run.run_id].status if run.run_id in final else 'missing'}"
        + (f" ({why[run.run_id]})" if why.get(run.run_id) else "")
        for run in lost
    ]
    answered = [run for run in runs if run.kind == "plain" and run not in lost]
    shown = _placeholders_shown(next(iter(workers.values())).url, keys.user, answered)
    audit = audit_fraud_reports(cluster.database_url, cluster.erp_path, seeded, tickets)
    allowance = float(args.lease + args.reaper)
    audit_figures = {**asdict(audit), "applied_twice": audit.applied_twice}
    return {
        "summary": _summary(rounds, allowance, audit_figures, len(runs), lost_runs, shown),
        "kills": [asdict(kill) for kill in rounds],
    }


def _run(args: argparse.Namespace) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="crewline-aegra-recovery-") as work,
        aegra_cluster(
            Path(work),
            args.postgres,
            args.redis,
            dict(LOOSE_RATE_LIMITS),
            timings=_timings(args),
            shared_erp=True,
        ) as cluster,
    ):
        try:
            return _measure(cluster, args)
        except RuntimeError as failure:  # the workers' last exceptions say why
            raise BenchmarkFailed("\n".join([str(failure), *cluster.log_errors()])) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--plain", type=int, default=6, help="plain turns a round")
    parser.add_argument(
        "--escalations", type=int, default=2, help="fraud reports a round (resumed next round)"
    )
    parser.add_argument("--lease", type=int, default=int(TIMINGS["LEASE_DURATION_SECONDS"]))
    parser.add_argument("--heartbeat", type=int, default=int(TIMINGS["HEARTBEAT_INTERVAL_SECONDS"]))
    parser.add_argument("--reaper", type=int, default=int(TIMINGS["REAPER_INTERVAL_SECONDS"]))
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a round's runs may take to end")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", type=Path, help="also write every kill's figures here")
    add_service_args(parser)
    args = parser.parse_args(argv)
    if args.kills < 1 or args.plain < 0 or args.escalations < 0:
        parser.error("--kills must be at least 1, --plain and --escalations at least 0")
    try:
        result = _run(args)
    except (AegraUnavailable, BenchmarkFailed) as failure:
        print(f"aegra_recovery: {failure}", file=sys.stderr)
        return 2
    print(json.dumps(result["summary"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    summary = result["summary"]
    return 0 if summary["lost"] == 0 and summary["applied_twice"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
