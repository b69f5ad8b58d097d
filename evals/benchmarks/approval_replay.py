"""Approval replay benchmark: an approved action must apply once, whatever re-runs its approval.

Kills: the support crew files a fraud report for customer C-1005 after a human approves it. Forked
worker processes drive the thread (request, approve, resume) and SIGKILL themselves at the first
fault point of the approval path they have not died at before — the decision recorded on the
ticket, the action claimed in the ledger, inside the ERP's transaction, right after it commits,
after the tool returns, after the ledger records the outcome, after the node and before its
checkpoint — until a worker finishes the turn. A stopped turn is taken up again by resuming the
approval (``Command(resume=approve)``) or by running the thread on (``invoke(None)``), with
``durability`` sync and async (LangGraph's default, where a step's checkpoint may never land). Then
the benchmark replays the finished thread every way a caller can in process: from the checkpoint
before ``apply_decision``, a fork of the decision through ``update_state``, the approval resumed
again. A *replay* is a fraud report in the ERP beyond the first (target 0); ``--control`` runs the
same kills with a fresh key per attempt (no ledger, no ERP check: the classic bug) to show they count.

API: with ``--server`` (needs a repository checkout: it starts ``langgraph dev`` with the test
harness), a ``user`` key of the same tenant tries every route that could re-run the approval after an
approver approved it (runs from a checkpoint, by ``checkpoint_id``, ``checkpoint`` and config, on the
thread and on a copy of it; resuming again; writing the state), and an approver does the same:
replays counted as above, each attempt's HTTP status and the audit log's refusals reported.

    python -m crewline.evals.benchmarks.approval_replay [--trials 5] [--url postgresql://…] [--server]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.types import Command

from crewline.evals.benchmarks.forked import run_forked
from crewline.graphs.crew import build_crew
from crewline.graphs.state import turn_unfinished
from crewline.memory.checkpoint.checkpointers import checkpointer
from crewline.memory.state.tickets import TicketStore
from crewline.tools.erp import open_demo_erp
from crewline.tools.faults import install_fault_hook
from crewline.tools.registry import ToolContext

__all__ = ["KILL_POINTS", "REQUEST", "Trial", "TrialReport", "fraud_reports", "main", "run_trial"]

REQUEST = "There are charges on my card I don't recognise, please report fraud. Customer C-1005."
CUSTOMER = "0001005"  # C-1005 in the ERP's own key
# the approval path, in order (crewline.graphs.crew, crewline.nodes.escalation, the ERP's effect)
KILL_POINTS = (
    "approval:decision_recorded",
    "approval:report_fraud:claimed",
    "effect:fraud_report:before_commit",
    "effect:fraud_report:after_commit",
    "approval:report_fraud:returned",
    "approval:report_fraud:settled",
    "approval:node_done",
)
MAX_WORKERS = 40
_FINISHED = object()


@dataclass(frozen=True)
class Trial:
    name: str
    resume: str  # "command": Command(resume=approve) again; "none": invoke(None)
    durability: str  # "sync" | "async"
    control: bool = False  # a fresh key per attempt: what crewline did before the ledger


@dataclass
class TrialReport:
    trial: str
    kills: list[str]
    workers: int
    reports_filed: int  # fraud reports for C-1005 beyond the seed's
    replays: int  # of them, beyond the first
    answer: str
    in_process_routes: dict[str, int] = field(default_factory=dict)  # route → reports after it


def fraud_reports(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(
            conn.execute("SELECT COUNT(*) FROM FRAUD_RPT WHERE CUST_ID = ?", (CUSTOMER,)).fetchone()[0]
        )
    finally:
        conn.close()


def _crew(saver: Any, data: Path) -> Any:
    return build_crew(
        "support",
        checkpointer=saver,
        tickets=TicketStore(data / "tickets.sqlite"),
        tool_context=ToolContext(data_dir=data),
    )


def _next_input(crew: Any, config: dict[str, Any], trial: Trial) -> Any:
    """What the worker sends next: the request, the approval, the resume of a stopped turn; or
    ``_FINISHED`` when the turn is over."""
    snapshot = crew.get_state(config)
    if not snapshot.values:
        return {"messages": [HumanMessage(REQUEST)]}
    if snapshot.interrupts:
        return Command(resume={"decision": "approve", "by": "bench-approver"})
    if turn_unfinished(snapshot):  # killed mid-step: finish the turn from its checkpoint
        return (
            Command(resume={"decision": "approve", "by": "bench-approver"})
            if trial.resume == "command"
            else None
        )
    return _FINISHED


def _worker(trial: Trial, url: str, data: Path, thread: str, killed: set[str], pipe: int) -> None:
    def hook(point: str) -> None:
        if point in KILL_POINTS and point not in killed:
            os.write(pipe, f"kill {point}\n".encode())
            os.kill(os.getpid(), signal.SIGKILL)

    if trial.control:  # a throwaway process: patching the module only affects it
        from crewline.nodes import escalation

        escalation.approval_key = lambda ticket, index, tool: f"attempt:{uuid.uuid4().hex}"  # type: ignore[assignment]
    config: dict[str, Any] = {"configurable": {"thread_id": thread}}
    with checkpointer(url) as saver, install_fault_hook(hook):
        crew = _crew(saver, data)
        while True:
            value = _next_input(crew, config, trial)
            if value is _FINISHED:
                break
            crew.invoke(value, config, durability=trial.durability)
        os.write(pipe, f"done {json.dumps(crew.get_state(config).values.get('answer', ''))}\n".encode())


def _fork_worker(trial: Trial, url: str, data: Path, thread: str, killed: set[str]) -> tuple[str, Any]:
    outcome, detail = run_forked(lambda pipe: _worker(trial, url, data, thread, killed, pipe), trial.name)
    return (outcome, json.loads(detail)) if outcome == "done" else (outcome, detail)


def _replay_in_process(url: str, data: Path, thread: str, db: Path) -> dict[str, int]:
    """Every in-process way back to the approval step, and the reports standing after each."""
    approve: Command[Any] = Command(resume={"decision": "approve", "by": "bench-approver"})
    config: dict[str, Any] = {"configurable": {"thread_id": thread}}
    after: dict[str, int] = {}
    with checkpointer(url) as saver:
        crew = _crew(saver, data)
        history = list(crew.get_state_history(config))
        at_apply = next(s for s in history if s.next == ("apply_decision",))
        at_decision = next(s for s in history if s.next == ("await_human",))
        for _ in range(3):
            crew.invoke(None, at_apply.config)
        after["replay_from_apply_decision_x3"] = fraud_reports(db)
        forked = crew.update_state(at_decision.config, None)
        crew.invoke(None, forked)
        crew.invoke(approve, forked)
        after["fork_of_the_decision_approved_again"] = fraud_reports(db)
        crew.invoke(approve, config)
        after["approval_resumed_again"] = fraud_reports(db)
    return after


def run_trial(trial: Trial, url: str, workdir: Path, pristine: Path) -> TrialReport:
    """One thread through every kill point of the approval path, then every in-process replay."""
    data = workdir / f"{trial.name}-{uuid.uuid4().hex[:8]}"
    (data / "erp").mkdir(parents=True)
    db = data / "erp" / "demo_erp.sqlite"
    shutil.copy(pristine, db)
    seeded = fraud_reports(db)
    thread = f"approval-{data.name}"
    killed: set[str] = set()
    for workers in range(1, MAX_WORKERS + 1):
        outcome, detail = _fork_worker(trial, url, data, thread, killed)
        if outcome == "kill":
            killed.add(detail)
            continue
        routes = {k: v - seeded for k, v in _replay_in_process(url, data, thread, db).items()}
        filed = fraud_reports(db) - seeded
        return TrialReport(trial.name, sorted(killed), workers, filed, max(0, filed - 1), detail, routes)
    raise RuntimeError(f"{trial.name} did not finish after {MAX_WORKERS} workers")


def trials(count: int, *, control: bool = False) -> list[Trial]:
    return [
        Trial(f"{'control-' if control else ''}{resume}-{durability}-{n}", resume, durability, control)
        for n in range(count)
        for resume in ("command", "none")
        for durability in ("sync", "async")
    ]


def run_kills(url: str, count: int, *, control: bool = False) -> dict[str, Any]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="crewline-approval-") as tmp:
        workdir = Path(tmp)
        os.environ.setdefault("CREWLINE_DATA_DIR", str(workdir / "home"))  # the vault key, for one run
        pristine = open_demo_erp(workdir / "pristine").db_path
        build_crew("support")  # warm: every worker forks from a process that built the crew once
        reports = [run_trial(trial, url, workdir, pristine) for trial in trials(count, control=control)]
    return {
        "trials": len(reports),
        "kills": sum(len(r.kills) for r in reports),
        "kill_points": list(KILL_POINTS),
        "replays": sum(r.replays for r in reports),
        "missing": sum(1 for r in reports if r.reports_filed == 0),
        "seconds": round(time.monotonic() - started, 1),
        "reports": [asdict(r) for r in reports],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=5, help="trials per resume way and durability")
    parser.add_argument("--url", help="checkpointer URL (default: a temporary SQLite file)")
    parser.add_argument("--control", action="store_true", help="also run the kills with no ledger")
    parser.add_argument("--server", action="store_true", help="also try every API route as a user")
    parser.add_argument("--json", action="store_true", help="print every trial's report")
    args = parser.parse_args(argv)
    if args.trials < 1:
        parser.error("--trials must be at least 1")
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="crewline-approval-ckpt-") as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'checkpoints.sqlite'}"
        figures["kills"] = run_kills(url, args.trials)
        if args.control:
            figures["control"] = run_kills(url, 1, control=True)
    if args.server:
        from crewline.evals.benchmarks.approval_replay_api import run_api

        figures["api"] = run_api()
    summary = {
        "trials": figures["kills"]["trials"],
        "kills": figures["kills"]["kills"],
        "replays": figures["kills"]["replays"],
        "missing": figures["kills"]["missing"],
        "seconds": figures["kills"]["seconds"],
    }
    if "control" in figures:
        summary["control_replays"] = figures["control"]["replays"]
    if "api" in figures:
        summary |= {f"api_{k}": v for k, v in figures["api"].items() if k != "routes"}
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name in ("control", "api"):
            for route in figures.get(name, {}).get("routes", []):
                print(json.dumps(route))
        print(json.dumps(summary))
    replays = figures["kills"]["replays"] + figures.get("api", {}).get("replays", 0)
    return 0 if replays == 0 and figures["kills"]["missing"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
