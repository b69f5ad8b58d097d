"""Per-request overhead of the serving layer: authentication, rate limiting and auditing.

Runs the real handlers in process (no HTTP: the server's own cost is not ours) against a fresh data
directory: ``authenticate`` (API-key lookup in SQLite off the event loop + the user's and tenant's
token buckets) and the ``create_run`` resource handler (ownership stamp + one hash-chained audit
append). Prints p50/p95 in milliseconds for each stage and the total; target: total p50 < 2 ms.

    python -m crewline.evals.benchmarks.serving_overhead [--requests 2000] [--redis redis://127.0.0.1:6379/0]
    python -m crewline.evals.benchmarks.serving_overhead --audit-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

TARGET_MS = 2.0


class _User:
    """What the server hands resource handlers as ``ctx.user`` (a mapping with ``identity``)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self.identity = data["identity"]

    def __getitem__(self, key: str) -> Any:
        return self._data[key]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _measure(requests: int) -> dict[str, list[float]]:
    from langgraph_sdk import Auth

    from crewline.graphs.serving import auth as serving_auth
    from crewline.graphs.serving.services import get_services

    services = get_services()
    key, _ = services.keys.create(user_id="bench", tenant_id="acme", role="user")
    headers = {b"x-api-key": key.encode()}
    times: dict[str, list[float]] = {"auth": [], "rate_limit": [], "audit": [], "total": []}
    for i in range(requests + 50):
        t0 = time.perf_counter()
        identity = await services.identify(key)
        t1 = time.perf_counter()
        decision = await services.limiter.acquire(identity.user_id, identity.tenant_id)  # type: ignore[union-attr]
        t2 = time.perf_counter()
        user = identity.as_user()  # type: ignore[union-attr]
        ctx = Auth.types.AuthContext(
            user=cast(Any, _User(user)),
            permissions=list(user["permissions"]),
            resource="threads",
            action="create_run",
        )
        value: dict[str, Any] = {"thread_id": f"t-{i}", "assistant_id": "support", "metadata": {},
                                 "kwargs": {"config": {"configurable": {}}}}  # fmt: skip
        await cast(Any, serving_auth.on_run_create)(ctx, value)
        t3 = time.perf_counter()
        assert decision.allowed
        if i >= 50:  # warm-up excluded
            times["auth"].append((t1 - t0) * 1000)
            times["rate_limit"].append((t2 - t1) * 1000)
            times["audit"].append((t3 - t2) * 1000)
            times["total"].append((t3 - t0) * 1000)
    # The full authenticate handler, as the server calls it (lookup + limits in one call).
    handler: list[float] = []
    for _ in range(requests):
        t0 = time.perf_counter()
        await serving_auth.authenticate(headers, {"client": ("127.0.0.1", 0)})
        handler.append((time.perf_counter() - t0) * 1000)
    times["authenticate_handler"] = handler
    assert services.audit.verify().ok
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--redis", help="Redis URL for the rate limiter (default: in-process buckets)")
    parser.add_argument("--audit-url", help="audit log URL (default: SQLite in a temporary directory)")
    args = parser.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="crewline-bench-")
    os.environ["CREWLINE_DATA_DIR"] = tmp
    os.environ["CREWLINE_RATE_LIMIT_USER"] = os.environ["CREWLINE_RATE_LIMIT_TENANT"] = "1000000/s"
    if args.redis:
        os.environ["CREWLINE_REDIS_URL"] = args.redis
    if args.audit_url:
        os.environ["CREWLINE_AUDIT_URL"] = args.audit_url
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    times = asyncio.run(_measure(args.requests))
    figures: dict[str, Any] = {
        "requests": args.requests,
        "rate_limiter": "redis" if args.redis else "memory",
        "audit_log": "postgresql" if args.audit_url and args.audit_url.startswith("postgres") else "sqlite",
    }
    for stage, values in times.items():
        figures[f"{stage}_p50_ms"] = round(statistics.median(values), 3)
        figures[f"{stage}_p95_ms"] = round(_percentile(values, 0.95), 3)
    figures["target_p50_ms"] = TARGET_MS
    figures["target_met"] = figures["total_p50_ms"] < TARGET_MS
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
