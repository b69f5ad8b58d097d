"""The side-by-side harness as the benchmark uses it: its oracle server, its requests, the three
systems under test built in-process; how each section measures them is
:mod:`crewline.evals.benchmarks.sidebyside_bench` (``Bench``) and
:mod:`crewline.evals.benchmarks.sidebyside_startup`; ``crewline.evals.benchmarks.sidebyside`` is the
command that runs and reports.

Everything comes from the harness folder (``../shared/sidebyside``) at run time: the oracle, its
measuring helpers (run_sidebyside.py), its tool functions, its crewline spec (read here, so the crew
built from Python objects stays the spec's crew) and its two baselines. Nothing of it is copied.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
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


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)  # stderr: stdout is the tables' or the JSON's
