"""The side-by-side sections that time requests: each request alone per system (``sequential``)
and bursts of requests at once (``concurrent``), over one event loop.

Split from :mod:`crewline.evals.benchmarks.sidebyside_harness` (the oracle, the requests and the
systems under test); ``crewline.evals.benchmarks.sidebyside`` runs the sections and reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import time
import types
from collections.abc import Callable
from typing import Any

from crewline.evals.benchmarks.sidebyside_harness import (
    SUBAGENTS,
    Oracle,
    System,
    crewline_notes,
    progress,
)

__all__ = ["Bench"]


def _percentile(sorted_values: list[float], q: float) -> float:
    # the nearest-rank rule run_sidebyside uses for its p90
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)] if sorted_values else 0.0


class Bench:
    """The sections, over one event loop (the systems' async HTTP clients belong to it)."""

    def __init__(
        self, rs: types.ModuleType, runner: asyncio.Runner, timeout: float, plans: dict[str, list[str]]
    ) -> None:
        self.rs, self.runner, self.timeout, self.plans = rs, runner, timeout, plans
        self.evidence: dict[str, str] = dict(rs.EVIDENCE)

    def _sync(self, system: System) -> Callable[[str, str], str]:
        """``run(request, base)`` as run_sidebyside.measure calls it, over ``ainvoke``."""
        return lambda request, _base: self.runner.run(asyncio.wait_for(system.ask(request), self.timeout))

    def sequential(
        self, systems: list[System], reqs: list[dict[str, Any]], base: str, repeat: int
    ) -> dict[str, Any]:
        """Each request alone, per system (run_sidebyside's measure: warm-up, stats reset per request).
        The ``repeat`` rounds take turns between the systems, so a load that comes and goes on the
        machine weighs on every system alike."""
        out: dict[str, Any] = {}
        measured: dict[str, list[dict[str, Any]]] = {system.name: [] for system in systems}
        for system in systems:
            system.notes.clear()
        for turn in range(repeat):
            for system in systems:
                progress(f"  {system.name} ({turn + 1}/{repeat}) ...")
                measured[system.name] += self.rs.measure(self._sync(system), reqs, base, 1, self.evidence)
        for system in systems:
            rows = measured[system.name]
            out[system.name] = {
                "summary": self.rs.summarize(rows),
                "rows": rows,
                "failures": [
                    {"id": r["id"], "error": r["error"], "answer": r["answer"][:300]}
                    for r in rows
                    if not r["success"]
                ],
            }
            if system.notes:
                out[system.name]["crewline"] = crewline_notes(system.notes, self.plans)
        base_summary = out.get(SUBAGENTS, {}).get("summary")
        for entry in out.values():
            entry["vs_create_agent"] = (
                self.rs.ratios(entry["summary"], base_summary) if base_summary else None
            )
        return out

    async def _burst(self, system: System, reqs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        async def one(req: dict[str, Any]) -> dict[str, Any]:
            t0, error, answer = time.perf_counter(), None, ""
            try:
                answer = await asyncio.wait_for(system.ask(req["request"]), self.timeout)
            except Exception as exc:  # a failed request is a figure (success rate), not a crash
                error = f"{type(exc).__name__}: {exc}"[:300]
            ok = error is None and self.rs.succeeded(answer, req["specialists"], self.evidence)
            return {
                "id": req["id"],
                "latency_s": time.perf_counter() - t0,
                "success": ok,
                "error": error,
                "answer": answer[:300],
            }

        return list(await asyncio.gather(*(one(r) for r in reqs)))

    def concurrent(
        self, systems: list[System], oracle: Oracle, pool: list[dict[str, Any]], n: int, bursts: int = 3
    ) -> dict[str, Any]:
        """``n`` requests at once (cycling through ``pool``), per system, after one warm-up request;
        ``bursts`` times, the systems taking turns (a load that comes and goes on the machine hits
        every system alike). Wall time and requests/s are the median burst's; latencies are pooled."""
        reqs = [dict(pool[i % len(pool)], id=f"{pool[i % len(pool)]['id']}#{i}") for i in range(n)]
        for system in systems:
            with contextlib.suppress(Exception):  # warm-up; its failure shows in the bursts' figures
                self.runner.run(asyncio.wait_for(system.ask(pool[0]["request"]), self.timeout))
            system.notes.clear()
        runs: dict[str, list[dict[str, Any]]] = {system.name: [] for system in systems}
        for turn in range(bursts):
            for system in systems:
                progress(f"  {system.name}: {n} at once ({turn + 1}/{bursts}) ...")
                oracle.reset()
                t0 = time.perf_counter()
                rows = self.runner.run(self._burst(system, reqs))
                runs[system.name].append({"wall": time.perf_counter() - t0, "rows": rows, **oracle.stats()})
        out: dict[str, Any] = {}
        for system in systems:
            done = runs[system.name]
            walls = [r["wall"] for r in done]
            rows = [row for r in done for row in r["rows"]]
            lat = sorted(row["latency_s"] for row in rows)
            wall = statistics.median(walls)
            out[system.name] = {
                "n": n,
                "bursts": bursts,
                "walls_s": walls,
                "wall_s": wall,
                "throughput_rps": n / wall,
                "p50_s": statistics.median(lat),
                "p95_s": _percentile(lat, 0.95),
                "calls": sum(r["calls"] for r in done) / (n * bursts),
                "peak_in_flight": max(r["max_inflight"] for r in done),
                "model_span_s": statistics.median(r["span_s"] for r in done),
                "success": sum(row["success"] for row in rows) / len(rows),
                "failures": [row for row in rows if not row["success"]][:5],
            }
            if system.notes:
                out[system.name]["crewline"] = crewline_notes(system.notes, self.plans)
        return out
