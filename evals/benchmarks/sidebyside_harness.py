"""The side-by-side harness as the benchmark uses it: its oracle server, its requests, the three
systems under test built in-process, and how each section measures them (``Bench``, ``startup``);
``crewline.evals.benchmarks.sidebyside`` is the command that runs and reports.

Everything comes from the harness folder (``../shared/sidebyside``) at run time: the oracle, its
measuring helpers (run_sidebyside.py), its tool functions, its crewline spec (read here, so the crew
built from Python objects stays the spec's crew) and its two baselines. Nothing of it is copied.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CREWLINE = "crewline"
SUBAGENTS = "create_agent sub-agents"
SUPERVISOR = "langgraph-supervisor"
SYSTEMS = (CREWLINE, SUBAGENTS, SUPERVISOR)
# harness modules imported by name from the harness folder (run_sidebyside for its measuring helpers)
HARNESS_MODULES = ("run_sidebyside", "harness_tools", "oracle_policy")


class HarnessMissing(Exception):
    """The harness folder (or one of its files) is not there."""


def default_harness() -> Path:
    """``../shared/sidebyside`` beside the checkout (``resolve``: this file is reached through a symlink)."""
    return Path(__file__).resolve().parents[3] / "shared" / "sidebyside"


def open_harness(folder: Path) -> dict[str, types.ModuleType]:
    """Put the harness on ``sys.path`` and import its helper modules; a missing piece is one clear error."""
    needed = (
        "oracle_server.py",
        "plans.json",
        "requests.jsonl",
        "crewline_crew.yaml",
        *(f"{name}.py" for name in HARNESS_MODULES),
    )
    if not folder.is_dir():
        raise HarnessMissing(f"side-by-side harness folder not found: {folder} (pass --harness DIR)")
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise HarnessMissing(f"side-by-side harness {folder} lacks {', '.join(missing)}")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return {name: importlib.import_module(name) for name in HARNESS_MODULES}


def load_requests(folder: Path, choice: str | None) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """(requests with their planned specialists, plans). ``choice``: a count takes the harness's
    requests across types in turn (a small run still has single, two-part and three-part ones); a
    path is a requests JSONL file of one's own; ``None`` is the harness's file."""
    plans: dict[str, list[str]] = json.loads((folder / "plans.json").read_text())
    path = Path(choice) if choice and not choice.isdigit() else folder / "requests.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for row in rows:
        row.setdefault("specialists", plans.get(row["request"], []))
    if choice and choice.isdigit():
        by_type: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_type.setdefault(row["type"], []).append(row)
        queues = list(by_type.values())
        interleaved = [q[i] for i in range(max(map(len, queues))) for q in queues if i < len(q)]
        rows = interleaved[: int(choice)]
    return rows, plans


class Oracle:
    """The harness's oracle server, started as run_sidebyside starts it; ``close`` always ends it."""

    def __init__(self, rs: types.ModuleType, latency_ms: float, plans: Path) -> None:
        self.rs = rs
        self.proc, self.base = rs.start_oracle(latency_ms, str(plans), None)
        self.latency_ms = latency_ms

    def reset(self) -> None:
        self.rs.http(self.base + "/stats/reset", {})

    def stats(self) -> dict[str, Any]:
        """calls, prompt_chars, completion_chars, kinds, max_inflight, span_s since the last reset."""
        return dict(self.rs.http(self.base + "/stats"))

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class System:
    """One system under test: ``ask(request)`` returns the final answer's text."""

    name: str
    ask: Callable[[str], Awaitable[str]]
    # crewline only: per request, how it was answered (path, escalation, routed specialists)
    notes: list[dict[str, Any]] = field(default_factory=list)


def _oracle_model(base_url: str) -> Any:
    from langchain_openai import ChatOpenAI

    # the very model both baselines build (baseline_*.build): same client defaults, same retries
    return ChatOpenAI(model="oracle", base_url=base_url, api_key="x")  # type: ignore[arg-type]


def crewline_crew(folder: Path, model: Any) -> Any:
    """The harness's ``crewline_crew.yaml`` built from Python objects: its specialists as
    :class:`Specialist` objects whose tools are the harness's functions themselves (not import paths)."""
    from crewline import Specialist, build_crew

    spec = yaml.safe_load((folder / "crewline_crew.yaml").read_text())
    specialists = []
    for entry in spec["specialists"]:
        tools = []
        for path in entry.get("tools") or []:
            module, _, attr = str(path).partition(":")
            tools.append(getattr(importlib.import_module(module), attr))
        specialists.append(Specialist(**{**entry, "tools": tools}))
    # any settings section the spec gains (guards, models, ...) comes along, so the two stay one crew
    sections = {k: spec[k] for k in ("guards", "models", "planner", "policies") if k in spec}
    return build_crew(
        spec["name"],
        specialists=specialists,
        description=spec.get("description", ""),
        model=model,
        **sections,
    )


def _crewline(folder: Path, base_url: str) -> System:
    from langchain_core.messages import HumanMessage

    crew = crewline_crew(folder, _oracle_model(base_url))
    notes: list[dict[str, Any]] = []

    async def ask(request: str) -> str:
        config = {"configurable": {"thread_id": uuid.uuid4().hex}}
        out = await crew.ainvoke({"messages": [HumanMessage(request)]}, config)
        subtasks = out.get("subtasks") or []
        notes.append({
            "request": request, "path": out.get("path"), "escalated": bool(out.get("escalation")),
            "routed": [s.get("specialist") for s in subtasks],
            "statuses": [s.get("status") for s in subtasks]})  # fmt: skip
        return str(out.get("answer") or "")

    return System(CREWLINE, ask, notes)


