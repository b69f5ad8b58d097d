"""Per-request cost of the shared-state backends: SQLite in the data directory vs PostgreSQL
(``CREWLINE_STATE_URL``), measured on the real stores in two fresh processes.

For each backend: the server's per-request path (API-key lookup, both token buckets, one audit
append: :mod:`evals.benchmarks.serving_overhead`'s measurement), a crew turn's state (context touch,
breaker read, budget reserve and settle) and an escalation (ticket create, decide, ledger claim and
settle). Prints p50/p95 in milliseconds per stage and the PostgreSQL overhead (p50 difference).
PostgreSQL runs in a fresh schema that is dropped afterwards.

    nice python -m evals.benchmarks.shared_state_overhead [--requests 1000]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timed(n: int, step: Callable[[int], object]) -> list[float]:
    times = []
    for i in range(n + 20):
        t0 = time.perf_counter()
        step(i)
        if i >= 20:  # warm-up excluded
            times.append((time.perf_counter() - t0) * 1000)
    return times


def _crew_state(n: int) -> dict[str, list[float]]:
    from crewline.memory.paths import data_dir
    from crewline.memory.state.context import context_store
    from crewline.memory.state.resilience_store import store_at
    from crewline.memory.state.tickets import default_ticket_store
    from crewline.nodes.models.breaker import BreakerSettings, CircuitBreakers, store_path
    from crewline.nodes.models.budget import Budgets, BudgetSettings, Limits, RunScope

    context = context_store()
    resilience = store_at(store_path(data_dir()))
    budgets = Budgets(BudgetSettings(tenant_day=Limits(model_calls=10**9)), {}, resilience)
    breakers = CircuitBreakers(BreakerSettings(), resilience)
    tickets = default_ticket_store()

    def turn(i: int) -> None:
        context.touch("u-1", f"c-{i % 50}", topics=["billing"], entities={"customer": "C-1001"}, turn=i)
        breakers.allow("model:bench")
        reservation = budgets.reserve(RunScope(run_key=f"r-{i}", tenant="acme"), "bench", 200, 300)
        budgets.settle(reservation, 200, 120)

    def escalation(i: int) -> None:
        ticket = tickets.create(key=f"k-{i}", thread_id=f"t-{i}", kind="approval", reason="r", transcript="t")
        tickets.resolve(ticket.ticket_id, status="approved", decided_by="ops")
        tickets.claim_action(f"a-{i}", ticket_id=ticket.ticket_id, tool="refund")
        tickets.settle_action(f"a-{i}", status="applied", outcome=None)

    return {"crew_turn": _timed(n, turn), "escalation": _timed(max(50, n // 4), escalation)}


def _child(requests: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from evals.benchmarks.serving_overhead import _measure

    serving = asyncio.run(_measure(requests))
    times = {"request": serving["total"], **{k: serving[k] for k in ("auth", "rate_limit", "audit")}}
    times |= _crew_state(requests)
    return {
        stage: {"p50_ms": round(statistics.median(v), 3), "p95_ms": round(_percentile(v, 0.95), 3)}
        for stage, v in times.items()
    }


def _run_child(requests: int, state_url: str | None) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREWLINE_")}
    env |= {"CREWLINE_DATA_DIR": tempfile.mkdtemp(prefix="crewline-state-bench-")}
    env |= {"CREWLINE_RATE_LIMIT_USER": "1000000/s", "CREWLINE_RATE_LIMIT_TENANT": "1000000/s"}
    if state_url:
        env["CREWLINE_STATE_URL"] = state_url
    command = [sys.executable, "-m", "evals.benchmarks.shared_state_overhead", "--child"]
    command += ["--requests", str(requests)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed: {done.stderr.strip().splitlines()[-1:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.requests)))
        return 0
    import psycopg

    schema = f"crewline_bench_{secrets.token_hex(4)}"
    with psycopg.connect(args.postgres, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    joiner = "&" if "?" in args.postgres else "?"
    shared = f"{args.postgres}{joiner}options={quote(f'-csearch_path={schema}')}"
    try:
        sqlite = _run_child(args.requests, None)
        postgres = _run_child(args.requests, shared)
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    figures = {
        stage: {
            "sqlite": sqlite[stage],
            "postgres": postgres[stage],
            "postgres_overhead_p50_ms": round(postgres[stage]["p50_ms"] - sqlite[stage]["p50_ms"], 3),
        }
        for stage in sqlite
    }
    print(json.dumps({"requests": args.requests, **figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
