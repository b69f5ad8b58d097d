"""Throughput of crewline on Aegra with 1 worker and with 2, against one PostgreSQL and one Redis.

One fresh database and Redis key space (:mod:`.aegra_cluster`); worker ``w0`` serves alone, then with
``w1`` beside it (or the other way round: the order alternates between repeats, so a machine getting
busier or a database getting fuller does not favour one side). Each phase sends the same fixed
request mix of the offline demo crew (:data:`.aegra_load.PLAIN_TURNS` and fraud requests that stop at
the approval, 4:1), the same total, from ``--concurrency`` clients spread round-robin over the
workers' APIs: each creates a thread and streams one run on it (``/runs/stream``: the response ends
when the run does; ``/runs/wait`` would add Aegra's 2 s completion poll to every latency). A few
warm-up runs a phase are not counted. Reported per phase: runs/s (all runs over the phase's wall
time), p50/p95 latency of a run's stream, errors, and the machine's load average; then the median
and spread (min-max) of each over the repeats, and 2 workers' median runs/s over 1 worker's.

On a 2-core machine a worker is one Python process (its API, its three queue consumers and every
run's graph share one GIL); a second worker can use the second core, if the machine has it free.

    python -m crewline.evals.benchmarks.aegra_throughput [--runs 100] [--concurrency 8] [--repeats 3]
        [--postgres postgresql://…] [--redis redis://…] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crewline.evals.benchmarks.aegra_cluster import (
    AegraCluster,
    AegraInstance,
    AegraUnavailable,
    BenchmarkFailed,
    aegra_cluster,
)
from crewline.evals.benchmarks.aegra_load import (
    FRAUD_REQUEST,
    GRAPH,
    LOOSE_RATE_LIMITS,
    PLAIN_TURNS,
    add_service_args,
    client,
    make_keys,
    new_thread,
    percentile,
    refusals,
)

__all__ = ["Phase", "main", "request_mix"]

WARM_UP_PER_WORKER = 4


def request_mix(total: int) -> list[str]:
    """``total`` requests: the plain turns in turn, every fifth a fraud request (stops at approval)."""
    cycle = [*PLAIN_TURNS, FRAUD_REQUEST]
    return [cycle[i % len(cycle)] for i in range(total)]


@dataclass
class Phase:
    workers: int
    repeat: int
    runs: int
    seconds: float
    runs_per_s: float
    p50_ms: float
    p95_ms: float
    errors: list[str]
    load_average: float  # the machine's 1-minute load when the phase began (2 cores)


def _stream(url: str, key: str, text: str) -> tuple[float, str | None]:
    """One thread and one streamed run on it: the run's latency (ms) and an error, if any."""
    with client(url, key) as http:
        thread_id = new_thread(http)
        body = {
            "assistant_id": GRAPH,
            "input": {"messages": [{"role": "user", "content": text}]},
            "stream_mode": "values",
        }
        started = time.perf_counter()
        events: list[str] = []
        with http.stream("POST", f"/threads/{thread_id}/runs/stream", json=body) as response:
            if response.status_code != 200:
                return 0.0, f"{response.status_code} {response.read()[:200]!r}"
            events = [line[6:].strip() for line in response.iter_lines() if line.startswith("event:")]
        elapsed = (time.perf_counter() - started) * 1000
    if "error" in events or not events or events[-1] != "end":
        return elapsed, f"stream ended {events[-3:]}"
    return elapsed, None