def _messages_graph(name: str, graph: Any) -> System:
    """A baseline graph asked the way its module's ``ask`` does, but through ``ainvoke``."""

    async def ask(request: str) -> str:
        out = await graph.ainvoke({"messages": [{"role": "user", "content": request}]})
        return str(out["messages"][-1].text)

    return System(name, ask)


def build_system(name: str, folder: Path, base_url: str) -> System:
    """One system against the oracle at ``base_url`` (``http://127.0.0.1:PORT/v1``)."""
    if name == CREWLINE:
        return _crewline(folder, base_url)
    if name == SUBAGENTS:  # exposes build(base_url)/ask(app, request): run in-process, not as a shell
        return _messages_graph(name, importlib.import_module("baseline_subagents").build(base_url))
    if name == SUPERVISOR:
        return _messages_graph(name, importlib.import_module("baseline_supervisor").build(base_url))
    raise ValueError(f"unknown system {name!r}")


def build_systems(folder: Path, base_url: str) -> tuple[list[System], dict[str, str]]:
    """Every system that builds, and for each one that does not, why (a missing package, ...)."""
    built: list[System] = []
    failed: dict[str, str] = {}
    for name in SYSTEMS:
        try:
            built.append(build_system(name, folder, base_url))
        except Exception as exc:  # one system's missing dependency must not hide the others' figures
            failed[name] = f"{type(exc).__name__}: {exc}"[:400]
    return built, failed


def crewline_notes(notes: list[dict[str, Any]], plans: dict[str, list[str]]) -> dict[str, Any]:
    """What crewline did besides answering: escalations, answers off the model path, routes that
    differ from the harness's plan (as sets: crewline may order subtasks differently)."""
    misrouted = [n for n in notes if sorted(set(n["routed"])) != sorted(set(plans.get(n["request"], [])))]
    not_done = [n for n in notes if any(s != "done" for s in n["statuses"])]
    return {
        "requests": len(notes),
        "escalated": sum(n["escalated"] for n in notes),
        "off_model_path": sum(n["path"] != "model" for n in notes),
        "misrouted": len(misrouted),
        "subtask_not_done": len(not_done),
        "examples": [
            {
                "request": n["request"],
                "routed": n["routed"],
                "statuses": n["statuses"],
                "path": n["path"],
                "escalated": n["escalated"],
            }
            for n in (misrouted + not_done)[:5]
        ],
    }


def startup_snippet(folder: Path) -> str:
    """Python for a fresh interpreter: time ``import crewline`` and building the harness crew.

    The harness's ``ChatOpenAI`` is made between the two, as a user makes theirs: ``model_s`` is
    what importing ``langchain_openai`` and ``openai`` costs on top of what crewline has already
    imported (langchain-core, LangGraph: charged to crewline). ``client_by_crewline`` says whether
    crewline itself imported that client (then it is crewline's cost, and ``model_s`` is small)."""
    return (
        "import json, sys, time\n"
        "t0 = time.perf_counter()\n"
        "import crewline\n"
        "from crewline import Specialist, build_crew\n"
        "t1 = time.perf_counter()\n"
        "client = 'langchain_openai' in sys.modules or 'openai' in sys.modules\n"
        f"sys.path.insert(0, {str(folder)!r})\n"
        "from crewline.evals.benchmarks.sidebyside_harness import _oracle_model, crewline_crew\n"
        "model = _oracle_model('http://127.0.0.1:9/v1')\n"
        "tm = time.perf_counter()\n"
        f"crewline_crew(__import__('pathlib').Path({str(folder)!r}), model)\n"
        "t2 = time.perf_counter()\n"
        "print(json.dumps({'import_s': t1 - t0, 'build_s': t2 - t1, 'model_s': tm - t1,\n"
        "                  'client_by_crewline': client}))\n"
    )


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)  # stderr: stdout is the tables' or the JSON's


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


def startup(folder: Path, runs: int = 3) -> dict[str, Any]:
    """``import crewline`` + building the harness crew in fresh interpreters: medians of ``runs``
    (``{"error": ...}`` when the probe fails: the other sections' figures still get reported).

    ``import_build_s`` is crewline's part: import and build without the harness's own model client
    (``model_s``: importing ``langchain_openai``/``openai`` and making the ``ChatOpenAI``, which a
    user of any framework pays for that model), unless crewline imported that client itself;
    ``with_model_s`` is the whole.

    The interpreters run byte-compiled code, as an installed package's is (pip compiles a wheel's
    modules at install; the installed libraries here are too): one unmeasured run fills a
    throw-away bytecode cache first. Without it, a checkout under ``PYTHONDONTWRITEBYTECODE`` (set
    in some containers) compiles crewline's sources in every process: some 70 ms more here."""
    import crewline

    root = Path(crewline.__file__).resolve().parents[1]  # the checkout whose crewline is measured
    inner: list[dict[str, Any]] = []
    outer: list[float] = []
    with tempfile.TemporaryDirectory(prefix="crewline-bytecode-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for attempt in range(runs + 1):
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", startup_snippet(folder)],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            if done.returncode:
                return {"runs": runs, "error": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
            if attempt:  # the first run fills the bytecode cache
                outer.append(time.perf_counter() - t0)
                inner.append(json.loads(done.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(r[k] for r in inner) for k in ("import_s", "build_s", "model_s")}
    by_crewline = any(r["client_by_crewline"] for r in inner)
    own = [r["import_s"] + r["build_s"] - (0.0 if by_crewline else r["model_s"]) for r in inner]
    return {
        "runs": runs,
        **med,
        "client_by_crewline": by_crewline,
        "import_build_s": statistics.median(own),
        "with_model_s": statistics.median(r["import_s"] + r["build_s"] for r in inner),
        "process_s": statistics.median(outer),
    }
