"""Fault-injection benchmark: ``support`` requests through a fake OpenAI-compatible server that fails
30% of requests with 5xx, 10% with 429 (Retry-After), hangs 10% past the timeout, answers 5% with
malformed output and drops 5% of connections — using the real ``ChatOpenAI`` client.

    python -m crewline.evals.benchmarks.fault_injection [--runs 1000] [--concurrency 12] [--json]

Prints: runs, answered, escalated with a ticket, unhandled exceptions, runs lost from the
checkpointer, budget overruns, p50/p99 run time against the configured timeouts. Everything (data
dir, checkpoints, tickets, breaker state) lives in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REQUESTS = (
    "What is the current balance for customer C-1001?",
    "What email address do you have for customer C-1002?",
    "List my open invoices, I am customer C-1001.",
    "How long does a replacement card take?",
    "I lost my card, I am customer C-1003.",
    "I lost my card, and what is the current balance for customer C-1001?",
    "Did you receive my last payment? I am customer C-1002.",
    "Is my card active or frozen? Customer C-1001.",
)
RATES = {"5xx": 0.30, "429": 0.10, "hang": 0.10, "malformed": 0.05, "drop": 0.05}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _over(used: Any, limits: Any) -> bool:
    return bool(
        (limits.model_calls is not None and used.model_calls > limits.model_calls)
        or (limits.tokens is not None and used.tokens > limits.tokens)
        or (limits.cost_usd is not None and used.cost > limits.cost_usd + 1e-9)
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="crewline-faults-"))
    os.environ["CREWLINE_DATA_DIR"] = str(work)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.support, from a checkout
    from langchain_core.messages import HumanMessage
    from langchain_core.runnables import RunnableConfig

    from crewline.graphs import build_crew, load_spec
    from crewline.memory.checkpoint.checkpointers import checkpointer
    from crewline.memory.state.resilience_store import store_at
    from crewline.memory.state.tickets import TicketStore
    from crewline.nodes.models.breaker import store_path
    from tests.support.fake_openai import FakeOpenAI
    from tests.support.faults import FaultMix, support_agent

    spec = load_spec("support").model_copy(deep=True)
    settings = {
        "provider": "openai",
        "fallback_model": "gpt-4o-mini-backup",
        "timeout_s": args.timeout_s,
        "run_timeout_s": args.run_timeout_s,
        "max_retries": 2,
        "backoff_s": 0.1,
        "backoff_max_s": 1.0,
        "retry_after_max_s": 2.0,
        "breaker": {"failure_threshold": 5, "cooldown_s": 2.0},
    }
    spec.models = spec.models.model_validate({**spec.models.model_dump(), **settings})
    mix = FaultMix(support_agent, RATES, seed=args.seed, retry_after_s=0.2, hang_s=30.0)
    tickets = TicketStore(work / "tickets.sqlite")
    outcomes: Counter[str] = Counter()
    paths: Counter[str] = Counter()
    guards: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    times: list[float] = []
    overruns = provider_overruns = 0
    budgets = spec.models.budgets

    with FakeOpenAI(mix) as server, checkpointer(f"sqlite:///{work / 'checkpoints.sqlite'}") as saver:
        os.environ["OPENAI_BASE_URL"] = server.base_url
        os.environ["OPENAI_API_KEY"] = "benchmark"
        crew = build_crew(spec, checkpointer=saver)
        for request in REQUESTS:  # warm-up (indexes, imports); not counted
            crew.invoke(
                {"messages": [HumanMessage(request)]}, {"configurable": {"thread_id": uuid.uuid4().hex}}
            )
        mix.counts.clear()
        store = store_at(store_path(work))
        for key in [row.key for row in store.breakers()]:  # start the measured runs with closed breakers
            with store.transaction() as conn:
                conn.execute("DELETE FROM breakers WHERE key = ?", (key,))

        def one(index: int) -> tuple[str, float, dict[str, Any] | None, str]:
            thread = f"bench-{index}-{uuid.uuid4().hex[:8]}"
            config: RunnableConfig = {"configurable": {"thread_id": thread}}
            started = time.monotonic()
            try:
                crew.invoke({"messages": [HumanMessage(REQUESTS[index % len(REQUESTS)])]}, config)
            except Exception as exc:
                return thread, time.monotonic() - started, None, f"{type(exc).__name__}: {exc}"[:200]
            elapsed = time.monotonic() - started
            return thread, elapsed, dict(crew.get_state(config).values or {}), ""

        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(one, range(args.runs)))

        for thread, elapsed, values, error in results:
            times.append(elapsed)
            if error:
                outcomes["unhandled_exception"] += 1
                errors[error] += 1
                continue
            if not values or "answer" not in values:
                outcomes["lost"] += 1
                continue
            escalation = values.get("escalation")
            if escalation and escalation.get("ticket_id") and tickets.get(escalation["ticket_id"]):
                outcomes["escalated_with_ticket"] += 1
            elif escalation:
                outcomes["escalated_without_ticket"] += 1
            elif values["answer"].strip():
                outcomes["answered"] += 1
            else:
                outcomes["no_answer"] += 1
            paths.update(r["path"] for r in values.get("results", {}).values())
            guards.update(v["guard"] for v in values.get("verdicts", []))
            provider_overruns += sum("were reserved" in v["reason"] for v in values.get("verdicts", []))
            run_scope = f"run:{thread}:t1"
            scopes = [(run_scope, budgets.run)]
            scopes += [(name, budgets.specialist) for name, _ in store.usage_rows(f"{run_scope}:specialist:")]
            overruns += any(_over(store.usage(name), limits) for name, limits in scopes)
        breakers = Counter(row.state for row in store.breakers())

    configured_bound = args.run_timeout_s + args.timeout_s
    return {
        "runs": args.runs,
        "concurrency": args.concurrency,
        "answered": outcomes["answered"],
        "escalated_with_ticket": outcomes["escalated_with_ticket"],
        "ended_otherwise": sum(
            outcomes[k] for k in ("escalated_without_ticket", "no_answer", "lost", "unhandled_exception")
        ),
        "unhandled_exceptions": outcomes["unhandled_exception"],
        "runs_lost_from_checkpointer": outcomes["lost"],
        "budget_overruns": overruns,
        "provider_overruns_reported": provider_overruns,
        "p50_run_s": round(statistics.median(times), 3),
        "p99_run_s": round(_percentile(times, 0.99), 3),
        "max_run_s": round(max(times), 3),
        "request_timeout_s": args.timeout_s,
        "run_timeout_s": args.run_timeout_s,
        "p99_within_configured_bound": _percentile(times, 0.99) <= configured_bound,
        "model_requests": server.calls,
        "served": dict(sorted(mix.counts.items())),
        "subtask_paths": dict(paths),
        "verdicts": dict(guards.most_common()),
        "breaker_states_at_end": dict(breakers),
        "errors": dict(errors.most_common(5)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout-s", type=float, default=1.0, help="per HTTP request")
    parser.add_argument("--run-timeout-s", type=float, default=6.0, help="no model call starts after this")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.concurrency < 1:
        parser.error("--runs and --concurrency must be at least 1")
    figures = run(args)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:32} {json.dumps(value) if isinstance(value, dict) else value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
