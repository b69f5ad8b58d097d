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
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from crewline.evals.benchmarks.aegra_cluster import (
    TIMINGS,
    AegraCluster,
    AegraInstance,
    AegraUnavailable,
    BenchmarkFailed,
    aegra_cluster,
    seconds,
)
from crewline.evals.benchmarks.aegra_kill_runs import (
    EXPECTED,
    Kind,
    Submitted,
    kill_when_busy,
    observe,
    run_rows,
    stranded_runs,
    submit_load,
    waiting_threads,
)
from crewline.evals.benchmarks.aegra_load import (
    LOOSE_RATE_LIMITS,
    Keys,
    add_service_args,
    audit_fraud_reports,
    fraud_reports,
    make_keys,
)
from crewline.evals.benchmarks.aegra_recovery_report import (
    KillRound,
    Recovery,
    judge_recovery,
    placeholders_shown,
    print_progress,
    summarise,
)

__all__ = ["KillRound", "Recovery", "main"]

JITTER_S = 0.3  # a kill lands anywhere in a run, not only right after its claim


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
        runs += submit_load(list(workers.values()), keys, args.plain, args.escalations, approvals)
        approvals = []
        killed_at = kill_when_busy(db, victim, runs, prefix, prefer, rng.uniform(0, JITTER_S))
        if len(runs) > 10 * (args.plain + args.escalations):
            raise RuntimeError(f"worker {victim_name} was never seen running one of {len(runs)} runs")
    at_kill = run_rows(db, runs)
    in_flight = [
        run
        for run in runs
        if at_kill[run.run_id].status == "running"
        and (at_kill[run.run_id].claimed_by or "").startswith(prefix)
    ]
    stranded = stranded_runs(db, cluster, runs)
    rows, restarted = observe(db, runs, prefix, args.timeout)
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
            judge_recovery(run, rows.get(run.run_id), killed_at, restarted.get(run.run_id), allowance)
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
    runs = submit_load(list(workers.values()), keys, 0, escalations, approvals)
    observe(db, runs, "-", timeout)
    return runs


def _timings(args: argparse.Namespace) -> dict[str, str]:
    timings = dict(TIMINGS)
    timings.update(
        LEASE_DURATION_SECONDS=str(args.lease),
        HEARTBEAT_INTERVAL_SECONDS=str(args.heartbeat),
        REAPER_INTERVAL_SECONDS=str(args.reaper),
    )
    return timings


def _why_lost(db: Any, lost: list[Submitted]) -> dict[str, str | None]:
    """Each lost run's error as Aegra recorded it, or why the crew escalated it to a person."""
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
    return why


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
        waiting = waiting_threads(db, runs)
        rounds: list[KillRound] = []
        for number in range(args.kills):
            kill, batch = _kill_round(number, cluster, workers, keys, waiting, args, db, rng)
            rounds.append(kill)
            print_progress(kill)
            runs += batch
            waiting = waiting_threads(db, batch)
        runs += _settle(db, workers, keys, waiting, 0, args.timeout)
        final = run_rows(db, runs)
        lost = [
            run for run in runs if run.run_id not in final or final[run.run_id].status != EXPECTED[run.kind]
        ]
        resumed = [run.thread_id for run in runs if run.kind == "approval" and run not in lost]
        query = "SELECT thread_id, ticket_id FROM tickets WHERE thread_id = ANY(%s)"
        tickets = {str(thread): str(ticket) for thread, ticket in db.execute(query, (resumed,)).fetchall()}
        why = _why_lost(db, lost)
    lost_runs = [
        f"{run.kind} {run.run_id}: {final[run.run_id].status if run.run_id in final else 'missing'}"
        + (f" ({why[run.run_id]})" if why.get(run.run_id) else "")
        for run in lost
    ]
    answered = [run for run in runs if run.kind == "plain" and run not in lost]
    shown = placeholders_shown(next(iter(workers.values())).url, keys.user, answered)
    audit = audit_fraud_reports(cluster.database_url, cluster.erp_path, seeded, tickets)
    allowance = float(args.lease + args.reaper)
    audit_figures = {**asdict(audit), "applied_twice": audit.applied_twice}
    return {
        "summary": summarise(rounds, allowance, audit_figures, len(runs), lost_runs, shown),
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