def _load(
    workers: list[AegraInstance], key: str, requests: list[str], concurrency: int
) -> tuple[float, list[float], list[str]]:
    """Send ``requests`` from ``concurrency`` clients: wall seconds, latencies, errors."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []

    def one(index: int) -> None:
        try:
            elapsed, error = _stream(workers[index % len(workers)].url, key, requests[index])
        except Exception as exc:  # a benchmark reports a failed run, it does not stop at it
            elapsed, error = 0.0, f"{type(exc).__name__}: {exc}"
        with lock:
            if error:
                errors.append(error)
            else:
                latencies.append(elapsed)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(len(requests))))
    return time.perf_counter() - started, latencies, errors


def _phase(workers: list[AegraInstance], key: str, args: argparse.Namespace, repeat: int) -> Phase:
    _load(workers, key, request_mix(WARM_UP_PER_WORKER * len(workers)), args.concurrency)
    load_average = os.getloadavg()[0]
    seconds, latencies, errors = _load(workers, key, request_mix(args.runs), args.concurrency)
    return Phase(
        workers=len(workers),
        repeat=repeat,
        runs=args.runs,
        seconds=round(seconds, 2),
        runs_per_s=round((args.runs - len(errors)) / seconds, 3),
        p50_ms=round(statistics.median(latencies), 1) if latencies else 0.0,
        p95_ms=round(percentile(latencies, 0.95), 1) if latencies else 0.0,
        errors=errors,
        load_average=round(load_average, 2),
    )


def _spread(phases: list[Phase], field: str) -> dict[str, float]:
    values = [float(getattr(phase, field)) for phase in phases]
    return {"median": round(statistics.median(values), 3), "min": min(values), "max": max(values)}


def _summary(phases: list[Phase], args: argparse.Namespace) -> dict[str, Any]:
    by_workers = {n: [p for p in phases if p.workers == n] for n in (1, 2)}
    figures = {
        f"{n}_worker{'s' if n > 1 else ''}": {
            "runs_per_s": _spread(group, "runs_per_s"),
            "p50_ms": _spread(group, "p50_ms"),
            "p95_ms": _spread(group, "p95_ms"),
            "errors": sum(len(p.errors) for p in group),
            "load_average": _spread(group, "load_average"),
        }
        for n, group in by_workers.items()
    }
    one = statistics.median(p.runs_per_s for p in by_workers[1])
    two = statistics.median(p.runs_per_s for p in by_workers[2])
    wins = sum(
        two_phase.runs_per_s >= one_phase.runs_per_s
        for one_phase, two_phase in zip(by_workers[1], by_workers[2], strict=True)
    )
    return {
        "runs_per_phase": args.runs,
        "concurrency": args.concurrency,
        "repeats": args.repeats,
        "cores": os.cpu_count(),
        **figures,
        "two_over_one_median_runs_per_s": round(two / one, 3) if one else None,
        "repeats_where_two_workers_kept_up": f"{wins}/{len(by_workers[1])}",
        "server_errors_retried": len(refusals),
    }


def _set_workers(cluster: AegraCluster, running: dict[str, AegraInstance], count: int) -> list[AegraInstance]:
    """Stop or start ``w1`` so that ``count`` workers (1 or 2) serve and take runs."""
    if count == 1 and "w1" in running:
        running.pop("w1").stop()  # SIGTERM: it drains and leaves no run behind
    if count == 2 and "w1" not in running:
        (running["w1"],) = cluster.start("w1")
    return [running[name] for name in sorted(running)]


def _measure(cluster: AegraCluster, args: argparse.Namespace) -> list[Phase]:
    phases: list[Phase] = []
    running = {"w0": cluster.start("w0")[0]}  # alone first: it migrates the fresh database
    key = make_keys(cluster).user
    for repeat in range(args.repeats):
        for count in (1, 2) if repeat % 2 == 0 else (2, 1):
            phase = _phase(_set_workers(cluster, running, count), key, args, repeat)
            phases.append(phase)
            print(
                f"repeat {repeat + 1}, {count} worker(s): {phase.runs_per_s} runs/s, "
                f"p50 {phase.p50_ms} ms, p95 {phase.p95_ms} ms, {len(phase.errors)} errors, "
                f"load {phase.load_average}",
                file=sys.stderr,
                flush=True,
            )
    return phases


def _run(args: argparse.Namespace) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="crewline-aegra-throughput-") as work,
        aegra_cluster(Path(work), args.postgres, args.redis, dict(LOOSE_RATE_LIMITS)) as cluster,
    ):
        try:
            phases = _measure(cluster, args)
        except RuntimeError as failure:  # the workers' last exceptions say why
            raise BenchmarkFailed("\n".join([str(failure), *cluster.log_errors()])) from None
    return {"summary": _summary(phases, args), "phases": [asdict(phase) for phase in phases]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="runs a phase (the same for 1 and 2 workers)")
    parser.add_argument("--concurrency", type=int, default=8, help="clients sending at once")
    parser.add_argument("--repeats", type=int, default=3, help="phases of each kind, alternating order")
    parser.add_argument("--json", type=Path, help="also write every phase's figures here")
    add_service_args(parser)
    args = parser.parse_args(argv)
    if args.runs < 1 or args.concurrency < 1 or args.repeats < 1:
        parser.error("--runs, --concurrency and --repeats must be at least 1")
    try:
        result = _run(args)
    except (AegraUnavailable, BenchmarkFailed) as failure:
        print(f"aegra_throughput: {failure}", file=sys.stderr)
        return 2
    print(json.dumps(result["summary"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
